// Constant integer bounds of expressions (the fast analysis behind the
// simplifier's proofs), deep expression equality and integer helpers.
#include <algorithm>

#include "SimplifyInternal.h"
#include "anvil/ir/IROperator.h"
#include "anvil/support/Error.h"

namespace anvil::arith {

int64_t wrap_signed(DataType t, int64_t v) {
  int bits = t.bits();
  if (bits >= 64) return v;
  uint64_t mask = (uint64_t{1} << bits) - 1;
  uint64_t u = static_cast<uint64_t>(v) & mask;
  if ((u >> (bits - 1)) & 1) u |= ~mask;
  return static_cast<int64_t>(u);
}

int64_t floordiv_i64(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

int64_t floormod_i64(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

// ------------------------------------------------------------ equality

namespace {

bool all_equal(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (!expr_equal(a[i], b[i])) return false;
  return true;
}

template <typename T>
bool binary_equal(const Expr& a, const Expr& b) {
  const T* x = a.as<T>();
  const T* y = b.as<T>();
  return expr_equal(x->a, y->a) && expr_equal(x->b, y->b);
}

}  // namespace

bool expr_equal(const Expr& a, const Expr& b) {
  if (a.same_as(b)) return true;
  if (!a.defined() || !b.defined()) return false;
  if (a->kind != b->kind || a.type() != b.type()) return false;
  switch (a->kind) {
    case IRNodeKind::IntImm: return a.as<IntImm>()->value == b.as<IntImm>()->value;
    case IRNodeKind::FloatImm: {
      double x = a.as<FloatImm>()->value, y = b.as<FloatImm>()->value;
      return x == y || (x != x && y != y);
    }
    case IRNodeKind::StringImm: return a.as<StringImm>()->value == b.as<StringImm>()->value;
    case IRNodeKind::Variable: return false;  // identity was checked above
#define ANVIL_CASE(Name) \
  case IRNodeKind::Name: return binary_equal<Name>(a, b);
      ANVIL_CASE(Add) ANVIL_CASE(Sub) ANVIL_CASE(Mul) ANVIL_CASE(Div) ANVIL_CASE(Mod)
      ANVIL_CASE(FloorDiv) ANVIL_CASE(FloorMod) ANVIL_CASE(Min) ANVIL_CASE(Max)
      ANVIL_CASE(EQ) ANVIL_CASE(NE) ANVIL_CASE(LT) ANVIL_CASE(LE) ANVIL_CASE(GT)
      ANVIL_CASE(GE) ANVIL_CASE(And) ANVIL_CASE(Or) ANVIL_CASE(BitAnd) ANVIL_CASE(BitOr)
      ANVIL_CASE(BitXor) ANVIL_CASE(Shl) ANVIL_CASE(Shr)
#undef ANVIL_CASE
    case IRNodeKind::Not: return expr_equal(a.as<Not>()->a, b.as<Not>()->a);
    case IRNodeKind::BitNot: return expr_equal(a.as<BitNot>()->a, b.as<BitNot>()->a);
    case IRNodeKind::Select: {
      const Select *x = a.as<Select>(), *y = b.as<Select>();
      return expr_equal(x->condition, y->condition) &&
             expr_equal(x->true_value, y->true_value) &&
             expr_equal(x->false_value, y->false_value);
    }
    case IRNodeKind::Cast: return expr_equal(a.as<Cast>()->value, b.as<Cast>()->value);
    case IRNodeKind::Reinterpret:
      return expr_equal(a.as<Reinterpret>()->value, b.as<Reinterpret>()->value);
    case IRNodeKind::Load: {
      const Load *x = a.as<Load>(), *y = b.as<Load>();
      return x->buffer.same_as(y->buffer) && expr_equal(x->index, y->index) &&
             (x->predicate.defined() == y->predicate.defined()) &&
             (!x->predicate.defined() || expr_equal(x->predicate, y->predicate));
    }
    case IRNodeKind::Ramp: {
      const Ramp *x = a.as<Ramp>(), *y = b.as<Ramp>();
      return x->lanes == y->lanes && expr_equal(x->base, y->base) &&
             expr_equal(x->stride, y->stride);
    }
    case IRNodeKind::Broadcast: {
      const Broadcast *x = a.as<Broadcast>(), *y = b.as<Broadcast>();
      return x->lanes == y->lanes && expr_equal(x->value, y->value);
    }
    case IRNodeKind::Call: {
      const Call *x = a.as<Call>(), *y = b.as<Call>();
      return x->name == y->name && x->call_kind == y->call_kind && all_equal(x->args, y->args);
    }
    case IRNodeKind::Let: {
      // Only the same binding variable counts: enough for the simplifier,
      // which never renames.
      const Let *x = a.as<Let>(), *y = b.as<Let>();
      return x->var.same_as(y->var) && expr_equal(x->value, y->value) &&
             expr_equal(x->body, y->body);
    }
    case IRNodeKind::TensorLoad: {
      const TensorLoad *x = a.as<TensorLoad>(), *y = b.as<TensorLoad>();
      return x->tensor.same_as(y->tensor) && all_equal(x->indices, y->indices);
    }
    default: return false;  // Reduce: compared by identity only
  }
}

// ------------------------------------------------------------ const bounds

namespace {

using CB = ConstBound;
constexpr int64_t kNegInf = CB::kNegInf;
constexpr int64_t kPosInf = CB::kPosInf;

CB everything() { return {}; }
CB point(int64_t v) { return {v, v}; }

bool is_inf(int64_t v) { return v == kNegInf || v == kPosInf; }

int64_t sat_add(int64_t a, int64_t b) {
  if (a == kNegInf || b == kNegInf) return (a == kPosInf || b == kPosInf) ? 0 : kNegInf;
  if (a == kPosInf || b == kPosInf) return kPosInf;
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return a > 0 ? kPosInf : kNegInf;
  return r;
}

int64_t sat_neg(int64_t a) {
  if (a == kNegInf) return kPosInf;
  if (a == kPosInf) return kNegInf;
  return -a;
}

int64_t sat_mul(int64_t a, int64_t b) {
  if (a == 0 || b == 0) return 0;
  bool negative = (a < 0) != (b < 0);
  if (is_inf(a) || is_inf(b)) return negative ? kNegInf : kPosInf;
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return negative ? kNegInf : kPosInf;
  return r;
}

// The range of an integer type, with int64/uint64 ends as infinities.
CB type_range(DataType t) {
  if (t.is_bool()) return {0, 1};
  if (!t.is_int_or_uint()) return everything();
  if (t.bits() >= 64) return t.is_uint() ? CB{0, kPosInf} : everything();
  return {t.min_int(), t.max_int()};
}

// The result of an operation of type t: its type's range when it could wrap.
CB fit(DataType t, CB b) {
  CB r = type_range(t);
  if ((r.has_min() && b.min < r.min) || (r.has_max() && b.max > r.max)) return r;
  return b;
}

CB unite(CB a, CB b) { return {std::min(a.min, b.min), std::max(a.max, b.max)}; }

int64_t div_end(int64_t a, int64_t c, bool floor) {
  if (is_inf(a)) return (a > 0) == (c > 0) ? kPosInf : kNegInf;
  if (a == INT64_MIN && c == -1) return kPosInf;
  return floor ? floordiv_i64(a, c) : a / c;
}

class ConstBounder {
 public:
  explicit ConstBounder(const IntervalMap& scope) : scope_(scope) {}

  CB get(const Expr& e) {
    if (!e.defined()) return everything();
    DataType t = e.type();
    if (!t.is_int_or_uint()) return everything();
    if (++depth_ > kMaxDepth) {
      depth_--;
      return type_range(t);
    }
    CB r = compute(e);
    depth_--;
    // Never report more than the type allows.
    CB range = type_range(t);
    return {std::max(r.min, range.min), std::min(r.max, range.max)};
  }

 private:
  // Scope intervals may refer to each other; a depth limit keeps a cyclic
  // scope from recursing forever.
  static constexpr int kMaxDepth = 64;

  CB compute(const Expr& e) {
    DataType t = e.type();
    if (const IntImm* i = e.as<IntImm>()) {
      if (t.is_uint() && i->value < 0) return {0, kPosInf};  // uint64 above INT64_MAX
      return point(i->value);
    }
    if (const Variable* v = e.as<Variable>()) {
      const Interval* range = nullptr;
      if (auto it = lets_.find(v); it != lets_.end()) range = &it->second;
      else if (auto it2 = scope_.find(v); it2 != scope_.end()) range = &it2->second;
      if (!range) return type_range(t);
      Interval r = *range;  // get() below may rehash lets_
      CB lo = r.min.defined() ? get(r.min) : everything();
      CB hi = r.max.defined() ? get(r.max) : everything();
      return {lo.min, hi.max};
    }
    if (const Add* op = e.as<Add>()) {
      CB a = get(op->a), b = get(op->b);
      return fit(t, {sat_add(a.min, b.min), sat_add(a.max, b.max)});
    }
    if (const Sub* op = e.as<Sub>()) {
      CB a = get(op->a), b = get(op->b);
      return fit(t, {sat_add(a.min, sat_neg(b.max)), sat_add(a.max, sat_neg(b.min))});
    }
    if (const Mul* op = e.as<Mul>()) return fit(t, mul(get(op->a), get(op->b)));
    if (const FloorDiv* op = e.as<FloorDiv>()) return divide(t, op->a, op->b, true);
    if (const Div* op = e.as<Div>()) return divide(t, op->a, op->b, false);
    if (const FloorMod* op = e.as<FloorMod>()) return floor_mod(op->a, op->b);
    if (const Mod* op = e.as<Mod>()) return trunc_mod(op->a, op->b);
    if (const Min* op = e.as<Min>()) {
      CB a = get(op->a), b = get(op->b);
      return {std::min(a.min, b.min), std::min(a.max, b.max)};
    }
    if (const Max* op = e.as<Max>()) {
      CB a = get(op->a), b = get(op->b);
      return {std::max(a.min, b.min), std::max(a.max, b.max)};
    }
    if (const Select* op = e.as<Select>()) return unite(get(op->true_value), get(op->false_value));
    if (const Cast* op = e.as<Cast>()) {
      if (!op->value.type().is_int_or_uint()) return type_range(t);
      return fit(t, get(op->value));
    }
    if (const Ramp* op = e.as<Ramp>()) {
      CB steps = mul(get(op->stride), {0, op->lanes - 1});
      CB b = get(op->base);
      return fit(t, {sat_add(b.min, steps.min), sat_add(b.max, steps.max)});
    }
    if (const Broadcast* op = e.as<Broadcast>()) return get(op->value);
    if (const Let* op = e.as<Let>()) {
      if (lets_.count(op->var.get())) return get(op->body);  // shadowing is not expected
      lets_.emplace(op->var.get(), Interval::single_point(op->value));
      CB r = get(op->body);
      lets_.erase(op->var.get());
      return r;
    }
    if (const Shr* op = e.as<Shr>()) {
      auto k = as_const_int(op->b);
      CB a = get(op->a);
      if (k && *k >= 0 && *k < 63 && a.min >= 0)
        return {div_end(a.min, int64_t{1} << *k, true), div_end(a.max, int64_t{1} << *k, true)};
      return type_range(t);
    }
    if (const BitAnd* op = e.as<BitAnd>()) {
      // A non-negative mask bounds the result of either sign.
      CB a = get(op->a), b = get(op->b);
      if (b.min >= 0 && b.has_max()) return {0, a.min >= 0 ? std::min(a.max, b.max) : b.max};
      if (a.min >= 0 && a.has_max()) return {0, a.max};
      return type_range(t);
    }
    if (const Call* op = e.as<Call>()) {
      if (op->is_intrinsic(intrinsic::kIfThenElse))
        return unite(get(op->args[1]), get(op->args[2]));
      if (op->is_intrinsic(intrinsic::kAbs)) {
        CB a = get(op->args[0]);
        if (a.min >= 0) return a;
        return fit(t, {0, std::max(sat_neg(a.min), a.max)});
      }
      return type_range(t);
    }
    if (e.as<EQ>() || e.as<NE>() || e.as<LT>() || e.as<LE>() || e.as<GT>() || e.as<GE>() ||
        e.as<And>() || e.as<Or>() || e.as<Not>())
      return {0, 1};
    return type_range(t);
  }

  static CB mul(CB a, CB b) {
    int64_t p[4] = {sat_mul(a.min, b.min), sat_mul(a.min, b.max), sat_mul(a.max, b.min),
                    sat_mul(a.max, b.max)};
    return {*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
  }

  CB divide(DataType t, const Expr& ea, const Expr& eb, bool floor) {
    CB a = get(ea), b = get(eb);
    if (t.is_uint()) floor = true;  // unsigned division: both are the same
    // Monotone in each argument while the divisor keeps one sign, so the
    // extremes are at the corners.
    if (b.min > 0 || b.max < 0) {
      int64_t p[4] = {div_end(a.min, b.min, floor), div_end(a.min, b.max, floor),
                      div_end(a.max, b.min, floor), div_end(a.max, b.max, floor)};
      return fit(t, {*std::min_element(p, p + 4), *std::max_element(p, p + 4)});
    }
    return type_range(t);
  }

  CB floor_mod(const Expr& ea, const Expr& eb) {
    CB a = get(ea), b = get(eb);
    if (b.min > 0) {
      if (b.min == b.max && a.has_min() && a.has_max() &&
          floordiv_i64(a.min, b.min) == floordiv_i64(a.max, b.min))
        return {floormod_i64(a.min, b.min), floormod_i64(a.max, b.min)};
      if (a.min >= 0 && a.max < b.min) return a;
      return {0, b.max == kPosInf ? kPosInf : b.max - 1};
    }
    if (b.max < 0) return {b.min == kNegInf ? kNegInf : b.min + 1, 0};
    return type_range(ea.type());
  }

  CB trunc_mod(const Expr& ea, const Expr& eb) {
    CB a = get(ea), b = get(eb);
    if (ea.type().is_uint()) return floor_mod(ea, eb);
    int64_t m = std::max(sat_neg(b.min), b.max);  // |divisor| <= m
    if (m == kPosInf || m <= 0) {
      if (a.min >= 0) return {0, a.max};
      if (a.max <= 0) return {a.min, 0};
      return type_range(ea.type());
    }
    CB r{-(m - 1), m - 1};
    if (a.min >= 0) r.min = 0, r.max = std::min(r.max, a.max);
    if (a.max <= 0) r.max = 0, r.min = std::max(r.min, a.min);
    return r;
  }

  const IntervalMap& scope_;
  IntervalMap lets_;  // variables bound by Let inside the expression
  int depth_ = 0;
};

}  // namespace

ConstBound const_bound(const Expr& e, const IntervalMap& scope) {
  return ConstBounder(scope).get(e);
}

}  // namespace anvil::arith
