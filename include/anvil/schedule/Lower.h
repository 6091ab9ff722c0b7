// Lowering: from a scheduled tensor computation to a LoweredFunc of loop-level
// IR over flat buffers, ready for a code generator. The pipeline is one
// readable function in src/schedule/lower/Pipeline.cpp.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "anvil/ir/LoweredFunc.h"
#include "anvil/schedule/Schedule.h"

namespace anvil {

struct LowerOptions {
  // Print the IR after every pass to this stream (null: silent).
  std::ostream* log = nullptr;
  // Unrolled loops up to this extent are expanded in the IR; longer ones are
  // left to the code generator's unroll pragma.
  int64_t max_explicit_unroll = 64;
};

// `args`: the buffers of the function in order — placeholders the computation
// reads and the outputs it writes. Throws UserError when an output or an
// input read by the computation is missing from `args`, and ScheduleError
// when the schedule cannot be lowered.
LoweredFunc lower(const Schedule& schedule, const std::vector<Tensor>& args,
                  const std::string& name, const LowerOptions& options = {});

// The tensor-level loop nest (before storage flatten), for inspection and
// tests of bound inference.
Stmt lower_to_loop_nest(const Schedule& schedule);

}  // namespace anvil
