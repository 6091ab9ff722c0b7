// Anvil's hand schedules for float32 GEMM and GEMV (see AnvilGemm.h). Grew out
// of examples/matmul_schedule.cpp's schedule_matmul.
#include "AnvilGemm.h"

#include <algorithm>
#include <sstream>

#include "anvil/ir/IROperator.h"
#include "anvil/ops/Dense.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/Error.h"

namespace anvil::bench {

namespace {

constexpr int64_t kLanes = 16;  // float32 lanes of a 512-bit vector

// C tile mr × nr accumulated in registers over all of K (cache_write);
// panels of nr columns outermost and parallel. B is read through a packed
// copy of each panel ([K, nr], contiguous) so the tile streams one buffer:
//  - pack = 2: a cache_read of B computed at the panel loop (pure schedule);
//  - pack = 1: a panel-major copy Bp[N/nr, K, nr] computed at the root
//    (`packed`, part of the computation), parallel over panels;
//  - pack = 0: B read in place.
void schedule_gemm(Schedule& sch, const Tensor& B, const Tensor& C, const Tensor& packed,
                   const GemmParams& p) {
  Stage& out = sch[C];
  Tensor acc = sch.cache_write(C, "local");
  Tensor panel = p.pack == 2 ? sch.cache_read(B, "local", {acc}) : Tensor();
  auto [jo, ji] = out.split(out.axis(1), p.nr);
  auto [io, ii] = out.split(out.axis(0), p.mr);
  out.reorder({jo, io, ii, ji});
  out.parallel(jo);
  auto [j_vectors, j_lanes] = out.split(ji, kLanes);
  out.vectorize(j_lanes);

  Stage& local = sch[acc];
  local.compute_at(out, io);
  auto [lj_vectors, lj_lanes] = local.split(local.axis(1), kLanes);
  auto [ko, ki] = local.split(local.reduce_axis(0), p.k_unroll);
  local.reorder({ko, ki, local.axis(0), lj_vectors, lj_lanes});
  local.vectorize(lj_lanes);
  local.unroll(local.axis(0));
  local.unroll(lj_vectors);
  local.unroll(ki);

  if (panel.defined()) {
    Stage& copy = sch[panel];
    copy.compute_at(out, jo);
    auto [pj_vectors, pj_lanes] = copy.split(copy.axis(1), kLanes);
    copy.vectorize(pj_lanes);
  }
  if (packed.defined()) {
    Stage& pack = sch[packed];
    pack.parallel(pack.axis(0));
    auto [pj_vectors, pj_lanes] = pack.split(pack.axis(2), kLanes);
    pack.vectorize(pj_lanes);
  }
}

// GEMV: each task owns `chunk` columns and accumulates them in a local row
// while K runs outermost, so every step streams a contiguous piece of a B row.
void schedule_gemv(Schedule& sch, const Tensor& C, const GemmParams& p, int64_t N) {
  int64_t chunk = std::min(p.gemv_chunk, N);
  ANVIL_USER_CHECK(chunk % kLanes == 0 && N % chunk == 0,
                   "anvil gemv: chunk " << chunk << " must be a multiple of " << kLanes
                                        << " dividing N=" << N);
  Stage& out = sch[C];
  Tensor acc = sch.cache_write(C, "local");
  auto [jo, ji] = out.split(out.axis(1), chunk);
  out.parallel(jo);
  auto [j_vectors, j_lanes] = out.split(ji, kLanes);
  out.vectorize(j_lanes);

  Stage& local = sch[acc];
  local.compute_at(out, jo);
  auto [lj_vectors, lj_lanes] = local.split(local.axis(1), kLanes);
  auto [lj_outer, lj_inner] = local.split(lj_vectors, 4);
  local.reorder({local.axis(0), local.reduce_axis(0), lj_outer, lj_inner, lj_lanes});
  local.vectorize(lj_lanes);
  local.unroll(lj_inner);
}

const GemmParams& check_tile(const GemmParams& p, int64_t M, int64_t N) {
  ANVIL_USER_CHECK(p.nr % kLanes == 0 && p.nr > 0 && p.mr > 0 && p.k_unroll > 0,
                   "anvil gemm: nr must be a positive multiple of " << kLanes << " (got " << p.nr
                                                                    << "), mr and ku positive");
  ANVIL_USER_CHECK(M % p.mr == 0 && N % p.nr == 0,
                   "anvil gemm: tile " << p.mr << "x" << p.nr << " does not divide M=" << M
                                       << ", N=" << N);
  return p;
}

}  // namespace

std::string GemmParams::to_string() const {
  std::ostringstream os;
  os << "mr=" << mr << ",nr=" << nr << ",pack=" << pack << ",ku=" << k_unroll
     << ",chunk=" << gemv_chunk;
  return os.str();
}

GemmParams default_gemm_params(int64_t M, int64_t N, int64_t K, int threads) {
  GemmParams p;
  if (M == 1) {
    // One chunk of columns per thread: each step of k then streams a long
    // contiguous piece of a row of B (measured at N=K=4096, one thread:
    // chunk 512 → 0.74x OpenBLAS, 2048 → 0.82x, 4096 → 0.94x), and the
    // accumulators (N / threads floats, 16 KiB here) stay in L1/L2.
    int64_t per_thread = N / std::max(threads, 1);
    p.gemv_chunk = (per_thread % 16 == 0 && N % per_thread == 0) ? per_thread : 512;
    return p;
  }
  (void)K;
  return p;
}

GemmParams parse_gemm_params(const std::string& text, GemmParams p) {
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    size_t eq = item.find('=');
    ANVIL_USER_CHECK(eq != std::string::npos, "anvil gemm params: expected key=value, got '" << item << "'");
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    int64_t v = 0;
    try {
      size_t used = 0;
      v = std::stoll(value, &used);
      ANVIL_USER_CHECK(used == value.size(), "");
    } catch (const std::exception&) {
      ANVIL_USER_CHECK(false, "anvil gemm params: '" << key << "' needs an integer, got '" << value << "'");
    }
    if (key == "mr") p.mr = v;
    else if (key == "nr") p.nr = v;
    else if (key == "pack") {
      ANVIL_USER_CHECK(v >= 0 && v <= 2, "anvil gemm params: pack must be 0, 1 or 2, got " << v);
      p.pack = static_cast<int>(v);
    }
    else if (key == "ku") p.k_unroll = v;
    else if (key == "chunk") p.gemv_chunk = v;
    else ANVIL_USER_CHECK(false, "anvil gemm params: unknown key '" << key << "' (valid: mr, nr, pack, ku, chunk)");
  }
  return p;
}

