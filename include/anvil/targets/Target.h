// Target: a parsed target string such as "c -mcpu=znver4". It names the backend
// (kind) and the CPU, and exposes the capabilities lowering and search read.
#pragma once

#include <string>

namespace anvil {

class Target {
 public:
  // Parses "KIND [-mcpu=CPU]". Valid kinds: "c". Valid CPUs: native (the
  // default: the host), x86-64, haswell, skylake-avx512, znver4. Anything else
  // is a UserError that lists the valid spellings.
  static Target parse(const std::string& text);

  const std::string& kind() const { return kind_; }
  const std::string& mcpu() const { return mcpu_; }
  // SIMD register width in bits; for "native", detected from the host CPU.
  int vector_bits() const { return vector_bits_; }
  // Canonical form: parse(to_string()) == *this.
  std::string to_string() const;

  bool operator==(const Target& other) const {
    return kind_ == other.kind_ && mcpu_ == other.mcpu_;
  }
  bool operator!=(const Target& other) const { return !(*this == other); }

 private:
  Target() = default;
  std::string kind_;
  std::string mcpu_;
  int vector_bits_ = 128;
};

// SIMD width of the machine this process runs on (512, 256 or 128).
int host_vector_bits();

}  // namespace anvil
