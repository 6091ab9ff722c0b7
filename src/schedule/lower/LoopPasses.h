// Loop-level lowering passes that run after storage flatten, one per file:
// UnrollLoops.cpp, VectorizeLoops.cpp, RemoveDeadCode.cpp. The declarations
// are public (anvil/schedule/LoopPasses.h) so that anvil-opt can run them.
#pragma once

#include "anvil/schedule/LoopPasses.h"

#include <string>
#include <unordered_map>

#include "anvil/schedule/Tensorize.h"

namespace anvil {

// Replaces the marker of each tensorized block (see BuildLoopNest.cpp) by the
// code its intrinsic emits for the operands' flattened regions.
Stmt lower_tensorize(const Stmt& s, const std::unordered_map<std::string, const TensorIntrin*>& intrins);

}  // namespace anvil
