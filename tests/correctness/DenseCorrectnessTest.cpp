// matmul, dense and batch_matmul on odd shapes under several schedules
// (default, tiled + parallel + vectorized with a tail, cache_write + compute_at
// + unroll, rfactor, cache_read + storage_align), compiled to C and compared
// with ops::ref; float32 within a K-scaled tolerance, int8 -> int32 exactly.
#include <gtest/gtest.h>

#include "anvil/ops/Dense.h"
#include "anvil/ops/Reference.h"
#include "correctness/CorrectnessUtil.h"

using namespace anvil;
using namespace anvil::correctness;

namespace {

const DataType kF32 = DataType::Float(32);
const DataType kI8 = DataType::Int(8);
const DataType kI32 = DataType::Int(32);

// Schedules of a two-input product C (2-D: [i, j] or 3-D: [b, i, j]) with a
// single reduction axis k; `lhs` is the input read along i.
std::vector<Variant> product_variants(const Tensor& lhs, const Tensor& C) {
  std::vector<Variant> v;
  v.push_back(default_schedule());
  const bool batched = C.ndim() == 3;
  // Tiles over (i, j), k moved outside the tile's inner loops, the tile loops
  // fused and run in parallel, the inner j (8 lanes, not dividing 7/13/97)
  // vectorized.
  v.push_back({"tiled_parallel_vec", [=](Schedule& sch) {
                 Stage& s = sch[C];
                 int i = batched ? 1 : 0;
                 auto t = s.tile(s.axis(i), s.axis(i + 1), 4, 8);  // io jo ii ji
                 s.reorder({s.reduce_axis(0), t[2], t[3]});
                 Loop f = s.fuse(t[0], t[1]);
                 if (batched) f = s.fuse(s.axis(0), f);
                 s.parallel(f);
                 s.vectorize(t[3]);
               }});
  // The accumulation in a local tile computed at the output's fused tile
  // loop, its k split with the inner part unrolled.
  v.push_back({"cache_write_local_unroll", [=](Schedule& sch) {
                 Tensor local = sch.cache_write(C, "local");
                 Stage& s = sch[C];
                 int i = batched ? 1 : 0;
                 auto t = s.tile(s.axis(i), s.axis(i + 1), 4, 16);
                 Loop f = s.fuse(t[0], t[1]);
                 if (batched) f = s.fuse(s.axis(0), f);
                 s.parallel(f);
                 s.vectorize(t[3]);
                 Stage& l = sch[local];
                 l.compute_at(s, f);
                 auto [jo, ji] = l.split(l.axis(i + 1), 16);
                 auto [ko, ki] = l.split(l.reduce_axis(0), 4);
                 std::vector<Loop> order = {ko, ki, l.axis(i), jo, ji};
                 if (batched) order.insert(order.begin(), l.axis(0));
                 l.reorder(order);
                 l.unroll(ki);
                 l.vectorize(ji);
               }});
  // k split by 4 (a tail for K = 7, 13, 97) and the inner part factored out
  // into a partial-sum stage computed per output row, vectorized along j.
  v.push_back({"rfactor", [=](Schedule& sch) {
                 Stage& s = sch[C];
                 auto [ko, ki] = s.split(s.reduce_axis(0), 4);
                 Tensor rf = sch.rfactor(C, ki);
                 Stage& r = sch[rf];
                 int j = r.tensor().ndim() - 1;  // rf: [ki, (b,) i, j]
                 auto [jo, ji] = r.split(r.axis(j), 8);
                 r.reorder({r.reduce_axis(0), ji});
                 r.vectorize(ji);
                 Stage& out = sch[C];
                 Loop row = out.axis(batched ? 1 : 0);
                 r.compute_at(out, row);
                 out.parallel(out.axis(0));
               }});
  // The lhs rows of a tile copied into a local, row-padded buffer at the
  // outer tile loop.
  v.push_back({"cache_read_local_align", [=](Schedule& sch) {
                 Tensor cached = sch.cache_read(lhs, "local", {C});
                 Stage& s = sch[C];
                 int i = batched ? 1 : 0;
                 auto t = s.tile(s.axis(i), s.axis(i + 1), 8, 4);
                 s.reorder({s.reduce_axis(0), t[2], t[3]});
                 s.vectorize(t[3]);
                 Stage& c = sch[cached];
                 c.compute_at(s, t[0]);
                 c.storage_align(c.tensor().ndim() - 2, 16, 1);
               }});
  return v;
}

Tolerance product_tolerance(int64_t k) { return {1e-4, 1e-5 + 2e-6 * static_cast<double>(k)}; }

struct Mnk {
  int64_t m, k, n;
};
const Mnk kShapes[] = {{1, 13, 7}, {13, 97, 7}, {97, 97, 13}};

Problem matmul_problem(Mnk s, DataType in, DataType out, uint64_t seed) {
  bool is_int = in.is_int();
  double lo = is_int ? -128 : -1, hi = is_int ? 127 : 1;
  Tensor A = placeholder({s.m, s.k}, in, "A");
  Tensor B = placeholder({s.k, s.n}, in, "B");
  Tensor C = ops::matmul(A, B, out, "C");
  HostBuffer a = HostBuffer::random(in, {s.m, s.k}, seed, lo, hi);
  HostBuffer b = HostBuffer::random(in, {s.k, s.n}, seed + 1, lo, hi);
  HostBuffer c = ops::ref::matmul(a, b, out);
  std::string name = "matmul_" + in.to_string() + "_" + std::to_string(s.m) + "x" +
                     std::to_string(s.k) + "x" + std::to_string(s.n);
  return {name, {A, B}, {a, b}, {C}, {c}, product_tolerance(s.k), product_variants(A, C)};
}

Problem dense_problem(Mnk s, DataType in, DataType out, uint64_t seed) {
  bool is_int = in.is_int();
  double lo = is_int ? -128 : -1, hi = is_int ? 127 : 1;
  Tensor X = placeholder({s.m, s.k}, in, "X");
  Tensor W = placeholder({s.n, s.k}, in, "W");
  Tensor Y = ops::dense(X, W, out, "Y");
  HostBuffer x = HostBuffer::random(in, {s.m, s.k}, seed, lo, hi);
  HostBuffer w = HostBuffer::random(in, {s.n, s.k}, seed + 1, lo, hi);
  HostBuffer y = ops::ref::dense(x, w, out);
  std::string name = "dense_" + in.to_string() + "_" + std::to_string(s.m) + "x" +
                     std::to_string(s.k) + "x" + std::to_string(s.n);
  return {name, {X, W}, {x, w}, {Y}, {y}, product_tolerance(s.k), product_variants(X, Y)};
}

}  // namespace

