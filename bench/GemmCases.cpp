// The cases of the gemm-fp32 suite (see GemmCases.h).
#include "GemmCases.h"

#include <algorithm>
#include <sstream>

#include "anvil/support/Error.h"

namespace anvil::bench {

const std::vector<GemmCase>& gemm_fp32_cases() {
  static const std::vector<GemmCase> cases = {
      {"256", 256, 256, 256, true},          {"512", 512, 512, 512, true},
      {"1024", 1024, 1024, 1024, false},     {"2048", 2048, 2048, 2048, false},
      {"bert-768", 128, 768, 768, true},     {"bert-3072", 128, 3072, 768, false},
      {"gemv-4096", 1, 4096, 4096, false},
  };
  return cases;
}

std::vector<GemmCase> select_gemm_cases(const std::string& names, bool quick) {
  const auto& all = gemm_fp32_cases();
  std::vector<GemmCase> out;
  if (names.empty()) {
    for (const GemmCase& c : all)
      if (!quick || c.quick) out.push_back(c);
    return out;
  }
  std::istringstream in(names);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (name.empty()) continue;
    auto it = std::find_if(all.begin(), all.end(), [&](const GemmCase& c) { return c.name == name; });
    if (it == all.end()) {
      std::string valid;
      for (const GemmCase& c : all) valid += (valid.empty() ? "" : ", ") + c.name;
      ANVIL_USER_CHECK(false, "--cases: unknown case '" << name << "' (gemm-fp32 has " << valid << ")");
    }
    out.push_back(*it);
  }
  return out;
}

int num_weight_copies(const GemmCase& c) {
  if (!c.is_gemv()) return 1;
  const double bytes = 4.0 * c.N * c.K;
  return static_cast<int>(128.0 * 1024 * 1024 / bytes) + 1;  // strictly more than 128 MiB
}

}  // namespace anvil::bench
