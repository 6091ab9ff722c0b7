// Tests of the arithmetic simplifier: one test per rule, vector and statement
// rules, and a randomized check that simplification preserves values.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>
#include <sstream>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/Simplify.h"
#include "anvil/support/Error.h"

using namespace anvil;

namespace {

// A small structural comparison and printer, independent of the library's
// StructuralEqual/IRPrinter so these tests only exercise the simplifier.
bool same(const Expr& a, const Expr& b);

template <typename T>
bool same_binary(const Expr& a, const Expr& b) {
  return same(a.as<T>()->a, b.as<T>()->a) && same(a.as<T>()->b, b.as<T>()->b);
}

bool same(const Expr& a, const Expr& b) {
  if (a.same_as(b)) return true;
  if (!a.defined() || !b.defined() || a->kind != b->kind || a.type() != b.type()) return false;
  switch (a->kind) {
    case IRNodeKind::IntImm: return a.as<IntImm>()->value == b.as<IntImm>()->value;
    case IRNodeKind::FloatImm: return a.as<FloatImm>()->value == b.as<FloatImm>()->value;
    case IRNodeKind::Variable: return false;
#define CASE(N) \
  case IRNodeKind::N: return same_binary<N>(a, b);
      CASE(Add) CASE(Sub) CASE(Mul) CASE(Div) CASE(Mod) CASE(FloorDiv) CASE(FloorMod)
      CASE(Min) CASE(Max) CASE(EQ) CASE(NE) CASE(LT) CASE(LE) CASE(GT) CASE(GE) CASE(And)
      CASE(Or) CASE(BitAnd) CASE(BitOr) CASE(BitXor) CASE(Shl) CASE(Shr)
#undef CASE
    case IRNodeKind::Not: return same(a.as<Not>()->a, b.as<Not>()->a);
    case IRNodeKind::Cast: return same(a.as<Cast>()->value, b.as<Cast>()->value);
    case IRNodeKind::Select:
      return same(a.as<Select>()->condition, b.as<Select>()->condition) &&
             same(a.as<Select>()->true_value, b.as<Select>()->true_value) &&
             same(a.as<Select>()->false_value, b.as<Select>()->false_value);
    case IRNodeKind::Ramp:
      return a.as<Ramp>()->lanes == b.as<Ramp>()->lanes &&
             same(a.as<Ramp>()->base, b.as<Ramp>()->base) &&
             same(a.as<Ramp>()->stride, b.as<Ramp>()->stride);
    case IRNodeKind::Broadcast:
      return a.as<Broadcast>()->lanes == b.as<Broadcast>()->lanes &&
             same(a.as<Broadcast>()->value, b.as<Broadcast>()->value);
    case IRNodeKind::Load:
      return a.as<Load>()->buffer.same_as(b.as<Load>()->buffer) &&
             same(a.as<Load>()->index, b.as<Load>()->index);
    default: return false;
  }
}

std::string show(const Expr& e) {
  std::ostringstream os;
  std::function<void(const Expr&)> p = [&](const Expr& x) {
    if (!x.defined()) {
      os << "<undef>";
    } else if (const IntImm* i = x.as<IntImm>()) {
      os << i->value;
    } else if (const FloatImm* f = x.as<FloatImm>()) {
      os << f->value << "f";
    } else if (const Variable* v = x.as<Variable>()) {
      os << v->name;
    } else if (const Ramp* r = x.as<Ramp>()) {
      os << "ramp(", p(r->base), os << ", ", p(r->stride), os << ", " << r->lanes << ")";
    } else if (const Broadcast* b = x.as<Broadcast>()) {
      os << "x" << b->lanes << "(", p(b->value), os << ")";
    } else if (const Not* n = x.as<Not>()) {
      os << "!", p(n->a);
    } else if (const Select* s = x.as<Select>()) {
      os << "select(", p(s->condition), os << ", ", p(s->true_value), os << ", ",
          p(s->false_value), os << ")";
    } else if (const Cast* c = x.as<Cast>()) {
      os << c->type.to_string() << "(", p(c->value), os << ")";
    } else if (const Load* l = x.as<Load>()) {
      os << l->buffer.name() << "[", p(l->index), os << "]";
    } else {
      Expr a, b;
      switch (x->kind) {
#define CASE(N)                                \
  case IRNodeKind::N:                          \
    a = x.as<N>()->a, b = x.as<N>()->b;        \
    break;
        CASE(Add) CASE(Sub) CASE(Mul) CASE(Div) CASE(Mod) CASE(FloorDiv) CASE(FloorMod)
        CASE(Min) CASE(Max) CASE(EQ) CASE(NE) CASE(LT) CASE(LE) CASE(GT) CASE(GE) CASE(And)
        CASE(Or) CASE(BitAnd) CASE(BitOr) CASE(BitXor) CASE(Shl) CASE(Shr)
#undef CASE
        default: break;
      }
      os << node_kind_name(x->kind) << "(";
      if (a.defined()) p(a), os << ", ", p(b);
      os << ")";
    }
  };
  p(e);
  return os.str();
}

#define EXPECT_SIMPLIFIES(input, expected, ...)                                         \
  do {                                                                                  \
    Expr r_ = simplify(input, ##__VA_ARGS__);                                           \
    Expr x_ = (expected);                                                               \
    EXPECT_TRUE(same(r_, x_)) << "got " << show(r_) << ", expected " << show(x_);      \
  } while (0)

Expr imm(DataType t, int64_t v) { return make_const(t, v); }

IntervalMap range(const Var& v, int64_t lo, int64_t hi, IntervalMap m = {}) {
  m[v.get()] = Interval(imm(v.type(), lo), imm(v.type(), hi));
  return m;
}

bool is_true(const Expr& e) { return is_const_int(e, 1); }
bool is_false(const Expr& e) { return is_const_int(e, 0); }

}  // namespace

// ------------------------------------------------------------ constant folding

TEST(SimplifyFold, IntegerArithmetic) {
  Expr a = 7, b = -3;
  EXPECT_TRUE(is_const_int(simplify(Add::make(a, b)), 4));
  EXPECT_TRUE(is_const_int(simplify(Sub::make(a, b)), 10));
  EXPECT_TRUE(is_const_int(simplify(Mul::make(a, b)), -21));
  EXPECT_TRUE(is_const_int(simplify(Min::make(a, b)), -3));
  EXPECT_TRUE(is_const_int(simplify(Max::make(a, b)), 7));
}

TEST(SimplifyFold, FloorAndTruncDivisionDiffer) {
  Expr a = -7, b = 2;
  EXPECT_TRUE(is_const_int(simplify(FloorDiv::make(a, b)), -4));
  EXPECT_TRUE(is_const_int(simplify(FloorMod::make(a, b)), 1));
  EXPECT_TRUE(is_const_int(simplify(Div::make(a, b)), -3));
  EXPECT_TRUE(is_const_int(simplify(Mod::make(a, b)), -1));
  EXPECT_TRUE(is_const_int(simplify(FloorMod::make(Expr(7), Expr(-2))), -1));
  EXPECT_TRUE(is_const_int(simplify(FloorDiv::make(Expr(7), Expr(-2))), -4));
}

TEST(SimplifyFold, DivisionByZeroIsNotFolded) {
  Expr d = FloorDiv::make(Expr(5), Expr(0));
  Expr r = simplify(d);
  ASSERT_NE(r.as<FloorDiv>(), nullptr);
  EXPECT_NE(simplify(Mod::make(Expr(5), Expr(0))).as<Mod>(), nullptr);
}

TEST(SimplifyFold, WrapsToTypeWidth) {
  DataType i8 = DataType::Int(8), u4 = DataType::UInt(4), i4 = DataType::Int(4);
  EXPECT_TRUE(is_const_int(simplify(Add::make(imm(i8, 100), imm(i8, 100))), -56));
  EXPECT_TRUE(is_const_int(simplify(Add::make(imm(u4, 15), imm(u4, 3))), 2));
  EXPECT_TRUE(is_const_int(simplify(Mul::make(imm(i4, 5), imm(i4, 3))), -1));
  EXPECT_TRUE(is_const_int(simplify(Sub::make(imm(u4, 0), imm(u4, 1))), 15));
  Expr big = imm(DataType::Int(32), 2147483647);
  EXPECT_TRUE(is_const_int(simplify(Add::make(big, imm(DataType::Int(32), 1))),
                           -2147483648LL));
}

TEST(SimplifyFold, Casts) {
  EXPECT_TRUE(is_const_int(simplify(Cast::make(DataType::Int(8), Expr(300))), 44));
  EXPECT_TRUE(is_const_int(simplify(Cast::make(DataType::UInt(4), Expr(-1))), 15));
  EXPECT_TRUE(is_const_int(simplify(Cast::make(DataType::Int(4), Expr(9))), -7));
  EXPECT_TRUE(is_const_int(simplify(Cast::make(DataType::Int(32), Expr(-2.75f))), -2));
  EXPECT_EQ(as_const_float(simplify(Cast::make(DataType::Float(32), Expr(16777217)))),
            16777216.0);
  // Out of range float->int conversion is undefined: left alone.
  EXPECT_NE(simplify(Cast::make(DataType::Int(8), Expr(1000.0f))).as<Cast>(), nullptr);
}

TEST(SimplifyFold, Float32Rounding) {
  Expr r = simplify(Add::make(Expr(0.1f), Expr(0.2f)));
  ASSERT_TRUE(as_const_float(r));
  EXPECT_EQ(*as_const_float(r), static_cast<double>(0.1f + 0.2f));
  Expr q = simplify(Div::make(Expr(1.0f), Expr(3.0f)));
  EXPECT_EQ(*as_const_float(q), static_cast<double>(1.0f / 3.0f));
}

TEST(SimplifyFold, FloatsAreNotReassociated) {
  Var x("x", DataType::Float(32));
  Expr e = Add::make(Add::make(x, Expr(1.0f)), Expr(2.0f));
  EXPECT_SIMPLIFIES(e, e);
  EXPECT_SIMPLIFIES(Mul::make(x, Expr(1.0f)), x);
  // x - x is not 0 for x = inf or NaN.
  Expr d = Sub::make(x, x);
  EXPECT_SIMPLIFIES(d, d);
}

TEST(SimplifyFold, ComparisonsLogicBitwiseShifts) {
  EXPECT_TRUE(is_true(simplify(Expr(3) < Expr(4))));
  EXPECT_TRUE(is_false(simplify(Expr(3) == Expr(4))));
  EXPECT_TRUE(is_true(simplify(Expr(1.5f) <= Expr(1.5f))));
  EXPECT_TRUE(is_false(simplify(const_true() && const_false())));
  EXPECT_TRUE(is_true(simplify(!const_false())));
  EXPECT_TRUE(is_const_int(simplify(Expr(12) & Expr(10)), 8));
  EXPECT_TRUE(is_const_int(simplify(Expr(12) | Expr(3)), 15));
  EXPECT_TRUE(is_const_int(simplify(Expr(12) ^ Expr(10)), 6));
  EXPECT_TRUE(is_const_int(simplify(~Expr(0)), -1));
  EXPECT_TRUE(is_const_int(simplify(Expr(-16) >> Expr(2)), -4));
  EXPECT_TRUE(is_const_int(simplify(Expr(3) << Expr(4)), 48));
  Expr u = imm(DataType::UInt(8), 0xF0);
  EXPECT_TRUE(is_const_int(simplify(Shr::make(u, imm(DataType::UInt(8), 4))), 0x0F));
  // Unsigned comparison order.
  Expr big = imm(DataType::UInt(32), 0xFFFFFFFFLL);
  EXPECT_TRUE(is_true(simplify(LT::make(imm(DataType::UInt(32), 1), big))));
  // A shift by the width is undefined in C: not folded.
  EXPECT_NE(simplify(Shl::make(Expr(1), Expr(32))).as<Shl>(), nullptr);
}

TEST(SimplifyFold, SelectAndIfThenElse) {
  Var x("x"), y("y");
  EXPECT_SIMPLIFIES(select(const_true(), x, y), x);
  EXPECT_SIMPLIFIES(select(const_false(), x, y), y);
  EXPECT_SIMPLIFIES(select(x < y, x + 1, 1 + x), x + 1);
  EXPECT_SIMPLIFIES(if_then_else(Expr(2) < Expr(1), x, y), y);
}

// ------------------------------------------------------------ linear form

TEST(SimplifyLinear, CancelsAndCollects) {
  Var x("x"), y("y");
  EXPECT_TRUE(is_zero(simplify(x - x)));
  EXPECT_SIMPLIFIES((x + 3) + 4, x + 7);
  EXPECT_SIMPLIFIES(x * 2 + x * 3, x * 5);
  EXPECT_TRUE(is_const_int(simplify((x * 4 + 8) - 4 * x), 8));
  EXPECT_SIMPLIFIES((x + y) - (y - 2), x + 2);
  EXPECT_SIMPLIFIES((x + 1) * 4 - 4, x * 4);
  EXPECT_SIMPLIFIES(x * 0 + y, y);
}

TEST(SimplifyLinear, OrderIsByFirstOccurrenceWithConstantLast) {
  Var x("x"), y("y"), z("z");
  EXPECT_SIMPLIFIES(3 + y + x + 2, y + x + 5);
  EXPECT_SIMPLIFIES(1 + z + x - z + y, x + y + 1);
  // Subtracted terms follow the added ones.
  EXPECT_SIMPLIFIES(Expr(0) - x + y - 2, y - x - 2);
  EXPECT_SIMPLIFIES(Expr(5) - x, Expr(5) - x);
}

TEST(SimplifyLinear, SplitIndexRecombines) {
  Var i("i");
  EXPECT_SIMPLIFIES(floordiv(i, 4) * 4 + floormod(i, 4), Expr(i));
  EXPECT_SIMPLIFIES(floormod(i, 8) + floordiv(i, 8) * 8 + 1, i + 1);
}

TEST(SimplifyLinear, SubByteTypesWrap) {
  Var x("x", DataType::Int(8));
  Expr e = Mul::make(x, imm(DataType::Int(8), 128)) + Mul::make(x, imm(DataType::Int(8), 128));
  EXPECT_TRUE(is_zero(simplify(e)));
}

// ------------------------------------------------------------ division

TEST(SimplifyDiv, ByOne) {
  Var x("x");
  EXPECT_SIMPLIFIES(floordiv(x, 1), x);
  EXPECT_TRUE(is_zero(simplify(floormod(x, 1))));
  EXPECT_SIMPLIFIES(truncdiv(x, 1), x);
}

TEST(SimplifyDiv, PullsOutMultiples) {
  Var x("x"), y("y");
  EXPECT_SIMPLIFIES(floordiv(x * 8 + y, 8), x + floordiv(y, 8));
  EXPECT_SIMPLIFIES(floormod(x * 8 + y, 8), floormod(y, 8));
  EXPECT_SIMPLIFIES(floordiv(x * 8 + 17, 8), x + 2);
  EXPECT_SIMPLIFIES(floormod(x * 8 - 1, 8), Expr(7));
}

TEST(SimplifyDiv, UsesBoundsOfTheRemainder) {
  Var x("x"), y("y");
  IntervalMap scope = range(y, 0, 7);
  EXPECT_SIMPLIFIES(floordiv(x * 8 + y, 8), x, scope);
  EXPECT_SIMPLIFIES(floormod(x * 8 + y, 8), y, scope);
  EXPECT_TRUE(is_zero(simplify(floordiv(y, 8), scope)));
  EXPECT_SIMPLIFIES(floormod(y, 8), y, scope);
  EXPECT_SIMPLIFIES(floordiv(y + 8, 8), Expr(1), scope);
}

TEST(SimplifyDiv, Nested) {
  Var x("x");
  EXPECT_SIMPLIFIES(floordiv(floordiv(x, 4), 2), floordiv(x, 8));
  EXPECT_SIMPLIFIES(floormod(floormod(x, 8), 4), floormod(x, 4));
}

TEST(SimplifyDiv, TruncOnlyWhenNonNegative) {
  Var x("x"), y("y");
  // Unknown sign: truncating division must stay as it is.
  Expr e = truncdiv(x * 8 + y, 8);
  EXPECT_SIMPLIFIES(e, e);
  IntervalMap scope = range(y, 0, 7, range(x, 0, 100));
  EXPECT_SIMPLIFIES(truncdiv(x * 8 + y, 8), x, scope);
  EXPECT_SIMPLIFIES(truncmod(x * 8 + y, 8), y, scope);
}

// ------------------------------------------------------------ min / max

TEST(SimplifyMinMax, Rules) {
  Var x("x"), i("i");
  EXPECT_SIMPLIFIES(min(x, x), x);
  EXPECT_SIMPLIFIES(min(x + 3, x + 5), x + 3);
  EXPECT_SIMPLIFIES(max(x + 3, x + 5), x + 5);
  EXPECT_SIMPLIFIES(min(i, 16), i, range(i, 0, 15));
  EXPECT_SIMPLIFIES(max(i, 16), Expr(16), range(i, 0, 15));
  EXPECT_SIMPLIFIES(min(min(x, 5), 3), min(x, 3));
  EXPECT_SIMPLIFIES(min(Expr(4), x), min(x, 4));
}

// ------------------------------------------------------------ comparisons

TEST(SimplifyCompare, WithBoundsAndLinearForm) {
  Var i("i"), x("x"), n("n");
  IntervalMap scope = range(i, 0, 15);
  EXPECT_TRUE(is_true(simplify(i < 16, scope)));
  EXPECT_TRUE(is_false(simplify(i >= 16, scope)));
  EXPECT_TRUE(is_true(simplify(x + 1 < x + 2)));
  EXPECT_TRUE(is_false(simplify(x * 2 == x * 2 + 1)));
  EXPECT_TRUE(is_true(simplify(x <= x)));
  Expr open = simplify(i < n, scope);
  EXPECT_NE(open.as<LT>(), nullptr);
  // Symbolic interval ends: i in [0, n - 1] gives i < n.
  IntervalMap sym;
  sym[i.get()] = Interval(Expr(0), n - 1);
  EXPECT_TRUE(can_prove(i < n, sym));
  EXPECT_FALSE(can_prove(i < n - 1, sym));
}

TEST(SimplifyCompare, NarrowTypesAreNotAssumedToNotOverflow) {
  Var x("x", DataType::Int(8));
  Expr one = imm(DataType::Int(8), 1), two = imm(DataType::Int(8), 2);
  // x = 127 wraps: x + 1 < x + 2 is false there, so it must not fold.
  Expr e = simplify(LT::make(Add::make(x, one), Add::make(x, two)));
  EXPECT_FALSE(is_const(e));
}

TEST(SimplifyLogic, Rules) {
  Var x("x"), y("y");
  Expr c = x < y;
  EXPECT_SIMPLIFIES(c && const_true(), c);
  EXPECT_TRUE(is_false(simplify(c && const_false())));
  EXPECT_TRUE(is_true(simplify(c || const_true())));
  EXPECT_SIMPLIFIES(c || const_false(), c);
  EXPECT_SIMPLIFIES(!!c, c);
  EXPECT_SIMPLIFIES(!c, x >= y);
  EXPECT_TRUE(is_false(simplify(c && !c)));
  // With floats !(a < b) is not a >= b (NaN).
  Var f("f", DataType::Float(32));
  Expr nf = !(f < Expr(1.0f));
  EXPECT_NE(simplify(nf).as<Not>(), nullptr);
}

// ------------------------------------------------------------ vectors

TEST(SimplifyVector, RampBroadcastForms) {
  Var b("b"), x("x"), y("y");
  EXPECT_SIMPLIFIES(Ramp::make(b, 2, 4) + Broadcast::make(x, 4), Ramp::make(b + x, 2, 4));
  EXPECT_SIMPLIFIES(Broadcast::make(x, 4) + Broadcast::make(y, 4), Broadcast::make(x + y, 4));
  EXPECT_SIMPLIFIES(Ramp::make(b, 0, 4), Broadcast::make(b, 4));
  EXPECT_SIMPLIFIES(Broadcast::make(Expr(3), 4) * Ramp::make(b, 1, 4),
                    Ramp::make(b * 3, 3, 4));
  EXPECT_SIMPLIFIES(Ramp::make(b, 1, 4) * Broadcast::make(Expr(2), 4), Ramp::make(b * 2, 2, 4));
  EXPECT_SIMPLIFIES(Ramp::make(b, 1, 4) + Ramp::make(x, 2, 4), Ramp::make(b + x, 3, 4));
  EXPECT_SIMPLIFIES(Ramp::make(b, 1, 4) - Ramp::make(b, 1, 4), Broadcast::make(Expr(0), 4));
  EXPECT_SIMPLIFIES(Ramp::make(x * 8, 1, 8) / Broadcast::make(Expr(8), 8), Broadcast::make(x, 8));
  EXPECT_SIMPLIFIES(Ramp::make(x * 8, 1, 4) % Broadcast::make(Expr(8), 4), Ramp::make(Expr(0), 1, 4));
}

TEST(SimplifyVector, ComparisonsOverLanes) {
  Var i("i");
  IntervalMap scope = range(i, 0, 3);
  Expr c = Ramp::make(i * 4, 1, 4) < Broadcast::make(Expr(16), 4);
  Expr r = simplify(c, scope);
  EXPECT_TRUE(is_const_int(r, 1)) << show(r);
  EXPECT_EQ(r.type(), DataType::Bool(4));
}

// ------------------------------------------------------------ lets

TEST(SimplifyLet, InlinesTrivialAndDropsUnused) {
  Var t("t"), x("x");
  EXPECT_SIMPLIFIES(Let::make(t, Expr(3), t + x), x + 3);
  Var u("u");
  EXPECT_SIMPLIFIES(Let::make(t, Expr(u), t * 2), u * 2);
  EXPECT_SIMPLIFIES(Let::make(t, x * x, x + 1), x + 1);
  Expr kept = simplify(Let::make(t, x * x, t + t));
  ASSERT_NE(kept.as<Let>(), nullptr);
  EXPECT_SIMPLIFIES(kept.as<Let>()->body, t * 2);
}

// ------------------------------------------------------------ statements

namespace {
Var buf("A", DataType::Handle());
Stmt store(const Expr& index, const Expr& value = Expr(1)) { return Store::make(buf, value, index); }
}  // namespace

TEST(SimplifyStmt, LoopsPushTheirRange) {
  Var i("i");
  // Inside for (i, 0, 16) the guard i < 16 is always true.
  Stmt body = IfThenElse::make(i < 16, store(i));
  Stmt s = simplify(For::make(i, 0, 16, ForKind::Serial, body));
  const For* f = s.as<For>();
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->body.as<Store>(), nullptr);
}

