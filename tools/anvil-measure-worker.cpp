// anvil-measure-worker: the process measurement (src/autotune/Measure.cpp)
// starts for each build and each run, so that a compiler abort, a crashing or
// hanging kernel only ever takes this process down. Not meant for users.
//   anvil-measure-worker build JOB.json RESULT.json   replay, lower, build a .so
//   anvil-measure-worker run JOB.json RESULT.json     load, check, time
// The job and result formats are described at the top of Measure.cpp.
#include <dlfcn.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "anvil/autotune/Measure.h"
#include "anvil/autotune/Workload.h"
#include "anvil/runtime.h"
#include "anvil/schedule/Lower.h"
#include "anvil/schedule/Trace.h"
#include "anvil/targets/Intrinsics.h"
#include "anvil/support/HostBuffer.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

using namespace anvil;
using json = nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_result(const std::string& path, const json& result) {
  std::ofstream out(path, std::ios::trunc);
  out << result.dump();
  if (!out.good()) {
    std::fprintf(stderr, "anvil-measure-worker: cannot write %s\n", path.c_str());
    std::exit(3);
  }
}

// Build: replay the trace on a fresh instance of the workload, lower it and
// save an ahead-of-time shared object.
json build(const json& job) {
  Workload w = Workload::from_key(job.at("workload").get<std::string>());
  WorkloadInstance inst = instantiate(w);
  std::string trace = job.at("trace").get<std::string>();
  std::unique_ptr<Schedule> sch = trace.empty() ? std::make_unique<Schedule>(std::vector<Tensor>{inst.output})
                                                : Trace::from_json(trace).replay({inst.output}, {}, all_tensor_intrinsics());
  LoweredFunc func = lower(*sch, inst.args(), job.at("function").get<std::string>());
  BuildOptions options;
  options.jit = false;  // llvm: a linked .so; c: always one
  build_module({func}, Target::parse(job.at("target").get<std::string>()), options)
      .save(job.at("output").get<std::string>());
  return {{"ok", true}};
}

DataType dtype_of(const AnvilArgInfo& a) {
  DataType::Code code = a.code == kDLInt     ? DataType::Code::Int
                        : a.code == kDLUInt  ? DataType::Code::UInt
                        : a.code == kDLFloat ? DataType::Code::Float
                                             : DataType::Code::BFloat;
  return DataType(code, a.bits, a.lanes);
}

json failure(const std::string& kind, const std::string& text) {
  return {{"ok", false}, {"error_kind", kind}, {"error_text", text}};
}

// Run: load through the runtime (which also checks the module's ABI and
// manifest), call once on the deterministic inputs, compare with the
// reference, then time.
json run(const json& job) {
  int threads = job.at("threads").get<int>();
  anvil_set_num_threads(threads);
  AnvilModule* module = nullptr;
  std::string library = job.at("library").get<std::string>();
  if (anvil_module_load(library.c_str(), &module) != 0)
    return failure("runtime", std::string("cannot load ") + library + ": " + anvil_last_error());
  // The C backend's parallel loops are OpenMP; libgomp came in with the module.
  if (void* gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD)) {
    if (auto set = reinterpret_cast<void (*)(int)>(dlsym(gomp, "omp_set_num_threads"))) set(threads);
  }
  AnvilFunction* fn = nullptr;
  std::string name = job.at("function").get<std::string>();
  if (anvil_module_get_function(module, name.c_str(), &fn) != 0)
    return failure("runtime", anvil_last_error());
  const AnvilFunctionInfo* info = anvil_function_info(fn);

  std::vector<HostBuffer> buffers;
  std::vector<DLTensor> tensors(size_t(info->num_args));
  for (int i = 0; i < info->num_args; ++i) {
    const AnvilArgInfo& a = info->args[i];
    std::vector<int64_t> shape(a.shape, a.shape + a.ndim);
    bool is_output = i == info->num_args - 1;
    buffers.push_back(is_output ? HostBuffer(dtype_of(a), shape)
                                : measurement_input(dtype_of(a), shape, i));
  }
  std::vector<DLTensor*> args;
  for (int i = 0; i < info->num_args; ++i) {
    const AnvilArgInfo& a = info->args[i];
    DLTensor& t = tensors[size_t(i)];
    std::memset(&t, 0, sizeof(t));
    t.data = buffers[size_t(i)].raw();
    t.device = {kDLCPU, 0};
    t.ndim = a.ndim;
    t.dtype = {a.code, a.bits, a.lanes};
    t.shape = const_cast<int64_t*>(a.shape);
    args.push_back(&t);
  }
  auto call = [&] {
    if (anvil_function_call(fn, args.data(), int(args.size())) != 0)
      throw std::runtime_error(std::string("the kernel failed: ") + anvil_last_error());
  };
  call();

  std::string ref_path = job.at("reference").get<std::string>();
  if (!ref_path.empty()) {
    const HostBuffer& out = buffers.back();
    HostBuffer expected(out.dtype(), out.shape());
    std::string bytes = read_file(ref_path);
    if (bytes.size() != expected.size_bytes())
      return failure("runtime", "the reference holds " + std::to_string(bytes.size()) +
                                    " bytes, the output " + std::to_string(expected.size_bytes()) +
                                    " (" + shape_to_string(out.shape()) + ")");
    std::memcpy(expected.raw(), bytes.data(), bytes.size());
    double rtol = job.at("rtol").get<double>(), atol = job.at("atol").get<double>();
    if (!all_close(out, expected, rtol, atol)) {
      char text[160];
      std::snprintf(text, sizeof(text), "output differs from the reference: max abs diff %.6g (rtol %g, atol %g)",
                    max_abs_diff(out, expected), rtol, atol);
      return failure("wrong_result", text);
    }
  }

  TimingOptions timing;
  timing.repeat = job.at("repeat").get<int>();
  timing.min_repeat_ms = job.at("min_repeat_ms").get<double>();
  timing.flush_cache = job.at("flush_cache").get<bool>();
  timing.give_up_after_us = job.value("give_up_after_us", 0.0);
  TimingResult t = time_calls(call, timing);
  anvil_module_free(module);
  return {{"ok", true}, {"costs_us", t.costs_us}, {"number", t.number}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (std::strcmp(argv[1], "build") != 0 && std::strcmp(argv[1], "run") != 0)) {
    std::fprintf(stderr, "usage: anvil-measure-worker build|run JOB.json RESULT.json\n");
    return 2;
  }
  // The worker runs in its own process group (so the tuner can kill it with
  // the compiler it started), which a Ctrl-C on the tuner does not reach: die
  // with the tuner instead of spinning on forever in a hanging kernel.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // A crashing candidate should die fast, not write a core file.
  rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  bool is_build = std::strcmp(argv[1], "build") == 0;
  json result;
  try {
    json job = json::parse(read_file(argv[2]));
    if (job.contains("parent") && getppid() != job["parent"].get<pid_t>()) return 4;  // gone before prctl
    result = is_build ? build(job) : run(job);
  } catch (const std::exception& e) {
    result = is_build ? json{{"ok", false}, {"error", e.what()}} : failure("runtime", e.what());
  }
  write_result(argv[3], result);
  return 0;
}
