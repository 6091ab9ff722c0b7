// Variable substitution and use queries.
#include "anvil/ir/Substitute.h"

#include "anvil/ir/IRVisitor.h"

namespace anvil {

namespace {

class Substituter : public IRMutator {
 public:
  explicit Substituter(const VarMap& map) : map_(map) {}
  using IRMutator::mutate;

 protected:
  Expr mutate_node(const Variable* op, const Expr& self) override {
    auto it = map_.find(op);
    return it == map_.end() ? self : it->second;
  }
  // Loads and stores name their buffer by a variable too; only a variable may
  // replace it, which the Load/Store constructors check.
  Stmt mutate_node(const Store* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_node(op, self);
    auto it = map_.find(op->buffer.get());
    if (it == map_.end()) return s;
    const Store* st = s.as<Store>();
    return Store::make(Var(it->second.as<Variable>()), st->value, st->index, st->predicate);
  }

 private:
  const VarMap& map_;
};

class UsesVar : public IRVisitor {
 public:
  explicit UsesVar(const Variable* v) : var_(v) {}
  bool found = false;
  using IRVisitor::visit;

 protected:
  void visit_node(const Variable* op) override { found = found || op == var_; }

 private:
  const Variable* var_;
};

}  // namespace

Expr substitute(const Expr& e, const VarMap& map) {
  if (map.empty()) return e;
  return Substituter(map).mutate(e);
}
Stmt substitute(const Stmt& s, const VarMap& map) {
  if (map.empty()) return s;
  return Substituter(map).mutate(s);
}
Expr substitute(const Expr& e, const Var& var, const Expr& value) {
  return substitute(e, VarMap{{var.get(), value}});
}
Stmt substitute(const Stmt& s, const Var& var, const Expr& value) {
  return substitute(s, VarMap{{var.get(), value}});
}

bool uses_var(const Expr& e, const Var& var) {
  UsesVar v(var.get());
  v.visit(e);
  return v.found;
}
bool uses_var(const Stmt& s, const Var& var) {
  UsesVar v(var.get());
  v.visit(s);
  return v.found;
}

}  // namespace anvil
