// The tuner driver: propose a batch (search + cost model) → measure it →
// commit it to the database in one transaction → retrain the model → report
// progress, until the trial budget is spent. Several workloads share one
// budget through a small task scheduler. apply_history_best turns the database
// back into schedules.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "anvil/autotune/Database.h"
#include "anvil/autotune/Measure.h"
#include "anvil/autotune/Search.h"
#include "anvil/autotune/Workload.h"
#include "anvil/schedule/Schedule.h"

namespace anvil {

struct TuneOptions {
  std::string target = "c -mcpu=native";  // also used for measurement (overrides measure.target)
  int trials = 1000;                      // measurements in all (resumed records count against it)
  int batch = 64;
  std::string search = "evolutionary";  // "evolutionary" | "annealing" | "random"
  std::string model = "xgboost";        // "xgboost" | "random"
  std::string db_path = "tuning_logs/anvil.db";
  bool resume = false;  // continue from the database's records of the workload and target
  uint64_t seed = 0;
  // After the trials, the best `remeasure_top` records of each workload are
  // timed again back to back (Database::commit_remeasures, with the scale of
  // the first pass: Remeasure::scale), until the best is one timed here (at
  // most kRemeasureRounds passes): the fastest of many noisy trials is biased
  // low. 0: never. Not counted as trials; skipped when the run measured
  // nothing or was stopped.
  int remeasure_top = 8;
  // A workload with no records at this thread count starts from the best
  // `warm_start_top` records of the same workload and target string timed on
  // this machine with other thread counts (nearest count first): they are
  // measured in its first batch and become the search's first parents, so a
  // 2-thread tuning starts where the 1-thread one ended. Counted as trials.
  // 0: never.
  int warm_start_top = 8;
  MeasureOptions measure;
  SearchOptions search_options;  // its seed is replaced by `seed`
  // When set (e.g. from a SIGINT handler), tuning stops after the batch being
  // measured is committed.
  const std::atomic<bool>* stop = nullptr;
};

struct TuneProgress {
  std::string workload;  // Workload::key()
  int trials_done = 0;   // over all workloads
  int trials_total = 0;
  double best_gflops = 0;  // of this workload
  int failures = 0;        // over all workloads, this run
  double elapsed_seconds = 0;
  double eta_seconds = 0;
};
using TuneProgressFn = std::function<void(const TuneProgress&)>;

struct TuneResult {
  Workload workload;
  int trials = 0;   // measured by this run
  int resumed = 0;  // records found in the database (with resume)
  int failures = 0;
  bool found = false;  // a valid record exists
  double best_us = 0;  // the best record's cost (Database::best: re-measured when it was)
  double best_gflops = 0;
  double default_gflops = 0;  // the default (untransformed) schedule, when measured
  std::string best_trace_json;
  // Best GFLOP/s so far after each record (resumed records first), 0 until one is valid.
  std::vector<double> curve;
  bool stopped = false;  // the stop flag ended tuning early
  int remeasured = 0;    // records timed again after the trials
  int warm_started = 0;  // records of other thread counts measured first (TuneOptions::warm_start_top)
};

// Passes of re-measurement after tuning (TuneOptions::remeasure_top).
inline constexpr int kRemeasureRounds = 3;

// Tunes one workload.
TuneResult tune(const Workload& w, const TuneOptions& options, const TuneProgressFn& progress = {});
// Tunes several workloads on one budget of options.trials: each gets a first
// batch, then the next batch goes to the workload whose best improved most in
// its last batch (ties: the one with the fewest trials).
std::vector<TuneResult> tune_all(const std::vector<Workload>& ws, const TuneOptions& options,
                                 const TuneProgressFn& progress = {});

// The schedule of the best valid record of `w` on `t`, replayed; the default
// schedule when there is none.
std::unique_ptr<Schedule> apply_history_best(const Database& db, const Workload& w, const TargetRecord& t);
// The same over the caller's tensors (`inst` = instantiate(w)), so the schedule
// lowers with inst.args(). Throws UserError when the best record no longer replays.
std::unique_ptr<Schedule> apply_history_best(const Database& db, const WorkloadInstance& inst, const Workload& w,
                                             const TargetRecord& t);

// The record of a target string on this machine, timed with `threads` threads.
TargetRecord target_record(const std::string& target, int threads = 1);
// The target whose best record should schedule `w` when the kernel will run
// with `threads` threads on this machine: that thread count when it has a
// valid record, else the nearest thread count that has one (ties: the fewer
// threads; a schedule's parallel loops are sized for the count it was timed
// with), else none.
// Of the thread counts tuned (`tuned` not empty), the nearest to `threads`
// (ties: the fewer).
int nearest_thread_count(const std::vector<int>& tuned, int threads);
std::optional<TargetRecord> tuned_target_for(const Database& db, const Workload& w, const std::string& target,
                                             int threads);
// Where the cost model is saved beside the database: "<db>.<model>.model.json".
std::string cost_model_path(const std::string& db_path, const std::string& model);
// Workloads from a file: one per line, either a Workload key (JSON) or
// "op shape [dtype]" (e.g. "matmul 64,64,64 float32"); '#' starts a comment.
// Throws UserError naming the file and line.
std::vector<Workload> read_workload_file(const std::string& path);

}  // namespace anvil
