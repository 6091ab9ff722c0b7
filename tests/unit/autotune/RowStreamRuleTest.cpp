// The row-stream rule: its sketch appears for few-row anchors read
// contiguously along the reduction (dense with M <= 8), not for wide ones or
// column-strided ones; its sampled points replay from their trace JSON to the
// same IR and compute the reference through the LLVM JIT; mutation through
// mutate_schedule re-identifies the sketch and gives another valid point; and
// the machine code streams W with 512-bit loads and FMAs, no gathers.
#include "RowStreamRule.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>

#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/StructuralEqual.h"
#include "anvil/schedule/Lower.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"
#include "support/RunCommand.h"

using namespace anvil;

namespace {

const char* kHost = "llvm -mcpu=native";
const char* kSketch = "row-stream(rfactor k/lanes)";

bool has_row_stream(const WorkloadInstance& w, const std::string& target) {
  for (const Sketch& s : generate_sketches(w, target))
    if (s.name == kSketch) return true;
  return false;
}

Sketch row_stream(const WorkloadInstance& w) {
  std::vector<Sketch> sketches = row_stream_sketches(w, 16);
  if (sketches.size() != 1) throw std::runtime_error("no row-stream sketch for " + w.output.name());
  return sketches[0];
}

// Builds `funcs` for `target` (the host's LLVM JIT unless told) and checks
// each against the workload's reference.
void expect_reference(const WorkloadInstance& w, const std::vector<LoweredFunc>& funcs,
                      const std::vector<std::string>& what, const std::string& target = kHost) {
  BuildOptions options;
  options.opt_level = 1;  // the check is of the code's meaning; keep the test fast
  Module mod = build_module(funcs, Target::parse(target), options);
  std::vector<HostBuffer> in;
  for (size_t i = 0; i < w.inputs.size(); i++) {
    std::vector<int64_t> shape;
    for (const Expr& e : w.inputs[i].shape()) shape.push_back(*as_const_int(e));
    in.push_back(HostBuffer::random(DataType::Float(32), shape, 31 + i, -1.0, 1.0));
  }
  HostBuffer want = w.reference(in);
  for (size_t f = 0; f < funcs.size(); f++) {
    HostBuffer got = HostBuffer::random(want.dtype(), want.shape(), 99, -50.0, 50.0);
    std::vector<void*> args;
    for (HostBuffer& b : in) args.push_back(b.raw());
    args.push_back(got.raw());
    mod.call(funcs[f].name, args);
    EXPECT_TRUE(all_close(got, want, 1e-4, 1e-4)) << what[f] << "\nmax_abs_diff " << max_abs_diff(got, want);
  }
}

// C[b, i, j] = sum_k A[b, i, k] * B[b, j, k]: batch_matmul with B stored
// [batch, N, K], which no operator of ops/ defines; its reference by loops.
WorkloadInstance batched_nt_product(int64_t batch, int64_t m, int64_t n, int64_t k) {
  WorkloadInstance w;
  const DataType f32 = DataType::Float(32);
  w.inputs = {placeholder({batch, m, k}, f32, "A"), placeholder({batch, n, k}, f32, "B")};
  IterVar r = reduce_axis({0, static_cast<int>(k)}, "k");
  w.output = compute(
      {batch, m, n},
      [&](Var b, Var i, Var j) { return sum(w.inputs[0](b, i, r.var()) * w.inputs[1](b, j, r.var()), {r}); },
      "C");
  w.reference = [=](const std::vector<HostBuffer>& in) {
    HostBuffer c(f32, {batch, m, n});
    const float* a = in[0].data<float>();
    const float* b = in[1].data<float>();
    for (int64_t q = 0; q < batch; q++)
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
          float acc = 0;
          for (int64_t p = 0; p < k; p++) acc += a[(q * m + i) * k + p] * b[(q * n + j) * k + p];
          c.data<float>()[(q * m + i) * n + j] = acc;
        }
    return c;
  };
  return w;
}

}  // namespace

