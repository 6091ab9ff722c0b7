// Schedule and lowering mechanics checked by value on small synthetic
// computations: compute_at with regions past the producer's domain, nested
// compute_at, fuse + split + vectorize, reductions reordered outermost,
// conditional reductions, user reducers, rfactor on both factor axes,
// cache_read at an inner loop, storage_align and masked padding reads. Every
// expected value comes from a plain C++ loop.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>

#include "correctness/CorrectnessUtil.h"

using namespace anvil;
using namespace anvil::correctness;

namespace {

const DataType kF32 = DataType::Float(32);

// Row-major flat view of a float32 HostBuffer.
struct View {
  HostBuffer& b;
  int64_t cols;
  float& operator()(int64_t i, int64_t j) { return b.data<float>()[i * cols + j]; }
};

}  // namespace

// The harness itself must catch a wrong value and an unwritten output.
TEST(CorrectnessHarness, DetectsWrongResults) {
  Tensor A = placeholder({13}, kF32, "A");
  Tensor B = compute({13}, [&](Var i) { return A(i) + 1.0f; }, "B");
  HostBuffer a = HostBuffer::random(kF32, {13}, 1);
  HostBuffer wrong(kF32, {13});
  for (int64_t i = 0; i < 13; i++) wrong.set(i, a.get(i) + (i == 12 ? 1.5 : 1.0));
  Problem p{"harness", {A}, {a}, {B}, {wrong}, {}, {default_schedule()}};
  EXPECT_NONFATAL_FAILURE(check_problem(p, "c -mcpu=native"), "[12] got");
}

// A read one past the end of an input meets a NaN guard element.
TEST(CorrectnessHarness, DetectsOutOfBoundsReads) {
  Tensor A = placeholder({13}, kF32, "A");
  Tensor B = compute({13}, [&](Var i) { return A(i + 1); }, "B");
  HostBuffer a = HostBuffer::random(kF32, {13}, 2);
  HostBuffer want(kF32, {13});
  for (int64_t i = 0; i < 12; i++) want.set(i, a.get(i + 1));
  Problem p{"harness_oob", {A}, {a}, {B}, {want}, {}, {default_schedule()}};
  EXPECT_NONFATAL_FAILURE(check_problem(p, "c -mcpu=native"), "[12] got nan");
}

// B is computed per tile of C; with 13 rows in tiles of 4 and C reading B at
// i + 1, the last tile's B region reaches rows 12..16, past B's 14 rows.
TEST(ScheduleMechanics, ComputeAtRegionPastProducerDomain) {
  Tensor A = placeholder({14, 11}, kF32, "A");
  Tensor B = compute({14, 11}, [&](Var i, Var j) { return A(i, j) * 2.0f + 1.0f; }, "B");
  Tensor C = compute({13, 9}, [&](Var i, Var j) { return B(i, j) - B(i + 1, j + 2); }, "C");
  HostBuffer a = HostBuffer::random(kF32, {14, 11}, 201);
  HostBuffer c(kF32, {13, 9});
  View av{a, 11}, cv{c, 9};
  for (int64_t i = 0; i < 13; i++)
    for (int64_t j = 0; j < 9; j++)
      cv(i, j) = (av(i, j) * 2.0f + 1.0f) - (av(i + 1, j + 2) * 2.0f + 1.0f);
  Problem p{"compute_at_past_domain", {A}, {a}, {C}, {c}, {}, {}};
  p.variants.push_back({"tile4x4_at_inner", [=](Schedule& sch) {
                          auto t = sch[C].tile(sch[C].axis(0), sch[C].axis(1), 4, 4);
                          sch[B].compute_at(sch[C], t[1]);
                        }});
  p.variants.push_back({"tile4x8_at_outer_vec", [=](Schedule& sch) {
                          auto t = sch[C].tile(sch[C].axis(0), sch[C].axis(1), 4, 8);
                          sch[C].vectorize(t[3]);
                          sch[C].parallel(t[0]);
                          sch[B].compute_at(sch[C], t[0]);
                          auto [bo, bi] = sch[B].split(sch[B].axis(1), 4);
                          sch[B].vectorize(bi);
                        }});
  check_problem(p);
}

