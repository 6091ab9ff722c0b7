// The LLVM backend end to end on hand-built loop IR (the constructs of
// CodeGenCTest): JIT-compiled for the host, run, and checked against C++.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "CTestUtil.h"
#include "anvil/runtime.h"
#include "anvil/support/Error.h"

using namespace anvil;
using namespace anvil::test;

namespace {

const DataType f32 = DataType::Float(32);
const DataType f64 = DataType::Float(64);
const DataType i8 = DataType::Int(8);
const DataType i32 = DataType::Int(32);
const DataType u32 = DataType::UInt(32);
const DataType u64 = DataType::UInt(64);

Target host() { return Target::parse("llvm"); }

LoweredFunc vector_add_tail(const std::string& name, int n) {
  Var a = buffer("A"), b = buffer("B"), c = buffer("C");
  Var io("i.outer"), it("i.tail");
  Expr idx = ramp(io * 16, 16);
  Stmt vec = loop(io, 0, n / 16,
                  st(c, ld(f32.with_lanes(16), a, idx) + ld(f32.with_lanes(16), b, idx), idx));
  Stmt tail = loop(it, (n / 16) * 16, n % 16, st(c, ld(f32, a, it) + ld(f32, b, it), it));
  return {name, {arg(a, f32, n), arg(b, f32, n), arg(c, f32, n)}, Seq::make({vec, tail})};
}

LoweredFunc vector_add_predicated(const std::string& name, int n) {
  Var a = buffer("A"), b = buffer("B"), c = buffer("C");
  Var io("i.outer");
  Expr idx = ramp(io * 16, 16);
  Expr pred = idx < Broadcast::make(Expr(n), 16);
  Stmt body = st(c, ld(f32.with_lanes(16), a, idx, pred) + ld(f32.with_lanes(16), b, idx, pred),
                 idx, pred);
  return {name, {arg(a, f32, n), arg(b, f32, n), arg(c, f32, n)},
          loop(io, 0, (n + 15) / 16, body)};
}

void check_vector_add(const Module& m, const std::vector<int>& sizes) {
  for (int n : sizes) {
    auto a = random_vector<float>(n, -10, 10, 1), b = random_vector<float>(n, -10, 10, 2);
    for (const char* prefix : {"add_", "addp_"}) {
      std::vector<float> c(n + 1, -7.0f);
      m.call(prefix + std::to_string(n), {a.data(), b.data(), c.data()});
      for (int i = 0; i < n; ++i) ASSERT_EQ(c[i], a[i] + b[i]) << prefix << n << " at " << i;
      EXPECT_EQ(c[n], -7.0f) << prefix << n << ": store past the end";
    }
  }
}

}  // namespace

TEST(LLVMCodeGen, VectorAddWithTailAndPredicateJitAndLibrary) {
  std::vector<int> sizes = {1, 7, 97};
  std::vector<LoweredFunc> funcs;
  for (int n : sizes) {
    funcs.push_back(vector_add_tail("add_" + std::to_string(n), n));
    funcs.push_back(vector_add_predicated("addp_" + std::to_string(n), n));
  }
  Module m = build_module(funcs, host());
  EXPECT_EQ(m.function_names().size(), 6u);
  EXPECT_TRUE(m.library_path().empty());
  EXPECT_NE(m.source().find("define i32 @addp_97"), std::string::npos);
  EXPECT_NE(m.source().find("llvm.masked.load"), std::string::npos);
  check_vector_add(m, sizes);

  BuildOptions aot;
  aot.jit = false;
  Module lib = build_module(funcs, host(), aot);
  EXPECT_TRUE(std::filesystem::exists(lib.library_path()));
  check_vector_add(lib, sizes);
  EXPECT_THROW(m.call("add_5", {}), UserError);
  EXPECT_THROW(m.call("add_7", {nullptr}), UserError);
}

