// Measurement: the timing protocol on a fake kernel, and whole batches through
// the worker processes where candidates crash, hang, give wrong results or fail
// to build while their neighbours in the batch are still measured.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include "anvil/autotune/Measure.h"
#include "anvil/ir/IROperator.h"
#include "anvil/support/Error.h"

using namespace anvil;

namespace {

const DataType f32 = DataType::Float(32);
const DataType i64 = DataType::Int(64);

MeasureOptions fast_options() {
  MeasureOptions o;
  o.worker_path = ANVIL_MEASURE_WORKER;
  o.repeat = 3;
  o.min_repeat_ms = 1;
  o.timeout_seconds = 1;
  return o;
}

// relu on N elements by hand; `body` gives the statement for x, y and i.
const int64_t kN = 64;
Workload relu_workload() { return {"relu", {kN}, "float32"}; }

LoweredFunc relu_func(const std::string& name, Stmt body, const Var& x, const Var& y) {
  return {name, {{x, f32, {kN}}, {y, f32, {kN}}}, body};
}

MeasureFunctionInput good_relu(const std::string& name) {
  Var x("x", DataType::Handle()), y("y", DataType::Handle()), i("i");
  Stmt body = For::make(i, Expr(0), Expr(int(kN)), ForKind::Serial,
                        Store::make(y, max(Load::make(f32, x, i), make_const(f32, 0.0)), i));
  return {relu_workload(), relu_func(name, body, x, y)};
}

// Writes 4 TiB past the output: a segmentation fault.
MeasureFunctionInput segfault_relu() {
  Var x("x", DataType::Handle()), y("y", DataType::Handle());
  Stmt body = Store::make(y, make_const(f32, 1.0), make_const(i64, int64_t(1) << 40));
  return {relu_workload(), relu_func("segfault", body, x, y)};
}

// 1e15 dependent float additions: never ends in a test's lifetime.
MeasureFunctionInput endless_relu() {
  Var x("x", DataType::Handle()), y("y", DataType::Handle()), i("i", i64);
  Expr zero = make_const(i64, int64_t(0));
  Stmt body = For::make(i, make_const(i64, int64_t(0)), make_const(i64, int64_t(1000000000000000)),
                        ForKind::Serial,
                        Store::make(y, Load::make(f32, y, zero) + make_const(f32, 1.0), zero));
  return {relu_workload(), relu_func("endless", body, x, y)};
}

// Writes zeros: runs fine, wrong answer.
MeasureFunctionInput zeros_relu() {
  Var x("x", DataType::Handle()), y("y", DataType::Handle()), i("i");
  Stmt body = For::make(i, Expr(0), Expr(int(kN)), ForKind::Serial, Store::make(y, make_const(f32, 0.0), i));
  return {relu_workload(), relu_func("zeros", body, x, y)};
}

// A tiled matmul trace for 16x32x8 (the one tests/cli replays); `loop`
// replaces the name of the loop the first split takes.
std::string tiled_trace(const std::string& loop = "C.i") {
  return R"({"format_version": 1, "steps": [
    {"primitive": "cache_write", "stage": "C", "strings": ["local"], "outputs": ["C.local"]},
    {"primitive": "sample_perfect_tile", "stage": "C", "loops": ["C.j"], "ints": [2, 16]},
    {"primitive": "split", "stage": "C", "loops": [")" +
         loop + R"("], "ints": [4], "outputs": ["C.i.o", "C.i.i"]},
    {"primitive": "split", "stage": "C", "loops": ["C.j"], "ints": [{"value": 16, "from": [1, 1]}], "outputs": ["C.j.o", "C.j.i"]},
    {"primitive": "reorder", "stage": "C", "loops": ["C.i.o", "C.j.o", "C.i.i", "C.j.i"]},
    {"primitive": "parallel", "stage": "C", "loops": ["C.i.o"]},
    {"primitive": "vectorize", "stage": "C", "loops": ["C.j.i"]},
    {"primitive": "compute_at", "stage": "C.local", "loops": ["C.j.o"], "strings": ["C"]}],
    "decisions": [{"step": 1, "values": [2, 16]}]})";
}