LoweredFunc lower_anvil_gemm(int64_t M, int64_t N, int64_t K, const GemmParams& params,
                             const std::string& name) {
  Tensor A = placeholder({M, K}, DataType::Float(32), "A");
  Tensor B = placeholder({K, N}, DataType::Float(32), "B");
  if (M == 1 || params.pack != 1) {
    Tensor C = ops::matmul(A, B, DataType::Float(32), "C");
    Schedule sch({C});
    if (M == 1) schedule_gemv(sch, C, params, N);
    else schedule_gemm(sch, B, C, Tensor(), check_tile(params, M, N));
    return lower(sch, {A, B, C}, name);
  }
  // The same product with B read through its panel-major copy.
  const int64_t nr = check_tile(params, M, N).nr;
  Tensor Bp = compute(
      {N / nr, K, nr}, [&](Var jo, Var k, Var ji) { return B(k, jo * nr + ji); }, "Bp");
  IterVar k = reduce_axis(Range(0, K), "C.k");
  Tensor C = compute(
      {M, N}, [&](Var i, Var j) { return sum(A(i, k.var()) * Bp(j / nr, k.var(), j % nr), {k}); }, "C");
  Schedule sch({C});
  schedule_gemm(sch, B, C, Bp, params);
  return lower(sch, {A, B, C}, name);
}

}  // namespace anvil::bench
