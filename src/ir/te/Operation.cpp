// placeholder, compute, reduce_axis and the reducers.
#include "anvil/ir/te/Operation.h"

#include <unordered_set>

#include "anvil/ir/IRVisitor.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

Tensor make_tensor(const std::string& name, std::vector<Expr> shape, DataType dtype,
                   Ref<const OperationNode> op) {
  auto* t = new TensorNode();
  t->name = name;
  t->shape = std::move(shape);
  t->dtype = dtype;
  t->op = std::move(op);
  return Tensor(t);
}

void check_shape(const std::vector<Expr>& shape, const std::string& name) {
  for (size_t i = 0; i < shape.size(); i++) {
    ANVIL_USER_CHECK(shape[i].defined() && shape[i].type().is_int_or_uint() &&
                         shape[i].type().is_scalar(),
                     "tensor " << name << ": dimension " << i << " is not a scalar integer");
    if (auto v = as_const_int(shape[i])) {
      ANVIL_USER_CHECK(*v > 0, "tensor " << name << ": dimension " << i << " has extent " << *v
                                         << "; extents must be positive");
    }
  }
}

std::vector<Expr> as_int32(std::vector<Expr> shape) {
  for (Expr& e : shape)
    if (e.type() != DataType::Int(32)) e = cast(DataType::Int(32), e);
  return shape;
}

class CollectTensors : public IRVisitor {
 public:
  std::vector<Tensor> tensors;
  std::unordered_set<const TensorNode*> seen;

 protected:
  void visit_node(const TensorLoad* op) override {
    if (seen.insert(op->tensor.get()).second) tensors.push_back(op->tensor);
    IRVisitor::visit_node(op);
  }
};

}  // namespace

std::vector<Tensor> ComputeOpNode::input_tensors() const {
  CollectTensors c;
  c.visit(body);
  return c.tensors;
}

const std::vector<IterVar>& ComputeOpNode::reduce_axes() const {
  static const std::vector<IterVar> kNone;
  if (const Reduce* r = body.as<Reduce>()) return r->axes;
  return kNone;
}

const ComputeOpNode* as_compute(const Tensor& t) {
  return dynamic_cast<const ComputeOpNode*>(t.op().get());
}
const PlaceholderOpNode* as_placeholder(const Tensor& t) {
  return dynamic_cast<const PlaceholderOpNode*>(t.op().get());
}

Tensor placeholder(std::vector<Expr> shape, DataType dtype, const std::string& name) {
  check_shape(shape, name);
  ANVIL_USER_CHECK(dtype.is_scalar() && !dtype.is_void() && !dtype.is_handle(),
                   "placeholder " << name << " of type " << dtype.to_string()
                                  << ": tensors hold scalar elements");
  shape = as_int32(std::move(shape));
  auto* op = new PlaceholderOpNode();
  op->name = name;
  op->shape = shape;
  op->dtype = dtype;
  return make_tensor(name, std::move(shape), dtype, Ref<const OperationNode>(op));
}

Tensor compute(std::vector<Expr> shape, const ComputeFn& fn, const std::string& name,
               const std::string& tag) {
  check_shape(shape, name);
  shape = as_int32(std::move(shape));
  static const char* kAxisNames[] = {"i", "j", "k", "l", "m", "n", "o", "p"};
  std::vector<Var> vars;
  std::vector<IterVar> axes;
  for (size_t d = 0; d < shape.size(); d++) {
    std::string axis_name = d < 8 ? kAxisNames[d] : "i" + std::to_string(d);
    Var v(name + "." + axis_name);
    vars.push_back(v);
    axes.push_back(IterVar::make(v, Range(make_zero(DataType::Int(32)), shape[d]),
                                 IterKind::DataPar));
  }
  Expr body = fn(vars);
  ANVIL_USER_CHECK(body.defined(), "compute " << name << ": the body is undefined");
  ANVIL_USER_CHECK(body.type().is_scalar(),
                   "compute " << name << ": the body is a " << body.type().to_string()
                              << "; a compute body is a scalar");
  // A reduction must be the whole body: combine it with other values in a
  // consumer stage instead.
  bool nested_reduce = false;
  if (!body.as<Reduce>()) {
    post_order_visit(body, [&](const IRNode* n) { nested_reduce |= n->kind == IRNodeKind::Reduce; });
  }
  ANVIL_USER_CHECK(!nested_reduce, "compute " << name
                                              << ": a reduction may only be the whole body; "
                                                 "compute it in a stage of its own");
  auto* op = new ComputeOpNode();
  op->name = name;
  op->axes = std::move(axes);
  op->body = body;
  op->tag = tag;
  return make_tensor(name, std::move(shape), body.type(), Ref<const OperationNode>(op));
}

