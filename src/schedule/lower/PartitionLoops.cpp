// Lowering pass: loop partitioning. The guards that tiling and compute_at add
// (`if (likely(i.o * 6 + 3 < 128))`) hold for all but the last iterations of
// the loop they depend on. For such a loop, this pass finds the range of its
// variable where every such guard holds and splits the loop into a prologue,
// a steady state in which the guards are gone, and an epilogue that keeps them
// (as Halide's PartitionLoops does for `likely`).
#include <optional>
#include <unordered_set>

#include "LoopPasses.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Simplify.h"
#include "anvil/ir/Substitute.h"

namespace anvil {

namespace {

// Variables bound inside a statement (loops, lets, buffers).
std::unordered_set<const Variable*> bound_inside(const Stmt& s) {
  std::unordered_set<const Variable*> vars;
  post_order_visit(s, [&](const IRNode* n) {
    if (n->kind == IRNodeKind::For) vars.insert(static_cast<const For*>(n)->var.get());
    if (n->kind == IRNodeKind::LetStmt) vars.insert(static_cast<const LetStmt*>(n)->var.get());
    if (n->kind == IRNodeKind::Let) vars.insert(static_cast<const Let*>(n)->var.get());
    if (n->kind == IRNodeKind::Allocate) vars.insert(static_cast<const Allocate*>(n)->buffer.get());
  });
  return vars;
}

// Whether e uses v only through + - and × by constants (so it is linear in v).
bool linear_in(const Expr& e, const Var& v) {
  bool ok = true;
  post_order_visit(e, [&](const IRNode* n) {
    switch (n->kind) {
      case IRNodeKind::Add:
      case IRNodeKind::Sub:
      case IRNodeKind::Variable:
      case IRNodeKind::IntImm:
        break;
      case IRNodeKind::Mul: {
        auto* m = static_cast<const Mul*>(n);
        bool a = uses_var(m->a, v), b = uses_var(m->b, v);
        if ((a && !as_const_int(m->b)) || (b && !as_const_int(m->a))) ok = false;
        break;
      }
      default:
        if (uses_var(Expr(static_cast<const ExprNode*>(n)), v)) ok = false;
    }
  });
  return ok;
}

// The conjuncts of c (a && b && ...).
void conjuncts(const Expr& c, std::vector<Expr>& out) {
  if (const And* a = c.as<And>()) {
    conjuncts(a->a, out);
    conjuncts(a->b, out);
  } else {
    out.push_back(c);
  }
}

// For a guard `d < 0` or `d <= 0` with d linear in v, the bound it puts on v.
struct VarBound {
  Expr lower;  // v >= lower
  Expr upper;  // v <= upper
};

std::optional<VarBound> bound_from(const Expr& cond, const Var& v) {
  Expr d;
  bool strict;
  if (const LT* op = cond.as<LT>()) d = op->a - op->b, strict = true;
  else if (const LE* op = cond.as<LE>()) d = op->a - op->b, strict = false;
  else if (const GT* op = cond.as<GT>()) d = op->b - op->a, strict = true;
  else if (const GE* op = cond.as<GE>()) d = op->b - op->a, strict = false;
  else return std::nullopt;
  if (!d.type().is_int() || !d.type().is_scalar() || !uses_var(d, v) || !linear_in(d, v)) return std::nullopt;
  Expr zero = make_zero(d.type()), one = make_one(d.type());
  Expr rest = simplify(substitute(d, v, zero));
  auto coef = as_const_int(simplify(substitute(d, v, one) - rest));
  if (!coef || *coef == 0) return std::nullopt;
  // coef * v + rest < 0 (or <= 0).
  Expr c = make_const(d.type(), *coef > 0 ? *coef : -*coef);
  Expr limit = strict ? -rest - one : -rest;  // coef * v <= limit
  VarBound b;
  if (*coef > 0) {
    b.upper = simplify(floordiv(limit, c));
  } else {
    // -|coef| * v <= limit  ⇔  v >= ceil(-limit / |coef|)
    b.lower = simplify(floordiv(-limit + c - one, c));
  }
  return b;
}

class PartitionLoops : public IRMutator {
 public:
  using IRMutator::mutate;

