// `anvil ops`: the operators the command line can build, with their shapes.
#include <cstdio>

#include "Commands.h"

namespace anvil::tools {

CommandRunner add_ops_command(CLI::App& app) {
  app.add_subcommand("ops", "list the operators the command line can build");
  return [] {
    for (const WorkloadKind& k : workload_kinds()) std::printf("%-24s --shape %s\n", k.name, k.shape_help);
    return 0;
  };
}

}  // namespace anvil::tools
