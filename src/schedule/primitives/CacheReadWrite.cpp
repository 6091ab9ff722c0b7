// cache_read and cache_write: stages that copy a tensor into another storage
// scope (registers/stack, GPU shared memory) for reuse.
#include <algorithm>

#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Substitute.h"
#include "anvil/schedule/Schedule.h"
#include "anvil/schedule/ScheduleUtil.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

class ReplaceTensor : public IRMutator {
 public:
  ReplaceTensor(const Tensor& from, const Tensor& to, const std::vector<int>& perm)
      : from_(from), to_(to), perm_(perm) {}
  using IRMutator::mutate;

 protected:
  Expr mutate_node(const TensorLoad* op, const Expr& self) override {
    Expr e = IRMutator::mutate_node(op, self);
    const TensorLoad* load = e.as<TensorLoad>();
    if (!load->tensor.same_as(from_)) return e;
    if (perm_.empty()) return TensorLoad::make(to_, load->indices);
    std::vector<Expr> indices;
    for (int d : perm_) indices.push_back(load->indices[d]);
    return TensorLoad::make(to_, indices);
  }

 private:
  const Tensor& from_;
  const Tensor& to_;
  const std::vector<int>& perm_;
};

// `layout` as a permutation of the dimensions of `tensor` (the identity when
// empty); refuses anything else.
std::vector<int> checked_layout(const char* primitive, const Tensor& tensor, const std::vector<int>& layout) {
  int ndim = tensor.ndim();
  std::vector<int> perm = layout;
  if (perm.empty())
    for (int d = 0; d < ndim; d++) perm.push_back(d);
  std::vector<int> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool is_permutation = static_cast<int>(perm.size()) == ndim;
  for (int d = 0; d < ndim && is_permutation; d++) is_permutation = sorted[d] == d;
  ANVIL_SCHEDULE_CHECK(is_permutation, primitive << " of " << tensor.name() << ": layout of " << perm.size()
                                                 << " entries is not a permutation of its " << ndim
                                                 << " dimensions");
  return perm;
}

std::string unique_stage_name(Schedule& sch, const std::string& base) {
  std::string name = base;
  for (int n = 1;; n++) {
    bool taken = false;
    for (Stage* s : sch.stages()) taken = taken || s->name() == name;
    if (!taken) return name;
    name = base + "_" + std::to_string(n);
  }
}

}  // namespace

Expr replace_tensor(const Expr& e, const Tensor& from, const Tensor& to, const std::vector<int>& perm) {
  return ReplaceTensor(from, to, perm).mutate(e);
}

Tensor make_compute_tensor(const std::string& name, std::vector<IterVar> axes, Expr body,
                           const std::string& tag) {
  auto* op = new ComputeOpNode();
  op->name = name;
  op->axes = std::move(axes);
  op->body = std::move(body);
  op->tag = tag;
  auto* t = new TensorNode();
  t->name = name;
  for (const IterVar& iv : op->axes) t->shape.push_back(iv.dom().extent);
  t->dtype = op->body.type();
  t->op = Ref<const OperationNode>(op);
  return Tensor(t);
}

Ref<const ComputeOpNode> with_body(const ComputeOpNode* op, Expr body) {
  auto* n = new ComputeOpNode(*op);
  n->body = std::move(body);
  return Ref<const ComputeOpNode>(n);
}

Tensor Schedule::cache_read(const Tensor& tensor, const std::string& scope,
                            const std::vector<Tensor>& readers, const std::vector<int>& layout) {
  Stage& source = (*this)[tensor];
  ANVIL_SCHEDULE_CHECK(scope == "local" || scope == "shared" || scope == "global",
                       "cache_read of " << tensor.name() << ": unknown scope '" << scope << "'");
  ANVIL_SCHEDULE_CHECK(!readers.empty(), "cache_read of " << tensor.name() << ": no readers given");
  std::vector<Stage*> reader_stages;
  for (const Tensor& r : readers) {
    Stage& rs = (*this)[r];
    auto direct = readers_of(tensor);
    ANVIL_SCHEDULE_CHECK(std::find(direct.begin(), direct.end(), &rs) != direct.end(),
                         "cache_read of " << tensor.name() << ": " << r.name()
                                          << " does not read it");
    reader_stages.push_back(&rs);
  }
  int ndim = tensor.ndim();
  std::vector<int> perm = checked_layout("cache_read", tensor, layout);
  // Copy dimension d holds tensor dimension perm[d].
  std::vector<IterVar> axes;
  std::vector<Expr> indices(ndim);
  for (int d = 0; d < ndim; d++) {
    Var v(tensor.name() + "." + scope + ".ax" + std::to_string(d));
    axes.push_back(IterVar::make(v, Range(0, tensor.shape()[perm[d]]), IterKind::DataPar));
    indices[perm[d]] = v;
  }
  std::string name = unique_stage_name(*this, tensor.name() + "." + scope);
  Tensor cache = make_compute_tensor(name, axes, TensorLoad::make(tensor, indices), "cache");
  for (Stage* rs : reader_stages)
    rs->op_ = with_body(rs->op_.get(), replace_tensor(rs->op_->body, tensor, cache, perm));
  size_t position = 0;
  while (stages_[position].get() != &source) position++;
  Stage& cs = add_stage(cache, Ref<const ComputeOpNode>(as_compute(cache)), false, position + 1);
  cs.scope_ = scope;
  Step step{"cache_read", tensor.name(), {}, {}, {scope}, {name}};
  for (const Tensor& r : readers) step.strings.push_back(r.name());
  for (int d : layout) step.ints.emplace_back(d);
  record(std::move(step));
  return cache;
}

Tensor Schedule::cache_write(const Tensor& tensor, const std::string& scope, const std::vector<int>& layout) {
  Stage& stage = (*this)[tensor];
  stage.check_compute("cache_write");
  stage.check_untransformed("cache_write");
  ANVIL_SCHEDULE_CHECK(scope == "local" || scope == "shared" || scope == "global",
                       "cache_write of " << tensor.name() << ": unknown scope '" << scope << "'");
  ANVIL_SCHEDULE_CHECK(stage.attach_kind_ != AttachKind::Inline,
                       "cache_write of " << tensor.name() << ": the stage is inlined");
  std::vector<int> perm = checked_layout("cache_write", tensor, layout);
  const ComputeOpNode* op = stage.op_.get();
  // The cache stage computes the original body over fresh spatial axes, in
  // the order of its layout: axis d of the cache is axis perm[d] of `tensor`.
  std::vector<IterVar> axes;
  VarMap rename;
  for (int d : perm) {
    const IterVar& iv = op->axes[d];
    Var v(iv.var().name() + "." + scope);
    axes.push_back(IterVar::make(v, iv.dom(), IterKind::DataPar));
    rename[iv.var().get()] = v;
  }
  std::string name = unique_stage_name(*this, tensor.name() + "." + scope);
  Tensor cache = make_compute_tensor(name, axes, substitute(op->body, rename), op->tag);
  std::vector<Expr> indices;
  for (int d : perm) indices.push_back(op->axes[d].var());
  stage.op_ = with_body(op, TensorLoad::make(cache, indices));
  stage.reset_loops();
  size_t position = 0;
  while (stages_[position].get() != &stage) position++;
  Stage& cs = add_stage(cache, Ref<const ComputeOpNode>(as_compute(cache)), false, position);
  cs.scope_ = scope;
  Step step{"cache_write", tensor.name(), {}, {}, {scope}, {name}};
  for (int d : layout) step.ints.emplace_back(d);
  record(std::move(step));
  return cache;
}

}  // namespace anvil