// A -> B -> C -> D with B at a loop of C and C at a loop of D.
TEST(ScheduleMechanics, NestedComputeAt) {
  Tensor A = placeholder({17, 13}, kF32, "A");
  Tensor B = compute({17, 13}, [&](Var i, Var j) { return A(i, j) * A(i, j); }, "B");
  Tensor C = compute({16, 13}, [&](Var i, Var j) { return B(i, j) + B(i + 1, j); }, "C");
  Tensor D = compute({15, 12}, [&](Var i, Var j) { return C(i + 1, j + 1) - C(i, j); }, "D");
  HostBuffer a = HostBuffer::random(kF32, {17, 13}, 202);
  HostBuffer b(kF32, {17, 13}), c(kF32, {16, 13}), d(kF32, {15, 12});
  View av{a, 13}, bv{b, 13}, cv{c, 13}, dv{d, 12};
  for (int64_t i = 0; i < 17; i++)
    for (int64_t j = 0; j < 13; j++) bv(i, j) = av(i, j) * av(i, j);
  for (int64_t i = 0; i < 16; i++)
    for (int64_t j = 0; j < 13; j++) cv(i, j) = bv(i, j) + bv(i + 1, j);
  for (int64_t i = 0; i < 15; i++)
    for (int64_t j = 0; j < 12; j++) dv(i, j) = cv(i + 1, j + 1) - cv(i, j);
  Problem p{"nested_compute_at", {A}, {a}, {D}, {d}, {}, {}};
  p.variants.push_back({"B_at_C_row_C_at_D_tile", [=](Schedule& sch) {
                          auto t = sch[D].tile(sch[D].axis(0), sch[D].axis(1), 4, 5);
                          sch[C].compute_at(sch[D], t[1]);
                          sch[B].compute_at(sch[C], sch[C].axis(0));
                        }});
  p.variants.push_back({"parallel_rows_vectorized", [=](Schedule& sch) {
                          auto [io, ii] = sch[D].split(sch[D].axis(0), 2);
                          sch[D].parallel(io);
                          auto [jo, ji] = sch[D].split(sch[D].axis(1), 8);
                          sch[D].vectorize(ji);
                          sch[C].compute_at(sch[D], io);
                          auto [co, ci] = sch[C].split(sch[C].axis(1), 8);
                          sch[C].vectorize(ci);
                          sch[B].compute_at(sch[C], co);
                          sch[B].storage_align(0, 8, 2);
                        }});
  check_problem(p);
}

// Fuse both axes, split the fused loop by a factor that divides neither
// extent nor the product, vectorize the inner part and run the outer in
// parallel.
TEST(ScheduleMechanics, FuseSplitVectorize) {
  Tensor A = placeholder({7, 13}, kF32, "A");
  Tensor B = placeholder({13}, kF32, "B");
  Tensor C = compute({7, 13}, [&](Var i, Var j) { return A(i, j) * B(j) + cast(kF32, i); }, "C");
  HostBuffer a = HostBuffer::random(kF32, {7, 13}, 203), b = HostBuffer::random(kF32, {13}, 204);
  HostBuffer c(kF32, {7, 13});
  View av{a, 13}, cv{c, 13};
  for (int64_t i = 0; i < 7; i++)
    for (int64_t j = 0; j < 13; j++) cv(i, j) = av(i, j) * b.data<float>()[j] + static_cast<float>(i);
  Problem p{"fuse_split_vec", {A, B}, {a, b}, {C}, {c}, {}, {}};
  for (int64_t lanes : {4, 8, 16}) {
    p.variants.push_back({"lanes" + std::to_string(lanes), [=](Schedule& sch) {
                            Stage& s = sch[C];
                            Loop f = s.fuse(s.axis(0), s.axis(1));
                            auto [fo, fi] = s.split(f, lanes);
                            s.vectorize(fi);
                            s.parallel(fo);
                          }});
  }
  check_problem(p);
}