TEST(LLVMCodeGen, ParallelLoopAndLocalReduction) {
  const int rows = 37, k = 53;
  Var a = buffer("A"), x = buffer("x"), y = buffer("y"), acc = buffer("acc");
  Var i("i"), r("k");
  Stmt reduce = Seq::make({st(acc, Expr(0.0f), 0),
                           loop(r, 0, k, st(acc, ld(f32, acc, 0) + ld(f32, a, i * k + r) * ld(f32, x, r), 0)),
                           st(y, ld(f32, acc, 0), i)});
  Stmt body = loop(i, 0, rows, Allocate::make(acc, f32, {Expr(1)}, "local", reduce),
                   ForKind::Parallel);
  // A heap accumulator (too big for the stack) inside a parallel loop, and a
  // nested parallel loop (runs serially).
  const int big = 20000;
  Var y2 = buffer("y2"), tmp = buffer("tmp"), j("j"), i2("i");
  Stmt body2 = loop(i2, 0, rows,
                    Allocate::make(tmp, f32, {Expr(big)}, "global",
                                   Seq::make({loop(j, 0, k, st(tmp, ld(f32, a, i2 * k + j) * 2.0f, j * 379), ForKind::Parallel),
                                              st(y2, ld(f32, tmp, (k - 1) * 379) + ld(f32, tmp, 0), i2)})),
                    ForKind::Parallel);
  Module m = build_module({{"gemv", {arg(a, f32, rows * k), arg(x, f32, k), arg(y, f32, rows)}, body},
                           {"rowends", {arg(a, f32, rows * k), arg(y2, f32, rows)}, body2}},
                          host());
  EXPECT_NE(m.source().find("anvil_parallel_for"), std::string::npos);
  auto av = random_vector<float>(rows * k, -1, 1, 3), xv = random_vector<float>(k, -1, 1, 4);
  std::vector<float> yv(rows), y2v(rows);
  for (int threads : {1, 2}) {
    anvil_set_num_threads(threads);
    m.call("gemv", {av.data(), xv.data(), yv.data()});
    m.call("rowends", {av.data(), y2v.data()});
    for (int row = 0; row < rows; ++row) {
      float ref = 0;
      for (int c = 0; c < k; ++c) ref += av[row * k + c] * xv[c];
      EXPECT_NEAR(yv[row], ref, 1e-4f) << row;
      EXPECT_FLOAT_EQ(y2v[row], av[row * k + k - 1] * 2 + av[row * k] * 2) << row;
    }
  }
  anvil_set_num_threads(0);
}

TEST(LLVMCodeGen, NestedIfElseSelectLetAndLazyIfThenElse) {
  const int n = 23;
  Var a = buffer("A"), b = buffer("B"), c = buffer("C"), d = buffer("D");
  Var i("i"), j("j"), t("t", f32), u("u", f32);
  Expr ai = ld(f32, a, i), bj = ld(f32, b, j);
  Stmt inner = IfThenElse::make(i < j, st(c, ai - bj, i * n + j),
                                st(c, select(ai > 0.0f, ai, -ai) * bj, i * n + j));
  Stmt f1 = loop(i, 0, n, loop(j, 0, n, inner));
  Stmt f2 = loop(i, 0, n, LetStmt::make(t, ai * 2.0f, st(d, Let::make(u, t + 1.0f, u * u), i)));
  // if_then_else must not evaluate the untaken branch: A[i * 10^8] would fault.
  Var e = buffer("E");
  Expr guarded = Call::make(f32, intrinsic::kIfThenElse,
                            {i < 1, ld(f32, a, i * 100000000), Expr(5.0f)});
  Stmt f3 = loop(i, 0, n, st(e, guarded, i));
  Module m = build_module({{"ifelse", {arg(a, f32, n), arg(b, f32, n), arg(c, f32, n * n)}, f1},
                           {"let", {arg(a, f32, n), arg(d, f32, n)}, f2},
                           {"lazy", {arg(a, f32, n), arg(e, f32, n)}, f3}},
                          host());
  auto av = random_vector<float>(n, -3, 3, 5), bv = random_vector<float>(n, -3, 3, 6);
  std::vector<float> cv(n * n), dv(n), ev(n);
  m.call("ifelse", {av.data(), bv.data(), cv.data()});
  m.call("let", {av.data(), dv.data()});
  m.call("lazy", {av.data(), ev.data()});
  for (int x = 0; x < n; ++x) {
    for (int y = 0; y < n; ++y) {
      float ref = x < y ? av[x] - bv[y] : std::fabs(av[x]) * bv[y];
      ASSERT_FLOAT_EQ(cv[x * n + y], ref) << x << "," << y;
    }
    float tt = av[x] * 2;
    EXPECT_FLOAT_EQ(dv[x], (tt + 1) * (tt + 1));
    EXPECT_EQ(ev[x], x == 0 ? av[0] : 5.0f);
  }
}

