// The tuner driver: the candidate source over SearchSpace + lower + Features,
// the propose → measure → commit → retrain loop with its task scheduler over
// workloads, and apply_history_best.
#include "anvil/autotune/Tuner.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "anvil/autotune/CostModel.h"
#include "anvil/autotune/Features.h"
#include "anvil/autotune/SearchSpace.h"
#include "anvil/schedule/Lower.h"
#include "anvil/targets/Intrinsics.h"
#include "anvil/support/Error.h"

namespace anvil {
namespace {

using Clock = std::chrono::steady_clock;

// Candidates of one workload: sketches sampled and mutated, lowered once for
// their features (cached by trace, since mutation often revisits a point).
class ScheduleSource final : public CandidateSource {
 public:
  ScheduleSource(const WorkloadInstance& inst, const std::string& target)
      : inst_(inst), sketches_(generate_sketches(inst, target)) {}

  std::optional<Candidate> sample(std::mt19937_64& rng) override {
    if (sketches_.empty()) return std::nullopt;
    std::uniform_int_distribution<size_t> pick(0, sketches_.size() - 1);
    const Sketch& sketch = sketches_[pick(rng)];
    try {
      return from_schedule(*sample_schedule(inst_, sketch, rng()));
    } catch (const UserError&) {
      return std::nullopt;  // an illegal sample: the search draws again
    }
  }

  std::optional<Candidate> mutate(const Candidate& parent, std::mt19937_64& rng) override {
    try {
      auto s = mutate_schedule(inst_, Trace::from_json(parent.trace_json), rng);
      if (!s) return std::nullopt;
      return from_schedule(*s);
    } catch (const UserError&) {
      return std::nullopt;
    }
  }

  // The candidate of a stored trace (resume), or nullopt when it no longer replays.
  std::optional<Candidate> from_trace(const std::string& trace_json) {
    try {
      return from_schedule(*Trace::from_json(trace_json).replay({inst_.output}, {}, all_tensor_intrinsics()));
    } catch (const UserError&) {
      return std::nullopt;
    }
  }

  Candidate from_schedule(const Schedule& s) {
    Candidate c;
    c.trace_json = s.trace().to_json();
    c.key = c.trace_json;  // the sketch's steps and its decisions: equal traces replay to equal IR
    auto it = features_.find(c.key);
    if (it == features_.end())
      it = features_.emplace(c.key, extract_features(lower(s, inst_.args(), "candidate"))).first;
    c.features = it->second;
    return c;
  }

  size_t num_sketches() const { return sketches_.size(); }

