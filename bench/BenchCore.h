// The plumbing of `anvil bench`, independent of any peer library: the JSON
// row every implementation reports, the timing protocol, the GEMM result
// check, and the ratio table that compares Anvil rows with peer rows.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace anvil::bench {

// One measured (or skipped) implementation on one case at one thread count.
// `impl` is anvil, openblas, onednn, halide, tvm or ort, optionally followed by
// "-detail" (halide-adams2019). `shape` is in the operator's own order (dense:
// [M, N, K]).
struct BenchRow {
  std::string suite;
  std::string case_name;
  std::string impl;
  std::string dtype = "float32";
  std::vector<int64_t> shape;
  int threads = 1;
  double median_us = 0;
  double min_us = 0;
  double max_us = 0;
  double gflops = 0;
  std::optional<double> gbps;  // memory-bound cases (GEMV): weight bytes streamed per second
  std::optional<double> tune_seconds;  // a peer that tunes (TVM MetaSchedule): its tuning wall time
  bool correct = false;
  // "ok", or "skipped" / "failed" with the reason in `note` (times then 0).
  std::string status = "ok";
  std::string note;
};

nlohmann::json row_to_json(const BenchRow& row);
// Parses a row written by row_to_json (or by bench/tvm_gemm.py). A missing or
// mistyped field is a UserError naming the field.
BenchRow row_from_json(const nlohmann::json& j);

// The timing protocol (DESIGN.md): `warmup_calls` calls, then calibrate
// `number` (calls per sample) until one sample lasts at least min_sample_ms,
// then `min_samples` samples; the per-call time of each sample is recorded.
struct TimingOptions {
  int warmup_calls = 1;
  int min_samples = 10;
  double min_sample_ms = 50.0;
  int64_t max_number = int64_t(1) << 24;
};

struct TimingResult {
  double median_us = 0;
  double min_us = 0;
  double max_us = 0;
  int64_t number = 0;               // calls per sample
  std::vector<double> samples_us;   // per-call time of each sample, in order
};

// A clock in microseconds; the default is std::chrono::steady_clock. Tests
// pass a fake one so the protocol can be checked exactly.
using ClockUs = std::function<double()>;
double steady_now_us();

// `call(i)` runs the kernel once; i counts every call from 0 (warm-up and
// calibration included) so a caller can rotate through several inputs.
TimingResult time_kernel(const std::function<void(int64_t)>& call, const TimingOptions& options = {},
                         const ClockUs& now_us = steady_now_us);

// The median of a non-empty list (the mean of the middle two for even sizes).
double median_of(std::vector<double> values);
// True when `impls` (a --impls list; empty: all) selects implementation
// `name`: equal to an entry, or an entry followed by "-" (tvm selects tvm-ms64).
bool wanted(const std::vector<std::string>& impls, const std::string& name);

// Checks C = A·B (row-major A [M, K], B [K, N], C [M, N], float32) against a
// double-precision dot product on up to `max_checked` entries spread over the
// whole output (every entry when M·N is small enough). Tolerance grows with K.
struct CheckResult {
  bool correct = true;
  double max_abs_diff = 0;
  int64_t checked = 0;
  std::string first_mismatch;  // "C[i, j] = x, expected y" when not correct
};
CheckResult check_gemm(const float* A, const float* B, const float* C, int64_t M, int64_t N,
                       int64_t K, int64_t max_checked = 16384);

// Ratios of each Anvil row ("anvil" or "anvil-*") to each peer row of the same
// suite, case and thread count: peer median / Anvil median, so > 1 means Anvil
// is faster (it equals Anvil GFLOP/s over the peer's). Rows that are not "ok"
// give no ratio.
struct Ratio {
  std::string case_name;
  int threads = 1;
  std::string anvil_impl;
  std::string peer_impl;
  double ratio = 0;
};
std::vector<Ratio> compute_ratios(const std::vector<BenchRow>& rows);

// The table printed at the end of a run: one line per Anvil row with its
// median and GFLOP/s and its ratio to each peer, then the skipped rows.
std::string format_ratio_table(const std::vector<BenchRow>& rows);

bool is_anvil_impl(const std::string& impl);

// The last `max_chars` of a file, newlines folded, for notes about a failed peer run.
std::string tail_of_file(const std::string& path, size_t max_chars);

}  // namespace anvil::bench
