// Scheduled operators lowered and built by the C backend: FMA and vector integer
// multiplies at the target's width in the machine code, and results vs ops::ref.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "anvil/ops/Dense.h"
#include "anvil/ops/Reference.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/HostBuffer.h"
#include "anvil/targets/Module.h"

using namespace anvil;

namespace {

constexpr int64_t kM = 64, kN = 64, kK = 64;           // matmul
constexpr int64_t kQM = 16, kQN = 32, kQK = 64;        // int8 dense

bool have_objdump() { return std::system("objdump --version > /dev/null 2>&1") == 0; }

std::string disassemble(const std::string& path) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(
      popen(("objdump -d --no-show-raw-insn " + path + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
  return out;
}

// The instructions of `function` and of the functions the compiler outlined
// from it (OpenMP bodies are "<name>._omp_fn.N"), from an objdump listing.
std::string function_asm(const std::string& listing, const std::string& function) {
  std::string out;
  bool in = false;
  size_t pos = 0;
  while (pos < listing.size()) {
    size_t end = listing.find('\n', pos);
    if (end == std::string::npos) end = listing.size();
    std::string line = listing.substr(pos, end - pos);
    pos = end + 1;
    size_t open = line.find(" <");
    if (open != std::string::npos && !line.empty() && line.back() == ':' && line[0] != ' ') {
      std::string name = line.substr(open + 2, line.size() - open - 4);  // drop "<" and ">:"
      in = name == function || name.rfind(function + ".", 0) == 0;
      continue;
    }
    if (in) out += line + "\n";
  }
  return out;
}

bool contains(const std::string& text, const char* pattern) {
  return std::regex_search(text, std::regex(pattern));
}

// C[i, j] = sum_k A[i, k] * B[k, j], 64^3: 8x16 tiles, k outside the tile, j
// vectorized by 16, the outer row loop parallel.
struct Matmul {
  Tensor A = placeholder({kM, kK}, DataType::Float(32), "A");
  Tensor B = placeholder({kK, kN}, DataType::Float(32), "B");
  Tensor C = ops::matmul(A, B);
  LoweredFunc lowered() const {
    Schedule sch({C});
    Stage& s = sch[C];
    std::vector<Loop> t = s.tile(s.axis(0), s.axis(1), 8, 16);  // io, jo, ii, ji
    s.reorder({t[0], t[1], s.reduce_axis(0), t[2], t[3]});
    s.vectorize(t[3]);
    s.parallel(t[0]);
    return lower(sch, {A, B, C}, "matmul_f32");
  }
};

// Y[i, j] = sum_k int32(X[i, k]) * int32(W[j, k]): int8 in, int32 out, j
// vectorized by 16 (W's column is a strided gather of 16 int8 values).
struct QDense {
  Tensor X = placeholder({kQM, kQK}, DataType::Int(8), "X");
  Tensor W = placeholder({kQN, kQK}, DataType::Int(8), "W");
  Tensor Y = ops::dense(X, W, DataType::Int(32));
  LoweredFunc lowered() const {
    Schedule sch({Y});
    Stage& s = sch[Y];
    auto [jo, ji] = s.split(s.axis(1), 16);
    s.reorder({s.axis(0), jo, s.reduce_axis(0), ji});
    s.vectorize(ji);
    return lower(sch, {X, W, Y}, "dense_i8");
  }
};

// Runs both kernels of `m` and compares them with the references.
void check_results(const Module& m) {
  HostBuffer a = HostBuffer::random(DataType::Float(32), {kM, kK}, 1);
  HostBuffer b = HostBuffer::random(DataType::Float(32), {kK, kN}, 2);
  HostBuffer c(DataType::Float(32), {kM, kN});
  m.call("matmul_f32", {a.raw(), b.raw(), c.raw()});
  HostBuffer c_ref = ops::ref::matmul(a, b);
  EXPECT_TRUE(all_close(c, c_ref, 1e-5, 1e-4)) << "max |diff| " << max_abs_diff(c, c_ref);

  HostBuffer x = HostBuffer::random(DataType::Int(8), {kQM, kQK}, 3, -128, 127);
  HostBuffer w = HostBuffer::random(DataType::Int(8), {kQN, kQK}, 4, -128, 127);
  HostBuffer y(DataType::Int(32), {kQM, kQN});
  m.call("dense_i8", {x.raw(), w.raw(), y.raw()});
  HostBuffer y_ref = ops::ref::dense(x, w, DataType::Int(32));
  EXPECT_EQ(max_abs_diff(y, y_ref), 0.0);
}

class ScheduledKernel : public testing::Test {
 protected:
  void SetUp() override {
#if !defined(__x86_64__)
    GTEST_SKIP() << "x86-64 code generation checks";
#endif
    if (!have_objdump()) GTEST_SKIP() << "objdump is not installed";
  }
  std::vector<LoweredFunc> kernels() const { return {Matmul().lowered(), QDense().lowered()}; }
};

}  // namespace

TEST_F(ScheduledKernel, Znver4UsesZmmFmaAndVectorIntMultiply) {
  Module m = build_module(kernels(), Target::parse("c -mcpu=znver4"));
  std::string listing = disassemble(m.library_path());
  std::string mm = function_asm(listing, "matmul_f32");
  ASSERT_FALSE(mm.empty()) << "matmul_f32 not found in:\n" << listing.substr(0, 3000);
  EXPECT_TRUE(contains(mm, R"(vfmadd\d{3}ps[^\n]*%zmm)")) << "no 512-bit FMA in:\n" << mm;
  // GCC gathers the strided int8 column of W lane by lane, then multiplies 16
  // int32 lanes at once (vpmulld); no scalar multiply is left.
  std::string qd = function_asm(listing, "dense_i8");
  ASSERT_FALSE(qd.empty());
  EXPECT_TRUE(contains(qd, R"((vpmulld|vpmaddwd|vpdpwssd|vpdpbusd)[^\n]*%zmm)"))
      << "no 512-bit integer multiply in:\n" << qd;
  EXPECT_FALSE(contains(qd, R"(\bimul)")) << "a scalar multiply is left in:\n" << qd;

#if defined(__x86_64__)
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "the host cannot run AVX-512 code";
#endif
  check_results(m);
}

TEST_F(ScheduledKernel, HaswellUsesYmmFmaAndNoZmm) {
  Module m = build_module(kernels(), Target::parse("c -mcpu=haswell"));
  std::string listing = disassemble(m.library_path());
  std::string mm = function_asm(listing, "matmul_f32");
  ASSERT_FALSE(mm.empty());
  EXPECT_TRUE(contains(mm, R"(vfmadd\d{3}ps[^\n]*%ymm)")) << "no 256-bit FMA in:\n" << mm;
  EXPECT_FALSE(contains(listing, "%zmm")) << "haswell has no zmm registers";
  std::string qd = function_asm(listing, "dense_i8");
  EXPECT_TRUE(contains(qd, R"((vpmulld|vpmaddwd)[^\n]*%ymm)"))
      << "no 256-bit integer multiply in:\n" << qd;

#if defined(__x86_64__)
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host cannot run AVX2/FMA code";
#endif
  check_results(m);
}
