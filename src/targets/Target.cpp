// Target parsing, canonical printing and host capability detection.
#include "anvil/targets/Target.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "anvil/support/Error.h"
#include "llvm/LLVMBackend.h"

namespace anvil {

namespace {

struct CpuInfo {
  const char* name;
  int vector_bits;  // 0: detected from the host
};

// The CPUs the C backend knows; extend this table to add one.
constexpr CpuInfo kCpus[] = {
    {"native", 0},  {"x86-64", 128}, {"haswell", 256}, {"skylake-avx512", 512},
    {"znver4", 512},
};

constexpr const char* kKinds[] = {"c", "llvm"};

std::string valid_cpus() {
  std::string out;
  for (const CpuInfo& c : kCpus) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

std::string valid_kinds() {
  std::string out;
  for (const char* k : kKinds) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

// The llvm kind: -mtriple, -mcpu, -mattr and -fast-math, each at most once;
// the CPU and attributes are checked against LLVM's target.
void parse_llvm_options(const std::vector<std::string>& tokens, const std::string& text,
                        std::string& mtriple, std::string& mcpu, std::vector<std::string>& mattrs,
                        bool& fast_math, int& vector_bits, std::vector<std::string>& features) {
  std::vector<std::string> seen;
  std::string triple, cpu = "native";
  bool cpu_given = false;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const std::string& opt = tokens[i];
    std::string key = opt.substr(0, opt.find('='));
    bool known = key == "-mtriple" || key == "-mcpu" || key == "-mattr" || opt == "-fast-math";
    ANVIL_USER_CHECK(known && (key == "-fast-math") == (opt.find('=') == std::string::npos),
                     "unknown option '" << opt << "' in target '" << text
                                        << "'; valid options for kind 'llvm': -mtriple=<triple>, "
                                           "-mcpu=<cpu>, -mattr=<+feature,-feature>, -fast-math");
    ANVIL_USER_CHECK(std::find(seen.begin(), seen.end(), key) == seen.end(),
                     "option " << key << " given twice in target '" << text << "'");
    seen.push_back(key);
    std::string value = opt.substr(opt.find('=') + 1);
    if (key == "-mtriple") triple = value;
    else if (key == "-mcpu") cpu = value, cpu_given = true;
    else if (key == "-fast-math") fast_math = true;
    else {
      for (size_t start = 0; start <= value.size();) {
        size_t end = value.find(',', start);
        if (end == std::string::npos) end = value.size();
        std::string attr = value.substr(start, end - start);
        ANVIL_USER_CHECK(!attr.empty(), "empty attribute in '" << opt << "' of target '" << text << "'");
        mattrs.push_back(attr);
        start = end + 1;
      }
    }
  }
  // A cross target has no "native" CPU to default to.
  if (!cpu_given && !triple.empty() && !llvm_backend::runs_on_host(triple)) cpu = "generic";
  llvm_backend::ResolvedTarget r = llvm_backend::resolve_target(triple, cpu, mattrs, text);
  mtriple = r.triple;
  mcpu = cpu;
  vector_bits = r.vector_bits;
  features = r.features;
}

}  // namespace

int host_vector_bits() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 512;
  if (__builtin_cpu_supports("avx2") || __builtin_cpu_supports("avx")) return 256;
#endif
  return 128;
}

Target Target::parse(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> tokens;
  for (std::string tok; in >> tok;) tokens.push_back(tok);
  ANVIL_USER_CHECK(!tokens.empty(), "empty target string; valid target kinds: " << valid_kinds());

  Target t;
  bool kind_ok = false;
  for (const char* k : kKinds) kind_ok |= tokens[0] == k;
  ANVIL_USER_CHECK(kind_ok, "unknown target kind '" << tokens[0] << "' in target '" << text
                                                    << "'; valid kinds: " << valid_kinds());
  t.kind_ = tokens[0];
  t.mcpu_ = "native";
  if (t.kind_ == "llvm") {
    parse_llvm_options(tokens, text, t.mtriple_, t.mcpu_, t.mattrs_, t.fast_math_,
                       t.vector_bits_, t.features_);
    return t;
  }
  bool seen_mcpu = false;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const std::string& opt = tokens[i];
    const std::string prefix = "-mcpu=";
    ANVIL_USER_CHECK(opt.rfind(prefix, 0) == 0,
                     "unknown option '" << opt << "' in target '" << text
                                        << "'; valid options for kind '" << t.kind_
                                        << "': -mcpu=<cpu>");
    ANVIL_USER_CHECK(!seen_mcpu, "option -mcpu given twice in target '" << text << "'");
    seen_mcpu = true;
    std::string cpu = opt.substr(prefix.size());
    const CpuInfo* found = nullptr;
    for (const CpuInfo& c : kCpus)
      if (cpu == c.name) found = &c;
    ANVIL_USER_CHECK(found, "unknown cpu '" << cpu << "' in target '" << text
                                            << "'; valid cpus: " << valid_cpus());
    t.mcpu_ = cpu;
  }
  for (const CpuInfo& c : kCpus)
    if (t.mcpu_ == c.name) t.vector_bits_ = c.vector_bits ? c.vector_bits : host_vector_bits();
  return t;
}

bool Target::has_feature(const std::string& name) const {
  return std::binary_search(features_.begin(), features_.end(), name);
}

std::string Target::to_string() const {
  if (kind_ != "llvm") return kind_ + " -mcpu=" + mcpu_;
  std::string s = kind_ + " -mtriple=" + mtriple_ + " -mcpu=" + mcpu_;
  for (size_t i = 0; i < mattrs_.size(); ++i) s += (i ? "," : " -mattr=") + mattrs_[i];
  if (fast_math_) s += " -fast-math";
  return s;
}

}  // namespace anvil