void expect_measured(const MeasureResult& r, int repeat, const std::string& what) {
  EXPECT_TRUE(r.ok) << what << ": " << r.error_kind << ": " << r.error_text;
  EXPECT_EQ(r.error_kind, "") << what;
  ASSERT_EQ(r.costs_us.size(), size_t(repeat)) << what;
  for (double c : r.costs_us) EXPECT_GT(c, 0) << what;
  EXPECT_GT(r.median_us, 0) << what;
  EXPECT_GE(r.median_us, *std::min_element(r.costs_us.begin(), r.costs_us.end())) << what;
  EXPECT_LE(r.median_us, *std::max_element(r.costs_us.begin(), r.costs_us.end())) << what;
  EXPECT_GT(r.run_seconds, 0) << what;
}

}  // namespace

TEST(TimingProtocol, DoublesNumberUntilASampleIsLongEnough) {
  int64_t calls = 0;
  auto spin_50us = [&] {
    ++calls;
    auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    while (std::chrono::steady_clock::now() < end) {
    }
  };
  TimingOptions o;
  o.repeat = 4;
  o.min_repeat_ms = 2;
  TimingResult t = time_calls(spin_50us, o);
  // `number` is doubled, and stops once a calibration run reaches 2 ms: the
  // previous run of number / 2 calls (each >= 50 us) was shorter, so number
  // <= 64 (typically 64; less when the machine is busy and preempts us).
  EXPECT_TRUE(t.number >= 1 && t.number <= 64 && (t.number & (t.number - 1)) == 0) << t.number;
  ASSERT_EQ(t.costs_us.size(), 4u);
  for (double c : t.costs_us) {
    EXPECT_GE(c, 50.0);
    EXPECT_LT(c, 50000.0);  // sanity: 50 ms a call means the clock is wrong
  }
  // One warm-up, the calibration runs 1 + 2 + ... + number, then the samples.
  EXPECT_EQ(calls, 1 + (2 * t.number - 1) + 4 * t.number);
  EXPECT_EQ(t.median_us, median_of(t.costs_us));
}

TEST(TimingProtocol, SlowKernelAndCacheFlush) {
  int64_t calls = 0;
  TimingOptions o;
  o.repeat = 3;
  o.min_repeat_ms = 0;  // one call a sample
  o.flush_cache = true;
  o.flush_bytes = size_t(8) << 20;
  TimingResult t = time_calls([&] { ++calls; }, o);
  EXPECT_EQ(t.number, 1);
  EXPECT_EQ(calls, 1 + 1 + 3);
  EXPECT_EQ(t.costs_us.size(), 3u);
  o.repeat = 0;
  EXPECT_THROW(time_calls([] {}, o), UserError);
}

TEST(TimingProtocol, GivesUpOnACandidateFarSlowerThanTheBest) {
  int64_t calls = 0;
  auto spin_2ms = [&] {
    ++calls;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
    while (std::chrono::steady_clock::now() < end) {
    }
  };
  TimingOptions o;
  o.repeat = 5;
  o.min_repeat_ms = 20;
  o.give_up_after_us = 500;  // the best so far ran in ~170 us
  TimingResult t = time_calls(spin_2ms, o);
  EXPECT_EQ(calls, 2);  // the warm-up and one timed call
  ASSERT_EQ(t.costs_us.size(), 1u);
  EXPECT_GE(t.median_us, 2000.0);
  // A kernel under the cutoff is sampled in full.
  calls = 0;
  o.give_up_after_us = 1e6;
  o.min_repeat_ms = 0;
  t = time_calls(spin_2ms, o);
  EXPECT_EQ(t.costs_us.size(), 5u);
  EXPECT_EQ(calls, 1 + 1 + 5);
}

TEST(TimingProtocol, Median) {
  EXPECT_EQ(median_of({}), 0);
  EXPECT_EQ(median_of({5, 1, 3}), 3);
  EXPECT_EQ(median_of({4, 1, 3, 2}), 2.5);
}