// Row sums of a product with the reduction loop moved outermost, so every
// output element is updated once per k.
TEST(ScheduleMechanics, ReductionLoopOutermost) {
  Tensor A = placeholder({9, 13}, kF32, "A");
  Tensor B = placeholder({13, 11}, kF32, "B");
  IterVar k = reduce_axis({0, 13}, "k");
  Tensor C = compute({9, 11}, [&](Var i, Var j) { return sum(A(i, k.var()) * B(k.var(), j), {k}); }, "C");
  HostBuffer a = HostBuffer::random(kF32, {9, 13}, 205), b = HostBuffer::random(kF32, {13, 11}, 206);
  HostBuffer c(kF32, {9, 11});
  View av{a, 13}, bv{b, 11}, cv{c, 11};
  for (int64_t i = 0; i < 9; i++)
    for (int64_t j = 0; j < 11; j++) {
      double acc = 0;
      for (int64_t kk = 0; kk < 13; kk++) acc += static_cast<double>(av(i, kk)) * bv(kk, j);
      cv(i, j) = static_cast<float>(acc);
    }
  Problem p{"reduction_outermost", {A, B}, {a, b}, {C}, {c}, {1e-5, 1e-5}, {}};
  p.variants.push_back({"k_i_j", [=](Schedule& sch) {
                          sch[C].reorder({sch[C].reduce_axis(0), sch[C].axis(0), sch[C].axis(1)});
                        }});
  p.variants.push_back({"k_i_j_vec", [=](Schedule& sch) {
                          Stage& s = sch[C];
                          auto [jo, ji] = s.split(s.axis(1), 4);
                          s.reorder({s.reduce_axis(0), s.axis(0), jo, ji});
                          s.vectorize(ji);
                        }});
  check_problem(p);
}

// sum(expr, {k}, cond): only the k where (i + k) % 3 != 0 and k <= i + 5
// count.
TEST(ScheduleMechanics, ConditionalReduction) {
  Tensor A = placeholder({11, 13}, kF32, "A");
  IterVar k = reduce_axis({0, 13}, "k");
  Tensor S = compute({11}, [&](Var i) {
    return sum(A(i, k.var()), {k}, (i + k.var()) % 3 != 0 && k.var() <= i + 5);
  }, "S");
  HostBuffer a = HostBuffer::random(kF32, {11, 13}, 207);
  HostBuffer s(kF32, {11});
  View av{a, 13};
  for (int64_t i = 0; i < 11; i++) {
    double acc = 0;
    for (int64_t kk = 0; kk < 13; kk++)
      if ((i + kk) % 3 != 0 && kk <= i + 5) acc += av(i, kk);
    s.data<float>()[i] = static_cast<float>(acc);
  }
  Problem p{"conditional_reduction", {A}, {a}, {S}, {s}, {}, {default_schedule()}};
  p.variants.push_back({"k_outer_i_vec", [=](Schedule& sch) {
                          Stage& st = sch[S];
                          auto [io, ii] = st.split(st.axis(0), 4);
                          st.reorder({st.reduce_axis(0), ii});
                          st.vectorize(ii);
                        }});
  p.variants.push_back({"k_split_unrolled", [=](Schedule& sch) {
                          auto [ko, ki] = sch[S].split(sch[S].reduce_axis(0), 4);
                          sch[S].unroll(ki);
                          sch[S].parallel(sch[S].axis(0));
                        }});
  p.variants.push_back({"rfactor_k_inner", [=](Schedule& sch) {
                          auto [ko, ki] = sch[S].split(sch[S].reduce_axis(0), 4);
                          sch.rfactor(S, ki, 1);
                        }});
  check_problem(p);
}

