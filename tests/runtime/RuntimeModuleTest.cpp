// The embedded runtime's loader and call path: modules compiled by the C
// backend load, list and run through anvil/runtime.h and match ops::ref; every
// kind of bad module and bad argument is refused with its status and a message
// naming the problem.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "anvil/ops/Dense.h"
#include "anvil/ops/Elemwise.h"
#include "anvil/ops/Reference.h"
#include "anvil/runtime.h"
#include "anvil/schedule/Lower.h"
#include "anvil/targets/Module.h"

using namespace anvil;

namespace {

const DataType kF32 = DataType::Float(32);
const DataType kI32 = DataType::Int(32);

// A DLTensor viewing a HostBuffer (shape kept in the struct).
struct View {
  std::vector<int64_t> shape;
  DLTensor t{};
  explicit View(HostBuffer& b) : shape(b.shape()) {
    t.data = b.raw();
    t.device = {kDLCPU, 0};
    t.ndim = static_cast<int32_t>(shape.size());
    t.dtype.code = b.dtype().is_float() ? kDLFloat : kDLInt;
    t.dtype.bits = static_cast<uint8_t>(b.dtype().bits());
    t.dtype.lanes = 1;
    t.shape = shape.data();
  }
};

LoweredFunc matmul_func(int64_t M, int64_t N, int64_t K, bool parallel) {
  Tensor A = placeholder({M, K}, kF32, "A");
  Tensor B = placeholder({K, N}, kF32, "B");
  Tensor C = ops::matmul(A, B);
  Schedule sch({C});
  if (parallel) sch[C].parallel(sch[C].axis(0));
  return lower(sch, {A, B, C}, "matmul");
}

LoweredFunc add_func(int64_t n) {
  Tensor a = placeholder({n}, kI32, "a");
  Tensor b = placeholder({n}, kI32, "b");
  Tensor c = ops::add(a, b);
  Schedule sch({c});
  return lower(sch, {a, b, c}, "add_i32");
}

class RuntimeModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "anvil-rt-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    if (module_) anvil_module_free(module_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Compiles `funcs` with the C backend and saves the module as dir/name.
  std::string compile(const std::vector<LoweredFunc>& funcs, const std::string& name) {
    BuildOptions options;
    options.opt_level = 1;  // fast to build; speed is not under test
    std::string path = dir_ + "/" + name;
    build_module(funcs, Target::parse("c"), options).save(path);
    return path;
  }

  // Compiles a hand-written C module (it includes anvil/runtime.h, so its
  // manifest uses the header's own structs).
  std::string compile_c(const std::string& source, const std::string& name) {
    std::string src = dir_ + "/" + name + ".c";
    std::ofstream(src) << source;
    std::string path = dir_ + "/" + name;
    std::string cmd = std::string(ANVIL_TEST_CC) + " -shared -fPIC -I" ANVIL_TEST_INCLUDE_DIR " -o " +
                      path + " " + src + " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return path;
  }

  void load(const std::string& path) {
    ASSERT_EQ(anvil_module_load(path.c_str(), &module_), ANVIL_OK) << anvil_last_error();
  }

  AnvilFunction* function(const char* name) {
    AnvilFunction* f = nullptr;
    EXPECT_EQ(anvil_module_get_function(module_, name, &f), ANVIL_OK) << anvil_last_error();
    return f;
  }

  std::string dir_;
  AnvilModule* module_ = nullptr;
};

TEST_F(RuntimeModuleTest, LoadsListsAndCallsMatmul) {
  load(compile({matmul_func(7, 5, 13, /*parallel=*/true)}, "libmatmul.so"));
  ASSERT_EQ(anvil_module_num_functions(module_), 1);
  EXPECT_STREQ(anvil_module_function_name(module_, 0), "matmul");
  EXPECT_EQ(anvil_module_function_name(module_, 1), nullptr);
  EXPECT_EQ(anvil_module_function_name(module_, -1), nullptr);
  AnvilFunction* f = function("matmul");
  ASSERT_NE(f, nullptr);
  const AnvilFunctionInfo* info = anvil_function_info(f);
  ASSERT_EQ(info->num_args, 3);
  EXPECT_EQ(info->args[1].code, kDLFloat);
  EXPECT_EQ(info->args[1].bits, 32);
  EXPECT_EQ(info->args[1].lanes, 1);
  ASSERT_EQ(info->args[1].ndim, 2);
  EXPECT_EQ(info->args[1].shape[0], 13);
  EXPECT_EQ(info->args[1].shape[1], 5);

  HostBuffer A = HostBuffer::random(kF32, {7, 13}, 1), B = HostBuffer::random(kF32, {13, 5}, 2);
  HostBuffer C(kF32, {7, 5});
  View a(A), b(B), c(C);
  DLTensor* args[3] = {&a.t, &b.t, &c.t};
  ASSERT_EQ(anvil_function_call(f, args, 3), ANVIL_OK) << anvil_last_error();
  HostBuffer expected = ops::ref::matmul(A, B);
  EXPECT_TRUE(all_close(C, expected, 1e-5, 1e-5)) << max_abs_diff(C, expected);
}

