// The LLVM backend's interface to the rest of anvil_targets (Target parsing,
// build_module, export_library). Private to src/targets: it names no LLVM
// type, so its users compile without LLVM's headers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "anvil/ir/LoweredFunc.h"

namespace anvil::llvm_backend {

// What code is generated for: an LLVM triple, a CPU and extra features, as
// resolved by resolve_target (the CPU is never "native" here).
struct Spec {
  std::string triple;
  std::string cpu;
  std::vector<std::string> attrs;  // "+neon", "-avx512f", ...
  bool fast_math = false;
  int opt_level = 3;
};

struct ResolvedTarget {
  std::string triple;  // normalized
  std::string cpu;     // "native" replaced by the host CPU
  std::vector<std::string> attrs;  // for native: the host's features, then the user's
  int vector_bits = 128;
  // The attributes -mattr accepts that this CPU and attribute list enable
  // (LLVM's names without the sign, e.g. "avx512vnni"), sorted.
  std::vector<std::string> features;
};

// The host's default triple.
std::string host_triple();
// Whether code for `triple` runs in this process (same arch and OS).
bool runs_on_host(const std::string& triple);

// Checks a triple, CPU and attribute list ("+avx2", "-fma") for the LLVM
// kinds; a UserError lists the valid spellings. `where` names the target
// string in messages.
ResolvedTarget resolve_target(const std::string& triple, const std::string& cpu,
                              const std::vector<std::string>& attrs, const std::string& where);

// The optimized LLVM IR of `funcs`, as text.
std::string emit_ir_text(const std::vector<LoweredFunc>& funcs, const Spec& spec);
// Writes an object file (relocatable, PIC) or assembly text for `funcs`.
void emit_object_file(const std::vector<LoweredFunc>& funcs, const Spec& spec,
                      const std::string& path);
std::string emit_assembly(const std::vector<LoweredFunc>& funcs, const Spec& spec);

// Code compiled in this process by ORC LLJIT; lives as long as the object.
class JitSession {
 public:
  virtual ~JitSession() = default;
  // The address of an exported symbol (a kernel, anvil_module_last_error).
  virtual void* lookup(const std::string& name) = 0;
  // The optimized LLVM IR that was compiled.
  virtual const std::string& ir_text() const = 0;
};

std::shared_ptr<JitSession> jit_compile(const std::vector<LoweredFunc>& funcs, const Spec& spec);

}  // namespace anvil::llvm_backend
