// The LLVM backend's driver: target lookup and validation, the O3 pipeline,
// object and assembly emission, and in-process compilation with ORC LLJIT.
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/AArch64TargetParser.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/X86TargetParser.h>

#include <mutex>
#include <set>

#include "CodeGenLLVM.h"
#include "anvil/runtime.h"
#include "anvil/support/Error.h"

namespace anvil::llvm_backend {

namespace {

void initialize_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
  });
}

std::string join(const std::vector<std::string>& parts, const char* sep = ", ") {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// Attributes a target string may name, per architecture. LLVM 16 does not
// list a target's features through its public API, so the useful ones are
// spelled out here; extend the table to allow another.
const std::vector<std::string>& known_attrs(llvm::Triple::ArchType arch) {
  static const std::vector<std::string> x86 = {
      "sse2", "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "avx", "avx2", "fma", "f16c",
      "bmi", "bmi2", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd", "avx512vnni",
      "avx512bf16", "avx512fp16", "avx512vpopcntdq", "avx512bitalg", "avx512ifma",
      "avx512vbmi", "avx512vbmi2", "avxvnni", "gfni", "prefer-256-bit"};
  static const std::vector<std::string> aarch64 = {
      "neon", "fp-armv8", "dotprod", "fullfp16", "fp16fml", "i8mm", "bf16", "sve", "sve2",
      "crc", "lse", "rcpc", "v8.2a", "v8.4a", "v8.6a"};
  static const std::vector<std::string> none;
  if (arch == llvm::Triple::x86_64) return x86;
  if (arch == llvm::Triple::aarch64) return aarch64;
  return none;
}

std::vector<std::string> valid_cpus(llvm::Triple::ArchType arch) {
  llvm::SmallVector<llvm::StringRef, 64> names;
  if (arch == llvm::Triple::x86_64) llvm::X86::fillValidCPUArchList(names, /*Only64Bit=*/true);
  else llvm::AArch64::fillValidCPUArchList(names);
  std::vector<std::string> out = {"native", "generic"};
  for (llvm::StringRef n : names) out.push_back(n.str());
  return out;
}

std::unique_ptr<llvm::TargetMachine> make_target_machine(const Spec& spec) {
  initialize_llvm();
  std::string err;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(spec.triple, err);
  ANVIL_USER_CHECK(target, "LLVM has no target for triple '" << spec.triple << "': " << err);
  llvm::TargetOptions options;
  options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  if (spec.fast_math) {
    options.UnsafeFPMath = true;
    options.NoInfsFPMath = true;
    options.NoNaNsFPMath = true;
    options.NoSignedZerosFPMath = true;
  }
  auto level = spec.opt_level >= 3   ? llvm::CodeGenOpt::Aggressive
               : spec.opt_level == 0 ? llvm::CodeGenOpt::None
                                     : llvm::CodeGenOpt::Default;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      spec.triple, spec.cpu, join(spec.attrs, ","), options, llvm::Reloc::PIC_, std::nullopt,
      level));
  ANVIL_USER_CHECK(tm, "LLVM cannot make a target machine for '" << spec.triple << "', cpu '"
                                                                 << spec.cpu << "'");
  return tm;
}