TEST(SimplifyStmt, RedundantGuardAfterTiling) {
  // for io in [0, 4): for ii in [0, 8): if (io*8 + ii < 32) A[io*8 + ii] = 1
  Var io("io"), ii("ii");
  Expr idx = io * 8 + ii;
  Stmt s = For::make(io, 0, 4, ForKind::Serial,
                     For::make(ii, 0, 8, ForKind::Serial, IfThenElse::make(idx < 32, store(idx))));
  Stmt r = simplify(s);
  const For* inner = r.as<For>()->body.as<For>();
  ASSERT_NE(inner, nullptr);
  ASSERT_NE(inner->body.as<Store>(), nullptr);
  EXPECT_TRUE(same(inner->body.as<Store>()->index, io * 8 + ii));
}

TEST(SimplifyStmt, DeadLoops) {
  Var i("i"), n("n");
  EXPECT_TRUE(is_no_op(simplify(For::make(i, 0, 0, ForKind::Serial, store(i)))));
  IntervalMap scope = range(n, -5, 0);
  EXPECT_TRUE(is_no_op(simplify(For::make(i, 0, n, ForKind::Serial, store(i)), scope)));
  // Extent 1: the body with i := min.
  Stmt one = simplify(For::make(i, 5, 1, ForKind::Serial, store(i + 1)));
  ASSERT_NE(one.as<Store>(), nullptr);
  EXPECT_TRUE(is_const_int(one.as<Store>()->index, 6));
  // A GPU loop keeps its thread binding.
  Stmt gpu = simplify(For::make(i, 0, 1, ForKind::GPUThread, store(i), "threadIdx.x"));
  EXPECT_NE(gpu.as<For>(), nullptr);
}

