// Traces: JSON round trip, replay to structurally equal IR, replay with other
// decisions, and refusal of traces that do not fit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/StructuralEqual.h"
#include "anvil/schedule/Lower.h"
#include "anvil/schedule/Schedule.h"
#include "anvil/support/Error.h"

using namespace anvil;
using ::testing::HasSubstr;

namespace {

struct Workload {
  Tensor A = placeholder({64, 48}, DataType::Float(32), "A");
  Tensor B = placeholder({48, 96}, DataType::Float(32), "B");
  IterVar k = reduce_axis({0, 48}, "k");
  Tensor C = compute({64, 96}, [&](Var i, Var j) { return sum(A(i, k.var()) * B(k.var(), j), {k}); },
                     "C");
  Tensor D = compute({64, 96}, [&](Var i, Var j) { return max(C(i, j), 0.0f); }, "D");
  std::vector<Tensor> args() const { return {A, B, D}; }
};

// A schedule using most primitives, with sampled tile sizes.
void apply_sketch(Schedule& sch, const Workload& w) {
  Stage& d = sch[w.D];
  Tensor local = sch.cache_write(w.C, "local");
  sch[w.C].compute_inline();
  auto ti = sch.sample_perfect_tile(d, d.axis(0), 2, 16);
  auto tj = sch.sample_perfect_tile(d, d.axis(1), 2, 16);
  auto [io, ii] = d.split(d.axis(0), ti[1]);
  auto [jo, ji] = d.split(d.axis(1), tj[1]);
  d.reorder({io, jo, ii, ji});
  Loop fused = d.fuse(io, jo);
  d.parallel(fused);
  d.vectorize(ji);
  Stage& l = sch[local];
  l.compute_at(d, fused);
  auto [ko, ki] = l.split(l.reduce_axis(0), 4);
  l.reorder({ko, ki, l.axis(0), l.axis(1)});
  l.unroll(ki);
  Factor step = sch.sample_categorical({0, 16, 64}, {0.3, 0.4, 0.3});
  l.pragma(ko, "auto_unroll_max_step", step);
}

}  // namespace

TEST(Trace, RecordsEveryPrimitiveAndDecision) {
  Workload w;
  Schedule sch({w.D}, 7);
  apply_sketch(sch, w);
  const Trace& t = sch.trace();
  EXPECT_EQ(t.decisions().size(), 3u);
  std::vector<std::string> prims;
  for (const Step& s : t.steps()) prims.push_back(s.primitive);
  EXPECT_THAT(prims, ::testing::ElementsAre("cache_write", "compute_inline", "sample_perfect_tile",
                                            "sample_perfect_tile", "split", "split", "reorder",
                                            "fuse", "parallel", "vectorize", "compute_at", "split",
                                            "reorder", "unroll", "sample_categorical", "pragma"));
}

TEST(Trace, JsonRoundTrip) {
  Workload w;
  Schedule sch({w.D}, 3);
  apply_sketch(sch, w);
  std::string json = sch.trace().to_json();
  Trace back = Trace::from_json(json);
  EXPECT_EQ(back.to_json(), json);
  EXPECT_EQ(back.steps().size(), sch.trace().steps().size());
}

TEST(Trace, ReplayGivesStructurallyEqualIR) {
  Workload w;
  for (uint64_t seed : {1u, 2u, 3u}) {
    Schedule sch({w.D}, seed);
    apply_sketch(sch, w);
    LoweredFunc original = lower(sch, w.args(), "f");
    Trace trace = Trace::from_json(sch.trace().to_json());
    auto replayed = trace.replay({w.D});
    LoweredFunc again = lower(*replayed, w.args(), "f");
    EXPECT_TRUE(structural_equal(original, again)) << to_string(original) << "\nvs\n"
                                                   << to_string(again);
  }
}

TEST(Trace, ReplayWithOtherDecisionsGivesThatVariant) {
  Workload w;
  Schedule sch({w.D}, 5);
  apply_sketch(sch, w);
  // Force the tiles of the two sampling steps (indices 2 and 3) to 8×8.
  auto variant = sch.trace().replay({w.D}, {{2, {8, 8}}, {3, {12, 8}}});
  Schedule manual({w.D}, 5);
  {
    // The same sketch with the tiles written out.
    Stage& d = manual[w.D];
    Tensor local = manual.cache_write(w.C, "local");
    manual[w.C].compute_inline();
    auto [io, ii] = d.split(d.axis(0), 8);
    auto [jo, ji] = d.split(d.axis(1), 8);
    d.reorder({io, jo, ii, ji});
    Loop fused = d.fuse(io, jo);
    d.parallel(fused);
    d.vectorize(ji);
    Stage& l = manual[local];
    l.compute_at(d, fused);
    auto [ko, ki] = l.split(l.reduce_axis(0), 4);
    l.reorder({ko, ki, l.axis(0), l.axis(1)});
    l.unroll(ki);
    l.pragma(ko, "auto_unroll_max_step", sch.trace().decisions()[2].values[0] == 0 ? 0
                                         : sch.trace().decisions()[2].values[0] == 1 ? 16 : 64);
  }
  EXPECT_TRUE(structural_equal(lower(*variant, w.args(), "f"), lower(manual, w.args(), "f")));
  EXPECT_EQ(variant->trace().decisions()[0].values, (std::vector<int64_t>{8, 8}));
}

TEST(Trace, RefusesTracesThatDoNotFit) {
  Workload w;
  Schedule sch({w.D}, 5);
  apply_sketch(sch, w);
  // A decision that is not a factorization of the loop.
  EXPECT_THROW(sch.trace().replay({w.D}, {{2, {5, 5}}}), ScheduleError);
  // Another workload: the stage names do not exist.
  Tensor X = placeholder({8}, DataType::Float(32), "X");
  Tensor Y = compute({8}, [&](Var i) { return X(i) + 1.0f; }, "Y");
  EXPECT_THAT([&] {
    try {
      sch.trace().replay({Y});
    } catch (const ScheduleError& e) {
      return std::string(e.what());
    }
    return std::string();
  }(), HasSubstr("no stage named"));
  EXPECT_THROW(Trace::from_json("{not json"), UserError);
  EXPECT_THROW(Trace::from_json(R"({"format_version": 99, "steps": []})"), UserError);
  EXPECT_THROW(Trace::from_json(R"({"format_version": 1, "steps": [{"stage": "C"}]})"), UserError);
}
