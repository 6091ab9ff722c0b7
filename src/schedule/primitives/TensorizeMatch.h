// Matching a stage's loop nest against a tensor intrinsic (used by the
// tensorize primitive to check legality and by lowering to find the operands).
#pragma once

#include <cstdint>
#include <utility>
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
  // Stage axes whose value where the replaced loops start must be a multiple
  // of the extent given: an access such as w[j / 16, j % 16] moves like the
  // intrinsic's operand only from such a base. Lowering proves it or refuses.
  std::vector<std::pair<Var, int64_t>> aligned_axes;
};

// Throws ScheduleError (what does not match, and where) when the nest of
// `stage` from `loop` inward does not compute `intrin`.
TensorizeMatch match_tensorize(const Stage& stage, const Loop& loop, const TensorIntrin& intrin);

}  // namespace anvil
