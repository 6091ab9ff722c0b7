// The tune-cpu suite: Anvil tunes each workload (dense, ResNet-50 conv2d,
// MobileNetV2 depthwise) with the autotuner, then its best schedule is timed
// beside OpenBLAS, oneDNN and TVM MetaSchedule in the same run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "BenchCore.h"
#include "anvil/autotune/Workload.h"
#include "anvil/support/HostBuffer.h"

namespace anvil::bench {

// One case: a name (what --cases takes) and the workload tuned and measured.
struct TuneCpuCase {
  std::string name;  // e.g. "dense-256", "dense-packed-256", "resnet-28x28-128", "mbv2-56x56-144"
  // op "dense" | "dense_packed" | "conv2d_nchwc" | "depthwise_conv2d_nchwc" (or their NCHW forms)
  Workload workload;
};

// Every case, in table order: dense at the gemm-fp32 shapes ("dense-" + the
// GemmCases name), dense_packed at the same shapes with panels of 16
// ("dense-packed-" + the name), the ResNet-50 layers, the MobileNetV2
// depthwise layers.
const std::vector<TuneCpuCase>& tune_cpu_cases();
// The cases named in `names` (comma-separated; empty: all). An unknown name
// is a UserError listing the valid ones.
std::vector<TuneCpuCase> select_tune_cpu_cases(const std::string& names);

// Inputs, output and expected output of one case (the workload's reference).
struct TuneCpuData {
  TuneCpuCase c;
  WorkloadInstance inst;
  std::vector<HostBuffer> inputs;  // in the order of inst.inputs
  HostBuffer output;
  HostBuffer expected;
  // dense_packed: its weight unpacked to dense's [N, K] (empty for other ops).
  std::optional<HostBuffer> unpacked_weight;
  explicit TuneCpuData(const TuneCpuCase& c);
  double gflop() const { return inst.flops / 1e9; }
  // W [N, K] of a dense or dense_packed case, as the peers take it: they
  // pack weights ahead of time themselves (oneDNN) or not at all (OpenBLAS),
  // so a dense_packed case hands them the same weight unpacked.
  HostBuffer& dense_weight() { return unpacked_weight ? *unpacked_weight : inputs.at(1); }
};

// Runs the kernel once, writing data.output (i counts calls, unused here).
using TuneCpuKernel = std::function<void(int64_t)>;

// A peer measured in this process.
class TuneCpuPeer {
 public:
  virtual ~TuneCpuPeer() = default;
  virtual std::string name() const = 0;
  // False: the peer has no implementation of this operator (no row at all).
  virtual bool supports(const std::string& op) const = 0;
  virtual void set_threads(int threads) = 0;
  // Reorders weights / creates primitives (not timed). Throws on failure.
  virtual TuneCpuKernel prepare(TuneCpuData& data) = 0;
};
std::unique_ptr<TuneCpuPeer> make_openblas_tune_cpu();  // null when not compiled in
std::unique_ptr<TuneCpuPeer> make_onednn_tune_cpu();    // null when not compiled in
std::unique_ptr<TuneCpuPeer> make_onednn_plain_tune_cpu();  // dense on the weight as stored; null likewise

// How long tuning took and how fast it converged, for one Anvil row.
struct TuningSummary {
  std::string case_name;
  int trials = 0;          // measured
  int failures = 0;
  double tune_seconds = 0;
  int trials_to_95 = 0;    // first trial whose best reached 95% of the final best (0: none valid)
  double tuned_gflops = 0;  // the tuner's own measurement of the best
  std::string model;
};
// 1-based index of the first entry of `curve` (best GFLOP/s so far) reaching
// 95% of its last entry; 0 when the curve is empty or never positive.
int trials_to_reach(const std::vector<double>& curve, double fraction = 0.95);

struct TuneCpuOptions {
  std::string cases;  // comma-separated names; empty: all
  std::vector<std::string> impls;  // empty: all; else only these (prefix match on "name-")
  int trials = 1000;
  int threads = 1;
  std::string target = "llvm -mcpu=native";
  std::string db_path;  // the tuning database (the command defaults it under build/)
  std::string model = "xgboost";  // "xgboost" | "random"
  // Continue from the database's records of each case (they count against
  // `trials`): a long tuning run split over several invocations.
  bool resume = false;
  TimingOptions timing;
  std::string tvm_python;  // interpreter with apache-tvm; empty: tvm rows skipped
  std::string tvm_script;  // bench/tvm_tune.py
  std::function<void(const std::string&)> log;  // progress lines
};

struct TuneCpuReport {
  std::vector<BenchRow> rows;  // suite "tune-cpu", table order
  std::vector<TuningSummary> tuning;  // one per Anvil row that tuned
};

TuneCpuReport run_tune_cpu_suite(const TuneCpuOptions& options);

// The row as JSON (row_to_json) plus, for an Anvil row with a summary, the
// fields tune_seconds, trials, trials_to_95 and model.
nlohmann::json tune_cpu_row_json(const BenchRow& row, const std::vector<TuningSummary>& tuning);
// The table of tuning time and convergence printed after the ratio table.
std::string format_tuning_table(const std::vector<TuningSummary>& tuning);
// The tvm_tune.py arguments naming the cases: "--case NAME=OP:S1,S2,..." each.
std::string tvm_case_args(const std::vector<TuneCpuCase>& cases);

}  // namespace anvil::bench
