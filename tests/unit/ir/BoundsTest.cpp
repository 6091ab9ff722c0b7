// Tests of interval bound analysis against hand-computed intervals.
#include <gtest/gtest.h>

#include "anvil/ir/Bounds.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/Simplify.h"
#include "anvil/support/Error.h"

using namespace anvil;

namespace {

IntervalMap range(const Var& v, Expr lo, Expr hi, IntervalMap m = {}) {
  m[v.get()] = Interval(std::move(lo), std::move(hi));
  return m;
}

// A symbolic end equals `expected` when their difference simplifies to 0.
bool end_is(const Expr& end, const Expr& expected) {
  if (!end.defined()) return false;
  return is_zero(simplify(end - expected));
}

void expect_const(const Interval& i, int64_t lo, int64_t hi) {
  ASSERT_TRUE(i.is_bounded());
  EXPECT_TRUE(is_const_int(i.min, lo)) << "min is not the constant " << lo;
  EXPECT_TRUE(is_const_int(i.max, hi)) << "max is not the constant " << hi;
}

}  // namespace

TEST(Bounds, ConstantsAndVariables) {
  Var x("x"), n("n");
  expect_const(bounds_of(Expr(5), {}), 5, 5);
  expect_const(bounds_of(x, range(x, 2, 9)), 2, 9);
  Interval free = bounds_of(n, {});
  EXPECT_TRUE(free.is_single_point());
  EXPECT_TRUE(free.min.same_as(n));
}

TEST(Bounds, AddSubMul) {
  Var x("x"), y("y");
  IntervalMap s = range(x, 1, 4, range(y, -2, 3));
  expect_const(bounds_of(x + y, s), -1, 7);
  expect_const(bounds_of(x - y, s), -2, 6);
  expect_const(bounds_of(x * 3, s), 3, 12);
  expect_const(bounds_of(x * -3, s), -12, -3);
  expect_const(bounds_of(x * y, s), -8, 12);
  expect_const(bounds_of(y * y, s), -6, 9);  // interval arithmetic: y and y independent
}

TEST(Bounds, SymbolicIndex) {
  Var i("i"), j("j"), n("n");
  IntervalMap s = range(i, 0, n - 1, range(j, 0, 7));
  Interval r = bounds_of(i * 8 + j, s);
  EXPECT_TRUE(is_const_int(r.min, 0));
  EXPECT_TRUE(end_is(r.max, n * 8 - 1));
}

TEST(Bounds, SymbolicSignAwareMul) {
  Var i("i"), n("n"), m("m"), k("k");
  // i in [0, n - 1], m in [0, k]: both non-negative, so i * m is in [0, (n - 1) * k].
  IntervalMap s = range(i, 0, n - 1, range(m, 0, k));
  Interval r = bounds_of(i * m, s);
  EXPECT_TRUE(end_is(r.min, Expr(0)));
  EXPECT_TRUE(end_is(r.max, (n - 1) * k));
  // With constant ends on m the product's end is linear in n.
  Interval c = bounds_of(i * m, range(i, 0, n - 1, range(m, 0, 50)));
  EXPECT_TRUE(end_is(c.max, n * 50 - 50));
  // A factor of unknown sign needs all four corners.
  Interval u = bounds_of(i * m, range(i, -2, 3, range(m, -5, 4)));
  EXPECT_TRUE(is_const_int(u.min, -15));
  EXPECT_TRUE(is_const_int(u.max, 12));
}

TEST(Bounds, FloorDivModWithNegatives) {
  Var x("x");
  IntervalMap s = range(x, -9, 5);
  expect_const(bounds_of(floordiv(x, 4), s), -3, 1);
  expect_const(bounds_of(floormod(x, 8), s), 0, 7);
  expect_const(bounds_of(truncdiv(x, 4), s), -2, 1);
  expect_const(bounds_of(truncmod(x, 4), s), -3, 3);
  // floormod of an unknown value by a positive constant is in [0, c-1]...
  Var y("y");
  expect_const(bounds_of(floormod(y, 8), IntervalMap{{y.get(), Interval::everything()}}), 0, 7);
  // ...but with its operand fixed (outside the scope) it is exactly itself.
  Interval fixed = bounds_of(floormod(y, 8), {});
  EXPECT_TRUE(fixed.is_single_point());
  EXPECT_TRUE(fixed.min.as<FloorMod>());
  // A dividend already inside [0, c - 1] keeps its own interval.
  expect_const(bounds_of(floormod(x, 16), range(x, 2, 9)), 2, 9);
  expect_const(bounds_of(floordiv(x, -2), range(x, 1, 5)), -3, -1);
}