TEST(LLVMCodeGen, IntegerOpsFloorTruncInt8WrapShifts) {
  const int n = 64;
  const int nops = 16;
  Var a = buffer("A"), b = buffer("B"), out = buffer("Out");
  Var i("i");
  Expr x = ld(i32, a, i), y = ld(i32, b, i);
  std::vector<Expr> ops = {floordiv(x, y), floormod(x, y), truncdiv(x, y), truncmod(x, y),
                           floordiv(x, 4), floormod(x, 8), floordiv(x, 3), floormod(x, -3),
                           min(x, y), max(x, y), x & y, x | y, x ^ y, ~x, x >> 3,
                           cast(i32, reinterpret(u32, x) >> make_const(u32, int64_t{3}))};
  std::vector<Stmt> stores;
  for (int o = 0; o < nops; ++o) stores.push_back(st(out, ops[o], i * nops + o));
  Stmt body = loop(i, 0, n, Seq::make(stores));
  Var p = buffer("P"), q = buffer("Q"), r = buffer("R"), j("j");
  Expr pj = ld(i8, p, j), qj = ld(i8, q, j);
  Stmt body8 = loop(j, 0, n, Seq::make({st(r, pj + qj, j * 4), st(r, pj * qj, j * 4 + 1),
                                        st(r, pj << make_const(i8, int64_t{1}), j * 4 + 2),
                                        st(r, pj - qj, j * 4 + 3)}));
  Var s = buffer("S"), v("v");
  DataType i8x16 = i8.with_lanes(16);
  Expr vidx = ramp(v * 16, 16);
  Expr pv = ld(i8x16, p, vidx), qv = ld(i8x16, q, vidx);
  Stmt body8v = loop(v, 0, n / 16, Seq::make({st(s, pv + qv, vidx * 4),
                                              st(s, pv * qv, vidx * 4 + 1),
                                              st(s, floordiv(pv, Broadcast::make(make_const(i8, int64_t{3}), 16)), vidx * 4 + 2),
                                              st(s, floormod(pv, Broadcast::make(make_const(i8, int64_t{4}), 16)), vidx * 4 + 3)}));
  Module m = build_module({{"intops", {arg(a, i32, n), arg(b, i32, n), arg(out, i32, n * nops)}, body},
                           {"int8ops", {arg(p, i8, n), arg(q, i8, n), arg(r, i8, n * 4)}, body8},
                           {"int8vec", {arg(p, i8, n), arg(q, i8, n), arg(s, i8, n * 4)}, body8v}},
                          host());
  std::mt19937 rng(7);
  std::vector<int32_t> av(n), bv(n), ov(n * nops);
  for (int k = 0; k < n; ++k) {
    av[k] = static_cast<int32_t>(rng() % 2001) - 1000;
    bv[k] = static_cast<int32_t>(rng() % 41) - 20;
    if (bv[k] == 0) bv[k] = 7;
  }
  av[0] = -7, bv[0] = 2;
  m.call("intops", {av.data(), bv.data(), ov.data()});
  auto fdiv = [](int64_t x, int64_t y) { int64_t q = x / y; return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q; };
  auto fmod_ = [&](int64_t x, int64_t y) { return x - fdiv(x, y) * y; };
  for (int k = 0; k < n; ++k) {
    int32_t x0 = av[k], y0 = bv[k];
    int32_t ref[nops] = {int32_t(fdiv(x0, y0)), int32_t(fmod_(x0, y0)), x0 / y0, x0 % y0,
                         int32_t(fdiv(x0, 4)), int32_t(fmod_(x0, 8)), int32_t(fdiv(x0, 3)),
                         int32_t(fmod_(x0, -3)), std::min(x0, y0), std::max(x0, y0),
                         x0 & y0, x0 | y0, x0 ^ y0, ~x0, x0 >> 3,
                         int32_t(static_cast<uint32_t>(x0) >> 3)};
    for (int o = 0; o < nops; ++o) ASSERT_EQ(ov[k * nops + o], ref[o]) << "op " << o << " x=" << x0 << " y=" << y0;
  }
  EXPECT_EQ(ov[0], -4);
  EXPECT_EQ(ov[1], 1);
  EXPECT_EQ(ov[2], -3);
  EXPECT_EQ(ov[3], -1);
  std::vector<int8_t> pv8(n), qv8(n), rv(n * 4), sv(n * 4);
  for (int k = 0; k < n; ++k) {
    pv8[k] = static_cast<int8_t>(rng());
    qv8[k] = static_cast<int8_t>(rng());
  }
  pv8[0] = 127, qv8[0] = 1;
  pv8[1] = -128, qv8[1] = -128;
  m.call("int8ops", {pv8.data(), qv8.data(), rv.data()});
  m.call("int8vec", {pv8.data(), qv8.data(), sv.data()});
  EXPECT_EQ(rv[0], -128);
  for (int k = 0; k < n; ++k) {
    int8_t x0 = pv8[k], y0 = qv8[k];
    ASSERT_EQ(rv[k * 4], static_cast<int8_t>(x0 + y0)) << k;
    ASSERT_EQ(rv[k * 4 + 1], static_cast<int8_t>(x0 * y0)) << k;
    ASSERT_EQ(rv[k * 4 + 2], static_cast<int8_t>(x0 * 2)) << k;
    ASSERT_EQ(rv[k * 4 + 3], static_cast<int8_t>(x0 - y0)) << k;
    ASSERT_EQ(sv[k * 4], static_cast<int8_t>(x0 + y0)) << k;
    ASSERT_EQ(sv[k * 4 + 1], static_cast<int8_t>(x0 * y0)) << k;
    ASSERT_EQ(sv[k * 4 + 2], static_cast<int8_t>(fdiv(x0, 3))) << k;
    ASSERT_EQ(sv[k * 4 + 3], static_cast<int8_t>(fmod_(x0, 4))) << k;
  }
}

