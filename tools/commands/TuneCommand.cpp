// `anvil tune`: tune one workload (or a file of them) into the tuning database,
// with a live progress line, a final report, and a best-so-far curve as CSV
// (plus a PNG when gnuplot is installed) next to the database.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "Commands.h"
#include "anvil/autotune/Tuner.h"
#include "anvil/support/Error.h"

namespace anvil::tools {

namespace {

namespace fs = std::filesystem;

struct TuneCliOptions {
  std::string op, shape, dtype = "float32", workloads_file;
  TuneOptions tune;
  int threads = 0;
  bool quiet = false;
};

std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) { g_stop = true; }

std::string duration_text(double s) {
  char buf[32];
  int t = static_cast<int>(s + 0.5);
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%dh%02dm", t / 3600, t / 60 % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dm%02ds", t / 60, t % 60);
  }
  return buf;
}

// The curve next to the database: <db-dir>/<workload-hash>.csv (+ .png).
std::string write_curve(const TuneResult& r, const std::string& db_path) {
  fs::path dir = fs::path(db_path).parent_path();
  if (dir.empty()) dir = ".";
  fs::path csv = dir / (r.workload.hash() + ".csv");
  std::ofstream out(csv);
  ANVIL_USER_CHECK(out, "cannot write " << csv.string());
  out << "trial,best_gflops\n";
  for (size_t i = 0; i < r.curve.size(); ++i) out << i + 1 << "," << r.curve[i] << "\n";
  out.close();
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::printf("  (no PNG: gnuplot is not installed)\n");
    return csv.string();
  }
  fs::path png = dir / (r.workload.hash() + ".png");
  std::string script = "set terminal png size 800,500; set output '" + png.string() +
                       "'; set datafile separator ','; set key off; set xlabel 'trials'; "
                       "set ylabel 'best GFLOP/s'; set title '" + r.workload.op +
                       "'; plot '" + csv.string() + "' every ::1 using 1:2 with lines lw 2";
  FILE* gp = popen("gnuplot 2>/dev/null", "w");
  if (gp) {
    std::fputs(script.c_str(), gp);
    std::fputs("\n", gp);
  }
  if (!gp || pclose(gp) != 0) std::printf("  (no PNG: gnuplot failed)\n");
  return csv.string();
}

int run_tune(TuneCliOptions& o) {
  std::vector<Workload> workloads;
  if (!o.workloads_file.empty()) {
    ANVIL_USER_CHECK(o.op.empty() && o.shape.empty(), "give either --workloads or --op/--shape, not both");
    workloads = read_workload_file(o.workloads_file);
  } else {
    ANVIL_USER_CHECK(!o.op.empty() && !o.shape.empty(), "--op and --shape are required (or --workloads FILE)");
    Workload w{o.op, parse_shape(o.shape), o.dtype};
    instantiate(w);  // a bad operator, shape or dtype is reported before any tuning starts
    workloads.push_back(w);
  }
  o.tune.measure.threads = resolved_threads(o.threads);
  g_stop = false;
  o.tune.stop = &g_stop;
  auto previous = std::signal(SIGINT, on_sigint);
  bool quiet = o.quiet;
  auto progress = [quiet](const TuneProgress& p) {
    if (quiet) return;
    std::fprintf(stderr, "\r%d/%d trials  best %.2f GFLOP/s  failures %d  elapsed %s  ETA %s%s   ", p.trials_done,
                 p.trials_total, p.best_gflops, p.failures, duration_text(p.elapsed_seconds).c_str(),
                 duration_text(p.eta_seconds).c_str(), g_stop ? "  (stopping)" : "");
    std::fflush(stderr);
  };
  std::vector<TuneResult> results;
  try {
    results = tune_all(workloads, o.tune, progress);
  } catch (...) {
    std::signal(SIGINT, previous);
    throw;
  }
  std::signal(SIGINT, previous);
  if (!quiet) std::fprintf(stderr, "\n");
  for (const TuneResult& r : results) {
    std::printf("%s on %s, %d thread%s: %d trials (+%d resumed), %d failed\n", r.workload.key().c_str(),
                o.tune.target.c_str(), o.tune.measure.threads, o.tune.measure.threads == 1 ? "" : "s", r.trials,
                r.resumed, r.failures);
    if (r.found) {
      std::printf("  best %.2f GFLOP/s (%.2f us)", r.best_gflops, r.best_us);
      if (r.remeasured > 0) std::printf(" after timing the best %d again", r.remeasured);
      if (r.warm_started > 0) std::printf("; started from %d records of other thread counts", r.warm_started);
      if (r.default_gflops > 0) std::printf("; default schedule %.2f GFLOP/s", r.default_gflops);
      std::printf("\n");
    } else {
      std::printf("  no valid candidate yet\n");
    }
    std::printf("  curve %s\n", write_curve(r, o.tune.db_path).c_str());
  }
  std::printf("database %s\n", o.tune.db_path.c_str());
  if (!results.empty() && results.front().stopped) std::printf("stopped by interrupt after the last committed batch\n");
  return 0;
}

}  // namespace

CommandRunner add_tune_command(CLI::App& app) {
  auto o = std::make_shared<TuneCliOptions>();
  o->tune.target = "llvm -mcpu=native";
  CLI::App* cmd = app.add_subcommand("tune", "search schedules of a workload, measuring into the tuning database");
  cmd->add_option("--op", o->op, "operator (see `anvil ops`)");
  cmd->add_option("--shape", o->shape, "comma-separated extents, e.g. 1024,1024,1024");
  cmd->add_option("--dtype", o->dtype, "element type")->capture_default_str();
  cmd->add_option("--workloads", o->workloads_file, "file of workloads, one 'op shape [dtype]' or key per line");
  cmd->add_option("--target", o->tune.target, "target string")->capture_default_str();
  cmd->add_option("--trials", o->tune.trials, "measurements in all")->capture_default_str();
  cmd->add_option("--batch", o->tune.batch, "candidates per measured batch")->capture_default_str();
  cmd->add_option("--remeasure-top", o->tune.remeasure_top,
                  "after the trials, time the best N records again (0: never)")
      ->capture_default_str();
  cmd->add_option("--warm-start", o->tune.warm_start_top,
                  "a workload new to this thread count first measures the best N records of other thread counts "
                  "(0: never)")
      ->capture_default_str();
  cmd->add_option("--db", o->tune.db_path, "tuning database")->capture_default_str();
  cmd->add_flag("--resume", o->tune.resume, "continue from the database's records");
  cmd->add_option("--search", o->tune.search, "evolutionary | annealing | random")->capture_default_str();
  cmd->add_option("--model", o->tune.model, "xgboost | random")->capture_default_str();
  cmd->add_option("--seed", o->tune.seed, "random seed")->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "threads a kernel runs with while timed (0: ANVIL_NUM_THREADS, else every core); records are "
                  "kept per thread count")
      ->capture_default_str();
  cmd->add_option("--repeat", o->tune.measure.repeat, "timed samples per candidate")->capture_default_str();
  cmd->add_option("--min-repeat-ms", o->tune.measure.min_repeat_ms, "minimum length of a sample")
      ->capture_default_str();
  cmd->add_flag("--quiet", o->quiet, "no progress line");
  return [o] { return run_tune(*o); };
}

}  // namespace anvil::tools
