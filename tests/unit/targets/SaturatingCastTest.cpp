// saturating_cast clamps instead of wrapping, on both CPU backends.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "anvil/ir/IROperator.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

using namespace anvil;

namespace {

// out[i] = saturating_cast<To>(in[i]) over a vector loop of 8 lanes.
LoweredFunc saturate_func(const std::string& name, DataType from, DataType to, int n) {
  Var in("in", DataType::Handle()), out("out", DataType::Handle()), i("i");
  Expr index = Ramp::make(i * 8, 1, 8);
  Expr v = Load::make(from.with_lanes(8), in, index);
  Stmt body = Store::make(out, saturating_cast(to, v), index);
  LoweredFunc f;
  f.name = name;
  f.args = {{in, from, {n}}, {out, to, {n}}};
  f.body = For::make(i, 0, n / 8, ForKind::Serial, body);
  return f;
}

}  // namespace

TEST(SaturatingCast, ClampsOnEveryBackend) {
  std::vector<int32_t> ints = {-1000, -129, -128, -1, 0, 1, 127, 128, 255, 256, 70000, -70000,
                               std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(), 5, 6};
  std::vector<float> floats = {-1e20f, -3e9f, -2147483648.0f, -1.5f, -0.5f, 0.0f, 0.7f, 2.5f,
                               2147483520.0f, 3e9f, 1e20f, std::nanf(""), 126.9f, 127.6f, -128.4f, -129.0f};
  for (const char* target : {"c -mcpu=native", "llvm -mcpu=native"}) {
    Module m = build_module({saturate_func("i32_to_i8", DataType::Int(32), DataType::Int(8), 16),
                             saturate_func("i32_to_u8", DataType::Int(32), DataType::UInt(8), 16),
                             saturate_func("f32_to_i32", DataType::Float(32), DataType::Int(32), 16),
                             saturate_func("f32_to_i8", DataType::Float(32), DataType::Int(8), 16)},
                            Target::parse(target));
    std::vector<int8_t> s8(16);
    std::vector<uint8_t> u8(16);
    std::vector<int32_t> s32(16);
    m.call("i32_to_i8", {ints.data(), s8.data()});
    m.call("i32_to_u8", {ints.data(), u8.data()});
    for (int k = 0; k < 16; k++) {
      EXPECT_EQ(s8[k], std::clamp<int64_t>(ints[k], -128, 127)) << target << " " << ints[k];
      EXPECT_EQ(u8[k], std::clamp<int64_t>(ints[k], 0, 255)) << target << " " << ints[k];
    }
    m.call("f32_to_i32", {floats.data(), s32.data()});
    m.call("f32_to_i8", {floats.data(), s8.data()});
    for (int k = 0; k < 16; k++) {
      double f = floats[k];
      int64_t want32 = std::isnan(f) ? 0 : static_cast<int64_t>(std::trunc(std::clamp(f, -2147483648.0, 2147483520.0)));
      int64_t want8 = std::isnan(f) ? 0 : static_cast<int64_t>(std::trunc(std::clamp(f, -128.0, 127.0)));
      EXPECT_EQ(s32[k], want32) << target << " " << f;
      EXPECT_EQ(s8[k], want8) << target << " " << f;
    }
  }
}

TEST(SaturatingCast, WideningAndFloatTargetsAreOrdinaryCasts) {
  Var x("x", DataType::Int(8));
  EXPECT_TRUE(saturating_cast(DataType::Int(32), x).as<Cast>());
  EXPECT_TRUE(saturating_cast(DataType::Float(32), x).as<Cast>());
  EXPECT_TRUE(saturating_cast(DataType::Int(8), x).same_as(x));
}
