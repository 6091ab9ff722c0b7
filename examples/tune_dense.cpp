// Tune a dense layer with the C++ API, then use what was found: the tuner
// stores every measured schedule in an SQLite database; apply_history_best
// replays the best one for the thread count the kernel will run with, and the
// result is built, checked against the reference and timed beside the
// untuned default schedule.
//
//   build/default/examples/tune_dense [M N K] [--trials T] [--db PATH]
//
// A second run with the same database resumes: it measures only the trials
// still missing from T (none, when T were done), then applies the best.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "anvil/autotune/Tuner.h"
#include "anvil/runtime.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/Error.h"
#include "anvil/support/HostBuffer.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

using namespace anvil;

namespace {

// Median microseconds of one call over ~0.3 s of calls (at least 5).
double median_us(Module& module, const std::string& name, std::vector<void*>& buffers) {
  using clock = std::chrono::steady_clock;
  module.call(name, buffers);  // warm-up
  std::vector<double> samples;
  auto start = clock::now();
  while (samples.size() < 5 || clock::now() - start < std::chrono::milliseconds(300)) {
    auto t0 = clock::now();
    module.call(name, buffers);
    samples.push_back(std::chrono::duration<double, std::micro>(clock::now() - t0).count());
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> shape = {128, 768, 768};  // a BERT-base projection: M tokens, N outputs, K inputs
  int trials = 64;
  std::string db = "tuning_logs/anvil.db";
  std::vector<char*> extents;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--trials") && i + 1 < argc) trials = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
    else extents.push_back(argv[i]);
  }
  if (extents.size() == 3)
    for (int d = 0; d < 3; d++) shape[d] = std::atoll(extents[d]);
  if (extents.size() % 3 != 0 || trials < 1 || std::any_of(shape.begin(), shape.end(), [](int64_t e) { return e < 1; })) {
    std::fprintf(stderr, "usage: tune_dense [M N K] [--trials T >= 1] [--db PATH]\n");
    return 2;
  }
  try {
    const std::string target = "llvm -mcpu=native";
    const int threads = anvil_get_num_threads();  // ANVIL_NUM_THREADS, else every core
    Workload workload{"dense", shape, "float32"};

    // 1. Tune: candidates are built and timed in worker processes; each
    //    measured batch is committed to the database.
    TuneOptions options;
    options.target = target;
    options.trials = trials;
    options.batch = std::min(trials, 32);
    options.db_path = db;
    options.resume = true;
    options.measure.threads = threads;
#ifdef ANVIL_MEASURE_WORKER
    // The measurement worker is looked up next to the running executable;
    // this build names where it is instead.
    options.measure.worker_path = ANVIL_MEASURE_WORKER;
#endif
    TuneResult tuned = tune(workload, options, [](const TuneProgress& p) {
      std::fprintf(stderr, "\r%d/%d trials, best %.1f GFLOP/s   ", p.trials_done, p.trials_total, p.best_gflops);
    });
    std::fprintf(stderr, "\n");
    std::printf("tuned %s on %s, %d thread%s: %d trials this run (+%d resumed), best %.1f GFLOP/s\n",
                workload.key().c_str(), target.c_str(), threads, threads == 1 ? "" : "s", tuned.trials,
                tuned.resumed, tuned.best_gflops);

    // 2. Apply: the best record timed with this many threads (else the
    //    nearest thread count tuned), replayed over our own tensors.
    WorkloadInstance inst = instantiate(workload);
    Database database = Database::open(db);
    std::optional<TargetRecord> record = tuned_target_for(database, workload, target, threads);
    ANVIL_USER_CHECK(record, "no valid tuning record of " << workload.key() << " in " << db);
    std::unique_ptr<Schedule> best = apply_history_best(database, inst, workload, *record);
    Schedule untuned({inst.output});
    Module module = build_module(
        {lower(untuned, inst.args(), "dense_default"), lower(*best, inst.args(), "dense_tuned")}, Target::parse(target));

    // 3. Check and time both on the same random inputs.
    std::vector<HostBuffer> inputs;
    uint64_t seed = 1;
    for (const Tensor& t : inst.inputs) {
      std::vector<int64_t> dims;
      for (const Expr& e : t.shape()) dims.push_back(*as_const_int(e));
      inputs.push_back(HostBuffer::random(t.dtype(), dims, seed++));
    }
    HostBuffer expected = inst.reference(inputs);
    bool all_correct = true;
    for (const char* name : {"dense_default", "dense_tuned"}) {
      HostBuffer out(DataType::Float(32), {shape[0], shape[1]});
      std::vector<void*> buffers;
      for (HostBuffer& b : inputs) buffers.push_back(b.raw());
      buffers.push_back(out.raw());
      module.call(name, buffers);
      bool correct = all_close(out, expected, 1e-4, 1e-4 * double(shape[2]));
      all_correct = all_correct && correct;
      double us = median_us(module, name, buffers);
      std::printf("%-14s %s  median %10.1f us  %7.1f GFLOP/s\n", name, correct ? "correct" : "WRONG  ", us,
                  inst.flops / (us * 1e3));
    }
    return all_correct ? 0 : 1;
  } catch (const UserError& e) {
    std::fprintf(stderr, "tune_dense: %s\n", e.what());
    return 1;
  }
}
