// Anvil's hand schedules for float32 GEMM (C[M, N] = A[M, K]·B[K, N]) and
// GEMV (M = 1), chosen per shape and thread count; the `anvil` rows of the
// gemm-fp32 suite use them.
#pragma once

#include <cstdint>
#include <string>

#include "anvil/ir/LoweredFunc.h"
#include "anvil/schedule/Schedule.h"

namespace anvil::bench {

// The knobs of the GEMM schedule. A register tile of mr × nr outputs lives in
// a local accumulator (cache_write) over the whole K; nr is a multiple of the
// 16-lane vector. Column panels of nr are the outer (parallel) loop, so when
// pack is 1 or 2 each panel of B (K × nr) is copied once into a contiguous
// local buffer and then reused by every row tile. GEMV (M = 1) instead walks
// K outermost over a contiguous chunk of `gemv_chunk` columns per task, so
// B streams row by row from memory.
struct GemmParams {
  int64_t mr = 4;
  int64_t nr = 64;
  int pack = 2;  // 0: B in place, 1: panel-major copy at the root, 2: cache_read per panel
  int64_t k_unroll = 8;
  int64_t gemv_chunk = 512;
  std::string to_string() const;
};

// The schedule used for this shape at this thread count.
GemmParams default_gemm_params(int64_t M, int64_t N, int64_t K, int threads);
// Parses "mr=4,nr=64,pack=1,ku=4,chunk=512" (any subset) over `base`; a bad
// key or value is a UserError naming it.
GemmParams parse_gemm_params(const std::string& text, GemmParams base);

// Builds C = A·B for these extents, schedules it with `params` and lowers it
// to a function `name` with arguments (A, B, C). Extents the tile does not
// divide are a UserError (the schedule relies on whole tiles).
LoweredFunc lower_anvil_gemm(int64_t M, int64_t N, int64_t K, const GemmParams& params,
                             const std::string& name);

}  // namespace anvil::bench
