// `anvil lower`: print a workload's lowered loop IR, its C code or its trace.
#include <iostream>

#include "Commands.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/schedule/Lower.h"
#include "anvil/targets/Target.h"
#include "anvil/targets/c/CodeGenC.h"

namespace anvil::tools {

CommandRunner add_lower_command(CLI::App& app) {
  auto options = std::make_shared<WorkloadOptions>();
  auto emit = std::make_shared<std::string>("ir");
  CLI::App* cmd = app.add_subcommand("lower", "print the lowered loop IR, the C code or the trace");
  add_workload_options(cmd, *options);
  cmd->add_option("--emit", *emit, "ir | c | trace")->check(CLI::IsMember({"ir", "c", "trace"}));
  return [options, emit] {
    WorkloadInstance w = instantiate(workload_of(*options));
    auto sch = make_schedule(w, *options);
    if (*emit == "trace") {
      std::cout << sch->trace().to_json(2) << "\n";
      return 0;
    }
    LoweredFunc f = lower(*sch, w.args(), options->op);
    if (*emit == "c") {
      std::cout << codegen_c({f}, Target::parse(options->target));
    } else {
      std::cout << f << "\n";
    }
    return 0;
  };
}

}  // namespace anvil::tools
