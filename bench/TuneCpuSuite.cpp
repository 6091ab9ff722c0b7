// The tune-cpu suite driver (see TuneCpuSuite.h): its cases, the Anvil rows
// (tune, then time the best schedule), the OpenBLAS dense peer, the TVM
// MetaSchedule helper, and the tuning summary of each Anvil row.
#include "TuneCpuSuite.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

#include "GemmCases.h"
#include "GemmSuite.h"
#include "anvil/autotune/Measure.h"
#include "anvil/autotune/Tuner.h"
#include "anvil/ops/Layout.h"
#include "anvil/runtime.h"
#include "anvil/schedule/Lower.h"
#include "anvil/schedule/Trace.h"
#include "anvil/targets/Intrinsics.h"
#include "anvil/support/Error.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

#ifdef ANVIL_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace anvil::bench {

namespace {

const char* kSuite = "tune-cpu";

// ResNet convs run channel-blocked (conv2d_nchwc, blocks of 16 channels, or
// all of them for the stem's 3), the layout oneDNN is timed in (format any)
// and TVM's x86 schedules use.
TuneCpuCase conv_case(const std::string& name, int64_t C, int64_t HW, int64_t O, int64_t k, int64_t stride,
                      int64_t pad) {
  int64_t cb = C % 16 == 0 ? 16 : C;
  return {name, Workload{"conv2d_nchwc", {1, C, HW, HW, O, k, k, stride, pad, cb, 16}, "float32"}};
}
TuneCpuCase dw_case(const std::string& name, int64_t C, int64_t HW) {
  return {name, Workload{"depthwise_conv2d_nchwc", {1, C, HW, HW, 3, 3, 1, 1, 16}, "float32"}};
}

std::vector<int64_t> static_shape(const Tensor& t) {
  std::vector<int64_t> shape;
  for (const Expr& d : t.shape()) shape.push_back(*as_const_int(d));
  return shape;
}

// The tuner's measurement inputs, so the re-timed kernel sees the same data.
std::vector<HostBuffer> random_inputs(const WorkloadInstance& inst) {
  std::vector<HostBuffer> out;
  int index = 0;
  for (const Tensor& t : inst.inputs) out.push_back(measurement_input(t.dtype(), static_shape(t), index++));
  return out;
}

// dense and dense_packed: the ops the GEMM peers (OpenBLAS, oneDNN's matmul) run.
bool is_dense_op(const std::string& op) { return op == "dense" || op == "dense_packed"; }

BenchRow base_row(const TuneCpuCase& c, const std::string& impl, int threads, const std::string& status,
                  const std::string& note) {
  BenchRow row;
  row.suite = kSuite;
  row.case_name = c.name;
  row.impl = impl;
  row.shape = c.workload.shape;
  row.threads = threads;
  row.status = status;
  row.note = note;
  return row;
}

// Checks the output against the reference (tolerance as `anvil run`), then times.
BenchRow measure(TuneCpuData& data, const std::string& impl, int threads, const TuneCpuKernel& kernel,
                 const TimingOptions& timing) {
  BenchRow row = base_row(data.c, impl, threads, "ok", "");
  data.output.fill_zero();
  kernel(0);
  double work_per_output = std::max(1.0, data.inst.flops / double(data.output.num_elements()));
  row.correct = all_close(data.output, data.expected, 1e-4, 1e-4 * work_per_output);
  if (!row.correct) {
    std::ostringstream os;
    os << "wrong result: max |diff| " << max_abs_diff(data.output, data.expected);
    row.note = os.str();
  }
  TimingResult t = time_kernel(kernel, timing);
  row.median_us = t.median_us;
  row.min_us = t.min_us;
  row.max_us = t.max_us;
  row.gflops = data.gflop() * 1e6 / t.median_us;
  return row;
}

// Tunes the case, then builds and times the best schedule found by this run.
BenchRow run_anvil(TuneCpuData& data, const TuneCpuOptions& o, TuningSummary& summary) {
  TuneOptions to;
  to.target = o.target;
  to.trials = o.trials;
  to.batch = std::min(64, o.trials);
  to.model = o.model;
  to.db_path = o.db_path;
  to.resume = o.resume;
  to.measure.threads = o.threads;
  auto t0 = std::chrono::steady_clock::now();
  TuneResult r = tune(data.c.workload, to);
  summary.case_name = data.c.name;
  summary.tune_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  summary.trials = r.trials;
  summary.failures = r.failures;
  summary.trials_to_95 = trials_to_reach(r.curve);
  summary.tuned_gflops = r.best_gflops;
  summary.model = o.model;
  ANVIL_USER_CHECK(r.found, "tuning found no valid schedule in " << r.trials << " trials (" << r.failures
                                                                  << " failed)");
  auto sch = Trace::from_json(r.best_trace_json).replay({data.inst.output}, {}, all_tensor_intrinsics());
  // Ahead of time, as the tuner measured it and `anvil compile` ships it.
  BuildOptions build;
  build.jit = false;
  Module module = build_module({lower(*sch, data.inst.args(), "tunecpu")}, Target::parse(o.target), build);
  anvil_set_num_threads(o.threads);
  set_omp_threads(o.threads);
  std::vector<void*> buffers;
  for (HostBuffer& b : data.inputs) buffers.push_back(b.raw());
  buffers.push_back(data.output.raw());
  BenchRow row = measure(data, "anvil", o.threads, [&](int64_t) { module.call("tunecpu", buffers); }, o.timing);
  std::ostringstream note;
  note << std::fixed << std::setprecision(1) << "tuned " << r.trials << " trials in " << summary.tune_seconds
       << " s, 95% of best at trial " << summary.trials_to_95 << " (" << o.model << ")";
  row.note = row.note.empty() ? note.str() : row.note + "; " + note.str();
  return row;
}

// How the TVM helper ended, in words. popen runs it under sh, which reports a
// child killed by signal N as exit status 128 + N.
std::string describe_exit(int status) {
  int signal = 0;
  if (WIFSIGNALED(status)) signal = WTERMSIG(status);
  if (WIFEXITED(status) && WEXITSTATUS(status) > 128) signal = WEXITSTATUS(status) - 128;
  if (signal) return "was killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  return "exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status);
}

