// The tensorize schedule rule: its sketch appears exactly where an intrinsic
// of the target matches the anchor's compute (whatever the operator is
// called), its sampled points lower, replay from their trace JSON with the
// target's intrinsics to the same IR and compute the reference through the
// LLVM JIT (on hosts with AVX-512 VNNI), and a point re-run with one
// decision changed (what mutation does) still computes it.
#include "TensorizeRule.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "anvil/ir/StructuralEqual.h"
#include "anvil/ops/QuantizedDense.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/Error.h"
#include "anvil/targets/Intrinsics.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

using namespace anvil;

namespace {

const char* kVnni = "llvm -mcpu=sapphirerapids";  // has VNNI on any host (for generation only)

bool host_has_vnni() { return Target::parse("llvm -mcpu=native").has_feature("avx512vnni"); }

std::vector<std::string> names(const WorkloadInstance& w, const std::string& target) {
  std::vector<std::string> out;
  for (const Sketch& s : tensorize_sketches(w, target, 16)) out.push_back(s.name);
  return out;
}

std::vector<HostBuffer> random_inputs(const WorkloadInstance& w, uint64_t seed) {
  std::vector<HostBuffer> in;
  for (const Tensor& t : w.inputs) {
    std::vector<int64_t> shape;
    for (const Expr& e : t.shape()) shape.push_back(*as_const_int(e));
    bool is_unsigned = t.dtype().is_uint();
    in.push_back(HostBuffer::random(t.dtype(), shape, seed++, is_unsigned ? 0 : -128, is_unsigned ? 255 : 127));
  }
  return in;
}

// Builds `funcs` for the host and checks each against the workload's reference.
void expect_reference(const WorkloadInstance& w, const std::vector<LoweredFunc>& funcs,
                      const std::vector<std::string>& what) {
  Module mod = build_module(funcs, Target::parse("llvm -mcpu=native"));
  std::vector<HostBuffer> in = random_inputs(w, 21);
  HostBuffer want = w.reference(in);
  for (size_t f = 0; f < funcs.size(); f++) {
    HostBuffer got = HostBuffer::random(want.dtype(), want.shape(), 99, -99, 99);
    std::vector<void*> args;
    for (HostBuffer& b : in) args.push_back(b.raw());
    args.push_back(got.raw());
    mod.call(funcs[f].name, args);
    EXPECT_EQ(max_abs_diff(got, want), 0.0) << what[f];
  }
}

}  // namespace

TEST(TensorizeRule, FiresExactlyWhereAnIntrinsicMatches) {
  const std::string sketch = std::string("tensorize(") + kDot16x4U8S8S32 + ")+cache_write";
  WorkloadInstance packed = instantiate({"dense_u8s8_packed", {8, 64, 32}, "int8"});
  EXPECT_EQ(names(packed, kVnni), std::vector<std::string>{sketch});
  try {
    instantiate({"dense_u8s8_packed", {8, 64, 32}});  // the default dtype, float32
    ADD_FAILURE() << "a float32 dense_u8s8_packed workload was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("operator dense_u8s8_packed takes int8"), std::string::npos) << e.what();
  }
  EXPECT_EQ(names(packed, "llvm -mcpu=znver4"), std::vector<std::string>{sketch});
  EXPECT_EQ(names(packed, "llvm -mcpu=native").size(), host_has_vnni() ? 1u : 0u);
  EXPECT_TRUE(names(packed, "llvm -mcpu=haswell").empty());
  EXPECT_TRUE(names(packed, "llvm -mcpu=skylake-avx512").empty());
  EXPECT_TRUE(names(packed, "c -mcpu=native").empty());
  EXPECT_TRUE(names(instantiate({"dense", {8, 64, 32}}), kVnni).empty());   // float32
  EXPECT_TRUE(names(instantiate({"matmul", {8, 64, 32}}), kVnni).empty());
  EXPECT_TRUE(names(instantiate({"relu", {64}}), kVnni).empty());
  // N or K not whole blocks: the 16 x 4 nest does not tile the anchor.
  EXPECT_TRUE(names(instantiate({"dense_u8s8_packed", {8, 40, 32}, "int8"}), kVnni).empty());
  EXPECT_TRUE(names(instantiate({"dense_u8s8_packed", {8, 64, 30}, "int8"}), kVnni).empty());

  // Matching reads the compute, not the operator: a hand-written u8 x s8
  // product with plain layouts matches too; with int8 activations it does not.
  auto product = [](DataType lhs) {
    WorkloadInstance w;
    w.inputs = {placeholder({4, 32}, lhs, "A"), placeholder({32, 32}, DataType::Int(8), "W")};
    IterVar k = reduce_axis({0, 32}, "k");
    w.output = compute(
        {4, 32},
        [&](Var i, Var j) {
          return sum(cast(DataType::Int(32), w.inputs[0](i, k.var())) *
                         cast(DataType::Int(32), w.inputs[1](j, k.var())),
                     {k});
        },
        "C");
    return w;
  };
  EXPECT_EQ(names(product(DataType::UInt(8)), kVnni), std::vector<std::string>{sketch});
  EXPECT_TRUE(names(product(DataType::Int(8)), kVnni).empty());
}

