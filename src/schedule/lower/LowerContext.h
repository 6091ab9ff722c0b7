// State shared by the first lowering passes (inline, bound inference, loop
// nest construction): per stage, its inlined body and the ranges and index
// expressions of its loops.
#pragma once

#include <unordered_map>
#include <vector>

#include "anvil/ir/IR.h"
#include "anvil/ir/Substitute.h"
#include "anvil/schedule/Schedule.h"

namespace anvil::lowering {

struct StageInfo {
  const Stage* stage = nullptr;
  Expr body;                       // the op's body with inlined producers substituted
  std::vector<Range> root_ranges;  // per root loop: spatial axes, then reduction axes
  // Extent of every loop of the stage (root and derived), after bound inference.
  std::unordered_map<const LoopNode*, Expr> extents;
  // Value of every root loop's axis offset (0-based) in terms of leaf loop vars.
  std::unordered_map<const LoopNode*, Expr> values;
  // Conditions under which an iteration is real (splits that do not divide,
  // regions of compute_at stages that reach past the tensor's domain).
  std::vector<Expr> guards;
  bool is_attached() const { return stage->attach_kind() == AttachKind::At; }
};

struct LowerContext {
  const Schedule* schedule = nullptr;
  std::vector<StageInfo> stages;  // compute stages, producer before consumer; inlined ones included
  StageInfo& info(const Stage* s);
  const StageInfo& info(const Stage* s) const;
};

// The call that marks a tensorized block until lower_tensorize replaces it.
inline constexpr const char* kTensorizeCall = "anvil.tensorize";

// Pass 1: substitute inlined stages into their consumers' bodies.
LowerContext inline_stages(const Schedule& schedule);
// Pass 2: the region of each stage to compute, and its loops' extents and values.
void infer_bounds(LowerContext& ctx);
// Pass 3: the loop nest of every stage, with Realize/TensorStore/TensorLoad.
Stmt build_loop_nest(const LowerContext& ctx);

// The value of the op's axis variables in terms of leaf loop vars (root min + offset).
VarMap axis_values(const StageInfo& info);

}  // namespace anvil::lowering
