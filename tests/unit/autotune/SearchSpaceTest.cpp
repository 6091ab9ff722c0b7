// Generated search spaces: every sampled point of every CPU sketch lowers;
// a batch of them, compiled into one C module, computes the reference;
// mutation changes exactly one decision and replays.
#include <gtest/gtest.h>

#include <set>

#include "anvil/autotune/SearchSpace.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/Error.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

using namespace anvil;

namespace {

const char* kTarget = "c -mcpu=native";

std::vector<std::string> sketch_names(const WorkloadInstance& w) {
  std::vector<std::string> names;
  for (const Sketch& s : generate_sketches(w, kTarget)) names.push_back(s.name);
  return names;
}

struct Compiled {
  std::string what;
  LoweredFunc func;
};

// Samples `per_sketch` points of every sketch and lowers each; the first
// `compile_per_sketch` of each sketch are kept for compiling.
void sample_and_lower(const Workload& wl, int per_sketch, int compile_per_sketch,
                      std::vector<Compiled>& to_compile) {
  WorkloadInstance w = instantiate(wl);
  std::vector<Sketch> sketches = generate_sketches(w, kTarget);
  for (size_t si = 0; si < sketches.size(); si++) {
    std::set<std::string> distinct;
    for (int seed = 0; seed < per_sketch; seed++) {
      std::string what = wl.key() + " / " + sketches[si].name + " / seed " + std::to_string(seed);
      try {
        auto sch = sample_schedule(w, sketches[si], static_cast<uint64_t>(seed));
        distinct.insert(sch->trace().to_json());
        std::string name = wl.op + "_s" + std::to_string(si) + "_" + std::to_string(seed) + "_" +
                           std::to_string(to_compile.size());
        LoweredFunc f = lower(*sch, w.args(), name);
        if (seed < compile_per_sketch) to_compile.push_back({what + "\n" + sch->trace().to_json(), f});
      } catch (const std::exception& e) {
        ADD_FAILURE() << what << ": " << e.what();
      }
    }
    // Sketches with decisions give different points.
    if (sketches[si].name != "default" && per_sketch > 4) {
      EXPECT_GT(distinct.size(), 2u) << sketches[si].name;
    }
  }
}

}  // namespace

TEST(SearchSpace, SketchesPerOperator) {
  auto mm = sketch_names(instantiate({"matmul", {64, 48, 40}}));
  ASSERT_EQ(mm.size(), 3u);
  EXPECT_EQ(mm[0], "default");
  EXPECT_EQ(mm[1], "multi-level-tiling(SSRSRS)+cache_write");
  EXPECT_EQ(mm[2], "multi-level-tiling(SSRSRS)+cache_write+cache_read(panel)");
  auto conv = sketch_names(instantiate({"conv2d_nchw", {1, 16, 14, 14, 32, 3, 3, 1, 1}}));
  ASSERT_EQ(conv.size(), 3u);
  EXPECT_EQ(conv[2], "multi-level-tiling(SSRSRS)+cache_write+cache_read(panel)");
  EXPECT_EQ(sketch_names(instantiate({"depthwise_conv2d_nchw", {1, 8, 10, 10, 3, 3, 1, 1}})).size(), 2u);
  EXPECT_EQ(sketch_names(instantiate({"relu", {1000}}))[1], "elementwise(fuse+parallel+vectorize)");
  EXPECT_EQ(sketch_names(instantiate({"softmax", {12, 40}}))[1],
            "row-reduction(compute_at row)+parallel+vectorize");
  EXPECT_THROW(generate_sketches(instantiate({"relu", {8}}), "cuda"), UserError);
}