TEST_F(RuntimeModuleTest, TwoFunctionModuleAndByteOffset) {
  load(compile({matmul_func(4, 6, 3, false), add_func(37)}, "libtwo.so"));
  ASSERT_EQ(anvil_module_num_functions(module_), 2);
  EXPECT_STREQ(anvil_module_function_name(module_, 0), "matmul");
  EXPECT_STREQ(anvil_module_function_name(module_, 1), "add_i32");

  HostBuffer x = HostBuffer::random(kI32, {37}, 3, -1000, 1000);
  HostBuffer y = HostBuffer::random(kI32, {37}, 4, -1000, 1000);
  // The output lives 5 elements into a bigger buffer: data + byte_offset.
  HostBuffer big(kI32, {42});
  View vx(x), vy(y), vz(big);
  vz.shape = {37};
  vz.t.shape = vz.shape.data();
  vz.t.byte_offset = 5 * sizeof(int32_t);
  DLTensor* args[3] = {&vx.t, &vy.t, &vz.t};
  ASSERT_EQ(anvil_function_call(function("add_i32"), args, 3), ANVIL_OK) << anvil_last_error();
  HostBuffer expected = ops::ref::add(x, y);
  for (int i = 0; i < 37; ++i) EXPECT_EQ(big.get_int(5 + i), expected.get_int(i)) << i;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(big.get_int(i), 0) << "wrote before byte_offset";

  HostBuffer A = HostBuffer::random(kF32, {4, 3}, 5), B = HostBuffer::random(kF32, {3, 6}, 6);
  HostBuffer C(kF32, {4, 6});
  View a(A), b(B), c(C);
  DLTensor* margs[3] = {&a.t, &b.t, &c.t};
  ASSERT_EQ(anvil_function_call(function("matmul"), margs, 3), ANVIL_OK) << anvil_last_error();
  EXPECT_TRUE(all_close(C, ops::ref::matmul(A, B), 1e-5, 1e-5));
}

// ---- bad modules

void expect_load_error(const std::string& path, int status, const std::vector<std::string>& parts) {
  AnvilModule* m = reinterpret_cast<AnvilModule*>(0x1);
  EXPECT_EQ(anvil_module_load(path.c_str(), &m), status) << anvil_last_error();
  EXPECT_EQ(m, nullptr);
  for (const std::string& p : parts)
    EXPECT_NE(std::string(anvil_last_error()).find(p), std::string::npos)
        << "'" << p << "' not in: " << anvil_last_error();
}

TEST_F(RuntimeModuleTest, MissingFile) {
  std::string path = dir_ + "/no_such_module.so";
  expect_load_error(path, ANVIL_ERROR_LOAD, {path, "No such file"});
}

TEST_F(RuntimeModuleTest, TruncatedModule) {
  std::string real = compile({add_func(8)}, "libreal.so");
  std::string path = dir_ + "/libtruncated.so";
  std::vector<char> bytes(1000);
  std::ifstream(real, std::ios::binary).read(bytes.data(), 1000);
  std::ofstream(path, std::ios::binary).write(bytes.data(), 1000);
  expect_load_error(path, ANVIL_ERROR_LOAD, {"cannot load module " + path + ": "});
}

TEST_F(RuntimeModuleTest, PlainTextFile) {
  std::string path = dir_ + "/notes.txt";
  std::ofstream(path) << "this is not a shared object\n";
  expect_load_error(path, ANVIL_ERROR_LOAD, {"cannot load module " + path, "invalid ELF header"});
}

TEST_F(RuntimeModuleTest, SharedObjectWithoutManifest) {
  std::string path = compile_c("int plain_function(void) { return 42; }\n", "libplain.so");
  expect_load_error(path, ANVIL_ERROR_LOAD, {path + " is not an Anvil module", "anvil_manifest"});
}

