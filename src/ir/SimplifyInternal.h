// Internals shared by the simplifier's files (Simplify.cpp, SimplifyStmt.cpp,
// ConstBound.cpp, Bounds.cpp); not part of the public API.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "anvil/ir/Bounds.h"
#include "anvil/ir/IRVisitor.h"

namespace anvil::arith {

// Constant integer bounds of an expression; kNegInf/kPosInf stand for an
// unbounded end. Every bound is wrap-safe: when an operation could leave its
// type's range (and so wrap on the hardware) the result is the type's range.
struct ConstBound {
  static constexpr int64_t kNegInf = INT64_MIN;
  static constexpr int64_t kPosInf = INT64_MAX;
  int64_t min = kNegInf;
  int64_t max = kPosInf;
  bool has_min() const { return min != kNegInf; }
  bool has_max() const { return max != kPosInf; }
};

ConstBound const_bound(const Expr& e, const IntervalMap& scope);

// Deep structural equality: same node kinds, types and constants; variables by
// identity. A private helper so the simplifier does not depend on the
// (bound-variable aware) StructuralEqual.
bool expr_equal(const Expr& a, const Expr& b);

// v sign-extended from the width of integer type t (the two's complement value
// the hardware would hold in a t.bits()-bit register).
int64_t wrap_signed(DataType t, int64_t v);

// Integer types on which the simplifier assumes, like C for signed integers,
// that index arithmetic does not overflow (needed for e.g. x + 1 < x + 2 and
// floordiv(x*8 + y, 8) -> x + floordiv(y, 8)). Narrower types only get rules
// that are exact under wrap-around.
inline bool is_index_type(DataType t) { return t.is_int() && t.bits() >= 32; }

// Floor division and modulo on int64 (the divisor is non-zero).
int64_t floordiv_i64(int64_t a, int64_t b);
int64_t floormod_i64(int64_t a, int64_t b);

inline bool is_linear_type(DataType t) {
  return t.is_int_or_uint() && !t.is_bool() && t.is_scalar();
}

// Wrapping arithmetic on int64 carriers (wrap_signed narrows afterwards).
inline int64_t wadd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t wmul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// c0 + sum(coeff_i * atom_i) in a scalar integer type, modulo 2^bits (which
// makes collecting terms exact under wrap-around). Atoms keep the order in
// which they first appear, so output never depends on pointer values.
struct LinearSum {
  DataType type;
  std::vector<std::pair<Expr, int64_t>> terms;
  int64_t constant = 0;

  explicit LinearSum(DataType t) : type(t) {}

  void add_term(const Expr& atom, int64_t coeff) {
    for (auto& [a, c] : terms) {
      if (expr_equal(a, atom)) {
        c = wrap_signed(type, wadd(c, coeff));
        return;
      }
    }
    terms.emplace_back(atom, wrap_signed(type, coeff));
  }
  void add_const(int64_t v) { constant = wrap_signed(type, wadd(constant, v)); }
  void add(const LinearSum& o, int64_t scale) {
    for (const auto& [a, c] : o.terms) add_term(a, wmul(c, scale));
    add_const(wmul(o.constant, scale));
  }
  bool is_const() const { return terms.empty(); }
};

// The linear form of a (simplified) scalar integer expression: sums,
// differences and products by constants are expanded, anything else is an atom.
LinearSum to_linear(const Expr& e);
// Back to an expression: positive terms first (in order of appearance), then
// subtracted ones, then the constant ("y - x + 3"). Folds c*div(x, c) + mod(x, c)
// into x.
Expr from_linear(LinearSum s);

// The rewriter. Each rule function takes already simplified operands and
// returns a simplified result, so results compose without another pass.
class Simplifier : public IRMutator {
 public:
  explicit Simplifier(const IntervalMap& scope) : scope_(scope) {}
  using IRMutator::mutate;

  Expr add(const Expr& a, const Expr& b);
  Expr sub(const Expr& a, const Expr& b);
  Expr mul(const Expr& a, const Expr& b);
  Expr div_mod(IRNodeKind kind, const Expr& a, const Expr& b);
  Expr min_max(bool is_min, const Expr& a, const Expr& b);
  Expr compare(IRNodeKind kind, const Expr& a, const Expr& b);
  Expr logic(bool is_and, const Expr& a, const Expr& b);
  Expr logical_not(const Expr& a);
  Expr bitwise(IRNodeKind kind, const Expr& a, const Expr& b);
  Expr select(const Expr& c, const Expr& t, const Expr& f);
  Expr cast(DataType t, const Expr& v);
  Expr ramp(const Expr& base, const Expr& stride, int lanes);
  Expr broadcast(const Expr& v, int lanes);

  ConstBound bound(const Expr& e) { return const_bound(e, scope_); }
  // bound() refined through the symbolic interval ends of scoped variables in
  // a linear index expression: i - n with i in [0, n - 1] is at most -1.
  ConstBound linear_bound(const Expr& e);
  const IntervalMap& scope() const { return scope_; }

  // Binds var to an interval in scope until restore() puts back the old one.
  struct SavedBinding {
    const Variable* var;
    bool had;
    Interval old;
  };
  SavedBinding bind(const Var& var, Interval interval);
  void restore(const SavedBinding& saved);

 protected:
#define ANVIL_EXPR_NODE(Name) Expr mutate_node(const Name* op, const Expr& self) override;
#include "anvil/ir/NodeKinds.def"
  Stmt mutate_node(const LetStmt* op, const Stmt& self) override;
  Stmt mutate_node(const AssertStmt* op, const Stmt& self) override;
  Stmt mutate_node(const For* op, const Stmt& self) override;
  Stmt mutate_node(const Allocate* op, const Stmt& self) override;
  Stmt mutate_node(const Seq* op, const Stmt& self) override;
  Stmt mutate_node(const IfThenElse* op, const Stmt& self) override;
  Stmt mutate_node(const Evaluate* op, const Stmt& self) override;

  IntervalMap scope_;
};

}  // namespace anvil::arith