// ~20 points per sketch lower; a few per sketch run against the reference.
TEST(SearchSpace, SampledPointsLowerCompileAndMatchReference) {
  std::vector<Workload> workloads = {
      {"matmul", {64, 48, 40}},
      {"matmul", {13, 97, 7}},
      {"conv2d_nchw", {1, 16, 14, 14, 32, 3, 3, 1, 1}},
      {"conv2d_nchw", {1, 3, 11, 11, 35, 3, 3, 2, 1}},
      {"conv2d_nchwc", {1, 32, 7, 9, 48, 3, 3, 1, 1, 16, 16}},
      {"conv2d_nchwc", {1, 3, 13, 13, 32, 3, 3, 2, 1, 3, 16}},
      {"depthwise_conv2d_nchwc", {1, 48, 11, 9, 3, 3, 1, 1, 16}},
      {"depthwise_conv2d_nchw", {1, 8, 10, 10, 3, 3, 1, 1}},
      {"relu", {1000}},
      {"softmax", {12, 40}},
      {"layer_norm", {6, 32}},
  };
  struct Entry {
    Workload wl;
    size_t first, last;
  };
  std::vector<Compiled> funcs;
  std::vector<Entry> entries;
  for (const Workload& wl : workloads) {
    size_t first = funcs.size();
    sample_and_lower(wl, 20, 1, funcs);
    entries.push_back({wl, first, funcs.size()});
  }
  ASSERT_FALSE(funcs.empty());
  std::vector<LoweredFunc> lowered;
  for (const Compiled& c : funcs) lowered.push_back(c.func);
  // -O1: the check is of the generated code's meaning, and the test must stay fast.
  BuildOptions options;
  options.opt_level = 1;
  Module module = build_module(lowered, Target::parse(kTarget), options);
  for (const Entry& e : entries) {
    WorkloadInstance w = instantiate(e.wl);
    std::vector<HostBuffer> inputs;
    for (size_t i = 0; i < w.inputs.size(); i++) {
      std::vector<int64_t> shape;
      for (const Expr& d : w.inputs[i].shape()) shape.push_back(*as_const_int(d));
      inputs.push_back(HostBuffer::random(DataType::Float(32), shape, 11 + i, -1.0, 1.0));
    }
    HostBuffer want = w.reference(inputs);
    for (size_t k = e.first; k < e.last; k++) {
      HostBuffer got = HostBuffer::random(DataType::Float(32), want.shape(), 99, -50.0, 50.0);
      std::vector<void*> ptrs;
      for (HostBuffer& b : inputs) ptrs.push_back(b.raw());
      ptrs.push_back(got.raw());
      module.call(funcs[k].func.name, ptrs);
      EXPECT_TRUE(all_close(got, want, 1e-4, 1e-4))
          << funcs[k].what << "\nmax_abs_diff " << max_abs_diff(got, want);
    }
  }
}

// The hand schedule of bench/AnvilGemm.cpp (4×64 tile, panel of B cached at
// the parallel column loop, k unrolled, 16 lanes) is a point of the panel
// sketch: force its decisions and look at the loop nest.
TEST(SearchSpace, PanelSketchReachesTheHandGemmSchedule) {
  WorkloadInstance w = instantiate({"matmul", {64, 128, 32}});
  std::vector<Sketch> sketches = generate_sketches(w, "llvm -mcpu=skylake-avx512");
  ASSERT_EQ(sketches.size(), 3u);
  auto sch = sample_schedule(w, sketches[2], 1);
  // Decisions in order: tile i (3 levels), tile j/16 (3 levels), tile k (2),
  // compute_at level, unroll choice.
  std::map<int, std::vector<int64_t>> forced;
  std::vector<std::vector<int64_t>> values = {{16, 1, 4}, {2, 1, 4}, {4, 8}, {1}, {2}};
  ASSERT_EQ(sch->trace().decisions().size(), values.size());
  for (size_t i = 0; i < values.size(); i++) forced[sch->trace().decisions()[i].step] = values[i];
  // The sketch re-run with these decisions forced (an empty trace replayed
  // with decisions hands them to the sampling steps).
  std::unique_ptr<Schedule> point = Trace().replay({w.output}, forced);
  sketches[2].apply(*point, w);
  std::string ir = to_string(lower(*point, w.args(), "gemm"));
  EXPECT_NE(ir.find("parallel"), std::string::npos) << ir;
  EXPECT_NE(ir.find("C.local"), std::string::npos) << ir;
  EXPECT_NE(ir.find("B.local"), std::string::npos) << ir;
  EXPECT_NE(ir.find("1, 16)]"), std::string::npos) << ir;  // 16-lane vectors
  // The local tile is 4 × 64: its allocation.
  EXPECT_NE(ir.find("allocate C.local float32[256]"), std::string::npos) << ir;
  // The panel: K × 64 columns of B, inside the parallel column loop.
  EXPECT_NE(ir.find("allocate B.local float32[2048]"), std::string::npos) << ir;
  EXPECT_LT(ir.find("parallel"), ir.find("allocate B.local"));
}

TEST(SearchSpace, MutationChangesOneDecisionAndReplays) {
  WorkloadInstance w = instantiate({"matmul", {64, 48, 40}});
  std::vector<Sketch> sketches = generate_sketches(w, kTarget);
  std::mt19937_64 rng(5);
  int changed_structure = 0;
  for (int seed = 0; seed < 10; seed++) {
    auto sch = sample_schedule(w, sketches[1], static_cast<uint64_t>(seed));
    auto m = mutate_schedule(w, sch->trace(), rng);
    ASSERT_TRUE(m) << "seed " << seed;
    const auto& a = sch->trace().decisions();
    const auto& b = m->trace().decisions();
    ASSERT_EQ(a.size(), b.size());
    int differ = 0;
    for (size_t i = 0; i < a.size(); i++) {
      EXPECT_EQ(a[i].step, b[i].step);
      if (a[i].values != b[i].values) differ++;
      // A new tile is still a perfect factorization of the same extent.
      int64_t pa = 1, pb = 1;
      for (int64_t v : a[i].values) pa *= v;
      for (int64_t v : b[i].values) pb *= v;
      if (a[i].values.size() > 1) {
        EXPECT_EQ(pa, pb);
      }
    }
    EXPECT_EQ(differ, 1) << "seed " << seed;
    if (m->trace().steps().size() != sch->trace().steps().size()) changed_structure++;
    EXPECT_NO_THROW(lower(*m, w.args(), "m"));
  }
  // A changed compute_at level or unroll choice re-runs the sketch, so the
  // structure changes too (a plain replay would keep the old primitives).
  EXPECT_GT(changed_structure, 0);
  // The default sketch has no decisions: nothing to mutate.
  auto plain = sample_schedule(w, sketches[0], 0);
  EXPECT_EQ(mutate_schedule(w, plain->trace(), rng), nullptr);
}