TEST(SimplifyStmt, IfWithConstantOrProvableCondition) {
  Var x("x");
  Stmt a = store(x), b = store(x + 1);
  EXPECT_TRUE(simplify(IfThenElse::make(Expr(1) < Expr(2), a, b)).same_as(a));
  EXPECT_TRUE(simplify(IfThenElse::make(Expr(3) < Expr(2), a, b)).same_as(b));
  EXPECT_TRUE(is_no_op(simplify(IfThenElse::make(Expr(3) < Expr(2), a))));
  // The then-branch learns the condition: x < 10 implies x < 20.
  Stmt nested = IfThenElse::make(x < 10, IfThenElse::make(x < 20, a, b));
  Stmt r = simplify(nested);
  ASSERT_NE(r.as<IfThenElse>(), nullptr);
  EXPECT_TRUE(r.as<IfThenElse>()->then_case.same_as(a));
  // The else-branch learns its negation: x >= 10 implies !(x < 5).
  Stmt r2 = simplify(IfThenElse::make(x < 10, a, IfThenElse::make(x < 5, a, b)));
  EXPECT_TRUE(r2.as<IfThenElse>()->else_case.same_as(b));
}

TEST(SimplifyStmt, AssertEvaluateSeqLet) {
  Var i("i"), t("t");
  EXPECT_TRUE(is_no_op(simplify(AssertStmt::make(i < 16, "oob"), range(i, 0, 15))));
  Stmt kept = simplify(AssertStmt::make(i < 15, "oob"), range(i, 0, 15));
  EXPECT_NE(kept.as<AssertStmt>(), nullptr);
  EXPECT_TRUE(is_no_op(simplify(Evaluate::make(Expr(3) + Expr(4)))));
  Stmt seq = Seq::make({Evaluate::make(Expr(0)), store(i), Evaluate::make(Expr(1))});
  Stmt r = simplify(seq);
  EXPECT_NE(r.as<Store>(), nullptr);
  EXPECT_TRUE(is_no_op(simplify(Seq::make({Evaluate::make(Expr(0)), Evaluate::make(Expr(2))}))));
  Stmt let = simplify(LetStmt::make(t, Expr(4), store(t * 2)));
  ASSERT_NE(let.as<Store>(), nullptr);
  EXPECT_TRUE(is_const_int(let.as<Store>()->index, 8));
  Stmt unused = simplify(LetStmt::make(t, i * i, store(i)));
  EXPECT_NE(unused.as<Store>(), nullptr);
}

