// tensorize: replace a loop nest by a tensor intrinsic after checking that the
// nest computes exactly what the intrinsic declares.
#include <algorithm>
#include <unordered_map>

#include "TensorizeMatch.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Simplify.h"
#include "anvil/ir/StructuralEqual.h"
#include "anvil/ir/Substitute.h"
#include "anvil/support/Error.h"

namespace anvil {

Expr BufferRegion::index(const std::vector<Expr>& indices) const {
  ANVIL_USER_CHECK(indices.size() == strides.size(), "region of " << buffer.name() << " has "
                                                                  << strides.size()
                                                                  << " dimensions, indexed with "
                                                                  << indices.size());
  Expr e = offset;
  for (size_t d = 0; d < indices.size(); d++) e = e + indices[d] * strides[d];
  return e;
}

void validate_intrin(const TensorIntrin& intrin) {
  ANVIL_USER_CHECK(!intrin.name.empty(), "a tensor intrinsic needs a name");
  ANVIL_USER_CHECK(intrin.output.defined() && as_compute(intrin.output),
                   "tensor intrinsic " << intrin.name << ": its output must be a compute");
  ANVIL_USER_CHECK(static_cast<bool>(intrin.emit), "tensor intrinsic " << intrin.name
                                                                       << " has no emit function");
  for (const Tensor& in : as_compute(intrin.output)->input_tensors()) {
    bool listed = std::any_of(intrin.inputs.begin(), intrin.inputs.end(),
                              [&](const Tensor& t) { return t.same_as(in); });
    ANVIL_USER_CHECK(listed && as_placeholder(in), "tensor intrinsic " << intrin.name << ": it reads "
                                                                       << in.name()
                                                                       << ", which is not one of its "
                                                                          "input placeholders");
  }
}

namespace {

// Expression matcher: the stage's body against the intrinsic's, with stage
// axis variables of the tensorized loops standing for base + intrinsic axis.
class BodyMatcher {
 public:
  // An axis the tensorized loops move: the stage's variable, the intrinsic's,
  // and the extent the intrinsic gives it.
  struct MovedAxis {
    Var axis, intrin_var;
    int64_t extent;
  };

  BodyMatcher(const TensorIntrin& intrin, const std::vector<MovedAxis>& moved, std::string where)
      : intrin_(intrin), moved_(moved), where_(std::move(where)) {
    for (const MovedAxis& m : moved) {
      shift_[m.axis.get()] = m.axis + m.intrin_var;
      to_intrin_[m.axis.get()] = m.intrin_var;
      aligned_origin_[m.axis.get()] = m.axis * make_const(m.axis.type(), m.extent);
      aligned_shift_[m.axis.get()] = aligned_origin_[m.axis.get()] + m.intrin_var;
      intrin_range_[m.intrin_var.get()] =
          Interval(make_const(m.intrin_var.type(), int64_t{0}), make_const(m.intrin_var.type(), m.extent - 1));
    }
  }

