// The loop-IR passes that anvil-opt and the pass-file tests (tests/passes/) can
// run by name. A plain static table, not a registry in the library (STYLE.md,
// habit 4): a pass is reachable by name only from these two tools.
#pragma once

#include <string>
#include <string_view>

#include "anvil/ir/IR.h"
#include "anvil/ir/Simplify.h"
#include "anvil/schedule/LoopPasses.h"

namespace anvil {

struct PassEntry {
  const char* name;
  Stmt (*run)(const Stmt&);
  const char* summary;  // one line for --help
};

namespace pass_table_detail {
// Adapters for passes whose signature has extra (defaulted) parameters.
inline Stmt run_simplify(const Stmt& s) { return simplify(s); }
// The lowering pipeline's default limit (LowerOptions::max_explicit_unroll).
inline Stmt run_unroll_loops(const Stmt& s) { return unroll_loops(s, 64); }
}  // namespace pass_table_detail

// ---- The pass table. Add a pass here (one line) when its .h/.cpp lands. ----
inline constexpr PassEntry kPassTable[] = {
    {"simplify", &pass_table_detail::run_simplify,
     "constant folding, canonical integer sums, dead-branch removal"},
    {"unroll_loops", &pass_table_detail::run_unroll_loops,
     "expand unrolled loops of constant extent <= 64 into copies of their body"},
    {"vectorize_loops", &vectorize_loops,
     "vectorized loops to Ramp/Broadcast vector IR, lane predicates for guards"},
    {"partition_loops", &partition_loops,
     "split loops into guarded prologue/epilogue and a guard-free steady state"},
    {"remove_dead_code", &remove_dead_code,
     "drop empty loops, unread allocations, unused lets, pure evaluations, empty ifs"},
};

// The entry named `name`, or null.
inline const PassEntry* find_pass(std::string_view name) {
  for (const PassEntry& p : kPassTable) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

// "simplify, foo, bar": for error messages.
inline std::string pass_names() {
  std::string out;
  for (const PassEntry& p : kPassTable) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

}  // namespace anvil
