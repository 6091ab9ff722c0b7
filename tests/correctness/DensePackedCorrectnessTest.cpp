// dense_packed on odd shapes (M = 1, 7, 97; K = 13; N = nb and 3 * nb, for
// nb = 16 and 8) under the default schedule and schedules whose vector of 16
// output columns lines up with a panel (nb = 16: contiguous loads) or spans
// two panels or runs past N (nb = 8: N = 8, 24), on every CPU backend,
// against plain dense on the unpacked weight.
#include <gtest/gtest.h>

#include "anvil/ops/Dense.h"
#include "anvil/ops/Layout.h"
#include "anvil/ops/Reference.h"
#include "correctness/CorrectnessUtil.h"

using namespace anvil;
using namespace anvil::correctness;

namespace {

const DataType kF32 = DataType::Float(32);

// Schedules of out [M, N] vectorized by 16 columns (with a tail when 16 does not divide N).
std::vector<Variant> packed_variants(const Tensor& out) {
  std::vector<Variant> v;
  v.push_back(default_schedule());
  // j split into vectors of 16, k outside the vector loop, rows parallel.
  v.push_back({"split16_vec", [=](Schedule& sch) {
                 Stage& s = sch[out];
                 auto [jo, ji] = s.split(s.axis(1), 16);
                 s.reorder({s.axis(0), jo, s.reduce_axis(0), ji});
                 s.parallel(s.axis(0));
                 s.vectorize(ji);
               }});
  // The register tile of the tuner's multi-level tiling: a local accumulator
  // of 1 row x 16 columns per (row, column vector), k split with its inner
  // part unrolled (K = 13: a tail).
  v.push_back({"cache_write_local_unroll", [=](Schedule& sch) {
                 Tensor local = sch.cache_write(out, "local");
                 Stage& s = sch[out];
                 auto [jo, ji] = s.split(s.axis(1), 16);
                 Loop f = s.fuse(s.axis(0), jo);
                 s.parallel(f);
                 s.vectorize(ji);
                 Stage& l = sch[local];
                 l.compute_at(s, f);
                 auto [ko, ki] = l.split(l.reduce_axis(0), 4);
                 l.reorder({ko, ki, l.axis(0), l.axis(1)});
                 l.unroll(ki);
                 l.vectorize(l.axis(1));
               }});
  return v;
}

Problem packed_problem(int64_t M, int64_t N, int64_t K, int64_t nb, uint64_t seed) {
  Tensor data = placeholder({Expr(int(M)), Expr(int(K))}, kF32, "data");
  Tensor packed = placeholder({Expr(int(N / nb)), Expr(int(K)), Expr(int(nb))}, kF32, "packed");
  Tensor out = ops::dense_packed(data, packed, "out");
  HostBuffer x = HostBuffer::random(kF32, {M, K}, seed, -1, 1);
  HostBuffer w = HostBuffer::random(kF32, {N, K}, seed + 1, -1, 1);
  Problem p;
  p.name = "dense_packed_" + std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K) + "_nb" +
           std::to_string(nb);
  p.inputs = {data, packed};
  p.input_data = {x, ops::pack_dense_weight(w, nb)};
  p.outputs = {out};
  p.expected = {ops::ref::dense(x, w)};
  p.tol = {1e-4, 1e-5 + 2e-6 * static_cast<double>(K)};
  p.variants = packed_variants(out);
  return p;
}

}  // namespace

TEST(DensePackedCorrectness, OddShapesMatchDenseOnTheUnpackedWeight) {
  std::vector<Problem> problems;
  uint64_t seed = 31;
  for (int64_t nb : {16, 8})
    for (int64_t M : {1, 7, 97})
      for (int64_t N : {nb, 3 * nb}) {
        problems.push_back(packed_problem(M, N, 13, nb, seed));
        seed += 2;
      }
  check_problems(problems);
}
