// Lowering pass: vectorize loops (see LoopPasses.h). The vectorizer widens an
// expression only where it depends on the loop variable; everything else stays
// scalar and is broadcast where it meets a vector.
#include <optional>

#include "LoopPasses.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Simplify.h"
#include "anvil/ir/Substitute.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

// Thrown inside the vectorizer when a body cannot be vectorized; the loop
// then stays serial. Never escapes this file.
struct CannotVectorize {};

class Vectorizer : public IRMutator {
 public:
  Vectorizer(const Var& var, Expr min, int lanes, IntervalMap scope)
      : var_(var), min_(std::move(min)), lanes_(lanes), scope_(std::move(scope)) {}
  using IRMutator::mutate;

 protected:
  Expr widen(const Expr& e) {
    if (e.type().lanes() == lanes_) return e;
    if (e.type().lanes() != 1) throw CannotVectorize();
    return Broadcast::make(e, lanes_);
  }
  bool is_vec(const Expr& e) const { return e.type().lanes() > 1; }

  Expr mutate_node(const Variable* op, const Expr& self) override {
    if (op == var_.get()) return Ramp::make(min_, make_one(min_.type()), lanes_);
    auto it = lets_.find(op);
    return it == lets_.end() ? self : it->second;
  }

  // Keeps Ramp ± scalar and Ramp × constant as Ramps, so that contiguous
  // accesses stay visibly contiguous for the code generator.
  Expr mutate_node(const Add* op, const Expr& self) override {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (a.same_as(op->a) && b.same_as(op->b)) return self;
    if (const Ramp* r = a.as<Ramp>(); r && !is_vec(b)) return Ramp::make(r->base + b, r->stride, lanes_);
    if (const Ramp* r = b.as<Ramp>(); r && !is_vec(a)) return Ramp::make(a + r->base, r->stride, lanes_);
    const Ramp *ra = a.as<Ramp>(), *rb = b.as<Ramp>();
    if (ra && rb) return Ramp::make(ra->base + rb->base, ra->stride + rb->stride, lanes_);
    return Add::make(widen(a), widen(b));
  }
  Expr mutate_node(const Sub* op, const Expr& self) override {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (a.same_as(op->a) && b.same_as(op->b)) return self;
    if (const Ramp* r = a.as<Ramp>(); r && !is_vec(b)) return Ramp::make(r->base - b, r->stride, lanes_);
    return Sub::make(widen(a), widen(b));
  }
  Expr mutate_node(const Mul* op, const Expr& self) override {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (a.same_as(op->a) && b.same_as(op->b)) return self;
    if (const Ramp* r = a.as<Ramp>(); r && !is_vec(b)) return Ramp::make(r->base * b, r->stride * b, lanes_);
    if (const Ramp* r = b.as<Ramp>(); r && !is_vec(a)) return Ramp::make(a * r->base, a * r->stride, lanes_);
    return Mul::make(widen(a), widen(b));
  }

#define ANVIL_WIDEN_BINARY(Name)                                  \
  Expr mutate_node(const Name* op, const Expr& self) override {   \
    Expr a = mutate(op->a), b = mutate(op->b);                    \
    if (a.same_as(op->a) && b.same_as(op->b)) return self;        \
    return Name::make(widen(a), widen(b));                        \
  }
  ANVIL_WIDEN_BINARY(Div)
  ANVIL_WIDEN_BINARY(Mod)
  ANVIL_WIDEN_BINARY(FloorDiv)
  ANVIL_WIDEN_BINARY(FloorMod)
  ANVIL_WIDEN_BINARY(Min)
  ANVIL_WIDEN_BINARY(Max)
  ANVIL_WIDEN_BINARY(EQ)
  ANVIL_WIDEN_BINARY(NE)
  ANVIL_WIDEN_BINARY(LT)
  ANVIL_WIDEN_BINARY(LE)
  ANVIL_WIDEN_BINARY(GT)
  ANVIL_WIDEN_BINARY(GE)
  ANVIL_WIDEN_BINARY(And)
  ANVIL_WIDEN_BINARY(Or)
  ANVIL_WIDEN_BINARY(BitAnd)
  ANVIL_WIDEN_BINARY(BitOr)
  ANVIL_WIDEN_BINARY(BitXor)
  ANVIL_WIDEN_BINARY(Shl)
  ANVIL_WIDEN_BINARY(Shr)
#undef ANVIL_WIDEN_BINARY