// A hand-written module: one kernel that fails with a message, and a manifest
// whose magic and ABI version come from macros.
std::string hand_module(const std::string& magic, const std::string& version) {
  return "#include <anvil/runtime.h>\n"
         "static const char* last_error(void) { return \"index 3 out of range\"; }\n"
         "static int32_t fails(void* const* args, int32_t num_args) { return -1; }\n"
         "static const int64_t shape[1] = {4};\n"
         "static const AnvilArgInfo args[1] = {{kDLFloat, 32, 1, 1, shape}};\n"
         "static const AnvilFunctionInfo functions[1] = {{\"fails\", fails, 1, args}};\n"
         "const AnvilManifest anvil_manifest = {" +
         magic + ", " + version + ", 1, functions, last_error};\n";
}

TEST_F(RuntimeModuleTest, AbiVersionMismatch) {
  std::string path = compile_c(hand_module("ANVIL_MANIFEST_MAGIC", "99"), "libabi99.so");
  expect_load_error(path, ANVIL_ERROR_ABI, {path, "ABI version 99", "implements ABI version 1"});
}

TEST_F(RuntimeModuleTest, BadMagic) {
  std::string path = compile_c(hand_module("0x12345678u", "ANVIL_ABI_VERSION"), "libmagic.so");
  expect_load_error(path, ANVIL_ERROR_ABI, {"bad Anvil manifest magic 0x12345678", "0x4c564e41"});
}

TEST_F(RuntimeModuleTest, KernelFailureCarriesTheModuleMessage) {
  load(compile_c(hand_module("ANVIL_MANIFEST_MAGIC", "ANVIL_ABI_VERSION"), "libfails.so"));
  std::vector<float> data(4);
  int64_t shape[1] = {4};
  DLTensor t{};
  t.data = data.data();
  t.device = {kDLCPU, 0};
  t.ndim = 1;
  t.dtype = {kDLFloat, 32, 1};
  t.shape = shape;
  DLTensor* args[1] = {&t};
  EXPECT_EQ(anvil_function_call(function("fails"), args, 1), ANVIL_ERROR_KERNEL);
  EXPECT_STREQ(anvil_last_error(), "fails failed: index 3 out of range");
}