TEST(TensorizeRule, SampledPointsReplayFromJsonAndComputeTheReference) {
  WorkloadInstance w = instantiate({"dense_u8s8_packed", {24, 64, 32}, "int8"});
  std::vector<Sketch> sketches = tensorize_sketches(w, kVnni, 16);
  ASSERT_EQ(sketches.size(), 1u);
  std::vector<const TensorIntrin*> intrinsics = tensor_intrinsics(Target::parse(kVnni));
  std::set<std::string> distinct;
  std::vector<LoweredFunc> funcs;
  std::vector<std::string> what;
  for (uint64_t seed = 0; seed < 12; seed++) {
    auto sch = sample_schedule(w, sketches[0], seed);
    std::string json = sch->trace().to_json();
    distinct.insert(json);
    std::string name = "point" + std::to_string(seed);
    LoweredFunc f = lower(*sch, w.args(), name);
    auto again = Trace::from_json(json).replay({w.output}, {}, intrinsics);
    EXPECT_TRUE(structural_equal(f, lower(*again, w.args(), name))) << json;
    if (seed < 6) {
      funcs.push_back(f);
      what.push_back(json);
    }
  }
  EXPECT_GT(distinct.size(), 4u);
  if (!host_has_vnni()) GTEST_SKIP() << "this host has no AVX-512 VNNI to run the kernels";
  expect_reference(w, funcs, what);
}

TEST(TensorizeRule, PointRerunWithAnotherDecisionStillComputes) {
  WorkloadInstance w = instantiate({"dense_u8s8_packed", {16, 64, 64}, "int8"});
  std::vector<Sketch> sketches = tensorize_sketches(w, kVnni, 16);
  ASSERT_EQ(sketches.size(), 1u);
  auto sch = sample_schedule(w, sketches[0], 3);
  const Trace& trace = sch->trace();
  std::map<int, std::vector<int64_t>> decisions;
  for (const Decision& d : trace.decisions()) decisions[d.step] = d.values;
  ASSERT_EQ(decisions.size(), 4u);  // 2 spatial tiles, the reduction tile, the unroll choice
  // Every other unroll choice and every other reduction tile, the sketch re-run
  // with it as mutate_schedule does.
  std::vector<LoweredFunc> funcs;
  std::vector<std::string> what;
  auto rerun = [&](int step, std::vector<int64_t> values) {
    auto changed = decisions;
    changed[step] = std::move(values);
    auto s = Trace().replay({w.output}, changed);
    sketches[0].apply(*s, w);
    for (const auto& [st, v] : changed) EXPECT_EQ(s->trace().decision_of(st)->values, v);
    funcs.push_back(lower(*s, w.args(), "rerun" + std::to_string(funcs.size())));
    what.push_back(s->trace().to_json());
  };
  int unroll_step = decisions.rbegin()->first, ktile_step = std::prev(decisions.end(), 2)->first;
  for (int64_t u = 0; u < 3; u++) rerun(unroll_step, {u});
  rerun(ktile_step, {16, 1});
  rerun(ktile_step, {1, 16});
  if (!host_has_vnni()) GTEST_SKIP() << "this host has no AVX-512 VNNI to run the kernels";
  expect_reference(w, funcs, what);
}

// Through mutate_schedule: the rule is one of SearchSpace's CPU sketches.
TEST(TensorizeRule, MutatedPointsStillCompute) {
  if (!host_has_vnni()) GTEST_SKIP() << "this host has no AVX-512 VNNI to run the kernels";
  WorkloadInstance w = instantiate({"dense_u8s8_packed", {16, 64, 64}, "int8"});
  std::vector<Sketch> sketches = tensorize_sketches(w, "llvm -mcpu=native", 16);
  ASSERT_EQ(sketches.size(), 1u);
  bool listed = false;
  for (const Sketch& s : generate_sketches(w, "llvm -mcpu=native")) listed |= s.name == sketches[0].name;
  ASSERT_TRUE(listed) << "generate_sketches lacks " << sketches[0].name;
  auto sch = sample_schedule(w, sketches[0], 3);
  std::mt19937_64 rng(5);
  std::vector<LoweredFunc> funcs;
  std::vector<std::string> what;
  for (int i = 0; i < 8; i++) {
    auto m = mutate_schedule(w, sch->trace(), rng);
    if (!m) continue;
    EXPECT_NE(m->trace().to_json(), sch->trace().to_json());
    funcs.push_back(lower(*m, w.args(), "mutated" + std::to_string(i)));
    what.push_back(m->trace().to_json());
  }
  ASSERT_GT(funcs.size(), 0u) << "no mutation of a tensorized point was legal";
  expect_reference(w, funcs, what);
}
