// Measurement that never trusts a candidate: candidates are built in worker
// processes, and run in a separate process with a timeout; a build error,
// crash, hang or wrong result becomes a failed result with its error text,
// never a tuner crash. Timing protocol: warm-up, then `repeat` samples of
// `number` calls, `number` raised until a sample lasts at least
// min_repeat_ms, optional cache flush between samples; the median is the cost.
#pragma once

#include <string>
#include <vector>

#include "anvil/autotune/Workload.h"

namespace anvil {

struct MeasureOptions {
  std::string target = "c -mcpu=native";
  int repeat = 10;
  double min_repeat_ms = 50;
  bool flush_cache = false;
  double timeout_seconds = 10;  // per candidate run
  int build_workers = 2;        // parallel build processes
  bool check_correctness = true;
  int threads = 1;              // threads the kernel may use while timed
};

// One candidate: a schedule trace for the workload.
struct MeasureInput {
  Workload workload;
  std::string trace_json;
};

struct MeasureResult {
  bool ok = false;
  std::string error_kind;  // "", "build", "crash", "timeout", "wrong_result", "runtime"
  std::string error_text;
  std::vector<double> costs_us;  // per-call time of each sample
  double median_us = 0;
  double build_seconds = 0;
  double run_seconds = 0;
};

// Measures each input; results in input order.
std::vector<MeasureResult> measure_batch(const std::vector<MeasureInput>& inputs,
                                         const MeasureOptions& options);

}  // namespace anvil
