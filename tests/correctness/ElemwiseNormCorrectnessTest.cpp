// Elementwise and broadcasting operators, pad, softmax and layer_norm on odd
// shapes under several schedules: default, fused + parallel + vectorized with
// a tail, injective producers inlined or computed at an output loop (with
// storage_align), and for the normalizations the reduction stages computed at
// the output's row loop, cache_write into local, and unrolled reductions.
#include <gtest/gtest.h>

#include "anvil/ops/Elemwise.h"
#include "anvil/ops/Normalization.h"
#include "anvil/ops/Pad.h"
#include "anvil/ops/Reference.h"
#include "correctness/CorrectnessUtil.h"

using namespace anvil;
using namespace anvil::correctness;

namespace {

const DataType kF32 = DataType::Float(32);
const DataType kI32 = DataType::Int(32);

// Fuses every axis but the last of an injective stage; returns the fused
// loop (or axis 0 for rank 1, null when there is nothing to fuse).
Loop fuse_outer(Stage& s) {
  int rank = s.tensor().ndim();
  if (rank < 2) return nullptr;
  Loop f = s.axis(0);
  for (int d = 1; d < rank - 1; d++) f = s.fuse(f, s.axis(d));
  return f;
}

// Schedules of an injective output; `producer`, when defined, is an
// injective stage that only `out` reads.
std::vector<Variant> injective_variants(const Tensor& out, const Tensor& producer) {
  std::vector<Variant> v;
  v.push_back(default_schedule());
  v.push_back({"fused_parallel_vec8", [=](Schedule& sch) {
                 if (producer.defined()) sch[producer].compute_inline();
                 Stage& s = sch[out];
                 if (Loop f = fuse_outer(s)) s.parallel(f);
                 auto [xo, xi] = s.split(s.axis(s.tensor().ndim() - 1), 8);
                 s.vectorize(xi);
               }});
  v.push_back({"producer_at_outer_vec16_unroll", [=](Schedule& sch) {
                 Stage& s = sch[out];
                 int last = s.tensor().ndim() - 1;
                 auto [xo, xi] = s.split(s.axis(last), 16);
                 s.vectorize(xi);
                 if (producer.defined()) {
                   Stage& p = sch[producer];
                   p.compute_at(s, last > 0 ? s.axis(0) : xo);
                   if (producer.ndim() >= 2) p.storage_align(producer.ndim() - 2, 8, 3);
                   auto [pxo, pxi] = p.split(p.axis(producer.ndim() - 1), 4);
                   p.unroll(pxi);
                 } else {
                   auto [xoo, xoi] = s.split(xo, 2);
                   s.unroll(xoi);
                 }
               }});
  return v;
}

HostBuffer random_of(DataType t, const std::vector<int64_t>& shape, uint64_t seed) {
  return t.is_float() ? HostBuffer::random(t, shape, seed) : HostBuffer::random(t, shape, seed, -1000, 1000);
}

std::string shape_tag(const std::vector<int64_t>& s) {
  std::string out;
  for (int64_t d : s) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

using BinaryOp = Tensor (*)(const Tensor&, const Tensor&, const std::string&);
using BinaryRef = HostBuffer (*)(const HostBuffer&, const HostBuffer&);

// op(a, b) alone, and relu(op(a, b)) with op as the producer.
void add_binary_problems(std::vector<Problem>& problems, const std::string& name, BinaryOp op,
                         BinaryRef ref, std::vector<int64_t> sa, std::vector<int64_t> sb,
                         DataType t, uint64_t seed) {
  HostBuffer a = random_of(t, sa, seed), b = random_of(t, sb, seed + 1);
  HostBuffer want = ref(a, b);
  std::string tag = name + "_" + t.to_string() + "_" + shape_tag(sa) + "_" + shape_tag(sb);
  {
    Tensor A = placeholder({sa.begin(), sa.end()}, t, "a"), B = placeholder({sb.begin(), sb.end()}, t, "b");
    Tensor out = op(A, B, "out");
    problems.push_back({tag, {A, B}, {a, b}, {out}, {want}, {}, injective_variants(out, Tensor())});
  }
  {
    Tensor A = placeholder({sa.begin(), sa.end()}, t, "a"), B = placeholder({sb.begin(), sb.end()}, t, "b");
    Tensor mid = op(A, B, "mid");
    Tensor out = ops::relu(mid, "out");
    problems.push_back({tag + "_relu", {A, B}, {a, b}, {out}, {ops::ref::relu(want)}, {},
                        injective_variants(out, mid)});
  }
}

}  // namespace

TEST(AddMultiplyCorrectness, BroadcastingOddShapes) {
  std::vector<Problem> problems;
  add_binary_problems(problems, "add", ops::add, ops::ref::add, {7, 1, 13}, {5, 13}, kF32, 101);
  add_binary_problems(problems, "add", ops::add, ops::ref::add, {97}, {3, 1}, kI32, 103);
  add_binary_problems(problems, "mul", ops::multiply, ops::ref::multiply, {1}, {13, 17}, kF32, 105);
  add_binary_problems(problems, "mul", ops::multiply, ops::ref::multiply, {2, 5, 33}, {2, 5, 33}, kF32, 107);
  check_problems(problems);
}

TEST(UnaryCorrectness, ReluGeluBiasAdd) {
  std::vector<Problem> problems;
  for (auto [shape, t] : {std::pair<std::vector<int64_t>, DataType>{{13, 97}, kF32},
                          {{1, 7, 9}, kI32}}) {
    Tensor X = placeholder({shape.begin(), shape.end()}, t, "x");
    Tensor out = ops::relu(X, "out");
    HostBuffer x = random_of(t, shape, 111);
    problems.push_back({"relu_" + t.to_string() + "_" + shape_tag(shape), {X}, {x}, {out},
                        {ops::ref::relu(x)}, {}, injective_variants(out, Tensor())});
  }
  {
    // gelu of a scaled input (the scaling an inlinable producer); erf keeps
    // float32 within a few ulps.
    std::vector<int64_t> shape = {7, 33};
    Tensor X = placeholder({7, 33}, kF32, "x");
    Tensor scaled = compute({7, 33}, [&](Var i, Var j) { return X(i, j) * 3.0f; }, "scaled", "elemwise");
    Tensor out = ops::gelu(scaled, "out");
    HostBuffer x = HostBuffer::random(kF32, shape, 113);
    HostBuffer sx(kF32, shape);
    for (int64_t i = 0; i < x.num_elements(); i++) sx.set(i, static_cast<float>(x.data<float>()[i] * 3.0f));
    problems.push_back({"gelu_7x33", {X}, {x}, {out}, {ops::ref::gelu(sx)}, {1e-5, 1e-6},
                        injective_variants(out, scaled)});
    Tensor X1 = placeholder({97}, kF32, "x");
    Tensor out1 = ops::gelu(X1, "out");
    HostBuffer x1 = HostBuffer::random(kF32, {97}, 114, -4, 4);
    problems.push_back({"gelu_97", {X1}, {x1}, {out1}, {ops::ref::gelu(x1)}, {1e-5, 1e-6},
                        injective_variants(out1, Tensor())});
  }
  struct BiasCase {
    std::vector<int64_t> shape;
    int axis;
  };
  for (const BiasCase& c : {BiasCase{{2, 13, 7, 5}, 1}, BiasCase{{97, 13}, -1}, BiasCase{{3, 17}, 0}}) {
    Tensor D = placeholder({c.shape.begin(), c.shape.end()}, kF32, "data");
    int ax = c.axis < 0 ? c.axis + static_cast<int>(c.shape.size()) : c.axis;
    Tensor Bias = placeholder({c.shape[ax]}, kF32, "bias");
    Tensor out = ops::bias_add(D, Bias, c.axis, "out");
    HostBuffer d = HostBuffer::random(kF32, c.shape, 115), b = HostBuffer::random(kF32, {c.shape[ax]}, 116);
    problems.push_back({"bias_add_" + shape_tag(c.shape) + "_ax" + std::to_string(ax), {D, Bias}, {d, b},
                        {out}, {ops::ref::bias_add(d, b, c.axis)}, {}, injective_variants(out, Tensor())});
  }
  check_problems(problems);
}

TEST(PadCorrectness, ConstantBordersUnderVectorizedLoops) {
  std::vector<Problem> problems;
  struct Case {
    std::vector<int64_t> shape, before, after;
    double value;
  };
  for (const Case& c : {Case{{7, 13}, {1, 2}, {3, 0}, 0.5}, Case{{2, 3, 5}, {0, 1, 2}, {1, 0, 3}, -2.0},
                        Case{{1}, {0}, {0}, 0.0}, Case{{29}, {5}, {4}, 1.0}}) {
    HostBuffer x = HostBuffer::random(kF32, c.shape, 121);
    HostBuffer want = ops::ref::pad(x, c.before, c.after, c.value);
    std::string tag = "pad_" + shape_tag(c.shape) + "_" + shape_tag(c.before) + "_" + shape_tag(c.after);
    Tensor X = placeholder({c.shape.begin(), c.shape.end()}, kF32, "x");
    Tensor out = ops::pad(X, c.before, c.after, c.value, "out");
    problems.push_back({tag, {X}, {x}, {out}, {want}, {0, 0}, injective_variants(out, Tensor())});
    // A padded relu: the relu is the producer the pad reads.
    Tensor X2 = placeholder({c.shape.begin(), c.shape.end()}, kF32, "x");
    Tensor r = ops::relu(X2, "r");
    Tensor out2 = ops::pad(r, c.before, c.after, c.value, "out");
    problems.push_back({tag + "_of_relu", {X2}, {x}, {out2},
                        {ops::ref::pad(ops::ref::relu(x), c.before, c.after, c.value)}, {0, 0},
                        injective_variants(out2, r)});
  }
  check_problems(problems);
}

namespace {

// Schedules of softmax / layer_norm: `first` is the reduction read by both the
// second reduction and the output (so it stays at the root), `second` the one
// only the output reads.
std::vector<Variant> normalization_variants(const Tensor& out, const std::string& first,
                                            const std::string& second) {
  std::vector<Variant> v;
  v.push_back(default_schedule());
  // Both reductions' rows parallel; the second at the output's row loop; the
  // output's last axis vectorized with a tail.
  v.push_back({"reduce_at_row_parallel_vec", [=](Schedule& sch) {
                 Stage& s = sch[out];
                 Loop row = s.axis(0);
                 s.parallel(row);
                 auto [xo, xi] = s.split(s.axis(s.tensor().ndim() - 1), 8);
                 s.vectorize(xi);
                 sch.stage(second).compute_at(s, row);
                 Stage& f = sch.stage(first);
                 f.parallel(f.axis(0));
               }});
  // The second reduction accumulates in a local copy at its own row, which is
  // at the output's row; the first's reduction is split and unrolled; the
  // first reduction stage is row-aligned.
  v.push_back({"cache_write_local_unroll_aligned", [=](Schedule& sch) {
                 Tensor local = sch.cache_write(sch.stage(second).tensor(), "local");
                 Stage& s = sch[out];
                 Loop f = fuse_outer(s);
                 Stage& second_stage = sch.stage(second);
                 Stage& l = sch[local];
                 auto [xo, xi] = s.split(s.axis(s.tensor().ndim() - 1), 4);
                 s.unroll(xi);
                 s.parallel(f ? f : xo);
                 second_stage.compute_at(s, f ? f : xo);
                 l.compute_at(second_stage, second_stage.axis(0));
                 auto [ko, ki] = l.split(l.reduce_axis(0), 4);
                 l.unroll(ki);
                 Stage& first_stage = sch.stage(first);
                 auto [fo, fi] = first_stage.split(first_stage.reduce_axis(0), 8);
                 first_stage.unroll(fi);
                 if (first_stage.tensor().ndim() >= 2) first_stage.storage_align(0, 4, 1);
               }});
  return v;
}

}  // namespace

TEST(SoftmaxCorrectness, OddShapesAndAxes) {
  std::vector<Problem> problems;
  struct Case {
    std::vector<int64_t> shape;
    int axis;
  };
  for (const Case& c : {Case{{7, 13}, -1}, Case{{3, 97}, 1}, Case{{13, 5, 7}, 1}, Case{{1, 1}, -1}}) {
    Tensor X = placeholder({c.shape.begin(), c.shape.end()}, kF32, "x");
    Tensor out = ops::softmax(X, c.axis, "sm");
    HostBuffer x = HostBuffer::random(kF32, c.shape, 131, -4, 4);
    problems.push_back({"softmax_" + shape_tag(c.shape) + "_ax" + std::to_string(c.axis < 0 ? 9 : c.axis),
                        {X}, {x}, {out}, {ops::ref::softmax(x, c.axis)}, {1e-4, 1e-6},
                        normalization_variants(out, "sm.max", "sm.expsum")});
  }
  check_problems(problems);
}

TEST(LayerNormCorrectness, OddShapesAndAxes) {
  std::vector<Problem> problems;
  struct Case {
    std::vector<int64_t> shape;
    int axis;
  };
  for (const Case& c : {Case{{7, 13}, -1}, Case{{3, 97}, 1}, Case{{13, 5, 7}, 1}, Case{{2, 1}, -1}}) {
    int ax = c.axis < 0 ? c.axis + static_cast<int>(c.shape.size()) : c.axis;
    Tensor X = placeholder({c.shape.begin(), c.shape.end()}, kF32, "x");
    Tensor G = placeholder({c.shape[ax]}, kF32, "gamma"), B = placeholder({c.shape[ax]}, kF32, "beta");
    Tensor out = ops::layer_norm(X, G, B, c.axis, 1e-5, "ln");
    HostBuffer x = HostBuffer::random(kF32, c.shape, 141, -3, 3);
    HostBuffer g = HostBuffer::random(kF32, {c.shape[ax]}, 142, 0.5, 1.5);
    HostBuffer b = HostBuffer::random(kF32, {c.shape[ax]}, 143);
    problems.push_back({"layer_norm_" + shape_tag(c.shape) + "_ax" + std::to_string(ax), {X, G, B},
                        {x, g, b}, {out}, {ops::ref::layer_norm(x, g, b, c.axis, 1e-5)}, {1e-4, 1e-4},
                        normalization_variants(out, "ln.mean", "ln.var")});
  }
  check_problems(problems);
}