// User reducers: a product, and the largest magnitude with its sign dropped.
TEST(ScheduleMechanics, UserCommReducers) {
  Tensor A = placeholder({7, 19}, kF32, "A");
  Reducer prod = comm_reducer([](Expr x, Expr y) { return x * y; },
                              [](DataType t) { return make_one(t); });
  Reducer max_abs = comm_reducer([](Expr x, Expr y) { return max(abs(x), abs(y)); },
                                 [](DataType t) { return make_zero(t); });
  IterVar k1 = reduce_axis({0, 19}, "k1"), k2 = reduce_axis({0, 19}, "k2");
  Tensor P = compute({7}, [&](Var i) { return prod(A(i, k1.var()), {k1}, Expr()); }, "P");
  Tensor M = compute({7}, [&](Var i) { return max_abs(A(i, k2.var()), {k2}, Expr()); }, "M");
  HostBuffer a = HostBuffer::random(kF32, {7, 19}, 208, 0.6, 1.5);
  for (int64_t i = 0; i < a.num_elements(); i += 3) a.set(i, -a.get(i));  // some negatives
  HostBuffer p(kF32, {7}), m(kF32, {7});
  View av{a, 19};
  for (int64_t i = 0; i < 7; i++) {
    double pr = 1, mx = 0;
    for (int64_t kk = 0; kk < 19; kk++) {
      pr *= av(i, kk);
      mx = std::max(mx, std::abs(static_cast<double>(av(i, kk))));
    }
    p.data<float>()[i] = static_cast<float>(pr);
    m.data<float>()[i] = static_cast<float>(mx);
  }
  auto variants = [](const Tensor& out) {
    std::vector<Variant> v = {default_schedule()};
    v.push_back({"rfactor_vec", [=](Schedule& sch) {
                   auto [ko, ki] = sch[out].split(sch[out].reduce_axis(0), 8);
                   Tensor rf = sch.rfactor(out, ki, 1);  // rf: [i, ki]
                   sch[rf].reorder({sch[rf].reduce_axis(0), sch[rf].axis(1)});
                   sch[rf].vectorize(sch[rf].axis(1));
                 }});
    v.push_back({"split_unroll", [=](Schedule& sch) {
                   auto [ko, ki] = sch[out].split(sch[out].reduce_axis(0), 5);
                   sch[out].unroll(ki);
                 }});
    return v;
  };
  check_problems({{"product_reducer", {A}, {a}, {P}, {p}, {1e-5, 1e-6}, variants(P)},
                  {"max_abs_reducer", {A}, {a}, {M}, {m}, {0, 0}, variants(M)}});
}

// rfactor of the inner (then outer) part of a split reduction, with the
// factored axis placed first (factor_axis 0) or last (factor_axis 1).
TEST(ScheduleMechanics, RfactorBothFactorAxes) {
  Tensor A = placeholder({5, 37}, kF32, "A");
  IterVar k = reduce_axis({0, 37}, "k");
  Tensor S = compute({5}, [&](Var i) { return sum(A(i, k.var()) * A(i, k.var()), {k}); }, "S");
  HostBuffer a = HostBuffer::random(kF32, {5, 37}, 209);
  HostBuffer s(kF32, {5});
  View av{a, 37};
  for (int64_t i = 0; i < 5; i++) {
    double acc = 0;
    for (int64_t kk = 0; kk < 37; kk++) acc += static_cast<double>(av(i, kk)) * av(i, kk);
    s.data<float>()[i] = static_cast<float>(acc);
  }
  Problem p{"rfactor", {A}, {a}, {S}, {s}, {1e-5, 1e-5}, {}};
  for (int axis : {0, 1}) {
    for (bool inner : {true, false}) {
      std::string name = std::string(inner ? "inner" : "outer") + "_axis" + std::to_string(axis);
      p.variants.push_back({name, [=](Schedule& sch) {
                              auto [ko, ki] = sch[S].split(sch[S].reduce_axis(0), 8);
                              Tensor rf = sch.rfactor(S, inner ? ki : ko, axis);
                              Stage& r = sch[rf];
                              // The factored dimension of rf (extent 8 or 5).
                              Loop factored = r.axis(axis);
                              if (axis == 1) {
                                r.reorder({r.reduce_axis(0), factored});
                                r.vectorize(factored);
                              } else {
                                r.parallel(factored);
                              }
                            }});
    }
  }
  check_problem(p);
}

