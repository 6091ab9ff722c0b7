// Matching a stage's loop nest against a tensor intrinsic (used by the
// tensorize primitive to check legality and by lowering to find the operands).
#pragma once

#include <vector>

#include "anvil/schedule/Schedule.h"
#include "anvil/schedule/Tensorize.h"

namespace anvil {

struct TensorizeMatch {
  // The loops replaced by the intrinsic (the leaves from the tensorized loop in).
  std::vector<Loop> loops;
  // For each intrinsic input, the stage's tensor and the indices the stage
  // reads it at (in terms of the stage's axis variables).
  std::vector<Tensor> operand_tensors;
  std::vector<std::vector<Expr>> operand_indices;
  // For each intrinsic input, the stage tensor's dimension behind each of the
  // intrinsic operand's dimensions (the stage tensor may have more).
  std::vector<std::vector<int>> operand_dims;
  // The same for the output.
  std::vector<int> output_dims;
};

// Throws ScheduleError (what does not match, and where) when the nest of
// `stage` from `loop` inward does not compute `intrin`.
TensorizeMatch match_tensorize(const Stage& stage, const Loop& loop, const TensorIntrin& intrin);

}  // namespace anvil
