// AArch64 end to end: scheduled kernels (matmul with the example's register
// tile, a vectorized elementwise add with a tail) compiled to an AArch64
// object, statically linked with a generated C driver holding the inputs and
// the expected outputs (from ops::ref), and run under qemu-aarch64.
// Skipped when the cross compiler or qemu is missing.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "anvil/ops/Dense.h"
#include "anvil/ops/Elemwise.h"
#include "anvil/ops/Reference.h"
#include "anvil/schedule/Lower.h"
#include "anvil/schedule/Schedule.h"
#include "anvil/support/HostBuffer.h"
#include "anvil/targets/Module.h"

using namespace anvil;

namespace {

const DataType kF32 = DataType::Float(32);

bool have(const std::string& tool) {
  return std::system((tool + " --version > /dev/null 2>&1").c_str()) == 0;
}

std::string float_array(const std::string& name, const HostBuffer& b) {
  std::ostringstream os;
  os << "static float " << name << "[" << b.num_elements() << "] = {";
  const float* p = b.data<float>();
  char buf[32];
  for (int64_t i = 0; i < b.num_elements(); ++i) {
    std::snprintf(buf, sizeof buf, "%a", static_cast<double>(p[i]));
    os << (i ? "," : "") << buf << "f";
  }
  os << "};\n";
  return os.str();
}

struct Case {
  std::string func;
  std::vector<HostBuffer> inputs;
  HostBuffer expected;
};

// A C driver calling each kernel and comparing its output with the expected
// values; it exits with the number of wrong elements (0: all correct).
std::string driver_source(const std::vector<Case>& cases) {
  std::ostringstream os;
  os << "#include <math.h>\n#include <stdint.h>\n#include <stdio.h>\n"
     << "typedef int32_t (*body_t)(int64_t, int64_t, void*);\n"
     << "int32_t anvil_parallel_for(int64_t n, body_t body, void* closure) {\n"
     << "  for (int64_t t = 0; t < n; ++t) { int32_t rc = body(t, n, closure); if (rc) return rc; }\n"
     << "  return 0;\n}\n";
  for (size_t c = 0; c < cases.size(); ++c) {
    os << "int32_t " << cases[c].func << "(void* const*, int32_t);\n";
    for (size_t i = 0; i < cases[c].inputs.size(); ++i)
      os << float_array("in" + std::to_string(c) + "_" + std::to_string(i), cases[c].inputs[i]);
    os << float_array("want" + std::to_string(c), cases[c].expected);
    os << "static float out" << c << "[" << cases[c].expected.num_elements() << "];\n";
  }
  os << "int main(void) {\n  int bad = 0;\n";
  for (size_t c = 0; c < cases.size(); ++c) {
    std::string cs = std::to_string(c);
    os << "  {\n    void* args[] = {";
    for (size_t i = 0; i < cases[c].inputs.size(); ++i) os << "in" << cs << "_" << i << ", ";
    os << "out" << cs << "};\n"
       << "    if (" << cases[c].func << "(args, " << cases[c].inputs.size() + 1
       << ") != 0) { printf(\"" << cases[c].func << " failed\\n\"); bad++; }\n"
       << "    for (int i = 0; i < " << cases[c].expected.num_elements() << "; ++i)\n"
       << "      if (!(fabsf(out" << cs << "[i] - want" << cs << "[i]) <= 1e-3f + 1e-4f * fabsf(want" << cs
       << "[i]))) { if (bad < 5) printf(\"" << cases[c].func
       << "[%d] = %g, want %g\\n\", i, out" << cs << "[i], want" << cs << "[i]); bad++; }\n  }\n";
  }
  os << "  printf(\"%d wrong\\n\", bad);\n  return bad > 100 ? 100 : bad;\n}\n";
  return os.str();
}

}  // namespace

TEST(LLVMAArch64, ScheduledKernelsRunUnderQemu) {
  if (!have("aarch64-linux-gnu-gcc") || !have("qemu-aarch64"))
    GTEST_SKIP() << "aarch64-linux-gnu-gcc or qemu-aarch64 is not installed";
  const int M = 13, N = 37, K = 29;
  Tensor A = placeholder({M, K}, kF32, "A"), B = placeholder({K, N}, kF32, "B");
  Tensor C = ops::matmul(A, B, kF32, "C");
  Schedule sch({C});
  {
    Stage& out = sch[C];
    Tensor acc = sch.cache_write(C, "local");
    std::vector<Loop> tile = out.tile(out.axis(0), out.axis(1), 6, 16);
    out.parallel(tile[0]);
    auto [jv, jl] = out.split(tile[3], 4);
    out.vectorize(jl);
    Stage& local = sch[acc];
    local.compute_at(out, tile[1]);
    auto [ljv, ljl] = local.split(local.axis(1), 4);
    local.reorder({local.reduce_axis(0), local.axis(0), ljv, ljl});
    local.vectorize(ljl);
    local.unroll(ljv);
  }
  LoweredFunc mm = lower(sch, {A, B, C}, "mm_tiled");
  const int L = 103;
  Tensor X = placeholder({L}, kF32, "X"), Y = placeholder({L}, kF32, "Y");
  Tensor Z = ops::add(X, Y, "Z");
  Schedule esch({Z});
  auto [zo, zi] = esch[Z].split(esch[Z].axis(0), 8);
  esch[Z].vectorize(zi);
  LoweredFunc add = lower(esch, {X, Y, Z}, "add_vec");

  HostBuffer a = HostBuffer::random(kF32, {M, K}, 1), b = HostBuffer::random(kF32, {K, N}, 2);
  HostBuffer x = HostBuffer::random(kF32, {L}, 3), y = HostBuffer::random(kF32, {L}, 4);
  std::vector<Case> cases = {{"mm_tiled", {a, b}, ops::ref::matmul(a, b)},
                             {"add_vec", {x, y}, ops::ref::add(x, y)}};

  std::string dir = (std::filesystem::temp_directory_path() /
                     ("anvil_qemu_" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(dir);
  export_object({mm, add}, Target::parse("llvm -mtriple=aarch64-linux-gnu -mattr=+neon,+dotprod"),
                dir + "/kernels.o");
  std::ofstream(dir + "/driver.c") << driver_source(cases);
  std::string link = "aarch64-linux-gnu-gcc -static -O1 -o " + dir + "/driver " + dir +
                     "/driver.c " + dir + "/kernels.o -lm > " + dir + "/link.log 2>&1";
  ASSERT_EQ(std::system(link.c_str()), 0) << "link failed: " << link;
  std::string cmd = "qemu-aarch64 -L /usr/aarch64-linux-gnu " + dir + "/driver > " + dir +
                    "/run.log 2>&1";
  int status = std::system(cmd.c_str());
  std::ifstream log(dir + "/run.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_EQ(status, 0) << text.str();
  EXPECT_EQ(text.str().rfind("0 wrong", 0), 0u) << text.str();  // the only line when all match
  std::filesystem::remove_all(dir);
}
