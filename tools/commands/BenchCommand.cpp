// `anvil bench`: the benchmark suite against peer libraries (bench/). Runs a
// suite, prints the ratio table of Anvil to each peer and writes the rows as JSON.
//
//   anvil bench --suite gemm-fp32 [--quick] [--threads 1,2] [--cases 256,bert-768]
//               [--impls anvil,openblas] [--target "c -mcpu=native"] [--json FILE]
//   anvil bench --suite tune-cpu [--trials 1000] [--cases dense-256,resnet-28x28-128]
//               [--threads 1] [--model xgboost|random] [--db build/tune-cpu.db] [--resume] [--json FILE]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "Commands.h"
#include "anvil/support/Error.h"

#ifdef ANVIL_HAVE_BENCH
#include "GemmSuite.h"
#include "TuneCpuSuite.h"
#endif

namespace anvil::tools {

namespace {

struct BenchOptions {
  std::string suite;
  std::string json_path;
  bool quick = false;
  bool setup = false;
  std::string threads;
  std::string cases;
  std::string impls;
  std::string target;  // empty: the suite's default
  std::string anvil_params;
  int trials = 1000;  // tune-cpu: tuning trials per case (Anvil and TVM MetaSchedule)
  std::string db_path;  // tune-cpu: empty means build/tune-cpu.db, away from tuning_logs/
  std::string model = "xgboost";
  bool resume = false;  // tune-cpu: continue from the database's records
  int samples = 10;
  double min_sample_ms = 50;
  int tvm_trials = 0;
};

// Unused when the benchmarks are not built (ANVIL_BUILD_BENCH=OFF).
[[maybe_unused]] std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

#ifdef ANVIL_HAVE_BENCH
bool is_executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0; }

// The interpreter that has apache-tvm: the venv scripts/bench-setup.sh makes,
// else python3 when it can import tvm; empty when neither.
std::string find_tvm_python() {
  std::string venv = std::string(ANVIL_BENCH_SOURCE_DIR) + "/build/bench-venv/bin/python";
  for (const std::string& py : {venv, std::string("python3")}) {
    if (py != "python3" && !is_executable(py)) continue;
    std::string probe = py + " -c 'import tvm' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return py;
  }
  return "";
}

// tune-cpu: Anvil tunes each case, then is timed beside the peers (bench/TuneCpuSuite.h).
int run_tune_cpu(const BenchOptions& o) {
  bench::TuneCpuOptions s;
  s.cases = o.cases;
  s.impls = split_list(o.impls);
  s.trials = o.trials;
  s.target = o.target.empty() ? "llvm -mcpu=native" : o.target;
  s.db_path = o.db_path.empty() ? std::string(ANVIL_BENCH_SOURCE_DIR) + "/build/tune-cpu.db" : o.db_path;
  s.model = o.model;
  s.resume = o.resume;
  s.timing.min_samples = o.samples;
  s.timing.min_sample_ms = o.min_sample_ms;
  ANVIL_USER_CHECK(o.samples >= 10, "--samples: the protocol needs at least 10 samples, got " << o.samples);
  ANVIL_USER_CHECK(o.min_sample_ms > 0, "--min-sample-ms must be positive, got " << o.min_sample_ms);
  ANVIL_USER_CHECK(!o.quick, "--quick: tune-cpu has no quick subset; use --trials 64 --cases ...");
  std::string threads = o.threads.empty() ? "1" : o.threads;
  char* end = nullptr;
  long v = std::strtol(threads.c_str(), &end, 10);
  ANVIL_USER_CHECK(end && *end == '\0' && v >= 1 && v <= 1024,
                   "--threads: tune-cpu takes one positive thread count, got '" << threads << "'");
  s.threads = int(v);
  s.tvm_script = ANVIL_BENCH_TVM_TUNE_SCRIPT;
  s.tvm_python = find_tvm_python();
  s.log = [](const std::string& line) { std::fprintf(stderr, "anvil bench: %s\n", line.c_str()); };

  bench::TuneCpuReport report = bench::run_tune_cpu_suite(s);
  nlohmann::json out = nlohmann::json::array();
  for (const bench::BenchRow& r : report.rows) out.push_back(bench::tune_cpu_row_json(r, report.tuning));
  if (!o.json_path.empty()) {
    std::ofstream f(o.json_path);
    ANVIL_USER_CHECK(f, "--json: cannot write '" << o.json_path << "'");
    f << out.dump(2) << "\n";
  }
  std::printf("%s", bench::format_ratio_table(report.rows).c_str());
  std::printf("%s", bench::format_tuning_table(report.tuning).c_str());
  std::printf("\nratio = peer median / anvil median (> 1: Anvil faster), all from this run; "
              "%d trials per case, %s target, tuning database %s\n",
              s.trials, s.target.c_str(), s.db_path.c_str());
  bool all_correct = true;
  for (const bench::BenchRow& r : report.rows) all_correct = all_correct && (r.status != "ok" || r.correct);
  return all_correct ? 0 : 1;
}

int run_bench(const BenchOptions& o) {
  if (o.setup) {
    std::string cmd = std::string(ANVIL_BENCH_SOURCE_DIR) + "/scripts/bench-setup.sh";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "anvil bench: %s failed; going on with the peers present\n", cmd.c_str());
  }
  if (o.suite == "tune-cpu") return run_tune_cpu(o);
  bench::SuiteOptions s;
  s.suite = o.suite;
  s.quick = o.quick;
  s.cases = o.cases;
  s.impls = split_list(o.impls);
  s.target = o.target.empty() ? "c -mcpu=native" : o.target;
  s.anvil_params = o.anvil_params;
  s.timing.min_samples = o.samples;
  s.timing.min_sample_ms = o.min_sample_ms;
  s.tvm_trials = o.tvm_trials;
  ANVIL_USER_CHECK(o.samples >= 10, "--samples: the protocol needs at least 10 samples, got " << o.samples);
  ANVIL_USER_CHECK(o.min_sample_ms > 0, "--min-sample-ms must be positive, got " << o.min_sample_ms);
  std::string threads = o.threads.empty() ? (o.quick ? "1" : "1,2") : o.threads;
  s.threads.clear();
  for (const std::string& t : split_list(threads)) {
    char* end = nullptr;
    long v = std::strtol(t.c_str(), &end, 10);
    ANVIL_USER_CHECK(end && *end == '\0' && v >= 1 && v <= 1024,
                     "--threads: '" << t << "' is not a positive thread count");
    s.threads.push_back(int(v));
  }
#ifdef ANVIL_BENCH_HALIDE_EXE
  s.halide_exe = ANVIL_BENCH_HALIDE_EXE;
#endif
  s.tvm_script = ANVIL_BENCH_TVM_SCRIPT;
  s.tvm_python = find_tvm_python();
  s.log = [](const std::string& line) { std::fprintf(stderr, "anvil bench: %s\n", line.c_str()); };

