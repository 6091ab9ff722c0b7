// Lowering pass 2: bound inference. A stage computed at the root covers its
// whole domain; a stage computed at a consumer's loop covers the region that
// the consumer reads inside that loop, found by interval analysis of the
// consumer's index expressions with the inner loops relaxed to their ranges.
// Then the extents of split/fused loops follow from the root extents, and the
// root axes' values from the leaf loop variables.
#include <algorithm>

#include "anvil/ir/Bounds.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Simplify.h"
#include "anvil/support/Error.h"
#include "LowerContext.h"

namespace anvil::lowering {

namespace {

Range full_range(const IterVar& iv) { return iv.dom(); }

// The one stage that reads p (looking through inlined stages, whose bodies
// are already substituted into their readers).
const StageInfo& reader_of(const LowerContext& ctx, const Stage& p) {
  const StageInfo* reader = nullptr;
  for (const StageInfo& info : ctx.stages) {
    if (info.stage->attach_kind() == AttachKind::Inline) continue;
    bool reads = false;
    post_order_visit(info.body, [&](const IRNode* n) {
      reads = reads || (n->kind == IRNodeKind::TensorLoad &&
                        static_cast<const TensorLoad*>(n)->tensor.same_as(p.tensor()));
    });
    if (!reads) continue;
    ANVIL_SCHEDULE_CHECK(!reader, p.name() << " is computed at a loop of " << p.attach_stage()->name()
                                           << " but is read by both " << reader->stage->name()
                                           << " and " << info.stage->name());
    reader = &info;
  }
  ANVIL_SCHEDULE_CHECK(reader, p.name() << " is computed at " << p.attach_stage()->name()
                                        << " but no stage reads it");
  return *reader;
}

// Root ranges of a stage computed at a loop L of a consumer: the union of the
// reader's reads over one iteration of L. The reader is the consumer, or a
// stage computed inside L (through a chain of compute_at); every loop of the
// stages in that chain and the consumer's loops inside L are relaxed.
std::vector<Range> region_read_by_consumer(const LowerContext& ctx, const StageInfo& producer) {
  const Stage& p = *producer.stage;
  const Stage& c = *p.attach_stage();
  const StageInfo& reader = reader_of(ctx, p);
  const auto& leaves = c.leaf_loops();
  auto attach = std::find(leaves.begin(), leaves.end(), p.attach_loop());
  ANVIL_SCHEDULE_CHECK(attach != leaves.end(),
                       p.name() << " is computed at loop " << p.attach_loop()->name << " of "
                                << c.name() << ", which is no longer a loop of " << c.name()
                                << " (it was split or fused after compute_at)");
  IntervalMap relax;
  for (auto it = attach + 1; it != leaves.end(); ++it) {
    Expr extent = ctx.info(&c).extents.at(it->get());
    relax[(*it)->var.get()] = Interval(0, simplify(extent - 1));
  }
  for (const Stage* s = reader.stage; s != &c; s = s->attach_stage()) {
    ANVIL_SCHEDULE_CHECK(s->attach_kind() == AttachKind::At,
                         p.name() << " is computed at " << c.name() << ", but its reader "
                                  << reader.stage->name() << " is not computed inside "
                                  << c.name());
    const StageInfo& inside = ctx.info(s);
    for (const Loop& l : s->leaf_loops()) {
      relax[l->var.get()] = Interval(0, simplify(inside.extents.at(l.get()) - 1));
    }
  }
  VarMap values = axis_values(reader);
  const StageInfo& consumer = reader;
  int ndim = p.tensor().ndim();
  std::vector<Interval> hull(ndim);
  bool any = false;
  post_order_visit(consumer.body, [&](const IRNode* n) {
    if (n->kind != IRNodeKind::TensorLoad) return;
    auto* load = static_cast<const TensorLoad*>(n);
    if (!load->tensor.same_as(p.tensor())) return;
    for (int d = 0; d < ndim; d++) {
      Interval i = bounds_of(simplify(substitute(load->indices[d], values)), relax);
      hull[d] = any ? interval_union(hull[d], i) : i;
    }
    any = true;
  });
  ANVIL_SCHEDULE_CHECK(any, p.name() << " is computed at " << c.name() << " but "
                                     << c.name() << " does not read it");
  std::vector<Range> ranges;
  for (int d = 0; d < ndim; d++) {
    const Range& full = p.op()->axes[d].dom();
    if (!hull[d].is_bounded()) {
      ranges.push_back(full);  // unknown reads: compute everything
      continue;
    }
    Expr min = simplify(hull[d].min);
    Expr extent = simplify(hull[d].max - hull[d].min + 1);
    if (!as_const_int(extent)) {
      // Allocate and loop over a constant upper bound when there is one; the
      // domain guard keeps the extra iterations from computing anything.
      Interval bound = bounds_of(extent, relax);
      if (bound.max.defined() && as_const_int(simplify(bound.max))) extent = simplify(bound.max);
    }
    ranges.emplace_back(min, extent);
  }
  return ranges;
}

void derive_loops(StageInfo& info) {
  const Stage& s = *info.stage;
  for (size_t r = 0; r < s.root_loops().size(); r++)
    info.extents[s.root_loops()[r].get()] = info.root_ranges[r].extent;
  for (const LoopRelation& rel : s.relations()) {
    if (rel.kind == LoopRelation::Kind::Split) {
      const SplitRelation& sp = rel.split;
      Expr parent = info.extents.at(sp.parent.get());
      if (sp.factor > 0) {
        info.extents[sp.inner.get()] = Expr(static_cast<int>(sp.factor));
        info.extents[sp.outer.get()] = simplify(floordiv(parent + static_cast<int>(sp.factor - 1),
                                                         static_cast<int>(sp.factor)));
      } else {
        info.extents[sp.outer.get()] = Expr(static_cast<int>(sp.nparts));
        info.extents[sp.inner.get()] = simplify(floordiv(parent + static_cast<int>(sp.nparts - 1),
                                                         static_cast<int>(sp.nparts)));
      }
    } else {
      const FuseRelation& f = rel.fuse;
      info.extents[f.fused.get()] =
          simplify(info.extents.at(f.outer.get()) * info.extents.at(f.inner.get()));
    }
  }
  // Values: leaves are their own variables; walk the relations backwards.
  std::unordered_map<const LoopNode*, Expr> value;
  for (const Loop& l : s.leaf_loops()) value[l.get()] = l->var;
  for (auto it = s.relations().rbegin(); it != s.relations().rend(); ++it) {
    if (it->kind == LoopRelation::Kind::Split) {
      const SplitRelation& sp = it->split;
      Expr outer = value.at(sp.outer.get()), inner = value.at(sp.inner.get());
      Expr inner_extent = info.extents.at(sp.inner.get());
      Expr parent_value = outer * inner_extent + inner;
      value[sp.parent.get()] = parent_value;
      Expr parent_extent = info.extents.at(sp.parent.get());
      Expr covered = info.extents.at(sp.outer.get()) * inner_extent;
      if (!can_prove(covered <= parent_extent)) info.guards.push_back(parent_value < parent_extent);
    } else {
      const FuseRelation& f = it->fuse;
      Expr fused = value.at(f.fused.get());
      Expr inner_extent = info.extents.at(f.inner.get());
      value[f.outer.get()] = floordiv(fused, inner_extent);
      value[f.inner.get()] = floormod(fused, inner_extent);
    }
  }
  for (const Loop& r : s.root_loops()) info.values[r.get()] = value.at(r.get());
  // A region that may reach past the tensor's domain computes only the points inside it.
  if (info.is_attached()) {
    VarMap axes = axis_values(info);
    for (size_t d = 0; d < s.op()->axes.size(); d++) {
      Expr v = axes.at(s.op()->axes[d].var().get());
      const Range& full = s.op()->axes[d].dom();
      Range region = info.root_ranges[d];
      if (!can_prove(region.min >= full.min)) info.guards.push_back(v >= full.min);
      if (!can_prove(region.min + region.extent <= full.min + full.extent))
        info.guards.push_back(v < full.min + full.extent);
    }
  }
}

}  // namespace

void infer_bounds(LowerContext& ctx) {
  // Consumers first: a producer's region depends on its consumer's loops.
  for (auto it = ctx.stages.rbegin(); it != ctx.stages.rend(); ++it) {
    StageInfo& info = *it;
    const Stage& s = *info.stage;
    if (s.attach_kind() == AttachKind::Inline) continue;
    const ComputeOpNode* op = s.op();
    info.root_ranges.clear();
    if (s.attach_kind() == AttachKind::At) {
      info.root_ranges = region_read_by_consumer(ctx, info);
    } else {
      for (const IterVar& iv : op->axes) info.root_ranges.push_back(full_range(iv));
    }
    for (const IterVar& iv : op->reduce_axes()) info.root_ranges.push_back(full_range(iv));
    derive_loops(info);
  }
}

}  // namespace anvil::lowering
