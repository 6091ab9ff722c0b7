// tensorize: a 16-wide "multiply-accumulate a row" intrinsic replaces the
// inner loops of a matmul; the result is checked numerically, the IR has no
// trace of the replaced loops, and mismatching nests are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/StructuralEqual.h"
#include "anvil/ops/Dense.h"
#include "anvil/ops/Reference.h"
#include "anvil/schedule/Lower.h"
#include "anvil/schedule/Tensorize.h"
#include "anvil/support/Error.h"
#include "support/ErrorMessage.h"
#include "anvil/support/HostBuffer.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

using namespace anvil;
using anvil::testing::schedule_error;
using ::testing::HasSubstr;

namespace {

constexpr int kLanes = 16, kDepth = 4;

// out[j] += sum_k a[k] * b[k, j] for j < 16, k < 4, emitted as vector code.
TensorIntrin row_fma_intrinsic(bool use_max = false) {
  Tensor a = placeholder({kDepth}, DataType::Float(32), "a");
  Tensor b = placeholder({kDepth, kLanes}, DataType::Float(32), "b");
  IterVar k = reduce_axis({0, kDepth}, "k");
  Tensor out = compute({kLanes}, [&](Var j) {
    Expr v = a(k.var()) * b(k.var(), j);
    return use_max ? max(v, {k}) : sum(v, {k});
  }, "out");
  TensorIntrin intrin;
  intrin.name = use_max ? "row_max16" : "row_fma16";
  intrin.inputs = {a, b};
  intrin.output = out;
  intrin.emit = [](const std::vector<BufferRegion>& r) {
    const BufferRegion &ra = r[0], &rb = r[1], &ro = r[2];
    DataType vec = DataType::Float(32, kLanes);
    Expr out_index = Ramp::make(ro.offset, ro.strides[0], kLanes);
    std::vector<Stmt> steps;
    for (int kk = 0; kk < kDepth; kk++) {
      Expr av = Broadcast::make(Load::make(DataType::Float(32), ra.buffer, ra.index({kk})), kLanes);
      Expr bv = Load::make(vec, rb.buffer, Ramp::make(rb.index({kk, 0}), rb.strides[1], kLanes));
      Expr acc = Load::make(vec, ro.buffer, out_index);
      steps.push_back(Store::make(ro.buffer, acc + av * bv, out_index));
    }
    return Seq::make(steps);
  };
  return intrin;
}

struct MatMul {
  Tensor A = placeholder({13, 8}, DataType::Float(32), "A");
  Tensor B = placeholder({8, 32}, DataType::Float(32), "B");
  Tensor C = ops::matmul(A, B, DataType::Float(32), "C");
};

// i, j.o, k.o, j.i, k.i with the last two tensorized.
Loop schedule_for_intrinsic(Schedule& sch, const MatMul& m, int j_factor = kLanes) {
  Stage& s = sch[m.C];
  auto [jo, ji] = s.split(s.axis(1), j_factor);
  auto [ko, ki] = s.split(s.reduce_axis(0), kDepth);
  s.reorder({s.axis(0), jo, ko, ji, ki});
  return ji;
}

}  // namespace

TEST(Tensorize, ReplacesTheNestAndComputesTheSameResult) {
  MatMul m;
  TensorIntrin intrin = row_fma_intrinsic();
  Schedule sch({m.C});
  Loop ji = schedule_for_intrinsic(sch, m);
  sch[m.C].tensorize(ji, intrin);
  LoweredFunc f = lower(sch, {m.A, m.B, m.C}, "tensorized");
  std::string ir = to_string(f);
  EXPECT_THAT(ir, HasSubstr("ramp("));
  EXPECT_THAT(ir, ::testing::Not(HasSubstr("for (C.j.i,")));  // the replaced loops are gone
  EXPECT_THAT(ir, ::testing::Not(HasSubstr("for (k.i")));

  Module mod = build_module({f}, Target::parse("c -mcpu=native"));
  HostBuffer a = HostBuffer::random(DataType::Float(32), {13, 8}, 3);
  HostBuffer b = HostBuffer::random(DataType::Float(32), {8, 32}, 4);
  HostBuffer c(DataType::Float(32), {13, 32});
  mod.call("tensorized", {a.raw(), b.raw(), c.raw()});
  EXPECT_TRUE(all_close(c, ops::ref::matmul(a, b, DataType::Float(32)), 1e-5, 1e-5))
      << max_abs_diff(c, ops::ref::matmul(a, b, DataType::Float(32)));
}

TEST(Tensorize, ReplaysWithTheIntrinsic) {
  MatMul m;
  TensorIntrin intrin = row_fma_intrinsic();
  Schedule sch({m.C});
  sch[m.C].tensorize(schedule_for_intrinsic(sch, m), intrin);
  Trace trace = Trace::from_json(sch.trace().to_json());
  auto again = trace.replay({m.C}, {}, {&intrin});
  EXPECT_TRUE(structural_equal(lower(sch, {m.A, m.B, m.C}, "f"), lower(*again, {m.A, m.B, m.C}, "f")));
  EXPECT_THAT(schedule_error([&] { trace.replay({m.C}); }), HasSubstr("not given to replay"));
}

