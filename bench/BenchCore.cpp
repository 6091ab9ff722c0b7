// The plumbing of `anvil bench`: JSON rows, the timing protocol, the GEMM
// check and the ratio table (see BenchCore.h).
#include "BenchCore.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "anvil/support/Error.h"

namespace anvil::bench {

using nlohmann::json;

json row_to_json(const BenchRow& row) {
  json j = {{"suite", row.suite},         {"case", row.case_name},     {"impl", row.impl},
            {"dtype", row.dtype},         {"shape", row.shape},        {"threads", row.threads},
            {"median_us", row.median_us}, {"min_us", row.min_us},      {"max_us", row.max_us},
            {"gflops", row.gflops},       {"correct", row.correct},    {"status", row.status}};
  if (row.gbps) j["gbps"] = *row.gbps;
  if (row.tune_seconds) j["tune_seconds"] = *row.tune_seconds;
  if (!row.note.empty()) j["note"] = row.note;
  return j;
}

namespace {

template <typename T>
T field(const json& j, const char* name) {
  ANVIL_USER_CHECK(j.is_object(), "bench row: expected a JSON object, got " << j.dump());
  auto it = j.find(name);
  ANVIL_USER_CHECK(it != j.end(), "bench row: missing field '" << name << "' in " << j.dump());
  try {
    return it->get<T>();
  } catch (const json::exception& e) {
    ANVIL_USER_CHECK(false, "bench row: field '" << name << "' has the wrong type in " << j.dump());
  }
  return T{};
}

}  // namespace

BenchRow row_from_json(const json& j) {
  BenchRow row;
  row.suite = field<std::string>(j, "suite");
  row.case_name = field<std::string>(j, "case");
  row.impl = field<std::string>(j, "impl");
  row.dtype = field<std::string>(j, "dtype");
  row.shape = field<std::vector<int64_t>>(j, "shape");
  row.threads = field<int>(j, "threads");
  row.median_us = field<double>(j, "median_us");
  row.min_us = field<double>(j, "min_us");
  row.max_us = field<double>(j, "max_us");
  row.gflops = field<double>(j, "gflops");
  row.correct = field<bool>(j, "correct");
  row.status = j.contains("status") ? field<std::string>(j, "status") : "ok";
  ANVIL_USER_CHECK(row.status == "ok" || row.status == "skipped" || row.status == "failed",
                   "bench row: status must be ok, skipped or failed, got '" << row.status << "'");
  if (j.contains("gbps") && !j["gbps"].is_null()) row.gbps = field<double>(j, "gbps");
  if (j.contains("tune_seconds") && !j["tune_seconds"].is_null()) row.tune_seconds = field<double>(j, "tune_seconds");
  if (j.contains("note")) row.note = field<std::string>(j, "note");
  return row;
}

double steady_now_us() {
  using namespace std::chrono;
  return duration<double, std::micro>(steady_clock::now().time_since_epoch()).count();
}

bool wanted(const std::vector<std::string>& impls, const std::string& name) {
  if (impls.empty()) return true;
  for (const std::string& i : impls)
    if (name == i || name.rfind(i + "-", 0) == 0) return true;
  return false;
}

double median_of(std::vector<double> values) {
  ANVIL_USER_CHECK(!values.empty(), "median_of: no values");
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

TimingResult time_kernel(const std::function<void(int64_t)>& call, const TimingOptions& options,
                         const ClockUs& now_us) {
  ANVIL_USER_CHECK(options.min_samples >= 1 && options.min_sample_ms > 0 && options.max_number >= 1,
                   "time_kernel: min_samples, min_sample_ms and max_number must be positive");
  int64_t index = 0;
  for (int i = 0; i < options.warmup_calls; i++) call(index++);
  const double min_us = options.min_sample_ms * 1e3;
  auto run = [&](int64_t number) {
    double t0 = now_us();
    for (int64_t i = 0; i < number; i++) call(index++);
    return now_us() - t0;
  };
  // Calibrate: grow `number` toward the target from the last measurement
  // (with 5% headroom), at least doubling so a noisy first call cannot stall it.
  TimingResult result;
  int64_t number = 1;
  for (;;) {
    double elapsed = run(number);
    if (elapsed >= min_us || number >= options.max_number) break;
    double scaled = elapsed > 0 ? std::ceil(number * min_us / elapsed * 1.05) : 2.0 * number;
    number = std::min(options.max_number, std::max(2 * number, static_cast<int64_t>(scaled)));
  }
  result.number = number;
  for (int s = 0; s < options.min_samples; s++) result.samples_us.push_back(run(number) / number);
  result.median_us = median_of(result.samples_us);
  auto [lo, hi] = std::minmax_element(result.samples_us.begin(), result.samples_us.end());
  result.min_us = *lo;
  result.max_us = *hi;
  return result;
}

CheckResult check_gemm(const float* A, const float* B, const float* C, int64_t M, int64_t N,
                       int64_t K, int64_t max_checked) {
  CheckResult r;
  const int64_t total = M * N;
  // A stride coprime with nothing in particular: visits entries spread over
  // every row and column instead of one corner.
  const int64_t count = std::min(total, std::max<int64_t>(1, max_checked));
  const int64_t step = count == total ? 1 : total / count;
  const double atol = 1e-5 * K + 1e-6, rtol = 1e-4;
  for (int64_t n = 0; n < count; n++) {
    int64_t flat = (n * step + (step > 1 ? n % step : 0)) % total;
    int64_t i = flat / N, j = flat % N;
    double want = 0;
    for (int64_t k = 0; k < K; k++) want += double(A[i * K + k]) * double(B[k * N + j]);
    double got = C[flat];
    double diff = std::fabs(got - want);
    if (std::isnan(got)) diff = INFINITY;
    r.max_abs_diff = std::max(r.max_abs_diff, diff);
    if (!(diff <= atol + rtol * std::fabs(want)) && r.correct) {
      r.correct = false;
      std::ostringstream os;
      os << "C[" << i << ", " << j << "] = " << got << ", expected " << want;
      r.first_mismatch = os.str();
    }
    r.checked++;
  }
  return r;
}

bool is_anvil_impl(const std::string& impl) {
  return impl == "anvil" || impl.rfind("anvil-", 0) == 0;
}

std::vector<Ratio> compute_ratios(const std::vector<BenchRow>& rows) {
  std::vector<Ratio> out;
  for (const BenchRow& a : rows) {
    if (!is_anvil_impl(a.impl) || a.status != "ok" || a.median_us <= 0) continue;
    for (const BenchRow& p : rows) {
      if (is_anvil_impl(p.impl) || p.status != "ok" || p.median_us <= 0) continue;
      if (p.suite != a.suite || p.case_name != a.case_name || p.threads != a.threads) continue;
      out.push_back({a.case_name, a.threads, a.impl, p.impl, p.median_us / a.median_us});
    }
  }
  return out;
}

std::string format_ratio_table(const std::vector<BenchRow>& rows) {
  // Peer columns in first-seen order, so the table reads the same every run.
  std::vector<std::string> peers;
  for (const BenchRow& r : rows)
    if (!is_anvil_impl(r.impl) && r.status == "ok" &&
        std::find(peers.begin(), peers.end(), r.impl) == peers.end())
      peers.push_back(r.impl);
  std::map<std::tuple<std::string, int, std::string, std::string>, double> ratio;
  for (const Ratio& x : compute_ratios(rows))
    ratio[{x.case_name, x.threads, x.anvil_impl, x.peer_impl}] = x.ratio;

  // The case column as wide as the longest name (resnet and dense-packed cases).
  int width = 12;
  for (const BenchRow& r : rows) width = std::max(width, static_cast<int>(r.case_name.size()));
  std::ostringstream os;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-*s %3s %-8s %11s %8s %4s", width, "case", "thr", "impl", "median_us",
                "GFLOP/s", "ok");
  os << buf;
  for (const std::string& p : peers) {
    std::snprintf(buf, sizeof buf, " %18s", ("vs " + p).c_str());
    os << buf;
  }
  os << "\n";
  for (const BenchRow& a : rows) {
    if (!is_anvil_impl(a.impl) || a.status != "ok") continue;
    std::snprintf(buf, sizeof buf, "%-*s %3d %-8s %11.1f %8.1f %4s", width, a.case_name.c_str(), a.threads,
                  a.impl.c_str(), a.median_us, a.gflops, a.correct ? "yes" : "NO");
    os << buf;
    for (const std::string& p : peers) {
      auto it = ratio.find({a.case_name, a.threads, a.impl, p});
      if (it == ratio.end()) std::snprintf(buf, sizeof buf, " %18s", "-");
      else std::snprintf(buf, sizeof buf, " %17.2fx", it->second);
      os << buf;
    }
    os << "\n";
  }
  // Peer figures themselves, so a ratio can be traced back to its GFLOP/s.
  os << "\npeers (median_us, GFLOP/s, correct):\n";
  for (const BenchRow& p : rows) {
    if (is_anvil_impl(p.impl) || p.status != "ok") continue;
    std::snprintf(buf, sizeof buf, "  %-*s %3d %-18s %11.1f %8.1f %4s\n", width, p.case_name.c_str(),
                  p.threads, p.impl.c_str(), p.median_us, p.gflops, p.correct ? "yes" : "NO");
    os << buf;
  }
  std::set<std::string> notes;
  for (const BenchRow& r : rows)
    if (r.status != "ok") notes.insert(r.impl + " " + r.status + ": " + r.note);
  if (!notes.empty()) {
    os << "\nnot measured:\n";
    for (const std::string& n : notes) os << "  " << n << "\n";
  }
  return os.str();
}

// The last max_chars of a file on one line (a peer subprocess's stderr, for a row note).
std::string tail_of_file(const std::string& path, size_t max_chars) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > max_chars) s = "..." + s.substr(s.size() - max_chars);
  for (char& ch : s)
    if (ch == '\n') ch = ' ';
  return s;
}

}  // namespace anvil::bench
