// build_module: for C targets writes the generated C to a private temporary
// directory, runs the system C compiler on it, dlopens the result and resolves
// the functions; for LLVM targets JIT-compiles (or emits an object and links a
// .so). Also the LLVM backend's ahead-of-time entry points.
#include "anvil/targets/Module.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "anvil/support/Error.h"
#include "anvil/targets/c/CodeGenC.h"
#include "llvm/LLVMBackend.h"

#ifndef ANVIL_SYSTEM_CC
#define ANVIL_SYSTEM_CC "cc"
#endif

extern char** environ;

namespace anvil {

namespace {

using KernelFn = int32_t (*)(void* const*, int32_t);
using LastErrorFn = const char* (*)();

// Runs argv[0] with `argv`, stdout and stderr going to `log_path`; returns the
// exit status (or -1 when it could not start or died from a signal).
int run_process(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether the system compiler accepts -march=`cpu`; probed once per cpu
// because GCC before 13 lacks some (znver4).
bool compiler_knows_march(const std::string& cpu, const std::string& dir) {
  static std::mutex mu;
  static std::map<std::string, bool> known;
  std::lock_guard<std::mutex> lock(mu);
  auto it = known.find(cpu);
  if (it != known.end()) return it->second;
  std::string src = dir + "/probe.c";
  std::ofstream(src) << "int anvil_probe;\n";
  bool ok = run_process({ANVIL_SYSTEM_CC, "-march=" + cpu, "-fsyntax-only", src},
                        dir + "/probe.log") == 0;
  known[cpu] = ok;
  return ok;
}

std::vector<std::string> march_flags(const Target& target, const std::string& dir) {
  const std::string& cpu = target.mcpu();
  std::vector<std::string> flags;
  if (cpu == "znver4" && !compiler_knows_march(cpu, dir)) {
    // Zen 4 = Zen 3 + AVX-512 (the ISA subsets GCC 12 can name).
    flags = {"-march=znver3", "-mavx512f", "-mavx512dq", "-mavx512cd", "-mavx512bw",
             "-mavx512vl", "-mavx512ifma", "-mavx512vbmi", "-mavx512vbmi2", "-mavx512vnni",
             "-mavx512bitalg", "-mavx512vpopcntdq", "-mavx512bf16", "-mgfni", "-mvaes",
             "-mvpclmulqdq"};
  } else {
    flags = {"-march=" + cpu};
  }
  // GCC's auto-vectorizer prefers 256-bit vectors on AVX-512 CPUs; the target
  // says how wide to go.
  if (target.vector_bits() == 512) flags.push_back("-mprefer-vector-width=512");
  return flags;
}

std::string make_temp_dir() {
  std::filesystem::path tmp = std::filesystem::temp_directory_path() / "anvil-XXXXXX";
  std::string templ = tmp.string();
  ANVIL_USER_CHECK(mkdtemp(templ.data()) != nullptr,
                   "build_module: cannot create a temporary directory " << templ << ": "
                                                                        << std::strerror(errno));
  return templ;
}

llvm_backend::Spec llvm_spec(const Target& target, const BuildOptions& options, const char* what) {
  ANVIL_USER_CHECK(target.kind() == "llvm",
                   what << ": target '" << target.to_string() << "' is not an llvm target");
  ANVIL_USER_CHECK(options.opt_level >= 0 && options.opt_level <= 3,
                   what << ": opt_level " << options.opt_level << " is not in 0..3");
  llvm_backend::ResolvedTarget r = llvm_backend::resolve_target(
      target.mtriple(), target.mcpu(), target.mattrs(), target.to_string());
  return {r.triple, r.cpu, r.attrs, target.fast_math(), options.opt_level};
}

// The linker driver for a triple: the system compiler for the host, the
// cross compiler for AArch64.
std::string linker_for(const std::string& triple) {
  if (llvm_backend::runs_on_host(triple)) return ANVIL_SYSTEM_CC;
  if (triple.rfind("aarch64", 0) == 0) return "aarch64-linux-gnu-gcc";
  throw UserError("no linker known for triple " + triple);
}

void link_shared(const std::string& object, const std::string& triple, const std::string& path,
                 const BuildOptions& options, const std::string& log) {
  std::vector<std::string> argv = {linker_for(triple), "-shared", "-o", path, object};
#ifdef ANVIL_RUNTIME_LIBRARY
  if (llvm_backend::runs_on_host(triple)) {
    argv.push_back(ANVIL_RUNTIME_LIBRARY);
    argv.push_back("-Wl,-rpath," + std::filesystem::path(ANVIL_RUNTIME_LIBRARY).parent_path().string());
  }
#endif
  argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  argv.push_back("-lm");
  int rc = run_process(argv, log);
  if (rc != 0) {
    std::string cmd;
    for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw UserError("linking " + path + " failed (exit " + std::to_string(rc) +
                    ")\ncommand: " + cmd + "\n" + read_file(log));
  }
}

}  // namespace

struct Module::State {
  struct Function {
    KernelFn fn = nullptr;
    size_t num_args = 0;
  };
  Target target = Target::parse("c");
  std::string source;
  std::string dir;
  std::string library_path;
  bool keep_files = false;
  void* handle = nullptr;
  LastErrorFn last_error = nullptr;
  // An LLVM JIT module: owns the code the function pointers point into.
  std::shared_ptr<llvm_backend::JitSession> jit;
  std::map<std::string, Function> functions;
  std::vector<std::string> names;  // in the order given to build_module

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    functions.clear();
    jit.reset();
    if (handle) dlclose(handle);
    if (!keep_files && !dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};

void Module::call(const std::string& function, const std::vector<void*>& buffers) const {
  ANVIL_USER_CHECK(state_, "call of '" << function << "' on an empty Module");
  auto it = state_->functions.find(function);
  if (it == state_->functions.end()) {
    std::string names;
    for (const std::string& n : state_->names) names += (names.empty() ? "" : ", ") + n;
    throw UserError("module has no function '" + function + "'; its functions are: " + names);
  }
  ANVIL_USER_CHECK(buffers.size() == it->second.num_args,
                   "function '" << function << "' expects " << it->second.num_args
                                << " buffers, got " << buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i)
    ANVIL_USER_CHECK(buffers[i] != nullptr,
                     "function '" << function << "': buffer " << i << " is null");
  int32_t rc = it->second.fn(buffers.data(), static_cast<int32_t>(buffers.size()));
  if (rc != 0) {
    throw UserError("function '" + function + "' failed: " + std::string(state_->last_error()));
  }
}

std::vector<std::string> Module::function_names() const {
  return state_ ? state_->names : std::vector<std::string>{};
}

const std::string& Module::source() const {
  ANVIL_USER_CHECK(state_, "source() of an empty Module");
  return state_->source;
}

const std::string& Module::library_path() const {
  ANVIL_USER_CHECK(state_, "library_path() of an empty Module");
  return state_->library_path;
}

const Target& Module::target() const {
  ANVIL_USER_CHECK(state_, "target() of an empty Module");
  return state_->target;
}

void Module::save(const std::string& path) const {
  ANVIL_USER_CHECK(state_, "save() of an empty Module");
  ANVIL_USER_CHECK(!path.empty(), "Module::save: the output path is empty");
  ANVIL_USER_CHECK(!state_->library_path.empty(),
                   "cannot write module to '" << path << "': it was compiled in memory (JIT); build it with "
                                                 "BuildOptions::jit = false to get a shared object");
  // Copy next to the destination, then rename: a reader (or a process that
  // has the old file mapped) never sees a half-written library.
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  std::error_code ec;
  std::filesystem::copy_file(state_->library_path, tmp,
                             std::filesystem::copy_options::overwrite_existing, ec);
  ANVIL_USER_CHECK(!ec, "cannot write module to '" << path << "': " << ec.message());
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw UserError("cannot write module to '" + path + "': " + ec.message());
  }
}

namespace {

// dlopens state->library_path and resolves the module's functions.
void load_library(Module::State& state, const std::vector<LoweredFunc>& funcs) {
  state.handle = dlopen(state.library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!state.handle) {
    const char* err = dlerror();
    throw UserError("cannot load " + state.library_path + ": " + (err ? err : "unknown error"));
  }
  // libgomp keeps worker threads alive; unloading it under them crashes, so it
  // stays loaded once a module brought it in.
  dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);

