#include <gtest/gtest.h>

#include "anvil/ir/Type.h"
#include "anvil/support/Error.h"

using namespace anvil;

TEST(DataType, SpellingRoundTrips) {
  for (const char* s : {"int8", "int32", "uint4", "int1", "uint2", "float32", "float16x8",
                        "bfloat16", "bool", "boolx16", "int64x2", "handle", "void"}) {
    EXPECT_EQ(DataType::parse(s).to_string(), s) << s;
  }
}

TEST(DataType, SubByteWidthsAndLanes) {
  DataType t = DataType::parse("uint4x32");
  EXPECT_TRUE(t.is_uint());
  EXPECT_EQ(t.bits(), 4);
  EXPECT_EQ(t.lanes(), 32);
  EXPECT_EQ(t.bytes(), 1);
  EXPECT_EQ(DataType::Int(4).max_int(), 7);
  EXPECT_EQ(DataType::Int(4).min_int(), -8);
  EXPECT_EQ(DataType::UInt(4).max_uint(), 15u);
  EXPECT_TRUE(DataType::Bool().is_bool());
}

TEST(DataType, RefusesBadSpellings) {
  for (const char* s : {"int", "float8", "int65", "bfloat32", "int32x", "int32x0", "complex64",
                        "int32y4"}) {
    EXPECT_THROW(DataType::parse(s), UserError) << s;
  }
}