// What to quote from the helper's stderr: when TVM's crash handler printed a
// native backtrace, its start (the innermost frames, which name the TVM
// function), since its end is only the interpreter's frames; else the end.
std::string helper_stderr_excerpt(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  size_t crash = text.find("!!!!!!! ");
  if (crash == std::string::npos) return tail_of_file(path, 600);
  std::string head = text.substr(crash, 600);
  std::replace(head.begin(), head.end(), '\n', ' ');
  return head + "...";
}

// Runs the TVM helper, which prints one JSON row per line; other lines are
// ignored. A case the helper never reported (it crashed first, e.g. a segfault
// inside TVM) gets a failed row saying how the helper ended.
std::vector<BenchRow> run_helper(const std::string& command, const std::vector<TuneCpuCase>& cases, int threads,
                                 const std::function<void(const std::string&)>& log) {
  std::string err_path = "/tmp/anvil-bench-tunecpu-" + std::to_string(::getpid()) + ".stderr";
  FILE* pipe = ::popen((command + " 2>" + err_path).c_str(), "r");
  ANVIL_USER_CHECK(pipe, "tvm: cannot start `" << command << "`");
  std::vector<BenchRow> rows;
  std::string line;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    if (line[0] == '{') {
      rows.push_back(row_from_json(nlohmann::json::parse(line)));
      if (log) log("tvm " + rows.back().case_name + ": " + rows.back().status);
    }
    line.clear();
  }
  int status = ::pclose(pipe);
  std::string err = helper_stderr_excerpt(err_path);
  std::remove(err_path.c_str());
  for (const TuneCpuCase& c : cases) {
    bool reported = std::any_of(rows.begin(), rows.end(), [&](const BenchRow& r) { return r.case_name == c.name; });
    if (!reported)
      rows.push_back(base_row(c, "tvm", threads, "failed",
                              "tvm helper " + describe_exit(status) + " before reporting this case; stderr: " +
                                  (err.empty() ? "(empty)" : err)));
  }
  return rows;
}

}  // namespace