  state.last_error =
      reinterpret_cast<LastErrorFn>(dlsym(state.handle, "anvil_module_last_error"));
  ANVIL_ASSERT(state.last_error, "generated module lacks anvil_module_last_error");
  for (const LoweredFunc& f : funcs) {
    auto fn = reinterpret_cast<KernelFn>(dlsym(state.handle, f.name.c_str()));
    ANVIL_ASSERT(fn, "generated module lacks function " << f.name);
    state.functions[f.name] = {fn, f.args.size()};
    state.names.push_back(f.name);
  }
}

void check_unique_names(const std::vector<LoweredFunc>& funcs) {
  std::set<std::string> seen;
  for (const LoweredFunc& f : funcs)
    ANVIL_USER_CHECK(seen.insert(f.name).second,
                     "two functions named '" << f.name << "' in one module");
}

void build_llvm(Module::State& state, const std::vector<LoweredFunc>& funcs,
                const BuildOptions& options) {
  llvm_backend::Spec spec = llvm_spec(state.target, options, "build_module");
  check_unique_names(funcs);
  if (options.jit) {
    state.jit = llvm_backend::jit_compile(funcs, spec);
    state.source = state.jit->ir_text();
    state.last_error = reinterpret_cast<LastErrorFn>(state.jit->lookup("anvil_module_last_error"));
    for (const LoweredFunc& f : funcs) {
      state.functions[f.name] = {reinterpret_cast<KernelFn>(state.jit->lookup(f.name)),
                                 f.args.size()};
      state.names.push_back(f.name);
    }
    return;
  }
  ANVIL_USER_CHECK(llvm_backend::runs_on_host(spec.triple),
                   "build_module: code for " << spec.triple
                                             << " cannot run in this process; use export_library");
  state.dir = make_temp_dir();
  state.source = llvm_backend::emit_ir_text(funcs, spec);
  std::string object = state.dir + "/module.o";
  llvm_backend::emit_object_file(funcs, spec, object);
  state.library_path = state.dir + "/module.so";
  link_shared(object, spec.triple, state.library_path, options, state.dir + "/link.log");
  load_library(state, funcs);
}

}  // namespace

void export_object(const std::vector<LoweredFunc>& funcs, const Target& target,
                   const std::string& path, const BuildOptions& options) {
  llvm_backend::Spec spec = llvm_spec(target, options, "export_object");
  check_unique_names(funcs);
  llvm_backend::emit_object_file(funcs, spec, path);
}

void export_library(const std::vector<LoweredFunc>& funcs, const Target& target,
                    const std::string& path, const BuildOptions& options) {
  llvm_backend::Spec spec = llvm_spec(target, options, "export_library");
  check_unique_names(funcs);
  std::string dir = make_temp_dir();
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  llvm_backend::emit_object_file(funcs, spec, dir + "/module.o");
  link_shared(dir + "/module.o", spec.triple, path, options, dir + "/link.log");
}

std::string emit_llvm_ir(const std::vector<LoweredFunc>& funcs, const Target& target,
                         const BuildOptions& options) {
  llvm_backend::Spec spec = llvm_spec(target, options, "emit_llvm_ir");
  check_unique_names(funcs);
  return llvm_backend::emit_ir_text(funcs, spec);
}

std::string emit_assembly(const std::vector<LoweredFunc>& funcs, const Target& target,
                          const BuildOptions& options) {
  llvm_backend::Spec spec = llvm_spec(target, options, "emit_assembly");
  check_unique_names(funcs);
  return llvm_backend::emit_assembly(funcs, spec);
}

Module build_module(const std::vector<LoweredFunc>& funcs, const Target& target,
                    const BuildOptions& options) {
  if (target.kind() == "llvm") {
    auto state = std::make_shared<Module::State>();
    state->target = target;
    state->keep_files = options.keep_files;
    build_llvm(*state, funcs, options);
    return Module(std::move(state));
  }
  ANVIL_USER_CHECK(target.kind() == "c", "build_module: target '" << target.to_string()
                                                                  << "' is not a C target");
  ANVIL_USER_CHECK(options.opt_level >= 0 && options.opt_level <= 3,
                   "build_module: opt_level " << options.opt_level << " is not in 0..3");
  auto state = std::make_shared<Module::State>();
  state->target = target;
  state->keep_files = options.keep_files;
  state->source = codegen_c(funcs, target);

  state->dir = make_temp_dir();
  std::string src = state->dir + "/module.c";
  std::string log = state->dir + "/compile.log";
  state->library_path = state->dir + "/module.so";
  {
    std::ofstream out(src);
    out << state->source;
    ANVIL_USER_CHECK(out.good(), "build_module: cannot write " << src);
  }

  std::vector<std::string> argv = {ANVIL_SYSTEM_CC, "-std=gnu11",
                                   "-O" + std::to_string(options.opt_level)};
  for (std::string& f : march_flags(target, state->dir)) argv.push_back(std::move(f));
  for (const char* f : {"-fopenmp", "-shared", "-fPIC", "-ffp-contract=fast", "-fno-math-errno", "-Wno-psabi"})
    argv.push_back(f);
  argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  argv.insert(argv.end(), {"-o", state->library_path, src, "-lm"});
  int rc = run_process(argv, log);
  if (rc != 0) {
    state->keep_files = true;  // the user needs the source to act on the message
    std::string cmd;
    for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw UserError("C compiler failed (exit " + std::to_string(rc) + ") on " + src +
                    " (kept)\ncommand: " + cmd + "\n" + read_file(log));
  }

  load_library(*state, funcs);
  return Module(std::move(state));
}

}  // namespace anvil
