// The tensor intrinsic library: which targets have which intrinsics (read
// from the CPU's features, so -mcpu=native counts), the declaration of
// dot_16x4_u8s8s32, and kernels tensorized with it computing the reference
// on random data through the LLVM JIT (on hosts with AVX-512 VNNI), with
// contiguous operands (one vpdpbusd) and strided ones (gathered).
#include "anvil/targets/Intrinsics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/ops/QuantizedDense.h"
#include "anvil/schedule/Lower.h"
#include "anvil/targets/Module.h"

using namespace anvil;
using ::testing::HasSubstr;

namespace {

std::vector<std::string> names(const std::string& target) {
  std::vector<std::string> out;
  for (const TensorIntrin* t : tensor_intrinsics(Target::parse(target))) out.push_back(t->name);
  return out;
}

bool host_has_vnni() { return Target::parse("llvm -mcpu=native").has_feature("avx512vnni"); }

// The stage's last spatial axis split by 16 and its reduction by 4, those
// two innermost, tensorized.
void tensorize_innermost(Stage& s) {
  auto [jo, ji] = s.split(s.axis(1), 16);
  auto [ko, ki] = s.split(s.reduce_axis(0), 4);
  s.reorder({s.axis(0), jo, ko, ji, ki});
  s.tensorize(ji, dot_16x4_u8s8s32());
}

}  // namespace

TEST(Intrinsics, TargetsWithVnniHaveTheDotProduct) {
  const std::vector<std::string> dot = {kDot16x4U8S8S32};
  EXPECT_EQ(names("llvm -mcpu=sapphirerapids"), dot);
  EXPECT_EQ(names("llvm -mcpu=znver4"), dot);
  EXPECT_EQ(names("llvm -mcpu=skylake-avx512 -mattr=+avx512vnni"), dot);
  EXPECT_TRUE(names("llvm -mcpu=haswell").empty());
  EXPECT_TRUE(names("llvm -mcpu=skylake-avx512").empty());
  EXPECT_TRUE(names("llvm -mcpu=sapphirerapids -mattr=-avx512vnni").empty());
  EXPECT_TRUE(names("llvm -mtriple=aarch64-linux-gnu -mattr=+neon,+dotprod").empty());
  EXPECT_TRUE(names("c -mcpu=znver4").empty());  // C code cannot call LLVM intrinsics
  // -mcpu=native is the host's CPU: the same answer as the CPU's own flags.
  __builtin_cpu_init();
  bool host = __builtin_cpu_supports("avx512vnni");
  EXPECT_EQ(names("llvm -mcpu=native").size(), host ? 1u : 0u);
  EXPECT_EQ(host_has_vnni(), host);
  EXPECT_TRUE(Target::parse("llvm -mcpu=znver4").has_feature("avx512bw"));
  EXPECT_FALSE(Target::parse("llvm -mcpu=haswell").has_feature("avx512f"));
  EXPECT_FALSE(Target::parse("c -mcpu=znver4").has_feature("avx512f"));
  // Every intrinsic of a target is among all of them, by address (a
  // tensorized stage keeps the pointer).
  auto all = all_tensor_intrinsics();
  for (const TensorIntrin* t : tensor_intrinsics(Target::parse("llvm -mcpu=znver4")))
    EXPECT_NE(std::find(all.begin(), all.end(), t), all.end());
}

TEST(Intrinsics, DotProductDeclaration) {
  const TensorIntrin& dot = dot_16x4_u8s8s32();
  EXPECT_NO_THROW(validate_intrin(dot));
  EXPECT_EQ(dot.name, kDot16x4U8S8S32);
  ASSERT_EQ(dot.inputs.size(), 2u);
  EXPECT_EQ(dot.inputs[0].dtype(), DataType::UInt(8));
  EXPECT_EQ(dot.inputs[1].dtype(), DataType::Int(8));
  EXPECT_EQ(dot.output.dtype(), DataType::Int(32));
  EXPECT_EQ(as_const_int(dot.output.shape()[0]), 16);
  ASSERT_EQ(as_compute(dot.output)->reduce_axes().size(), 1u);
  EXPECT_EQ(as_const_int(as_compute(dot.output)->reduce_axes()[0].dom().extent), 4);
  EXPECT_EQ(&dot, &dot_16x4_u8s8s32());  // one object for the whole process
}