  Expr mutate_node(const Select* op, const Expr& self) override {
    Expr c = mutate(op->condition), t = mutate(op->true_value), f = mutate(op->false_value);
    if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value))
      return self;
    if (!is_vec(c) && !is_vec(t) && !is_vec(f)) return Select::make(c, t, f);
    return Select::make(c, widen(t), widen(f));
  }

  Expr mutate_node(const Cast* op, const Expr& self) override {
    Expr v = mutate(op->value);
    if (v.same_as(op->value)) return self;
    return Cast::make(op->type.with_lanes(v.type().lanes()), v);
  }

  Expr mutate_node(const Reinterpret* op, const Expr& self) override {
    Expr v = mutate(op->value);
    if (v.same_as(op->value)) return self;
    throw CannotVectorize();
  }

  Expr mutate_node(const Load* op, const Expr& self) override {
    Expr index = mutate(op->index);
    Expr pred = mutate(op->predicate);
    if (!is_vec(index) && !mask_.defined()) {
      if (index.same_as(op->index) && pred.same_as(op->predicate)) return self;
      return Load::make(op->type, op->buffer, index, pred);
    }
    if (pred.defined() && op->type.is_scalar()) throw CannotVectorize();
    // A lane-invariant load under a lane mask: when lane 0 is provably on,
    // the scalar loop makes this load too, so it is safe unmasked. Otherwise
    // only the lanes that are on may read.
    if (!is_vec(index) && lane0_on_) return Load::make(op->type, op->buffer, index, pred);
    Expr p = mask_.defined() ? mask_ : Expr();
    return Load::make(op->type.with_lanes(lanes_), op->buffer, widen(index), p);
  }

  Expr mutate_node(const Ramp* op, const Expr& self) override {
    if (uses(op->base) || uses(op->stride)) throw CannotVectorize();
    return self;
  }
  Expr mutate_node(const Broadcast* op, const Expr& self) override {
    if (uses(op->value)) throw CannotVectorize();
    return self;
  }

  Expr mutate_node(const Call* op, const Expr& self) override {
    if (op->is_intrinsic(intrinsic::kIfThenElse)) {
      Expr c = mutate(op->args[0]);
      if (!is_vec(c)) {
        // One condition for all lanes: stay lazy, widen only the branches.
        Expr t = mutate(op->args[1]), f = mutate(op->args[2]);
        if (!is_vec(t) && !is_vec(f)) return widen_call(op, self);
        return Call::make(op->type.with_lanes(lanes_), op->name, {c, widen(t), widen(f)},
                          op->call_kind);
      }
      // Each branch is evaluated only in the lanes that take it.
      Expr saved = mask_;
      bool saved_lane0 = lane0_on_;
      Expr lane0_cond = substitute(op->args[0], var_, min_);
      mask_ = saved.defined() ? (saved && c) : c;
      lane0_on_ = saved_lane0 && can_prove(lane0_cond, scope_);
      Expr t = mutate(op->args[1]);
      mask_ = saved.defined() ? (saved && !c) : !c;
      lane0_on_ = saved_lane0 && can_prove(!lane0_cond, scope_);
      Expr f = mutate(op->args[2]);
      mask_ = saved;
      lane0_on_ = saved_lane0;
      return Select::make(c, widen(t), widen(f));
    }
    return widen_call(op, self);
  }

  Expr widen_call(const Call* op, const Expr& self) {
    std::vector<Expr> args;
    bool any_vec = false, changed = false;
    for (const Expr& a : op->args) {
      args.push_back(mutate(a));
      any_vec = any_vec || is_vec(args.back());
      changed = changed || !args.back().same_as(a);
    }
    if (!changed) return self;
    if (!any_vec) return Call::make(op->type, op->name, args, op->call_kind);
    if (op->call_kind != CallKind::PureIntrinsic) throw CannotVectorize();
    for (Expr& a : args) a = widen(a);
    return Call::make(op->type.with_lanes(lanes_), op->name, args, op->call_kind);
  }

  Expr mutate_node(const Let* op, const Expr& self) override {
    Expr value = mutate(op->value);
    if (!is_vec(value)) {
      Expr body = mutate(op->body);
      if (value.same_as(op->value) && body.same_as(op->body)) return self;
      return Let::make(op->var, value, body);
    }
    Var wide(op->var.name(), value.type());
    lets_[op->var.get()] = wide;
    Expr body = mutate(op->body);
    lets_.erase(op->var.get());
    return Let::make(wide, value, body);
  }

  Stmt mutate_node(const LetStmt* op, const Stmt& self) override {
    Expr value = mutate(op->value);
    if (!is_vec(value)) {
      Stmt body = mutate(op->body);
      if (value.same_as(op->value) && body.same_as(op->body)) return self;
      return LetStmt::make(op->var, value, body);
    }
    Var wide(op->var.name(), value.type());
    lets_[op->var.get()] = wide;
    Stmt body = mutate(op->body);
    lets_.erase(op->var.get());
    return LetStmt::make(wide, value, body);
  }

  Stmt mutate_node(const Store* op, const Stmt& self) override {
    Expr value = mutate(op->value), index = mutate(op->index), pred = mutate(op->predicate);
    // A store to one address from every lane is a reduction across lanes (or
    // a repeated write); the scalar loop keeps its meaning.
    if (!is_vec(index)) throw CannotVectorize();
    if (pred.defined()) throw CannotVectorize();
    return Store::make(op->buffer, widen(value), index, mask_);
  }

  Stmt mutate_node(const For* op, const Stmt& self) override {
    if (uses(op->min) || uses(op->extent)) throw CannotVectorize();
    scope_[op->var.get()] = Interval(op->min, simplify(op->min + op->extent - 1));
    Stmt s = IRMutator::mutate_node(op, self);
    scope_.erase(op->var.get());
    return s;
  }

  Stmt mutate_node(const IfThenElse* op, const Stmt& self) override {
    Expr c = op->condition;
    // likely() is only a hint; the lanes still need the exact condition.
    if (const Call* call = c.as<Call>(); call && call->is_intrinsic(intrinsic::kLikely)) c = call->args[0];
    Expr wc = mutate(c);
    if (!is_vec(wc)) return IRMutator::mutate_node(op, self);
    Stmt masked = masked_branches(wc, c, op->then_case, op->else_case);
    // Fast path: a condition monotone in the lane (the tail guard of a split)
    // holds in every lane when it holds in the first and the last; then the
    // unmasked vector code runs and only the tail pays for the mask.
    if (!op->else_case.defined() && !mask_.defined() && is_monotone_in_var(c)) {
      Expr all = simplify(substitute(c, var_, min_) &&
                          substitute(c, var_, min_ + (lanes_ - 1)));
      bool saved_lane0 = lane0_on_;
      lane0_on_ = true;
      Stmt unmasked = mutate(op->then_case);
      lane0_on_ = saved_lane0;
      return IfThenElse::make(likely(all), unmasked, masked);
    }
    return masked;
  }

  Stmt masked_branches(const Expr& wide_cond, const Expr& cond, const Stmt& then_case,
                       const Stmt& else_case) {
    Expr saved = mask_;
    bool saved_lane0 = lane0_on_;
    mask_ = saved.defined() ? (saved && wide_cond) : wide_cond;
    lane0_on_ = saved_lane0 && can_prove(substitute(cond, var_, min_), scope_);
    Stmt then_out = mutate(then_case);
    Stmt else_out;
    if (else_case.defined()) {
      mask_ = saved.defined() ? (saved && !wide_cond) : !wide_cond;
      lane0_on_ = saved_lane0 && can_prove(!substitute(cond, var_, min_), scope_);
      else_out = mutate(else_case);
    }
    mask_ = saved;
    lane0_on_ = saved_lane0;
    return Seq::make({then_out, else_out});
  }

  // A comparison whose sides use the loop variable only through + - and ×
  // by constants: its truth over a range of the variable is decided at the ends.
  bool is_monotone_in_var(const Expr& c) const {
    const Expr* sides[2] = {nullptr, nullptr};
    if (auto* n = c.as<LT>()) sides[0] = &n->a, sides[1] = &n->b;
    if (auto* n = c.as<LE>()) sides[0] = &n->a, sides[1] = &n->b;
    if (auto* n = c.as<GT>()) sides[0] = &n->a, sides[1] = &n->b;
    if (auto* n = c.as<GE>()) sides[0] = &n->a, sides[1] = &n->b;
    if (!sides[0]) return false;
    for (const Expr* side : sides) {
      bool ok = true;
      post_order_visit(*side, [&](const IRNode* n) {
        switch (n->kind) {
          case IRNodeKind::Add: case IRNodeKind::Sub: case IRNodeKind::IntImm: break;
          case IRNodeKind::Variable:
            // A let-bound variable may hide the lane; the end-point test
            // substitutes only the loop variable itself.
            if (lets_.count(static_cast<const Variable*>(n))) ok = false;
            break;
          case IRNodeKind::Mul: {
            auto* m = static_cast<const Mul*>(n);
            if (uses_var(m->a, var_) && uses_var(m->b, var_)) ok = false;
            if (uses_var(m->a, var_) && !as_const_int(m->b)) ok = false;
            if (uses_var(m->b, var_) && !as_const_int(m->a)) ok = false;
            break;
          }
          default:
            if (uses_var(Expr(static_cast<const ExprNode*>(n)), var_)) ok = false;
        }
      });
      if (!ok) return false;
    }
    return true;
  }

  Stmt mutate_node(const Allocate*, const Stmt&) override { throw CannotVectorize(); }
  Stmt mutate_node(const AssertStmt* op, const Stmt& self) override {
    if (uses(op->condition)) throw CannotVectorize();
    return self;
  }
  Stmt mutate_node(const Evaluate* op, const Stmt& self) override {
    if (uses(op->value)) throw CannotVectorize();
    return self;
  }

 private:
  bool uses(const Expr& e) const {
    if (!e.defined()) return false;
    if (uses_var(e, var_)) return true;
    for (const auto& [v, _] : lets_)
      if (uses_var(e, Var(v))) return true;
    return false;
  }

  Var var_;
  Expr min_;
  int lanes_;
  IntervalMap scope_;   // ranges of the loops around and inside the vectorized loop
  Expr mask_;           // lanes that are on, or undefined for all
  bool lane0_on_ = true;  // whether lane 0 is provably on under mask_
  std::unordered_map<const Variable*, Expr> lets_;
};

