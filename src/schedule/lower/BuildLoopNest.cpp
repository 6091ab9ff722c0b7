// Lowering pass 3: build the loop nest of every stage from its leaf loops and
// place each stage where it is attached: at the root in producer-before-
// consumer order, or at the start of a consumer's loop body. The result is
// tensor-level IR (Realize, TensorStore, TensorLoad) for storage flatten.
#include <algorithm>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Simplify.h"
#include "anvil/ir/Substitute.h"
#include "anvil/support/Error.h"
#include "LowerContext.h"
#include "../primitives/TensorizeMatch.h"

namespace anvil::lowering {

namespace {

bool mentions_any(const Expr& e, const std::vector<Var>& vars) {
  for (const Var& v : vars)
    if (uses_var(e, v)) return true;
  return false;
}

std::vector<Range> spatial_region(const StageInfo& info) {
  size_t n = info.stage->op()->axes.size();
  return {info.root_ranges.begin(), info.root_ranges.begin() + static_cast<std::ptrdiff_t>(n)};
}

class NestBuilder {
 public:
  explicit NestBuilder(const LowerContext& ctx) : ctx_(ctx) {}

  // The whole program: root stages in producer order, intermediate ones
  // realized around everything that follows them.
  Stmt build_root() {
    std::vector<Stmt> nests;
    std::vector<const StageInfo*> realized;
    for (const StageInfo& info : ctx_.stages) {
      if (info.stage->attach_kind() != AttachKind::Root) continue;
      nests.push_back(build_stage(info));
      if (!info.stage->is_output()) realized.push_back(&info);
    }
    Stmt body = Seq::make(nests);
    for (auto it = realized.rbegin(); it != realized.rend(); ++it)
      body = Realize::make((*it)->stage->tensor(), spatial_region(**it), (*it)->stage->scope(), body);
    return body;
  }

 private:
  // Stages attached at `loop` of `consumer`, wrapped around `inner`.
  Stmt wrap_attached(const Stage* consumer, const Loop& loop, Stmt inner) {
    std::vector<const StageInfo*> attached;
    for (const StageInfo& info : ctx_.stages) {
      if (info.stage->attach_kind() == AttachKind::At && info.stage->attach_stage() == consumer &&
          info.stage->attach_loop() == loop)
        attached.push_back(&info);
    }
    for (auto it = attached.rbegin(); it != attached.rend(); ++it) {
      const StageInfo& p = **it;
      inner = Realize::make(p.stage->tensor(), spatial_region(p), p.stage->scope(),
                            Seq::make({build_stage(p), inner}));
    }
    return inner;
  }

  Stmt make_for(const StageInfo& info, const Loop& l, const Var& var, Stmt body) {
    Expr extent = info.extents.at(l.get());
    if (l->for_kind == ForKind::Vectorized || l->for_kind == ForKind::Unrolled) {
      ANVIL_SCHEDULE_CHECK(as_const_int(simplify(extent)),
                           for_kind_name(l->for_kind)
                               << " loop " << info.stage->name() << "." << l->name
                               << " has a non-constant extent after bound inference (its "
                                  "stage is computed at a loop whose region varies)");
    }
    return For::make(var, 0, extent, l->for_kind, body, l->thread_tag, l->pragmas);
  }

  // loops[from, to) around `body`, with the stages attached at each loop.
  Stmt nest(const StageInfo& info, const std::vector<Loop>& loops, size_t from, size_t to,
            Stmt body) {
    for (size_t i = to; i-- > from;) {
      body = wrap_attached(info.stage, loops[i], body);
      body = make_for(info, loops[i], loops[i]->var, body);
    }
    return body;
  }

  // One `if` per condition, so that a condition that varies across the lanes
  // of a vectorized loop does not drag the others into a lane mask.
  Stmt guarded(Stmt s, const std::vector<Expr>& conds) {
    for (auto it = conds.rbegin(); it != conds.rend(); ++it) s = IfThenElse::make(likely(*it), s);
    return s;
  }

