// Every primitive replays: a schedule using it, serialised to JSON and
// replayed on the same workload, lowers to structurally equal IR.
#include <gtest/gtest.h>

#include <functional>

#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/StructuralEqual.h"
#include "anvil/schedule/Lower.h"
#include "anvil/schedule/Schedule.h"
#include "anvil/support/Error.h"

using namespace anvil;

namespace {

struct Workload {
  Tensor A = placeholder({24, 20}, DataType::Float(32), "A");
  Tensor B = placeholder({20, 36}, DataType::Float(32), "B");
  IterVar k = reduce_axis({0, 20}, "k");
  Tensor C = compute({24, 36}, [&](Var i, Var j) { return sum(A(i, k.var()) * B(k.var(), j), {k}); },
                     "C");
  Tensor D = compute({24, 36}, [&](Var i, Var j) { return C(i, j) * 2.0f; }, "D");
  std::vector<Tensor> args() const { return {A, B, D}; }
};

void expect_replays(const std::function<void(Schedule&, const Workload&)>& apply) {
  Workload w;
  Schedule sch({w.D}, 11);
  apply(sch, w);
  LoweredFunc original = lower(sch, w.args(), "f");
  auto replayed = Trace::from_json(sch.trace().to_json()).replay({w.D});
  LoweredFunc again = lower(*replayed, w.args(), "f");
  EXPECT_TRUE(structural_equal(original, again)) << to_string(original) << "\n--- replayed:\n"
                                                 << to_string(again);
  EXPECT_EQ(replayed->trace().to_json(), sch.trace().to_json());
}

}  // namespace

TEST(Replay, SplitNparts) {
  expect_replays([](Schedule& s, const Workload& w) { s[w.D].split_nparts(s[w.D].axis(0), 5); });
}

TEST(Replay, Tile) {
  expect_replays([](Schedule& s, const Workload& w) {
    s[w.C].tile(s[w.C].axis(0), s[w.C].axis(1), 8, 5);
  });
}

TEST(Replay, BindOnAGpuStyleNest) {
  expect_replays([](Schedule& s, const Workload& w) {
    Stage& d = s[w.D];
    auto [bo, bi] = d.split(d.axis(0), 8);
    d.bind(bo, "blockIdx.x");
    d.bind(bi, "threadIdx.x");
  });
}

TEST(Replay, ComputeRootAfterComputeAt) {
  expect_replays([](Schedule& s, const Workload& w) {
    s[w.C].compute_at(s[w.D], s[w.D].axis(0));
    s[w.C].compute_root();
  });
}

TEST(Replay, StorageAlignAndSetScope) {
  expect_replays([](Schedule& s, const Workload& w) {
    s[w.C].storage_align(0, 16, 1);
    s[w.C].set_scope("local");
  });
}

TEST(Replay, CacheRead) {
  expect_replays([](Schedule& s, const Workload& w) {
    Tensor bl = s.cache_read(w.B, "local", {w.C});
    s[bl].compute_at(s[w.C], s[w.C].axis(0));
  });
}

TEST(Replay, Rfactor) {
  expect_replays([](Schedule& s, const Workload& w) {
    auto [ko, ki] = s[w.C].split(s[w.C].reduce_axis(0), 4);
    Tensor rf = s.rfactor(w.C, ki, 1);
    s[rf].vectorize(s[rf].axis(1));
  });
}

TEST(SetScope, SetsAndRefuses) {
  Workload w;
  Schedule sch({w.D});
  sch[w.C].set_scope("shared");
  EXPECT_EQ(sch[w.C].scope(), "shared");
  EXPECT_THROW(sch[w.C].set_scope("texture"), ScheduleError);
  EXPECT_THROW(sch[w.D].set_scope("local"), ScheduleError);  // an output lives in global memory
  LoweredFunc f = lower(sch, w.args(), "f");
  EXPECT_NE(to_string(f).find("\"shared\""), std::string::npos);
}
