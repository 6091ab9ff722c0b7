// Lowering pass: remove code that has no effect (see LoopPasses.h).
#include "LoopPasses.h"

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Substitute.h"

namespace anvil {

namespace {

// Any use of the buffer other than as the target of a store: a load, or the
// handle passed to a call.
class ReadsBuffer : public IRVisitor {
 public:
  explicit ReadsBuffer(const Var& buffer) : buffer_(buffer) {}
  bool found = false;
  using IRVisitor::visit;

 protected:
  void visit_node(const Variable* op) override { found = found || op == buffer_.get(); }
  void visit_node(const Store* op) override {
    visit(op->value);
    visit(op->index);
    visit(op->predicate);
  }

 private:
  const Var& buffer_;
};

bool reads_buffer(const Stmt& s, const Var& buffer) {
  ReadsBuffer r(buffer);
  r.visit(s);
  return r.found;
}

class DropStores : public IRMutator {
 public:
  explicit DropStores(const Var& buffer) : buffer_(buffer) {}
  using IRMutator::mutate;

 protected:
  Stmt mutate_node(const Store* op, const Stmt& self) override {
    return op->buffer.same_as(buffer_) ? Seq::make({}) : self;
  }

 private:
  const Var& buffer_;
};

bool is_empty(const Stmt& s) {
  const Seq* seq = s.as<Seq>();
  return !s.defined() || (seq && seq->stmts.empty());
}

class RemoveDeadCode : public IRMutator {
 public:
  using IRMutator::mutate;

 protected:
  Stmt mutate_node(const For* op, const Stmt& self) override {
    if (auto e = as_const_int(op->extent); e && *e <= 0) return Seq::make({});
    Stmt s = IRMutator::mutate_node(op, self);
    const For* loop = s.as<For>();
    return is_empty(loop->body) ? Seq::make({}) : s;
  }
  Stmt mutate_node(const Allocate* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_node(op, self);
    const Allocate* alloc = s.as<Allocate>();
    if (reads_buffer(alloc->body, alloc->buffer)) return s;
    return mutate(DropStores(alloc->buffer).mutate(alloc->body));
  }
  Stmt mutate_node(const LetStmt* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_node(op, self);
    const LetStmt* let = s.as<LetStmt>();
    return uses_var(let->body, let->var) ? s : let->body;
  }
  Stmt mutate_node(const IfThenElse* op, const Stmt& self) override {
    if (auto c = as_const_int(op->condition)) {
      return *c ? mutate(op->then_case) : (op->else_case.defined() ? mutate(op->else_case) : Seq::make({}));
    }
    Stmt s = IRMutator::mutate_node(op, self);
    const IfThenElse* ite = s.as<IfThenElse>();
    bool then_empty = is_empty(ite->then_case), else_empty = is_empty(ite->else_case);
    if (then_empty && else_empty) return Seq::make({});
    if (then_empty) return IfThenElse::make(!ite->condition, ite->else_case);
    if (else_empty && ite->else_case.defined()) return IfThenElse::make(ite->condition, ite->then_case);
    return s;
  }
  Stmt mutate_node(const Evaluate* op, const Stmt& self) override {
    bool pure = true;
    post_order_visit(op->value, [&](const IRNode* n) {
      if (n->kind == IRNodeKind::Call && static_cast<const Call*>(n)->call_kind != CallKind::PureIntrinsic)
        pure = false;
    });
    return pure ? Seq::make({}) : self;
  }
};

}  // namespace

Stmt remove_dead_code(const Stmt& s) { return RemoveDeadCode().mutate(s); }

}  // namespace anvil
