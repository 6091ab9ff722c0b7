// Loop-level lowering passes that run after storage flatten, one per file:
// UnrollLoops.cpp, VectorizeLoops.cpp, RemoveDeadCode.cpp. The declarations
// are public (anvil/schedule/LoopPasses.h) so that anvil-opt can run them.
#pragma once

#include "anvil/schedule/LoopPasses.h"
