// Options and helpers shared by the workload-based subcommands.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "Commands.h"
#include "anvil/autotune/Database.h"
#include "anvil/autotune/Tuner.h"
#include "anvil/runtime.h"
#include "anvil/schedule/Trace.h"
#include "anvil/support/Error.h"
#include "anvil/targets/Intrinsics.h"

namespace anvil::tools {

void add_workload_options(CLI::App* cmd, WorkloadOptions& o) {
  cmd->add_option("--op", o.op, "operator (see `anvil ops`)")->required();
  cmd->add_option("--shape", o.shape, "comma-separated extents, e.g. 1024,1024,1024")->required();
  cmd->add_option("--trace", o.trace_path, "schedule trace JSON to apply");
  cmd->add_option("--target", o.target, "target string, e.g. \"c -mcpu=znver4\"");
  cmd->add_option("--db", o.db_path,
                  "tuning database: without --trace, its best record for this workload and target "
                  "is used when there is one");
  cmd->add_flag("--no-db", o.no_db, "ignore the tuning database (default schedule without --trace)");
  cmd->add_option("--threads", o.threads,
                  "threads the kernel runs with (0: ANVIL_NUM_THREADS, else every core); the database's "
                  "records timed with that many threads are preferred")
      ->capture_default_str();
}

int resolved_threads(int threads) {
  ANVIL_USER_CHECK(threads >= 0, "--threads must be >= 0 (0: ANVIL_NUM_THREADS, else every core), got " << threads);
  return threads > 0 ? threads : anvil_get_num_threads();
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  ANVIL_USER_CHECK(in, "cannot read file '" << path << "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Workload workload_of(const WorkloadOptions& o) {
  Workload w;
  w.op = o.op;
  w.shape = parse_shape(o.shape);
  return w;
}

std::unique_ptr<Schedule> make_schedule(const WorkloadInstance& w, const WorkloadOptions& o) {
  if (o.trace_path.empty()) {
    // ApplyHistoryBest: the fastest valid tuned record, when the database has one.
    if (!o.no_db && std::filesystem::exists(o.db_path)) {
      Database db = Database::open(o.db_path);
      Workload workload = workload_of(o);
      const int threads = resolved_threads(o.threads);
      if (auto target = tuned_target_for(db, workload, o.target, threads)) {
        std::optional<TuningRecord> best = db.best(workload, *target);
        std::fprintf(stderr, "anvil: using the best tuned schedule from %s (%.1f us when measured with %d thread%s)\n",
                     o.db_path.c_str(), best->cost_us(), target->threads, target->threads == 1 ? "" : "s");
        if (target->threads != threads)
          std::fprintf(stderr,
                       "anvil: note: no record of this workload was timed with %d thread%s; its parallel loops "
                       "are sized for %d (tune with --threads %d)\n",
                       threads, threads == 1 ? "" : "s", target->threads, threads);
        return apply_history_best(db, w, workload, *target);
      }
    }
    return std::make_unique<Schedule>(std::vector<Tensor>{w.output});
  }
  try {
    return Trace::from_json(read_text_file(o.trace_path)).replay({w.output}, {}, all_tensor_intrinsics());
  } catch (const UserError& e) {
    throw UserError("trace " + o.trace_path + ": " + e.what());
  }
}

}  // namespace anvil::tools