// A column block of B copied into a local buffer inside the reduction loop
// (an inner loop of C), and an intermediate with a padded row stride.
TEST(ScheduleMechanics, CacheReadAtInnerLoopAndStorageAlign) {
  Tensor A = placeholder({9, 7}, kF32, "A");
  Tensor B = placeholder({7, 13}, kF32, "B");
  Tensor T = compute({9, 7}, [&](Var i, Var j) { return A(i, j) + 0.5f; }, "T");
  IterVar k = reduce_axis({0, 7}, "k");
  Tensor C = compute({9, 13}, [&](Var i, Var j) { return sum(T(i, k.var()) * B(k.var(), j), {k}); }, "C");
  HostBuffer a = HostBuffer::random(kF32, {9, 7}, 210), b = HostBuffer::random(kF32, {7, 13}, 211);
  HostBuffer c(kF32, {9, 13});
  View av{a, 7}, bv{b, 13}, cv{c, 13};
  for (int64_t i = 0; i < 9; i++)
    for (int64_t j = 0; j < 13; j++) {
      double acc = 0;
      for (int64_t kk = 0; kk < 7; kk++) acc += static_cast<double>(av(i, kk) + 0.5f) * bv(kk, j);
      cv(i, j) = static_cast<float>(acc);
    }
  Problem p{"cache_read_inner", {A, B}, {a, b}, {C}, {c}, {1e-5, 1e-5}, {}};
  p.variants.push_back({"B_local_at_k", [=](Schedule& sch) {
                          Tensor bl = sch.cache_read(B, "local", {C});
                          Stage& s = sch[C];
                          auto [jo, ji] = s.split(s.axis(1), 8);
                          s.reorder({s.reduce_axis(0), ji});  // i, jo, k, ji
                          s.vectorize(ji);
                          sch[bl].compute_at(s, s.reduce_axis(0));
                          sch[T].storage_align(0, 16, 5);
                        }});
  p.variants.push_back({"T_at_row_aligned_B_local_at_jo", [=](Schedule& sch) {
                          Tensor bl = sch.cache_read(B, "local", {C});
                          Stage& s = sch[C];
                          auto [jo, ji] = s.split(s.axis(1), 4);
                          s.unroll(ji);
                          sch[bl].compute_at(s, jo);
                          sch[bl].storage_align(0, 8, 1);
                          sch[T].compute_at(s, s.axis(0));
                          sch[T].storage_align(0, 4, 3);
                        }});
  check_problem(p);
}

// Reads behind if_then_else (zero padding on both sides) under vectorized
// loops whose lanes straddle the borders: the masked path.
TEST(ScheduleMechanics, IfThenElsePaddingUnderVectorizedLoop) {
  Tensor A = placeholder({5, 11}, kF32, "A");
  Tensor P = compute({7, 19}, [&](Var i, Var j) {
    Expr inside = i >= 1 && i < 6 && j >= 3 && j < 14;
    return if_then_else(inside, A(i - 1, j - 3), make_const(kF32, -1.0));
  }, "P");
  Tensor Q = compute({7, 17}, [&](Var i, Var j) { return P(i, j) + P(i, j + 2); }, "Q");
  HostBuffer a = HostBuffer::random(kF32, {5, 11}, 212);
  HostBuffer pad(kF32, {7, 19}), q(kF32, {7, 17});
  View av{a, 11}, pv{pad, 19}, qv{q, 17};
  for (int64_t i = 0; i < 7; i++)
    for (int64_t j = 0; j < 19; j++)
      pv(i, j) = (i >= 1 && i < 6 && j >= 3 && j < 14) ? av(i - 1, j - 3) : -1.0f;
  for (int64_t i = 0; i < 7; i++)
    for (int64_t j = 0; j < 17; j++) qv(i, j) = pv(i, j) + pv(i, j + 2);
  Problem p{"masked_padding", {A}, {a}, {Q}, {q}, {0, 0}, {default_schedule()}};
  for (int64_t lanes : {4, 8, 16}) {
    p.variants.push_back({"inline_vec" + std::to_string(lanes), [=](Schedule& sch) {
                            sch[P].compute_inline();
                            auto [jo, ji] = sch[Q].split(sch[Q].axis(1), lanes);
                            sch[Q].vectorize(ji);
                          }});
  }
  p.variants.push_back({"at_row_vec8", [=](Schedule& sch) {
                          sch[P].compute_at(sch[Q], sch[Q].axis(0));
                          auto [po, pi] = sch[P].split(sch[P].axis(1), 8);
                          sch[P].vectorize(pi);
                          auto [qo, qi] = sch[Q].split(sch[Q].axis(1), 8);
                          sch[Q].vectorize(qi);
                        }});
  check_problem(p);
}

