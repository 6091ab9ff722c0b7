// Target parsing, canonical printing and host capability detection.
#include "anvil/targets/Target.h"

#include <sstream>
#include <vector>

#include "anvil/support/Error.h"

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

constexpr const char* kKinds[] = {"c"};

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

std::string Target::to_string() const { return kind_ + " -mcpu=" + mcpu_; }

}  // namespace anvil
