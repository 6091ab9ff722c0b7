// Default traversal for IRVisitor and IRMutator.
#include "anvil/ir/IRVisitor.h"

#include "anvil/support/Error.h"

namespace anvil {

void IRVisitor::visit(const Expr& e) {
  if (!e.defined()) return;
  switch (e->kind) {
#define ANVIL_EXPR_NODE(Name)                            \
  case IRNodeKind::Name:                                 \
    visit_node(static_cast<const Name*>(e.get()));       \
    return;
#include "anvil/ir/NodeKinds.def"
    default: ANVIL_ASSERT(false, "statement kind in an expression handle");
  }
}

void IRVisitor::visit(const Stmt& s) {
  if (!s.defined()) return;
  switch (s->kind) {
#define ANVIL_STMT_NODE(Name)                            \
  case IRNodeKind::Name:                                 \
    visit_node(static_cast<const Name*>(s.get()));       \
    return;
#include "anvil/ir/NodeKinds.def"
    default: ANVIL_ASSERT(false, "expression kind in a statement handle");
  }
}

void IRVisitor::visit_node(const IntImm*) {}
void IRVisitor::visit_node(const FloatImm*) {}
void IRVisitor::visit_node(const StringImm*) {}
void IRVisitor::visit_node(const Variable*) {}

#define ANVIL_VISIT_BINARY(Name)                  \
  void IRVisitor::visit_node(const Name* op) {    \
    visit(op->a);                                 \
    visit(op->b);                                 \
  }
ANVIL_VISIT_BINARY(Add)
ANVIL_VISIT_BINARY(Sub)
ANVIL_VISIT_BINARY(Mul)
ANVIL_VISIT_BINARY(Div)
ANVIL_VISIT_BINARY(Mod)
ANVIL_VISIT_BINARY(FloorDiv)
ANVIL_VISIT_BINARY(FloorMod)
ANVIL_VISIT_BINARY(Min)
ANVIL_VISIT_BINARY(Max)
ANVIL_VISIT_BINARY(EQ)
ANVIL_VISIT_BINARY(NE)
ANVIL_VISIT_BINARY(LT)
ANVIL_VISIT_BINARY(LE)
ANVIL_VISIT_BINARY(GT)
ANVIL_VISIT_BINARY(GE)
ANVIL_VISIT_BINARY(And)
ANVIL_VISIT_BINARY(Or)
ANVIL_VISIT_BINARY(BitAnd)
ANVIL_VISIT_BINARY(BitOr)
ANVIL_VISIT_BINARY(BitXor)
ANVIL_VISIT_BINARY(Shl)
ANVIL_VISIT_BINARY(Shr)
#undef ANVIL_VISIT_BINARY

void IRVisitor::visit_node(const Not* op) { visit(op->a); }
void IRVisitor::visit_node(const BitNot* op) { visit(op->a); }
void IRVisitor::visit_node(const Select* op) {
  visit(op->condition);
  visit(op->true_value);
  visit(op->false_value);
}
void IRVisitor::visit_node(const Cast* op) { visit(op->value); }
void IRVisitor::visit_node(const Reinterpret* op) { visit(op->value); }
void IRVisitor::visit_node(const Load* op) {
  visit(op->buffer);
  visit(op->index);
  visit(op->predicate);
}
void IRVisitor::visit_node(const Ramp* op) {
  visit(op->base);
  visit(op->stride);
}
void IRVisitor::visit_node(const Broadcast* op) { visit(op->value); }
void IRVisitor::visit_node(const Call* op) {
  for (const Expr& a : op->args) visit(a);
}
void IRVisitor::visit_node(const Let* op) {
  visit(op->var);
  visit(op->value);
  visit(op->body);
}
void IRVisitor::visit_node(const TensorLoad* op) {
  for (const Expr& i : op->indices) visit(i);
}
void IRVisitor::visit_node(const Reduce* op) {
  for (const IterVar& iv : op->axes) {
    visit(iv->dom.min);
    visit(iv->dom.extent);
  }
  visit(op->source);
  visit(op->condition);
}

void IRVisitor::visit_node(const LetStmt* op) {
  visit(op->var);
  visit(op->value);
  visit(op->body);
}
void IRVisitor::visit_node(const AssertStmt* op) { visit(op->condition); }
void IRVisitor::visit_node(const For* op) {
  visit(op->var);
  visit(op->min);
  visit(op->extent);
  for (const auto& p : op->pragmas) visit(p.second);
  visit(op->body);
}
void IRVisitor::visit_node(const Store* op) {
  visit(op->buffer);
  visit(op->value);
  visit(op->index);
  visit(op->predicate);
}
void IRVisitor::visit_node(const TensorStore* op) {
  visit(op->value);
  for (const Expr& i : op->indices) visit(i);
}
void IRVisitor::visit_node(const Allocate* op) {
  visit(op->buffer);
  for (const Expr& e : op->extents) visit(e);
  visit(op->body);
}
void IRVisitor::visit_node(const Realize* op) {
  for (const Range& r : op->bounds) {
    visit(r.min);
    visit(r.extent);
  }
  visit(op->body);
}
void IRVisitor::visit_node(const Seq* op) {
  for (const Stmt& s : op->stmts) visit(s);
}
void IRVisitor::visit_node(const IfThenElse* op) {
  visit(op->condition);
  visit(op->then_case);
  visit(op->else_case);
}
void IRVisitor::visit_node(const Evaluate* op) { visit(op->value); }

// ------------------------------------------------------------------ mutator

Expr IRMutator::mutate(const Expr& e) {
  if (!e.defined()) return e;
  switch (e->kind) {
#define ANVIL_EXPR_NODE(Name) \
  case IRNodeKind::Name:      \
    return mutate_node(static_cast<const Name*>(e.get()), e);
#include "anvil/ir/NodeKinds.def"
    default: ANVIL_ASSERT(false, "statement kind in an expression handle");
  }
  return e;
}

Stmt IRMutator::mutate(const Stmt& s) {
  if (!s.defined()) return s;
  switch (s->kind) {
#define ANVIL_STMT_NODE(Name) \
  case IRNodeKind::Name:      \
    return mutate_node(static_cast<const Name*>(s.get()), s);
#include "anvil/ir/NodeKinds.def"
    default: ANVIL_ASSERT(false, "expression kind in a statement handle");
  }
  return s;
}

namespace {
bool same_all(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  for (size_t i = 0; i < a.size(); i++)
    if (!a[i].same_as(b[i])) return false;
  return true;
}
}  // namespace

Expr IRMutator::mutate_node(const IntImm*, const Expr& self) { return self; }
Expr IRMutator::mutate_node(const FloatImm*, const Expr& self) { return self; }
Expr IRMutator::mutate_node(const StringImm*, const Expr& self) { return self; }
Expr IRMutator::mutate_node(const Variable*, const Expr& self) { return self; }

#define ANVIL_MUTATE_BINARY(Name)                                  \
  Expr IRMutator::mutate_node(const Name* op, const Expr& self) {  \
    Expr a = mutate(op->a), b = mutate(op->b);                     \
    if (a.same_as(op->a) && b.same_as(op->b)) return self;         \
    return Name::make(std::move(a), std::move(b));                 \
  }
ANVIL_MUTATE_BINARY(Add)
ANVIL_MUTATE_BINARY(Sub)
ANVIL_MUTATE_BINARY(Mul)
ANVIL_MUTATE_BINARY(Div)
ANVIL_MUTATE_BINARY(Mod)
ANVIL_MUTATE_BINARY(FloorDiv)
ANVIL_MUTATE_BINARY(FloorMod)
ANVIL_MUTATE_BINARY(Min)
ANVIL_MUTATE_BINARY(Max)
ANVIL_MUTATE_BINARY(EQ)
ANVIL_MUTATE_BINARY(NE)
ANVIL_MUTATE_BINARY(LT)
ANVIL_MUTATE_BINARY(LE)
ANVIL_MUTATE_BINARY(GT)
ANVIL_MUTATE_BINARY(GE)
ANVIL_MUTATE_BINARY(And)
ANVIL_MUTATE_BINARY(Or)
ANVIL_MUTATE_BINARY(BitAnd)
ANVIL_MUTATE_BINARY(BitOr)
ANVIL_MUTATE_BINARY(BitXor)
ANVIL_MUTATE_BINARY(Shl)
ANVIL_MUTATE_BINARY(Shr)
#undef ANVIL_MUTATE_BINARY

Expr IRMutator::mutate_node(const Not* op, const Expr& self) {
  Expr a = mutate(op->a);
  return a.same_as(op->a) ? self : Not::make(a);
}
Expr IRMutator::mutate_node(const BitNot* op, const Expr& self) {
  Expr a = mutate(op->a);
  return a.same_as(op->a) ? self : BitNot::make(a);
}
Expr IRMutator::mutate_node(const Select* op, const Expr& self) {
  Expr c = mutate(op->condition), t = mutate(op->true_value), f = mutate(op->false_value);
  if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value))
    return self;
  return Select::make(c, t, f);
}
Expr IRMutator::mutate_node(const Cast* op, const Expr& self) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self : Cast::make(op->type.with_lanes(v.type().lanes()), v);
}
Expr IRMutator::mutate_node(const Reinterpret* op, const Expr& self) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self : Reinterpret::make(op->type, v);
}
Expr IRMutator::mutate_node(const Load* op, const Expr& self) {
  Expr buffer = mutate(op->buffer), index = mutate(op->index), pred = mutate(op->predicate);
  if (buffer.same_as(op->buffer) && index.same_as(op->index) && pred.same_as(op->predicate))
    return self;
  const Variable* buffer_var = buffer.as<Variable>();
  ANVIL_ASSERT(buffer_var, "a Load's buffer was mutated into a non-variable");
  return Load::make(op->type.with_lanes(index.type().lanes()), Var(buffer_var), index, pred);
}
Expr IRMutator::mutate_node(const Ramp* op, const Expr& self) {
  Expr base = mutate(op->base), stride = mutate(op->stride);
  if (base.same_as(op->base) && stride.same_as(op->stride)) return self;
  return Ramp::make(base, stride, op->lanes);
}
Expr IRMutator::mutate_node(const Broadcast* op, const Expr& self) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self : Broadcast::make(v, op->lanes);
}
Expr IRMutator::mutate_node(const Call* op, const Expr& self) {
  std::vector<Expr> args;
  args.reserve(op->args.size());
  for (const Expr& a : op->args) args.push_back(mutate(a));
  if (same_all(args, op->args)) return self;
  return Call::make(op->type, op->name, std::move(args), op->call_kind);
}
Expr IRMutator::mutate_node(const Let* op, const Expr& self) {
  Expr value = mutate(op->value), body = mutate(op->body);
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return Let::make(op->var, value, body);
}
Expr IRMutator::mutate_node(const TensorLoad* op, const Expr& self) {
  std::vector<Expr> indices;
  for (const Expr& i : op->indices) indices.push_back(mutate(i));
  if (same_all(indices, op->indices)) return self;
  return TensorLoad::make(op->tensor, std::move(indices));
}
Expr IRMutator::mutate_node(const Reduce* op, const Expr& self) {
  Expr source = mutate(op->source), condition = mutate(op->condition);
  if (source.same_as(op->source) && condition.same_as(op->condition)) return self;
  return Reduce::make(op->combiner, source, op->axes, condition);
}

