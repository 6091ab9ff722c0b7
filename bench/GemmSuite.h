// The gemm-fp32 suite: its cases, the implementations measured in this
// process (anvil, openblas, onednn) and the helpers run as subprocesses
// (halide, tvm), and the driver that times them all into BenchRows.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "BenchCore.h"
#include "GemmCases.h"
#include "anvil/support/HostBuffer.h"

namespace anvil::bench {

// Inputs of one case. GEMV rotates through enough distinct B matrices to
// exceed 128 MiB so each call streams B from memory, not from cache.
struct GemmData {
  GemmCase c;
  HostBuffer A;
  std::vector<HostBuffer> B;
  HostBuffer C;
  explicit GemmData(const GemmCase& c);
};

// Runs the kernel once on weight copy `w` (of data.B), writing data.C.
using GemmKernel = std::function<void(int64_t w)>;

// An implementation measured in this process.
class GemmImpl {
 public:
  virtual ~GemmImpl() = default;
  // The row's impl, e.g. "openblas".
  virtual std::string name() const = 0;
  virtual void set_threads(int threads) = 0;
  // Compiles / reorders what it needs (not timed). Throws on failure.
  virtual GemmKernel prepare(GemmData& data, int threads) = 0;
};

// `target`: an Anvil target string ("c -mcpu=native"); `params`: overrides
// of the per-shape schedule (see parse_gemm_params), empty for the defaults.
std::unique_ptr<GemmImpl> make_anvil_gemm(const std::string& target, const std::string& params);
// Peers compiled in; the others are listed with why they are absent.
struct PeerFactory {
  std::string name;
  std::function<std::unique_ptr<GemmImpl>()> make;  // null when unavailable
  std::string unavailable_reason;
};
std::vector<PeerFactory> in_process_peers();
std::unique_ptr<GemmImpl> make_openblas_gemm();  // null when not compiled in
std::unique_ptr<GemmImpl> make_onednn_gemm();    // null when not compiled in

// Sets the OpenMP thread count (the C backend's parallel loops, oneDNN).
void set_omp_threads(int threads);

struct SuiteOptions {
  std::string suite = "gemm-fp32";
  bool quick = false;
  std::vector<int> threads = {1, 2};
  std::string cases;        // comma-separated names; empty: all
  std::vector<std::string> impls;  // empty: all; otherwise only these (prefix match on "name-")
  std::string target = "c -mcpu=native";
  std::string anvil_params;
  TimingOptions timing;
  // Subprocess helpers; empty paths skip them with the given reason.
  std::string halide_exe;
  std::string tvm_python;   // interpreter with apache-tvm installed
  std::string tvm_script;
  int tvm_trials = 0;       // MetaSchedule trials (0: TVM's default schedule)
  std::function<void(const std::string&)> log;  // progress lines
};

std::vector<BenchRow> run_gemm_suite(const SuiteOptions& options);

// Measures one prepared kernel into a row (checks correctness first).
BenchRow measure_gemm(const std::string& suite, const std::string& impl, GemmData& data,
                      int threads, const GemmKernel& kernel, const TimingOptions& timing);
BenchRow skipped_row(const std::string& suite, const GemmCase& c, const std::string& impl,
                     int threads, const std::string& status, const std::string& note);

}  // namespace anvil::bench
