// The tuner end to end on a tiny matmul with the C target: records land in
// the database, the best is at least the default schedule, resume continues
// without measuring anything twice, and apply_history_best replays the best.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "anvil/autotune/Tuner.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/Error.h"

namespace anvil {
namespace {

namespace fs = std::filesystem;

class TunerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("anvil_tuner_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  TuneOptions options(int trials) const {
    TuneOptions o;
    o.target = "c";
    o.trials = trials;
    o.batch = 4;
    o.db_path = (dir_ / "anvil.db").string();
    o.seed = 1;
    o.search_options.population = 32;
    o.search_options.generations = 2;
    o.measure.repeat = 3;
    o.measure.min_repeat_ms = 1;
    o.measure.worker_path = ANVIL_MEASURE_WORKER;
    o.remeasure_top = 0;  // RemeasuresTheBestAfterTheTrials turns it on
    return o;
  }

  fs::path dir_;
};

Workload matmul32() { return Workload{"matmul", {32, 32, 32}, "float32"}; }

TEST_F(TunerTest, TunesResumesAndAppliesTheBest) {
  TuneOptions o = options(8);
  int calls = 0;
  TuneResult r = tune(matmul32(), o, [&](const TuneProgress& p) {
    ++calls;
    EXPECT_EQ(p.trials_total, 8);
    EXPECT_LE(p.trials_done, 8);
  });
  EXPECT_EQ(r.trials, 8);
  EXPECT_EQ(calls, 2);  // one progress report per batch
  ASSERT_TRUE(r.found);
  EXPECT_GT(r.default_gflops, 0) << "the default schedule is measured first";
  EXPECT_GE(r.best_gflops, r.default_gflops);
  ASSERT_EQ(r.curve.size(), 8u);
  EXPECT_TRUE(std::is_sorted(r.curve.begin(), r.curve.end()));
  EXPECT_TRUE(fs::exists(cost_model_path(o.db_path, "xgboost")));

  Database db = Database::open(o.db_path);
  TargetRecord t = target_record("c");
  EXPECT_EQ(db.records(matmul32(), t).size(), 8u);

  // Resume with a budget of 12: 8 stored count against it, 4 new, no repeats.
  TuneOptions more = options(12);
  more.resume = true;
  TuneResult r2 = tune(matmul32(), more);
  EXPECT_EQ(r2.resumed, 8);
  EXPECT_EQ(r2.trials, 4);
  EXPECT_GE(r2.best_gflops, r.best_gflops);
  std::vector<TuningRecord> all = db.records(matmul32(), t);
  ASSERT_EQ(all.size(), 12u);
  std::set<std::string> traces;
  for (const auto& rec : all) traces.insert(rec.trace_json);
  EXPECT_EQ(traces.size(), all.size()) << "resume measured a candidate twice";

  // The best record replays onto the caller's tensors and lowers.
  WorkloadInstance inst = instantiate(matmul32());
  auto best = apply_history_best(db, inst, matmul32(), t);
  ASSERT_TRUE(best);
  EXPECT_EQ(best->trace().to_json(), db.best(matmul32(), t)->trace_json);
  EXPECT_NO_THROW(lower(*best, inst.args(), "best"));
}

TEST_F(TunerTest, NoRecordsGiveTheDefaultSchedule) {
  Database db = Database::open((dir_ / "empty.db").string());
  auto s = apply_history_best(db, matmul32(), target_record("c"));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->trace().steps().empty());
}

TEST_F(TunerTest, StopFlagEndsAfterTheCurrentBatch) {
  TuneOptions o = options(16);
  std::atomic<bool> stop{false};
  o.stop = &stop;
  TuneResult r = tune(matmul32(), o, [&](const TuneProgress&) { stop = true; });
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.trials, 4);
  EXPECT_EQ(Database::open(o.db_path).records(matmul32(), target_record("c")).size(), 4u);
}