TEST(Tensorize, RefusesNestsThatDoNotMatch) {
  MatMul m;
  TensorIntrin intrin = row_fma_intrinsic();
  {
    Schedule sch({m.C});
    Loop ji = schedule_for_intrinsic(sch, m, 8);  // 8 lanes where the intrinsic has 16
    EXPECT_THAT(schedule_error([&] { sch[m.C].tensorize(ji, intrin); }), HasSubstr("has extent 8"));
  }
  {
    Schedule sch({m.C});
    Loop ji = schedule_for_intrinsic(sch, m);
    TensorIntrin other = row_fma_intrinsic(/*use_max=*/true);
    EXPECT_THAT(schedule_error([&] { sch[m.C].tensorize(ji, other); }), HasSubstr("combine differently"));
  }
  {
    // B read transposed: the access pattern differs from the intrinsic's.
    Tensor Bt = placeholder({32, 8}, DataType::Float(32), "Bt");
    Tensor C = ops::dense(m.A, Bt, DataType::Float(32), "C");
    Schedule sch({C});
    Stage& s = sch[C];
    auto [jo, ji] = s.split(s.axis(1), kLanes);
    auto [ko, ki] = s.split(s.reduce_axis(0), kDepth);
    s.reorder({s.axis(0), jo, ko, ji, ki});
    EXPECT_THAT(schedule_error([&] { s.tensorize(ji, intrin); }), HasSubstr("another pattern"));
  }
  {
    // The outer part of a split steps by 16 elements, not one.
    Schedule sch({m.C});
    Stage& s = sch[m.C];
    auto [jo, ji] = s.split(s.axis(1), 2);
    auto [ko, ki] = s.split(s.reduce_axis(0), kDepth);
    s.reorder({s.axis(0), ko, jo, ki, ji});
    EXPECT_THAT(schedule_error([&] { s.tensorize(jo, intrin); }), HasSubstr("outer part of a split"));
  }
  {
    Schedule sch({m.C});
    Loop ji = schedule_for_intrinsic(sch, m);
    sch[m.C].unroll(sch[m.C].leaf_loops().back());
    EXPECT_THAT(schedule_error([&] { sch[m.C].tensorize(ji, intrin); }), HasSubstr("already"));
  }
  TensorIntrin broken = intrin;
  broken.inputs = {intrin.inputs[0]};
  Schedule sch({m.C});
  EXPECT_THROW(sch[m.C].tensorize(sch[m.C].axis(1), broken), UserError);
}

// A blocked operand layout (B packed [K/4, N/16, 4, 16]) matches from bases
// that are multiples of the block, which the splits guarantee; a layout whose
// blocks straddle the tensorized nest (shifted by 8 columns) does not.
TEST(Tensorize, BlockedLayoutsMatchFromBlockAlignedBases) {
  TensorIntrin intrin = row_fma_intrinsic();
  Tensor A = placeholder({13, 8}, DataType::Float(32), "A");
  Tensor Bp = placeholder({2, 3, kDepth, kLanes}, DataType::Float(32), "Bp");
  IterVar k = reduce_axis({0, 8}, "k");
  auto blocked = [&](int shift) {
    return compute({13, 32}, [&](Var i, Var j) {
      Expr jj = j + shift, kv = k.var();
      return sum(A(i, kv) * Bp(floordiv(kv, kDepth), floordiv(jj, kLanes), floormod(kv, kDepth),
                               floormod(jj, kLanes)), {k});
    }, "C");
  };
  Tensor C = blocked(0);
  Schedule sch({C});
  sch[C].tensorize(schedule_for_intrinsic(sch, {A, Bp, C}), intrin);
  LoweredFunc f = lower(sch, {A, Bp, C}, "blocked");
  Module mod = build_module({f}, Target::parse("c -mcpu=native"));
  HostBuffer a = HostBuffer::random(DataType::Float(32), {13, 8}, 3);
  HostBuffer bp = HostBuffer::random(DataType::Float(32), {2, 3, kDepth, kLanes}, 4);
  HostBuffer b(DataType::Float(32), {8, 32});  // the same weights, unblocked
  for (int kk = 0; kk < 8; kk++)
    for (int j = 0; j < 32; j++)
      b.set(kk * 32 + j, bp.get(((kk / kDepth * 3 + j / kLanes) * kDepth + kk % kDepth) * kLanes + j % kLanes));
  HostBuffer c(DataType::Float(32), {13, 32});
  mod.call("blocked", {a.raw(), bp.raw(), c.raw()});
  EXPECT_TRUE(all_close(c, ops::ref::matmul(a, b, DataType::Float(32)), 1e-5, 1e-5));

  Tensor shifted = blocked(8);
  Schedule sch2({shifted});
  Loop ji = schedule_for_intrinsic(sch2, {A, Bp, shifted});
  EXPECT_THAT(schedule_error([&] { sch2[shifted].tensorize(ji, intrin); }), HasSubstr("another pattern"));
}
