// Tests of the benchmark plumbing: JSON rows, the ratio table, the timing
// protocol on a fake kernel and clock, the GEMM check, the case selection,
// and the anvil GEMM/GEMV schedules on small shapes.
#include <gtest/gtest.h>

#include "AnvilGemm.h"
#include "BenchCore.h"
#include "GemmSuite.h"
#include "anvil/support/Error.h"

namespace anvil::bench {
namespace {

BenchRow make_row(const std::string& impl, const std::string& case_name, int threads, double median_us) {
  BenchRow r;
  r.suite = "gemm-fp32";
  r.case_name = case_name;
  r.impl = impl;
  r.shape = {256, 256, 256};
  r.threads = threads;
  r.median_us = median_us;
  r.min_us = median_us * 0.9;
  r.max_us = median_us * 1.2;
  r.gflops = 2.0 * 256 * 256 * 256 / (median_us * 1e3);
  r.correct = true;
  return r;
}

TEST(BenchRowJson, HasTheIssueFieldsAndRoundTrips) {
  BenchRow r = make_row("halide-adams2019", "256", 2, 400.0);
  nlohmann::json j = row_to_json(r);
  for (const char* f : {"suite", "case", "impl", "dtype", "shape", "threads", "median_us", "min_us",
                        "max_us", "gflops", "correct"})
    EXPECT_TRUE(j.contains(f)) << f;
  EXPECT_EQ(j["shape"], nlohmann::json::array({256, 256, 256}));
  EXPECT_EQ(j["impl"], "halide-adams2019");
  EXPECT_EQ(j["threads"], 2);
  EXPECT_DOUBLE_EQ(j["median_us"].get<double>(), 400.0);
  EXPECT_FALSE(j.contains("gbps"));
  BenchRow back = row_from_json(j);
  EXPECT_EQ(row_to_json(back), j);

  r.gbps = 21.5;
  EXPECT_DOUBLE_EQ(row_to_json(r)["gbps"].get<double>(), 21.5);
  // A tuning peer's wall time survives the trip through its helper's JSON.
  EXPECT_FALSE(j.contains("tune_seconds"));
  r.tune_seconds = 62.0;
  EXPECT_DOUBLE_EQ(row_from_json(row_to_json(r)).tune_seconds.value_or(0), 62.0);
}

TEST(BenchRowJson, MissingOrMistypedFieldNamesIt) {
  nlohmann::json j = row_to_json(make_row("tvm", "512", 1, 10.0));
  j.erase("median_us");
  try {
    row_from_json(j);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("median_us"), std::string::npos) << e.what();
  }
  j = row_to_json(make_row("tvm", "512", 1, 10.0));
  j["shape"] = "512x512";
  EXPECT_THROW(row_from_json(j), UserError);
  j = row_to_json(make_row("tvm", "512", 1, 10.0));
  j["status"] = "maybe";
  EXPECT_THROW(row_from_json(j), UserError);
}

TEST(RatioTable, ComparesAnvilWithEachPeerOnTheSameCaseAndThreads) {
  std::vector<BenchRow> rows = {
      make_row("anvil", "256", 1, 100.0),    make_row("openblas", "256", 1, 80.0),
      make_row("onednn", "256", 1, 125.0),   make_row("openblas", "256", 2, 40.0),  // other thread count
      make_row("openblas", "512", 1, 10.0),  // other case: no Anvil row
  };
  BenchRow skipped = make_row("tvm", "256", 1, 0);
  skipped.status = "skipped";
  skipped.note = "no Python with apache-tvm";
  rows.push_back(skipped);
  std::vector<Ratio> ratios = compute_ratios(rows);
  ASSERT_EQ(ratios.size(), 2u);
  EXPECT_EQ(ratios[0].peer_impl, "openblas");
  EXPECT_DOUBLE_EQ(ratios[0].ratio, 0.8);   // peer 80 us / anvil 100 us: Anvil slower
  EXPECT_EQ(ratios[1].peer_impl, "onednn");
  EXPECT_DOUBLE_EQ(ratios[1].ratio, 1.25);  // Anvil faster
  std::string table = format_ratio_table(rows);
  EXPECT_NE(table.find("vs openblas"), std::string::npos) << table;
  EXPECT_NE(table.find("0.80x"), std::string::npos) << table;
  EXPECT_NE(table.find("1.25x"), std::string::npos) << table;
  EXPECT_NE(table.find("tvm skipped: no Python with apache-tvm"), std::string::npos) << table;
  EXPECT_TRUE(is_anvil_impl("anvil-llvm"));
  EXPECT_FALSE(is_anvil_impl("anvilx"));
}

TEST(TimingProtocol, CalibratesToTheMinimumSampleLengthOnAFakeClock) {
  // Each call advances a fake clock by 100 us, so `number` and the median are exact.
  double now = 0;
  int64_t calls = 0, last_index = -1;
  auto clock = [&] { return now; };
  auto kernel = [&](int64_t i) {
    EXPECT_EQ(i, last_index + 1);  // indices count every call, for weight rotation
    last_index = i;
    calls++;
    now += 100.0;
  };
  TimingOptions opt;
  opt.warmup_calls = 1;
  opt.min_samples = 10;
  opt.min_sample_ms = 50;
  TimingResult plain = time_kernel(kernel, opt, clock);
  // 1 call (100 us) -> number = max(2, ceil(1 * 50000 / 100 * 1.05)) = 525 -> 52.5 ms >= 50 ms.
  EXPECT_EQ(plain.number, 525);
  ASSERT_EQ(plain.samples_us.size(), 10u);
  EXPECT_DOUBLE_EQ(plain.median_us, 100.0);
  EXPECT_EQ(calls, 1 + 1 + 525 + 10 * 525);

  // Per-sample costs 100, 110, ..., 190 us: median 145, min 100, max 190.
  now = 0;
  calls = 0;
  last_index = -1;
  int64_t calibration_calls = 1 + 1 + 525;
  auto varying = [&](int64_t i) {
    last_index = i;
    calls++;
    if (calls <= calibration_calls) now += 100.0;
    else now += 100.0 + 10.0 * double((calls - calibration_calls - 1) / 525);
  };
  TimingResult r = time_kernel(varying, opt, clock);
  EXPECT_DOUBLE_EQ(r.median_us, 145.0);
  EXPECT_DOUBLE_EQ(r.min_us, 100.0);
  EXPECT_DOUBLE_EQ(r.max_us, 190.0);
  EXPECT_DOUBLE_EQ(r.samples_us[3], 130.0);
}

TEST(TimingProtocol, MedianOfEvenAndOddLists) {
  EXPECT_DOUBLE_EQ(median_of({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(median_of({4, 1, 3, 2}), 2.5);
  EXPECT_THROW(median_of({}), UserError);
}

TEST(CheckGemm, AcceptsTheProductAndReportsAWrongEntry) {
  const int64_t M = 3, N = 4, K = 5;
  std::vector<float> A(M * K), B(K * N), C(M * N, 0.0f);
  for (int64_t i = 0; i < M * K; i++) A[i] = float(i % 7) - 3.0f;
  for (int64_t i = 0; i < K * N; i++) B[i] = float(i % 5) * 0.5f;
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++)
      for (int64_t k = 0; k < K; k++) C[i * N + j] += A[i * K + k] * B[k * N + j];
  CheckResult ok = check_gemm(A.data(), B.data(), C.data(), M, N, K);
  EXPECT_TRUE(ok.correct);
  EXPECT_EQ(ok.checked, M * N);
  C[2 * N + 1] += 0.5f;
  CheckResult bad = check_gemm(A.data(), B.data(), C.data(), M, N, K);
  EXPECT_FALSE(bad.correct);
  EXPECT_EQ(bad.first_mismatch.rfind("C[2, 1] = ", 0), 0u) << bad.first_mismatch;
  EXPECT_NEAR(bad.max_abs_diff, 0.5, 1e-6);
}

TEST(GemmCases, QuickSubsetFiltersAndUnknownNames) {
  std::vector<GemmCase> quick = select_gemm_cases("", true);
  ASSERT_EQ(quick.size(), 3u);
  EXPECT_EQ(quick[0].name, "256");
  EXPECT_EQ(quick[1].name, "512");
  EXPECT_EQ(quick[2].name, "bert-768");
  EXPECT_EQ(select_gemm_cases("", false).size(), 7u);
  std::vector<GemmCase> two = select_gemm_cases("gemv-4096,bert-3072", false);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].N, 3072);
  EXPECT_TRUE(two[0].is_gemv());
  // 4096 x 4096 floats are 64 MiB: three copies exceed 128 MiB.
  EXPECT_EQ(num_weight_copies(two[0]), 3);
  EXPECT_EQ(num_weight_copies(two[1]), 1);
  try {
    select_gemm_cases("256,999", false);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'999'"), std::string::npos) << e.what();
  }
}

TEST(AnvilGemm, ParamsParseAndRejectBadInput) {
  GemmParams p = parse_gemm_params("mr=8,nr=32,pack=0", GemmParams{});
  EXPECT_EQ(p.mr, 8);
  EXPECT_EQ(p.nr, 32);
  EXPECT_EQ(p.pack, 0);
  EXPECT_THROW(parse_gemm_params("mr=x", GemmParams{}), UserError);
  EXPECT_THROW(parse_gemm_params("tile=4", GemmParams{}), UserError);
  EXPECT_THROW(lower_anvil_gemm(6, 64, 16, GemmParams{}, "g"), UserError);  // mr=4 does not divide 6
}

// The schedules on small shapes, through the real suite driver's check (one
// compile each; timing kept to the minimum the protocol allows).
void expect_anvil_correct(const GemmCase& c, const std::string& params) {
  GemmData data(c);
  auto impl = make_anvil_gemm("c -mcpu=native", params);
  impl->set_threads(2);
  GemmKernel kernel = impl->prepare(data, 2);
  kernel(0);
  CheckResult check = check_gemm(data.A.data<float>(), data.B[0].data<float>(), data.C.data<float>(),
                                 c.M, c.N, c.K);
  EXPECT_TRUE(check.correct) << c.name << " " << params << ": " << check.first_mismatch;
  EXPECT_EQ(check.checked, c.M * c.N);
}

TEST(AnvilGemm, PackedTiledScheduleIsCorrect) {
  expect_anvil_correct({"small", 16, 128, 40, false}, "");
  expect_anvil_correct({"small-nopack", 8, 64, 12, false}, "pack=0,mr=8,nr=32");
}

TEST(AnvilGemm, GemvScheduleIsCorrect) {
  expect_anvil_correct({"gemv", 1, 1024, 48, false}, "chunk=256");
}

}  // namespace
}  // namespace anvil::bench
