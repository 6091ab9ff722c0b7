// Operator overloads with type matching, constants and math intrinsics.
#include "anvil/ir/IROperator.h"

#include <cmath>
#include <limits>

#include "anvil/support/Error.h"

namespace anvil {

Expr make_const(DataType t, int64_t value) {
  Expr scalar = t.is_floating() ? FloatImm::make(t.element_of(), static_cast<double>(value))
                                : IntImm::make(t.element_of(), value);
  return t.is_vector() ? Broadcast::make(scalar, t.lanes()) : scalar;
}

Expr make_const(DataType t, double value) {
  Expr scalar = t.is_floating() ? FloatImm::make(t.element_of(), value)
                                : IntImm::make(t.element_of(), static_cast<int64_t>(value));
  return t.is_vector() ? Broadcast::make(scalar, t.lanes()) : scalar;
}

Expr make_zero(DataType t) { return make_const(t, int64_t{0}); }
Expr make_one(DataType t) { return make_const(t, int64_t{1}); }
Expr const_true(int lanes) { return make_const(DataType::Bool(lanes), int64_t{1}); }
Expr const_false(int lanes) { return make_const(DataType::Bool(lanes), int64_t{0}); }

std::optional<int64_t> as_const_int(const Expr& e) {
  if (!e.defined()) return std::nullopt;
  if (const IntImm* imm = e.as<IntImm>()) return imm->value;
  if (const Broadcast* b = e.as<Broadcast>()) return as_const_int(b->value);
  return std::nullopt;
}

std::optional<double> as_const_float(const Expr& e) {
  if (!e.defined()) return std::nullopt;
  if (const FloatImm* imm = e.as<FloatImm>()) return imm->value;
  if (const Broadcast* b = e.as<Broadcast>()) return as_const_float(b->value);
  return std::nullopt;
}

bool is_const_int(const Expr& e, int64_t value) {
  auto v = as_const_int(e);
  return v && *v == value;
}
bool is_zero(const Expr& e) {
  if (auto f = as_const_float(e)) return *f == 0.0;
  return is_const_int(e, 0);
}
bool is_one(const Expr& e) {
  if (auto f = as_const_float(e)) return *f == 1.0;
  return is_const_int(e, 1);
}
bool is_const(const Expr& e) { return as_const_int(e) || as_const_float(e); }

namespace {

bool is_scalar_const(const Expr& e) { return e.as<IntImm>() || e.as<FloatImm>(); }

// A constant converted to type t, keeping its value.
Expr retype_const(const Expr& c, DataType t) {
  if (const IntImm* i = c.as<IntImm>()) {
    if (t.is_floating()) return make_const(t, static_cast<double>(i->value));
    return make_const(t, i->value);
  }
  const FloatImm* f = c.as<FloatImm>();
  if (t.is_floating()) return make_const(t, f->value);
  ANVIL_USER_CHECK(std::floor(f->value) == f->value,
                   "the float constant " << f->value << " cannot be used as a "
                                         << t.to_string() << " without losing its value");
  return make_const(t, static_cast<int64_t>(f->value));
}

}  // namespace

void match_types(Expr& a, Expr& b, const char* op_name) {
  ANVIL_USER_CHECK(a.defined() && b.defined(), "operator " << op_name << " on an undefined value");
  if (a.type() == b.type()) return;
  DataType ta = a.type(), tb = b.type();
  // A scalar constant adopts the other operand's element type.
  if (is_scalar_const(a) && !is_scalar_const(b)) {
    a = retype_const(a, tb.element_of());
  } else if (is_scalar_const(b) && !is_scalar_const(a)) {
    b = retype_const(b, ta.element_of());
  } else if (is_scalar_const(a) && is_scalar_const(b)) {
    // Two literals of different types: widen to the float or wider one.
    DataType t = ta.is_floating() ? ta : (tb.is_floating() ? tb : (ta.bits() >= tb.bits() ? ta : tb));
    a = retype_const(a, t);
    b = retype_const(b, t);
  }
  ta = a.type();
  tb = b.type();
  if (ta.element_of() == tb.element_of()) {
    if (ta.is_scalar() && tb.is_vector()) a = Broadcast::make(a, tb.lanes());
    if (tb.is_scalar() && ta.is_vector()) b = Broadcast::make(b, ta.lanes());
  }
  ANVIL_USER_CHECK(a.type() == b.type(), "operator " << op_name << " on mismatched types "
                                                     << a.type().to_string() << " and "
                                                     << b.type().to_string()
                                                     << "; insert a cast");
}

namespace {

template <typename Node>
Expr binary(Expr a, Expr b, const char* name) {
  match_types(a, b, name);
  return Node::make(std::move(a), std::move(b));
}

void require_int(const Expr& a, const char* name) {
  ANVIL_USER_CHECK(a.type().is_int_or_uint(),
                   "operator " << name << " needs integers, got " << a.type().to_string());
}

void require_bool(const Expr& a, const char* name) {
  ANVIL_USER_CHECK(a.type().is_bool(),
                   "operator " << name << " needs booleans, got " << a.type().to_string());
}

Expr float_call(const char* name, Expr a) {
  ANVIL_USER_CHECK(a.type().is_floating(),
                   name << "() needs a floating-point argument, got " << a.type().to_string());
  DataType t = a.type();  // before the move: argument evaluation order is unspecified
  return Call::make(t, name, {std::move(a)});
}

}  // namespace

Expr operator+(Expr a, Expr b) { return binary<Add>(std::move(a), std::move(b), "+"); }
Expr operator-(Expr a, Expr b) { return binary<Sub>(std::move(a), std::move(b), "-"); }
Expr operator-(Expr a) {
  if (const IntImm* i = a.as<IntImm>()) return make_const(a.type(), -i->value);
  if (const FloatImm* f = a.as<FloatImm>()) return make_const(a.type(), -f->value);
  return Sub::make(make_zero(a.type()), a);
}
Expr operator*(Expr a, Expr b) { return binary<Mul>(std::move(a), std::move(b), "*"); }
Expr operator/(Expr a, Expr b) {
  match_types(a, b, "/");
  if (a.type().is_floating()) return Div::make(a, b);
  return FloorDiv::make(a, b);
}
Expr operator%(Expr a, Expr b) {
  match_types(a, b, "%");
  if (a.type().is_floating()) return Mod::make(a, b);
  return FloorMod::make(a, b);
}
Expr operator==(Expr a, Expr b) { return binary<EQ>(std::move(a), std::move(b), "=="); }
Expr operator!=(Expr a, Expr b) { return binary<NE>(std::move(a), std::move(b), "!="); }
Expr operator<(Expr a, Expr b) { return binary<LT>(std::move(a), std::move(b), "<"); }
Expr operator<=(Expr a, Expr b) { return binary<LE>(std::move(a), std::move(b), "<="); }
Expr operator>(Expr a, Expr b) { return binary<GT>(std::move(a), std::move(b), ">"); }
Expr operator>=(Expr a, Expr b) { return binary<GE>(std::move(a), std::move(b), ">="); }
Expr operator&&(Expr a, Expr b) {
  require_bool(a, "&&");
  require_bool(b, "&&");
  return binary<And>(std::move(a), std::move(b), "&&");
}
Expr operator||(Expr a, Expr b) {
  require_bool(a, "||");
  require_bool(b, "||");
  return binary<Or>(std::move(a), std::move(b), "||");
}
Expr operator!(Expr a) {
  require_bool(a, "!");
  return Not::make(std::move(a));
}
Expr operator&(Expr a, Expr b) {
  require_int(a, "&");
  return binary<BitAnd>(std::move(a), std::move(b), "&");
}
Expr operator|(Expr a, Expr b) {
  require_int(a, "|");
  return binary<BitOr>(std::move(a), std::move(b), "|");
}
Expr operator^(Expr a, Expr b) {
  require_int(a, "^");
  return binary<BitXor>(std::move(a), std::move(b), "^");
}
Expr operator~(Expr a) {
  require_int(a, "~");
  return BitNot::make(std::move(a));
}
Expr operator<<(Expr a, Expr b) {
  require_int(a, "<<");
  return binary<Shl>(std::move(a), std::move(b), "<<");
}
Expr operator>>(Expr a, Expr b) {
  require_int(a, ">>");
  return binary<Shr>(std::move(a), std::move(b), ">>");
}

Expr floordiv(Expr a, Expr b) {
  require_int(a, "floordiv");
  return binary<FloorDiv>(std::move(a), std::move(b), "floordiv");
}
Expr floormod(Expr a, Expr b) {
  require_int(a, "floormod");
  return binary<FloorMod>(std::move(a), std::move(b), "floormod");
}
Expr truncdiv(Expr a, Expr b) { return binary<Div>(std::move(a), std::move(b), "truncdiv"); }
Expr truncmod(Expr a, Expr b) { return binary<Mod>(std::move(a), std::move(b), "truncmod"); }
Expr min(Expr a, Expr b) { return binary<Min>(std::move(a), std::move(b), "min"); }
Expr max(Expr a, Expr b) { return binary<Max>(std::move(a), std::move(b), "max"); }

Expr select(Expr condition, Expr true_value, Expr false_value) {
  require_bool(condition, "select");
  match_types(true_value, false_value, "select");
  if (condition.type().is_scalar() && true_value.type().is_vector())
    condition = Broadcast::make(condition, true_value.type().lanes());
  return Select::make(std::move(condition), std::move(true_value), std::move(false_value));
}

Expr if_then_else(Expr condition, Expr true_value, Expr false_value) {
  require_bool(condition, "if_then_else");
  match_types(true_value, false_value, "if_then_else");
  DataType t = true_value.type();
  return Call::make(t, intrinsic::kIfThenElse,
                    {std::move(condition), std::move(true_value), std::move(false_value)});
}

Expr likely(Expr condition) {
  require_bool(condition, "likely");
  DataType t = condition.type();
  return Call::make(t, intrinsic::kLikely, {std::move(condition)});
}

Expr cast(DataType t, Expr value) {
  ANVIL_USER_CHECK(value.defined(), "cast of an undefined value");
  if (value.type().is_vector() && t.is_scalar()) t = t.with_lanes(value.type().lanes());
  if (value.type() == t) return value;
  if (value.as<IntImm>() || value.as<FloatImm>()) {
    if (t.is_scalar() && !t.is_bfloat()) {
      if (const IntImm* i = value.as<IntImm>()) {
        if (t.is_floating()) return make_const(t, static_cast<double>(i->value));
        return make_const(t, i->value);
      }
      if (t.is_floating()) return make_const(t, value.as<FloatImm>()->value);
    }
  }
  ANVIL_USER_CHECK(t.lanes() == value.type().lanes() || value.type().is_scalar(),
                   "cast from " << value.type().to_string() << " to " << t.to_string()
                                << " changes the number of lanes");
  if (value.type().is_scalar() && t.is_vector())
    return Broadcast::make(cast(t.element_of(), std::move(value)), t.lanes());
  return Cast::make(t, std::move(value));
}

Expr saturating_cast(DataType t, Expr value) {
  ANVIL_USER_CHECK(value.defined(), "saturating_cast of an undefined value");
  DataType from = value.type();
  if (value.type().is_vector() && t.is_scalar()) t = t.with_lanes(from.lanes());
  if (!t.is_int_or_uint()) return cast(t, std::move(value));  // to float: nothing to clamp
  if (from.is_int_or_uint()) {
    // Clamp in the source type where t's bounds are representable there.
    bool lo_fits = from.is_int() ? t.min_int() >= from.min_int() : t.min_int() >= 0;
    bool hi_fits = from.is_uint() ? static_cast<uint64_t>(t.max_int()) <= from.max_uint()
                                  : t.max_int() <= from.max_int();
    bool clamp_lo = from.is_int() && (t.is_uint() || t.bits() < from.bits());
    bool clamp_hi = t.bits() < from.bits() || (t.bits() == from.bits() && from.is_uint() && t.is_int());
    if (clamp_hi && hi_fits) value = min(value, make_const(from, t.max_int()));
    if (clamp_lo && lo_fits) value = max(value, make_const(from, t.min_int()));
    return cast(t, std::move(value));
  }
  // Float to int: clamp to the largest floats inside t's range (the integer
  // bounds themselves may round up past it), and send NaN to 0.
  double hi = static_cast<double>(t.max_int()), lo = static_cast<double>(t.min_int());
  if (from.bits() == 32) {
    float f = static_cast<float>(hi);
    while (static_cast<double>(f) > hi) f = std::nextafter(f, 0.0f);
    hi = f;
  } else {
    while (hi > static_cast<double>(t.max_int()) || static_cast<double>(static_cast<int64_t>(hi)) != hi)
      hi = std::nextafter(hi, 0.0);
  }
  Expr clamped = max(min(value, make_const(from, hi)), make_const(from, lo));
  Expr is_nan = value != value;
  return select(is_nan, make_zero(t), cast(t, clamped));
}

Expr reinterpret(DataType t, Expr value) {
  ANVIL_USER_CHECK(t.bits() * t.lanes() == value.type().bits() * value.type().lanes(),
                   "reinterpret from " << value.type().to_string() << " to " << t.to_string()
                                       << " changes the width in bits");
  if (value.type() == t) return value;
  return Reinterpret::make(t, std::move(value));
}

Expr abs(Expr a) {
  if (a.type().is_uint()) return a;
  DataType t = a.type();
  return Call::make(t, intrinsic::kAbs, {std::move(a)});
}
Expr popcount(Expr a) {
  require_int(a, "popcount");
  DataType t = a.type();
  return Call::make(t, intrinsic::kPopcount, {std::move(a)});
}
Expr fma(Expr a, Expr b, Expr c) {
  match_types(a, b, "fma");
  match_types(a, c, "fma");
  match_types(b, c, "fma");
  DataType t = a.type();
  return Call::make(t, intrinsic::kFma, {std::move(a), std::move(b), std::move(c)});
}
Expr exp(Expr a) { return float_call(intrinsic::kExp, std::move(a)); }
Expr log(Expr a) { return float_call(intrinsic::kLog, std::move(a)); }
Expr sqrt(Expr a) { return float_call(intrinsic::kSqrt, std::move(a)); }
Expr tanh(Expr a) { return float_call(intrinsic::kTanh, std::move(a)); }
Expr erf(Expr a) { return float_call(intrinsic::kErf, std::move(a)); }
Expr floor(Expr a) { return float_call(intrinsic::kFloor, std::move(a)); }
Expr ceil(Expr a) { return float_call(intrinsic::kCeil, std::move(a)); }
Expr pow(Expr a, Expr b) {
  match_types(a, b, "pow");
  ANVIL_USER_CHECK(a.type().is_floating(), "pow() needs floating-point arguments");
  DataType t = a.type();
  return Call::make(t, intrinsic::kPow, {std::move(a), std::move(b)});
}

Expr min_value(DataType t) {
  if (t.is_floating()) return make_const(t, -std::numeric_limits<double>::infinity());
  return make_const(t, t.min_int());
}

Expr max_value(DataType t) {
  if (t.is_floating()) return make_const(t, std::numeric_limits<double>::infinity());
  if (t.is_uint() && t.bits() == 64) return make_const(t, int64_t{-1});
  return make_const(t, t.max_int());
}

}  // namespace anvil