// A record timed in a lucky moment (here: impossibly fast) must not stay the
// best: after the trials the best few are timed again and rank by that.
TEST_F(TunerTest, RemeasuresTheBestAfterTheTrials) {
  TargetRecord t = target_record("c");
  WorkloadInstance inst = instantiate(matmul32());
  const std::string default_trace = Schedule({inst.output}).trace().to_json();
  {
    Database db = Database::open(options(1).db_path);
    TuningRecord lucky;
    lucky.trace_json = default_trace;
    lucky.costs_us = {0.001};
    lucky.median_us = 0.001;
    lucky.ok = true;
    db.commit_batch(matmul32(), t, {lucky});
  }
  TuneOptions o = options(5);
  o.resume = true;
  o.remeasure_top = 2;
  TuneResult r = tune(matmul32(), o);
  EXPECT_EQ(r.resumed, 1);
  EXPECT_EQ(r.trials, 4);
  EXPECT_GE(r.remeasured, 1);
  EXPECT_LE(r.remeasured, 2 * kRemeasureRounds);
  Database db = Database::open(o.db_path);
  EXPECT_EQ(db.records(matmul32(), t).size(), 5u) << "re-measures are no trials";
  std::optional<TuningRecord> best = db.best(matmul32(), t);
  ASSERT_TRUE(best.has_value());
  EXPECT_GE(best->remeasures, 1) << "the best was timed again";
  EXPECT_GT(best->cost_us(), 0.05) << "32^3 FLOPs cannot take a nanosecond";
  EXPECT_DOUBLE_EQ(r.best_us, best->cost_us());
  EXPECT_EQ(r.best_trace_json, best->trace_json);
  int64_t lucky_id = db.records(matmul32(), t).front().id;
  ASSERT_FALSE(db.remeasures(lucky_id).empty()) << "the lucky record was the best, so it was re-timed";
  EXPECT_GT(db.remeasures(lucky_id).back().median_us, 0.05);
  // The pass's scale comes from the honest records, not the lucky one's
  // thousandfold ratio (the lower median of two is the smaller).
  EXPECT_LT(db.remeasures(lucky_id).back().scale, 100.0);

  // Tuned at two threads, the records go to their own target key.
  TuneOptions two = options(2);
  two.measure.threads = 2;
  two.resume = true;
  TuneResult r2 = tune(matmul32(), two);
  EXPECT_EQ(r2.resumed, 0) << "one-thread records are not resumed at two threads";
  EXPECT_EQ(db.records(matmul32(), target_record("c", 2)).size(), 2u);
  EXPECT_EQ(db.records(matmul32(), t).size(), 5u);

  // A run that measures nothing re-times nothing.
  TuneResult again = tune(matmul32(), o);
  EXPECT_EQ(again.trials, 0);
  EXPECT_EQ(again.remeasured, 0);
}

// A thread count with no records starts from the other counts' best: they
// are measured first, as this count's own records, and count as trials.
TEST_F(TunerTest, WarmStartsFromOtherThreadCounts) {
  TuneOptions one = options(8);
  one.warm_start_top = 3;
  TuneResult r1 = tune(matmul32(), one);
  EXPECT_EQ(r1.warm_started, 0) << "nothing to start from";
  Database db = Database::open(one.db_path);
  std::vector<TuningRecord> best_one = db.top(matmul32(), target_record("c", 1), 3);
  ASSERT_EQ(best_one.size(), 3u);

  TuneOptions two = options(6);
  two.warm_start_top = 3;
  two.measure.threads = 2;
  TuneResult r2 = tune(matmul32(), two);
  EXPECT_EQ(r2.warm_started, 3);
  EXPECT_EQ(r2.trials, 6);
  std::vector<TuningRecord> first = db.records(matmul32(), target_record("c", 2));
  ASSERT_EQ(first.size(), 6u);
  std::set<std::string> first_batch;
  for (size_t i = 0; i < 4; i++) first_batch.insert(first[i].trace_json);  // one batch: default + 3
  for (const TuningRecord& r : best_one) EXPECT_TRUE(first_batch.count(r.trace_json)) << r.trace_json;
  std::set<std::string> all;
  for (const TuningRecord& r : first) EXPECT_TRUE(all.insert(r.trace_json).second) << "measured twice: " << r.trace_json;

  // Resumed with its own records, a thread count is not warm-started again.
  two.resume = true;
  two.trials = 8;
  TuneResult again = tune(matmul32(), two);
  EXPECT_EQ(again.warm_started, 0);
  EXPECT_EQ(again.resumed, 6);
}

