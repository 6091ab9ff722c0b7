// `anvil compile`: build a workload ahead of time into a shared object with a
// manifest, for the embedded runtime (anvil/runtime.h) to load and call.
#include <cstdio>

#include "Commands.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/Error.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

namespace anvil::tools {

namespace {

std::string signature(const LoweredFunc& f) {
  std::string text = f.name + "(";
  for (size_t i = 0; i < f.args.size(); ++i) {
    const BufferArg& a = f.args[i];
    text += (i ? ", " : "") + a.dtype.to_string() + "[";
    for (size_t d = 0; d < a.shape.size(); ++d) text += (d ? "," : "") + std::to_string(a.shape[d]);
    text += "]";
  }
  return text + ")";
}

int compile(const WorkloadOptions& o, const std::string& output) {
  ANVIL_USER_CHECK(!output.empty(), "anvil compile: the output path (-o) is empty");
  WorkloadInstance w = instantiate(workload_of(o));
  auto sch = make_schedule(w, o);
  Target target = Target::parse(o.target);
  LoweredFunc func = lower(*sch, w.args(), o.op);
  BuildOptions options;
  options.jit = false;  // llvm: a linked shared object to write, not code in this process
  Module module = build_module({func}, target, options);
  module.save(output);
  std::printf("wrote %s for %s: %s\n", output.c_str(), target.to_string().c_str(),
              signature(func).c_str());
  return 0;
}

}  // namespace

CommandRunner add_compile_command(CLI::App& app) {
  auto options = std::make_shared<WorkloadOptions>();
  auto output = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "compile", "compile ahead of time into a shared object the runtime loads");
  add_workload_options(cmd, *options);
  cmd->add_option("-o,--output", *output, "the shared object to write, e.g. libmatmul.so")
      ->required();
  return [options, output] { return compile(*options, *output); };
}

}  // namespace anvil::tools