  void match(const Expr& s, const Expr& i) {
    fail_if(s->kind != i->kind || s.type() != i.type(),
            "the stage computes " + std::string(node_kind_name(s->kind)) + " of " +
                s.type().to_string() + " where the intrinsic has " + node_kind_name(i->kind) +
                " of " + i.type().to_string());
    switch (s->kind) {
      case IRNodeKind::IntImm:
        fail_if(s.as<IntImm>()->value != i.as<IntImm>()->value, "constants differ");
        return;
      case IRNodeKind::FloatImm:
        fail_if(s.as<FloatImm>()->value != i.as<FloatImm>()->value, "constants differ");
        return;
      case IRNodeKind::Variable: {
        auto it = to_intrin_.find(s.as<Variable>());
        fail_if(it == to_intrin_.end() || !it->second.same_as(i), "a loop variable is used differently");
        return;
      }
      case IRNodeKind::TensorLoad: return match_load(s.as<TensorLoad>(), i.as<TensorLoad>());
      case IRNodeKind::Reduce: return match_reduce(s.as<Reduce>(), i.as<Reduce>());
      case IRNodeKind::Cast: return match(s.as<Cast>()->value, i.as<Cast>()->value);
      case IRNodeKind::Select:
        match(s.as<Select>()->condition, i.as<Select>()->condition);
        match(s.as<Select>()->true_value, i.as<Select>()->true_value);
        return match(s.as<Select>()->false_value, i.as<Select>()->false_value);
      case IRNodeKind::Call: {
        const Call *a = s.as<Call>(), *b = i.as<Call>();
        fail_if(a->name != b->name || a->args.size() != b->args.size(), "calls differ");
        for (size_t k = 0; k < a->args.size(); k++) match(a->args[k], b->args[k]);
        return;
      }
      default: break;
    }
#define ANVIL_MATCH_BINARY(Name)                                \
  if (const Name* a = s.as<Name>()) {                           \
    match(a->a, i.as<Name>()->a);                               \
    return match(a->b, i.as<Name>()->b);                        \
  }
    ANVIL_MATCH_BINARY(Add) ANVIL_MATCH_BINARY(Sub) ANVIL_MATCH_BINARY(Mul)
    ANVIL_MATCH_BINARY(Div) ANVIL_MATCH_BINARY(Mod) ANVIL_MATCH_BINARY(FloorDiv)
    ANVIL_MATCH_BINARY(FloorMod) ANVIL_MATCH_BINARY(Min) ANVIL_MATCH_BINARY(Max)
    ANVIL_MATCH_BINARY(BitAnd) ANVIL_MATCH_BINARY(BitOr) ANVIL_MATCH_BINARY(BitXor)
    ANVIL_MATCH_BINARY(Shl) ANVIL_MATCH_BINARY(Shr) ANVIL_MATCH_BINARY(EQ)
    ANVIL_MATCH_BINARY(NE) ANVIL_MATCH_BINARY(LT) ANVIL_MATCH_BINARY(LE)
    ANVIL_MATCH_BINARY(GT) ANVIL_MATCH_BINARY(GE) ANVIL_MATCH_BINARY(And)
    ANVIL_MATCH_BINARY(Or)
#undef ANVIL_MATCH_BINARY
    fail_if(true, std::string("cannot match ") + node_kind_name(s->kind) + " nodes");
  }

  TensorizeMatch result;

 private:
  void fail_if(bool cond, const std::string& why) {
    if (cond) throw ScheduleError("tensorize " + where_ + " with " + intrin_.name + ": " + why);
  }

  void match_reduce(const Reduce* s, const Reduce* i) {
    fail_if(s->axes.size() < i->axes.size(), "the intrinsic reduces over more axes than the stage");
    Expr mapped = substitute(i->combiner->result, VarMap{{i->combiner->lhs.get(), s->combiner->lhs},
                                                         {i->combiner->rhs.get(), s->combiner->rhs}});
    fail_if(!structural_equal(simplify(mapped), simplify(s->combiner->result)) ||
                !structural_equal(simplify(s->combiner->identity), simplify(i->combiner->identity)),
            "the reductions combine differently");
    fail_if(!is_one(simplify(s->condition)) || !is_one(simplify(i->condition)),
            "reductions with a where-condition cannot be tensorized");
    match(s->source, i->source);
  }

  void match_load(const TensorLoad* s, const TensorLoad* i) {
    size_t operand = 0;
    while (operand < intrin_.inputs.size() && !intrin_.inputs[operand].same_as(i->tensor)) operand++;
    fail_if(operand == intrin_.inputs.size(), "the intrinsic reads a tensor it does not list");
    if (result.operand_tensors.size() < intrin_.inputs.size()) {
      result.operand_tensors.resize(intrin_.inputs.size());
      result.operand_indices.resize(intrin_.inputs.size());
      result.operand_dims.resize(intrin_.inputs.size());
    }
    Tensor& bound = result.operand_tensors[operand];
    if (bound.defined() && !bound.same_as(s->tensor)) {
      fail_if(true, "operand " + i->tensor.name() + " would be both " + bound.name() + " and " +
                        s->tensor.name());
    }
    std::vector<int> dims = match_access(s->indices, i->indices, s->tensor.name(), i->tensor.name());
    if (!bound.defined()) {
      bound = s->tensor;
      result.operand_indices[operand] = s->indices;
      result.operand_dims[operand] = dims;
    }
  }