const std::vector<TuneCpuCase>& tune_cpu_cases() {
  static const std::vector<TuneCpuCase> cases = [] {
    std::vector<TuneCpuCase> out;
    for (const GemmCase& g : gemm_fp32_cases())
      out.push_back({"dense-" + g.name, Workload{"dense", {g.M, g.N, g.K}, "float32"}});
    // The same products with W packed ahead of time in panels of 16 output
    // channels (one AVX-512 vector), as oneDNN's rows always run.
    for (const GemmCase& g : gemm_fp32_cases())
      out.push_back({"dense-packed-" + g.name, Workload{"dense_packed", {g.M, g.N, g.K, 16}, "float32"}});
    // ResNet-50 (N = 1): conv2 3x3, conv2 1x1 expansion, conv3/4/5 3x3, the stem.
    out.push_back(conv_case("resnet-56x56-64", 64, 56, 64, 3, 1, 1));
    out.push_back(conv_case("resnet-56x56-64-256-1x1", 64, 56, 256, 1, 1, 0));
    out.push_back(conv_case("resnet-28x28-128", 128, 28, 128, 3, 1, 1));
    out.push_back(conv_case("resnet-14x14-256", 256, 14, 256, 3, 1, 1));
    out.push_back(conv_case("resnet-7x7-512", 512, 7, 512, 3, 1, 1));
    out.push_back(conv_case("resnet-224x224-3-64-7x7s2", 3, 224, 64, 7, 2, 3));
    // MobileNetV2 depthwise 3x3, stride 1, pad 1.
    out.push_back(dw_case("mbv2-112x112-32", 32, 112));
    out.push_back(dw_case("mbv2-56x56-144", 144, 56));
    out.push_back(dw_case("mbv2-28x28-192", 192, 28));
    return out;
  }();
  return cases;
}

std::vector<TuneCpuCase> select_tune_cpu_cases(const std::string& names) {
  const auto& all = tune_cpu_cases();
  if (names.empty()) return all;
  std::vector<TuneCpuCase> out;
  std::istringstream in(names);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (name.empty()) continue;
    auto it = std::find_if(all.begin(), all.end(), [&](const TuneCpuCase& c) { return c.name == name; });
    if (it == all.end()) {
      std::string valid;
      for (const TuneCpuCase& c : all) valid += (valid.empty() ? "" : ", ") + c.name;
      ANVIL_USER_CHECK(false, "--cases: unknown case '" << name << "' (tune-cpu has " << valid << ")");
    }
    out.push_back(*it);
  }
  return out;
}

TuneCpuData::TuneCpuData(const TuneCpuCase& c_)
    : c(c_),
      inst(instantiate(c_.workload)),
      inputs(random_inputs(inst)),
      output(DataType::Float(32), static_shape(inst.output)),
      expected(inst.reference(inputs)) {
  if (c.workload.op == "dense_packed") unpacked_weight = ops::unpack_dense_weight(inputs.at(1));
}

int trials_to_reach(const std::vector<double>& curve, double fraction) {
  if (curve.empty() || curve.back() <= 0) return 0;
  for (size_t i = 0; i < curve.size(); i++)
    if (curve[i] >= fraction * curve.back()) return int(i) + 1;
  return int(curve.size());
}

