// Schedule a matrix multiply by hand: define C = A·B as a tensor expression,
// look at the naive loop nest, apply a tiled / reordered / vectorized /
// parallel schedule (with B packed into panels), print its IR and trace, then compile both versions with
// the C backend, check them against a reference and time them.
//
//   build/default/examples/matmul_schedule [M N K]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <vector>

#include "anvil/ir/IRPrinter.h"
#include "anvil/ops/Dense.h"
#include "anvil/ops/Reference.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/HostBuffer.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

using namespace anvil;

namespace {

// Median time of one call in milliseconds: warm up, then 7 samples of enough
// calls to last at least 100 ms each.
double median_ms(const std::function<void()>& call) {
  using clock = std::chrono::steady_clock;
  call();
  int number = 1;
  for (;;) {
    auto t0 = clock::now();
    for (int i = 0; i < number; i++) call();
    if (clock::now() - t0 >= std::chrono::milliseconds(100)) break;
    number *= 2;
  }
  std::vector<double> samples;
  for (int s = 0; s < 7; s++) {
    auto t0 = clock::now();
    for (int i = 0; i < number; i++) call();
    samples.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count() / number);
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

// The hand schedule: panels of 64 columns of B are copied once into a
// contiguous buffer (cache_read computed at the panel loop) and reused by
// every 4-row tile of C, which accumulates in a local buffer (cache_write)
// with k outermost inside the tile: each step is 16 vector FMAs on
// registers. Panels run in parallel.
void schedule_matmul(Schedule& sch, const Tensor& B, const Tensor& C) {
  Stage& out = sch[C];
  Tensor acc = sch.cache_write(C, "local");
  Tensor panel = sch.cache_read(B, "local", {acc});
  auto [j_panel, j_in] = out.split(out.axis(1), 64);
  auto [i_tile, i_in] = out.split(out.axis(0), 4);
  out.reorder({j_panel, i_tile, i_in, j_in});
  out.parallel(j_panel);
  auto [j_vectors, j_lanes] = out.split(j_in, 16);
  out.vectorize(j_lanes);

  Stage& local = sch[acc];
  local.compute_at(out, i_tile);
  auto [lj_vectors, lj_lanes] = local.split(local.axis(1), 16);
  auto [ko, ki] = local.split(local.reduce_axis(0), 4);
  local.reorder({ko, ki, local.axis(0), lj_vectors, lj_lanes});
  local.vectorize(lj_lanes);
  local.unroll(local.axis(0));
  local.unroll(lj_vectors);

  Stage& copy = sch[panel];
  copy.compute_at(out, j_panel);
  auto [pj_vectors, pj_lanes] = copy.split(copy.axis(1), 16);
  copy.vectorize(pj_lanes);
}

}  // namespace

int main(int argc, char** argv) {
  int M = argc > 3 ? std::atoi(argv[1]) : 512;
  int N = argc > 3 ? std::atoi(argv[2]) : 512;
  int K = argc > 3 ? std::atoi(argv[3]) : 512;
  if (M <= 0 || N <= 0 || K <= 0) {
    std::fprintf(stderr, "usage: matmul_schedule [M N K] (positive extents)\n");
    return 2;
  }
  try {
    Tensor A = placeholder({M, K}, DataType::Float(32), "A");
    Tensor B = placeholder({K, N}, DataType::Float(32), "B");
    Tensor C = ops::matmul(A, B, DataType::Float(32), "C");

    Schedule naive({C});
    LoweredFunc naive_func = lower(naive, {A, B, C}, "matmul_naive");
    std::cout << "== naive loop nest\n" << naive_func << "\n";

    Schedule tuned({C});
    schedule_matmul(tuned, B, C);
    LoweredFunc tuned_func = lower(tuned, {A, B, C}, "matmul_tiled");
    std::cout << "== scheduled loop nest\n" << tuned_func << "\n";
    std::cout << "== trace\n" << tuned.trace().to_json(2) << "\n\n";

    Target target = Target::parse("c -mcpu=native");
    Module module = build_module({naive_func, tuned_func}, target);

    HostBuffer a = HostBuffer::random(DataType::Float(32), {M, K}, 1);
    HostBuffer b = HostBuffer::random(DataType::Float(32), {K, N}, 2);
    HostBuffer expected = ops::ref::matmul(a, b, DataType::Float(32));
    double gflop = 2.0 * M * N * K / 1e9;
    std::cout << "== " << M << "x" << N << "x" << K << " float32 on " << target.to_string() << "\n";
    bool all_correct = true;
    for (const char* name : {"matmul_naive", "matmul_tiled"}) {
      HostBuffer c(DataType::Float(32), {M, N});
      std::vector<void*> buffers = {a.raw(), b.raw(), c.raw()};
      module.call(name, buffers);
      bool correct = all_close(c, expected, 1e-4, 1e-4 * K);
      all_correct = all_correct && correct;
      double ms = median_ms([&] { module.call(name, buffers); });
      std::printf("%-14s %s  max|diff| %.2e  median %9.3f ms  %7.1f GFLOP/s\n", name,
                  correct ? "correct" : "WRONG  ", max_abs_diff(c, expected), ms, gflop / (ms / 1e3));
    }
    return all_correct ? 0 : 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
