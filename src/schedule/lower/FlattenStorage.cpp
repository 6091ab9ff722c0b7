// Storage flatten: see FlattenStorage.h.
#include "FlattenStorage.h"

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Simplify.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

struct FlatBuffer {
  Var data;
  DataType dtype;
  std::vector<Expr> mins;
  std::vector<Expr> strides;
};

class Flattener : public IRMutator {
 public:
  Flattener(const std::vector<std::pair<Tensor, BufferArg>>& args,
            const std::unordered_map<const TensorNode*, std::vector<StorageAlign>>& aligns)
      : aligns_(aligns) {
    for (const auto& [tensor, arg] : args) {
      FlatBuffer b{arg.data, arg.dtype, {}, {}};
      std::vector<Expr> extents;
      for (int64_t d : arg.shape) extents.push_back(Expr(static_cast<int>(d)));
      b.mins.assign(extents.size(), Expr(0));
      b.strides = row_major_strides(extents, {});
      buffers_[tensor.get()] = b;
    }
  }
  using IRMutator::mutate;

 protected:
  Stmt mutate_node(const Realize* op, const Stmt& self) override {
    ANVIL_ASSERT(!buffers_.count(op->tensor.get()), "tensor " << op->tensor.name()
                                                              << " realized twice");
    std::vector<Expr> extents, mins;
    for (const Range& r : op->bounds) {
      extents.push_back(simplify(r.extent));
      mins.push_back(r.min);
    }
    auto align = aligns_.find(op->tensor.get());
    FlatBuffer b{Var(op->tensor.name(), DataType::Handle()), op->tensor.dtype(), mins,
                 row_major_strides(extents, align == aligns_.end() ? std::vector<StorageAlign>{}
                                                                   : align->second)};
    Expr size = simplify(b.strides[0] * extents[0]);
    buffers_[op->tensor.get()] = b;
    Stmt body = mutate(op->body);
    buffers_.erase(op->tensor.get());
    return Allocate::make(b.data, b.dtype, {size}, op->scope, body);
  }

  Stmt mutate_node(const TensorStore* op, const Stmt& self) override {
    const FlatBuffer& b = buffer(op->tensor);
    std::vector<Expr> indices;
    for (const Expr& i : op->indices) indices.push_back(mutate(i));
    return Store::make(b.data, mutate(op->value), flat_index(b, indices));
  }

  Expr mutate_node(const TensorLoad* op, const Expr& self) override {
    const FlatBuffer& b = buffer(op->tensor);
    std::vector<Expr> indices;
    for (const Expr& i : op->indices) indices.push_back(mutate(i));
    return Load::make(b.dtype, b.data, flat_index(b, indices));
  }

 private:
  static std::vector<Expr> row_major_strides(const std::vector<Expr>& extents,
                                             const std::vector<StorageAlign>& aligns) {
    std::vector<Expr> strides(extents.size());
    Expr stride = Expr(1);
    for (size_t d = extents.size(); d-- > 0;) {
      for (const StorageAlign& a : aligns) {
        if (static_cast<size_t>(a.axis) != d) continue;
        // Smallest stride ≥ the packed one with stride % factor == offset.
        Expr factor = Expr(static_cast<int>(a.factor)), offset = Expr(static_cast<int>(a.offset));
        stride = stride + floormod(offset - floormod(stride, factor) + factor, factor);
      }
      strides[d] = simplify(stride);
      stride = simplify(stride * extents[d]);
    }
    return strides;
  }

  const FlatBuffer& buffer(const Tensor& t) {
    auto it = buffers_.find(t.get());
    ANVIL_USER_CHECK(it != buffers_.end(),
                     "tensor " << t.name()
                               << " is used by the computation but is not among the function's "
                                  "arguments; pass it to lower()");
    return it->second;
  }

  static Expr flat_index(const FlatBuffer& b, const std::vector<Expr>& indices) {
    Expr index;
    for (size_t d = 0; d < indices.size(); d++) {
      Expr term = (indices[d] - b.mins[d]) * b.strides[d];
      index = index.defined() ? index + term : term;
    }
    return index.defined() ? index : Expr(0);
  }

  std::unordered_map<const TensorNode*, FlatBuffer> buffers_;
  const std::unordered_map<const TensorNode*, std::vector<StorageAlign>>& aligns_;
};

}  // namespace

Stmt flatten_storage(const Stmt& s, const std::vector<std::pair<Tensor, BufferArg>>& args,
                     const std::unordered_map<const TensorNode*, std::vector<StorageAlign>>& aligns) {
  return Flattener(args, aligns).mutate(s);
}

}  // namespace anvil
