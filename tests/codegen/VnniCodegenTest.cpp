// dot_16x4_u8s8s32 reaches the machine code as vpdpbusd on zmm registers:
// a packed int8 dense tensorized with it, compiled ahead of time for the two
// VNNI CPUs Anvil is measured on (no VNNI host needed).
#include <gtest/gtest.h>

#include <regex>

#include "anvil/ops/QuantizedDense.h"
#include "anvil/schedule/Lower.h"
#include "anvil/targets/Intrinsics.h"
#include "anvil/targets/Module.h"

using namespace anvil;

TEST(CodegenVnni, TensorizedDenseUsesVpdpbusdOnZmm) {
  Tensor data = placeholder({8, 64}, DataType::UInt(8), "data");
  Tensor packed = placeholder({2, 16, 16, 4}, DataType::Int(8), "packed");
  Tensor out = ops::dense_u8s8_packed(data, packed, 32, "out");
  Schedule sch({out});
  Stage& s = sch[out];
  auto [jo, ji] = s.split(s.axis(1), 16);
  auto [ko, ki] = s.split(s.reduce_axis(0), 4);
  s.reorder({s.axis(0), jo, ko, ji, ki});
  s.tensorize(ji, dot_16x4_u8s8s32());
  LoweredFunc f = lower(sch, {data, packed, out}, "vnni_dense");
  for (const char* cpu : {"sapphirerapids", "znver4"}) {
    std::string text = emit_assembly({f}, Target::parse(std::string("llvm -mcpu=") + cpu));
    EXPECT_TRUE(std::regex_search(text, std::regex("vpdpbusd[^\\n]*%zmm[0-9]+[^\\n]*%zmm[0-9]+")))
        << cpu << ": no 512-bit vpdpbusd in:\n" << text.substr(0, 4000);
    // Nothing left of the replaced nest's scalar arithmetic: no byte multiplies.
    EXPECT_FALSE(std::regex_search(text, std::regex("vpmovsxbd|vpmovzxbd|vpmulld"))) << cpu << ":\n"
                                                                                     << text.substr(0, 4000);
  }
}