TEST(MatmulCorrectness, Float32OddShapes) {
  std::vector<Problem> problems;
  for (const Mnk& s : kShapes) problems.push_back(matmul_problem(s, kF32, kF32, 11));
  check_problems(problems);
}

TEST(MatmulCorrectness, Int8ToInt32Exact) {
  std::vector<Problem> problems;
  for (const Mnk& s : kShapes) problems.push_back(matmul_problem(s, kI8, kI32, 21));
  check_problems(problems);
}

TEST(DenseCorrectness, Float32OddShapes) {
  std::vector<Problem> problems;
  for (const Mnk& s : kShapes) problems.push_back(dense_problem(s, kF32, kF32, 31));
  check_problems(problems);
}

TEST(DenseCorrectness, Int8ToInt32Exact) {
  std::vector<Problem> problems;
  for (const Mnk& s : {Mnk{1, 13, 7}, Mnk{13, 97, 7}}) problems.push_back(dense_problem(s, kI8, kI32, 41));
  check_problems(problems);
}

TEST(BatchMatmulCorrectness, Float32AndInt8) {
  std::vector<Problem> problems;
  struct Bmnk {
    int64_t b, m, k, n;
    DataType in, out;
  };
  for (const Bmnk& s : {Bmnk{1, 1, 13, 7, kF32, kF32}, Bmnk{3, 13, 7, 17, kF32, kF32},
                        Bmnk{2, 7, 13, 9, kI8, kI32}}) {
    bool is_int = s.in.is_int();
    double lo = is_int ? -128 : -1, hi = is_int ? 127 : 1;
    Tensor A = placeholder({s.b, s.m, s.k}, s.in, "A");
    Tensor B = placeholder({s.b, s.k, s.n}, s.in, "B");
    Tensor C = ops::batch_matmul(A, B, s.out, "C");
    HostBuffer a = HostBuffer::random(s.in, {s.b, s.m, s.k}, 51, lo, hi);
    HostBuffer b = HostBuffer::random(s.in, {s.b, s.k, s.n}, 52, lo, hi);
    HostBuffer c = ops::ref::batch_matmul(a, b, s.out);
    std::string name = "batch_matmul_" + s.in.to_string() + "_" + std::to_string(s.b) + "x" +
                       std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n);
    problems.push_back({name, {A, B}, {a, b}, {C}, {c}, product_tolerance(s.k),
                        product_variants(A, C)});
  }
  check_problems(problems);
}