// Less common combinations: a producer at a reduction loop of its consumer,
// an unrolled loop that holds a computed-at stage, split by nparts, rfactor
// of one of several reduction axes, and fusing the parts of a split.
TEST(ScheduleMechanics, UnusualCombinations) {
  Tensor A = placeholder({6, 3, 5, 7}, kF32, "A");
  Tensor T = compute({6, 3, 5, 7}, [&](const std::vector<Var>& v) { return A(v[0], v[1], v[2], v[3]) - 0.25f; },
                     "T");
  IterVar rc = reduce_axis({0, 3}, "rc"), ry = reduce_axis({0, 5}, "ry");
  Tensor S = compute({6, 7}, [&](Var n, Var x) {
    return sum(T(n, rc.var(), ry.var(), x) * T(n, rc.var(), ry.var(), x), {rc, ry});
  }, "S");
  HostBuffer a = HostBuffer::random(kF32, {6, 3, 5, 7}, 213);
  HostBuffer s(kF32, {6, 7});
  const float* ap = a.data<float>();
  for (int64_t n = 0; n < 6; n++)
    for (int64_t x = 0; x < 7; x++) {
      double acc = 0;
      for (int64_t c = 0; c < 3; c++)
        for (int64_t y = 0; y < 5; y++) {
          double t = ap[((n * 3 + c) * 5 + y) * 7 + x] - 0.25f;
          acc += t * t;
        }
      s.data<float>()[n * 7 + x] = static_cast<float>(acc);
    }
  Problem p{"unusual", {A}, {a}, {S}, {s}, {1e-5, 1e-5}, {}};
  p.variants.push_back({"T_at_reduction_loop", [=](Schedule& sch) {
                          Stage& st = sch[S];
                          st.reorder({st.reduce_axis(0), st.reduce_axis(1), st.axis(1)});
                          sch[T].compute_at(st, st.reduce_axis(1));
                          st.vectorize(st.axis(1));
                        }});
  p.variants.push_back({"unrolled_loop_holds_T", [=](Schedule& sch) {
                          Stage& st = sch[S];
                          auto [no, ni] = st.split_nparts(st.axis(0), 4);
                          st.unroll(ni);
                          st.parallel(no);
                          sch[T].compute_at(st, ni);
                        }});
  p.variants.push_back({"rfactor_one_of_two_axes", [=](Schedule& sch) {
                          Tensor rf = sch.rfactor(S, sch[S].reduce_axis(1), 2);  // rf: [n, x, ry]
                          sch[T].compute_at(sch[rf], sch[rf].axis(0));
                          sch[rf].parallel(sch[rf].axis(0));
                        }});
  p.variants.push_back({"fuse_split_parts", [=](Schedule& sch) {
                          Stage& st = sch[S];
                          auto [xo, xi] = st.split(st.axis(1), 3);
                          Loop f = st.fuse(xo, xi);
                          auto [fo, fi] = st.split(f, 4);
                          st.reorder({st.reduce_axis(0), st.reduce_axis(1), fi});
                          st.vectorize(fi);
                          sch[T].compute_inline();
                        }});
  check_problem(p);
}
