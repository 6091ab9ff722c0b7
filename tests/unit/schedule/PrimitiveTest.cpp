// Every schedule primitive: what it does to the stage's loops, and its
// refusal of bad arguments with a message that names the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "anvil/ir/IRPrinter.h"
#include "anvil/schedule/Lower.h"
#include "anvil/schedule/Schedule.h"
#include "anvil/support/Error.h"
#include "support/ErrorMessage.h"

using namespace anvil;
using anvil::testing::schedule_error;
using ::testing::HasSubstr;

namespace {

struct MatMul {
  Tensor A = placeholder({13, 7}, DataType::Float(32), "A");
  Tensor B = placeholder({7, 20}, DataType::Float(32), "B");
  IterVar k = reduce_axis({0, 7}, "k");
  Tensor C = compute({13, 20}, [&](Var i, Var j) { return sum(A(i, k.var()) * B(k.var(), j), {k}); },
                     "C");
};

std::vector<std::string> names(const std::vector<Loop>& loops) {
  std::vector<std::string> out;
  for (const Loop& l : loops) out.push_back(l->name);
  return out;
}

}  // namespace

TEST(Split, ByFactorAndByParts) {
  MatMul m;
  Schedule sch({m.C});
  Stage& s = sch[m.C];
  auto [io, ii] = s.split(s.axis(0), 4);
  EXPECT_EQ(io->extent, 4);  // ceil(13 / 4)
  EXPECT_EQ(ii->extent, 4);
  auto [jo, ji] = s.split_nparts(s.axis(1), 3);
  EXPECT_EQ(jo->extent, 3);
  EXPECT_EQ(ji->extent, 7);  // ceil(20 / 3)
  EXPECT_EQ(names(s.leaf_loops()),
            (std::vector<std::string>{"C.i.o", "C.i.i", "C.j.o", "C.j.i", "k"}));
  // Splitting by more than the extent keeps one outer iteration.
  auto [ko, ki] = s.split(s.reduce_axis(0), 100);
  EXPECT_EQ(ko->extent, 1);
  EXPECT_EQ(ki->extent, 7);
}

TEST(Split, Refusals) {
  MatMul m;
  Schedule sch({m.C});
  Stage& s = sch[m.C];
  EXPECT_THAT(schedule_error([&] { s.split(s.axis(0), 0); }), HasSubstr("factor 0 must be positive"));
  EXPECT_THAT(schedule_error([&] { s.split(s.axis(0), -3); }), HasSubstr("must be positive"));
  Loop i = s.axis(0);
  s.split(i, 4);
  EXPECT_THAT(schedule_error([&] { s.split(i, 2); }), HasSubstr("already split or fused"));
  Schedule other({m.C});
  EXPECT_THAT(schedule_error([&] { s.split(other[m.C].axis(1), 2); }),
              HasSubstr("does not belong to this stage"));
  EXPECT_THAT(schedule_error([&] { sch[m.A].split(s.axis(1), 2); }), HasSubstr("placeholder"));
}

TEST(Tile, SplitsAndOrders) {
  MatMul m;
  Schedule sch({m.C});
  Stage& s = sch[m.C];
  auto t = s.tile(s.axis(0), s.axis(1), 4, 8);
  EXPECT_EQ(names(s.leaf_loops()),
            (std::vector<std::string>{"C.i.o", "C.j.o", "C.i.i", "C.j.i", "k"}));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_THAT(schedule_error([&] { s.tile(t[3], t[2], 2, 2); }), HasSubstr("must be outside"));
}

TEST(Fuse, AdjacentLoopsOnly) {
  MatMul m;
  Schedule sch({m.C});
  Stage& s = sch[m.C];
  Loop f = s.fuse(s.axis(0), s.axis(1));
  EXPECT_EQ(f->extent, 13 * 20);
  EXPECT_EQ(s.leaf_loops().size(), 2u);
  Schedule sch2({m.C});
  Stage& s2 = sch2[m.C];
  EXPECT_THAT(schedule_error([&] { s2.fuse(s2.axis(1), s2.axis(0)); }), HasSubstr("adjacent"));
  EXPECT_THAT(schedule_error([&] { s2.fuse(s2.axis(1), s2.reduce_axis(0)); }),
              HasSubstr("spatial loop with a reduction loop"));
}

TEST(Reorder, PermutesPositions) {
  MatMul m;
  Schedule sch({m.C});
  Stage& s = sch[m.C];
  s.reorder({s.reduce_axis(0), s.axis(0)});
  EXPECT_EQ(names(s.leaf_loops()), (std::vector<std::string>{"k", "C.j", "C.i"}));
  EXPECT_THAT(schedule_error([&] { s.reorder({s.axis(0), s.axis(0)}); }), HasSubstr("appears twice"));
  Schedule other({m.C});
  EXPECT_THAT(schedule_error([&] { s.reorder({other[m.C].axis(0), s.axis(1)}); }),
              HasSubstr("does not belong"));
}