TEST(Intrinsics, PackedDenseTensorizesAndComputesTheReference) {
  const int64_t M = 5, N = 48, K = 36;
  Tensor data = placeholder({int(M), int(K)}, DataType::UInt(8), "data");
  Tensor packed = placeholder({3, 9, 16, 4}, DataType::Int(8), "packed");
  Tensor out = ops::dense_u8s8_packed(data, packed, N, "out");
  Schedule sch({out});
  tensorize_innermost(sch[out]);
  LoweredFunc f = lower(sch, {data, packed, out}, "vnni_dense");
  std::string ir = to_string(f);
  EXPECT_THAT(ir, HasSubstr("llvm.x86.avx512.vpdpbusd.512"));
  EXPECT_THAT(ir, ::testing::Not(HasSubstr("for (out.k.i")));
  // Contiguous operands: one 64-byte ramp for the weights, no gather.
  EXPECT_THAT(ir, ::testing::Not(HasSubstr("floormod(ramp")));
  if (!host_has_vnni()) GTEST_SKIP() << "this host has no AVX-512 VNNI to run the kernel";
  Module mod = build_module({f}, Target::parse("llvm -mcpu=native"));
  HostBuffer x = HostBuffer::random(DataType::UInt(8), {M, K}, 5, 0, 255);
  HostBuffer w = ops::pack_dense_weight_u8s8(HostBuffer::random(DataType::Int(8), {N, K}, 6, -128, 127));
  HostBuffer y(DataType::Int(32), {M, N});
  mod.call("vnni_dense", {x.raw(), w.raw(), y.raw()});
  EXPECT_EQ(max_abs_diff(y, ops::ref::dense_u8s8_packed(x, w, N)), 0.0);
}

TEST(Intrinsics, StridedOperandsAreGatheredAndStillCorrect) {
  // Plain layouts: the weight W[j, k] has rows K apart, not 4.
  const int M = 3, N = 32, K = 20;
  Tensor A = placeholder({M, K}, DataType::UInt(8), "A");
  Tensor W = placeholder({N, K}, DataType::Int(8), "W");
  IterVar k = reduce_axis({0, K}, "k");
  Tensor C = compute(
      {M, N},
      [&](Var i, Var j) {
        return sum(cast(DataType::Int(32), A(i, k.var())) * cast(DataType::Int(32), W(j, k.var())), {k});
      },
      "C");
  Schedule sch({C});
  tensorize_innermost(sch[C]);
  LoweredFunc f = lower(sch, {A, W, C}, "vnni_strided");
  EXPECT_THAT(to_string(f), HasSubstr("llvm.x86.avx512.vpdpbusd.512"));
  if (!host_has_vnni()) GTEST_SKIP() << "this host has no AVX-512 VNNI to run the kernel";
  Module mod = build_module({f}, Target::parse("llvm -mcpu=native"));
  HostBuffer a = HostBuffer::random(DataType::UInt(8), {M, K}, 7, 0, 255);
  HostBuffer w = HostBuffer::random(DataType::Int(8), {N, K}, 8, -128, 127);
  HostBuffer c(DataType::Int(32), {M, N});
  mod.call("vnni_strided", {a.raw(), w.raw(), c.raw()});
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      int64_t s = 0;
      for (int kk = 0; kk < K; kk++) s += a.get_int(i * K + kk) * w.get_int(j * K + kk);
      ASSERT_EQ(c.get_int(i * N + j), s) << i << ", " << j;
    }
}
