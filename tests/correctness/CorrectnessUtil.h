// Helpers for the correctness tests: lower several schedules of one
// computation, compile them all into one module per backend (C; LLVM JIT on
// this machine; LLVM for AArch64 run under qemu-user), run each on the same
// inputs and compare every output with a reference computed by plain loops.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "anvil/ir/IRPrinter.h"
#include "anvil/schedule/Lower.h"
#include "anvil/schedule/Schedule.h"
#include "anvil/support/HostBuffer.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"

namespace anvil::correctness {

// Float tolerance as in all_close (b is the reference). Integer outputs are
// always compared exactly.
struct Tolerance {
  double rtol = 1e-4;
  double atol = 1e-5;
};

// A schedule of the problem's outputs; the function receives a fresh Schedule.
struct Variant {
  std::string name;
  std::function<void(Schedule&)> apply;
};

inline Variant default_schedule() {
  return {"default", [](Schedule&) {}};
}

// One computation: its inputs with their data, its outputs with the expected
// values, and the schedules to check.
struct Problem {
  std::string name;
  std::vector<Tensor> inputs;
  std::vector<HostBuffer> input_data;
  std::vector<Tensor> outputs;
  std::vector<HostBuffer> expected;
  Tolerance tol;
  std::vector<Variant> variants;
};

namespace detail {

inline std::string c_identifier(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

// Where and by how much got differs from want, for a failure message.
inline std::string describe_mismatch(const HostBuffer& got, const HostBuffer& want,
                                     const Tolerance& tol) {
  std::ostringstream os;
  os << "max_abs_diff " << max_abs_diff(got, want);
  int shown = 0;
  for (int64_t i = 0; i < want.num_elements() && shown < 5; i++) {
    double g = got.get(i), w = want.get(i);
    bool bad = want.dtype().is_float() ? !(std::abs(g - w) <= tol.atol + tol.rtol * std::abs(w))
                                       : got.get_int(i) != want.get_int(i);
    if (!bad) continue;
    os << "\n  [" << i << "] got " << g << " want " << w;
    shown++;
  }
  return os.str();
}

inline bool matches(const HostBuffer& got, const HostBuffer& want, const Tolerance& tol) {
  if (want.dtype().is_float()) return all_close(got, want, tol.rtol, tol.atol);
  for (int64_t i = 0; i < want.num_elements(); i++)
    if (got.get_int(i) != want.get_int(i)) return false;
  return true;
}

// A buffer with guard elements on both sides: NaN for floats (an
// out-of-bounds read that reaches a result makes it NaN), a fixed pattern for
// integers; guards_intact() tells whether anything wrote into them. The
// guards keep the data on a 64-byte boundary.
class Guarded {
 public:
  static constexpr int64_t kGuard = 64;  // elements on each side
  explicit Guarded(const HostBuffer& b)
      : shape_(b.shape()), storage_(b.dtype(), {b.num_elements() + 2 * kGuard}) {
    for (int64_t i = 0; i < storage_.num_elements(); i++) storage_.set(i, guard_value(i));
    std::memcpy(data(), b.raw(), b.size_bytes());
  }
  void* data() { return static_cast<char*>(storage_.raw()) + kGuard * storage_.dtype().bytes(); }
  // The whole allocation, guards included, and where the data starts in it.
  HostBuffer& storage() { return storage_; }
  int64_t data_offset_bytes() const { return kGuard * storage_.dtype().bytes(); }
  HostBuffer contents() const {
    HostBuffer out(storage_.dtype(), shape_);
    std::memcpy(out.raw(), static_cast<const char*>(storage_.raw()) + kGuard * storage_.dtype().bytes(),
                out.size_bytes());
    return out;
  }
  bool guards_intact() const {
    int64_t n = storage_.num_elements();
    for (int64_t i = 0; i < n; i++) {
      if (i == kGuard) i = n - kGuard;
      double v = storage_.get(i), want = guard_value(i);
      if (!(v == want || (std::isnan(v) && std::isnan(want)))) return false;
    }
    return true;
  }

 private:
  double guard_value(int64_t i) const {
    return storage_.dtype().is_float() ? std::nan("") : static_cast<double>(97 + i % 13);
  }
  std::vector<int64_t> shape_;
  HostBuffer storage_;
};

inline std::string clip(const std::string& s, size_t n = 6000) {
  return s.size() <= n ? s : s.substr(0, n) + "\n... (" + std::to_string(s.size() - n) +
                                 " more characters)";
}

}  // namespace detail

// Lowers every variant of every problem, compiles them into one module (one C
// compiler run), runs each and compares its outputs with the expected ones.
// A variant that fails to schedule or lower is a test failure naming it; the
// others still run.
namespace detail {

// The AArch64 target, when the cross runner was built (see CMakeLists.txt).
inline const char* kAArch64Target = "llvm -mtriple=aarch64-linux-gnu -mattr=+neon";

// Runs `function` of the AArch64 library `library` under qemu on the given
// buffers (guards included), which are updated in place.
inline void run_on_aarch64(const std::string& library, const std::string& function,
                           std::vector<Guarded*> buffers) {
#ifdef ANVIL_AARCH64_RUNNER
  namespace fs = std::filesystem;
  fs::path dir = fs::path(library).parent_path();
  std::ofstream spec(dir / "spec.txt");
  for (size_t i = 0; i < buffers.size(); i++) {
    fs::path file = dir / ("buffer" + std::to_string(i) + ".bin");
    HostBuffer& s = buffers[i]->storage();
    std::ofstream(file, std::ios::binary).write(static_cast<const char*>(s.raw()),
                                                static_cast<std::streamsize>(s.size_bytes()));
    spec << file.string() << " " << s.size_bytes() << " " << buffers[i]->data_offset_bytes() << "\n";
  }
  spec.close();
  std::string cmd = std::string(ANVIL_QEMU_AARCH64) + " -L /usr/aarch64-linux-gnu " +
                    ANVIL_AARCH64_RUNNER + " " + library + " " + function + " " +
                    (dir / "spec.txt").string() + " 2>" + (dir / "stderr.txt").string();
  int status = std::system(cmd.c_str());
  if (status != 0) {
    std::ifstream err(dir / "stderr.txt");
    std::stringstream text;
    text << err.rdbuf();
    throw std::runtime_error("qemu run of " + function + " failed (" + std::to_string(status) +
                             "): " + text.str());
  }
  for (size_t i = 0; i < buffers.size(); i++) {
    HostBuffer& s = buffers[i]->storage();
    std::ifstream(dir / ("buffer" + std::to_string(i) + ".bin"), std::ios::binary)
        .read(static_cast<char*>(s.raw()), static_cast<std::streamsize>(s.size_bytes()));
  }
#else
  (void)library, (void)function, (void)buffers;
  throw std::runtime_error("the AArch64 runner was not built");
#endif
}

}  // namespace detail

// The backends every correctness test runs on.
inline std::vector<std::string> default_targets() {
  std::vector<std::string> targets = {"c -mcpu=native", "llvm -mcpu=native"};
#ifdef ANVIL_AARCH64_RUNNER
  targets.push_back(detail::kAArch64Target);
#endif
  return targets;
}

namespace detail {

inline void check_problems_on(const std::vector<Problem>& problems, const std::string& target) {
  bool aarch64 = target == kAArch64Target;
  struct Lowered {
    const Problem* problem;
    const Variant* variant;
    LoweredFunc func;
  };
  std::vector<Lowered> lowered;
  for (const Problem& p : problems) {
    ASSERT_EQ(p.inputs.size(), p.input_data.size()) << p.name;
    ASSERT_EQ(p.outputs.size(), p.expected.size()) << p.name;
    std::vector<Tensor> args = p.inputs;
    args.insert(args.end(), p.outputs.begin(), p.outputs.end());
    for (const Variant& v : p.variants) {
      std::string fname = detail::c_identifier(p.name + "__" + v.name);
      try {
        Schedule sch(p.outputs);
        v.apply(sch);
        lowered.push_back({&p, &v, lower(sch, args, fname)});
      } catch (const std::exception& e) {
        ADD_FAILURE() << p.name << " / " << v.name << ": scheduling or lowering threw: "
                      << e.what();
      }
    }
  }
  if (lowered.empty()) return;
  std::vector<LoweredFunc> funcs;
  for (const Lowered& l : lowered) funcs.push_back(l.func);
  Module module;
  std::filesystem::path aarch64_dir;
  try {
    if (aarch64) {
      aarch64_dir = std::filesystem::temp_directory_path() /
                    ("anvil_correct_" + std::to_string(::getpid()) + "_" + funcs[0].name);
      std::filesystem::create_directories(aarch64_dir);
      export_library(funcs, Target::parse(target), (aarch64_dir / "module.so").string());
    } else {
      module = build_module(funcs, Target::parse(target));
    }
  } catch (const std::exception& e) {
    FAIL() << "building for " << target << " failed: " << detail::clip(e.what());
  }

  for (const Lowered& l : lowered) {
    const Problem& p = *l.problem;
    std::string what = p.name + " / " + l.variant->name + " on " + target;
    // Fresh guarded copies: a kernel that writes its inputs, or reads or
    // writes outside any buffer, is caught below.
    std::vector<detail::Guarded> inputs, outputs;
    for (const HostBuffer& b : p.input_data) inputs.emplace_back(b);
    for (size_t o = 0; o < p.outputs.size(); o++) {
      // Garbage, not zeros: an element the kernel never writes must not pass.
      const HostBuffer& want = p.expected[o];
      outputs.emplace_back(HostBuffer::random(want.dtype(), want.shape(), 7777 + o, -99.0, 99.0));
    }
    std::vector<void*> ptrs;
    std::vector<detail::Guarded*> all;
    for (detail::Guarded& b : inputs) ptrs.push_back(b.data()), all.push_back(&b);
    for (detail::Guarded& b : outputs) ptrs.push_back(b.data()), all.push_back(&b);
    try {
      if (aarch64) {
        run_on_aarch64((aarch64_dir / "module.so").string(), l.func.name, all);
      } else {
        module.call(l.func.name, ptrs);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << ": the kernel failed: " << e.what();
      continue;
    }
    for (size_t i = 0; i < inputs.size(); i++) {
      EXPECT_EQ(max_abs_diff(inputs[i].contents(), p.input_data[i]), 0.0)
          << what << ": the kernel modified input " << p.inputs[i].name();
      EXPECT_TRUE(inputs[i].guards_intact())
          << what << ": the kernel wrote outside input " << p.inputs[i].name();
    }
    for (size_t o = 0; o < outputs.size(); o++) {
      EXPECT_TRUE(outputs[o].guards_intact())
          << what << ": the kernel wrote outside output " << p.outputs[o].name();
      HostBuffer got = outputs[o].contents();
      EXPECT_TRUE(detail::matches(got, p.expected[o], p.tol))
          << what << ", output " << p.outputs[o].name() << " "
          << shape_to_string(p.expected[o].shape()) << ": "
          << detail::describe_mismatch(got, p.expected[o], p.tol) << "\nlowered IR:\n"
          << detail::clip(to_string(l.func));
    }
  }
  if (aarch64) std::filesystem::remove_all(aarch64_dir);
}

}  // namespace detail

// Checks every problem on `target`, or on every default target when empty.
inline void check_problems(const std::vector<Problem>& problems, const std::string& target = "") {
  for (const std::string& t : target.empty() ? default_targets() : std::vector<std::string>{target})
    detail::check_problems_on(problems, t);
}

inline void check_problem(const Problem& p, const std::string& target = "") {
  check_problems({p}, target);
}

}  // namespace anvil::correctness