  // The intrinsic call that replaces leaves[block..]: for each operand (the
  // intrinsic's inputs, then its output) its rank, a read at the region's
  // first element and one read a unit step along each of its dimensions;
  // after storage flatten these give the buffer, offset and strides
  // (lower_tensorize turns the call into the intrinsic's code).
  // The guards of a stage whose leaves from `block` in are tensorized: the
  // replaced loops have no variables left to test, so a guard that uses them
  // must hold for every iteration (provably, over the ranges of all loops) and
  // is dropped; any other is a ScheduleError.
  std::vector<Expr> tensorized_guards(const StageInfo& info, size_t block) const {
    const Stage& s = *info.stage;
    std::vector<Var> replaced;
    for (size_t i = block; i < s.leaf_loops().size(); i++) replaced.push_back(s.leaf_loops()[i]->var);
    IntervalMap loop_ranges;
    for (const StageInfo& other : ctx_.stages) {
      for (const Loop& l : other.stage->leaf_loops()) {
        auto e = other.extents.find(l.get());
        if (e != other.extents.end())
          loop_ranges[l->var.get()] = Interval(make_zero(e->second.type()), e->second - 1);
      }
    }
    std::vector<Expr> kept;
    for (const Expr& g : info.guards) {
      if (!mentions_any(g, replaced)) {
        kept.push_back(g);
        continue;
      }
      ANVIL_SCHEDULE_CHECK(can_prove(g, loop_ranges),
                           "tensorize of loop " << s.leaf_loops()[block]->name << " of " << s.name()
                                                << ": the tensorized loops need a bounds guard "
                                                   "(a split that does not divide or a compute_at "
                                                   "region past the domain): "
                                                << g);
    }
    return kept;
  }

  Stmt tensorize_call(const StageInfo& info, size_t block, const VarMap& values) {
    const Stage& s = *info.stage;
    const Loop& loop = s.leaf_loops()[block];
    const TensorIntrin& intrin = *loop->tensorize_intrin;
    TensorizeMatch m = match_tensorize(s, loop, intrin);
    VarMap at_origin;
    for (const Loop& l : m.loops) at_origin[l->var.get()] = Expr(0);
    VarMap base;
    for (const auto& [var, value] : values) base[var] = simplify(substitute(value, at_origin));
    for (const auto& [axis, extent] : m.aligned_axes) {
      auto it = base.find(axis.get());
      Expr start = it != base.end() ? it->second : Expr(axis);
      ANVIL_SCHEDULE_CHECK(can_prove(floormod(start, make_const(start.type(), extent)) == 0),
                           "tensorize of loop " << loop->name << " of " << s.name() << ": axis "
                                                << axis.name() << " starts at " << start
                                                << ", not provably a multiple of " << extent
                                                << ", which the blocked operand layout needs");
    }
    std::vector<Expr> args = {StringImm::make(intrin.name)};
    auto add_operand = [&](const Tensor& t, const std::vector<Expr>& indices, const std::vector<int>& dims) {
      const Stage& producer = (*ctx_.schedule)[t];
      ANVIL_SCHEDULE_CHECK(producer.attach_kind() != AttachKind::Inline,
                           "tensorize of loop " << loop->name << " of " << s.name() << ": operand "
                                                << t.name() << " is inlined and has no storage");
      std::vector<Expr> origin;
      for (const Expr& e : indices) origin.push_back(simplify(substitute(e, base)));
      args.push_back(Expr(static_cast<int>(dims.size())));
      args.push_back(TensorLoad::make(t, origin));
      for (int d : dims) {
        std::vector<Expr> step = origin;
        step[d] = step[d] + 1;
        args.push_back(TensorLoad::make(t, step));
      }
    };
    for (size_t j = 0; j < m.operand_tensors.size(); j++)
      add_operand(m.operand_tensors[j], m.operand_indices[j], m.operand_dims[j]);
    std::vector<Expr> out_index;
    for (const IterVar& iv : s.op()->axes) out_index.push_back(iv.var());
    add_operand(s.tensor(), out_index, m.output_dims);
    return Evaluate::make(Call::make(DataType::Int(32), kTensorizeCall, args, CallKind::Intrinsic));
  }

