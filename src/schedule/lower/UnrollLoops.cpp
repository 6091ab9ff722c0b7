// Lowering pass: explicit unrolling of short unrolled loops.
#include "LoopPasses.h"

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Simplify.h"
#include "anvil/ir/Substitute.h"

namespace anvil {

namespace {

class Unroller : public IRMutator {
 public:
  explicit Unroller(int64_t max_extent) : max_extent_(max_extent) {}
  using IRMutator::mutate;

 protected:
  Stmt mutate_node(const For* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_node(op, self);
    const For* loop = s.as<For>();
    if (loop->for_kind != ForKind::Unrolled) return s;
    auto extent = as_const_int(simplify(loop->extent));
    if (!extent || *extent > max_extent_) return s;
    std::vector<Stmt> copies;
    for (int64_t i = 0; i < *extent; i++)
      copies.push_back(substitute(loop->body, loop->var, simplify(loop->min + static_cast<int>(i))));
    return Seq::make(std::move(copies));
  }

 private:
  int64_t max_extent_;
};

}  // namespace

Stmt unroll_loops(const Stmt& s, int64_t max_extent) { return Unroller(max_extent).mutate(s); }

}  // namespace anvil
