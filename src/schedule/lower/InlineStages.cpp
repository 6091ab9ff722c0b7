// Lowering pass 1: substitute the bodies of inlined stages into the stages
// that read them, so later passes see only stored tensors.
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Substitute.h"
#include "anvil/support/Error.h"
#include "LowerContext.h"

namespace anvil::lowering {

StageInfo& LowerContext::info(const Stage* s) {
  for (StageInfo& i : stages)
    if (i.stage == s) return i;
  ANVIL_ASSERT(false, "no lowering info for stage " << s->name());
  return stages.front();
}

const StageInfo& LowerContext::info(const Stage* s) const {
  return const_cast<LowerContext*>(this)->info(s);
}

namespace {

class InlineReads : public IRMutator {
 public:
  explicit InlineReads(const LowerContext& ctx) : ctx_(ctx) {}
  using IRMutator::mutate;

 protected:
  Expr mutate_node(const TensorLoad* op, const Expr& self) override {
    Expr e = IRMutator::mutate_node(op, self);
    const TensorLoad* load = e.as<TensorLoad>();
    const Stage& producer = (*ctx_.schedule)[load->tensor];
    if (producer.attach_kind() != AttachKind::Inline) return e;
    // The producer's body is already inlined itself (stages come in producer order).
    const StageInfo& info = ctx_.info(&producer);
    VarMap map;
    for (size_t d = 0; d < load->indices.size(); d++)
      map[producer.op()->axes[d].var().get()] = load->indices[d];
    return substitute(info.body, map);
  }

 private:
  const LowerContext& ctx_;
};

}  // namespace

LowerContext inline_stages(const Schedule& schedule) {
  LowerContext ctx;
  ctx.schedule = &schedule;
  for (const Stage* s : schedule.stages()) {
    if (!s->is_compute()) continue;
    StageInfo info;
    info.stage = s;
    ctx.stages.push_back(info);
    ctx.stages.back().body = InlineReads(ctx).mutate(s->op()->body);
  }
  return ctx;
}

VarMap axis_values(const StageInfo& info) {
  VarMap map;
  const Stage& s = *info.stage;
  const ComputeOpNode* op = s.op();
  size_t spatial = op->axes.size();
  for (size_t r = 0; r < s.root_loops().size(); r++) {
    const Var& axis_var =
        r < spatial ? op->axes[r].var() : op->reduce_axes()[r - spatial].var();
    map[axis_var.get()] = info.root_ranges[r].min + info.values.at(s.root_loops()[r].get());
  }
  return map;
}

}  // namespace anvil::lowering
