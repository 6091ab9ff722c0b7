// Errors of the C backend and of Module::call: each message names the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "CTestUtil.h"
#include "anvil/ir/te/Operation.h"
#include "anvil/support/Error.h"
#include "anvil/targets/c/CodeGenC.h"

using namespace anvil;
using namespace anvil::test;

namespace {

const DataType f32 = DataType::Float(32);

template <typename E = UserError>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no error)";
}

LoweredFunc copy_func(const std::string& name) {
  Var a = buffer("A"), b = buffer("B"), i("i");
  return {name, {arg(a, f32, 4), arg(b, f32, 4)}, loop(i, 0, 4, st(b, ld(f32, a, i), i))};
}

}  // namespace

TEST(CodeGenCErrors, CallErrors) {
  // The assert sits inside a parallel loop with a live heap buffer, and also at top level.
  Var a = buffer("A"), b = buffer("B"), tmp = buffer("tmp"), i("i");
  Stmt par = loop(i, 0, 64,
                  Allocate::make(tmp, f32, {Expr(1024)}, "global",
                                 Seq::make({st(tmp, ld(f32, a, i), 0),
                                            AssertStmt::make(ld(f32, tmp, 0) >= 0.0f,
                                                             "input must be non-negative"),
                                            st(b, ld(f32, tmp, 0), i)})),
                  ForKind::Parallel);
  Stmt top = Seq::make({AssertStmt::make(ld(f32, a, 0) < 100.0f, "A[0] is \"too\" large"),
                        st(b, ld(f32, a, 0), 0)});
  Module m = build_module({copy_func("copy"),
                           {"checked", {arg(a, f32, 64), arg(b, f32, 64)}, par},
                           {"top", {arg(a, f32, 1), arg(b, f32, 1)}, top}},
                          Target::parse("c"));
  std::vector<float> x(64, 1.0f), y(64, 0.0f);
  std::string unknown = error_of([&] { m.call("cpy", {x.data(), y.data()}); });
  EXPECT_NE(unknown.find("no function 'cpy'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("copy, checked, top"), std::string::npos) << unknown;
  std::string count = error_of([&] { m.call("copy", {x.data()}); });
  EXPECT_NE(count.find("expects 2 buffers, got 1"), std::string::npos) << count;

  m.call("checked", {x.data(), y.data()});
  EXPECT_EQ(y[63], 1.0f);
  x[40] = -1.0f;
  std::string assert_msg = error_of([&] { m.call("checked", {x.data(), y.data()}); });
  EXPECT_NE(assert_msg.find("function 'checked' failed: input must be non-negative"),
            std::string::npos)
      << assert_msg;
  // The module still works after a failure.
  x[40] = 2.0f;
  m.call("checked", {x.data(), y.data()});
  EXPECT_EQ(y[40], 2.0f);
  x[0] = 1000.0f;
  std::string top_msg = error_of([&] { m.call("top", {x.data(), y.data()}); });
  EXPECT_NE(top_msg.find("A[0] is \"too\" large"), std::string::npos) << top_msg;
}

TEST(CodeGenCErrors, CodegenRefusals) {
  Target c = Target::parse("c");
  std::string bad = error_of([&] { codegen_c({copy_func("my-kernel")}, c); });
  EXPECT_NE(bad.find("'my-kernel' is not a valid C identifier"), std::string::npos) << bad;
  EXPECT_NE(error_of([&] { codegen_c({copy_func("2x")}, c); }), "(no error)");
  EXPECT_NE(error_of([&] { codegen_c({copy_func("for")}, c); }), "(no error)");
  std::string dup = error_of([&] { codegen_c({copy_func("f"), copy_func("f")}, c); });
  EXPECT_NE(dup.find("two functions named 'f'"), std::string::npos) << dup;

  Var a = buffer("A"), b = buffer("B"), i("i");
  LoweredFunc gpu{"gpu", {arg(a, f32, 4), arg(b, f32, 4)},
                  For::make(i, 0, 4, ForKind::GPUThread, st(b, ld(f32, a, i), i), "threadIdx.x")};
  std::string gpu_msg = error_of([&] { codegen_c({gpu}, c); });
  EXPECT_NE(gpu_msg.find("threadIdx.x"), std::string::npos) << gpu_msg;
  EXPECT_NE(gpu_msg.find("C target cannot run"), std::string::npos) << gpu_msg;

  DataType i4 = DataType::Int(4);
  LoweredFunc packed{"packed", {arg(a, i4, 8), arg(b, i4, 8)},
                     loop(i, 0, 8, st(b, ld(i4, a, i), i))};
  std::string packed_msg = error_of([&] { codegen_c({packed}, c); });
  EXPECT_NE(packed_msg.find("packed sub-byte buffers need the packing pass"), std::string::npos)
      << packed_msg;

  LoweredFunc unknown{"unk", {arg(a, f32, 4), arg(b, f32, 4)},
                      loop(i, 0, 4, st(b, Call::make(f32, "frobnicate", {ld(f32, a, i)}), i))};
  std::string unk_msg = error_of([&] { codegen_c({unknown}, c); });
  EXPECT_NE(unk_msg.find("unknown intrinsic 'frobnicate'"), std::string::npos) << unk_msg;
  EXPECT_NE(unk_msg.find("popcount"), std::string::npos) << unk_msg;

  Var free_var("n");
  LoweredFunc unbound{"unbound", {arg(a, f32, 4), arg(b, f32, 4)},
                      loop(i, 0, free_var, st(b, ld(f32, a, i), i))};
  std::string unbound_msg = error_of([&] { codegen_c({unbound}, c); });
  EXPECT_NE(unbound_msg.find("variable 'n' is used but not defined"), std::string::npos)
      << unbound_msg;

  // Tensor-level IR is a bug in the caller's pipeline, not a user error.
  Tensor t = placeholder({Expr(4)}, f32, "T");
  LoweredFunc tensor_level{"tl", {arg(a, f32, 4)},
                           loop(i, 0, 4, st(a, t(i), i))};
  std::string tl_msg = error_of<InternalError>([&] { codegen_c({tensor_level}, c); });
  EXPECT_NE(tl_msg.find("not lowered"), std::string::npos) << tl_msg;
}

TEST(CodeGenCErrors, CompilerFailureKeepsSource) {
  // An extern call whose declaration clashes with libc's fails to compile.
  Var a = buffer("A"), i("i");
  LoweredFunc clash{"clash", {arg(a, f32, 4)},
                    loop(i, 0, 4, st(a, Call::make(f32, "strlen", {ld(f32, a, i)}, CallKind::Extern), i))};
  std::string msg = error_of([&] { build_module({clash}, Target::parse("c")); });
  EXPECT_NE(msg.find("C compiler failed"), std::string::npos) << msg;
  EXPECT_NE(msg.find("module.c (kept)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("strlen"), std::string::npos) << msg;
  size_t begin = msg.find(" on "), end = msg.find("/module.c (kept)");
  if (begin != std::string::npos && end != std::string::npos)
    std::filesystem::remove_all(msg.substr(begin + 4, end - begin - 4));
}