TEST(RowStreamRule, FiresForFewRowsReadAlongTheReduction) {
  EXPECT_TRUE(has_row_stream(instantiate({"dense", {1, 4096, 4096}}), kHost));
  EXPECT_TRUE(has_row_stream(instantiate({"dense", {4, 64, 32}}), kHost));
  EXPECT_TRUE(has_row_stream(instantiate({"dense", {1, 7, 13}}), "c -mcpu=native"));
  EXPECT_TRUE(has_row_stream(instantiate({"dense", {kRowStreamMaxRows, 64, 32}}), kHost));
  EXPECT_FALSE(has_row_stream(instantiate({"dense", {kRowStreamMaxRows + 1, 64, 32}}), kHost));
  EXPECT_FALSE(has_row_stream(instantiate({"dense", {256, 64, 32}}), kHost));
  // matmul and batch_matmul read B[k, n]: a stride of N along the reduction.
  EXPECT_FALSE(has_row_stream(instantiate({"matmul", {1, 64, 32}}), kHost));
  EXPECT_FALSE(has_row_stream(instantiate({"batch_matmul", {2, 1, 32, 64}}), kHost));
  EXPECT_FALSE(has_row_stream(instantiate({"relu", {64}}), kHost));
  // Matching reads the compute, not the operator's name: a hand-written
  // batched product whose both inputs are contiguous along k fires.
  WorkloadInstance nt = batched_nt_product(2, 1, 48, 32);
  EXPECT_EQ(row_stream_sketches(nt, 16).size(), 1u);
  EXPECT_TRUE(row_stream_sketches(nt, 1).empty());  // no vector lanes to stream with
}

TEST(RowStreamRule, SampledPointsReplayFromJsonAndComputeTheReference) {
  // Odd shapes: k shorter than a vector (a guarded tail), rows of W not a
  // multiple of any stream count, several rows.
  for (const Workload& wl : {Workload{"dense", {1, 7, 13}}, Workload{"dense", {4, 24, 40}},
                             Workload{"dense", {1, 64, 256}}}) {
    WorkloadInstance w = instantiate(wl);
    Sketch sketch = row_stream(w);
    std::set<std::string> distinct;
    std::vector<LoweredFunc> funcs;
    std::vector<std::string> what;
    for (uint64_t seed = 0; seed < 10; seed++) {
      auto sch = sample_schedule(w, sketch, seed);
      std::string json = sch->trace().to_json();
      distinct.insert(json);
      std::string name = "point" + std::to_string(seed);
      LoweredFunc f = lower(*sch, w.args(), name);
      auto again = Trace::from_json(json).replay({w.output});
      EXPECT_TRUE(structural_equal(f, lower(*again, w.args(), name))) << json;
      funcs.push_back(f);
      what.push_back(wl.key() + "\n" + json);
    }
    if (wl.shape[2] > 16) {
      EXPECT_GT(distinct.size(), 2u) << wl.key();
    }
    expect_reference(w, funcs, what);
    // The C backend prints the same points (vector types, guarded tail).
    if (wl.shape[0] == 1 && wl.shape[2] == 13) expect_reference(w, funcs, what, "c -mcpu=native");
  }
}

TEST(RowStreamRule, BatchedProductContiguousAlongKComputes) {
  WorkloadInstance w = batched_nt_product(3, 2, 20, 48);
  Sketch sketch = row_stream(w);
  std::vector<LoweredFunc> funcs;
  std::vector<std::string> what;
  for (uint64_t seed = 0; seed < 6; seed++) {
    auto sch = sample_schedule(w, sketch, seed);
    funcs.push_back(lower(*sch, w.args(), "batched" + std::to_string(seed)));
    what.push_back(sch->trace().to_json());
  }
  expect_reference(w, funcs, what);
}