TEST(SimplifyStmt, UnchangedTreesStayShared) {
  Var i("i"), n("n");
  Stmt s = For::make(i, 0, n, ForKind::Serial, store(i * 2 + 1));
  EXPECT_TRUE(simplify(s).same_as(s));
  Expr e = i * 2 + n;
  EXPECT_TRUE(simplify(e).same_as(e));
}

// ------------------------------------------------------------ randomized

namespace {

// Evaluates an int32 expression (and bools as 0/1) like the hardware would.
int64_t eval(const Expr& e, const std::map<const Variable*, int64_t>& env) {
  auto wrap = [&](int64_t v) { return static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(v))); };
  auto fdiv = [](int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
  };
  if (const IntImm* i = e.as<IntImm>()) return i->value;
  if (const Variable* v = e.as<Variable>()) return env.at(v);
  if (const Add* op = e.as<Add>()) return wrap(eval(op->a, env) + eval(op->b, env));
  if (const Sub* op = e.as<Sub>()) return wrap(eval(op->a, env) - eval(op->b, env));
  if (const Mul* op = e.as<Mul>()) return wrap(eval(op->a, env) * eval(op->b, env));
  if (const FloorDiv* op = e.as<FloorDiv>()) return fdiv(eval(op->a, env), eval(op->b, env));
  if (const FloorMod* op = e.as<FloorMod>()) {
    int64_t a = eval(op->a, env), b = eval(op->b, env);
    return a - fdiv(a, b) * b;
  }
  if (const Div* op = e.as<Div>()) return eval(op->a, env) / eval(op->b, env);
  if (const Mod* op = e.as<Mod>()) return eval(op->a, env) % eval(op->b, env);
  if (const Min* op = e.as<Min>()) return std::min(eval(op->a, env), eval(op->b, env));
  if (const Max* op = e.as<Max>()) return std::max(eval(op->a, env), eval(op->b, env));
  if (const LT* op = e.as<LT>()) return eval(op->a, env) < eval(op->b, env);
  if (const LE* op = e.as<LE>()) return eval(op->a, env) <= eval(op->b, env);
  if (const GT* op = e.as<GT>()) return eval(op->a, env) > eval(op->b, env);
  if (const GE* op = e.as<GE>()) return eval(op->a, env) >= eval(op->b, env);
  if (const EQ* op = e.as<EQ>()) return eval(op->a, env) == eval(op->b, env);
  if (const NE* op = e.as<NE>()) return eval(op->a, env) != eval(op->b, env);
  if (const And* op = e.as<And>()) return eval(op->a, env) && eval(op->b, env);
  if (const Or* op = e.as<Or>()) return eval(op->a, env) || eval(op->b, env);
  if (const Not* op = e.as<Not>()) return !eval(op->a, env);
  if (const Select* op = e.as<Select>())
    return eval(op->condition, env) ? eval(op->true_value, env) : eval(op->false_value, env);
  ADD_FAILURE() << "eval: unexpected node " << show(e);
  return 0;
}

