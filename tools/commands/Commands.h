// The subcommands of the `anvil` command line, one file each. Each adds itself
// to the app and returns the function that runs it once parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "anvil/autotune/Workload.h"
#include "anvil/schedule/Schedule.h"

namespace anvil::tools {

using CommandRunner = std::function<int()>;

CommandRunner add_ops_command(CLI::App& app);
CommandRunner add_lower_command(CLI::App& app);
CommandRunner add_run_command(CLI::App& app);
CommandRunner add_bench_command(CLI::App& app);
CommandRunner add_compile_command(CLI::App& app);
CommandRunner add_db_command(CLI::App& app);
CommandRunner add_tune_command(CLI::App& app);

// Options every workload-based subcommand takes.
struct WorkloadOptions {
  std::string op;
  std::string shape;
  std::string trace_path;
  std::string target = "c -mcpu=native";
  std::string db_path = "tuning_logs/anvil.db";
  bool no_db = false;
  // Threads the kernel will run with (0: ANVIL_NUM_THREADS, else every core):
  // the tuning records timed with that many are preferred.
  int threads = 0;
};
void add_workload_options(CLI::App* cmd, WorkloadOptions& o);
// The schedule of the workload: replayed from --trace, else the database's best
// for --threads (or the nearest thread count tuned), else the default one.
std::unique_ptr<Schedule> make_schedule(const WorkloadInstance& w, const WorkloadOptions& o);
// The workload named by --op/--shape.
Workload workload_of(const WorkloadOptions& o);
std::string read_text_file(const std::string& path);
// --threads resolved: the count given, else what the runtime's pool would use.
int resolved_threads(int threads);

}  // namespace anvil::tools
