// Target parsing for the llvm kinds: defaults, canonical form, vector width
// from LLVM's subtarget, and errors that list the valid spellings.
#include <gtest/gtest.h>

#include "anvil/support/Error.h"
#include "anvil/targets/Target.h"

using namespace anvil;

namespace {
std::string parse_error(const std::string& text) {
  try {
    Target::parse(text);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(LLVMTarget, ParseRoundTripAndVectorBits) {
  for (const char* text : {"llvm", "llvm -mcpu=native", "llvm -mcpu=znver4", "llvm -mcpu=skylake-avx512",
                           "llvm -mcpu=haswell", "llvm -mtriple=aarch64-linux-gnu -mattr=+neon,+dotprod",
                           "llvm -mcpu=haswell -fast-math"}) {
    Target t = Target::parse(text);
    EXPECT_EQ(t.kind(), "llvm");
    EXPECT_EQ(Target::parse(t.to_string()), t) << text << " -> " << t.to_string();
  }
  EXPECT_EQ(Target::parse("llvm -mcpu=znver4").vector_bits(), 512);
  EXPECT_EQ(Target::parse("llvm -mcpu=skylake-avx512").vector_bits(), 512);
  EXPECT_EQ(Target::parse("llvm -mcpu=haswell").vector_bits(), 256);
  EXPECT_EQ(Target::parse("llvm -mcpu=x86-64").vector_bits(), 128);
  EXPECT_EQ(Target::parse("llvm -mcpu=haswell -mattr=-avx").vector_bits(), 128);
  EXPECT_EQ(Target::parse("llvm").vector_bits(), host_vector_bits());
  Target arm = Target::parse("llvm -mtriple=aarch64-linux-gnu -mattr=+neon,+dotprod");
  EXPECT_EQ(arm.vector_bits(), 128);
  EXPECT_EQ(arm.mcpu(), "generic");  // a cross target defaults to the generic CPU
  EXPECT_EQ(arm.mattrs(), (std::vector<std::string>{"+neon", "+dotprod"}));
  EXPECT_EQ(arm.mtriple(), "aarch64-unknown-linux-gnu");
  EXPECT_TRUE(Target::parse("llvm -fast-math").fast_math());
  EXPECT_NE(Target::parse("llvm -mcpu=haswell"), Target::parse("llvm -mcpu=haswell -fast-math"));
  EXPECT_NE(Target::parse("llvm -mcpu=haswell"), Target::parse("c -mcpu=haswell"));
  EXPECT_EQ(Target::parse("c -mcpu=znver4").to_string(), "c -mcpu=znver4");
}

TEST(LLVMTarget, ErrorsListValidSpellings) {
  std::string cpu = parse_error("llvm -mcpu=pentium9");
  EXPECT_NE(cpu.find("unknown cpu 'pentium9'"), std::string::npos) << cpu;
  EXPECT_NE(cpu.find("znver4"), std::string::npos) << cpu;
  std::string armcpu = parse_error("llvm -mtriple=aarch64-linux-gnu -mcpu=znver4");
  EXPECT_NE(armcpu.find("cortex-a76"), std::string::npos) << armcpu;
  std::string attr = parse_error("llvm -mattr=+avx9000");
  EXPECT_NE(attr.find("unknown attribute '+avx9000'"), std::string::npos) << attr;
  EXPECT_NE(attr.find("avx512f"), std::string::npos) << attr;
  EXPECT_NE(parse_error("llvm -mattr=avx2").find("unknown attribute 'avx2'"), std::string::npos);
  std::string triple = parse_error("llvm -mtriple=riscv64-linux-gnu");
  EXPECT_NE(triple.find("unsupported triple 'riscv64-linux-gnu'"), std::string::npos) << triple;
  std::string opt = parse_error("llvm -O3");
  EXPECT_NE(opt.find("unknown option '-O3'"), std::string::npos) << opt;
  EXPECT_NE(opt.find("-mattr"), std::string::npos) << opt;
  EXPECT_NE(parse_error("llvm -mcpu=haswell -mcpu=znver4").find("twice"), std::string::npos);
  EXPECT_NE(parse_error("fortran").find("valid kinds: c, llvm"), std::string::npos);
}