class RandomExprs {
 public:
  RandomExprs(uint32_t seed, std::vector<Var> vars) : rng_(seed), vars_(std::move(vars)) {}

  Expr int_expr(int depth) {
    if (depth == 0 || pick(4) == 0) {
      if (pick(3) == 0) return Expr(static_cast<int>(pick(21)) - 10);
      return vars_[pick(vars_.size())];
    }
    Expr a = int_expr(depth - 1);
    switch (pick(12)) {
      case 0: case 1: return a + int_expr(depth - 1);
      case 2: case 3: return a - int_expr(depth - 1);
      case 4: return a * int_expr(depth - 1);
      case 5: return a * Expr(static_cast<int>(pick(9)) - 4);
      case 6: return floordiv(a, divisor());
      case 7: return floormod(a, divisor());
      case 8: return pick(2) ? truncdiv(a, divisor()) : truncmod(a, divisor());
      case 9: return min(a, int_expr(depth - 1));
      case 10: return max(a, int_expr(depth - 1));
      default: return select(bool_expr(depth - 1), a, int_expr(depth - 1));
    }
  }

  Expr bool_expr(int depth) {
    Expr a = int_expr(depth), b = int_expr(depth);
    switch (pick(8)) {
      case 0: return a < b;
      case 1: return a <= b;
      case 2: return a == b;
      case 3: return a != b;
      case 4: return a > b;
      case 5: return (a < b) && (b < int_expr(depth));
      case 6: return (a < b) || !(a >= int_expr(depth));
      default: return a >= b;
    }
  }

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

