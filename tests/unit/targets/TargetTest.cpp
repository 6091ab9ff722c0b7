// Target parsing: defaults, canonical form, capabilities and error messages.
#include <gtest/gtest.h>

#include "anvil/support/Error.h"
#include "anvil/targets/Target.h"

using namespace anvil;

TEST(Target, ParseAndRoundTrip) {
  for (const char* text : {"c", "c -mcpu=native", "c -mcpu=znver4", "c -mcpu=haswell",
                           "c -mcpu=skylake-avx512", "c   -mcpu=x86-64"}) {
    Target t = Target::parse(text);
    EXPECT_EQ(t.kind(), "c");
    EXPECT_EQ(Target::parse(t.to_string()), t) << text;
  }
  EXPECT_EQ(Target::parse("c").mcpu(), "native");
  EXPECT_EQ(Target::parse("c").to_string(), "c -mcpu=native");
  EXPECT_EQ(Target::parse("c -mcpu=znver4").to_string(), "c -mcpu=znver4");
  EXPECT_EQ(Target::parse("c"), Target::parse("c -mcpu=native"));
  EXPECT_NE(Target::parse("c -mcpu=haswell"), Target::parse("c -mcpu=znver4"));
}

TEST(Target, VectorBits) {
  EXPECT_EQ(Target::parse("c -mcpu=znver4").vector_bits(), 512);
  EXPECT_EQ(Target::parse("c -mcpu=skylake-avx512").vector_bits(), 512);
  EXPECT_EQ(Target::parse("c -mcpu=haswell").vector_bits(), 256);
  EXPECT_EQ(Target::parse("c -mcpu=x86-64").vector_bits(), 128);
  EXPECT_EQ(Target::parse("c").vector_bits(), host_vector_bits());
  int native = Target::parse("c").vector_bits();
  EXPECT_TRUE(native == 128 || native == 256 || native == 512);
}

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

TEST(Target, ErrorsListValidSpellings) {
  std::string kind = parse_error("fortran -mcpu=native");
  EXPECT_NE(kind.find("unknown target kind 'fortran'"), std::string::npos) << kind;
  EXPECT_NE(kind.find("valid kinds: c"), std::string::npos) << kind;
  std::string cpu = parse_error("c -mcpu=pentium4");
  EXPECT_NE(cpu.find("unknown cpu 'pentium4'"), std::string::npos) << cpu;
  EXPECT_NE(cpu.find("znver4"), std::string::npos) << cpu;
  EXPECT_NE(cpu.find("haswell"), std::string::npos) << cpu;
  std::string opt = parse_error("c -mattr=+avx2");
  EXPECT_NE(opt.find("unknown option '-mattr=+avx2'"), std::string::npos) << opt;
  EXPECT_NE(opt.find("-mcpu"), std::string::npos) << opt;
  EXPECT_NE(parse_error(""), "");
  EXPECT_NE(parse_error("c -mcpu=haswell -mcpu=znver4").find("twice"), std::string::npos);
}
