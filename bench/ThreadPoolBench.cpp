// anvil-bench-pool: the cost of one parallel loop in the runtime's pool
// (anvil_parallel_for) beside an OpenMP parallel for (the pool oneDNN and
// OpenBLAS's peers run on), in the same run: median microseconds per call of
// a loop over `threads` tasks that each do `work` iterations of a dependent
// add, called back to back. The difference to one task's serial time is what
// a parallel loop costs; kernels run several per call.
//
//   build/default/bench/anvil-bench-pool [threads=2] [calls=20000]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "anvil/runtime.h"

namespace {

volatile double g_sink;

double spin_work(int work) {
  double x = 0;
  for (int i = 0; i < work; i++) x += i * 1e-9;
  return x;
}

int32_t pool_body(int64_t, int64_t, void* closure) {
  g_sink = spin_work(*static_cast<int*>(closure));
  return 0;
}

// Median over 5 rounds of the mean microseconds per call.
double median_us_per_call(int calls, const std::function<void()>& call) {
  std::vector<double> rounds;
  for (int r = 0; r < 5; r++) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; i++) call();
    rounds.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
                     calls);
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 20000;
  if (threads < 1 || calls < 1) {
    std::fprintf(stderr, "usage: %s [threads >= 1] [calls >= 1]\n", argv[0]);
    return 2;
  }
  anvil_set_num_threads(threads);
  omp_set_num_threads(threads);
  std::printf("%d threads, %d back-to-back calls, median of 5 rounds (us per call)\n", threads, calls);
  std::printf("%8s %12s %12s %12s %14s\n", "work", "one task", "anvil pool", "openmp", "openmp/anvil");
  for (int work : {0, 1000, 20000}) {
    double serial = median_us_per_call(calls, [&] { g_sink = spin_work(work); });
    double pool = median_us_per_call(calls, [&] { anvil_parallel_for(threads, pool_body, &work); });
    double omp = median_us_per_call(calls, [&] {
#pragma omp parallel for schedule(static)
      for (int t = 0; t < threads; t++) g_sink = spin_work(work);
    });
    std::printf("%8d %12.2f %12.2f %12.2f %13.2fx\n", work, serial, pool, omp, omp / pool);
  }
  return 0;
}