TEST(LLVMCodeGen, PopcountAndWideningInt8MultiplyAccumulate) {
  const int n = 40, k = 64;
  Var a = buffer("A"), c = buffer("C"), i("i");
  Stmt pop = loop(i, 0, n, st(c, popcount(ld(u64, a, i)), i));
  Var a8 = buffer("A8"), b8 = buffer("B8"), o = buffer("O"), acc = buffer("acc");
  Var r("r"), jo("j.outer"), l("l");
  DataType i8x16 = i8.with_lanes(16), i32x16 = i32.with_lanes(16);
  Expr lanes = ramp(Expr(0), 16);
  Expr prod = cast(i32x16, ld(i8x16, a8, ramp(r * k + jo * 16, 16))) *
              cast(i32x16, ld(i8x16, b8, ramp(jo * 16, 16)));
  Stmt mac = Seq::make({st(acc, Broadcast::make(Expr(0), 16), lanes),
                        loop(jo, 0, k / 16, st(acc, ld(i32x16, acc, lanes) + prod, lanes)),
                        st(o, Expr(0), r),
                        loop(l, 0, 16, st(o, ld(i32, o, r) + ld(i32, acc, l), r), ForKind::Unrolled)});
  Stmt body = loop(r, 0, n, Allocate::make(acc, i32, {Expr(16)}, "local", mac));
  Module m = build_module({{"pop", {arg(a, u64, n), arg(c, u64, n)}, pop},
                           {"qdot", {arg(a8, i8, n * k), arg(b8, i8, k), arg(o, i32, n)}, body}},
                          host());
  std::mt19937_64 rng(9);
  std::vector<uint64_t> av(n), cv(n);
  for (auto& x : av) x = rng();
  av[0] = ~uint64_t{0};
  av[1] = 0;
  m.call("pop", {av.data(), cv.data()});
  for (int x = 0; x < n; ++x) ASSERT_EQ(cv[x], static_cast<uint64_t>(__builtin_popcountll(av[x])));
  EXPECT_EQ(cv[0], 64u);
  std::vector<int8_t> a8v(n * k), b8v(k);
  for (auto& x : a8v) x = static_cast<int8_t>(rng());
  for (auto& x : b8v) x = static_cast<int8_t>(rng());
  a8v[0] = -128;
  b8v[0] = -128;
  std::vector<int32_t> ov(n);
  m.call("qdot", {a8v.data(), b8v.data(), ov.data()});
  for (int x = 0; x < n; ++x) {
    int32_t ref = 0;
    for (int y = 0; y < k; ++y) ref += int32_t(a8v[x * k + y]) * int32_t(b8v[y]);
    ASSERT_EQ(ov[x], ref) << x;
  }
}