 public:
  // Maps each intrinsic dimension to the stage dimension that moves with it:
  // moving the tensorized loops must move the stage's index exactly as the
  // intrinsic's index moves, and leave the other stage dimensions fixed.
  std::vector<int> match_access(const std::vector<Expr>& stage_indices,
                                const std::vector<Expr>& intrin_indices, const std::string& stage_name,
                                const std::string& intrin_name) {
    VarMap zero;
    for (const IterVar& iv : as_compute(intrin_.output)->axes) zero[iv.var().get()] = Expr(0);
    for (const IterVar& iv : as_compute(intrin_.output)->reduce_axes()) zero[iv.var().get()] = Expr(0);
    for (const Expr& idx : intrin_indices) {
      fail_if(!is_zero(simplify(substitute(idx, zero))),
              "intrinsic operand " + intrin_name + " must be indexed from 0");
    }
    std::vector<int> dims;
    size_t next = 0;
    for (size_t d = 0; d < stage_indices.size(); d++) {
      const Expr* want = next < intrin_indices.size() ? &intrin_indices[next] : nullptr;
      auto fits = [&](const Expr& diff) {
        if (want && is_zero(simplify(diff - *want, intrin_range_))) return 1;  // moves with the operand
        return is_zero(diff) ? 0 : -1;                                        // stays, or neither
      };
      int fit = fits(simplify(substitute(stage_indices[d], shift_) - stage_indices[d]));
      if (fit < 0) {
        // A blocked layout (w[j / 16, j % 16]) moves like the operand only
        // from a base that is a multiple of the block: try that, and have
        // lowering prove the bases.
        fit = fits(simplify(substitute(stage_indices[d], aligned_shift_) -
                                substitute(stage_indices[d], aligned_origin_),
                            intrin_range_));
        if (fit >= 0) require_aligned_bases(stage_indices[d]);
      }
      fail_if(fit < 0, stage_name + " dimension " + std::to_string(d) +
                           " is accessed with another pattern than intrinsic operand " + intrin_name);
      if (fit == 1) {
        dims.push_back(static_cast<int>(d));
        next++;
      }
    }
    fail_if(next != intrin_indices.size(),
            stage_name + " is accessed along fewer dimensions than intrinsic operand " + intrin_name);
    return dims;
  }

 private:
  // Every moved axis `index` uses must start at a multiple of its extent.
  void require_aligned_bases(const Expr& index) {
    for (const MovedAxis& m : moved_) {
      if (!uses_var(index, m.axis)) continue;
      bool known = std::any_of(result.aligned_axes.begin(), result.aligned_axes.end(),
                               [&](const auto& a) { return a.first.same_as(m.axis); });
      if (!known) result.aligned_axes.emplace_back(m.axis, m.extent);
    }
  }

