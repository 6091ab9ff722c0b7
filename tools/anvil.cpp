// The `anvil` command line. Each subcommand lives in tools/commands/ and is
// listed here once; they grow with each capability:
//   anvil ops                                   the operators it can build
//   anvil lower --op matmul --shape 64,64,64    the loop IR (or C, or the trace)
//   anvil run   --op matmul --shape 64,64,64    compile, check against the reference, time
//   anvil bench --suite gemm-fp32 --json out.json   Anvil against peer libraries (bench/)
//   anvil compile --op matmul --shape 64,64,64 -o libmatmul.so   an ahead-of-time module for the runtime
//   anvil db list|best|show|export|import|prune [--db tuning_logs/anvil.db]   the tuning database
//   anvil tune --op matmul --shape 1024,1024,1024 --trials 1000   search schedules into the database
#include <cstdio>
#include <vector>

#include "commands/Commands.h"
#include "anvil/support/Error.h"

int main(int argc, char** argv) {
  using namespace anvil::tools;
  CLI::App app{"anvil: a tensor compiler for compressed and low-precision operators"};
  app.require_subcommand(1);
  // Each add_*_command adds exactly one subcommand to `app`; pair it with the
  // function that runs it, to call the one that was parsed.
  std::vector<std::pair<CLI::App*, CommandRunner>> commands;
  auto add = [&](CommandRunner runner) {
    commands.emplace_back(app.get_subcommands({}).back(), std::move(runner));
  };
  add(add_ops_command(app));
  add(add_lower_command(app));
  add(add_run_command(app));
  add(add_bench_command(app));
  add(add_compile_command(app));
  add(add_db_command(app));
  add(add_tune_command(app));
  CLI11_PARSE(app, argc, argv);
  try {
    for (auto& [cmd, runner] : commands)
      if (cmd->parsed()) return runner();
  } catch (const anvil::Error& e) {
    std::fprintf(stderr, "anvil: error: %s\n", e.what());
    return 1;
  }
  return 2;
}
