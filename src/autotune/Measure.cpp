// Measurement (see Measure.h): builds candidates in worker processes, runs each
// in its own runner process under a timeout, and turns whatever the worker did
// (a result file, a nonzero exit, a signal, a hang) into a MeasureResult.
//
// The worker is tools/anvil-measure-worker.cpp; parent and worker talk through
// JSON job and result files in the work directory:
//   build job:  {"workload", "trace", "target", "function", "output", "parent"}
//   build result: {"ok", "error"}
//   run job:    {"library", "function", "reference" (raw bytes of the expected
//                output, or ""), "rtol", "atol", "repeat", "min_repeat_ms", "give_up_after_us",
//                "flush_cache", "threads", "parent"}
// ("parent": the tuner's pid; the worker dies with it.)
//   run result: {"ok", "error_kind", "error_text", "costs_us", "number"}
// Inputs are measurement_input(dtype, shape, argument index) on both sides,
// so the reference needs no input files.
#include "anvil/autotune/Measure.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "anvil/support/Error.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

extern char** environ;

namespace anvil {

HostBuffer measurement_input(DataType dtype, std::vector<int64_t> shape, int argument_index) {
  double lo = dtype.is_uint() ? 0.0 : -1.0;
  return HostBuffer::random(dtype, std::move(shape), uint64_t(1 + argument_index), lo, 1.0);
}


namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string format_seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g s", s);
  return text;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ANVIL_USER_CHECK(out.good(), "measure: cannot write " << path);
}

// The last lines of a worker's log, for an error message.
std::string log_tail(const std::string& path, size_t max_chars = 1500) {
  std::string text = read_file(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > max_chars) text = "..." + text.substr(text.size() - max_chars);
  return text;
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (segmentation fault)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGFPE: return "SIGFPE (arithmetic exception)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGABRT: return "SIGABRT (aborted)";
    case SIGKILL: return "SIGKILL (killed)";
    case SIGTERM: return "SIGTERM (terminated)";
    default: return "signal " + std::to_string(sig);
  }
}

// A worker process: its own process group (so a timeout also kills the C
// compiler it may have started), stdout and stderr into `log`.
struct Child {
  pid_t pid = -1;
  Clock::time_point start;
  double timeout = 0;
  std::string log;
};

struct ChildExit {
  bool timed_out = false;
  int signal = 0;     // nonzero: killed by this signal
  int status = 0;     // exit status otherwise
  double seconds = 0;
};