// The known attributes the subtarget has enabled: what the CPU implies plus
// the -mattr list, so "-mcpu=znver4" and "-mcpu=native" answer alike.
std::vector<std::string> enabled_features(const llvm::TargetMachine& tm, llvm::Triple::ArchType arch) {
  const llvm::MCSubtargetInfo* sti = tm.getMCSubtargetInfo();
  std::vector<std::string> out;
  for (const std::string& name : known_attrs(arch))
    if (sti->checkFeatures("+" + name)) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

int vector_bits_of(const llvm::TargetMachine& tm, llvm::Triple::ArchType arch) {
  const llvm::MCSubtargetInfo* sti = tm.getMCSubtargetInfo();
  if (arch == llvm::Triple::x86_64) {
    if (sti->checkFeatures("+avx512f")) return 512;
    if (sti->checkFeatures("+avx")) return 256;
  }
  return 128;
}

// Generates and optimizes the module for `funcs`.
std::unique_ptr<llvm::Module> generate(llvm::LLVMContext& ctx, const std::vector<LoweredFunc>& funcs,
                                       const Spec& spec, llvm::TargetMachine& tm) {
  auto module = std::make_unique<llvm::Module>("anvil", ctx);
  module->setTargetTriple(spec.triple);
  module->setDataLayout(tm.createDataLayout());
  llvm::Triple triple(spec.triple);
  CodeGenLLVM gen(*module, spec, vector_bits_of(tm, triple.getArch()));
  for (const LoweredFunc& f : funcs) gen.add_function(f);
  gen.finish();
  std::string errors;
  llvm::raw_string_ostream es(errors);
  if (llvm::verifyModule(*module, &es)) {
    es.flush();
    // An LLVM intrinsic called with the wrong types is the user's; the rest is ours.
    throw UserError("the LLVM backend produced invalid IR (an llvm.* intrinsic called with "
                    "the wrong argument types?):\n" + errors.substr(0, 4000));
  }

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopUnrolling = true;
  pto.LoopVectorization = spec.opt_level >= 2;
  pto.SLPVectorization = spec.opt_level >= 2;
  llvm::PassBuilder pb(&tm, pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = spec.opt_level >= 3   ? llvm::OptimizationLevel::O3
                                  : spec.opt_level == 2 ? llvm::OptimizationLevel::O2
                                  : spec.opt_level == 1 ? llvm::OptimizationLevel::O1
                                                        : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = level == llvm::OptimizationLevel::O0
                                    ? pb.buildO0DefaultPipeline(level)
                                    : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(*module, mam);
  return module;
}

std::string to_text(const llvm::Module& m) {
  std::string s;
  llvm::raw_string_ostream os(s);
  m.print(os, nullptr);
  return os.str();
}

void emit_file(const std::vector<LoweredFunc>& funcs, const Spec& spec,
               llvm::raw_pwrite_stream& out, llvm::CodeGenFileType kind) {
  auto tm = make_target_machine(spec);
  llvm::LLVMContext ctx;
  auto module = generate(ctx, funcs, spec, *tm);
  llvm::legacy::PassManager pm;
  ANVIL_ASSERT(!tm->addPassesToEmitFile(pm, out, nullptr, kind),
               "LLVM cannot emit this file type for " << spec.triple);
  pm.run(*module);
}

class LLJitSession : public JitSession {
 public:
  void* lookup(const std::string& name) override {
    auto sym = jit_->lookup(name);
    if (!sym) {
      std::string msg = llvm::toString(sym.takeError());
      throw UserError("JIT lookup of '" + name + "' failed: " + msg);
    }
    return sym->toPtr<void*>();
  }
  const std::string& ir_text() const override { return ir_; }

  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::string ir_;
};

}  // namespace

std::string host_triple() { return llvm::Triple::normalize(llvm::sys::getDefaultTargetTriple()); }

bool runs_on_host(const std::string& triple) {
  llvm::Triple t(triple), h(host_triple());
  return t.getArch() == h.getArch() && t.getOS() == h.getOS();
}

ResolvedTarget resolve_target(const std::string& triple_text, const std::string& cpu,
                              const std::vector<std::string>& attrs, const std::string& where) {
  initialize_llvm();
  ResolvedTarget r;
  r.triple = llvm::Triple::normalize(triple_text.empty() ? host_triple() : triple_text);
  llvm::Triple triple(r.triple);
  llvm::Triple::ArchType arch = triple.getArch();
  ANVIL_USER_CHECK(arch == llvm::Triple::x86_64 || arch == llvm::Triple::aarch64,
                   "unsupported triple '" << triple_text << "' in target '" << where
                                          << "'; valid architectures: x86_64 (e.g. "
                                             "x86_64-linux-gnu), aarch64 (aarch64-linux-gnu)");
  std::vector<std::string> cpus = valid_cpus(arch);
  if (std::find(cpus.begin(), cpus.end(), cpu) == cpus.end())
    throw UserError("unknown cpu '" + cpu + "' for " + triple.getArchName().str() +
                    " in target '" + where + "'; valid cpus: " + join(cpus));
  if (cpu == "native") {
    ANVIL_USER_CHECK(runs_on_host(r.triple),
                     "-mcpu=native in target '" << where << "' names the host CPU, but the triple "
                                                << r.triple << " is not the host's; give a cpu");
    r.cpu = llvm::sys::getHostCPUName().str();
    llvm::StringMap<bool> features;
    if (llvm::sys::getHostCPUFeatures(features)) {
      std::vector<std::string> sorted;  // deterministic order
      for (const auto& f : features) sorted.push_back((f.second ? "+" : "-") + f.first().str());
      std::sort(sorted.begin(), sorted.end());
      r.attrs = sorted;
    }
  } else {
    r.cpu = cpu;
  }
  const std::vector<std::string>& known = known_attrs(arch);
  for (const std::string& a : attrs) {
    bool ok = a.size() > 1 && (a[0] == '+' || a[0] == '-') &&
              std::find(known.begin(), known.end(), a.substr(1)) != known.end();
    ANVIL_USER_CHECK(ok, "unknown attribute '" << a << "' in target '" << where
                                               << "'; valid attributes for "
                                               << triple.getArchName().str() << " (each as +name or -name): "
                                               << join(known));
    r.attrs.push_back(a);
  }
  Spec spec{r.triple, r.cpu, r.attrs, false, 3};
  auto tm = make_target_machine(spec);
  r.vector_bits = vector_bits_of(*tm, arch);
  r.features = enabled_features(*tm, arch);
  return r;
}

std::string emit_ir_text(const std::vector<LoweredFunc>& funcs, const Spec& spec) {
  auto tm = make_target_machine(spec);
  llvm::LLVMContext ctx;
  return to_text(*generate(ctx, funcs, spec, *tm));
}

void emit_object_file(const std::vector<LoweredFunc>& funcs, const Spec& spec,
                      const std::string& path) {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  ANVIL_USER_CHECK(!ec, "cannot write " << path << ": " << ec.message());
  emit_file(funcs, spec, out, llvm::CGFT_ObjectFile);
}

std::string emit_assembly(const std::vector<LoweredFunc>& funcs, const Spec& spec) {
  llvm::SmallString<0> text;
  llvm::raw_svector_ostream out(text);
  emit_file(funcs, spec, out, llvm::CGFT_AssemblyFile);
  return text.str().str();
}

std::shared_ptr<JitSession> jit_compile(const std::vector<LoweredFunc>& funcs, const Spec& spec) {
  ANVIL_USER_CHECK(runs_on_host(spec.triple),
                   "cannot run code for " << spec.triple << " in this process (the host is "
                                          << host_triple()
                                          << "); emit an object or a library instead");
  auto tm = make_target_machine(spec);
  auto ctx = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> module = generate(*ctx, funcs, spec, *tm);
  auto session = std::make_shared<LLJitSession>();
  session->ir_ = to_text(*module);

  llvm::orc::JITTargetMachineBuilder jtmb{llvm::Triple(spec.triple)};
  jtmb.setCPU(spec.cpu);
  jtmb.addFeatures(spec.attrs);
  jtmb.setCodeGenOptLevel(spec.opt_level >= 3 ? llvm::CodeGenOpt::Aggressive
                                              : llvm::CodeGenOpt::Default);
  jtmb.getOptions().AllowFPOpFusion = llvm::FPOpFusion::Fast;
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(jtmb)).create();
  if (!jit) throw UserError("cannot start the LLVM JIT: " + llvm::toString(jit.takeError()));
  session->jit_ = std::move(*jit);
  llvm::orc::JITDylib& jd = session->jit_->getMainJITDylib();
  // libc and libm (malloc, free, tanhf, ...) and whatever the process exports.
  auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      session->jit_->getDataLayout().getGlobalPrefix());
  if (!gen) throw UserError("JIT symbol search: " + llvm::toString(gen.takeError()));
  jd.addGenerator(std::move(*gen));
  // The runtime's thread pool, whether or not the executable exports it.
  {
    llvm::orc::SymbolMap symbols;
    symbols[session->jit_->mangleAndIntern("anvil_parallel_for")] = llvm::JITEvaluatedSymbol(
        llvm::pointerToJITTargetAddress(&anvil_parallel_for), llvm::JITSymbolFlags::Exported);
    if (auto err = jd.define(llvm::orc::absoluteSymbols(std::move(symbols))))
      throw UserError("JIT: " + llvm::toString(std::move(err)));
  }
  if (auto err = session->jit_->addIRModule(
          llvm::orc::ThreadSafeModule(std::move(module), std::move(ctx))))
    throw UserError("JIT: " + llvm::toString(std::move(err)));
  return session;
}

}  // namespace anvil::llvm_backend