namespace {

// A sampled point of the multi-level-tiling sketch of `wl` whose pad stage is
// computed at the root (the pad choice is sampled: try seeds).
std::unique_ptr<Schedule> point_with_pad_at_root(const WorkloadInstance& w, const Sketch& sketch) {
  for (uint64_t seed = 0; seed < 64; seed++) {
    auto sch = sample_schedule(w, sketch, seed);
    for (const Step& s : sch->trace().steps())
      if (s.stage == "conv.pad" && s.primitive == "parallel") return sch;
  }
  return nullptr;
}

bool has_step(const Trace& t, const std::string& stage, const std::string& primitive) {
  for (const Step& s : t.steps())
    if (s.stage == stage && s.primitive == primitive) return true;
  return false;
}

}  // namespace

// A channel-blocked input is padded by rows of W x cb elements, vectorized:
// per pixel, a parallel task would cost more than its 16 floats, and the
// stem's block of 3 would not vectorize.
TEST(SearchSpace, ChannelBlockedPadIsCopiedByVectorizedRows) {
  for (const Workload& wl : {Workload{"conv2d_nchwc", {1, 3, 13, 13, 32, 7, 7, 2, 3, 3, 16}},
                             Workload{"conv2d_nchwc", {1, 32, 7, 9, 48, 3, 3, 1, 1, 16, 16}}}) {
    WorkloadInstance w = instantiate(wl);
    std::vector<Sketch> sketches = generate_sketches(w, "llvm -mcpu=skylake-avx512");
    ASSERT_EQ(sketches[1].name, "multi-level-tiling(SSRSRS)+cache_write");
    auto sch = point_with_pad_at_root(w, sketches[1]);
    ASSERT_TRUE(sch) << wl.key();
    std::string ir = to_string(lower(*sch, w.args(), "conv"));
    const int64_t cb = wl.shape[9], padded_w = wl.shape[3] + 2 * wl.shape[8];
    const int64_t rows = wl.shape[1] / cb * (wl.shape[2] + 2 * wl.shape[8]);
    EXPECT_NE(ir.find("conv.pad.k.f, 0, " + std::to_string(rows) + ") parallel"), std::string::npos) << ir;
    // W x cb elements a row: whole vectors and a predicated tail.
    EXPECT_NE(ir.find("conv.pad.l.conv.pad.m.f.o, 0, " + std::to_string(padded_w * cb / 16) + ")"),
              std::string::npos)
        << ir;
    EXPECT_NE(ir.find("conv.pad[ramp("), std::string::npos) << ir;
  }
}

// A trace written by an older version of a sketch (the same samples, a pad
// scheduled per pixel) is mutated by re-running the current sketch.
TEST(SearchSpace, MutationRerunsAnOlderVersionOfItsSketch) {
  WorkloadInstance w = instantiate({"conv2d_nchwc", {1, 32, 7, 9, 48, 3, 3, 1, 1, 16, 16}});
  std::vector<Sketch> sketches = generate_sketches(w, "llvm -mcpu=skylake-avx512");
  auto sch = point_with_pad_at_root(w, sketches[1]);
  ASSERT_TRUE(sch);
  Trace old;
  for (const Step& s : sch->trace().steps())
    if (s.stage != "conv.pad") old.append(s);
  for (const Decision& d : sch->trace().decisions()) old.add_decision(d);
  // The old rule: every axis but the channel block fused and parallel.
  std::string fused = "conv.pad.i";
  for (const char* axis : {"conv.pad.j", "conv.pad.k", "conv.pad.l"}) {
    old.append(Step{"fuse", "conv.pad", {fused, axis}, {}, {}, {fused + "." + axis + ".f"}});
    fused += std::string(".") + axis + ".f";
  }
  old.append(Step{"parallel", "conv.pad", {fused}, {}, {}, {}});
  ASSERT_NO_THROW(old.replay({w.output}));
  ASSERT_FALSE(has_step(old, "conv.pad", "vectorize"));

  std::mt19937_64 rng(3);
  int upgraded = 0;
  for (int i = 0; i < 20; i++) {
    auto m = mutate_schedule(w, old, rng);
    ASSERT_TRUE(m);
    for (const Step& s : m->trace().steps())
      EXPECT_NE(s.outputs, std::vector<std::string>{fused}) << "the old per-pixel pad survived mutation";
    if (has_step(m->trace(), "conv.pad", "vectorize")) upgraded++;
    EXPECT_NO_THROW(lower(*m, w.args(), "m"));
  }
  EXPECT_GT(upgraded, 0);
}