TEST_F(RuntimeModuleTest, NullArgumentsToTheApi) {
  AnvilModule* m = nullptr;
  EXPECT_EQ(anvil_module_load(nullptr, &m), ANVIL_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(anvil_last_error(), "anvil_module_load: path is NULL");
  EXPECT_EQ(anvil_module_load("x.so", nullptr), ANVIL_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(anvil_module_num_functions(nullptr), 0);
  EXPECT_EQ(anvil_module_function_name(nullptr, 0), nullptr);
  AnvilFunction* f = nullptr;
  EXPECT_EQ(anvil_module_get_function(nullptr, "matmul", &f), ANVIL_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(anvil_function_call(nullptr, nullptr, 0), ANVIL_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(anvil_function_info(nullptr), nullptr);
  anvil_module_free(nullptr);  // no-op
}

// ---- bad arguments, on one compiled matmul A[7,13] x B[13,5]

class RuntimeSignatureTest : public RuntimeModuleTest {
 protected:
  void SetUp() override {
    RuntimeModuleTest::SetUp();
    load(compile({matmul_func(7, 5, 13, false)}, "libmatmul.so"));
    f_ = function("matmul");
  }
  // Calls with the args after `edit`; expects `status` and exactly `message`.
  template <typename Edit>
  void expect_error(Edit edit, int status, const std::string& message) {
    View a(A_), b(B_), c(C_);
    std::vector<DLTensor*> args = {&a.t, &b.t, &c.t};
    edit(args, a, b, c);
    EXPECT_EQ(anvil_function_call(f_, args.data(), static_cast<int>(args.size())), status);
    EXPECT_EQ(std::string(anvil_last_error()), message);
  }
  HostBuffer A_ = HostBuffer::random(kF32, {7, 13}, 1);
  HostBuffer B_ = HostBuffer::random(kF32, {13, 5}, 2);
  HostBuffer C_{kF32, {7, 5}};
  AnvilFunction* f_ = nullptr;
};

using Args = std::vector<DLTensor*>;

TEST_F(RuntimeSignatureTest, UnknownFunctionName) {
  AnvilFunction* f = reinterpret_cast<AnvilFunction*>(0x1);
  EXPECT_EQ(anvil_module_get_function(module_, "conv", &f), ANVIL_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(f, nullptr);
  EXPECT_NE(std::string(anvil_last_error()).find("has no function 'conv'; its functions are: matmul"),
            std::string::npos)
      << anvil_last_error();
}

TEST_F(RuntimeSignatureTest, WrongNumberOfArguments) {
  expect_error([](Args& args, View&, View&, View&) { args.pop_back(); },
               ANVIL_ERROR_INVALID_ARGUMENT, "matmul: expects 3 arguments, got 2");
}

TEST_F(RuntimeSignatureTest, WrongDtype) {
  expect_error([](Args&, View&, View& b, View&) { b.t.dtype = {kDLInt, 32, 1}; },
               ANVIL_ERROR_SIGNATURE, "matmul: argument 1 has dtype int32, expected float32");
  expect_error([](Args&, View&, View&, View& c) { c.t.dtype = {kDLFloat, 32, 4}; },
               ANVIL_ERROR_SIGNATURE, "matmul: argument 2 has dtype float32x4, expected float32");
}

TEST_F(RuntimeSignatureTest, WrongNdim) {
  expect_error([](Args&, View& a, View&, View&) { a.t.ndim = 3; a.shape.push_back(1); a.t.shape = a.shape.data(); },
               ANVIL_ERROR_SIGNATURE, "matmul: argument 0 has 3 dimensions, expected 2");
}

TEST_F(RuntimeSignatureTest, WrongShape) {
  expect_error([](Args&, View&, View& b, View&) { b.shape = {7, 13}; b.t.shape = b.shape.data(); },
               ANVIL_ERROR_SIGNATURE, "matmul: argument 1 has shape [7, 13], expected [13, 5]");
}

TEST_F(RuntimeSignatureTest, NonCompactStrides) {
  int64_t transposed[2] = {1, 7};
  expect_error([&](Args&, View& a, View&, View&) { a.t.strides = transposed; },
               ANVIL_ERROR_SIGNATURE,
               "matmul: argument 0 has strides [1, 7], expected compact row-major [13, 1] (or "
               "NULL strides)");
}

TEST_F(RuntimeSignatureTest, CompactStridesAreAccepted) {
  View a(A_), b(B_), c(C_);
  int64_t strides[2] = {13, 1};
  a.t.strides = strides;
  DLTensor* args[3] = {&a.t, &b.t, &c.t};
  ASSERT_EQ(anvil_function_call(f_, args, 3), ANVIL_OK) << anvil_last_error();
  EXPECT_TRUE(all_close(C_, ops::ref::matmul(A_, B_), 1e-5, 1e-5));
}

TEST_F(RuntimeSignatureTest, NullTensorDataAndArray) {
  expect_error([](Args& args, View&, View&, View&) { args[2] = nullptr; },
               ANVIL_ERROR_INVALID_ARGUMENT, "matmul: argument 2 is a NULL DLTensor");
  expect_error([](Args&, View& a, View&, View&) { a.t.data = nullptr; },
               ANVIL_ERROR_INVALID_ARGUMENT, "matmul: argument 0 has NULL data");
  expect_error([](Args&, View& a, View&, View&) { a.t.shape = nullptr; },
               ANVIL_ERROR_INVALID_ARGUMENT, "matmul: argument 0 has ndim 2 and a NULL shape");
  EXPECT_EQ(anvil_function_call(f_, nullptr, 3), ANVIL_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(anvil_last_error(), "matmul: the argument array is NULL (expected 3 DLTensors)");
}

TEST_F(RuntimeSignatureTest, NonCpuDevice) {
  expect_error([](Args&, View&, View&, View& c) { c.t.device = {kDLCUDA, 0}; },
               ANVIL_ERROR_SIGNATURE, "matmul: argument 2 is on device type 2 (kDLCUDA), expected kDLCPU");
}

TEST_F(RuntimeSignatureTest, MisalignedByteOffset) {
  View a(A_), b(B_), c(C_);
  a.t.byte_offset = 2;
  DLTensor* args[3] = {&a.t, &b.t, &c.t};
  EXPECT_EQ(anvil_function_call(f_, args, 3), ANVIL_ERROR_SIGNATURE);
  EXPECT_NE(std::string(anvil_last_error()).find("argument 0's data + byte_offset"), std::string::npos)
      << anvil_last_error();
}

}  // namespace