TEST(Bounds, MinMaxSelect) {
  Var x("x"), y("y");
  IntervalMap s = range(x, 0, 10, range(y, 5, 20));
  expect_const(bounds_of(min(x, y), s), 0, 10);
  expect_const(bounds_of(max(x, y), s), 5, 20);
  expect_const(bounds_of(select(x < y, x, y + 100), s), 0, 120);
  // A load is only known to lie in its type's range.
  Var buf("A", DataType::Handle());
  Interval r = bounds_of(min(Load::make(DataType::Int(32), buf, y), x), s);
  EXPECT_TRUE(is_const_int(r.min, -2147483648LL));
  EXPECT_TRUE(is_const_int(r.max, 10));
}

TEST(Bounds, CastRampBroadcastLet) {
  Var x("x"), t("t");
  IntervalMap s = range(x, 0, 3);
  expect_const(bounds_of(cast(DataType::Int(64), x), s), 0, 3);
  // A narrowing cast of a wide range may wrap: the target type's range.
  expect_const(bounds_of(cast(DataType::Int(8), x * 100), s), -128, 127);
  expect_const(bounds_of(cast(DataType::Int(8), x * 10), s), 0, 30);
  expect_const(bounds_of(Ramp::make(x * 4, 1, 4), s), 0, 15);
  expect_const(bounds_of(Ramp::make(x, -2, 4), s), -6, 3);
  expect_const(bounds_of(Broadcast::make(x + 1, 8), s), 1, 4);
  expect_const(bounds_of(Let::make(t, x * 2, t + 1), s), 1, 7);
}

TEST(Bounds, LoadsComparisonsAndFloats) {
  Var buf("A", DataType::Handle()), x("x");
  IntervalMap s = range(x, 0, 3);
  expect_const(bounds_of(Load::make(DataType::UInt(8), buf, x), s), 0, 255);
  Interval f = bounds_of(Load::make(DataType::Float(32), buf, x), s);
  EXPECT_FALSE(f.min.defined());
  EXPECT_FALSE(f.max.defined());
  expect_const(bounds_of(x < 2, s), 0, 1);
  expect_const(bounds_of(x < 4, s), 1, 1);
  Var y("y", DataType::Float(32));
  IntervalMap fs = range(y, Expr(1.5f), Expr(2.5f));
  Interval r = bounds_of(y * Expr(2.0f) + Expr(1.0f), fs);
  EXPECT_EQ(as_const_float(r.min), 4.0);
  EXPECT_EQ(as_const_float(r.max), 6.0);
}

TEST(Bounds, UnboundedEnds) {
  Var x("x"), y("y");
  IntervalMap s;
  s[x.get()] = Interval(Expr(0), Expr());  // x >= 0, no upper bound
  Interval r = bounds_of(x + 1, s);
  EXPECT_TRUE(is_const_int(r.min, 1));
  EXPECT_FALSE(r.max.defined());
  Interval m = bounds_of(min(x, 10), s);
  EXPECT_TRUE(is_const_int(m.min, 0));
  EXPECT_TRUE(is_const_int(m.max, 10));
  Interval n = bounds_of(Expr(0) - x, s);
  EXPECT_FALSE(n.min.defined());
  EXPECT_TRUE(is_const_int(n.max, 0));
}

TEST(Bounds, Union) {
  Interval a(Expr(0), Expr(5)), b(Expr(3), Expr(9));
  Interval u = interval_union(a, b);
  EXPECT_TRUE(is_const_int(u.min, 0));
  EXPECT_TRUE(is_const_int(u.max, 9));
  Interval e = interval_union(a, Interval::everything());
  EXPECT_FALSE(e.min.defined());
  EXPECT_TRUE(Interval::single_point(Expr(3)).is_single_point());
}

TEST(Bounds, UndefinedExpressionIsAUserError) {
  EXPECT_THROW(bounds_of(Expr(), {}), UserError);
}

TEST(CanProve, Basics) {
  Var i("i"), n("n");
  IntervalMap s = range(i, 0, 15);
  EXPECT_TRUE(can_prove(i < 16, s));
  EXPECT_TRUE(can_prove(i * 2 + 1 <= 31, s));
  EXPECT_FALSE(can_prove(i < 15, s));
  EXPECT_FALSE(can_prove(n > 0));
  EXPECT_TRUE(can_prove(floormod(n, 8) < 8));
}