// A kernel runs best with the schedule timed at its own thread count; where
// none was, the nearest tuned count (ties: the fewer) stands in.
TEST_F(TunerTest, TunedTargetForPrefersTheNearestThreadCount) {
  EXPECT_EQ(nearest_thread_count({1, 4}, 1), 1);
  EXPECT_EQ(nearest_thread_count({4, 1}, 2), 1);
  EXPECT_EQ(nearest_thread_count({1, 4}, 3), 4);
  EXPECT_EQ(nearest_thread_count({1, 3}, 2), 1);
  EXPECT_EQ(nearest_thread_count({2}, 64), 2);

  Database db = Database::open((dir_ / "threads.db").string());
  auto record = [](double median, bool ok) {
    TuningRecord r;
    r.trace_json = "{\"steps\":[]}";
    r.ok = ok;
    r.median_us = ok ? median : 0;
    if (ok) r.costs_us = {median};
    else r.error_kind = "crash";
    return r;
  };
  db.commit_batch(matmul32(), target_record("c", 1), {record(9, true)});
  db.commit_batch(matmul32(), target_record("c", 4), {record(3, true)});
  db.commit_batch(matmul32(), target_record("c", 2), {record(0, false)});  // no valid record: never chosen
  db.commit_batch(matmul32(), TargetRecord{"c", "another machine", 3}, {record(1, true)});
  for (auto [threads, expected] : {std::pair{1, 1}, {2, 1}, {3, 4}, {4, 4}, {16, 4}}) {
    std::optional<TargetRecord> t = tuned_target_for(db, matmul32(), "c", threads);
    ASSERT_TRUE(t) << threads;
    EXPECT_EQ(t->threads, expected) << threads;
    EXPECT_EQ(t->fingerprint, host_fingerprint());
  }
  EXPECT_FALSE(tuned_target_for(db, matmul32(), "llvm", 1));
  EXPECT_FALSE(tuned_target_for(db, Workload{"matmul", {8, 8, 8}, "float32"}, "c", 1));
  EXPECT_THROW(tuned_target_for(db, matmul32(), "c", 0), UserError);
}

TEST_F(TunerTest, WorkloadFileAndBadOptions) {
  fs::path f = dir_ / "workloads.txt";
  std::ofstream(f) << "# two matmuls\nmatmul 32,32,32\n{\"dtype\":\"float32\",\"op\":\"matmul\",\"shape\":[16,16,16]}\n";
  std::vector<Workload> ws = read_workload_file(f.string());
  ASSERT_EQ(ws.size(), 2u);
  EXPECT_EQ(ws[0], matmul32());
  EXPECT_EQ(ws[1].shape, (std::vector<int64_t>{16, 16, 16}));
  std::ofstream(f) << "matmul 32,32,32\nnosuchop 4\n";
  try {
    read_workload_file(f.string());
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("workloads.txt:2"), std::string::npos) << e.what();
  }
  TuneOptions o = options(0);
  EXPECT_THROW(tune(matmul32(), o), UserError);
  o = options(4);
  o.measure.threads = 0;
  EXPECT_THROW(tune(matmul32(), o), UserError);
  o = options(8);
  o.search = "bayes";
  EXPECT_THROW(tune(matmul32(), o), UserError);
}

}  // namespace
}  // namespace anvil