class VectorizeLoops : public IRMutator {
 public:
  using IRMutator::mutate;

 protected:
  Stmt mutate_node(const For* op, const Stmt& self) override {
    scope_[op->var.get()] = Interval(op->min, simplify(op->min + op->extent - 1));
    Stmt s = IRMutator::mutate_node(op, self);  // inner loops first
    scope_.erase(op->var.get());
    const For* loop = s.as<For>();
    if (loop->for_kind != ForKind::Vectorized) return s;
    auto extent = as_const_int(simplify(loop->extent));
    ANVIL_ASSERT(extent, "vectorized loop " << loop->var.name() << " with a non-constant extent");
    if (*extent == 1) return substitute(loop->body, loop->var, loop->min);
    try {
      IntervalMap scope = scope_;
      scope[loop->var.get()] = Interval(loop->min, simplify(loop->min + loop->extent - 1));
      return Vectorizer(loop->var, loop->min, static_cast<int>(*extent), scope).mutate(loop->body);
    } catch (const CannotVectorize&) {
      return For::make(loop->var, loop->min, loop->extent, ForKind::Serial, loop->body, "",
                       loop->pragmas);
    }
  }

 private:
  IntervalMap scope_;
};

}  // namespace

Stmt vectorize_loops(const Stmt& s) { return VectorizeLoops().mutate(s); }

}  // namespace anvil
