// The search space of dense_packed: multi-level tiling without a panel copy
// (W is packed already); with 16 lanes its vector of output columns is one
// row of a panel, so every load of W is a contiguous vector; sampled points
// on odd shapes compute the reference; bad workload shapes are refused.
#include <gtest/gtest.h>

#include <string>

#include "anvil/autotune/SearchSpace.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/Error.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

using namespace anvil;

namespace {

const char* kAvx512 = "llvm -mcpu=skylake-avx512";

const Sketch& sketch_named(const std::vector<Sketch>& sketches, const std::string& name) {
  for (const Sketch& s : sketches)
    if (s.name == name) return s;
  throw std::runtime_error("no sketch " + name);
}

// Every load of `buffer` in `ir`: the text between "buffer[" and its closing bracket.
std::vector<std::string> loads_of(const std::string& ir, const std::string& buffer) {
  std::vector<std::string> out;
  const std::string open = " " + buffer + "[";
  for (size_t at = ir.find(open); at != std::string::npos; at = ir.find(open, at + 1)) {
    size_t start = at + open.size(), end = start;
    for (int depth = 1; end < ir.size() && depth > 0; end++) {
      if (ir[end] == '[') depth++;
      if (ir[end] == ']') depth--;
    }
    out.push_back(ir.substr(start, end - 1 - start));
  }
  return out;
}

}  // namespace

TEST(DensePackedSpace, MultiLevelTilingWithoutPanelCopy) {
  WorkloadInstance w = instantiate({"dense_packed", {32, 64, 48, 16}});
  std::vector<std::string> names;
  for (const Sketch& s : generate_sketches(w, kAvx512)) names.push_back(s.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "multi-level-tiling(SSRSRS)+cache_write"), names.end());
  for (const std::string& n : names) EXPECT_EQ(n.find("panel"), std::string::npos) << n;
}

TEST(DensePackedSpace, SixteenLanesLoadEachPanelRowContiguously) {
  WorkloadInstance w = instantiate({"dense_packed", {32, 64, 48, 16}});
  std::vector<Sketch> sketches = generate_sketches(w, kAvx512);
  const Sketch& mlt = sketch_named(sketches, "multi-level-tiling(SSRSRS)+cache_write");
  for (uint64_t seed = 0; seed < 12; seed++) {
    auto sch = sample_schedule(w, mlt, seed);
    std::string ir = to_string(lower(*sch, w.args(), "dense_packed"));
    std::vector<std::string> loads = loads_of(ir, "packed");
    ASSERT_FALSE(loads.empty()) << ir;
    for (const std::string& index : loads) {
      // The whole index is ramp(base, 1, 16): one contiguous 16-float
      // vector, the panel and k folded into a scalar base (the simplifier
      // took the per-lane j/16 and j%16 apart), not a gather.
      const std::string tail = ", 1, 16)";
      EXPECT_EQ(index.rfind("ramp(", 0), 0u) << "seed " << seed << ": packed[" << index << "]\n" << ir;
      EXPECT_TRUE(index.size() > tail.size() && index.compare(index.size() - tail.size(), tail.size(), tail) == 0)
          << "seed " << seed << ": packed[" << index << "]";
    }
  }
}

// Points of every sketch, on shapes with odd M and K and a vector width (8
// lanes of AVX2) that is not the panel width, compiled and run.
TEST(DensePackedSpace, SampledPointsMatchReference) {
  struct Case {
    Workload wl;
    const char* target;
  };
  const Case cases[] = {{{"dense_packed", {7, 48, 13, 16}}, kAvx512},
                        {{"dense_packed", {1, 32, 13, 16}}, kAvx512},
                        {{"dense_packed", {9, 48, 20, 16}}, "llvm -mcpu=haswell"},
                        {{"dense_packed", {5, 24, 11, 8}}, kAvx512}};
  struct Point {
    std::string what;
    LoweredFunc func;
    size_t case_index;
  };
  std::vector<Point> points;
  for (size_t c = 0; c < std::size(cases); c++) {
    WorkloadInstance w = instantiate(cases[c].wl);
    std::vector<Sketch> sketches = generate_sketches(w, cases[c].target);
    for (size_t si = 0; si < sketches.size(); si++)
      for (uint64_t seed = 0; seed < 3; seed++) {
        auto sch = sample_schedule(w, sketches[si], seed);
        std::string name = "dp_" + std::to_string(c) + "_" + std::to_string(si) + "_" + std::to_string(seed);
        points.push_back({cases[c].wl.key() + " / " + sketches[si].name + " / seed " + std::to_string(seed) +
                              "\n" + sch->trace().to_json(),
                          lower(*sch, w.args(), name), c});
      }
  }
  std::vector<LoweredFunc> funcs;
  for (const Point& p : points) funcs.push_back(p.func);
  // The C backend at -O1: the check is of the generated code's meaning.
  BuildOptions options;
  options.opt_level = 1;
  Module module = build_module(funcs, Target::parse("c -mcpu=native"), options);
  for (const Point& p : points) {
    WorkloadInstance w = instantiate(cases[p.case_index].wl);
    std::vector<HostBuffer> inputs;
    for (size_t i = 0; i < w.inputs.size(); i++) {
      std::vector<int64_t> shape;
      for (const Expr& d : w.inputs[i].shape()) shape.push_back(*as_const_int(d));
      inputs.push_back(HostBuffer::random(DataType::Float(32), shape, 5 + i, -1.0, 1.0));
    }
    HostBuffer want = w.reference(inputs);
    HostBuffer got = HostBuffer::random(DataType::Float(32), want.shape(), 99, -50.0, 50.0);
    std::vector<void*> ptrs;
    for (HostBuffer& b : inputs) ptrs.push_back(b.raw());
    ptrs.push_back(got.raw());
    module.call(p.func.name, ptrs);
    EXPECT_TRUE(all_close(got, want, 1e-4, 1e-4)) << p.what << "\nmax_abs_diff " << max_abs_diff(got, want);
  }
}

TEST(DensePackedSpace, WorkloadRefusesNotAMultipleOfTheBlock) {
  try {
    instantiate({"dense_packed", {4, 40, 8, 16}});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("dense_packed: N=40 must be a multiple of NB=16"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(instantiate({"dense_packed", {4, 32, 8}}), UserError);  // NB missing
}
