// Loop-level lowering passes that run after storage flatten, public so that
// tools (anvil-opt, the pass-file tests) can run them one at a time. They are
// implemented in src/schedule/lower/: UnrollLoops.cpp, VectorizeLoops.cpp,
// PartitionLoops.cpp, RemoveDeadCode.cpp; lower() runs them in order
// (Pipeline.cpp).
#pragma once

#include <cstdint>

#include "anvil/ir/IR.h"

namespace anvil {

// Expands unrolled loops with a constant extent ≤ max_extent into copies of
// their body; longer ones stay annotated for the code generator.
Stmt unroll_loops(const Stmt& s, int64_t max_extent);

// Turns each vectorized loop with a constant extent into vector IR: the loop
// variable becomes a Ramp, scalars broadcast, loads and stores become vector
// accesses. Conditions that vary across lanes (the tail guard of a split that
// does not divide, padding) become per-lane predicates on loads and stores.
// A loop body that cannot be vectorized safely (a reduction into one scalar
// across lanes, an allocation inside) stays a serial loop.
Stmt vectorize_loops(const Stmt& s);

// Splits each serial or parallel loop whose body holds `if (likely(c))`
// guards that bound the loop variable (c linear in it, nothing else bound
// inside the loop) into a prologue, a guard-free steady state, and an
// epilogue that keeps the guards.
Stmt partition_loops(const Stmt& s);

// Removes loops that never run, allocations never read, unused lets, pure
// evaluations and empty blocks.
Stmt remove_dead_code(const Stmt& s);

}  // namespace anvil