// posix_spawn, not fork: the tuner may have OpenMP or LLVM threads, and only
// an exec'd fresh process is safe then.
Child spawn_worker(const std::string& worker, const std::vector<std::string>& args,
                   const std::string& log, double timeout) {
  std::vector<std::string> argv_s = {worker};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  Child c;
  c.start = Clock::now();
  c.timeout = timeout;
  c.log = log;
  int rc = posix_spawn(&c.pid, worker.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ANVIL_USER_CHECK(rc == 0, "measure: cannot start the worker " << worker << ": " << std::strerror(rc));
  return c;
}

// Non-blocking: true (and *out filled) once the child has ended or was killed
// for running past its timeout.
bool poll_child(const Child& c, ChildExit* out) {
  int status = 0;
  pid_t r = waitpid(c.pid, &status, WNOHANG);
  if (r == 0) {
    if (seconds_since(c.start) < c.timeout) return false;
    kill(-c.pid, SIGKILL);  // the whole group
    kill(c.pid, SIGKILL);
    waitpid(c.pid, &status, 0);
    out->timed_out = true;
  }
  out->seconds = seconds_since(c.start);
  if (!out->timed_out) {
    if (WIFSIGNALED(status)) out->signal = WTERMSIG(status);
    else if (WIFEXITED(status)) out->status = WEXITSTATUS(status);
  }
  return true;
}

ChildExit wait_child(const Child& c) {
  ChildExit e;
  while (!poll_child(c, &e)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return e;
}

std::string find_worker(const MeasureOptions& o) {
  std::string path = o.worker_path;
  if (path.empty()) {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    ANVIL_USER_CHECK(!ec, "measure: cannot find the running executable to locate "
                          "anvil-measure-worker; set MeasureOptions::worker_path");
    path = (self.parent_path() / "anvil-measure-worker").string();
  }
  ANVIL_USER_CHECK(access(path.c_str(), X_OK) == 0,
                   "measure: worker executable " << path
                                                 << " is missing or not executable; "
                                                    "build anvil-measure-worker or set "
                                                    "MeasureOptions::worker_path");
  return path;
}

// The work directory: given, or a fresh temporary one removed at the end.
class WorkDir {
 public:
  explicit WorkDir(const MeasureOptions& o) {
    if (!o.work_dir.empty()) {
      std::error_code ec;
      fs::create_directories(o.work_dir, ec);
      ANVIL_USER_CHECK(!ec, "measure: cannot create work_dir " << o.work_dir << ": " << ec.message());
      path_ = o.work_dir;
      return;
    }
    std::string templ = (fs::temp_directory_path() / "anvil-measure-XXXXXX").string();
    ANVIL_USER_CHECK(mkdtemp(templ.data()) != nullptr,
                     "measure: cannot create a directory like " << templ << ": " << std::strerror(errno));
    path_ = templ;
    remove_ = !o.keep_files;
  }
  ~WorkDir() {
    std::error_code ec;
    if (remove_) fs::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
  bool remove_ = false;
};

std::vector<int64_t> static_shape(const Tensor& t) {
  std::vector<int64_t> shape;
  for (const Expr& d : t.shape()) {
    std::optional<int64_t> v = as_const_int(d);
    ANVIL_USER_CHECK(v.has_value(), "measure: tensor " << t->name << " has a symbolic shape");
    shape.push_back(*v);
  }
  return shape;
}

// The expected output of a workload on the deterministic inputs, written
// once per batch; with the absolute tolerance scaled by the work per output.
struct Reference {
  std::string path;
  double atol = 0;
  std::string error;  // the workload cannot be instantiated
};

Reference make_reference(const Workload& w, const std::string& path) {
  Reference r;
  try {
    WorkloadInstance inst = instantiate(w);
    std::vector<HostBuffer> inputs;
    int index = 0;
    for (const Tensor& t : inst.inputs) inputs.push_back(measurement_input(t.dtype(), static_shape(t), index++));
    HostBuffer expected = inst.reference(inputs);
    write_file(path, std::string(static_cast<const char*>(expected.raw()), expected.size_bytes()));
    r.path = path;
    double work_per_output = std::max(1.0, inst.flops / double(std::max<int64_t>(1, expected.num_elements())));
    r.atol = 1e-4 * work_per_output;
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

// A candidate between build and run.
struct Candidate {
  Workload workload;
  std::string library;   // the built .so; empty when the build failed
  std::string function;  // the kernel's name in it
};

// Runs one built candidate in a runner process and classifies the outcome.
void run_candidate(const Candidate& c, const Reference& ref, const MeasureOptions& o,
                   const std::string& worker, const WorkDir& dir, int index, MeasureResult* r) {
  std::string base = "run" + std::to_string(index);
  nlohmann::json job = {{"library", c.library},
                        {"function", c.function},
                        {"reference", o.check_correctness ? ref.path : ""},
                        {"rtol", 1e-4},
                        {"atol", ref.atol},
                        {"repeat", o.repeat},
                        {"min_repeat_ms", o.min_repeat_ms},
                        {"flush_cache", o.flush_cache},
                        {"give_up_after_us", o.give_up_after_us},
                        {"threads", o.threads},
                        {"parent", getpid()}};
  std::string job_path = dir.file(base + ".job.json"), result_path = dir.file(base + ".result.json");
  write_file(job_path, job.dump());
  fs::remove(result_path);
  Child child = spawn_worker(worker, {"run", job_path, result_path}, dir.file(base + ".log"),
                             o.timeout_seconds);
  ChildExit e = wait_child(child);
  r->run_seconds = e.seconds;
  if (e.timed_out) {
    r->error_kind = "timeout";
    r->error_text = "the run did not finish in " + format_seconds(o.timeout_seconds) + "; killed";
    return;
  }
  if (e.signal != 0) {
    r->error_kind = "crash";
    r->error_text = "the run died of " + signal_name(e.signal);
    std::string tail = log_tail(child.log);
    if (!tail.empty()) r->error_text += ": " + tail;
    return;
  }
  nlohmann::json res;
  try {
    res = nlohmann::json::parse(read_file(result_path));
  } catch (const nlohmann::json::exception&) {
    r->error_kind = "runtime";
    r->error_text = "the runner exited with status " + std::to_string(e.status) +
                    " without a result: " + log_tail(child.log);
    return;
  }
  try {
    if (!res.at("ok").get<bool>()) {
      r->error_kind = res.value("error_kind", "runtime");
      r->error_text = res.value("error_text", "");
      return;
    }
    r->costs_us = res.at("costs_us").get<std::vector<double>>();
    ANVIL_USER_CHECK(!r->costs_us.empty(), "no samples");
  } catch (const std::exception& ex) {
    r->error_kind = "runtime";
    r->error_text = std::string("the runner's result is malformed: ") + ex.what();
    r->costs_us.clear();
    return;
  }
  r->median_us = median_of(r->costs_us);
  r->ok = true;
}

// Runs every candidate (sequentially: runs time the machine, so they must
// not overlap), computing each workload's reference once.
void run_all(const std::vector<Candidate>& cands, const MeasureOptions& o, const std::string& worker,
             const WorkDir& dir, std::vector<MeasureResult>* results) {
  std::map<std::string, Reference> refs;
  for (size_t i = 0; i < cands.size(); ++i) {
    MeasureResult& r = (*results)[i];
    if (!r.error_kind.empty()) continue;
    const Candidate& c = cands[i];
    std::string key = c.workload.key();
    auto it = refs.find(key);
    if (it == refs.end())
      it = refs.emplace(key, make_reference(c.workload, dir.file("ref_" + c.workload.hash() + ".bin"))).first;
    if (!it->second.error.empty()) {
      r.error_kind = "build";
      r.error_text = it->second.error;
      continue;
    }
    run_candidate(c, it->second, o, worker, dir, int(i), &r);
  }
}

void check_options(const MeasureOptions& o) {
  ANVIL_USER_CHECK(o.repeat >= 1, "MeasureOptions::repeat must be at least 1, got " << o.repeat);
  ANVIL_USER_CHECK(o.min_repeat_ms >= 0, "MeasureOptions::min_repeat_ms must not be negative");
  ANVIL_USER_CHECK(o.timeout_seconds > 0, "MeasureOptions::timeout_seconds must be positive");
  ANVIL_USER_CHECK(o.build_workers >= 1, "MeasureOptions::build_workers must be at least 1, got "
                                             << o.build_workers);
  (void)Target::parse(o.target);  // a bad target is the caller's mistake, not a candidate's
}

}  // namespace

double median_of(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

std::vector<MeasureResult> measure_batch(const std::vector<MeasureInput>& inputs,
                                         const MeasureOptions& options) {
  check_options(options);
  std::vector<MeasureResult> results(inputs.size());
  if (inputs.empty()) return results;
  std::string worker = find_worker(options);
  WorkDir dir(options);

  // Builds: up to build_workers processes at a time.
  std::vector<Candidate> cands(inputs.size());
  std::vector<std::pair<size_t, Child>> running;
  size_t next = 0;
  auto finish = [&](size_t i, const Child& child, const ChildExit& e) {
    MeasureResult& r = results[i];
    r.build_seconds = e.seconds;
    std::string base = dir.file("build" + std::to_string(i));
    if (e.timed_out) {
      r.error_kind = "build";
      r.error_text = "the build did not finish in " + format_seconds(options.build_timeout_seconds) + "; killed";
      return;
    }
    if (e.signal != 0) {
      r.error_kind = "build";
      r.error_text = "the build worker died of " + signal_name(e.signal) + ": " + log_tail(child.log);
      return;
    }
    try {
      nlohmann::json res = nlohmann::json::parse(read_file(base + ".result.json"));
      if (res.at("ok").get<bool>()) {
        cands[i].library = base + ".so";
        return;
      }
      r.error_kind = "build";
      r.error_text = res.at("error").get<std::string>();
    } catch (const nlohmann::json::exception&) {
      r.error_kind = "build";
      r.error_text = "the build worker exited with status " + std::to_string(e.status) +
                     " without a result: " + log_tail(child.log);
    }
  };
  while (next < inputs.size() || !running.empty()) {
    while (next < inputs.size() && running.size() < size_t(options.build_workers)) {
      size_t i = next++;
      cands[i].workload = inputs[i].workload;
      cands[i].function = "candidate";
      std::string base = dir.file("build" + std::to_string(i));
      nlohmann::json job = {{"workload", inputs[i].workload.key()},
                            {"trace", inputs[i].trace_json},
                            {"target", options.target},
                            {"function", cands[i].function},
                            {"output", base + ".so"},
                            {"parent", getpid()}};
      write_file(base + ".job.json", job.dump());
      fs::remove(base + ".result.json");
      running.emplace_back(i, spawn_worker(worker, {"build", base + ".job.json", base + ".result.json"},
                                           base + ".log", options.build_timeout_seconds));
    }
    bool any = false;
    for (size_t k = 0; k < running.size();) {
      ChildExit e;
      if (poll_child(running[k].second, &e)) {
        finish(running[k].first, running[k].second, e);
        running.erase(running.begin() + long(k));
        any = true;
      } else {
        ++k;
      }
    }
    if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  run_all(cands, options, worker, dir, &results);
  return results;
}

std::vector<MeasureResult> measure_functions(const std::vector<MeasureFunctionInput>& inputs,
                                             const MeasureOptions& options) {
  check_options(options);
  std::vector<MeasureResult> results(inputs.size());
  if (inputs.empty()) return results;
  std::string worker = find_worker(options);
  WorkDir dir(options);
  Target target = Target::parse(options.target);
  std::vector<Candidate> cands(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    cands[i].workload = inputs[i].workload;
    cands[i].function = inputs[i].func.name;
    auto start = Clock::now();
    try {
      BuildOptions bo;
      bo.jit = false;
      std::string path = dir.file("func" + std::to_string(i) + ".so");
      build_module({inputs[i].func}, target, bo).save(path);
      cands[i].library = path;
    } catch (const std::exception& e) {
      results[i].error_kind = "build";
      results[i].error_text = e.what();
    }
    results[i].build_seconds = seconds_since(start);
  }
  run_all(cands, options, worker, dir, &results);
  return results;
}

// ---- timing protocol

namespace {

// Written between samples so each starts with cold caches: a quarter larger
// than the last-level cache sysconf reports (all slices together, so more than
// one core's share), at least 64 MiB when it reports none.
size_t default_flush_bytes() {
  long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  return l3 > 0 ? size_t(l3) + size_t(l3) / 4 : size_t(64) << 20;
}

void flush_caches(size_t bytes) {
  static std::vector<char> buffer;
  static char fill = 0;
  if (buffer.size() < bytes) buffer.resize(bytes);
  std::memset(buffer.data(), ++fill, bytes);
}

double time_ms(const std::function<void()>& call, int64_t number) {
  auto t0 = Clock::now();
  for (int64_t n = 0; n < number; ++n) call();
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

TimingResult time_calls(const std::function<void()>& call, const TimingOptions& options) {
  ANVIL_USER_CHECK(options.repeat >= 1, "time_calls: repeat must be at least 1, got " << options.repeat);
  size_t flush_bytes = options.flush_bytes > 0 ? options.flush_bytes : default_flush_bytes();
  TimingResult r;
  double warm_up_ms = time_ms(call, 1);  // warm-up: page faults, lazy binding, the thread pool's start
  if (options.give_up_after_us > 0 && warm_up_ms * 1e3 > options.give_up_after_us) {
    r.costs_us.push_back(time_ms(call, 1) * 1e3);
    r.median_us = r.costs_us[0];
    return r;
  }
  while (r.number < options.max_number && time_ms(call, r.number) < options.min_repeat_ms) r.number *= 2;
  for (int i = 0; i < options.repeat; ++i) {
    if (options.flush_cache) flush_caches(flush_bytes);
    r.costs_us.push_back(time_ms(call, r.number) * 1e3 / double(r.number));
  }
  r.median_us = median_of(r.costs_us);
  return r;
}

}  // namespace anvil