TEST(LLVMCodeGen, GatherScatterVectorSelectMinMaxAndBools) {
  const int n = 32;
  Var a = buffer("A"), c = buffer("C"), d = buffer("D"), v("v");
  DataType f32x8 = f32.with_lanes(8);
  Expr out_idx = ramp(v * 8, 8);
  Expr g0 = ld(f32x8, a, ramp(v * 24, 8, 3));
  Expr g1 = ld(f32x8, a, ramp(v * 24 + 1, 8, 3));
  // D is written with a stride-2 scatter of the reversed... D[2i] and D[2i+1].
  Stmt body = loop(v, 0, n / 8,
                   Seq::make({st(c, select(g0 > g1, g0, g1 * 2.0f), out_idx),
                              st(d, min(g0, g1) + max(g0, g1) * 10.0f, ramp(v * 16, 8, 2)),
                              st(d, g0, ramp(v * 16 + 1, 8, 2), g0 > g1)}));
  // Bool vectors in memory: M[i] = A[i] > 0, then N[i] = M[i] ? 1 : -1.
  Var mb = buffer("M"), nb = buffer("N");
  DataType b8 = DataType::Bool(8);
  Stmt bools = loop(v, 0, n / 8,
                    Seq::make({st(mb, ld(f32x8, a, ramp(v * 8, 8)) > Broadcast::make(Expr(0.0f), 8), ramp(v * 8, 8)),
                               st(nb, select(ld(b8, mb, ramp(v * 8, 8)), Broadcast::make(Expr(1), 8), Broadcast::make(Expr(-1), 8)), ramp(v * 8, 8))}));
  Module m = build_module({{"gather", {arg(a, f32, 3 * n), arg(c, f32, n), arg(d, f32, 2 * n)}, body},
                           {"bools", {arg(a, f32, 3 * n), arg(mb, DataType::Bool(), n), arg(nb, i32, n)}, bools}},
                          host());
  auto av = random_vector<float>(3 * n, -5, 5, 11);
  std::vector<float> cv(n), dv(2 * n, 123.0f);
  m.call("gather", {av.data(), cv.data(), dv.data()});
  std::vector<uint8_t> mv(n);
  std::vector<int32_t> nv(n);
  m.call("bools", {av.data(), mv.data(), nv.data()});
  for (int x = 0; x < n; ++x) {
    float p = av[3 * x], q = av[3 * x + 1];
    ASSERT_FLOAT_EQ(cv[x], p > q ? p : q * 2) << x;
    ASSERT_FLOAT_EQ(dv[2 * x], std::min(p, q) + std::max(p, q) * 10) << x;
    ASSERT_FLOAT_EQ(dv[2 * x + 1], p > q ? p : 123.0f) << x;
    ASSERT_EQ(mv[x], av[x] > 0 ? 1 : 0) << x;
    ASSERT_EQ(nv[x], av[x] > 0 ? 1 : -1) << x;
  }
}

