// The `anvil` command line. Subcommands grow with each capability:
//   anvil ops                                   list the operators it can build
//   anvil lower --op matmul --shape 64,64,64    print the loop IR (or C, or the trace)
//   anvil run   --op matmul --shape 64,64,64    compile, check against the reference, time
// --trace FILE applies a schedule trace (JSON, as printed by `lower --emit trace`
// or stored by the tuner) instead of the default schedule.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "Workloads.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/schedule/Lower.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"
#include "anvil/targets/c/CodeGenC.h"
#include "anvil/support/Error.h"

using namespace anvil;

namespace {

struct CommonOptions {
  std::string op;
  std::string shape;
  std::string trace_path;
  std::string target = "c -mcpu=native";
};

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--op", o.op, "operator (see `anvil ops`)")->required();
  cmd->add_option("--shape", o.shape, "comma-separated extents, e.g. 1024,1024,1024")->required();
  cmd->add_option("--trace", o.trace_path, "schedule trace JSON to apply");
  cmd->add_option("--target", o.target, "target string, e.g. \"c -mcpu=znver4\"");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  ANVIL_USER_CHECK(in, "cannot read trace file '" << path << "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<Schedule> make_schedule(const tools::Workload& w, const CommonOptions& o) {
  if (o.trace_path.empty()) return std::make_unique<Schedule>(std::vector<Tensor>{w.output});
  try {
    return Trace::from_json(read_file(o.trace_path)).replay({w.output});
  } catch (const UserError& e) {
    throw UserError("trace " + o.trace_path + ": " + e.what());
  }
}

int cmd_ops() {
  for (const tools::WorkloadKind& k : tools::workload_kinds())
    std::printf("%-24s --shape %s\n", k.name, k.shape_help);
  return 0;
}

int cmd_lower(const CommonOptions& o, const std::string& emit) {
  tools::Workload w = tools::make_workload(o.op, tools::parse_shape(o.shape));
  auto sch = make_schedule(w, o);
  if (emit == "trace") {
    std::cout << sch->trace().to_json(2) << "\n";
    return 0;
  }
  LoweredFunc f = lower(*sch, w.args(), o.op);
  if (emit == "c") {
    std::cout << codegen_c({f}, Target::parse(o.target));
  } else {
    std::cout << f << "\n";
  }
  return 0;
}

int cmd_run(const CommonOptions& o, int seconds_ms) {
  tools::Workload w = tools::make_workload(o.op, tools::parse_shape(o.shape));
  auto sch = make_schedule(w, o);
  Target target = Target::parse(o.target);
  Module module = build_module({lower(*sch, w.args(), o.op)}, target);
  std::vector<HostBuffer> inputs;
  std::vector<void*> buffers;
  uint64_t seed = 1;
  for (const Tensor& t : w.inputs) {
    std::vector<int64_t> shape;
    for (const Expr& d : t.shape()) shape.push_back(*as_const_int(d));
    inputs.push_back(HostBuffer::random(t.dtype(), shape, seed++));
  }
  std::vector<int64_t> out_shape;
  for (const Expr& d : w.output.shape()) out_shape.push_back(*as_const_int(d));
  HostBuffer out(w.output.dtype(), out_shape);
  for (HostBuffer& b : inputs) buffers.push_back(b.raw());
  buffers.push_back(out.raw());
  module.call(o.op, buffers);
  HostBuffer expected = w.reference(inputs);
  bool correct = all_close(out, expected, 1e-4, 1e-4 * std::max(1.0, w.flops / double(out.num_elements())));

  using clock = std::chrono::steady_clock;
  std::vector<double> samples;
  auto start = clock::now();
  while (samples.size() < 5 || clock::now() - start < std::chrono::milliseconds(seconds_ms)) {
    auto t0 = clock::now();
    module.call(o.op, buffers);
    samples.push_back(std::chrono::duration<double, std::micro>(clock::now() - t0).count());
    if (samples.size() >= 100000) break;
  }
  std::sort(samples.begin(), samples.end());
  double median_us = samples[samples.size() / 2];
  std::printf("%s %s on %s: %s (max|diff| %.2e), median %.1f us over %zu runs, %.2f GFLOP/s\n",
              o.op.c_str(), o.shape.c_str(), target.to_string().c_str(),
              correct ? "correct" : "WRONG", max_abs_diff(out, expected), median_us, samples.size(),
              w.flops / (median_us * 1e3));
  return correct ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"anvil: a tensor compiler for compressed and low-precision operators"};
  app.require_subcommand(1);
  app.add_subcommand("ops", "list the operators the command line can build");
  CommonOptions lower_opts, run_opts;
  std::string emit = "ir";
  CLI::App* lower_cmd = app.add_subcommand("lower", "print the lowered loop IR, the C code or the trace");
  add_common(lower_cmd, lower_opts);
  lower_cmd->add_option("--emit", emit, "ir | c | trace")->check(CLI::IsMember({"ir", "c", "trace"}));
  CLI::App* run_cmd = app.add_subcommand("run", "compile, check against the reference, and time");
  add_common(run_cmd, run_opts);
  int time_ms = 300;
  run_cmd->add_option("--time-ms", time_ms, "how long to keep timing (median reported)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (app.got_subcommand("ops")) return cmd_ops();
    if (app.got_subcommand("lower")) return cmd_lower(lower_opts, emit);
    return cmd_run(run_opts, time_ms);
  } catch (const Error& e) {
    std::fprintf(stderr, "anvil: error: %s\n", e.what());
    return 1;
  }
}
