// The LLVM backend's machine code: a vectorized float32 multiply-add loop
// becomes zmm FMAs for znver4, ymm only for haswell, and NEON fmla for
// AArch64 (disassembled with objdump / aarch64-linux-gnu-objdump).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <regex>

#include "anvil/ir/IROperator.h"
#include "anvil/targets/Module.h"
#include "support/RunCommand.h"

using namespace anvil;

namespace {

bool have(const std::string& tool) {
  return std::system((tool + " --version > /dev/null 2>&1").c_str()) == 0;
}

// C[i] = A[i] * B[i] + C[i] over 1024 floats, `lanes` at a time.
LoweredFunc fma_loop(int lanes) {
  const DataType f32 = DataType::Float(32), vt = f32.with_lanes(lanes);
  Var a("A", DataType::Handle()), b("B", DataType::Handle()), c("C", DataType::Handle());
  Var i("i");
  Expr idx = Ramp::make(i * lanes, Expr(1), lanes);
  Stmt body = For::make(i, 0, 1024 / lanes, ForKind::Serial,
                        Store::make(c, Load::make(vt, a, idx) * Load::make(vt, b, idx) +
                                           Load::make(vt, c, idx), idx));
  return {"vfma", {{a, f32, {1024}}, {b, f32, {1024}}, {c, f32, {1024}}}, body};
}

std::string disassemble(const LoweredFunc& f, const std::string& target, const std::string& objdump) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("anvil_llvm_codegen_" + std::to_string(getpid()) + ".o")).string();
  export_object({f}, Target::parse(target), path);
  std::string text = anvil::testing::run_command(objdump + " -d " + path);
  std::filesystem::remove(path);
  return text;
}

}  // namespace

TEST(CodegenLLVM, Float32FmaUsesZmmOnZnver4AndYmmOnHaswell) {
  if (!have("objdump")) GTEST_SKIP() << "objdump is not installed";
  std::string zen = disassemble(fma_loop(16), "llvm -mcpu=znver4", "objdump");
  EXPECT_TRUE(std::regex_search(zen, std::regex("vfmadd[0-9]*ps[^\\n]*%zmm")))
      << "no 512-bit FMA in:\n" << zen.substr(0, 4000);
  std::string hsw = disassemble(fma_loop(16), "llvm -mcpu=haswell", "objdump");
  EXPECT_TRUE(std::regex_search(hsw, std::regex("vfmadd[0-9]*ps[^\\n]*%ymm")))
      << "no 256-bit FMA in:\n" << hsw.substr(0, 4000);
  EXPECT_FALSE(std::regex_search(hsw, std::regex("%zmm")));
  // The JIT's IR for the host says the same in LLVM's terms.
  std::string ir = emit_llvm_ir({fma_loop(16)}, Target::parse("llvm -mcpu=znver4"));
  EXPECT_NE(ir.find("<16 x float>"), std::string::npos);
}

TEST(CodegenLLVM, AArch64ObjectHasNeonFmla) {
  if (!have("aarch64-linux-gnu-objdump")) GTEST_SKIP() << "aarch64-linux-gnu-objdump is not installed";
  std::string arm = disassemble(fma_loop(4), "llvm -mtriple=aarch64-linux-gnu -mattr=+neon,+dotprod",
                                "aarch64-linux-gnu-objdump");
  EXPECT_TRUE(std::regex_search(arm, std::regex("fmla\\s+v[0-9]+\\.4s")))
      << "no NEON fmla in:\n" << arm.substr(0, 4000);
  // A dot product reaches sdot through the intrinsic's LLVM name.
  const DataType i32x4 = DataType::Int(32, 4), i8x16 = DataType::Int(8, 16);
  Var a("A", DataType::Handle()), b("B", DataType::Handle()), c("C", DataType::Handle());
  Expr acc = Load::make(i32x4, c, Ramp::make(Expr(0), Expr(1), 4));
  Expr x = Load::make(i8x16, a, Ramp::make(Expr(0), Expr(1), 16));
  Expr y = Load::make(i8x16, b, Ramp::make(Expr(0), Expr(1), 16));
  Stmt body = Store::make(c, Call::make(i32x4, "llvm.aarch64.neon.sdot.v4i32.v16i8", {acc, x, y}),
                          Ramp::make(Expr(0), Expr(1), 4));
  LoweredFunc dot{"dot", {{a, DataType::Int(8), {16}}, {b, DataType::Int(8), {16}}, {c, DataType::Int(32), {4}}}, body};
  std::string sdot = disassemble(dot, "llvm -mtriple=aarch64-linux-gnu -mattr=+neon,+dotprod",
                                 "aarch64-linux-gnu-objdump");
  EXPECT_TRUE(std::regex_search(sdot, std::regex("sdot\\s+v[0-9]+\\.4s"))) << sdot.substr(0, 4000);
}
