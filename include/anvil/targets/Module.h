// Module: generated code compiled into a shared object, loaded and callable.
// build_module is the one entry point from lowered functions to running code.
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
  // Appended to the compiler command line.
  std::vector<std::string> extra_flags;
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
  const std::string& source() const;        // the generated C
  const std::string& library_path() const;  // the loaded .so, kept while the Module lives
  const Target& target() const;
  bool defined() const { return state_ != nullptr; }

  struct State;

 private:
  explicit Module(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  friend Module build_module(const std::vector<LoweredFunc>&, const Target&,
                             const BuildOptions&);
  std::shared_ptr<const State> state_;
};

// Generates code for `funcs`, compiles it with the system C compiler in a
// private temporary directory and loads it. A compiler failure is a UserError
// carrying the compiler's output and the path of the kept source. Safe to call
// from several threads at once.
Module build_module(const std::vector<LoweredFunc>& funcs, const Target& target,
                    const BuildOptions& options = {});

}  // namespace anvil