  Stmt build_stage(const StageInfo& info) {
    const Stage& s = *info.stage;
    const ComputeOpNode* op = s.op();
    VarMap values = axis_values(info);
    std::vector<Expr> index;
    for (const IterVar& iv : op->axes) index.push_back(values.at(iv.var().get()));
    const auto& leaves = s.leaf_loops();
    size_t block = leaves.size();
    for (size_t i = 0; i < leaves.size() && block == leaves.size(); i++)
      if (leaves[i]->tensorize_intrin) block = i;
    Stmt intrinsic;
    std::vector<Expr> guards = info.guards;
    if (block < leaves.size()) {
      guards = tensorized_guards(info, block);
      intrinsic = tensorize_call(info, block, values);
    }
    const Reduce* reduce = info.body.as<Reduce>();
    if (!reduce) {
      Stmt store = intrinsic.defined()
                       ? intrinsic
                       : TensorStore::make(s.tensor(), substitute(info.body, values), index);
      return nest(info, leaves, 0, block, guarded(store, guards));
    }
    // A reduction: initialise once per output point, before its first
    // reduction loop (or the tensorized block); update inside all loops.
    size_t first_reduce = 0;
    while (first_reduce < leaves.size() && leaves[first_reduce]->iter_kind != IterKind::Reduce)
      first_reduce++;
    first_reduce = std::min(first_reduce, block);
    std::vector<Var> reduce_vars;
    for (const Loop& l : leaves)
      if (l->iter_kind == IterKind::Reduce) reduce_vars.push_back(l->var);
    std::vector<Expr> spatial_guards, all_guards = guards;
    for (const Expr& g : guards)
      if (!mentions_any(g, reduce_vars)) spatial_guards.push_back(g);

    Expr source = substitute(reduce->source, values);
    Expr current = TensorLoad::make(s.tensor(), index);
    Stmt update = TensorStore::make(s.tensor(), reduce->combiner.combine(current, source), index);
    Expr cond = substitute(reduce->condition, values);
    if (!is_one(cond)) all_guards.push_back(cond);
    if (intrinsic.defined()) update = intrinsic;
    update = nest(info, leaves, first_reduce, block, guarded(update, all_guards));

    // The init nest re-runs the spatial loops that sit inside the first
    // reduction loop, over fresh variables.
    VarMap fresh;
    std::vector<Loop> init_loops;
    for (size_t i = first_reduce; i < leaves.size(); i++) {
      if (leaves[i]->iter_kind != IterKind::DataPar) continue;
      init_loops.push_back(leaves[i]);
      fresh[leaves[i]->var.get()] = Var(leaves[i]->var.name() + ".init");
    }
    std::vector<Expr> init_index;
    for (const Expr& e : index) init_index.push_back(substitute(e, fresh));
    std::vector<Expr> init_guards;
    for (const Expr& g : spatial_guards) init_guards.push_back(substitute(g, fresh));
    Stmt init = guarded(TensorStore::make(s.tensor(), reduce->combiner->identity, init_index),
                        init_guards);
    for (size_t i = init_loops.size(); i-- > 0;) {
      Var v(fresh.at(init_loops[i]->var.get()).as<Variable>());
      ForKind kind = init_loops[i]->for_kind;
      Expr extent = info.extents.at(init_loops[i].get());
      init = For::make(v, 0, extent, kind, init, init_loops[i]->thread_tag, init_loops[i]->pragmas);
    }
    return nest(info, leaves, 0, first_reduce, Seq::make({init, update}));
  }

  const LowerContext& ctx_;
};

}  // namespace

Stmt build_loop_nest(const LowerContext& ctx) { return NestBuilder(ctx).build_root(); }

}  // namespace anvil::lowering
