// rfactor: factor one reduction loop out into a stage of partial results, so
// that the partial reductions can run in parallel or vectorized.
#include <algorithm>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/Substitute.h"
#include "anvil/schedule/Schedule.h"
#include "anvil/schedule/ScheduleUtil.h"
#include "anvil/support/Error.h"

namespace anvil {

Tensor Schedule::rfactor(const Tensor& tensor, const Loop& loop, int factor_axis) {
  Stage& stage = (*this)[tensor];
  stage.check_compute("rfactor");
  const ComputeOpNode* op = stage.op_.get();
  const Reduce* reduce = op->body.as<Reduce>();
  ANVIL_SCHEDULE_CHECK(reduce, "rfactor of " << tensor.name() << ": it is not a reduction");
  size_t pos = stage.leaf_position(loop, "rfactor");
  (void)pos;
  ANVIL_SCHEDULE_CHECK(loop->iter_kind == IterKind::Reduce,
                       "rfactor of " << tensor.name() << ": " << loop->name
                                     << " is not a reduction loop");
  int ndim = tensor.ndim();
  ANVIL_SCHEDULE_CHECK(factor_axis >= 0 && factor_axis <= ndim,
                       "rfactor of " << tensor.name() << ": factor_axis " << factor_axis
                                     << " must be in 0.." << ndim);
  size_t spatial = op->axes.size();
  // Find the root reduction axis behind `loop`: itself, or the parent of the
  // one split that produced it. Other transformations of reduction loops are
  // not supported (the index algebra of rfactor is defined for these).
  int root_index = -1;
  const SplitRelation* split = nullptr;
  for (size_t r = spatial; r < stage.root_loops_.size(); r++)
    if (stage.root_loops_[r] == loop) root_index = static_cast<int>(r - spatial);
  for (const LoopRelation& rel : stage.relations_) {
    ANVIL_SCHEDULE_CHECK(rel.kind == LoopRelation::Kind::Split,
                         "rfactor of " << tensor.name()
                                       << ": apply it before fusing loops of the stage");
    bool involves = rel.split.outer == loop || rel.split.inner == loop;
    if (!involves) continue;
    auto root = std::find(stage.root_loops_.begin(), stage.root_loops_.end(), rel.split.parent);
    ANVIL_SCHEDULE_CHECK(root != stage.root_loops_.end(),
                         "rfactor of " << tensor.name() << ": " << loop->name
                                       << " must be a reduction axis or one part of a single "
                                          "split of one");
    root_index = static_cast<int>(root - stage.root_loops_.begin()) - static_cast<int>(spatial);
    split = &rel.split;
  }
  ANVIL_ASSERT(root_index >= 0, "rfactor loop not found");
  const IterVar& root_iv = reduce->axes[root_index];
  Expr root_extent = root_iv.dom().extent;

  // The new spatial axis of the partial-result stage ranges over `loop`.
  Var rf_var(loop->name + ".rf");
  IterVar rf_axis = IterVar::make(rf_var, Range(0, static_cast<int>(loop->extent)), IterKind::DataPar);
  std::vector<IterVar> rf_reduce_axes;
  Expr root_value;
  Expr condition = reduce->condition;
  if (!split) {
    root_value = root_iv.dom().min + rf_var;
  } else {
    bool is_outer = split->outer == loop;
    const Loop& other = is_outer ? split->inner : split->outer;
    IterVar other_iv = IterVar::make(Var(other->name), Range(0, static_cast<int>(other->extent)),
                                     IterKind::Reduce);
    rf_reduce_axes.push_back(other_iv);
    Expr inner_extent = static_cast<int>(split->inner->extent);
    Expr outer_v = is_outer ? Expr(rf_var) : Expr(other_iv.var());
    Expr inner_v = is_outer ? Expr(other_iv.var()) : Expr(rf_var);
    root_value = root_iv.dom().min + outer_v * inner_extent + inner_v;
    if ((split->outer->extent * split->inner->extent) != *as_const_int(root_extent)) {
      condition = condition && (outer_v * inner_extent + inner_v < root_extent);
    }
  }
  for (size_t r = 0; r < reduce->axes.size(); r++)
    if (static_cast<int>(r) != root_index) rf_reduce_axes.push_back(reduce->axes[r]);

  std::vector<IterVar> rf_axes;
  VarMap rename;
  for (size_t d = 0; d < spatial; d++) {
    if (static_cast<int>(d) == factor_axis) rf_axes.push_back(rf_axis);
    Var v(op->axes[d].var().name() + ".rf");
    rf_axes.push_back(IterVar::make(v, op->axes[d].dom(), IterKind::DataPar));
    rename[op->axes[d].var().get()] = v;
  }
  if (factor_axis == static_cast<int>(spatial)) rf_axes.push_back(rf_axis);
  rename[root_iv.var().get()] = root_value;
  Expr rf_source = substitute(reduce->source, rename);
  Expr rf_condition = substitute(condition, rename);
  Expr rf_body = rf_reduce_axes.empty()
                     ? rf_source  // nothing left to reduce: the partial result is the value
                     : Reduce::make(reduce->combiner, rf_source, rf_reduce_axes, rf_condition);
  if (rf_reduce_axes.empty() && !is_one(rf_condition)) {
    rf_body = select(rf_condition, rf_source, reduce->combiner->identity);
  }
  std::string name = tensor.name() + ".rf";
  Tensor rf = make_compute_tensor(name, rf_axes, rf_body, op->tag);

  // The original stage now reduces the partial results over the factored axis.
  IterVar final_axis = IterVar::make(Var(loop->name + ".v"), Range(0, static_cast<int>(loop->extent)),
                                     IterKind::Reduce);
  std::vector<Expr> indices;
  for (size_t d = 0; d < spatial; d++) {
    if (static_cast<int>(d) == factor_axis) indices.push_back(final_axis.var());
    indices.push_back(op->axes[d].var());
  }
  if (factor_axis == static_cast<int>(spatial)) indices.push_back(final_axis.var());
  Expr final_body = Reduce::make(reduce->combiner, TensorLoad::make(rf, indices), {final_axis},
                                 Expr());
  stage.op_ = with_body(op, final_body);
  stage.reset_loops();
  size_t position = 0;
  while (stages_[position].get() != &stage) position++;
  add_stage(rf, Ref<const ComputeOpNode>(as_compute(rf)), false, position);
  record({"rfactor", tensor.name(), {loop->name}, {factor_axis}, {}, {name}});
  return rf;
}

}  // namespace anvil
