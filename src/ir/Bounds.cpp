// Symbolic interval bound analysis: bounds_of() computes [min, max] of an
// expression as (simplified) expressions over the variables outside the scope.
#include "anvil/ir/Bounds.h"

#include "anvil/ir/IRVisitor.h"

#include "SimplifyInternal.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/Simplify.h"
#include "anvil/support/Error.h"

namespace anvil {

bool Interval::is_single_point() const {
  return min.defined() && max.defined() && arith::expr_equal(min, max);
}

namespace {

// The range of a type as an interval: integer limits, unbounded for floats.
Interval type_interval(DataType t) {
  DataType e = t.element_of();
  if (e.is_bool()) return {make_const(e, int64_t{0}), make_const(e, int64_t{1})};
  if (e.is_int_or_uint()) return {min_value(e), max_value(e)};
  return Interval::everything();
}

class BoundsOf {
 public:
  explicit BoundsOf(const IntervalMap& scope) : scope_(scope) {}

  Interval get(const Expr& e) {
    Interval r = compute(e);
    return {simplify_end(r.min), simplify_end(r.max)};
  }

 private:
  Expr simplify_end(const Expr& e) { return e.defined() ? simplify(e, scope_) : e; }

  // Arithmetic on ends where an undefined end (unbounded) absorbs. Constant
  // ends that would leave their type's range (e.g. a load's range plus one)
  // become unbounded instead of wrapping.
  static bool all(const Expr& a, const Expr& b) { return a.defined() && b.defined(); }
  static Expr checked(const Expr& a, const Expr& b, char op) {
    if (!all(a, b)) return Expr();
    auto x = as_const_int(a), y = as_const_int(b);
    DataType t = a.type();
    if (x && y && t.is_int_or_uint() && t.is_scalar()) {
      int64_t r;
      bool overflow = op == '+'   ? __builtin_add_overflow(*x, *y, &r)
                      : op == '-' ? __builtin_sub_overflow(*x, *y, &r)
                                  : __builtin_mul_overflow(*x, *y, &r);
      if (overflow || t.bits() >= 64 || r < t.min_int() || r > t.max_int()) return Expr();
      return make_const(t, r);
    }
    return op == '+' ? a + b : op == '-' ? a - b : a * b;
  }
  Expr plus(const Expr& a, const Expr& b) { return checked(a, b, '+'); }
  Expr minus(const Expr& a, const Expr& b) { return checked(a, b, '-'); }
  Expr times(const Expr& a, const Expr& b) { return checked(a, b, '*'); }

  // The hull of four corner values; unbounded when any corner is.
  static Interval hull(const Expr (&p)[4]) {
    for (const Expr& e : p)
      if (!e.defined()) return Interval::everything();
    return {min(min(p[0], p[1]), min(p[2], p[3])), max(max(p[0], p[1]), max(p[2], p[3]))};
  }

  bool provably_nonneg(const Expr& e) {
    return e.defined() && can_prove(e >= make_zero(e.type()), scope_);
  }
  bool provably_positive(const Expr& e) {
    return e.defined() && can_prove(e > make_zero(e.type()), scope_);
  }
  bool provably_nonpos(const Expr& e) {
    return e.defined() && can_prove(e <= make_zero(e.type()), scope_);
  }

  // The interval of a * b for intervals of a and b.
  Interval multiply(const Interval& a, const Interval& b) {
    if (b.is_single_point()) {
      if (provably_nonneg(b.min)) return {times(a.min, b.min), times(a.max, b.min)};
      if (provably_nonpos(b.min)) return {times(a.max, b.min), times(a.min, b.min)};
    }
    if (a.is_single_point()) return multiply(b, a);
    if (provably_nonneg(a.min) && provably_nonneg(b.min))
      return {times(a.min, b.min), times(a.max, b.max)};
    if (a.is_bounded() && b.is_bounded()) {
      Expr p[4] = {times(a.min, b.min), times(a.min, b.max), times(a.max, b.min),
                   times(a.max, b.max)};
      return hull(p);
    }
    return Interval::everything();
  }