  std::vector<bench::BenchRow> rows = bench::run_gemm_suite(s);
  nlohmann::json out = nlohmann::json::array();
  for (const bench::BenchRow& r : rows) out.push_back(bench::row_to_json(r));
  if (!o.json_path.empty()) {
    std::ofstream f(o.json_path);
    ANVIL_USER_CHECK(f, "--json: cannot write '" << o.json_path << "'");
    f << out.dump(2) << "\n";
  }
  std::printf("%s", bench::format_ratio_table(rows).c_str());
  std::printf("\nratio = peer median / anvil median (> 1: Anvil faster), all from this run\n");
  bool all_correct = true;
  for (const bench::BenchRow& r : rows) all_correct = all_correct && (r.status != "ok" || r.correct);
  return all_correct ? 0 : 1;
}
#endif

}  // namespace

CommandRunner add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "benchmark Anvil against peer libraries (bench/)");
  cmd->add_option("--suite", o->suite, "suite to run (gemm-fp32, tune-cpu)")->required();
  cmd->add_option("--json", o->json_path, "write the rows as a JSON list to this file");
  cmd->add_flag("--quick", o->quick, "a small subset: 256, 512, bert-768 at 1 thread");
  cmd->add_flag("--setup", o->setup, "run scripts/bench-setup.sh first (installs the peers)");
  cmd->add_option("--threads", o->threads, "comma-separated thread counts (default 1,2; --quick: 1)");
  cmd->add_option("--cases", o->cases, "comma-separated case names (default: all of the suite)");
  cmd->add_option("--impls", o->impls, "only these implementations, e.g. anvil,openblas");
  cmd->add_option("--target", o->target,
                  "Anvil target string (default \"c -mcpu=native\"; tune-cpu: \"llvm -mcpu=native\")");
  cmd->add_option("--anvil-params", o->anvil_params, "override the anvil schedule, e.g. mr=4,nr=64,pack=1");
  cmd->add_option("--samples", o->samples, "timed samples per row (>= 10)");
  cmd->add_option("--min-sample-ms", o->min_sample_ms, "minimum length of one sample");
  cmd->add_option("--tvm-trials", o->tvm_trials, "MetaSchedule trials per case for tvm (0: default schedule)");
  cmd->add_option("--trials", o->trials, "tune-cpu: tuning trials per case, Anvil and TVM alike (default 1000)");
  cmd->add_option("--db", o->db_path, "tune-cpu: tuning database (default build/tune-cpu.db)");
  cmd->add_option("--model", o->model, "tune-cpu: Anvil's cost model, xgboost or random");
  cmd->add_flag("--resume", o->resume,
                "tune-cpu: continue from the database's records of each case (they count against --trials)");
  return [o] {
#ifdef ANVIL_HAVE_BENCH
    return run_bench(*o);
#else
    ANVIL_USER_CHECK(false, "anvil bench: this anvil was configured with ANVIL_BUILD_BENCH=OFF");
    return 2;
#endif
  };
}

}  // namespace anvil::tools
