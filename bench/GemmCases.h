// The cases of the gemm-fp32 suite, shared by `anvil bench` and its helper
// processes (Halide), so every implementation measures the same shapes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace anvil::bench {

struct GemmCase {
  std::string name;
  int64_t M, N, K;
  bool quick;  // in the --quick subset
  bool is_gemv() const { return M == 1; }
  double gflop() const { return 2.0 * M * N * K / 1e9; }
};

// Every case of gemm-fp32, in table order.
const std::vector<GemmCase>& gemm_fp32_cases();
// The cases named in `names` (comma-separated; empty: all, or the quick subset
// when `quick`). An unknown name is a UserError listing the valid ones.
std::vector<GemmCase> select_gemm_cases(const std::string& names, bool quick);

// GEMV rotates through this many distinct B matrices, enough to exceed
// 128 MiB so each call streams B from memory, not from cache (1 otherwise).
int num_weight_copies(const GemmCase& c);

}  // namespace anvil::bench