 protected:
  Stmt mutate_node(const For* op, const Stmt& self) override {
    if (op->for_kind != ForKind::Serial && op->for_kind != ForKind::Parallel) {
      return IRMutator::mutate_node(op, self);
    }
    // The guards whose every conjunct bounds this loop's variable and uses
    // nothing bound inside the loop.
    std::unordered_set<const Variable*> inner = bound_inside(op->body);
    Expr lower, upper;
    std::vector<Expr> removable;
    post_order_visit(op->body, [&](const IRNode* n) {
      if (n->kind != IRNodeKind::IfThenElse) return;
      const Call* hint = static_cast<const IfThenElse*>(n)->condition.as<Call>();
      if (!hint || !hint->is_intrinsic(intrinsic::kLikely)) return;
      std::vector<Expr> parts;
      conjuncts(hint->args[0], parts);
      for (const Expr& part : parts) {
        bool uses_inner = false;
        post_order_visit(part, [&](const IRNode* m) {
          if (m->kind == IRNodeKind::Variable && inner.count(static_cast<const Variable*>(m))) uses_inner = true;
        });
        if (uses_inner) continue;
        auto b = bound_from(part, op->var);
        if (!b) continue;
        if (b->lower.defined()) lower = lower.defined() ? max(lower, b->lower) : b->lower;
        if (b->upper.defined()) upper = upper.defined() ? min(upper, b->upper) : b->upper;
        removable.push_back(part);
      }
    });
    if (removable.empty()) return IRMutator::mutate_node(op, self);

    Expr first = op->min, end = simplify(op->min + op->extent);
    // Steady state [lo, hi], clamped into the loop's range.
    Expr lo = lower.defined() ? simplify(min(max(lower, first), end)) : first;
    Expr hi_end = upper.defined() ? simplify(max(min(upper + 1, end), lo)) : end;
    Stmt steady_body = mutate(drop_guards(op->body, removable));
    Stmt guarded_body = mutate(op->body);
    std::vector<Stmt> parts;
    auto add_loop = [&](const Expr& from, const Expr& to, const Stmt& body) {
      Expr extent = simplify(to - from);
      if (auto e = as_const_int(extent); e && *e <= 0) return;
      Var v(op->var.name(), op->var.type());
      parts.push_back(For::make(v, simplify(from), extent, op->for_kind, substitute(body, op->var, v),
                                op->thread_tag, op->pragmas));
    };
    add_loop(first, lo, guarded_body);
    add_loop(lo, hi_end, steady_body);
    add_loop(hi_end, end, guarded_body);
    if (parts.empty()) return Seq::make({});
    return Seq::make(parts);
  }

 private:
  // The body with the given guard conjuncts known to hold.
  static Stmt drop_guards(const Stmt& body, const std::vector<Expr>& removable) {
    class Dropper : public IRMutator {
     public:
      explicit Dropper(const std::vector<Expr>& r) : r_(r) {}
      using IRMutator::mutate;

     protected:
      Stmt mutate_node(const IfThenElse* op, const Stmt& self) override {
        Stmt s = IRMutator::mutate_node(op, self);
        const IfThenElse* ite = s.as<IfThenElse>();
        const Call* hint = ite->condition.as<Call>();
        if (!hint || !hint->is_intrinsic(intrinsic::kLikely)) return s;
        std::vector<Expr> parts;
        conjuncts(hint->args[0], parts);
        Expr kept;
        for (const Expr& p : parts) {
          bool known = false;
          for (const Expr& r : r_) known = known || p.same_as(r);
          if (!known) kept = kept.defined() ? (kept && p) : p;
        }
        if (!kept.defined()) return ite->then_case;
        return IfThenElse::make(likely(kept), ite->then_case, ite->else_case);
      }

     private:
      const std::vector<Expr>& r_;
    };
    return Dropper(removable).mutate(body);
  }
};

}  // namespace

Stmt partition_loops(const Stmt& s) { return PartitionLoops().mutate(s); }

}  // namespace anvil