TEST(Annotate, VectorizeUnrollParallelBindPragma) {
  MatMul m;
  Schedule sch({m.C});
  Stage& s = sch[m.C];
  auto [jo, ji] = s.split(s.axis(1), 2);
  s.vectorize(ji);
  EXPECT_EQ(ji->for_kind, ForKind::Vectorized);
  EXPECT_THAT(schedule_error([&] { s.vectorize(s.fuse(s.axis(0), jo)); }), HasSubstr("not a vector width"));
  EXPECT_THAT(schedule_error([&] { s.vectorize(ji); }), HasSubstr("already vectorized"));
  EXPECT_THAT(schedule_error([&] { s.vectorize(s.reduce_axis(0)); }),
              HasSubstr("reduction loop cannot be vectorized"));
  EXPECT_THAT(schedule_error([&] { s.parallel(s.reduce_axis(0)); }),
              HasSubstr("reduction loop cannot run in parallel"));
  s.unroll(s.reduce_axis(0));
  EXPECT_EQ(s.reduce_axis(0)->for_kind, ForKind::Unrolled);
  Loop fused = s.leaf_loops()[0];
  s.parallel(fused);
  EXPECT_EQ(fused->for_kind, ForKind::Parallel);
  s.pragma(fused, "auto_unroll_max_step", 16);
  ASSERT_EQ(fused->pragmas.size(), 1u);
  EXPECT_THAT(schedule_error([&] { s.pragma(fused, "", 1); }), HasSubstr("key is empty"));

  Schedule gpu({m.C});
  Stage& g = gpu[m.C];
  g.bind(g.axis(0), "blockIdx.x");
  EXPECT_EQ(g.axis(0)->for_kind, ForKind::GPUBlock);
  EXPECT_THAT(schedule_error([&] { g.bind(g.axis(1), "blockIdx.x"); }), HasSubstr("already bound"));
  EXPECT_THAT(schedule_error([&] { g.bind(g.axis(1), "warp.x"); }), HasSubstr("unknown thread tag"));
}

TEST(Annotate, UnrollOfALongLoopStaysAnnotated) {
  // A long unrolled loop is not expanded in the IR; the code generator gets
  // it as an unrolled loop (a pragma), so nothing is refused or blown up.
  Tensor A = placeholder({4096}, DataType::Float(32), "A");
  Tensor B = compute({4096}, [&](Var i) { return A(i) + 1.0f; }, "B");
  Schedule sch({B});
  sch[B].unroll(sch[B].axis(0));
  LoweredFunc f = lower(sch, {A, B}, "f");
  const For* loop = f.body.as<For>();
  ASSERT_TRUE(loop) << to_string(f);
  EXPECT_EQ(loop->for_kind, ForKind::Unrolled);
  // A short one is expanded.
  Tensor C = compute({4}, [&](Var i) { return A(i) * 2.0f; }, "C");
  Schedule small({C});
  small[C].unroll(small[C].axis(0));
  EXPECT_EQ(to_string(lower(small, {A, C}, "g")).find("for ("), std::string::npos);
}

TEST(ComputeLocation, AtInlineRoot) {
  MatMul m;
  Tensor D = compute({13, 20}, [&](Var i, Var j) { return max(m.C(i, j), 0.0f); }, "D");
  Schedule sch({D});
  Stage& c = sch[m.C];
  Stage& d = sch[D];
  auto [io, ii] = d.split(d.axis(0), 4);
  c.compute_at(d, io);
  EXPECT_EQ(c.attach_kind(), AttachKind::At);
  EXPECT_EQ(c.attach_loop(), io);
  c.compute_root();
  EXPECT_EQ(c.attach_kind(), AttachKind::Root);
  // A loop of another stage does not enclose the consumer.
  EXPECT_THAT(schedule_error([&] { c.compute_at(d, c.axis(0)); }),
              HasSubstr("is not a loop of consumer D"));
  EXPECT_THAT(schedule_error([&] { d.compute_at(c, c.axis(0)); }), HasSubstr("an output"));
  EXPECT_THAT(schedule_error([&] { c.compute_inline(); }), HasSubstr("reduction cannot be inlined"));
  EXPECT_THAT(schedule_error([&] { d.compute_inline(); }), HasSubstr("output must be stored"));
}

TEST(ComputeLocation, RefusesSecondConsumer) {
  Tensor A = placeholder({16}, DataType::Float(32), "A");
  Tensor B = compute({16}, [&](Var i) { return A(i) * 2.0f; }, "B");
  Tensor C = compute({16}, [&](Var i) { return B(i) + 1.0f; }, "C");
  Tensor D = compute({16}, [&](Var i) { return B(i) + C(i); }, "D");
  Schedule sch({D});
  EXPECT_THAT(schedule_error([&] { sch[B].compute_at(sch[C], sch[C].axis(0)); }),
              HasSubstr("read by both C and D"));
  EXPECT_THAT(schedule_error([&] { sch[A].compute_at(sch[C], sch[C].axis(0)); }),
              HasSubstr("placeholder"));
}