TEST(RowStreamRule, MutationRerunsTheSketchAndStillComputes) {
  WorkloadInstance w = instantiate({"dense", {2, 48, 256}});
  Sketch sketch = row_stream(w);
  std::mt19937_64 rng(7);
  std::vector<LoweredFunc> funcs;
  std::vector<std::string> what;
  int changed_structure = 0;
  for (uint64_t seed = 0; seed < 6; seed++) {
    auto sch = sample_schedule(w, sketch, seed);
    const auto& before = sch->trace().decisions();
    ASSERT_EQ(before.size(), 2u);  // the stream count, the unrolled part of k
    auto m = mutate_schedule(w, sch->trace(), rng);
    ASSERT_TRUE(m) << sch->trace().to_json();
    const auto& after = m->trace().decisions();
    ASSERT_EQ(after.size(), before.size());
    int differ = 0;
    for (size_t i = 0; i < before.size(); i++) {
      EXPECT_EQ(before[i].step, after[i].step);
      differ += before[i].values != after[i].values;
    }
    EXPECT_EQ(differ, 1) << m->trace().to_json();
    // Re-run through the sketch (not replayed as recorded): the unroll steps
    // follow the new decision, and the result is what the sketch gives.
    std::map<int, std::vector<int64_t>> forced;
    for (const Decision& d : after) forced[d.step] = d.values;
    auto direct = Trace().replay({w.output}, forced);
    sketch.apply(*direct, w);
    EXPECT_EQ(direct->trace().to_json(), m->trace().to_json());
    changed_structure += m->trace().steps().size() != sch->trace().steps().size();
    std::string name = "mutated" + std::to_string(seed);
    funcs.push_back(lower(*m, w.args(), name));
    what.push_back(m->trace().to_json());
  }
  EXPECT_GT(changed_structure, 0);
  expect_reference(w, funcs, what);
}

// Four streams of W, k unrolled twice: the object code for an AVX-512 CPU
// loads W with contiguous 512-bit vectors into zmm FMAs and gathers nothing.
TEST(RowStreamRule, StreamsWWithZmmFmas) {
  if (std::system("objdump --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "objdump is not installed";
  WorkloadInstance w = instantiate({"dense", {1, 64, 512}});
  Sketch sketch = row_stream(w);
  auto probe = sample_schedule(w, sketch, 0);
  std::map<int, std::vector<int64_t>> forced;
  const auto& d = probe->trace().decisions();
  ASSERT_EQ(d.size(), 2u);
  forced[d[0].step] = {16, 4};
  forced[d[1].step] = {16, 2};
  auto sch = Trace().replay({w.output}, forced);
  sketch.apply(*sch, w);
  LoweredFunc f = lower(*sch, w.args(), "gemv");
  std::string path = (std::filesystem::temp_directory_path() /
                      ("anvil_row_stream_" + std::to_string(getpid()) + ".o")).string();
  export_object({f}, Target::parse("llvm -mcpu=sapphirerapids"), path);
  std::string text = anvil::testing::run_command("objdump -d --no-show-raw-insn " + path);
  std::filesystem::remove(path);
  std::smatch unused;
  // The only vectorized loop is k's lanes, so zmm FMAs mean W is read along
  // k: contiguous 512-bit loads (folded into the FMAs or not), no gathers.
  std::regex fma_zmm(R"(vfmadd\d{3}ps\s+[^\n]*%zmm)");
  auto first = std::sregex_iterator(text.begin(), text.end(), fma_zmm);
  auto fmas = std::distance(first, std::sregex_iterator());
  EXPECT_GE(fmas, 8) << "expected 4 streams x 2 unrolled k steps of zmm FMAs in:\n" << text << to_string(f);
  EXPECT_FALSE(std::regex_search(text, unused, std::regex("gather"))) << text;
  EXPECT_FALSE(std::regex_search(text, unused, std::regex(R"(vfmadd\d{3}ss)")))
      << "scalar FMAs left in:\n" << text;
}