namespace {
void check_rank(const std::vector<Expr>& shape, size_t rank, const std::string& name) {
  ANVIL_USER_CHECK(shape.size() == rank, "compute " << name << ": a " << rank
                                                    << "-argument lambda for a shape of rank "
                                                    << shape.size());
}
}  // namespace

Tensor compute(std::vector<Expr> shape, const std::function<Expr(Var)>& fn,
               const std::string& name, const std::string& tag) {
  check_rank(shape, 1, name);
  return compute(std::move(shape), [&](const std::vector<Var>& v) { return fn(v[0]); }, name, tag);
}
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Var, Var)>& fn,
               const std::string& name, const std::string& tag) {
  check_rank(shape, 2, name);
  return compute(
      std::move(shape), [&](const std::vector<Var>& v) { return fn(v[0], v[1]); }, name, tag);
}
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Var, Var, Var)>& fn,
               const std::string& name, const std::string& tag) {
  check_rank(shape, 3, name);
  return compute(
      std::move(shape), [&](const std::vector<Var>& v) { return fn(v[0], v[1], v[2]); }, name,
      tag);
}
Tensor compute(std::vector<Expr> shape, const std::function<Expr(Var, Var, Var, Var)>& fn,
               const std::string& name, const std::string& tag) {
  check_rank(shape, 4, name);
  return compute(
      std::move(shape),
      [&](const std::vector<Var>& v) { return fn(v[0], v[1], v[2], v[3]); }, name, tag);
}

IterVar reduce_axis(Range dom, const std::string& name) {
  ANVIL_USER_CHECK(dom.min.defined() && dom.extent.defined(),
                   "reduce_axis " << name << " needs a range");
  dom.min = cast(DataType::Int(32), dom.min);
  dom.extent = cast(DataType::Int(32), dom.extent);
  if (auto e = as_const_int(dom.extent)) {
    ANVIL_USER_CHECK(*e > 0, "reduce_axis " << name << " has extent " << *e
                                            << "; extents must be positive");
  }
  return IterVar::make(Var(name), dom, IterKind::Reduce);
}

Reducer comm_reducer(const std::function<Expr(Expr, Expr)>& fn,
                     const std::function<Expr(DataType)>& identity) {
  return [fn, identity](Expr source, std::vector<IterVar> axes, Expr condition) {
    ANVIL_USER_CHECK(source.defined(), "reduction of an undefined value");
    ANVIL_USER_CHECK(!axes.empty(), "reduction over no axes");
    for (const IterVar& iv : axes) {
      ANVIL_USER_CHECK(iv.kind() == IterKind::Reduce,
                       "reduction over " << iv.var().name() << ", which is not a reduce_axis");
    }
    DataType t = source.type();
    Var x("x", t), y("y", t);
    Expr result = fn(x, y);
    ANVIL_USER_CHECK(result.type() == t, "reducer returns a " << result.type().to_string()
                                                              << " for " << t.to_string()
                                                              << " operands");
    if (condition.defined()) {
      ANVIL_USER_CHECK(condition.type().is_bool(), "reduction condition is not a bool");
    }
    return Reduce::make(CommReducer::make(x, y, result, identity(t)), source, std::move(axes),
                        condition);
  };
}

Expr sum(Expr source, std::vector<IterVar> axes, Expr condition) {
  static const Reducer reducer =
      comm_reducer([](Expr a, Expr b) { return a + b; }, [](DataType t) { return make_zero(t); });
  return reducer(std::move(source), std::move(axes), std::move(condition));
}

Expr min(Expr source, std::vector<IterVar> axes, Expr condition) {
  static const Reducer reducer = comm_reducer([](Expr a, Expr b) { return min(a, b); },
                                              [](DataType t) { return max_value(t); });
  return reducer(std::move(source), std::move(axes), std::move(condition));
}

Expr max(Expr source, std::vector<IterVar> axes, Expr condition) {
  static const Reducer reducer = comm_reducer([](Expr a, Expr b) { return max(a, b); },
                                              [](DataType t) { return min_value(t); });
  return reducer(std::move(source), std::move(axes), std::move(condition));
}

std::vector<Tensor> post_order_tensors(const std::vector<Tensor>& outputs) {
  std::vector<Tensor> order;
  std::unordered_set<const TensorNode*> visited;
  std::function<void(const Tensor&)> walk = [&](const Tensor& t) {
    if (!visited.insert(t.get()).second) return;
    for (const Tensor& in : t.op()->input_tensors()) walk(in);
    order.push_back(t);
  };
  for (const Tensor& t : outputs) walk(t);
  return order;
}

}  // namespace anvil
