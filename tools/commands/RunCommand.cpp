// `anvil run`: compile a workload, check it against its reference, time it.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "Commands.h"
#include "anvil/runtime.h"
#include "anvil/schedule/Lower.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

namespace anvil::tools {

namespace {

std::vector<int64_t> static_shape(const Tensor& t) {
  std::vector<int64_t> shape;
  for (const Expr& d : t.shape()) shape.push_back(*as_const_int(d));
  return shape;
}

int run(const WorkloadOptions& o, int time_ms) {
  anvil_set_num_threads(resolved_threads(o.threads));
  WorkloadInstance w = instantiate(workload_of(o));
  auto sch = make_schedule(w, o);
  Target target = Target::parse(o.target);
  Module module = build_module({lower(*sch, w.args(), o.op)}, target);
  std::vector<HostBuffer> inputs;
  std::vector<void*> buffers;
  uint64_t seed = 1;
  for (const Tensor& t : w.inputs) inputs.push_back(HostBuffer::random(t.dtype(), static_shape(t), seed++));
  HostBuffer out(w.output.dtype(), static_shape(w.output));
  for (HostBuffer& b : inputs) buffers.push_back(b.raw());
  buffers.push_back(out.raw());
  module.call(o.op, buffers);
  HostBuffer expected = w.reference(inputs);
  double work_per_output = std::max(1.0, w.flops / double(out.num_elements()));
  bool correct = all_close(out, expected, 1e-4, 1e-4 * work_per_output);

  using clock = std::chrono::steady_clock;
  std::vector<double> samples;
  auto start = clock::now();
  while (samples.size() < 5 || clock::now() - start < std::chrono::milliseconds(time_ms)) {
    auto t0 = clock::now();
    module.call(o.op, buffers);
    samples.push_back(std::chrono::duration<double, std::micro>(clock::now() - t0).count());
    if (samples.size() >= 100000) break;
  }
  std::sort(samples.begin(), samples.end());
  double median_us = samples[samples.size() / 2];
  std::printf("%s %s on %s: %s (max|diff| %.2e), median %.1f us over %zu runs, %.2f GFLOP/s\n",
              o.op.c_str(), o.shape.c_str(), target.to_string().c_str(), correct ? "correct" : "WRONG",
              max_abs_diff(out, expected), median_us, samples.size(), w.flops / (median_us * 1e3));
  return correct ? 0 : 1;
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
  auto options = std::make_shared<WorkloadOptions>();
  auto time_ms = std::make_shared<int>(300);
  CLI::App* cmd = app.add_subcommand("run", "compile, check against the reference, and time");
  add_workload_options(cmd, *options);
  cmd->add_option("--time-ms", *time_ms, "how long to keep timing (median reported)");
  return [options, time_ms] { return run(*options, *time_ms); };
}

}  // namespace anvil::tools