  const TensorIntrin& intrin_;
  std::vector<MovedAxis> moved_;
  VarMap shift_;           // stage axis var → itself + intrinsic axis var
  VarMap to_intrin_;       // stage axis var → intrinsic axis var
  VarMap aligned_origin_;  // stage axis var → itself · extent (a block's start)
  VarMap aligned_shift_;   // stage axis var → itself · extent + intrinsic axis var
  IntervalMap intrin_range_;  // intrinsic axis var → [0, extent - 1]
  std::string where_;
};

}  // namespace

TensorizeMatch match_tensorize(const Stage& stage, const Loop& loop, const TensorIntrin& intrin) {
  std::string where = "of loop " + loop->name + " of " + stage.name();
  const auto& leaves = stage.leaf_loops();
  auto start = std::find(leaves.begin(), leaves.end(), loop);
  ANVIL_SCHEDULE_CHECK(start != leaves.end(), "tensorize " << where << ": not a current loop of the stage");
  TensorizeMatch match;
  match.loops.assign(start, leaves.end());

  // Each replaced loop must move exactly one root axis with unit step: a root
  // loop itself, or the inner part of splits that divide evenly.
  std::vector<const LoopNode*> roots_of;
  for (const Loop& l : match.loops) {
    const LoopNode* current = l.get();
    for (;;) {
      auto root = std::find_if(stage.root_loops().begin(), stage.root_loops().end(),
                               [&](const Loop& r) { return r.get() == current; });
      if (root != stage.root_loops().end()) break;
      const SplitRelation* parent = nullptr;
      for (const LoopRelation& rel : stage.relations()) {
        if (rel.kind == LoopRelation::Kind::Split && rel.split.inner.get() == current) parent = &rel.split;
        ANVIL_SCHEDULE_CHECK(!(rel.kind == LoopRelation::Kind::Split && rel.split.outer.get() == current),
                             "tensorize " << where << ": loop " << current->name
                                          << " is the outer part of a split; the replaced loops "
                                             "must step one element at a time");
        ANVIL_SCHEDULE_CHECK(!(rel.kind == LoopRelation::Kind::Fuse && rel.fuse.fused.get() == current),
                             "tensorize " << where << ": loop " << current->name << " is fused");
      }
      ANVIL_ASSERT(parent, "loop without a root");
      ANVIL_SCHEDULE_CHECK(parent->parent->extent % parent->inner->extent == 0,
                           "tensorize " << where << ": the split of " << parent->parent->name
                                        << " by " << parent->inner->extent
                                        << " does not divide its extent " << parent->parent->extent);
      current = parent->parent.get();
    }
    ANVIL_SCHEDULE_CHECK(std::find(roots_of.begin(), roots_of.end(), current) == roots_of.end(),
                         "tensorize " << where << ": two replaced loops move the same axis "
                                      << current->name);
    roots_of.push_back(current);
  }

  const ComputeOpNode* iop = as_compute(intrin.output);
  const ComputeOpNode* sop = stage.op();
  std::vector<IterVar> intrin_spatial = iop->axes, intrin_reduce = iop->reduce_axes();
  size_t next_spatial = 0, next_reduce = 0;
  std::vector<BodyMatcher::MovedAxis> moved;
  size_t spatial = sop->axes.size();
  for (size_t n = 0; n < match.loops.size(); n++) {
    const Loop& l = match.loops[n];
    bool is_reduce = l->iter_kind == IterKind::Reduce;
    std::vector<IterVar>& pool = is_reduce ? intrin_reduce : intrin_spatial;
    size_t& next = is_reduce ? next_reduce : next_spatial;
    ANVIL_SCHEDULE_CHECK(next < pool.size(), "tensorize " << where << ": the nest has more "
                                                          << (is_reduce ? "reduction" : "spatial")
                                                          << " loops than the intrinsic's "
                                                          << pool.size());
    const IterVar& iv = pool[next++];
    auto extent = as_const_int(iv.dom().extent);
    ANVIL_SCHEDULE_CHECK(extent && *extent == l->extent,
                         "tensorize " << where << ": loop " << l->name << " has extent " << l->extent
                                      << " but the intrinsic's axis " << iv.var().name() << " has "
                                      << (extent ? std::to_string(*extent) : "a symbolic extent"));
    size_t r = std::find_if(stage.root_loops().begin(), stage.root_loops().end(),
                            [&](const Loop& root) { return root.get() == roots_of[n]; }) -
               stage.root_loops().begin();
    const Var& axis = r < spatial ? sop->axes[r].var() : sop->reduce_axes()[r - spatial].var();
    moved.push_back({axis, iv.var(), l->extent});
  }
  ANVIL_SCHEDULE_CHECK(next_spatial == intrin_spatial.size() && next_reduce == intrin_reduce.size(),
                       "tensorize " << where << ": the nest has fewer loops than the intrinsic's axes");
  BodyMatcher matcher(intrin, moved, where);
  matcher.match(sop->body, iop->body);
  match.operand_tensors = std::move(matcher.result.operand_tensors);
  match.operand_indices = std::move(matcher.result.operand_indices);
  match.operand_dims = std::move(matcher.result.operand_dims);
  ANVIL_SCHEDULE_CHECK(match.operand_tensors.size() == intrin.inputs.size(),
                       "tensorize " << where << ": the stage does not read every intrinsic operand");
  std::vector<Expr> stage_out, intrin_out;
  for (const IterVar& iv : sop->axes) stage_out.push_back(iv.var());
  for (const IterVar& iv : iop->axes) intrin_out.push_back(iv.var());
  match.output_dims = matcher.match_access(stage_out, intrin_out, stage.name(), intrin.output.name());
  match.aligned_axes = std::move(matcher.result.aligned_axes);
  return match;
}

void Stage::tensorize(const Loop& loop, const TensorIntrin& intrin) {
  check_compute("tensorize");
  validate_intrin(intrin);
  size_t pos = leaf_position(loop, "tensorize");
  for (size_t i = pos; i < leaf_loops_.size(); i++) {
    ANVIL_SCHEDULE_CHECK(leaf_loops_[i]->for_kind == ForKind::Serial && !leaf_loops_[i]->tensorize_intrin,
                         "tensorize of loop " << loop->name << " of " << name() << ": loop "
                                              << leaf_loops_[i]->name << " inside it is already "
                                              << (leaf_loops_[i]->tensorize_intrin ? "tensorized"
                                                                                   : for_kind_name(leaf_loops_[i]->for_kind)));
  }
  for (size_t i = 0; i < pos; i++) {
    ANVIL_SCHEDULE_CHECK(!leaf_loops_[i]->tensorize_intrin, "tensorize of loop " << loop->name << " of "
                                                                                 << name() << ": it is inside tensorized loop "
                                                                                 << leaf_loops_[i]->name);
  }
  match_tensorize(*this, loop, intrin);
  loop->tensorize_intrin = &intrin;
  schedule_->record({"tensorize", name(), {loop->name}, {}, {intrin.name}, {}});
}

}  // namespace anvil
