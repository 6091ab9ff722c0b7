// HostBuffer: allocation, typed access, conversions, random fill and comparisons.
#include "anvil/support/HostBuffer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "OpTestUtil.h"

using namespace anvil;
using anvil::ops::testing::user_error_of;
using ::testing::HasSubstr;

TEST(HostBuffer, ShapeSizeAlignmentAndZeroFill) {
  HostBuffer b(DataType::Float(32), {2, 3, 5});
  EXPECT_EQ(b.num_elements(), 30);
  EXPECT_EQ(b.size_bytes(), 120u);
  EXPECT_EQ(b.ndim(), 3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.raw()) % HostBuffer::kAlignment, 0u);
  for (int64_t i = 0; i < b.num_elements(); i++) EXPECT_EQ(b.data<float>()[i], 0.0f);
  HostBuffer scalar(DataType::Int(64), {});
  EXPECT_EQ(scalar.num_elements(), 1);
  HostBuffer empty(DataType::Int(8), {0, 4});
  EXPECT_EQ(empty.num_elements(), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(empty.raw()) % HostBuffer::kAlignment, 0u);
}

TEST(HostBuffer, TypedAccessChecksTheElementType) {
  HostBuffer b(DataType::Int(32), {4});
  b.data<int32_t>()[2] = -7;
  EXPECT_EQ(b.get(2), -7.0);
  EXPECT_THAT(user_error_of([&] { b.data<float>(); }), HasSubstr("int32"));
}

TEST(HostBuffer, RefusesUnsupportedTypesAndNegativeExtents) {
  EXPECT_THAT(user_error_of([] { HostBuffer(DataType::Int(4), {8}); }), HasSubstr("int4"));
  EXPECT_THAT(user_error_of([] { HostBuffer(DataType::Float(32, 4), {8}); }),
              HasSubstr("float32x4"));
  EXPECT_THAT(user_error_of([] { HostBuffer(DataType::Float(32), {2, -1}); }),
              HasSubstr("dimension 1"));
}

TEST(HostBuffer, SetConvertsLikeACast) {
  HostBuffer i8(DataType::Int(8), {3});
  i8.set(0, 130.0);  // wraps
  i8.set(1, -2.7);   // truncates toward zero
  i8.set_int(2, 255);
  EXPECT_EQ(i8.data<int8_t>()[0], -126);
  EXPECT_EQ(i8.data<int8_t>()[1], -2);
  EXPECT_EQ(i8.get_int(2), -1);
  HostBuffer u8(DataType::UInt(8), {1});
  u8.set_int(0, -1);
  EXPECT_EQ(u8.get_int(0), 255);
  HostBuffer f(DataType::Float(32), {1});
  f.set(0, 0.1);
  EXPECT_EQ(f.get(0), static_cast<double>(0.1f));
}

TEST(HostBuffer, CopyIsDeep) {
  HostBuffer a = HostBuffer::from_values(DataType::Float(64), {2}, {1.5, 2.5});
  HostBuffer b = a;
  b.set(0, 9);
  EXPECT_EQ(a.get(0), 1.5);
  EXPECT_EQ(b.get(0), 9.0);
  EXPECT_NE(a.raw(), b.raw());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.raw()) % HostBuffer::kAlignment, 0u);
}

TEST(HostBuffer, FromValuesChecksTheCount) {
  EXPECT_THAT(user_error_of([] {
                HostBuffer::from_values(DataType::Float(32), {2, 2}, {1, 2, 3});
              }),
              HasSubstr("3 values for shape [2, 2]"));
}

TEST(HostBuffer, RandomIsDeterministicAndInRange) {
  HostBuffer a = HostBuffer::random(DataType::Float(32), {1000}, 42, -2, 3);
  HostBuffer b = HostBuffer::random(DataType::Float(32), {1000}, 42, -2, 3);
  HostBuffer c = HostBuffer::random(DataType::Float(32), {1000}, 43, -2, 3);
  EXPECT_EQ(max_abs_diff(a, b), 0.0);
  EXPECT_GT(max_abs_diff(a, c), 0.0);
  double lo = 1e9, hi = -1e9;
  for (int64_t i = 0; i < a.num_elements(); i++) {
    lo = std::min(lo, a.get(i));
    hi = std::max(hi, a.get(i));
  }
  EXPECT_GE(lo, -2.0);
  EXPECT_LE(hi, 3.0);
  EXPECT_LT(lo, -1.5);  // spread over the range, not stuck in a corner
  EXPECT_GT(hi, 2.5);

  HostBuffer q = HostBuffer::random(DataType::Int(8), {2000}, 7, -3, 2);
  bool seen[6] = {};
  for (int64_t i = 0; i < q.num_elements(); i++) {
    int64_t v = q.get_int(i);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 2);
    seen[v + 3] = true;
  }
  for (bool s : seen) EXPECT_TRUE(s);  // both ends are included
  EXPECT_THAT(user_error_of([] { HostBuffer::random(DataType::Int(8), {4}, 1, -200, 0); }),
              HasSubstr("does not fit int8"));
  EXPECT_THAT(user_error_of([] { HostBuffer::random(DataType::Float(32), {4}, 1, 1, 0); }),
              HasSubstr("empty range"));
}

TEST(HostBuffer, MaxAbsDiffAndAllClose) {
  HostBuffer a = HostBuffer::from_values(DataType::Float(32), {3}, {1, 2, 3});
  HostBuffer b = HostBuffer::from_values(DataType::Float(32), {3}, {1, 2.5, 3});
  EXPECT_DOUBLE_EQ(max_abs_diff(a, b), 0.5);
  EXPECT_FALSE(all_close(a, b, 1e-5, 1e-6));
  EXPECT_TRUE(all_close(a, b, 0.0, 0.5));
  EXPECT_TRUE(all_close(a, b, 0.2, 0.0));  // 0.5 <= 0.2 * 2.5
  EXPECT_FALSE(all_close(a, b, 0.19, 0.0));
  HostBuffer n = HostBuffer::from_values(DataType::Float(32), {3}, {1, NAN, 3});
  EXPECT_EQ(max_abs_diff(a, n), std::numeric_limits<double>::infinity());
  EXPECT_FALSE(all_close(n, n));
  HostBuffer inf = HostBuffer::from_values(DataType::Float(32), {1}, {-INFINITY});
  EXPECT_EQ(max_abs_diff(inf, inf), 0.0);

  HostBuffer other_shape(DataType::Float(32), {1, 3});
  HostBuffer other_type(DataType::Float(64), {3});
  EXPECT_THAT(user_error_of([&] { max_abs_diff(a, other_shape); }),
              HasSubstr("mismatched shapes [3] and [1, 3]"));
  EXPECT_THAT(user_error_of([&] { all_close(a, other_type); }),
              HasSubstr("mismatched dtypes float32 and float64"));
}
