// Target: a parsed target string such as "c -mcpu=znver4" or "llvm
// -mtriple=aarch64-linux-gnu -mattr=+neon". It names the backend (kind), the
// triple and CPU, and exposes the capabilities lowering and search read.
#pragma once

#include <string>
#include <vector>

namespace anvil {

class Target {
 public:
  // Parses "KIND [options]". Valid kinds: "c", "llvm".
  //  - c: "-mcpu=CPU" with CPU one of native (the default: the host), x86-64,
  //    haswell, skylake-avx512, znver4.
  //  - llvm: "-mtriple=TRIPLE" (default: the host; x86_64 or aarch64),
  //    "-mcpu=CPU" (default native; any CPU LLVM knows for the triple),
  //    "-mattr=+a,-b" (features), "-fast-math" (fast-math flags on float ops).
  // Anything else is a UserError that lists the valid spellings.
  static Target parse(const std::string& text);

  const std::string& kind() const { return kind_; }
  const std::string& mcpu() const { return mcpu_; }
  // llvm only: the normalized triple (empty for c), and the -mattr features in
  // the order given.
  const std::string& mtriple() const { return mtriple_; }
  const std::vector<std::string>& mattrs() const { return mattrs_; }
  bool fast_math() const { return fast_math_; }
  // SIMD register width in bits; for "native", detected from the host CPU.
  int vector_bits() const { return vector_bits_; }
  // llvm only: whether code for this target may use an ISA feature, by one
  // of the names -mattr accepts ("avx512vnni", "avx512bw", "dotprod"):
  // implied by the CPU ("native": the host's) or enabled by -mattr. Always
  // false for c targets.
  bool has_feature(const std::string& name) const;
  // Canonical form: parse(to_string()) == *this.
  std::string to_string() const;

  bool operator==(const Target& other) const {
    return kind_ == other.kind_ && mcpu_ == other.mcpu_ && mtriple_ == other.mtriple_ &&
           mattrs_ == other.mattrs_ && fast_math_ == other.fast_math_;
  }
  bool operator!=(const Target& other) const { return !(*this == other); }

 private:
  Target() = default;
  std::string kind_;
  std::string mcpu_;
  std::string mtriple_;
  std::vector<std::string> mattrs_;
  bool fast_math_ = false;
  int vector_bits_ = 128;
  std::vector<std::string> features_;  // sorted; derived from the fields above
};

// SIMD width of the machine this process runs on (512, 256 or 128).
int host_vector_bits();

}  // namespace anvil
