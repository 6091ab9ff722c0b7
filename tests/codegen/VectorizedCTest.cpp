// The C backend's vector code becomes real SIMD: a Ramp-indexed float32x16
// load/add/store loop must compile to zmm instructions for znver4.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <regex>

#include "anvil/ir/IROperator.h"
#include "anvil/targets/Module.h"

using namespace anvil;

namespace {

std::string disassemble(const std::string& path) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(("objdump -d " + path + " 2>&1").c_str(), "r"),
                                             pclose);
  if (!pipe) return out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
  return out;
}

bool have_objdump() { return std::system("objdump --version > /dev/null 2>&1") == 0; }

}  // namespace

TEST(CodegenC, Float32x16AddUsesZmmOnZnver4) {
  if (!have_objdump()) GTEST_SKIP() << "objdump is not installed";
  const DataType f32x16 = DataType::Float(32, 16);
  Var a("A", DataType::Handle()), b("B", DataType::Handle()), c("C", DataType::Handle());
  Var i("i");
  Expr idx = Ramp::make(i * 16, Expr(1), 16);
  Stmt body = For::make(i, 0, 64, ForKind::Serial,
                        Store::make(c, Load::make(f32x16, a, idx) + Load::make(f32x16, b, idx), idx));
  const DataType f32 = DataType::Float(32);
  LoweredFunc f{"vadd", {{a, f32, {1024}}, {b, f32, {1024}}, {c, f32, {1024}}}, body};
  Module m = build_module({f}, Target::parse("c -mcpu=znver4"));
  std::string asm_text = disassemble(m.library_path());
  EXPECT_TRUE(std::regex_search(asm_text, std::regex("vaddps[^\\n]*%zmm")))
      << "no 512-bit add in:\n" << asm_text.substr(0, 4000);
  EXPECT_TRUE(std::regex_search(asm_text, std::regex("vmovups[^\\n]*%zmm")))
      << "no 512-bit load/store";

  // The same IR for haswell is 256-bit wide at most.
  Module h = build_module({f}, Target::parse("c -mcpu=haswell"));
  std::string hsw = disassemble(h.library_path());
  EXPECT_TRUE(std::regex_search(hsw, std::regex("vaddps[^\\n]*%ymm")));
  EXPECT_FALSE(std::regex_search(hsw, std::regex("%zmm")));
}
