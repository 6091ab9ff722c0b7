// The arithmetic simplifier: constant folding, a canonical linear form for
// integer sums (collects like terms, constants last), floordiv/floormod by
// constants, min/max and comparison simplification with known variable bounds,
// select/if folding, vector (ramp/broadcast) forms, and dead-code removal in
// statements.
//
// It never changes meaning, with one assumption made explicit: like C for
// signed integers, arithmetic in signed types of 32 bits or more (index
// arithmetic) is assumed not to overflow, which rules such as
// `x + 1 < x + 2 -> true` need. Narrower and unsigned types only get rules
// that are exact under wrap-around. Float arithmetic is never reassociated.
#pragma once

#include "anvil/ir/Bounds.h"
#include "anvil/ir/IR.h"

namespace anvil {

// `scope` gives known intervals of free variables. Loop variables bound by a
// For inside `s` are known to lie in [min, min + extent - 1], and inside
// `if (i < n)` the interval of i is narrowed accordingly. Returns `e` itself
// when nothing simplifies. Statements that do nothing come back as a no-op
// (see is_no_op).
Expr simplify(const Expr& e, const IntervalMap& scope = {});
Stmt simplify(const Stmt& s, const IntervalMap& scope = {});

// True when e (a bool) is provably true for all values in scope. A false
// result means "could not prove", not "false".
bool can_prove(const Expr& e, const IntervalMap& scope = {});

// A statement that does nothing: undefined, an empty Seq, or Evaluate of a
// constant. The simplifier returns make_no_op() (an empty Seq) for removed code.
bool is_no_op(const Stmt& s);
Stmt make_no_op();

}  // namespace anvil
