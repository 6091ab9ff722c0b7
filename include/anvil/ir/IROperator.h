// Operators and helper constructors for building IR by hand and in compute
// bodies. They match operand types the way a user expects: a constant takes the
// type of the other operand, a scalar is broadcast to a vector; any other
// mismatch is a UserError naming both types.
//
// Integer `/` and `%` are floor division and floor modulo (as in Halide): index
// arithmetic stays simple to reason about. truncdiv/truncmod give C semantics.
#pragma once

#include <optional>

#include "anvil/ir/IR.h"

namespace anvil {

Expr make_const(DataType t, int64_t value);  // broadcast when t is a vector
Expr make_const(DataType t, double value);
Expr make_zero(DataType t);
Expr make_one(DataType t);
Expr const_true(int lanes = 1);
Expr const_false(int lanes = 1);

// The value of an integer constant (or broadcast of one), if e is one.
std::optional<int64_t> as_const_int(const Expr& e);
std::optional<double> as_const_float(const Expr& e);
bool is_const_int(const Expr& e, int64_t value);
bool is_zero(const Expr& e);
bool is_one(const Expr& e);
bool is_const(const Expr& e);

Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator-(Expr a);
Expr operator*(Expr a, Expr b);
Expr operator/(Expr a, Expr b);
Expr operator%(Expr a, Expr b);
Expr operator==(Expr a, Expr b);
Expr operator!=(Expr a, Expr b);
Expr operator<(Expr a, Expr b);
Expr operator<=(Expr a, Expr b);
Expr operator>(Expr a, Expr b);
Expr operator>=(Expr a, Expr b);
Expr operator&&(Expr a, Expr b);
Expr operator||(Expr a, Expr b);
Expr operator!(Expr a);
Expr operator&(Expr a, Expr b);
Expr operator|(Expr a, Expr b);
Expr operator^(Expr a, Expr b);
Expr operator~(Expr a);
Expr operator<<(Expr a, Expr b);
Expr operator>>(Expr a, Expr b);

Expr floordiv(Expr a, Expr b);
Expr floormod(Expr a, Expr b);
Expr truncdiv(Expr a, Expr b);
Expr truncmod(Expr a, Expr b);
Expr min(Expr a, Expr b);
Expr max(Expr a, Expr b);
Expr select(Expr condition, Expr true_value, Expr false_value);
// Evaluates only the taken branch: safe around out-of-bounds reads (padding).
Expr if_then_else(Expr condition, Expr true_value, Expr false_value);
Expr likely(Expr condition);
Expr cast(DataType t, Expr value);  // no-op when already of type t
// A cast that clamps to t's range instead of wrapping (int8 quantization,
// float to int): values above or below the range become t's max or min, NaN
// becomes 0. Built from min/max/select, so every backend supports it and LLVM
// matches its saturating instructions.
Expr saturating_cast(DataType t, Expr value);
Expr reinterpret(DataType t, Expr value);
Expr abs(Expr a);
Expr popcount(Expr a);
Expr fma(Expr a, Expr b, Expr c);
Expr exp(Expr a);
Expr log(Expr a);
Expr sqrt(Expr a);
Expr tanh(Expr a);
Expr erf(Expr a);
Expr floor(Expr a);
Expr ceil(Expr a);
Expr pow(Expr a, Expr b);

// The smallest and largest values of a type (-inf/+inf for floats).
Expr min_value(DataType t);
Expr max_value(DataType t);

// Brings a and b to one type by the rules above; throws UserError otherwise.
void match_types(Expr& a, Expr& b, const char* op_name);

}  // namespace anvil