  // Division by a positive divisor is monotone in the dividend; the divisor's
  // interval gives the corners.
  template <typename Make>
  Interval divide(const Interval& a, const Interval& b, DataType t, Make make) {
    if (b.is_single_point() && provably_positive(b.min)) {
      return {a.min.defined() ? make(a.min, b.min) : Expr(),
              a.max.defined() ? make(a.max, b.min) : Expr()};
    }
    if (b.is_single_point() && provably_positive(make_zero(b.min.type()) - b.min)) {
      // A negative divisor reverses the order.
      return {a.max.defined() ? make(a.max, b.min) : Expr(),
              a.min.defined() ? make(a.min, b.min) : Expr()};
    }
    if (b.is_bounded() && a.is_bounded() && provably_positive(b.min)) {
      Expr p[4] = {make(a.min, b.min), make(a.min, b.max), make(a.max, b.min),
                   make(a.max, b.max)};
      return hull(p);
    }
    return t.is_floating() ? Interval::everything() : type_interval(t);
  }

  // floormod(a, b) for b > 0 lies in [0, b - 1], and is a itself when a
  // already lies in [0, b - 1].
  Interval modulo(const Interval& a, const Interval& b, DataType t, bool floor) {
    DataType s = t.element_of();
    Expr zero = make_zero(s);
    if (!b.max.defined() || !provably_positive(b.min)) return type_interval(t);
    Expr top = b.max - make_one(s);
    bool a_nonneg = provably_nonneg(a.min);
    if (a_nonneg && a.max.defined() && can_prove(a.max <= top, scope_)) return a;
    if (floor || a_nonneg) return {zero, top};
    return {make_zero(s) - top, top};
  }

  // An integer expression over variables outside the scope only (no loads or
  // calls, whose values are opaque) is exactly itself: e.g. floormod(f, 6)
  // with f fixed is one point, not [0, 5].
  bool is_fixed_point(const Expr& e) const {
    if (!e.type().is_scalar() || !e.type().is_int_or_uint()) return false;
    bool fixed = true;
    post_order_visit(e, [&](const IRNode* n) {
      if (n->kind == IRNodeKind::Load || n->kind == IRNodeKind::Call ||
          n->kind == IRNodeKind::TensorLoad ||
          (n->kind == IRNodeKind::Variable && scope_.count(static_cast<const Variable*>(n))))
        fixed = false;
    });
    return fixed;
  }

  Interval compute(const Expr& e) {
    DataType t = e.type();
    if (e.as<IntImm>() || e.as<FloatImm>()) return Interval::single_point(e);
    if (!e.as<Variable>() && is_fixed_point(e)) return Interval::single_point(e);
    if (const Variable* v = e.as<Variable>()) {
      auto it = scope_.find(v);
      if (it != scope_.end()) return it->second;
      if (t.is_vector()) return Interval::everything();
      return Interval::single_point(e);
    }
    if (const Add* op = e.as<Add>()) {
      Interval a = get(op->a), b = get(op->b);
      return {plus(a.min, b.min), plus(a.max, b.max)};
    }
    if (const Sub* op = e.as<Sub>()) {
      Interval a = get(op->a), b = get(op->b);
      return {minus(a.min, b.max), minus(a.max, b.min)};
    }
    if (const Mul* op = e.as<Mul>()) return multiply(get(op->a), get(op->b));
    if (const FloorDiv* op = e.as<FloorDiv>())
      return divide(get(op->a), get(op->b), t, [](Expr x, Expr y) { return floordiv(x, y); });
    if (const Div* op = e.as<Div>()) {
      // Truncation is monotone too (and floats divide exactly as written).
      return divide(get(op->a), get(op->b), t, [](Expr x, Expr y) { return Div::make(x, y); });
    }
    if (const FloorMod* op = e.as<FloorMod>()) return modulo(get(op->a), get(op->b), t, true);
    if (const Mod* op = e.as<Mod>()) {
      if (t.is_floating()) return Interval::everything();
      return modulo(get(op->a), get(op->b), t, t.is_uint());
    }
    if (const Min* op = e.as<Min>()) {
      Interval a = get(op->a), b = get(op->b);
      Expr lo = all(a.min, b.min) ? min(a.min, b.min) : Expr();
      Expr hi = all(a.max, b.max) ? min(a.max, b.max) : (a.max.defined() ? a.max : b.max);
      return {lo, hi};
    }
    if (const Max* op = e.as<Max>()) {
      Interval a = get(op->a), b = get(op->b);
      Expr lo = all(a.min, b.min) ? max(a.min, b.min) : (a.min.defined() ? a.min : b.min);
      Expr hi = all(a.max, b.max) ? max(a.max, b.max) : Expr();
      return {lo, hi};
    }
    if (const Select* op = e.as<Select>())
      return interval_union(get(op->true_value), get(op->false_value));
    if (const Cast* op = e.as<Cast>()) return cast(t.element_of(), op->value);
    if (const Ramp* op = e.as<Ramp>()) {
      // base + [0, lanes - 1] * stride.
      Expr n = make_const(op->stride.type(), int64_t{op->lanes - 1});
      Interval steps = multiply(get(op->stride), Interval::single_point(n));
      Expr zero = make_zero(op->stride.type());
      Interval base = get(op->base);
      return {plus(base.min, steps.min.defined() ? min(zero, steps.min) : Expr()),
              plus(base.max, steps.max.defined() ? max(zero, steps.max) : Expr())};
    }
    if (const Broadcast* op = e.as<Broadcast>()) return get(op->value);
    if (const Let* op = e.as<Let>()) {
      Interval value = get(op->value);
      auto old = scope_.find(op->var.get());
      bool had = old != scope_.end();
      Interval saved = had ? old->second : Interval();
      scope_[op->var.get()] = value;
      Interval body = get(op->body);
      if (had) scope_[op->var.get()] = saved;
      else scope_.erase(op->var.get());
      return body;
    }
    if (const Shr* op = e.as<Shr>()) {
      auto k = as_const_int(op->b);
      if (k && *k >= 0 && *k < t.bits() && *k < 63) {
        Expr d = make_const(t.element_of(), int64_t{1} << *k);
        Interval a = get(op->a);
        return {a.min.defined() ? floordiv(a.min, d) : Expr(),
                a.max.defined() ? floordiv(a.max, d) : Expr()};
      }
      return type_interval(t);
    }
    if (const Call* op = e.as<Call>()) {
      if (op->is_intrinsic(intrinsic::kIfThenElse) && op->args.size() == 3)
        return interval_union(get(op->args[1]), get(op->args[2]));
      if (op->is_intrinsic(intrinsic::kAbs) && op->args.size() == 1) {
        Interval a = get(op->args[0]);
        if (provably_nonneg(a.min)) return a;
        Expr zero = make_zero(t.element_of());
        Expr neg = minus(zero, a.min);
        if (a.is_bounded() && neg.defined()) return {zero, max(neg, a.max)};
        return {zero, Expr()};
      }
      return t.is_floating() ? Interval::everything() : type_interval(t);
    }
    if (t.is_bool()) {
      Expr s = simplify(e, scope_);
      if (is_const(s)) return Interval::single_point(t.is_vector() ? s.as<Broadcast>()->value : s);
      return type_interval(t);
    }
    // Loads, bitwise operations, tensor reads, reductions: the type's range.
    if (t.is_int_or_uint()) return type_interval(t);
    return Interval::everything();
  }

