// The gemm-fp32 suite driver: cases, inputs, the anvil implementation, and the
// loop that measures every implementation at every thread count (see GemmSuite.h).
#include "GemmSuite.h"

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <unistd.h>

#include "AnvilGemm.h"
#include "anvil/support/Error.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

#include "anvil/runtime.h"

namespace anvil::bench {

GemmData::GemmData(const GemmCase& c_)
    : c(c_),
      A(HostBuffer::random(DataType::Float(32), {c_.M, c_.K}, 1)),
      C(DataType::Float(32), {c_.M, c_.N}) {
  for (int w = 0; w < num_weight_copies(c); w++)
    B.push_back(HostBuffer::random(DataType::Float(32), {c.K, c.N}, 2 + w));
}

void set_omp_threads(int threads) { omp_set_num_threads(threads); }

namespace {

class AnvilGemm : public GemmImpl {
 public:
  AnvilGemm(std::string target, std::string params)
      : target_(std::move(target)), params_(std::move(params)) {}
  std::string name() const override { return "anvil"; }
  // The C backend's parallel loops run on OpenMP, the LLVM backend's on the
  // runtime's thread pool: set both.
  void set_threads(int threads) override {
    set_omp_threads(threads);
    anvil_set_num_threads(threads);
  }
  GemmKernel prepare(GemmData& data, int threads) override {
    const GemmCase& c = data.c;
    GemmParams p = parse_gemm_params(params_, default_gemm_params(c.M, c.N, c.K, threads));
    module_ = build_module({lower_anvil_gemm(c.M, c.N, c.K, p, "gemm")}, Target::parse(target_));
    return [this, &data](int64_t w) {
      module_.call("gemm", {data.A.raw(), data.B[w % data.B.size()].raw(), data.C.raw()});
    };
  }

 private:
  std::string target_, params_;
  Module module_;
};

// Runs a helper that prints one JSON row per line; any other line is ignored.
// Returns its rows, or throws with the helper's own last words.
std::vector<BenchRow> run_helper(const std::string& command, const std::string& what) {
  std::string err_path = "/tmp/anvil-bench-" + std::to_string(::getpid()) + ".stderr";
  std::string full = command + " 2>" + err_path;
  FILE* pipe = ::popen(full.c_str(), "r");
  ANVIL_USER_CHECK(pipe, what << ": cannot start `" << command << "`");
  std::vector<BenchRow> rows;
  std::string line;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    if (line[0] == '{') rows.push_back(row_from_json(nlohmann::json::parse(line)));
    line.clear();
  }
  int status = ::pclose(pipe);
  std::string err = tail_of_file(err_path, 600);
  std::remove(err_path.c_str());
  ANVIL_USER_CHECK(status == 0 || !rows.empty(),
                   what << " failed (exit status " << status << "): " << (err.empty() ? "no output" : err));
  return rows;
}

std::string join_names(const std::vector<GemmCase>& cases) {
  std::string s;
  for (const GemmCase& c : cases) s += (s.empty() ? "" : ",") + c.name;
  return s;
}

}  // namespace

std::unique_ptr<GemmImpl> make_anvil_gemm(const std::string& target, const std::string& params) {
  return std::make_unique<AnvilGemm>(target, params);
}

BenchRow skipped_row(const std::string& suite, const GemmCase& c, const std::string& impl,
                     int threads, const std::string& status, const std::string& note) {
  BenchRow row;
  row.suite = suite;
  row.case_name = c.name;
  row.impl = impl;
  row.shape = {c.M, c.N, c.K};
  row.threads = threads;
  row.status = status;
  row.note = note;
  return row;
}

BenchRow measure_gemm(const std::string& suite, const std::string& impl, GemmData& data,
                      int threads, const GemmKernel& kernel, const TimingOptions& timing) {
  const GemmCase& c = data.c;
  BenchRow row = skipped_row(suite, c, impl, threads, "ok", "");
  data.C.fill_zero();
  kernel(0);
  CheckResult check = check_gemm(data.A.data<float>(), data.B[0].data<float>(),
                                 data.C.data<float>(), c.M, c.N, c.K);
  row.correct = check.correct;
  if (!check.correct) row.note = "wrong result: " + check.first_mismatch;
  TimingResult t = time_kernel(kernel, timing);
  row.median_us = t.median_us;
  row.min_us = t.min_us;
  row.max_us = t.max_us;
  row.gflops = c.gflop() * 1e6 / t.median_us;
  if (c.is_gemv()) row.gbps = 4.0 * c.N * c.K / (t.median_us * 1e3);
  return row;
}

