// Features of known loop nests against hand-computed values, and feature
// vectors that tell schedules apart.
#include <gtest/gtest.h>

#include <cmath>

#include "anvil/autotune/Features.h"
#include "anvil/autotune/SearchSpace.h"
#include "anvil/ops/Dense.h"
#include "anvil/schedule/Lower.h"

using namespace anvil;

namespace {

double feature(const std::vector<double>& f, const std::string& name) {
  const auto& names = feature_names();
  for (size_t i = 0; i < names.size(); i++)
    if (names[i] == name) return f.at(i);
  ADD_FAILURE() << "no feature " << name;
  return -1;
}

}  // namespace

TEST(Features, NamesMatchTheVector) {
  Tensor A = placeholder({8}, DataType::Float(32), "A");
  Tensor B = compute({8}, [&](Var i) { return A(i) + A(i); }, "B");
  Schedule sch({B});
  LoweredFunc f = lower(sch, {A, B}, "f");
  EXPECT_EQ(extract_features(f).size(), feature_names().size());
  EXPECT_EQ(extract_raw_features(f).size(), feature_names().size());
  // The vector is log2(1 + raw).
  auto raw = extract_raw_features(f);
  auto squashed = extract_features(f);
  for (size_t i = 0; i < raw.size(); i++) EXPECT_FLOAT_EQ(squashed[i], std::log2(1 + raw[i]));
}

// C[i, j] = A[i, j] + B[i, j] on 16 × 32, the j loop vectorized (32 lanes).
TEST(Features, VectorizedAddHasExactCountsAndUnitStrides) {
  Tensor A = placeholder({16, 32}, DataType::Float(32), "A");
  Tensor B = placeholder({16, 32}, DataType::Float(32), "B");
  Tensor C = compute({16, 32}, [&](Var i, Var j) { return A(i, j) + B(i, j); }, "C");
  Schedule sch({C});
  sch[C].vectorize(sch[C].axis(1));
  sch[C].parallel(sch[C].axis(0));
  auto f = extract_raw_features(lower(sch, {A, B, C}, "add"));
  EXPECT_EQ(feature(f, "sum.float_add"), 16 * 32);
  EXPECT_EQ(feature(f, "sum.float_mul"), 0);
  EXPECT_EQ(feature(f, "num_stores"), 1);
  EXPECT_EQ(feature(f, "sum.vector_lanes"), 32);
  EXPECT_EQ(feature(f, "sum.parallel_extent"), 16);
  EXPECT_EQ(feature(f, "sum.num_loops"), 1);  // the vectorized loop became lanes
  EXPECT_EQ(feature(f, "sum.loop_product"), 16);
  EXPECT_EQ(feature(f, "sum.read_bytes"), 2 * 16 * 32 * 4);
  EXPECT_EQ(feature(f, "sum.write_bytes"), 16 * 32 * 4);
  EXPECT_EQ(feature(f, "sum.read_unique_bytes"), 2 * 16 * 32 * 4);
  // 2 KiB per buffer = 32 lines of 64 bytes.
  EXPECT_EQ(feature(f, "sum.read_lines"), 2 * 32);
  EXPECT_EQ(feature(f, "sum.write_lines"), 32);
  EXPECT_EQ(feature(f, "sum.read_stride1"), 2);
  EXPECT_EQ(feature(f, "sum.read_stride0"), 0);
  EXPECT_EQ(feature(f, "sum.write_stride1"), 1);
  EXPECT_EQ(feature(f, "sum.read_reuse"), 0);
  EXPECT_EQ(feature(f, "sum.num_read_buffers"), 2);
  // 512 flops over 6 KiB.
  EXPECT_DOUBLE_EQ(feature(f, "sum.arith_intensity"), 512.0 / (3 * 2048));
}

// The default matmul nest: 2·M·N·K float operations, A read with reuse
// across j, B with a stride-N access over the innermost k loop.
TEST(Features, MatmulCountsTwoMNKFlopsAndReuse) {
  const int64_t M = 8, N = 12, K = 20;
  Tensor A = placeholder({M, K}, DataType::Float(32), "A");
  Tensor B = placeholder({K, N}, DataType::Float(32), "B");
  Tensor C = ops::matmul(A, B, DataType::Float(32), "C");
  Schedule sch({C});
  auto f = extract_raw_features(lower(sch, {A, B, C}, "mm"));
  EXPECT_EQ(feature(f, "sum.float_add") + feature(f, "sum.float_mul") + 2 * feature(f, "sum.float_fma"),
            2.0 * M * N * K);
  EXPECT_EQ(feature(f, "max.loop_product"), M * N * K);
  EXPECT_EQ(feature(f, "max.num_loops"), 3);
  EXPECT_EQ(feature(f, "max.innermost_extent"), K);
  // In the update store: A[i, k] (stride 1 over k), B[k, j] (stride N),
  // C[i, j] (stride 0 over k, reused across k).
  EXPECT_GE(feature(f, "sum.read_stride1"), 1);
  EXPECT_GE(feature(f, "sum.read_stride_other"), 1);
  EXPECT_GE(feature(f, "sum.read_reuse"), 2);  // A is reused across j, B across i
  EXPECT_EQ(feature(f, "sum.parallel_extent"), feature(f, "num_stores"));  // no parallel loop: 1 each
}

TEST(Features, TwoSchedulesOfOneMatmulDiffer) {
  WorkloadInstance w = instantiate({"matmul", {64, 48, 40}});
  std::vector<Sketch> sketches = generate_sketches(w, "c -mcpu=x86-64");
  auto a = sample_schedule(w, sketches[0], 0);
  auto b = sample_schedule(w, sketches[1], 3);
  auto fa = extract_features(lower(*a, w.args(), "a"));
  auto fb = extract_features(lower(*b, w.args(), "b"));
  EXPECT_NE(fa, fb);
  // The tiled one is parallel; the default is not.
  auto ra = extract_raw_features(lower(*a, w.args(), "a"));
  auto rb = extract_raw_features(lower(*b, w.args(), "b"));
  EXPECT_EQ(feature(ra, "max.parallel_extent"), 1);
  EXPECT_GT(feature(rb, "max.vector_lanes"), 1);
  EXPECT_GT(feature(rb, "num_allocs"), 0);  // the local accumulator
}