  // A cast keeps the interval when the target type holds every value of the
  // source type (or the interval is constant and fits); otherwise the
  // conversion may wrap and only the target's range is known.
  Interval cast(DataType to, const Expr& value) {
    DataType from = value.type().element_of();
    Interval a = get(value);
    auto convert = [&](const Interval& i) {
      return Interval(i.min.defined() ? anvil::cast(to, i.min) : Expr(),
                      i.max.defined() ? anvil::cast(to, i.max) : Expr());
    };
    if (to.is_floating() || (from.is_floating() && to.is_int_or_uint())) {
      // Float conversions are monotone (out-of-range ones are undefined).
      if (from.is_floating() || from.is_int_or_uint()) return convert(a);
      return Interval::everything();
    }
    if (!to.is_int_or_uint() || !from.is_int_or_uint()) return Interval::everything();
    bool widens = (to.is_int() && from.is_int() && to.bits() >= from.bits()) ||
                  (to.is_int() && from.is_uint() && to.bits() > from.bits()) ||
                  (to.is_uint() && from.is_uint() && to.bits() >= from.bits());
    if (widens) return convert(a);
    auto lo = as_const_int(a.min), hi = as_const_int(a.max);
    if (lo && hi && to.bits() < 64 && *lo >= to.min_int() && *hi <= to.max_int())
      return convert(a);
    return type_interval(to);
  }

  IntervalMap scope_;
};

}  // namespace

Interval interval_union(const Interval& a, const Interval& b) {
  Expr lo = a.min.defined() && b.min.defined() ? simplify(min(a.min, b.min)) : Expr();
  Expr hi = a.max.defined() && b.max.defined() ? simplify(max(a.max, b.max)) : Expr();
  return {lo, hi};
}

Interval bounds_of(const Expr& e, const IntervalMap& scope) {
  ANVIL_USER_CHECK(e.defined(), "bounds_of an undefined expression");
  return BoundsOf(scope).get(e);
}

}  // namespace anvil