Stmt IRMutator::mutate_node(const LetStmt* op, const Stmt& self) {
  Expr value = mutate(op->value);
  Stmt body = mutate(op->body);
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return LetStmt::make(op->var, value, body);
}
Stmt IRMutator::mutate_node(const AssertStmt* op, const Stmt& self) {
  Expr c = mutate(op->condition);
  return c.same_as(op->condition) ? self : AssertStmt::make(c, op->message);
}
Stmt IRMutator::mutate_node(const For* op, const Stmt& self) {
  Expr min = mutate(op->min), extent = mutate(op->extent);
  bool same = min.same_as(op->min) && extent.same_as(op->extent);
  std::vector<std::pair<std::string, Expr>> pragmas;
  for (const auto& p : op->pragmas) {
    pragmas.emplace_back(p.first, mutate(p.second));
    same = same && pragmas.back().second.same_as(p.second);
  }
  Stmt body = mutate(op->body);
  if (same && body.same_as(op->body)) return self;
  return For::make(op->var, min, extent, op->for_kind, body, op->thread_tag, std::move(pragmas));
}
Stmt IRMutator::mutate_node(const Store* op, const Stmt& self) {
  Expr value = mutate(op->value), index = mutate(op->index), pred = mutate(op->predicate);
  if (value.same_as(op->value) && index.same_as(op->index) && pred.same_as(op->predicate))
    return self;
  return Store::make(op->buffer, value, index, pred);
}
Stmt IRMutator::mutate_node(const TensorStore* op, const Stmt& self) {
  Expr value = mutate(op->value);
  std::vector<Expr> indices;
  for (const Expr& i : op->indices) indices.push_back(mutate(i));
  if (value.same_as(op->value) && same_all(indices, op->indices)) return self;
  return TensorStore::make(op->tensor, value, std::move(indices));
}
Stmt IRMutator::mutate_node(const Allocate* op, const Stmt& self) {
  std::vector<Expr> extents;
  for (const Expr& e : op->extents) extents.push_back(mutate(e));
  Stmt body = mutate(op->body);
  if (same_all(extents, op->extents) && body.same_as(op->body)) return self;
  return Allocate::make(op->buffer, op->dtype, std::move(extents), op->scope, body);
}
Stmt IRMutator::mutate_node(const Realize* op, const Stmt& self) {
  bool same = true;
  std::vector<Range> bounds;
  for (const Range& r : op->bounds) {
    bounds.emplace_back(mutate(r.min), mutate(r.extent));
    same = same && bounds.back().min.same_as(r.min) && bounds.back().extent.same_as(r.extent);
  }
  Stmt body = mutate(op->body);
  if (same && body.same_as(op->body)) return self;
  return Realize::make(op->tensor, std::move(bounds), op->scope, body);
}
Stmt IRMutator::mutate_node(const Seq* op, const Stmt& self) {
  std::vector<Stmt> stmts;
  bool same = true;
  for (const Stmt& s : op->stmts) {
    stmts.push_back(mutate(s));
    same = same && stmts.back().same_as(s);
  }
  return same ? self : Seq::make(std::move(stmts));
}
Stmt IRMutator::mutate_node(const IfThenElse* op, const Stmt& self) {
  Expr c = mutate(op->condition);
  Stmt t = mutate(op->then_case), e = mutate(op->else_case);
  if (c.same_as(op->condition) && t.same_as(op->then_case) && e.same_as(op->else_case))
    return self;
  return IfThenElse::make(c, t, e);
}
Stmt IRMutator::mutate_node(const Evaluate* op, const Stmt& self) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self : Evaluate::make(v);
}

namespace {
class PostOrder : public IRVisitor {
 public:
  explicit PostOrder(const std::function<void(const IRNode*)>& f) : f_(f) {}
  void run(const Expr& e) { visit(e); }
  void run(const Stmt& s) { visit(s); }

 protected:
#define ANVIL_EXPR_NODE(Name)                \
  void visit_node(const Name* op) override { \
    IRVisitor::visit_node(op);               \
    f_(op);                                  \
  }
#define ANVIL_STMT_NODE(Name) ANVIL_EXPR_NODE(Name)
#include "anvil/ir/NodeKinds.def"

 private:
  const std::function<void(const IRNode*)>& f_;
};
}  // namespace

void post_order_visit(const Stmt& s, const std::function<void(const IRNode*)>& f) {
  PostOrder(f).run(s);
}
void post_order_visit(const Expr& e, const std::function<void(const IRNode*)>& f) {
  PostOrder(f).run(e);
}

}  // namespace anvil