 private:
  Expr divisor() {
    static const int kDivisors[] = {1, 2, 3, 4, 8, 16, -3, -4};
    return Expr(kDivisors[pick(8)]);
  }
  std::mt19937 rng_;
  std::vector<Var> vars_;
};

}  // namespace

TEST(SimplifyRandom, PreservesValues) {
  Var x("x"), y("y"), z("z");
  RandomExprs gen(1234, {x, y, z});
  std::mt19937 rng(99);
  std::uniform_int_distribution<int64_t> value(-40, 40);
  for (int n = 0; n < 3000; n++) {
    Expr e = n % 4 == 0 ? gen.bool_expr(3) : gen.int_expr(4);
    Expr s = simplify(e);
    for (int k = 0; k < 12; k++) {
      std::map<const Variable*, int64_t> env = {
          {x.get(), value(rng)}, {y.get(), value(rng)}, {z.get(), value(rng)}};
      ASSERT_EQ(eval(e, env), eval(s, env)) << show(e) << "\n  simplified to " << show(s);
    }
  }
}

TEST(SimplifyRandom, PreservesValuesWithinScope) {
  Var x("x"), y("y"), z("z");
  RandomExprs gen(777, {x, y, z});
  IntervalMap scope = range(x, 0, 7, range(y, -3, 12, range(z, 0, 31)));
  std::mt19937 rng(5);
  for (int n = 0; n < 3000; n++) {
    Expr e = n % 4 == 0 ? gen.bool_expr(3) : gen.int_expr(4);
    Expr s = simplify(e, scope);
    for (int k = 0; k < 12; k++) {
      std::map<const Variable*, int64_t> env = {
          {x.get(), std::uniform_int_distribution<int64_t>(0, 7)(rng)},
          {y.get(), std::uniform_int_distribution<int64_t>(-3, 12)(rng)},
          {z.get(), std::uniform_int_distribution<int64_t>(0, 31)(rng)}};
      ASSERT_EQ(eval(e, env), eval(s, env)) << show(e) << "\n  simplified to " << show(s);
    }
  }
}

