// Interval bound analysis: the range of values an integer expression can take
// given ranges of its variables. Lowering uses it for bound inference (the
// region of a producer a consumer reads) and the simplifier for comparisons.
#pragma once

#include <unordered_map>

#include "anvil/ir/IR.h"

namespace anvil {

// A closed interval [min, max]; an undefined end is unbounded. Also the form
// of the simplifier's scope: a variable known to lie in [min, max].
struct Interval {
  Expr min, max;
  Interval() = default;
  Interval(Expr lo, Expr hi) : min(std::move(lo)), max(std::move(hi)) {}
  static Interval single_point(const Expr& e) { return {e, e}; }
  static Interval everything() { return {}; }
  bool is_bounded() const { return min.defined() && max.defined(); }
  // Both ends defined and structurally the same expression.
  bool is_single_point() const;
};

using IntervalMap = std::unordered_map<const Variable*, Interval>;

// Bounds of e when each variable in `scope` ranges over its interval (others
// are treated as opaque symbols, i.e. a single point). The ends are simplified
// expressions, constant where possible, over the variables outside the scope:
// i*8 + j with i in [0, n - 1], j in [0, 7] gives [0, n*8 - 1].
//
// Works on integer and float expressions. For a vector expression (ramp,
// broadcast, ...) the ends are scalars bounding every lane. Loads and other
// opaque integer values get their type's range, opaque floats are unbounded;
// comparisons lie in [false, true] unless the simplifier decides them. Like
// the simplifier, index arithmetic (signed, 32 bits or more) is assumed not to
// overflow; a narrowing cast that may wrap gives the target type's range.
// Throws UserError when e is undefined.
Interval bounds_of(const Expr& e, const IntervalMap& scope);

// The interval hull of two intervals (an unbounded end stays unbounded).
Interval interval_union(const Interval& a, const Interval& b);

}  // namespace anvil