std::vector<BenchRow> run_gemm_suite(const SuiteOptions& o) {
  ANVIL_USER_CHECK(o.suite == "gemm-fp32", "--suite: unknown suite '" << o.suite << "' (valid: gemm-fp32)");
  auto log = [&](const std::string& s) {
    if (o.log) o.log(s);
  };
  std::vector<GemmCase> cases = select_gemm_cases(o.cases, o.quick);
  std::vector<std::unique_ptr<GemmImpl>> impls;
  std::vector<std::pair<std::string, std::string>> absent;  // impl, reason
  if (wanted(o.impls, "anvil")) impls.push_back(make_anvil_gemm(o.target, o.anvil_params));
  for (PeerFactory& f : in_process_peers()) {
    if (!wanted(o.impls, f.name)) continue;
    if (f.make) impls.push_back(f.make());
    else absent.emplace_back(f.name, f.unavailable_reason);
  }

  std::vector<BenchRow> rows;
  for (int threads : o.threads) {
    ANVIL_USER_CHECK(threads >= 1, "--threads: thread counts must be positive, got " << threads);
    for (const GemmCase& c : cases) {
      GemmData data(c);
      for (auto& impl : impls) {
        log(impl->name() + " " + c.name + " threads=" + std::to_string(threads));
        try {
          impl->set_threads(threads);
          GemmKernel kernel = impl->prepare(data, threads);
          rows.push_back(measure_gemm(o.suite, impl->name(), data, threads, kernel, o.timing));
        } catch (const std::exception& e) {
          rows.push_back(skipped_row(o.suite, c, impl->name(), threads, "failed", e.what()));
        }
      }
      for (auto& [name, reason] : absent) rows.push_back(skipped_row(o.suite, c, name, threads, "skipped", reason));
    }
    // Helpers run once per thread count over all cases (startup and JIT are not timed).
    std::string common = " --cases " + join_names(cases) + " --threads " + std::to_string(threads) +
                         " --samples " + std::to_string(o.timing.min_samples) + " --min-sample-ms " +
                         std::to_string(o.timing.min_sample_ms) + " --suite " + o.suite;
    auto helper = [&](const std::string& impl, const std::string& missing_reason, const std::string& cmd,
                      const std::string& env) {
      if (!wanted(o.impls, impl)) return;
      if (!missing_reason.empty()) {
        for (const GemmCase& c : cases) rows.push_back(skipped_row(o.suite, c, impl, threads, "skipped", missing_reason));
        return;
      }
      log(impl + " (subprocess) threads=" + std::to_string(threads));
      try {
        for (BenchRow& r : run_helper(env + " " + cmd + common, impl)) rows.push_back(std::move(r));
      } catch (const std::exception& e) {
        for (const GemmCase& c : cases) rows.push_back(skipped_row(o.suite, c, impl, threads, "skipped", e.what()));
      }
    };
    std::string t = std::to_string(threads);
    helper("halide", o.halide_exe.empty() ? "Halide 14 was not found when anvil was configured" : "",
           o.halide_exe, "HL_NUM_THREADS=" + t + " OMP_NUM_THREADS=" + t);
    helper("tvm", o.tvm_python.empty() ? "no Python with apache-tvm (run scripts/bench-setup.sh)" : "",
           o.tvm_python + " " + o.tvm_script + " --trials " + std::to_string(o.tvm_trials),
           "TVM_NUM_THREADS=" + t + " OMP_NUM_THREADS=" + t);
  }
  // Table order: threads, then case order, then Anvil first.
  std::map<std::string, size_t> case_order;
  for (size_t i = 0; i < gemm_fp32_cases().size(); i++) case_order[gemm_fp32_cases()[i].name] = i;
  std::stable_sort(rows.begin(), rows.end(), [&](const BenchRow& a, const BenchRow& b) {
    if (a.threads != b.threads) return a.threads < b.threads;
    return case_order[a.case_name] < case_order[b.case_name];
  });
  return rows;
}

}  // namespace anvil::bench