TEST(LLVMCodeGen, MathIntrinsicsMatchCmath) {
  const int n = 48;
  Var a = buffer("A"), o = buffer("O"), i("i"), v("v");
  Expr x = ld(f32, a, i);
  Stmt scalar = loop(i, 0, n, Seq::make({st(o, math1(intrinsic::kExp, x), i * 3), st(o, math1(intrinsic::kTanh, x), i * 3 + 1),
                                         st(o, math1(intrinsic::kErf, x), i * 3 + 2)}));
  DataType f32x8 = f32.with_lanes(8);
  Expr xv = ld(f32x8, a, ramp(v * 8, 8));
  Var ov = buffer("OV");
  Stmt vec = loop(v, 0, n / 8, Seq::make({st(ov, math1(intrinsic::kExp, xv), ramp(v * 8, 8)),
                                          st(ov, math1(intrinsic::kTanh, xv), ramp(v * 8 + n, 8)),
                                          st(ov, math1(intrinsic::kErf, xv), ramp(v * 8 + 2 * n, 8))}));
  Var d = buffer("D"), e = buffer("E");
  Expr y = ld(f64, d, i);
  Stmt dbl = loop(i, 0, n, st(e, math1(intrinsic::kSqrt, math1(intrinsic::kAbs, y)) +
                                     pow(math1(intrinsic::kAbs, y), Expr(1.5)) + fma(y, y, Expr(0.25)) +
                                     math1(intrinsic::kFloor, y) * math1(intrinsic::kCeil, y) +
                                     math1(intrinsic::kLog, math1(intrinsic::kAbs, y) + Expr(1.0)), i));
  Module m = build_module({{"mathf", {arg(a, f32, n), arg(o, f32, 3 * n)}, scalar},
                           {"mathv", {arg(a, f32, n), arg(ov, f32, 3 * n)}, vec},
                           {"mathd", {arg(d, f64, n), arg(e, f64, n)}, dbl}},
                          host());
  auto av = random_vector<float>(n, -3, 3, 13);
  auto dv = random_vector<double>(n, -4, 4, 14);
  std::vector<float> os(3 * n), ovv(3 * n);
  std::vector<double> ev(n);
  m.call("mathf", {av.data(), os.data()});
  m.call("mathv", {av.data(), ovv.data()});
  m.call("mathd", {dv.data(), ev.data()});
  for (int k = 0; k < n; ++k) {
    float refs[3] = {std::exp(av[k]), std::tanh(av[k]), std::erf(av[k])};
    for (int f = 0; f < 3; ++f) {
      EXPECT_NEAR(os[k * 3 + f], refs[f], 1e-5f * std::max(1.0f, std::fabs(refs[f])));
      EXPECT_NEAR(ovv[f * n + k], refs[f], 1e-5f * std::max(1.0f, std::fabs(refs[f])));
    }
    double yy = dv[k];
    double ref = std::sqrt(std::fabs(yy)) + std::pow(std::fabs(yy), 1.5) + (yy * yy + 0.25) +
                 std::floor(yy) * std::ceil(yy) + std::log(std::fabs(yy) + 1.0);
    EXPECT_NEAR(ev[k], ref, 1e-12 * std::max(1.0, std::fabs(ref)));
  }
}

TEST(LLVMCodeGen, AssertMessageExternAndLLVMIntrinsicCalls) {
  const int n = 8;
  Var a = buffer("A"), o = buffer("O"), i("i");
  Stmt body = loop(i, 0, n, Seq::make({AssertStmt::make(ld(f32, a, i) >= 0.0f, "A must be non-negative"),
                                       st(o, Call::make(f32, "fmaxf", {ld(f32, a, i), Expr(2.0f)}, CallKind::Extern) +
                                                 cast(f32, Call::make(i32, "llvm.umin.i32", {cast(i32, ld(f32, a, i)), Expr(3)})), i)}));
  // The failure inside a parallel loop with a heap buffer live.
  Var t = buffer("T"), j("j");
  Stmt pbody = loop(j, 0, n, Allocate::make(t, f32, {Expr(100000)}, "global",
                                            Seq::make({AssertStmt::make(ld(f32, a, j) < 8.0f, "A too big in parallel"),
                                                       st(t, ld(f32, a, j), 0), st(o, ld(f32, t, 0), j)})),
                    ForKind::Parallel);
  Module m = build_module({{"checked", {arg(a, f32, n), arg(o, f32, n)}, body},
                           {"pchecked", {arg(a, f32, n), arg(o, f32, n)}, pbody}},
                          host());
  std::vector<float> av = {0, 1, 2, 3, 4, 4.5f, 1, 7}, ov(n);
  m.call("checked", {av.data(), ov.data()});
  for (int k = 0; k < n; ++k)
    EXPECT_FLOAT_EQ(ov[k], std::max(av[k], 2.0f) + std::min<uint32_t>(uint32_t(av[k]), 3)) << k;
  av[3] = -1;
  try {
    m.call("checked", {av.data(), ov.data()});
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("A must be non-negative"), std::string::npos) << e.what();
  }
  av[3] = 3;
  m.call("pchecked", {av.data(), ov.data()});
  EXPECT_FLOAT_EQ(ov[7], 7.0f);
  av[2] = 9;
  try {
    m.call("pchecked", {av.data(), ov.data()});
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("A too big in parallel"), std::string::npos) << e.what();
  }
}

