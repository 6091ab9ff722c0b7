// The tensor-expression layer: say *what* a tensor holds, as a function of its
// indices. placeholder() declares an input; compute() defines an output by a
// lambda over index variables; reduce_axis() and the reducers (sum, min, max,
// or a user-defined commutative reducer) express reductions.
//
//   Tensor A = placeholder({M, K}, DataType::Float(32), "A");
//   Tensor B = placeholder({K, N}, DataType::Float(32), "B");
//   IterVar k = reduce_axis({0, K}, "k");
//   Tensor C = compute({M, N}, [&](Var i, Var j) { return sum(A(i, k) * B(k, j), {k}); }, "C");
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "anvil/ir/IR.h"
#include "anvil/ir/IROperator.h"

namespace anvil {

// An input tensor: its values come from the caller.
struct PlaceholderOpNode : OperationNode {
  std::vector<Expr> shape;
  DataType dtype;
  std::vector<Tensor> input_tensors() const override { return {}; }
};

// An output computed by `body` at every point of the spatial `axes`.
struct ComputeOpNode : OperationNode {
  std::vector<IterVar> axes;  // one data-parallel axis per output dimension
  Expr body;                  // may be a Reduce at its top
  std::string tag;            // operator family ("dense", "conv2d", "elemwise", ...)
  std::vector<Tensor> input_tensors() const override;
  // The reduction axes of the body (empty when it is not a Reduce).
  const std::vector<IterVar>& reduce_axes() const;
};

// The operation behind t, or null when it is not of that kind.
const ComputeOpNode* as_compute(const Tensor& t);
const PlaceholderOpNode* as_placeholder(const Tensor& t);

Tensor placeholder(std::vector<Expr> shape, DataType dtype, const std::string& name);

using ComputeFn = std::function<Expr(const std::vector<Var>&)>;
Tensor compute(std::vector<Expr> shape, const ComputeFn& fn, const std::string& name,
               const std::string& tag = "");
// Conveniences for one to four dimensions.
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Var)>& fn,
               const std::string& name, const std::string& tag = "");
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Var, Var)>& fn,
               const std::string& name, const std::string& tag = "");
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Var, Var, Var)>& fn,
               const std::string& name, const std::string& tag = "");
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Var, Var, Var, Var)>& fn,
               const std::string& name, const std::string& tag = "");

IterVar reduce_axis(Range dom, const std::string& name);

Expr sum(Expr source, std::vector<IterVar> axes, Expr condition = Expr());
Expr min(Expr source, std::vector<IterVar> axes, Expr condition = Expr());
Expr max(Expr source, std::vector<IterVar> axes, Expr condition = Expr());

// A user-defined reducer: fn(x, y) must be commutative and associative with
// identity `identity`. Returns a function that builds the reduction.
using Reducer = std::function<Expr(Expr source, std::vector<IterVar> axes, Expr condition)>;
Reducer comm_reducer(const std::function<Expr(Expr, Expr)>& fn, const std::function<Expr(DataType)>& identity);

// All operations reachable from `outputs`, producers before consumers.
std::vector<Tensor> post_order_tensors(const std::vector<Tensor>& outputs);

}  // namespace anvil