TEST(CacheWrite, MovesTheComputation) {
  MatMul m;
  Schedule sch({m.C});
  Tensor local = sch.cache_write(m.C, "local");
  EXPECT_EQ(local.name(), "C.local");
  EXPECT_EQ(sch[local].scope(), "local");
  EXPECT_EQ(sch[local].op()->reduce_axes().size(), 1u);
  EXPECT_TRUE(sch[m.C].op()->reduce_axes().empty());
  Schedule sch2({m.C});
  sch2[m.C].split(sch2[m.C].axis(0), 2);
  EXPECT_THAT(schedule_error([&] { sch2.cache_write(m.C, "local"); }),
              HasSubstr("before splitting"));
  EXPECT_THAT(schedule_error([&] { sch.cache_write(m.C, "registers"); }), HasSubstr("unknown scope"));
}

TEST(CacheRead, RewritesReaders) {
  MatMul m;
  Schedule sch({m.C});
  Tensor cached = sch.cache_read(m.B, "local", {m.C});
  EXPECT_EQ(cached.name(), "B.local");
  auto inputs = sch[m.C].op()->input_tensors();
  EXPECT_TRUE(std::any_of(inputs.begin(), inputs.end(), [&](const Tensor& t) { return t.same_as(cached); }));
  EXPECT_FALSE(std::any_of(inputs.begin(), inputs.end(), [&](const Tensor& t) { return t.same_as(m.B); }));
  Tensor E = placeholder({3}, DataType::Float(32), "E");
  EXPECT_THROW(sch.cache_read(E, "local", {m.C}), UserError);  // not in the schedule
  EXPECT_THAT(schedule_error([&] { sch.cache_read(m.A, "local", {cached}); }),
              HasSubstr("does not read it"));
}

TEST(Rfactor, FactorsAReductionLoop) {
  Tensor A = placeholder({64}, DataType::Float(32), "A");
  IterVar k = reduce_axis({0, 64}, "k");
  Tensor S = compute({1}, [&](Var) { return sum(A(k.var()), {k}); }, "S");
  Schedule sch({S});
  auto [ko, ki] = sch[S].split(sch[S].reduce_axis(0), 8);
  Tensor rf = sch.rfactor(S, ki);
  EXPECT_EQ(rf.ndim(), 2);
  EXPECT_EQ(*as_const_int(rf.shape()[0]), 8);
  EXPECT_EQ(sch[S].op()->reduce_axes().size(), 1u);
  Schedule sch2({S});
  EXPECT_THAT(schedule_error([&] { sch2.rfactor(S, sch2[S].axis(0)); }),
              HasSubstr("is not a reduction loop"));
  EXPECT_THAT(schedule_error([&] { sch2.rfactor(S, sch2[S].reduce_axis(0), 5); }),
              HasSubstr("factor_axis 5"));
}

TEST(StorageAlign, PadsTheRowStride) {
  Tensor A = placeholder({6, 10}, DataType::Float(32), "A");
  Tensor B = compute({6, 10}, [&](Var i, Var j) { return A(i, j) * 2.0f; }, "B");
  Tensor C = compute({6, 10}, [&](Var i, Var j) { return B(i, j) + 1.0f; }, "C");
  Schedule sch({C});
  sch[B].storage_align(0, 16, 0);
  LoweredFunc f = lower(sch, {A, C}, "aligned");
  EXPECT_THAT(to_string(f), HasSubstr("float32[96]"));  // 6 rows × stride 16
  EXPECT_THAT(schedule_error([&] { sch[B].storage_align(1, 16, 0); }), HasSubstr("innermost"));
  EXPECT_THAT(schedule_error([&] { sch[B].storage_align(0, 16, 16); }), HasSubstr("offset"));
  EXPECT_THAT(schedule_error([&] { sch[C].storage_align(0, 16, 0); }), HasSubstr("fixed by"));
}

TEST(Sampling, PerfectTileAndCategorical) {
  MatMul m;
  Schedule sch({m.C}, 42);
  Stage& s = sch[m.C];
  for (int trial = 0; trial < 5; trial++) {
    auto f = sch.sample_perfect_tile(s, s.axis(1), 3, 4);
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0] * f[1] * f[2], 20);
    EXPECT_LE(f[2], 4);
  }
  Factor c = sch.sample_categorical({0, 16, 64}, {0.0, 1.0, 0.0});
  EXPECT_EQ(c.value, 16);
  EXPECT_THAT(schedule_error([&] { sch.sample_categorical({1, 2}, {1.0}); }),
              HasSubstr("2 choices with 1 probabilities"));
  EXPECT_THAT(schedule_error([&] { sch.sample_perfect_tile(s, s.axis(1), 0, 4); }),
              HasSubstr("must be in 1..8"));
}

TEST(Schedule, RefusesDuplicateTensorNames) {
  Tensor A = placeholder({4}, DataType::Float(32), "X");
  Tensor B = compute({4}, [&](Var i) { return A(i) + 1.0f; }, "X");
  EXPECT_THROW(Schedule({B}), UserError);
}
