// The simplifier's statement rules (loop ranges into scope, dead loops and
// branches, lets, asserts) and the public simplify/can_prove entry points.
#include "SimplifyInternal.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/Simplify.h"
#include "anvil/ir/Substitute.h"

namespace anvil {

bool is_no_op(const Stmt& s) {
  if (!s.defined()) return true;
  if (const Seq* seq = s.as<Seq>()) return seq->stmts.empty();
  if (const Evaluate* ev = s.as<Evaluate>()) return is_const(ev->value);
  return false;
}

Stmt make_no_op() { return Seq::make({}); }

namespace arith {

namespace {

bool is_free_value(const Expr& v) { return is_const(v) || v.as<Variable>(); }

}  // namespace

// Narrows the intervals of variables that `cond` (when it has truth value
// `truth`) compares against expressions, e.g. inside `if (i < n)` the
// interval of i ends at n - 1. Appends what it rebinds to `saved`.
static void refine(Simplifier& s, const Expr& cond, bool truth,
                   std::vector<Simplifier::SavedBinding>& saved) {
  if (const Not* n = cond.as<Not>()) return refine(s, n->a, !truth, saved);
  if (const And* a = cond.as<And>(); a && truth) {
    refine(s, a->a, true, saved);
    refine(s, a->b, true, saved);
    return;
  }
  if (const Or* o = cond.as<Or>(); o && !truth) {
    refine(s, o->a, false, saved);
    refine(s, o->b, false, saved);
    return;
  }
  // Normalised to `var kind other` with kind one of < <= > >= ==.
  IRNodeKind kind;
  Expr a, b;
  auto take = [&](const auto* op) {
    if (op) a = op->a, b = op->b;
    return op != nullptr;
  };
  if (take(cond.as<LT>())) kind = truth ? IRNodeKind::LT : IRNodeKind::GE;
  else if (take(cond.as<LE>())) kind = truth ? IRNodeKind::LE : IRNodeKind::GT;
  else if (take(cond.as<GT>())) kind = truth ? IRNodeKind::GT : IRNodeKind::LE;
  else if (take(cond.as<GE>())) kind = truth ? IRNodeKind::GE : IRNodeKind::LT;
  else if (take(cond.as<EQ>()) && truth) kind = IRNodeKind::EQ;
  else if (take(cond.as<NE>()) && !truth) kind = IRNodeKind::EQ;
  else return;
  if (!a.type().is_int() || !a.type().is_scalar()) return;
  if (!a.as<Variable>()) {
    if (!b.as<Variable>()) return;
    std::swap(a, b);
    if (kind == IRNodeKind::LT) kind = IRNodeKind::GT;
    else if (kind == IRNodeKind::LE) kind = IRNodeKind::GE;
    else if (kind == IRNodeKind::GT) kind = IRNodeKind::LT;
    else if (kind == IRNodeKind::GE) kind = IRNodeKind::LE;
  }
  Var v(a.as<Variable>());
  if (uses_var(b, v)) return;
  Interval old;
  if (auto it = s.scope().find(v.get()); it != s.scope().end()) old = it->second;
  Expr one = make_one(b.type());
  Expr lo = old.min, hi = old.max;
  auto tighten_lo = [&](const Expr& e) { lo = lo.defined() ? s.min_max(false, lo, e) : e; };
  auto tighten_hi = [&](const Expr& e) { hi = hi.defined() ? s.min_max(true, hi, e) : e; };
  switch (kind) {
    case IRNodeKind::LT: tighten_hi(s.sub(b, one)); break;
    case IRNodeKind::LE: tighten_hi(b); break;
    case IRNodeKind::GT: tighten_lo(s.add(b, one)); break;
    case IRNodeKind::GE: tighten_lo(b); break;
    default:
      tighten_lo(b);
      tighten_hi(b);
      break;
  }
  saved.push_back(s.bind(v, Interval(lo, hi)));
}

Stmt Simplifier::mutate_node(const LetStmt* op, const Stmt& self) {
  Expr value = mutate(op->value);
  if (is_free_value(value)) return mutate(substitute(op->body, op->var, value));
  SavedBinding saved = bind(op->var, Interval::single_point(value));
  Stmt body = mutate(op->body);
  restore(saved);
  if (is_no_op(body)) return make_no_op();
  if (!uses_var(body, op->var)) return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return LetStmt::make(op->var, value, body);
}

Stmt Simplifier::mutate_node(const AssertStmt* op, const Stmt& self) {
  Expr c = mutate(op->condition);
  if (auto v = as_const_int(c); v && *v != 0) return make_no_op();
  return c.same_as(op->condition) ? self : AssertStmt::make(c, op->message);
}

Stmt Simplifier::mutate_node(const For* op, const Stmt& self) {
  Expr min = mutate(op->min), extent = mutate(op->extent);
  ConstBound be = bound(extent);
  if (be.has_max() && be.max <= 0) return make_no_op();
  bool gpu = op->for_kind == ForKind::GPUBlock || op->for_kind == ForKind::GPUThread;
  // A GPU loop of one iteration still binds a thread index: keep it.
  if (is_const_int(extent, 1) && !gpu) return mutate(LetStmt::make(op->var, min, op->body));
  std::vector<std::pair<std::string, Expr>> pragmas;
  bool same = min.same_as(op->min) && extent.same_as(op->extent);
  for (const auto& p : op->pragmas) {
    pragmas.emplace_back(p.first, mutate(p.second));
    same = same && pragmas.back().second.same_as(p.second);
  }
  Expr last = sub(add(min, extent), make_one(min.type()));
  SavedBinding saved = bind(op->var, Interval(min, last));
  Stmt body = mutate(op->body);
  restore(saved);
  if (is_no_op(body)) return make_no_op();
  if (same && body.same_as(op->body)) return self;
  return For::make(op->var, min, extent, op->for_kind, body, op->thread_tag, std::move(pragmas));
}

Stmt Simplifier::mutate_node(const Allocate* op, const Stmt& self) {
  Stmt s = IRMutator::mutate_node(op, self);
  const Allocate* a = s.as<Allocate>();
  return a && is_no_op(a->body) ? make_no_op() : s;
}

Stmt Simplifier::mutate_node(const Seq* op, const Stmt& self) {
  std::vector<Stmt> stmts;
  bool same = true;
  for (const Stmt& s : op->stmts) {
    Stmt r = mutate(s);
    same = same && r.same_as(s);
    if (!is_no_op(r)) stmts.push_back(std::move(r));
  }
  if (same) return self;
  if (stmts.empty()) return make_no_op();
  return Seq::make(std::move(stmts));
}

Stmt Simplifier::mutate_node(const IfThenElse* op, const Stmt& self) {
  Expr c = mutate(op->condition);
  if (auto v = as_const_int(c)) {
    if (*v) return mutate(op->then_case);
    return op->else_case.defined() ? mutate(op->else_case) : make_no_op();
  }
  std::vector<SavedBinding> saved;
  refine(*this, c, true, saved);
  Stmt t = mutate(op->then_case);
  for (auto it = saved.rbegin(); it != saved.rend(); ++it) restore(*it);
  saved.clear();
  Stmt e;
  if (op->else_case.defined()) {
    refine(*this, c, false, saved);
    e = mutate(op->else_case);
    for (auto it = saved.rbegin(); it != saved.rend(); ++it) restore(*it);
  }
  bool t_empty = is_no_op(t), e_empty = is_no_op(e);
  if (t_empty && e_empty) return make_no_op();
  if (e_empty) e = Stmt();
  if (t_empty) return IfThenElse::make(logical_not(c), e);
  if (c.same_as(op->condition) && t.same_as(op->then_case) && e.same_as(op->else_case))
    return self;
  return IfThenElse::make(c, t, e);
}

Stmt Simplifier::mutate_node(const Evaluate* op, const Stmt& self) {
  Expr v = mutate(op->value);
  if (is_const(v)) return make_no_op();
  return v.same_as(op->value) ? self : Evaluate::make(v);
}

}  // namespace arith

Expr simplify(const Expr& e, const IntervalMap& scope) {
  if (!e.defined()) return e;
  Expr r = arith::Simplifier(scope).mutate(e);
  // One bottom-up pass is normally a fixed point; a few more catch rewrites
  // that expose new opportunities to their parents.
  for (int i = 0; i < 3; i++) {
    Expr next = arith::Simplifier(scope).mutate(r);
    if (arith::expr_equal(next, r)) break;
    r = next;
  }
  return arith::expr_equal(r, e) ? e : r;
}

Stmt simplify(const Stmt& s, const IntervalMap& scope) {
  if (!s.defined()) return s;
  return arith::Simplifier(scope).mutate(s);
}

bool can_prove(const Expr& e, const IntervalMap& scope) {
  auto v = as_const_int(simplify(e, scope));
  return v && *v != 0;
}

}  // namespace anvil
