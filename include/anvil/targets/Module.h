// Module: generated code compiled into a shared object and loaded, or compiled
// in process by LLVM's JIT; callable either way. build_module is the one entry
// point from lowered functions to running code.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "anvil/ir/LoweredFunc.h"
#include "anvil/targets/Target.h"

namespace anvil {

struct BuildOptions {
  int opt_level = 3;
  // Keep the temporary directory (source, .so, compiler log) after the Module goes.
  bool keep_files = false;
  // Appended to the compiler (c) or linker (llvm ahead of time) command line.
  std::vector<std::string> extra_flags;
  // llvm targets: true compiles in process with the JIT; false emits an object
  // file, links it into a shared object with the system compiler and loads
  // that (library_path() names it).
  bool jit = true;
};

// A compiled, loaded module. A copyable handle to shared state; the library is
// unloaded (and its files removed) when the last copy goes.
class Module {
 public:
  Module() = default;

  // Calls `function` with one pointer per buffer argument, in LoweredFunc::args
  // order. Throws UserError for an unknown function (listing the names), a wrong
  // number of buffers, a null buffer, or a failed AssertStmt in the kernel (its
  // message).
  void call(const std::string& function, const std::vector<void*>& buffers) const;
  std::vector<std::string> function_names() const;
  const std::string& source() const;        // the generated C, or the optimized LLVM IR
  // The loaded .so, kept while the Module lives; empty for a JIT module.
  const std::string& library_path() const;
  const Target& target() const;
  bool defined() const { return state_ != nullptr; }
  // Copies the compiled shared object to `path` (replacing it atomically), as
  // an ahead-of-time module the runtime (anvil/runtime.h) loads through its
  // manifest. Throws UserError naming the path when it cannot be written.
  void save(const std::string& path) const;

  struct State;

 private:
  explicit Module(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  friend Module build_module(const std::vector<LoweredFunc>&, const Target&,
                             const BuildOptions&);
  std::shared_ptr<const State> state_;
};

// Generates code for `funcs` and loads it. For "c" targets it compiles the C
// with the system C compiler in a private temporary directory; a compiler
// failure is a UserError carrying the compiler's output and the path of the
// kept source. For "llvm" targets it generates LLVM IR, runs the O3 pipeline
// for the target CPU and JIT-compiles it (or links a .so, see BuildOptions::jit);
// a target that is not the host's (aarch64 on x86-64) is a UserError: use
// export_library. Safe to call from several threads at once.
Module build_module(const std::vector<LoweredFunc>& funcs, const Target& target,
                    const BuildOptions& options = {});

// llvm targets, ahead of time: an object file (relocatable, PIC) for the
// target, or a shared object linked with the system compiler
// (aarch64-linux-gnu-gcc for AArch64). The object exports the kernels and
// `const char* anvil_module_last_error(void)`; parallel loops call
// anvil_parallel_for, which the library links from libanvil_runtime when the
// runtime is built. Only opt_level and extra_flags (linker) of `options` apply.
void export_object(const std::vector<LoweredFunc>& funcs, const Target& target,
                   const std::string& path, const BuildOptions& options = {});
void export_library(const std::vector<LoweredFunc>& funcs, const Target& target,
                    const std::string& path, const BuildOptions& options = {});
// llvm targets: the optimized LLVM IR, or the target assembly, as text.
std::string emit_llvm_ir(const std::vector<LoweredFunc>& funcs, const Target& target,
                         const BuildOptions& options = {});
std::string emit_assembly(const std::vector<LoweredFunc>& funcs, const Target& target,
                          const BuildOptions& options = {});

}  // namespace anvil