std::string tvm_case_args(const std::vector<TuneCpuCase>& cases) {
  std::string s;
  for (const TuneCpuCase& c : cases) {
    s += " --case " + c.name + "=" + c.workload.op + ":";
    for (size_t i = 0; i < c.workload.shape.size(); i++) s += (i ? "," : "") + std::to_string(c.workload.shape[i]);
  }
  return s;
}

#ifdef ANVIL_BENCH_HAVE_OPENBLAS
namespace {
// dense: Y[M, N] = X[M, K] · W[N, K]^T as one cblas_sgemm. dense_packed runs
// the same call on the unpacked weight: CBLAS has no sgemm on a pre-packed
// operand (OpenBLAS packs panels inside every call), so its rows are the
// unpacked baseline.
class OpenBlasDense : public TuneCpuPeer {
 public:
  std::string name() const override { return "openblas"; }
  bool supports(const std::string& op) const override { return is_dense_op(op); }
  void set_threads(int threads) override { openblas_set_num_threads(threads); }
  TuneCpuKernel prepare(TuneCpuData& d) override {
    const int M = int(d.c.workload.shape[0]), N = int(d.c.workload.shape[1]), K = int(d.c.workload.shape[2]);
    const float* w = d.dense_weight().data<float>();
    return [&d, w, M, N, K](int64_t) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, d.inputs[0].data<float>(), K, w, K,
                  0.0f, d.output.data<float>(), N);
    };
  }
};
}  // namespace
std::unique_ptr<TuneCpuPeer> make_openblas_tune_cpu() { return std::make_unique<OpenBlasDense>(); }
#else
std::unique_ptr<TuneCpuPeer> make_openblas_tune_cpu() { return nullptr; }
#endif

#ifndef ANVIL_BENCH_HAVE_ONEDNN
std::unique_ptr<TuneCpuPeer> make_onednn_tune_cpu() { return nullptr; }
std::unique_ptr<TuneCpuPeer> make_onednn_plain_tune_cpu() { return nullptr; }
#endif