TEST(SimplifyRandom, IsIdempotent) {
  Var x("x"), y("y");
  RandomExprs gen(42, {x, y});
  for (int n = 0; n < 1000; n++) {
    Expr s = simplify(gen.int_expr(4));
    Expr t = simplify(s);
    EXPECT_TRUE(same(s, t)) << show(s) << " -> " << show(t);
  }
}

TEST(BoundsRandom, ContainEveryValue) {
  Var x("x"), y("y"), z("z");
  RandomExprs gen(31337, {x, y, z});
  IntervalMap scope = range(x, -6, 9, range(y, 0, 7, range(z, -20, -1)));
  std::mt19937 rng(11);
  int checked = 0;
  for (int n = 0; n < 2000; n++) {
    Expr e = gen.int_expr(4);
    Interval b = bounds_of(e, scope);
    auto lo = as_const_int(b.min), hi = as_const_int(b.max);
    for (int k = 0; k < 12; k++) {
      std::map<const Variable*, int64_t> env = {
          {x.get(), std::uniform_int_distribution<int64_t>(-6, 9)(rng)},
          {y.get(), std::uniform_int_distribution<int64_t>(0, 7)(rng)},
          {z.get(), std::uniform_int_distribution<int64_t>(-20, -1)(rng)}};
      int64_t v = eval(e, env);
      if (lo) {
        ASSERT_LE(*lo, v) << show(e) << " lower bound " << show(b.min);
      }
      if (hi) {
        ASSERT_GE(*hi, v) << show(e) << " upper bound " << show(b.max);
      }
      checked += lo && hi;
    }
  }
  // All variables are bounded, so nearly every expression gets constant ends.
  EXPECT_GT(checked, 2000 * 12 * 9 / 10);
}

TEST(SimplifyFold, BitNotAndUnsignedLinearForm) {
  Var x("x"), u("u", DataType::UInt(32));
  EXPECT_SIMPLIFIES(~~x, Expr(x));
  EXPECT_TRUE(is_zero(simplify(Sub::make(u, u))));
  Expr one = imm(DataType::UInt(32), 1);
  EXPECT_SIMPLIFIES(Add::make(Sub::make(u, one), one), Expr(u));
  // Unsigned: no "no overflow" assumption, u - 1 < u is false at u = 0.
  EXPECT_FALSE(is_const(simplify(LT::make(Sub::make(u, one), u))));
}