 private:
  const WorkloadInstance& inst_;
  std::vector<Sketch> sketches_;
  std::map<std::string, std::vector<float>> features_;
};

// One workload being tuned.
struct Task {
  Workload w;
  WorkloadInstance inst;
  std::unique_ptr<ScheduleSource> source;
  std::unique_ptr<SearchStrategy> search;
  TuneResult result;
  bool measure_default = true;  // the untransformed schedule goes first, so best ≥ default
  std::vector<Candidate> warm_start;  // other thread counts' best, measured in the first batch
  bool exhausted = false;
  double last_gain = std::numeric_limits<double>::infinity();  // untried tasks go first
  int all_trials() const { return result.trials + result.resumed; }
};

// Thread counts ordered by nearness to `wanted`, the fewer threads first on ties.
std::pair<int, int> nearness(int threads, int wanted) { return {std::abs(threads - wanted), threads}; }

// The best `k` records of t.w timed on this machine with thread counts other
// than target's (same target string; the nearest count first, then by cost),
// as candidates, in reverse order (the tuner pops from the back). Traces that
// no longer replay, and the default schedule (measured first anyway), are
// skipped.
std::vector<Candidate> warm_start_candidates(const Database& db, Task& t, const TargetRecord& target, int k) {
  std::vector<TargetRecord> others;
  for (const TargetRecord& r : db.targets())
    if (r.target == target.target && r.fingerprint == target.fingerprint && r.threads != target.threads)
      others.push_back(r);
  std::stable_sort(others.begin(), others.end(), [&](const TargetRecord& a, const TargetRecord& b) {
    return nearness(a.threads, target.threads) < nearness(b.threads, target.threads);
  });
  std::vector<Candidate> out;
  std::set<std::string> seen;
  if (t.measure_default) seen.insert(t.source->from_schedule(Schedule({t.inst.output})).key);  // measured anyway
  for (const TargetRecord& other : others) {
    for (const TuningRecord& r : db.top(t.w, other, k + 1)) {  // one spare: the default may be among them
      if (static_cast<int>(out.size()) == k) break;
      std::optional<Candidate> c = t.source->from_trace(r.trace_json);
      if (c && seen.insert(c->key).second) out.push_back(std::move(*c));
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

double gflops_of(const WorkloadInstance& inst, double median_us) {
  return median_us > 0 ? inst.flops / (median_us * 1e3) : 0.0;
}

void record_point(TuneResult& r, double gflops) {
  double best = r.curve.empty() ? 0.0 : r.curve.back();
  r.curve.push_back(std::max(best, gflops));
}

// Loads the saved model when there is one that fits; a model that cannot be
// read (another version, another model kind) is replaced, not fatal.
std::unique_ptr<CostModel> open_model(const TuneOptions& o, const std::string& path) {
  auto model = make_cost_model(o.model, o.seed);
  if (std::filesystem::exists(path)) {
    try {
      model->load(path);
    } catch (const Error&) {
      model = make_cost_model(o.model, o.seed);
    }
  }
  return model;
}

// The lower median of re-measured over trial medians: how much slower the
// machine runs now than when the records were tuned. The lower median, so that
// with few records a lucky one (a large ratio) does not set it; 1 when none
// succeeded.
double pass_scale(const std::vector<TuningRecord>& records, const std::vector<MeasureResult>& results) {
  std::vector<double> ratios;
  for (size_t i = 0; i < records.size(); ++i)
    if (results[i].ok && records[i].median_us > 0) ratios.push_back(results[i].median_us / records[i].median_us);
  if (ratios.empty()) return 1.0;
  std::sort(ratios.begin(), ratios.end());
  return ratios[(ratios.size() - 1) / 2];
}

// Times the best records of `task` again, back to back, in passes of up to
// `top` records not yet re-measured in this call, until the best record is one
// this call timed. Candidates are timed fully (no give-up), so a slow re-timing
// counts as it is. Every re-measure of the call carries the scale of its first
// pass (Remeasure::scale).
int remeasure_best(Task& task, Database& db, const TargetRecord& target, int top, MeasureOptions measure) {
  measure.give_up_after_us = 0;
  std::set<int64_t> timed;
  double scale = 0;
  for (int round = 0; round < kRemeasureRounds; ++round) {
    std::vector<TuningRecord> best = db.top(task.w, target, top);
    if (best.empty() || timed.count(best.front().id)) break;
    std::vector<TuningRecord> todo;
    for (TuningRecord& r : best)
      if (!timed.count(r.id)) todo.push_back(std::move(r));
    std::vector<MeasureInput> inputs;
    for (const TuningRecord& r : todo) inputs.push_back({task.w, r.trace_json});
    std::vector<MeasureResult> results = measure_batch(inputs, measure);
    ANVIL_ASSERT(results.size() == todo.size(), "measure_batch returned " << results.size() << " results for "
                                                                           << todo.size() << " inputs");
    if (round == 0) scale = pass_scale(todo, results);
    std::vector<Remeasure> later;
    for (size_t i = 0; i < todo.size(); ++i) {
      Remeasure m;
      m.record_id = todo[i].id;
      m.costs_us = results[i].costs_us;
      m.median_us = results[i].median_us;
      m.ok = results[i].ok;
      m.error_kind = results[i].error_kind;
      m.error_text = results[i].error_text;
      m.scale = scale;
      later.push_back(std::move(m));
      timed.insert(todo[i].id);
    }
    db.commit_remeasures(later);
  }
  return static_cast<int>(timed.size());
}

// The result's best from the database, which ranks re-measured records by
// their latest timing.
void take_best_from(const Database& db, const TargetRecord& target, Task& task) {
  std::optional<TuningRecord> best = db.best(task.w, target);
  task.result.found = best.has_value();
  if (!best) return;
  task.result.best_us = best->cost_us();
  task.result.best_gflops = gflops_of(task.inst, best->cost_us());
  task.result.best_trace_json = best->trace_json;
}

}  // namespace

TargetRecord target_record(const std::string& target, int threads) {
  ANVIL_USER_CHECK(threads >= 1, "target_record: threads must be positive, got " << threads);
  return TargetRecord{target, host_fingerprint(), threads};
}

std::string cost_model_path(const std::string& db_path, const std::string& model) {
  return db_path + "." + model + ".model.json";
}

std::vector<TuneResult> tune_all(const std::vector<Workload>& ws, const TuneOptions& o,
                                 const TuneProgressFn& progress) {
  ANVIL_USER_CHECK(!ws.empty(), "tune: no workloads to tune");
  ANVIL_USER_CHECK(o.trials > 0, "tune: trials must be positive, got " << o.trials);
  ANVIL_USER_CHECK(o.batch > 0, "tune: batch must be positive, got " << o.batch);
  ANVIL_USER_CHECK(o.measure.threads >= 1, "tune: threads must be at least 1, got "
                                               << o.measure.threads
                                               << " (records are kept per thread count, so it is named)");
  Database db = Database::open(o.db_path);
  TargetRecord target = target_record(o.target, o.measure.threads);
  std::string model_path = cost_model_path(o.db_path, o.model);
  std::unique_ptr<CostModel> model = open_model(o, model_path);
  MeasureOptions measure = o.measure;
  measure.target = o.target;
  SearchOptions search_options = o.search_options;
  search_options.seed = o.seed;

  std::vector<Task> tasks(ws.size());
  int done = 0;
  for (size_t i = 0; i < ws.size(); ++i) {
    Task& t = tasks[i];
    t.w = ws[i];
    t.inst = instantiate(t.w);
    t.result.workload = t.w;
    t.source = std::make_unique<ScheduleSource>(t.inst, o.target);
    search_options.seed = o.seed + i;
    t.search = make_search(o.search, *t.source, *model, search_options);
    if (!o.resume) continue;
    // Resume: the stored records count against the budget, are never measured
    // again, seed the search, and train the model when it starts cold.
    std::vector<TuningRecord> records = db.records(t.w, target);
    bool train = model->num_samples() == 0;
    std::vector<std::vector<float>> features;
    std::vector<double> throughputs;
    for (const TuningRecord& r : records) {
      double gflops = r.ok ? gflops_of(t.inst, r.median_us) : 0.0;
      record_point(t.result, gflops);
      ++t.result.resumed;
      if (r.ok && r.trace_json == Schedule({t.inst.output}).trace().to_json()) t.result.default_gflops = gflops;
      if (r.ok && (!t.result.found || r.median_us < t.result.best_us)) {
        t.result.found = true;
        t.result.best_us = r.median_us;
        t.result.best_gflops = gflops;
        t.result.best_trace_json = r.trace_json;
      }
      std::optional<Candidate> c = t.source->from_trace(r.trace_json);
      if (!c) continue;
      t.search->add_history(*c, gflops);
      if (train) {
        features.push_back(c->features);
        throughputs.push_back(gflops);
      }
    }
    if (!features.empty()) model->update(features, throughputs, t.w.key());
    t.measure_default = records.empty();
    done += t.result.resumed;
  }

  if (o.warm_start_top > 0)
    for (Task& t : tasks)
      if (t.all_trials() == 0) t.warm_start = warm_start_candidates(db, t, target, o.warm_start_top);

  const int total = std::max(o.trials, done);
  int failures = 0, measured = 0;
  auto start = Clock::now();
  while (done < o.trials && !(o.stop && o.stop->load())) {
    // The task scheduler: the largest gain in its last batch, then the fewest trials.
    Task* task = nullptr;
    for (Task& t : tasks) {
      if (t.exhausted) continue;
      if (!task || t.last_gain > task->last_gain ||
          (t.last_gain == task->last_gain && t.all_trials() < task->all_trials()))
        task = &t;
    }
    if (!task) break;  // every space is exhausted
    int n = std::min(o.batch, o.trials - done);
    std::vector<Candidate> batch;
    if (task->measure_default) {
      Schedule plain({task->inst.output});
      batch.push_back(task->source->from_schedule(plain));
      task->search->add_history(batch.back(), 0.0);  // proposed: never again
      task->measure_default = false;
    }
    while (!task->warm_start.empty() && static_cast<int>(batch.size()) < n) {
      batch.push_back(std::move(task->warm_start.back()));
      task->warm_start.pop_back();
      task->search->add_history(batch.back(), 0.0);
      ++task->result.warm_started;
    }
    for (Candidate& c : task->search->next_batch(n - static_cast<int>(batch.size()))) batch.push_back(std::move(c));
    if (batch.empty()) {
      task->exhausted = true;
      continue;
    }

    std::vector<MeasureInput> inputs;
    for (const Candidate& c : batch) inputs.push_back({task->w, c.trace_json});
    // Candidates 3x slower than the best so far are timed once (Measure.h).
    measure.give_up_after_us = task->result.found ? 3.0 * task->result.best_us : 0.0;
    std::vector<MeasureResult> results = measure_batch(inputs, measure);
    ANVIL_ASSERT(results.size() == batch.size(), "measure_batch returned " << results.size() << " results for "
                                                                            << batch.size() << " inputs");
    std::vector<TuningRecord> records;
    std::vector<double> throughputs;
    std::vector<std::vector<float>> features;
    double best_before = task->result.best_gflops;
    for (size_t i = 0; i < batch.size(); ++i) {
      const MeasureResult& m = results[i];
      TuningRecord r;
      r.trace_json = batch[i].trace_json;
      r.costs_us = m.costs_us;
      r.median_us = m.median_us;
      r.ok = m.ok;
      r.error_kind = m.error_kind;
      r.error_text = m.error_text;
      r.build_seconds = m.build_seconds;
      r.run_seconds = m.run_seconds;
      r.format_version = Trace::kFormatVersion;
      records.push_back(std::move(r));
      double gflops = m.ok ? gflops_of(task->inst, m.median_us) : 0.0;
      throughputs.push_back(gflops);
      features.push_back(batch[i].features);
      if (!m.ok) ++task->result.failures, ++failures;
      record_point(task->result, gflops);
      if (m.ok && batch[i].trace_json == Schedule({task->inst.output}).trace().to_json())
        task->result.default_gflops = gflops;
      if (m.ok && (!task->result.found || m.median_us < task->result.best_us)) {
        task->result.found = true;
        task->result.best_us = m.median_us;
        task->result.best_gflops = gflops;
        task->result.best_trace_json = batch[i].trace_json;
      }
    }
    if (o.stop && o.stop->load()) {
      // Ctrl-C reaches the measurement workers too (same process group): the
      // failures of an interrupted batch say nothing about the candidates.
      std::vector<TuningRecord> kept;
      for (TuningRecord& r : records)
        if (r.ok) kept.push_back(std::move(r));
      records = std::move(kept);
    }
    db.commit_batch(task->w, target, records);
    task->search->notify(batch, throughputs);
    model->update(features, throughputs, task->w.key());
    model->save(model_path);

    int got = static_cast<int>(batch.size());
    task->result.trials += got;
    done += got;
    measured += got;
    double after = task->result.best_gflops;
    task->last_gain = best_before > 0 ? (after - best_before) / best_before : (after > 0 ? 1.0 : 0.0);
    if (progress) {
      TuneProgress p;
      p.workload = task->w.key();
      p.trials_done = done;
      p.trials_total = total;
      p.best_gflops = task->result.best_gflops;
      p.failures = failures;
      p.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
      p.eta_seconds = p.elapsed_seconds / measured * std::max(0, o.trials - done);
      progress(p);
    }
  }
  bool stopped = o.stop && o.stop->load() && done < o.trials;
  std::vector<TuneResult> out;
  for (Task& t : tasks) {
    if (o.remeasure_top > 0 && t.result.trials > 0 && !(o.stop && o.stop->load()))
      t.result.remeasured = remeasure_best(t, db, target, o.remeasure_top, measure);
    take_best_from(db, target, t);
    t.result.stopped = stopped;
    out.push_back(std::move(t.result));
  }
  return out;
}

TuneResult tune(const Workload& w, const TuneOptions& options, const TuneProgressFn& progress) {
  return tune_all({w}, options, progress).front();
}

std::unique_ptr<Schedule> apply_history_best(const Database& db, const WorkloadInstance& inst, const Workload& w,
                                             const TargetRecord& t) {
  std::optional<TuningRecord> best = db.best(w, t);
  if (!best) return std::make_unique<Schedule>(std::vector<Tensor>{inst.output});
  try {
    return Trace::from_json(best->trace_json).replay({inst.output}, {}, all_tensor_intrinsics());
  } catch (const UserError& e) {
    throw UserError("the best record (id " + std::to_string(best->id) + ") of " + w.key() + " in " + db.path() +
                    " does not replay: " + e.what());
  }
}

std::unique_ptr<Schedule> apply_history_best(const Database& db, const Workload& w, const TargetRecord& t) {
  WorkloadInstance inst = instantiate(w);
  return apply_history_best(db, inst, w, t);
}

int nearest_thread_count(const std::vector<int>& tuned, int threads) {
  ANVIL_ASSERT(!tuned.empty(), "nearest_thread_count of no thread counts");
  return *std::min_element(tuned.begin(), tuned.end(),
                           [&](int a, int b) { return nearness(a, threads) < nearness(b, threads); });
}

std::optional<TargetRecord> tuned_target_for(const Database& db, const Workload& w, const std::string& target,
                                             int threads) {
  ANVIL_USER_CHECK(threads >= 1, "tuned_target_for: threads must be positive, got " << threads);
  const std::string fingerprint = host_fingerprint();
  std::vector<TargetRecord> tuned;
  std::vector<int> counts;
  for (const TargetRecord& t : db.targets()) {
    if (t.target != target || t.fingerprint != fingerprint || !db.best(w, t)) continue;
    tuned.push_back(t);
    counts.push_back(t.threads);
  }
  if (tuned.empty()) return std::nullopt;
  const int chosen = nearest_thread_count(counts, threads);
  return *std::find_if(tuned.begin(), tuned.end(), [&](const TargetRecord& t) { return t.threads == chosen; });
}

std::vector<Workload> read_workload_file(const std::string& path) {
  std::ifstream in(path);
  ANVIL_USER_CHECK(in, "cannot read workload file '" << path << "'");
  std::vector<Workload> out;
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (auto hash = line.find('#'); hash != std::string::npos && line.find('{') == std::string::npos)
      line.resize(hash);
    std::istringstream words(line);
    std::string first;
    if (!(words >> first)) continue;
    try {
      if (first[0] == '{') {
        out.push_back(Workload::from_key(line.substr(line.find('{'))));
        continue;
      }
      Workload w;
      w.op = first;
      std::string shape, dtype, extra;
      ANVIL_USER_CHECK(words >> shape, "expected 'op shape [dtype]', got no shape");
      w.shape = parse_shape(shape);
      if (words >> dtype) w.dtype = dtype;
      ANVIL_USER_CHECK(!(words >> extra), "unexpected '" << extra << "' after the dtype");
      instantiate(w);  // checks the operator, the shape and the dtype now
      out.push_back(w);
    } catch (const UserError& e) {
      throw UserError(path + ":" + std::to_string(lineno) + ": " + e.what());
    }
  }
  ANVIL_USER_CHECK(!out.empty(), "workload file '" << path << "' lists no workloads");
  return out;
}

}  // namespace anvil
