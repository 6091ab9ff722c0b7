// The simplifier's expression rules: constant folding, the canonical linear
// form of integer sums, division by constants, min/max, comparisons, logic,
// selects, casts and the vector (ramp/broadcast) forms.
#include <cmath>
#include <limits>

#include "SimplifyInternal.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/Substitute.h"
#include "anvil/support/Error.h"

namespace anvil::arith {

namespace {

// Float folding is exact only where FloatImm holds the type's precision.
bool is_foldable_float(DataType t) { return t.is_float() && (t.bits() == 32 || t.bits() == 64); }

Expr int_const(DataType t, int64_t v) { return IntImm::make(t, v); }
Expr bool_const(int lanes, bool v) { return make_const(DataType::Bool(lanes), int64_t{v}); }

// ---------------------------------------------------------- folding

const IntImm* int_imm(const Expr& e) { return e.as<IntImm>(); }
const FloatImm* float_imm(const Expr& e) {
  const FloatImm* f = e.as<FloatImm>();
  return f && is_foldable_float(f->type) ? f : nullptr;
}

// Compares two integer constants of type t (signed or unsigned order).
int compare_ints(DataType t, int64_t a, int64_t b) {
  if (t.is_uint()) {
    uint64_t x = static_cast<uint64_t>(a), y = static_cast<uint64_t>(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return a < b ? -1 : (a > b ? 1 : 0);
}

std::optional<int64_t> fold_int(IRNodeKind kind, DataType t, int64_t a, int64_t b) {
  uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  bool u = t.is_uint();
  switch (kind) {
    case IRNodeKind::Add: return wadd(a, b);
    case IRNodeKind::Sub: return wadd(a, wmul(b, -1));
    case IRNodeKind::Mul: return wmul(a, b);
    case IRNodeKind::Div:
    case IRNodeKind::Mod:
    case IRNodeKind::FloorDiv:
    case IRNodeKind::FloorMod: {
      if (b == 0) return std::nullopt;  // division by zero is left to run time
      if (u) {
        bool is_div = kind == IRNodeKind::Div || kind == IRNodeKind::FloorDiv;
        return static_cast<int64_t>(is_div ? ua / ub : ua % ub);
      }
      if (a == INT64_MIN && b == -1) return std::nullopt;
      if (kind == IRNodeKind::Div) return a / b;
      if (kind == IRNodeKind::Mod) return a % b;
      if (kind == IRNodeKind::FloorDiv) return floordiv_i64(a, b);
      return floormod_i64(a, b);
    }
    case IRNodeKind::Min: return compare_ints(t, a, b) <= 0 ? a : b;
    case IRNodeKind::Max: return compare_ints(t, a, b) >= 0 ? a : b;
    case IRNodeKind::BitAnd: return a & b;
    case IRNodeKind::BitOr: return a | b;
    case IRNodeKind::BitXor: return a ^ b;
    case IRNodeKind::Shl:
      if (b < 0 || b >= t.bits()) return std::nullopt;  // undefined in C
      return static_cast<int64_t>(ua << b);
    case IRNodeKind::Shr:
      if (b < 0 || b >= t.bits()) return std::nullopt;
      return u ? static_cast<int64_t>(ua >> b) : (a >> b);
    default: return std::nullopt;
  }
}

std::optional<double> fold_float(IRNodeKind kind, double a, double b) {
  switch (kind) {
    case IRNodeKind::Add: return a + b;
    case IRNodeKind::Sub: return a - b;
    case IRNodeKind::Mul: return a * b;
    case IRNodeKind::Div: return a / b;
    case IRNodeKind::Min:
      if (std::isnan(a) || std::isnan(b)) return std::nullopt;
      return a <= b ? a : b;
    case IRNodeKind::Max:
      if (std::isnan(a) || std::isnan(b)) return std::nullopt;
      return a >= b ? a : b;
    default: return std::nullopt;
  }
}

// Folds a binary arithmetic node of two scalar constants; undefined otherwise.
Expr fold_binary(IRNodeKind kind, const Expr& a, const Expr& b) {
  if (const IntImm *x = int_imm(a), *y = int_imm(b); x && y) {
    if (auto r = fold_int(kind, a.type(), x->value, y->value)) return int_const(a.type(), *r);
  }
  if (const FloatImm *x = float_imm(a), *y = float_imm(b); x && y) {
    // Doubles hold float32 operands exactly and round-to-float after a double
    // +,-,*,/ gives the correctly rounded float32 result.
    if (auto r = fold_float(kind, x->value, y->value)) return FloatImm::make(a.type(), *r);
  }
  return Expr();
}

std::optional<bool> fold_compare(IRNodeKind kind, int c) {
  switch (kind) {
    case IRNodeKind::EQ: return c == 0;
    case IRNodeKind::NE: return c != 0;
    case IRNodeKind::LT: return c < 0;
    case IRNodeKind::LE: return c <= 0;
    case IRNodeKind::GT: return c > 0;
    case IRNodeKind::GE: return c >= 0;
    default: return std::nullopt;
  }
}

// Decides `a kind b` from bounds of a and of b (or of a - b with b = 0).
std::optional<bool> decide_by_bounds(IRNodeKind kind, ConstBound a, ConstBound b) {
  bool lt = a.has_max() && b.has_min() && a.max < b.min;
  bool le = a.has_max() && b.has_min() && a.max <= b.min;
  bool gt = a.has_min() && b.has_max() && a.min > b.max;
  bool ge = a.has_min() && b.has_max() && a.min >= b.max;
  bool eq = le && ge;
  switch (kind) {
    case IRNodeKind::LT: return lt ? std::optional(true) : ge ? std::optional(false) : std::nullopt;
    case IRNodeKind::LE: return le ? std::optional(true) : gt ? std::optional(false) : std::nullopt;
    case IRNodeKind::GT: return gt ? std::optional(true) : le ? std::optional(false) : std::nullopt;
    case IRNodeKind::GE: return ge ? std::optional(true) : lt ? std::optional(false) : std::nullopt;
    case IRNodeKind::EQ:
      return eq ? std::optional(true) : (lt || gt) ? std::optional(false) : std::nullopt;
    case IRNodeKind::NE:
      return eq ? std::optional(false) : (lt || gt) ? std::optional(true) : std::nullopt;
    default: return std::nullopt;
  }
}

Expr make_compare(IRNodeKind kind, const Expr& a, const Expr& b) {
  switch (kind) {
    case IRNodeKind::EQ: return EQ::make(a, b);
    case IRNodeKind::NE: return NE::make(a, b);
    case IRNodeKind::LT: return LT::make(a, b);
    case IRNodeKind::LE: return LE::make(a, b);
    case IRNodeKind::GT: return GT::make(a, b);
    default: return GE::make(a, b);
  }
}

Expr make_div_mod(IRNodeKind kind, const Expr& a, const Expr& b) {
  switch (kind) {
    case IRNodeKind::Div: return Div::make(a, b);
    case IRNodeKind::Mod: return Mod::make(a, b);
    case IRNodeKind::FloorDiv: return FloorDiv::make(a, b);
    default: return FloorMod::make(a, b);
  }
}

Expr make_bitwise(IRNodeKind kind, const Expr& a, const Expr& b) {
  switch (kind) {
    case IRNodeKind::BitAnd: return BitAnd::make(a, b);
    case IRNodeKind::BitOr: return BitOr::make(a, b);
    case IRNodeKind::BitXor: return BitXor::make(a, b);
    case IRNodeKind::Shl: return Shl::make(a, b);
    default: return Shr::make(a, b);
  }
}

}  // namespace

// ---------------------------------------------------------- arithmetic

Expr Simplifier::add(const Expr& a, const Expr& b) {
  DataType t = a.type();
  if (Expr c = fold_binary(IRNodeKind::Add, a, b); c.defined()) return c;
  if (is_linear_type(t)) {
    LinearSum s = to_linear(a);
    s.add(to_linear(b), 1);
    return from_linear(std::move(s));
  }
  if (t.is_vector()) {
    const Broadcast *ba = a.as<Broadcast>(), *bb = b.as<Broadcast>();
    if (ba && bb) return broadcast(add(ba->value, bb->value), ba->lanes);
    if (t.is_int_or_uint()) {
      // Integer vector sums are reassociable; float ones are not.
      const Ramp *ra = a.as<Ramp>(), *rb = b.as<Ramp>();
      if (ra && rb) return ramp(add(ra->base, rb->base), add(ra->stride, rb->stride), ra->lanes);
      if (ra && bb) return ramp(add(ra->base, bb->value), ra->stride, ra->lanes);
      if (ba && rb) return ramp(add(ba->value, rb->base), rb->stride, rb->lanes);
      if (is_zero(b)) return a;
      if (is_zero(a)) return b;
    }
  }
  return Add::make(a, b);
}

Expr Simplifier::sub(const Expr& a, const Expr& b) {
  DataType t = a.type();
  if (Expr c = fold_binary(IRNodeKind::Sub, a, b); c.defined()) return c;
  if (is_linear_type(t)) {
    LinearSum s = to_linear(a);
    s.add(to_linear(b), -1);
    return from_linear(std::move(s));
  }
  if (t.is_vector()) {
    const Broadcast *ba = a.as<Broadcast>(), *bb = b.as<Broadcast>();
    if (ba && bb) return broadcast(sub(ba->value, bb->value), ba->lanes);
    if (t.is_int_or_uint()) {
      const Ramp *ra = a.as<Ramp>(), *rb = b.as<Ramp>();
      Expr zero = make_zero(t.element_of());
      if (ra && rb) return ramp(sub(ra->base, rb->base), sub(ra->stride, rb->stride), ra->lanes);
      if (ra && bb) return ramp(sub(ra->base, bb->value), ra->stride, ra->lanes);
      if (ba && rb) return ramp(sub(ba->value, rb->base), sub(zero, rb->stride), rb->lanes);
      if (is_zero(b)) return a;
      if (expr_equal(a, b)) return make_zero(t);
    }
  }
  // x - (+0.0) is exact for every x, -0.0 included; x - (-0.0) is not.
  if (auto z = as_const_float(b); z && *z == 0.0 && !std::signbit(*z)) return a;
  return Sub::make(a, b);
}

Expr Simplifier::mul(const Expr& a, const Expr& b) {
  DataType t = a.type();
  if (Expr c = fold_binary(IRNodeKind::Mul, a, b); c.defined()) return c;
  if (is_linear_type(t)) {
    if (const IntImm* c = int_imm(b)) {
      LinearSum s(t);
      s.add(to_linear(a), c->value);
      return from_linear(std::move(s));
    }
    if (const IntImm* c = int_imm(a)) {
      LinearSum s(t);
      s.add(to_linear(b), c->value);
      return from_linear(std::move(s));
    }
    return Mul::make(a, b);
  }
  if (t.is_vector()) {
    const Broadcast *ba = a.as<Broadcast>(), *bb = b.as<Broadcast>();
    if (ba && bb) return broadcast(mul(ba->value, bb->value), ba->lanes);
    if (t.is_int_or_uint()) {
      const Ramp *ra = a.as<Ramp>(), *rb = b.as<Ramp>();
      if (ra && bb) return ramp(mul(ra->base, bb->value), mul(ra->stride, bb->value), ra->lanes);
      if (ba && rb) return ramp(mul(ba->value, rb->base), mul(ba->value, rb->stride), rb->lanes);
      if (is_one(b)) return a;
      if (is_one(a)) return b;
    }
  }
  // x * 1 is exact for floats; x * 0 is not (NaN, infinities, -0.0).
  if (t.is_floating() && as_const_float(b) == 1.0) return a;
  if (t.is_floating() && as_const_float(a) == 1.0) return b;
  return Mul::make(a, b);
}

Expr Simplifier::div_mod(IRNodeKind kind, const Expr& a, const Expr& b) {
  DataType t = a.type();
  bool is_div = kind == IRNodeKind::Div || kind == IRNodeKind::FloorDiv;
  if (Expr c = fold_binary(kind, a, b); c.defined()) return c;
  if (t.is_floating()) {
    if (kind == IRNodeKind::Div && as_const_float(b) == 1.0) return a;
    return make_div_mod(kind, a, b);
  }
  if (t.is_vector()) {
    const Broadcast *ba = a.as<Broadcast>(), *bb = b.as<Broadcast>();
    if (ba && bb) return broadcast(div_mod(kind, ba->value, bb->value), ba->lanes);
    // floordiv(ramp(8x + r0, s, n), 8) is broadcast(x) when no lane crosses a
    // multiple of 8; the modulo is then ramp(r0, s, n).
    const Ramp* ra = a.as<Ramp>();
    auto c = as_const_int(b);
    if (ra && bb && c && *c > 0 && is_index_type(t) &&
        (kind == IRNodeKind::FloorDiv || kind == IRNodeKind::FloorMod)) {
      auto stride = as_const_int(ra->stride);
      Expr base_mod = div_mod(IRNodeKind::FloorMod, ra->base, bb->value);
      auto r0 = as_const_int(base_mod);
      if (stride && r0 && *stride >= 0 && *r0 + *stride * (ra->lanes - 1) < *c) {
        if (is_div) return broadcast(div_mod(IRNodeKind::FloorDiv, ra->base, bb->value), ra->lanes);
        return ramp(base_mod, ra->stride, ra->lanes);
      }
    }
    return make_div_mod(kind, a, b);
  }
  const IntImm* ci = int_imm(b);
  if (!ci || ci->value == 0) return make_div_mod(kind, a, b);
  int64_t c = ci->value;
  if (t.is_uint() && c < 0) return make_div_mod(kind, a, b);  // a huge uint64 divisor
  if (c == 1) return is_div ? a : int_const(t, 0);
  if (c < 0) return make_div_mod(kind, a, b);
  ConstBound ba = bound(a);
  if (!is_index_type(t)) {
    // Exact under wrap-around: only the value range of `a` itself is used.
    if (ba.min >= 0 && ba.has_max() && ba.max < c) return is_div ? int_const(t, 0) : a;
    return make_div_mod(kind, a, b);
  }
  IRNodeKind orig_kind = kind;
  if (kind == IRNodeKind::Div || kind == IRNodeKind::Mod) {
    // Truncation equals floor on a non-negative dividend.
    if (ba.min < 0) return make_div_mod(kind, a, b);
    kind = is_div ? IRNodeKind::FloorDiv : IRNodeKind::FloorMod;
  }
  // Nested division by constants.
  if (const FloorDiv* inner = a.as<FloorDiv>(); inner && is_div) {
    const IntImm* c1 = int_imm(inner->b);
    int64_t prod;
    if (c1 && c1->value > 0 && !__builtin_mul_overflow(c1->value, c, &prod) &&
        prod == wrap_signed(t, prod))
      return div_mod(IRNodeKind::FloorDiv, inner->a, int_const(t, prod));
  }
  if (const FloorMod* inner = a.as<FloorMod>(); inner && !is_div) {
    const IntImm* c1 = int_imm(inner->b);
    if (c1 && c1->value > 0 && c1->value % c == 0)
      return div_mod(IRNodeKind::FloorMod, inner->a, b);
  }
  // a = c*Q + R: floordiv(a, c) = Q + floordiv(R, c), floormod(a, c) = floormod(R, c).
  LinearSum s = to_linear(a);
  LinearSum q(t), r(t);
  for (const auto& [atom, coeff] : s.terms) {
    if (coeff % c == 0) {
      q.add_term(atom, coeff / c);
    } else {
      r.add_term(atom, coeff);
    }
  }
  q.add_const(floordiv_i64(s.constant, c));
  r.add_const(floormod_i64(s.constant, c));
  Expr rest = from_linear(r);
  ConstBound br = linear_bound(rest);
  if (br.has_min() && br.has_max() && floordiv_i64(br.min, c) == floordiv_i64(br.max, c)) {
    int64_t m = floordiv_i64(br.min, c);
    if (is_div) {
      q.add_const(m);
      return from_linear(std::move(q));
    }
    return sub(rest, int_const(t, wmul(m, c)));
  }
  // Also catches floormod(x, 8) when x ∈ [0, 7] after the constant moved.
  if (ba.has_min() && ba.has_max() && floordiv_i64(ba.min, c) == floordiv_i64(ba.max, c)) {
    int64_t m = floordiv_i64(ba.min, c);
    return is_div ? int_const(t, m) : sub(a, int_const(t, wmul(m, c)));
  }
  // Keep C division where the remainder part alone is provably non-negative.
  if (orig_kind != kind && br.min >= 0) kind = orig_kind;
  Expr rest_op = make_div_mod(kind, rest, b);
  if (!is_div) return rest_op;
  q.add_term(rest_op, 1);
  return from_linear(std::move(q));
}

// ---------------------------------------------------------- min / max

Expr Simplifier::min_max(bool is_min, const Expr& a, const Expr& b) {
  DataType t = a.type();
  IRNodeKind kind = is_min ? IRNodeKind::Min : IRNodeKind::Max;
  auto rebuild = [&](const Expr& x, const Expr& y) {
    return is_min ? Min::make(x, y) : Max::make(x, y);
  };
  if (Expr c = fold_binary(kind, a, b); c.defined()) return c;
  if (expr_equal(a, b)) return a;
  const Broadcast *ba = a.as<Broadcast>(), *bb = b.as<Broadcast>();
  if (ba && bb) return broadcast(min_max(is_min, ba->value, bb->value), ba->lanes);
  if (!t.is_int_or_uint()) return rebuild(a, b);
  // b <= a decides both min and max.
  std::optional<bool> a_le_b;
  if (is_index_type(t)) {
    Expr d = sub(a, b);
    ConstBound bd = linear_bound(d);
    if (bd.has_max() && bd.max <= 0) a_le_b = true;
    else if (bd.has_min() && bd.min >= 0) a_le_b = false;
  }
  if (!a_le_b) a_le_b = decide_by_bounds(IRNodeKind::LE, bound(a), bound(b));
  if (!a_le_b && decide_by_bounds(IRNodeKind::GE, bound(a), bound(b)) == true) a_le_b = false;
  if (a_le_b) return (*a_le_b == is_min) ? a : b;
  // min(min(x, c1), c2) -> min(x, min(c1, c2)).
  if (int_imm(b)) {
    if (const Min* inner = a.as<Min>(); inner && is_min && int_imm(inner->b))
      return rebuild(inner->a, min_max(true, inner->b, b));
    if (const Max* inner = a.as<Max>(); inner && !is_min && int_imm(inner->b))
      return rebuild(inner->a, min_max(false, inner->b, b));
  }
  // A constant operand goes second.
  if (int_imm(a) && !int_imm(b)) return rebuild(b, a);
  return rebuild(a, b);
}

// ---------------------------------------------------------- comparisons

Expr Simplifier::compare(IRNodeKind kind, const Expr& a, const Expr& b) {
  DataType t = a.type();
  int lanes = t.lanes();
  if (const IntImm *x = int_imm(a), *y = int_imm(b); x && y)
    return bool_const(1, *fold_compare(kind, compare_ints(t, x->value, y->value)));
  if (const FloatImm *x = float_imm(a), *y = float_imm(b); x && y) {
    double p = x->value, q = y->value;
    if (std::isnan(p) || std::isnan(q)) return bool_const(1, kind == IRNodeKind::NE);
    return bool_const(1, *fold_compare(kind, p < q ? -1 : (p > q ? 1 : 0)));
  }
  const Broadcast *ba = a.as<Broadcast>(), *bb = b.as<Broadcast>();
  if (ba && bb) return broadcast(compare(kind, ba->value, bb->value), lanes);
  if (!t.is_int_or_uint()) return make_compare(kind, a, b);
  if (expr_equal(a, b)) return bool_const(lanes, *fold_compare(kind, 0));
  std::optional<bool> r;
  if (is_index_type(t)) {
    Expr d = sub(a, b);
    if (auto dv = as_const_int(d)) return bool_const(lanes, *fold_compare(kind, *dv < 0 ? -1 : *dv > 0));
    r = decide_by_bounds(kind, linear_bound(d), ConstBound{0, 0});
  }
  if (!r) r = decide_by_bounds(kind, bound(a), bound(b));
  if (r) return bool_const(lanes, *r);
  return make_compare(kind, a, b);
}

Expr Simplifier::logic(bool is_and, const Expr& a, const Expr& b) {
  int lanes = a.type().lanes();
  auto ca = as_const_int(a), cb = as_const_int(b);
  // x && false -> false, x && true -> x; dually for ||.
  if (ca) return (*ca != 0) == is_and ? b : bool_const(lanes, !is_and);
  if (cb) return (*cb != 0) == is_and ? a : bool_const(lanes, !is_and);
  if (expr_equal(a, b)) return a;
  const Broadcast *ba = a.as<Broadcast>(), *bb = b.as<Broadcast>();
  if (ba && bb) return broadcast(logic(is_and, ba->value, bb->value), lanes);
  // x && !x -> false, x || !x -> true (the negation may be a flipped compare).
  if (expr_equal(a, logical_not(b))) return bool_const(lanes, !is_and);
  return is_and ? And::make(a, b) : Or::make(a, b);
}

Expr Simplifier::logical_not(const Expr& a) {
  if (auto c = as_const_int(a)) return bool_const(a.type().lanes(), *c == 0);
  if (const Not* n = a.as<Not>()) return n->a;
  if (const Broadcast* b = a.as<Broadcast>()) return broadcast(logical_not(b->value), b->lanes);
  // Negating an integer comparison flips it; with floats NaN forbids this.
  auto flip = [&](const auto* op, IRNodeKind kind) -> Expr {
    if (!op || !op->a.type().is_int_or_uint()) return Expr();
    return make_compare(kind, op->a, op->b);
  };
  for (Expr r : {flip(a.as<LT>(), IRNodeKind::GE), flip(a.as<LE>(), IRNodeKind::GT),
                 flip(a.as<GT>(), IRNodeKind::LE), flip(a.as<GE>(), IRNodeKind::LT),
                 flip(a.as<EQ>(), IRNodeKind::NE), flip(a.as<NE>(), IRNodeKind::EQ)})
    if (r.defined()) return r;
  return Not::make(a);
}

Expr Simplifier::bitwise(IRNodeKind kind, const Expr& a, const Expr& b) {
  DataType t = a.type();
  if (Expr c = fold_binary(kind, a, b); c.defined()) return c;
  const Broadcast *ba = a.as<Broadcast>(), *bb = b.as<Broadcast>();
  if (ba && bb) return broadcast(bitwise(kind, ba->value, bb->value), ba->lanes);
  bool is_shift = kind == IRNodeKind::Shl || kind == IRNodeKind::Shr;
  if (is_zero(b) && kind != IRNodeKind::BitAnd) return a;  // x | 0, x ^ 0, x << 0, x >> 0
  if (!is_shift) {
    if (kind == IRNodeKind::BitAnd && (is_zero(a) || is_zero(b))) return make_zero(t);
    if (is_zero(a) && kind != IRNodeKind::BitAnd) return b;
    if (kind == IRNodeKind::BitAnd && is_const_int(b, -1)) return a;
    if (kind == IRNodeKind::BitAnd && is_const_int(a, -1)) return b;
    if (kind != IRNodeKind::BitXor && expr_equal(a, b)) return a;
    if (kind == IRNodeKind::BitXor && expr_equal(a, b)) return make_zero(t);
  }
  return make_bitwise(kind, a, b);
}

// ---------------------------------------------------------- other forms

Expr Simplifier::select(const Expr& c, const Expr& t, const Expr& f) {
  if (auto v = as_const_int(c)) return *v ? t : f;
  if (expr_equal(t, f)) return t;
  return Select::make(c, t, f);
}

Expr Simplifier::cast(DataType t, const Expr& v) {
  DataType from = v.type();
  if (from == t) return v;
  if (const Broadcast* b = v.as<Broadcast>()) return broadcast(cast(t.element_of(), b->value), b->lanes);
  if (const IntImm* i = v.as<IntImm>()) {
    if (t.is_int_or_uint() && !t.is_bool()) return int_const(t, i->value);  // wraps like hardware
    if (t.is_bool() && (i->value == 0 || i->value == 1)) return int_const(t, i->value);
    if (is_foldable_float(t)) {
      bool u = from.is_uint();
      uint64_t uv = static_cast<uint64_t>(i->value);
      // Beyond 2^53 the double would round once and the float32 again.
      if (t.bits() == 32 && (u ? uv >= (uint64_t{1} << 53)
                               : (i->value >= (int64_t{1} << 53) || i->value <= -(int64_t{1} << 53))))
        return Cast::make(t, v);
      return FloatImm::make(t, u ? static_cast<double>(uv) : static_cast<double>(i->value));
    }
  }
  if (const FloatImm* f = float_imm(v)) {
    if (is_foldable_float(t)) return FloatImm::make(t, f->value);
    if (t.is_int_or_uint() && !t.is_bool() && std::isfinite(f->value)) {
      double x = std::trunc(f->value);
      // Out-of-range conversion is undefined: leave it to run time.
      double lo = t.is_uint() ? 0.0 : std::ldexp(-1.0, t.bits() - 1);
      double hi = t.is_uint() ? std::ldexp(1.0, t.bits()) : std::ldexp(1.0, t.bits() - 1);
      if (x >= lo && x < hi) {
        if (t.is_uint() && t.bits() == 64) return int_const(t, static_cast<int64_t>(static_cast<uint64_t>(x)));
        return int_const(t, static_cast<int64_t>(x));
      }
    }
  }
  return Cast::make(t, v);
}

Expr Simplifier::ramp(const Expr& base, const Expr& stride, int lanes) {
  if (is_zero(stride)) return broadcast(base, lanes);
  return Ramp::make(base, stride, lanes);
}

Expr Simplifier::broadcast(const Expr& v, int lanes) { return Broadcast::make(v, lanes); }

// ---------------------------------------------------------- dispatch

namespace {
// Keeps the original node when a rewrite produced an equal tree, so unchanged
// subtrees stay shared.
Expr keep(const Expr& result, const Expr& self) {
  return expr_equal(result, self) ? self : result;
}
}  // namespace

Expr Simplifier::mutate_node(const IntImm*, const Expr& self) { return self; }
Expr Simplifier::mutate_node(const FloatImm*, const Expr& self) { return self; }
Expr Simplifier::mutate_node(const StringImm*, const Expr& self) { return self; }
Expr Simplifier::mutate_node(const Variable*, const Expr& self) { return self; }

Expr Simplifier::mutate_node(const Add* op, const Expr& self) {
  return keep(add(mutate(op->a), mutate(op->b)), self);
}
Expr Simplifier::mutate_node(const Sub* op, const Expr& self) {
  return keep(sub(mutate(op->a), mutate(op->b)), self);
}
Expr Simplifier::mutate_node(const Mul* op, const Expr& self) {
  return keep(mul(mutate(op->a), mutate(op->b)), self);
}
#define ANVIL_SIMPLIFY_VIA(Name, call)                               \
  Expr Simplifier::mutate_node(const Name* op, const Expr& self) {  \
    Expr a = mutate(op->a), b = mutate(op->b);                      \
    return keep(call, self);                                        \
  }
ANVIL_SIMPLIFY_VIA(Div, div_mod(IRNodeKind::Div, a, b))
ANVIL_SIMPLIFY_VIA(Mod, div_mod(IRNodeKind::Mod, a, b))
ANVIL_SIMPLIFY_VIA(FloorDiv, div_mod(IRNodeKind::FloorDiv, a, b))
ANVIL_SIMPLIFY_VIA(FloorMod, div_mod(IRNodeKind::FloorMod, a, b))
ANVIL_SIMPLIFY_VIA(Min, min_max(true, a, b))
ANVIL_SIMPLIFY_VIA(Max, min_max(false, a, b))
ANVIL_SIMPLIFY_VIA(EQ, compare(IRNodeKind::EQ, a, b))
ANVIL_SIMPLIFY_VIA(NE, compare(IRNodeKind::NE, a, b))
ANVIL_SIMPLIFY_VIA(LT, compare(IRNodeKind::LT, a, b))
ANVIL_SIMPLIFY_VIA(LE, compare(IRNodeKind::LE, a, b))
ANVIL_SIMPLIFY_VIA(GT, compare(IRNodeKind::GT, a, b))
ANVIL_SIMPLIFY_VIA(GE, compare(IRNodeKind::GE, a, b))
ANVIL_SIMPLIFY_VIA(And, logic(true, a, b))
ANVIL_SIMPLIFY_VIA(Or, logic(false, a, b))
ANVIL_SIMPLIFY_VIA(BitAnd, bitwise(IRNodeKind::BitAnd, a, b))
ANVIL_SIMPLIFY_VIA(BitOr, bitwise(IRNodeKind::BitOr, a, b))
ANVIL_SIMPLIFY_VIA(BitXor, bitwise(IRNodeKind::BitXor, a, b))
ANVIL_SIMPLIFY_VIA(Shl, bitwise(IRNodeKind::Shl, a, b))
ANVIL_SIMPLIFY_VIA(Shr, bitwise(IRNodeKind::Shr, a, b))
#undef ANVIL_SIMPLIFY_VIA

Expr Simplifier::mutate_node(const Not* op, const Expr& self) {
  return keep(logical_not(mutate(op->a)), self);
}
Expr Simplifier::mutate_node(const BitNot* op, const Expr& self) {
  Expr a = mutate(op->a);
  if (const IntImm* i = int_imm(a)) return int_const(a.type(), ~i->value);
  if (const BitNot* inner = a.as<BitNot>()) return inner->a;
  return a.same_as(op->a) ? self : BitNot::make(a);
}
Expr Simplifier::mutate_node(const Select* op, const Expr& self) {
  return keep(select(mutate(op->condition), mutate(op->true_value), mutate(op->false_value)),
              self);
}
Expr Simplifier::mutate_node(const Cast* op, const Expr& self) {
  return keep(cast(op->type, mutate(op->value)), self);
}
Expr Simplifier::mutate_node(const Reinterpret* op, const Expr& self) {
  return IRMutator::mutate_node(op, self);
}
Expr Simplifier::mutate_node(const Load* op, const Expr& self) {
  return IRMutator::mutate_node(op, self);
}
Expr Simplifier::mutate_node(const Ramp* op, const Expr& self) {
  return keep(ramp(mutate(op->base), mutate(op->stride), op->lanes), self);
}
Expr Simplifier::mutate_node(const Broadcast* op, const Expr& self) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self : broadcast(v, op->lanes);
}
Expr Simplifier::mutate_node(const Call* op, const Expr& self) {
  if (op->is_intrinsic(intrinsic::kIfThenElse) && op->args.size() == 3) {
    Expr c = mutate(op->args[0]);
    if (auto v = as_const_int(c)) return mutate(*v ? op->args[1] : op->args[2]);
    Expr t = mutate(op->args[1]), f = mutate(op->args[2]);
    if (expr_equal(t, f)) return t;
    return keep(Call::make(op->type, op->name, {c, t, f}, op->call_kind), self);
  }
  Expr r = IRMutator::mutate_node(op, self);
  const Call* call = r.as<Call>();
  if (call && call->is_intrinsic(intrinsic::kLikely) && is_const(call->args[0]))
    return call->args[0];
  if (call && call->is_intrinsic(intrinsic::kAbs) && call->args.size() == 1) {
    if (const IntImm* i = int_imm(call->args[0]))
      return int_const(r.type(), i->value < 0 ? wmul(i->value, -1) : i->value);
    if (const FloatImm* f = float_imm(call->args[0]))
      return FloatImm::make(r.type(), std::fabs(f->value));
    if (r.type().is_int() && bound(call->args[0]).min >= 0) return call->args[0];
  }
  return r;
}
Expr Simplifier::mutate_node(const Let* op, const Expr& self) {
  Expr value = mutate(op->value);
  // Constants and variables are free to duplicate: substitute them.
  if (is_const(value) || value.as<Variable>() || value.as<StringImm>())
    return mutate(substitute(op->body, op->var, value));
  SavedBinding saved = bind(op->var, Interval::single_point(value));
  Expr body = mutate(op->body);
  restore(saved);
  if (!uses_var(body, op->var)) return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return Let::make(op->var, value, body);
}
Expr Simplifier::mutate_node(const TensorLoad* op, const Expr& self) {
  return IRMutator::mutate_node(op, self);
}
Expr Simplifier::mutate_node(const Reduce* op, const Expr& self) {
  // Reduction axes range over their domains inside source and condition.
  std::vector<SavedBinding> saved;
  for (const IterVar& iv : op->axes) {
    Expr lo = mutate(iv->dom.min);
    saved.push_back(bind(iv->var, Interval(lo, mutate(add(lo, sub(iv->dom.extent, make_one(lo.type())))))));
  }
  Expr r = IRMutator::mutate_node(op, self);
  for (auto it = saved.rbegin(); it != saved.rend(); ++it) restore(*it);
  return r;
}

Simplifier::SavedBinding Simplifier::bind(const Var& var, Interval interval) {
  SavedBinding saved{var.get(), false, {}};
  auto it = scope_.find(var.get());
  if (it != scope_.end()) {
    saved.had = true;
    saved.old = it->second;
    it->second = std::move(interval);
  } else {
    scope_.emplace(var.get(), std::move(interval));
  }
  return saved;
}

void Simplifier::restore(const SavedBinding& saved) {
  if (saved.had) {
    scope_[saved.var] = saved.old;
  } else {
    scope_.erase(saved.var);
  }
}

}  // namespace anvil::arith
