// Lowering pass (after storage flatten): replace each tensorized block's
// marker call by the code of its tensor intrinsic.
#include "LoopPasses.h"

#include "LowerContext.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Simplify.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

class LowerTensorize : public IRMutator {
 public:
  explicit LowerTensorize(const std::unordered_map<std::string, const TensorIntrin*>& intrins)
      : intrins_(intrins) {}
  using IRMutator::mutate;

 protected:
  Stmt mutate_node(const Evaluate* op, const Stmt& self) override {
    const Call* call = op->value.as<Call>();
    if (!call || call->name != lowering::kTensorizeCall) return self;
    const std::string& name = call->args[0].as<StringImm>()->value;
    auto it = intrins_.find(name);
    ANVIL_ASSERT(it != intrins_.end(), "tensor intrinsic " << name << " not collected");
    std::vector<BufferRegion> regions;
    size_t a = 1;
    while (a < call->args.size()) {
      int rank = static_cast<int>(*as_const_int(call->args[a++]));
      const Load* origin = call->args[a++].as<Load>();
      ANVIL_ASSERT(origin, "tensorize operand was not flattened to a load");
      BufferRegion region{origin->buffer, origin->type, origin->index, {}};
      for (int d = 0; d < rank; d++) {
        const Load* step = call->args[a++].as<Load>();
        region.strides.push_back(simplify(step->index - origin->index));
      }
      regions.push_back(std::move(region));
    }
    return it->second->emit(regions);
  }

 private:
  const std::unordered_map<std::string, const TensorIntrin*>& intrins_;
};

}  // namespace

Stmt lower_tensorize(const Stmt& s, const std::unordered_map<std::string, const TensorIntrin*>& intrins) {
  if (intrins.empty()) return s;
  return LowerTensorize(intrins).mutate(s);
}

}  // namespace anvil
