// IRVisitor walks a tree read-only; IRMutator rebuilds it. Both dispatch on the
// node kind list (NodeKinds.def). Default implementations recurse into every
// child; a mutator rebuilds a node only when a child changed, so unchanged
// subtrees stay shared.
#pragma once

#include <functional>

#include "anvil/ir/IR.h"

namespace anvil {

class IRVisitor {
 public:
  virtual ~IRVisitor() = default;
  void visit(const Expr& e);
  void visit(const Stmt& s);

 protected:
#define ANVIL_EXPR_NODE(Name) virtual void visit_node(const Name* op);
#define ANVIL_STMT_NODE(Name) virtual void visit_node(const Name* op);
#include "anvil/ir/NodeKinds.def"
};

class IRMutator {
 public:
  virtual ~IRMutator() = default;
  Expr mutate(const Expr& e);
  Stmt mutate(const Stmt& s);

 protected:
  // `self` is the handle of `op`, returned unchanged when no child changed.
#define ANVIL_EXPR_NODE(Name) virtual Expr mutate_node(const Name* op, const Expr& self);
#define ANVIL_STMT_NODE(Name) virtual Stmt mutate_node(const Name* op, const Stmt& self);
#include "anvil/ir/NodeKinds.def"
};

// Applies f to every node of the tree in post-order (children first).
void post_order_visit(const Stmt& s, const std::function<void(const IRNode*)>& f);
void post_order_visit(const Expr& e, const std::function<void(const IRNode*)>& f);

}  // namespace anvil
