// anvil-bench-halide: the halide rows of `anvil bench`, in a process of its own
// (Halide carries its own LLVM and thread pool). JIT-compiles C = A·B with the
// Adams2019 autoscheduler, or a hand schedule when the plugin cannot be loaded
// (impl "halide-manual", with the reason in the row's note), checks and times
// it, and prints one JSON row per case on stdout.
//
//   anvil-bench-halide --cases 256,512 --threads 1 [--samples 10] [--min-sample-ms 50]
#include <Halide.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "BenchCore.h"
#include "GemmCases.h"

using namespace anvil::bench;

namespace {

struct Options {
  std::string suite = "gemm-fp32";
  std::string cases;
  int threads = 1;
  TimingOptions timing;
};

std::vector<float> random_floats(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// The hand schedule used without the autoscheduler: 4×64 register tiles of
// an accumulator over all of K, row tiles in parallel.
void schedule_manual(Halide::Func& C, Halide::Func& acc, Halide::Var& x, Halide::Var& y,
                     Halide::RDom& r) {
  using namespace Halide;
  Var xo("xo"), yo("yo"), xi("xi"), yi("yi");
  C.tile(x, y, xo, yo, xi, yi, 64, 4).vectorize(xi, 16).parallel(yo);
  acc.compute_at(C, xo).vectorize(x, 16).unroll(x).unroll(y);
  acc.update().reorder(x, y, r).vectorize(x, 16).unroll(x).unroll(y);
}

BenchRow run_case(const Options& o, const GemmCase& c, bool& plugin_loaded, std::string& plugin_error) {
  using namespace Halide;
  const int M = int(c.M), N = int(c.N), K = int(c.K);
  ImageParam A(Float(32), 2, "A"), B(Float(32), 2, "B");  // Halide order: x first (A(k, i), B(j, k))
  Var x("x"), y("y");
  RDom r(0, K, "r");
  Func acc("acc"), C("C");
  acc(x, y) = 0.0f;
  acc(x, y) += A(r, y) * B(x, r);
  C(x, y) = acc(x, y);
  A.dim(0).set_bounds(0, K).dim(1).set_bounds(0, M).set_stride(K);
  B.dim(0).set_bounds(0, N).dim(1).set_bounds(0, K).set_stride(N);
  C.output_buffer().dim(0).set_bounds(0, N).dim(1).set_bounds(0, M).set_stride(N);

  BenchRow row;
  row.suite = o.suite;
  row.case_name = c.name;
  row.shape = {c.M, c.N, c.K};
  row.threads = o.threads;
  Target target = get_jit_target_from_environment();
  Pipeline p(C);
  if (plugin_loaded) {
    A.set_estimates({{0, K}, {0, M}});
    B.set_estimates({{0, N}, {0, K}});
    C.set_estimates({{0, N}, {0, M}});
    // 32 MiB last-level cache, balance 40: the values Halide's own apps use.
    p.auto_schedule("Adams2019", target, MachineParams(o.threads, 32 * 1024 * 1024, 40));
    row.impl = "halide-adams2019";
  } else {
    schedule_manual(C, acc, x, y, r);
    row.impl = "halide-manual";
    row.note = "Adams2019 plugin not loaded: " + plugin_error;
  }
  p.compile_jit(target);

  std::vector<float> a = random_floats(size_t(M) * K, 1);
  std::vector<std::vector<float>> bs;
  for (int w = 0; w < num_weight_copies(c); w++) bs.push_back(random_floats(size_t(K) * N, 2 + w));
  std::vector<float> out(size_t(M) * N);
  Buffer<float> a_buf(a.data(), K, M), c_buf(out.data(), N, M);
  std::vector<Buffer<float>> b_bufs;
  for (auto& b : bs) b_bufs.emplace_back(b.data(), N, K);
  A.set(a_buf);
  auto call = [&](int64_t w) {
    B.set(b_bufs[w % b_bufs.size()]);
    p.realize(c_buf, target);
  };
  call(0);
  CheckResult check = check_gemm(a.data(), bs[0].data(), out.data(), M, N, K);
  row.correct = check.correct;
  if (!check.correct) row.note += (row.note.empty() ? "" : "; ") + ("wrong result: " + check.first_mismatch);
  TimingResult t = time_kernel(call, o.timing);
  row.median_us = t.median_us;
  row.min_us = t.min_us;
  row.max_us = t.max_us;
  row.gflops = c.gflop() * 1e6 / t.median_us;
  if (c.is_gemv()) row.gbps = 4.0 * N * K / (t.median_us * 1e3);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "anvil-bench-halide: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--cases") o.cases = value();
    else if (arg == "--threads") o.threads = std::atoi(value().c_str());
    else if (arg == "--samples") o.timing.min_samples = std::atoi(value().c_str());
    else if (arg == "--min-sample-ms") o.timing.min_sample_ms = std::atof(value().c_str());
    else if (arg == "--suite") o.suite = value();
    else {
      std::fprintf(stderr, "anvil-bench-halide: unknown argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  bool plugin_loaded = false;
  std::string plugin_error;
  const char* plugin = ANVIL_HALIDE_ADAMS2019;
  if (std::strlen(plugin) == 0) {
    plugin_error = "libautoschedule_adams2019.so was not found when anvil was configured";
  } else {
    try {
      Halide::load_plugin(plugin);
      plugin_loaded = true;
    } catch (const std::exception& e) {
      plugin_error = e.what();
    }
  }
  int failures = 0;
  try {
    for (const GemmCase& c : select_gemm_cases(o.cases, false)) {
      try {
        std::printf("%s\n", row_to_json(run_case(o, c, plugin_loaded, plugin_error)).dump().c_str());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "anvil-bench-halide: case %s: %s\n", c.name.c_str(), e.what());
        BenchRow failed;
        failed.suite = o.suite;
        failed.case_name = c.name;
        failed.impl = "halide";
        failed.shape = {c.M, c.N, c.K};
        failed.threads = o.threads;
        failed.status = "failed";
        failed.note = e.what();
        std::printf("%s\n", row_to_json(failed).dump().c_str());
        failures++;
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "anvil-bench-halide: %s\n", e.what());
    return 1;
  }
  return failures ? 1 : 0;
}
