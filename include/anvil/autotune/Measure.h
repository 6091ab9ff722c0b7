// Measurement that never trusts a candidate: candidates are built in worker
// processes, and run in a separate process with a timeout; a build error,
// crash, hang or wrong result becomes a failed result with its error text,
// never a tuner crash. Timing protocol: warm-up, then `repeat` samples of
// `number` calls, `number` raised until a sample lasts at least
// min_repeat_ms, optional cache flush between samples; the median is the cost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "anvil/autotune/Workload.h"
#include "anvil/ir/LoweredFunc.h"
#include "anvil/support/HostBuffer.h"

namespace anvil {

// Input `argument_index` of a measured kernel: random values, seeded by the
// index, so the worker and the reference see the same data without files.
// Unsigned types draw from [0, 1] (their range has no negative half).
HostBuffer measurement_input(DataType dtype, std::vector<int64_t> shape, int argument_index);

struct MeasureOptions {
  std::string target = "c -mcpu=native";
  // Tuning only ranks candidates (the best is timed again by whoever uses it):
  // a median of 5 samples of >= 25 ms keeps the ranking while a trial costs
  // ~0.2 s of timing instead of ~0.6 s.
  int repeat = 5;
  double min_repeat_ms = 25;
  bool flush_cache = false;
  // A candidate whose warm-up call takes longer than this is timed with one
  // more call only (0: never): far slower than the best so far, it needs no
  // precise cost, and full sampling of a 1 s kernel would cost seconds.
  double give_up_after_us = 0;
  double timeout_seconds = 10;  // per candidate run
  int build_workers = 2;        // parallel build processes
  // Compare every candidate's first output with the workload's reference
  // (computed once per workload and batch); a mismatch is "wrong_result".
  bool check_correctness = true;
  int threads = 1;              // threads the kernel may use while timed
  // A build worker running longer than this is killed: a "build" failure.
  double build_timeout_seconds = 120;
  // The anvil-measure-worker executable; empty: the one next to the running
  // executable (the anvil binary and the worker are built into one folder).
  std::string worker_path;
  // Where jobs, shared objects, references and worker logs go; empty: a fresh
  // temporary directory, removed after the batch unless keep_files.
  std::string work_dir;
  bool keep_files = false;
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

// Measures each input; results in input order. Throws UserError only for a
// setup problem (bad target string, no worker executable, unwritable
// work_dir); everything a candidate does wrong is in its result.
std::vector<MeasureResult> measure_batch(const std::vector<MeasureInput>& inputs,
                                         const MeasureOptions& options);

// A candidate given as lowered code instead of a trace: `func` must take the
// workload's buffers (inputs, then the output) with the workload's shapes.
// It is built in this process (no trace to replay) and then measured by the
// same runner process as measure_batch's candidates.
struct MeasureFunctionInput {
  Workload workload;
  LoweredFunc func;
};
std::vector<MeasureResult> measure_functions(const std::vector<MeasureFunctionInput>& inputs,
                                             const MeasureOptions& options);

// ---- the timing protocol, shared by the runner process and its tests.

struct TimingOptions {
  int repeat = 10;
  double min_repeat_ms = 50;
  bool flush_cache = false;
  // Warm-up call slower than this: one timed call is the whole result (0: off).
  double give_up_after_us = 0;
  // Bytes written by a flush; 0: a quarter more than the last-level cache.
  size_t flush_bytes = 0;
  // Stops raising `number` here, so a kernel whose clock looks frozen cannot
  // loop forever.
  int64_t max_number = int64_t(1) << 30;
};
struct TimingResult {
  std::vector<double> costs_us;  // per-call microseconds of each of the `repeat` samples
  int64_t number = 1;            // calls per sample
  double median_us = 0;
};
// One warm-up call (when it exceeds give_up_after_us, one timed call and
// stop), then `number` doubled from 1 until `number` calls take
// at least min_repeat_ms, then `repeat` samples of `number` calls, each after
// a write over a buffer larger than the last-level cache when flush_cache.
TimingResult time_calls(const std::function<void()>& call, const TimingOptions& options);

// The median of `values` (the mean of the middle two for an even count); 0
// for none.
double median_of(std::vector<double> values);

}  // namespace anvil