TuneCpuReport run_tune_cpu_suite(const TuneCpuOptions& o) {
  ANVIL_USER_CHECK(o.trials >= 1, "--trials must be positive, got " << o.trials);
  ANVIL_USER_CHECK(o.threads >= 1, "--threads must be positive, got " << o.threads);
  ANVIL_USER_CHECK(o.model == "xgboost" || o.model == "random",
                   "--model: unknown cost model '" << o.model << "' (valid: xgboost, random)");
  auto log = [&](const std::string& s) {
    if (o.log) o.log(s);
  };
  std::vector<TuneCpuCase> cases = select_tune_cpu_cases(o.cases);
  std::vector<std::unique_ptr<TuneCpuPeer>> peers;
  std::vector<std::pair<std::string, std::string>> absent;  // impl, reason
  auto add_peer = [&](std::unique_ptr<TuneCpuPeer> p, const std::string& name, const std::string& why) {
    if (!wanted(o.impls, name)) return;
    if (p) peers.push_back(std::move(p));
    else absent.emplace_back(name, why);
  };
  add_peer(make_openblas_tune_cpu(), "openblas", "OpenBLAS (libopenblas-dev) was not found when anvil was configured");
  add_peer(make_onednn_tune_cpu(), "onednn", "oneDNN (libdnnl-dev) was not found when anvil was configured");
  add_peer(make_onednn_plain_tune_cpu(), "onednn-plain",
           "oneDNN (libdnnl-dev) was not found when anvil was configured");

  TuneCpuReport report;
  for (const TuneCpuCase& c : cases) {
    TuneCpuData data(c);
    if (wanted(o.impls, "anvil")) {
      log("anvil " + c.name + ": tuning " + std::to_string(o.trials) + " trials");
      TuningSummary summary;
      try {
        report.rows.push_back(run_anvil(data, o, summary));
      } catch (const std::exception& e) {
        report.rows.push_back(base_row(c, "anvil", o.threads, "failed", e.what()));
      }
      if (!summary.case_name.empty()) report.tuning.push_back(summary);
    }
    for (auto& p : peers) {
      if (!p->supports(c.workload.op)) continue;
      log(p->name() + " " + c.name);
      try {
        p->set_threads(o.threads);
        TuneCpuKernel kernel = p->prepare(data);
        report.rows.push_back(measure(data, p->name(), o.threads, kernel, o.timing));
      } catch (const std::exception& e) {
        report.rows.push_back(base_row(c, p->name(), o.threads, "failed", e.what()));
      }
    }
    for (auto& [name, why] : absent)
      if ((name != "openblas" || is_dense_op(c.workload.op)) && (name != "onednn-plain" || c.workload.op == "dense"))
        report.rows.push_back(base_row(c, name, o.threads, "skipped", why));
  }
  if (wanted(o.impls, "tvm")) {
    if (o.tvm_python.empty()) {
      for (const TuneCpuCase& c : cases)
        report.rows.push_back(base_row(c, "tvm", o.threads, "skipped", "no Python with apache-tvm (run scripts/bench-setup.sh)"));
    } else {
      log("tvm (subprocess): MetaSchedule, " + std::to_string(o.trials) + " trials per case");
      std::string t = std::to_string(o.threads);
      std::string cmd = "TVM_NUM_THREADS=" + t + " OMP_NUM_THREADS=" + t + " " + o.tvm_python + " " + o.tvm_script +
                        " --trials " + std::to_string(o.trials) + " --threads " + t + " --samples " +
                        std::to_string(o.timing.min_samples) + " --min-sample-ms " +
                        std::to_string(o.timing.min_sample_ms) + tvm_case_args(cases);
      try {
        for (BenchRow& r : run_helper(cmd, cases, o.threads, o.log)) report.rows.push_back(std::move(r));
      } catch (const std::exception& e) {
        for (const TuneCpuCase& c : cases) report.rows.push_back(base_row(c, "tvm", o.threads, "skipped", e.what()));
      }
    }
  }
  // Table order: case order, Anvil first (stable otherwise).
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < tune_cpu_cases().size(); i++) order[tune_cpu_cases()[i].name] = i;
  std::stable_sort(report.rows.begin(), report.rows.end(), [&](const BenchRow& a, const BenchRow& b) {
    return order[a.case_name] < order[b.case_name];
  });
  return report;
}

nlohmann::json tune_cpu_row_json(const BenchRow& row, const std::vector<TuningSummary>& tuning) {
  nlohmann::json j = row_to_json(row);
  if (!is_anvil_impl(row.impl)) return j;
  for (const TuningSummary& s : tuning) {
    if (s.case_name != row.case_name) continue;
    j["tune_seconds"] = s.tune_seconds;
    j["trials"] = s.trials;
    j["trial_failures"] = s.failures;
    j["trials_to_95"] = s.trials_to_95;
    j["tuned_gflops"] = s.tuned_gflops;
    j["model"] = s.model;
  }
  return j;
}

std::string format_tuning_table(const std::vector<TuningSummary>& tuning) {
  std::ostringstream os;
  os << "\ntuning (anvil rows)\n";
  os << std::left << std::setw(28) << "case" << std::right << std::setw(8) << "trials" << std::setw(8) << "failed"
     << std::setw(11) << "tune s" << std::setw(10) << "to 95%" << std::setw(14) << "tuner GF/s" << "  model\n";
  for (const TuningSummary& s : tuning)
    os << std::left << std::setw(28) << s.case_name << std::right << std::setw(8) << s.trials << std::setw(8)
       << s.failures << std::setw(11) << std::fixed << std::setprecision(1) << s.tune_seconds << std::setw(10)
       << s.trials_to_95 << std::setw(14) << std::setprecision(2) << s.tuned_gflops << "  " << s.model << "\n";
  return os.str();
}

}  // namespace anvil::bench