TEST(Measure, CrashHangAndWrongResultAreFailuresAndTheBatchGoesOn) {
  MeasureOptions o = fast_options();
  auto start = std::chrono::steady_clock::now();
  std::vector<MeasureResult> r =
      measure_functions({good_relu("first"), segfault_relu(), endless_relu(), zeros_relu(), good_relu("last")}, o);
  ASSERT_EQ(r.size(), 5u);
  expect_measured(r[0], o.repeat, "first");
  expect_measured(r[4], o.repeat, "last");

  EXPECT_FALSE(r[1].ok);
  EXPECT_EQ(r[1].error_kind, "crash") << r[1].error_text;
  EXPECT_NE(r[1].error_text.find("SIGSEGV"), std::string::npos) << r[1].error_text;

  EXPECT_FALSE(r[2].ok);
  EXPECT_EQ(r[2].error_kind, "timeout") << r[2].error_text;
  EXPECT_GE(r[2].run_seconds, 1.0);
  EXPECT_LT(r[2].run_seconds, 2.0);

  EXPECT_FALSE(r[3].ok);
  EXPECT_EQ(r[3].error_kind, "wrong_result") << r[3].error_text;
  EXPECT_NE(r[3].error_text.find("max abs diff"), std::string::npos) << r[3].error_text;
  EXPECT_TRUE(r[3].costs_us.empty());

  for (const MeasureResult& m : r) EXPECT_GT(m.build_seconds, 0);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 6.0);
}

TEST(Measure, WrongResultPassesWithoutTheCheck) {
  MeasureOptions o = fast_options();
  o.check_correctness = false;
  std::vector<MeasureResult> r = measure_functions({zeros_relu()}, o);
  expect_measured(r[0], o.repeat, "zeros unchecked");
}

TEST(Measure, TracedMatmulAndBuildFailuresInOneBatch) {
  MeasureOptions o = fast_options();
  Workload mm{"matmul", {16, 32, 8}, "float32"};
  std::vector<MeasureResult> r = measure_batch({{mm, tiled_trace()},
                                                {mm, tiled_trace("C.nope")},
                                                {mm, "{not json"},
                                                {{"conv3d", {1}, "float32"}, ""},
                                                {mm, ""}},  // the default schedule
                                               o);
  ASSERT_EQ(r.size(), 5u);
  expect_measured(r[0], o.repeat, "tiled trace");
  EXPECT_GT(r[0].build_seconds, 0);
  expect_measured(r[4], o.repeat, "default schedule");

  EXPECT_EQ(r[1].error_kind, "build");
  EXPECT_NE(r[1].error_text.find("C.nope"), std::string::npos) << r[1].error_text;
  EXPECT_EQ(r[2].error_kind, "build");
  EXPECT_NE(r[2].error_text.find("trace"), std::string::npos) << r[2].error_text;
  EXPECT_EQ(r[3].error_kind, "build");
  EXPECT_NE(r[3].error_text.find("unknown operator 'conv3d'"), std::string::npos) << r[3].error_text;
  for (int i : {1, 2, 3}) {
    EXPECT_FALSE(r[i].ok);
    EXPECT_TRUE(r[i].costs_us.empty());
    EXPECT_EQ(r[i].run_seconds, 0);
  }
}

TEST(Measure, LLVMTargetBuildsASharedObject) {
  MeasureOptions o = fast_options();
  o.target = "llvm -mcpu=native";
  o.threads = 2;
  std::vector<MeasureResult> r = measure_batch({{{"matmul", {16, 32, 8}, "float32"}, tiled_trace()}}, o);
  expect_measured(r[0], o.repeat, "llvm tiled trace");
}

TEST(Measure, KeepsFilesInAGivenWorkDir) {
  MeasureOptions o = fast_options();
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("anvil-measure-test-" + std::to_string(::getpid()));
  o.work_dir = dir.string();
  std::vector<MeasureResult> r = measure_functions({good_relu("kept")}, o);
  expect_measured(r[0], o.repeat, "kept");
  EXPECT_TRUE(std::filesystem::exists(dir / "func0.so"));
  EXPECT_TRUE(std::filesystem::exists(dir / "run0.result.json"));
  std::filesystem::remove_all(dir);
}

TEST(Measure, SetupErrorsAreUserErrors) {
  MeasureOptions o = fast_options();
  std::vector<MeasureInput> one = {{{"relu", {8}, "float32"}, ""}};
  o.worker_path = "/nonexistent/anvil-measure-worker";
  try {
    measure_batch(one, o);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/anvil-measure-worker"), std::string::npos) << e.what();
  }
  o = fast_options();
  o.target = "cuda";
  EXPECT_THROW(measure_batch(one, o), UserError);
  o = fast_options();
  o.repeat = 0;
  EXPECT_THROW(measure_batch(one, o), UserError);
  EXPECT_TRUE(measure_batch({}, fast_options()).empty());
}