TEST(LLVMCodeGen, ErrorsNameTheProblem) {
  Var a = buffer("A"), i("i");
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  Stmt body = loop(i, 0, 4, st(a, Call::make(f32, "no_such_intrinsic", {Expr(1.0f)}), i));
  EXPECT_NE(message([&] { build_module({{"f", {arg(a, f32, 4)}, body}}, host()); })
                .find("unknown intrinsic 'no_such_intrinsic'"),
            std::string::npos);
  Stmt body2 = loop(i, 0, 4, st(a, Call::make(f32, "llvm.no.such.thing", {Expr(1.0f)}), i));
  EXPECT_NE(message([&] { build_module({{"f", {arg(a, f32, 4)}, body2}}, host()); })
                .find("unknown LLVM intrinsic 'llvm.no.such.thing'"),
            std::string::npos);
  Stmt ok = loop(i, 0, 4, st(a, Expr(1.0f), i));
  EXPECT_NE(message([&] { build_module({{"1bad", {arg(a, f32, 4)}, ok}}, host()); }).find("'1bad'"),
            std::string::npos);
  EXPECT_NE(message([&] {
              build_module({{"f", {arg(a, f32, 4)}, ok}},
                           Target::parse("llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a76"));
            }).find("cannot run code for aarch64"),
            std::string::npos);
}

TEST(LLVMCodeGen, ExportedLibraryLoadsThroughTheRuntime) {
  // export_library's .so carries the manifest the runtime checks calls with.
  const int n = 37;
  std::string path = (std::filesystem::temp_directory_path() /
                      ("anvil_llvm_export_" + std::to_string(getpid()) + ".so")).string();
  export_library({vector_add_tail("vadd", n)}, host(), path);
  AnvilModule* mod = nullptr;
  ASSERT_EQ(anvil_module_load(path.c_str(), &mod), 0) << anvil_last_error();
  ASSERT_EQ(anvil_module_num_functions(mod), 1);
  EXPECT_STREQ(anvil_module_function_name(mod, 0), "vadd");
  AnvilFunction* fn = nullptr;
  ASSERT_EQ(anvil_module_get_function(mod, "vadd", &fn), 0) << anvil_last_error();
  auto a = random_vector<float>(n, -1, 1, 21), b = random_vector<float>(n, -1, 1, 22);
  std::vector<float> c(n);
  int64_t shape[1] = {n};
  auto tensor = [&](float* data) {
    DLTensor t{};
    t.data = data;
    t.device = {kDLCPU, 0};
    t.ndim = 1;
    t.dtype = {kDLFloat, 32, 1};
    t.shape = shape;
    return t;
  };
  DLTensor ta = tensor(a.data()), tb = tensor(b.data()), tc = tensor(c.data());
  DLTensor* args[3] = {&ta, &tb, &tc};
  ASSERT_EQ(anvil_function_call(fn, args, 3), 0) << anvil_last_error();
  for (int i = 0; i < n; ++i) ASSERT_EQ(c[i], a[i] + b[i]) << i;
  int64_t wrong_shape[1] = {n + 1};
  tc.shape = wrong_shape;
  EXPECT_NE(anvil_function_call(fn, args, 3), 0);
  anvil_module_free(mod);
  std::filesystem::remove(path);
}
