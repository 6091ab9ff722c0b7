// The text form: every loop-level node kind survives print -> parse ->
// structural_equal, key forms print exactly as documented, tensor-level nodes
// print readably, and parse errors name line and column.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/StructuralEqual.h"
#include "anvil/ir/te/Operation.h"
#include "anvil/support/Error.h"

using namespace anvil;

namespace {

void expect_round_trip(const Expr& e) {
  std::string text = to_string(e);
  Expr back;
  ASSERT_NO_THROW(back = parse_expr(text)) << text;
  EXPECT_TRUE(structural_equal(e, back)) << text << "\nreparsed as\n" << to_string(back);
  EXPECT_EQ(to_string(back), text);
}

void expect_round_trip(const Stmt& s) {
  std::string text = to_string(s);
  Stmt back;
  ASSERT_NO_THROW(back = parse_stmt(text)) << text;
  EXPECT_TRUE(structural_equal(s, back)) << text << "\nreparsed as\n" << to_string(back);
  EXPECT_EQ(to_string(back), text);
}

Var handle(const char* name) { return Var(name, DataType::Handle()); }

std::string parse_error(const std::string& text) {
  try {
    parse_stmt(text);
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(Printer, ImmediatesRoundTrip) {
  for (Expr e : {Expr(3), Expr(-7), Expr(int64_t{1} << 40), IntImm::make(DataType::Int(8), -3),
                 IntImm::make(DataType::UInt(4), 7), IntImm::make(DataType::UInt(64), -1),
                 IntImm::make(DataType::Int(64), std::numeric_limits<int64_t>::min()),
                 const_true(), const_false(), Expr(1.5f), Expr(0.1f), Expr(0.1), Expr(-2.0),
                 Expr(1e-30), FloatImm::make(DataType::Float(16), 1.5),
                 FloatImm::make(DataType::BFloat16(), -0.25),
                 FloatImm::make(DataType::Float(32), std::numeric_limits<double>::infinity()),
                 FloatImm::make(DataType::Float(64), -std::numeric_limits<double>::infinity()),
                 FloatImm::make(DataType::Float(32), std::nan("")), StringImm::make("a \"q\"\n\\")}) {
    expect_round_trip(e);
  }
  EXPECT_EQ(to_string(Expr(3)), "3");
  EXPECT_EQ(to_string(IntImm::make(DataType::Int(8), -3)), "-3i8");
  EXPECT_EQ(to_string(IntImm::make(DataType::UInt(4), 7)), "7u4");
  EXPECT_EQ(to_string(Expr(1.5f)), "1.5f");
  EXPECT_EQ(to_string(Expr(2.0)), "2.0");
  EXPECT_EQ(to_string(FloatImm::make(DataType::Float(16), 1.5)), "1.5f16");
  EXPECT_EQ(to_string(const_true()), "true");
  EXPECT_EQ(to_string(StringImm::make("a\"b")), "\"a\\\"b\"");
}

TEST(Printer, ArithmeticAndLogicRoundTrip) {
  Var x("x"), y("y");
  Var b("b", DataType::Bool()), f("f", DataType::Float(32));
  std::vector<Expr> exprs = {
      Add::make(x, y), Sub::make(x, y), Mul::make(x, y), Div::make(x, y), Mod::make(x, y),
      FloorDiv::make(x, y), FloorMod::make(x, y), Min::make(x, y), Max::make(x, y),
      EQ::make(x, y), NE::make(x, y), LT::make(x, y), LE::make(x, y), GT::make(x, y),
      GE::make(x, y), And::make(b, LT::make(x, y)), Or::make(b, b), Not::make(b),
      BitAnd::make(x, y), BitOr::make(x, y), BitXor::make(x, y), BitNot::make(x),
      Shl::make(x, y), Shr::make(x, Expr(-2)), Select::make(b, x, y),
      Cast::make(DataType::Float(32), x), Cast::make(DataType::Int(8), Expr(3)),
      Reinterpret::make(DataType::Int(32), f), Add::make(f, Expr(0.5f)),
      Sub::make(x, Sub::make(y, Expr(-1))),
  };
  for (const Expr& e : exprs) expect_round_trip(e);
  EXPECT_EQ(to_string(Div::make(x, y)), "(x / y)");
  EXPECT_EQ(to_string(FloorMod::make(x, y)), "floormod(x, y)");
  EXPECT_EQ(to_string(Select::make(LT::make(x, y), x, y)), "select((x < y), x, y)");
  EXPECT_EQ(to_string(Cast::make(DataType::Float(32), x)), "float32(x)");
  // A cast of a literal is distinguishable from a typed literal.
  EXPECT_EQ(to_string(Cast::make(DataType::Int(8), Expr(3))), "int8(3)");
  EXPECT_NE(to_string(IntImm::make(DataType::Int(8), 3)), "int8(3)");
}

TEST(Printer, VectorsLoadsCallsLetRoundTrip) {
  Var i("i"), A = handle("A");
  Expr ramp = Ramp::make(Mul::make(i, Expr(8)), Expr(1), 8);
  Expr mask = LT::make(ramp, Broadcast::make(Expr(100), 8));
  Expr load = Load::make(DataType::Float(32, 8), A, ramp, mask);
  for (Expr e : {ramp, Broadcast::make(Expr(0.0f), 4), load,
                 Load::make(DataType::Int(8), A, i),
                 Call::make(DataType::Float(32), "exp", {Expr(1.0f)}),
                 Call::make(DataType::Int(32), "foo", {i, Expr(2)}, CallKind::Extern),
                 Call::make(DataType::Handle(), "tvm.weird-name", {}, CallKind::Intrinsic),
                 Let::make(Var("t"), Add::make(i, Expr(1)), Mul::make(Var("t"), Expr(2)))}) {
    expect_round_trip(e);
  }
  Var t("t");
  expect_round_trip(Let::make(t, Add::make(i, Expr(1)), Mul::make(t, t)));
  EXPECT_EQ(to_string(load),
            "float32x8 A[ramp((i * 8), 1, 8) if (ramp((i * 8), 1, 8) < broadcast(100, 8))]");
  EXPECT_EQ(to_string(Call::make(DataType::Float(32), "exp", {Expr(1.0f)})), "float32 exp(1.0f)");
  EXPECT_EQ(to_string(Let::make(t, Expr(1), Mul::make(t, t))), "(let t = 1 in (t * t))");
}

TEST(Printer, FreeVariablesWithTypesAndNameClashes) {
  Var i1("i"), i2("i");
  Var f("f", DataType::Float(32)), big("n", DataType::Int(64));
  Expr e = Add::make(i1, i2);
  EXPECT_EQ(to_string(e), "(i + i_1)");
  expect_round_trip(e);
  Expr fe = Add::make(f, f);
  EXPECT_EQ(to_string(fe), "((f: float32) + f)");
  expect_round_trip(fe);
  expect_round_trip(Mul::make(big, Cast::make(DataType::Int(64), i1)));
  // Keywords and type names are renamed so they stay variables.
  Var kw("for"), ty("int32");
  Expr k = Add::make(kw, ty);
  EXPECT_EQ(to_string(k), "(for_1 + int32_1)");
  expect_round_trip(k);
}

TEST(Printer, ForLoopWithVectorStoreExact) {
  Var i("i"), A = handle("A"), B = handle("B");
  Expr idx = Ramp::make(Mul::make(i, Expr(8)), Expr(1), 8);
  LoweredFunc f;
  f.name = "add_one";
  f.args = {{A, DataType::Float(32), {16, 8}}, {B, DataType::Float(32), {128}}};
  f.body = For::make(i, Expr(0), Expr(16), ForKind::Parallel,
                     Store::make(B, Add::make(Load::make(DataType::Float(32, 8), A, idx),
                                              Broadcast::make(Expr(1.0f), 8)),
                                 idx));
  std::string expected =
      "func add_one(A: float32[16, 8], B: float32[128]) {\n"
      "  for (i, 0, 16) parallel {\n"
      "    B[ramp((i * 8), 1, 8)] = (A[ramp((i * 8), 1, 8)] + broadcast(1.0f, 8))\n"
      "  }\n"
      "}\n";
  EXPECT_EQ(to_string(f), expected);
  LoweredFunc back = parse_func(expected);
  EXPECT_TRUE(structural_equal(f, back)) << to_string(back);
  EXPECT_EQ(to_string(back), expected);
  EXPECT_TRUE(text_is_func(expected));
  EXPECT_FALSE(text_is_func("A[0] = 1"));
}

TEST(Printer, AllocateExact) {
  Var B = handle("B"), j("j");
  Stmt s = Allocate::make(B, DataType::Float(32), {Expr(16), Expr(4)}, "local",
                          For::make(j, Expr(0), Expr(64), ForKind::Unrolled,
                                    Store::make(B, Expr(0.0f), j)));
  std::string expected =
      "allocate B float32[16, 4] \"local\" {\n"
      "  for (j, 0, 64) unrolled {\n"
      "    B[j] = 0.0f\n"
      "  }\n"
      "}\n";
  EXPECT_EQ(to_string(s), expected);
  expect_round_trip(s);
}

TEST(Printer, EveryStatementKindRoundTrips) {
  Var i("i"), j("j"), n("n"), x("x"), A = handle("A"), T = handle("T");
  Expr cond = LT::make(i, n);
  Stmt store = Store::make(A, Cast::make(DataType::Float(32), i), i);
  Stmt pstore = Store::make(A, Broadcast::make(Expr(1.0f), 4), Ramp::make(i, Expr(1), 4),
                            LT::make(Ramp::make(i, Expr(1), 4), Broadcast::make(n, 4)));
  std::vector<Stmt> stmts = {
      store,
      pstore,
      LetStmt::make(x, Add::make(i, Expr(1)), Store::make(A, Expr(2.0f), x)),
      // A LetStmt that is not last in its block prints with braces.
      Seq::make({LetStmt::make(x, Expr(3), Store::make(A, Expr(2.0f), x)), store}),
      AssertStmt::make(cond, "i out of \"range\""),
      For::make(i, Expr(0), n, ForKind::Serial, store),
      For::make(i, Expr(0), Expr(8), ForKind::Vectorized, store),
      For::make(i, Expr(0), Expr(32), ForKind::GPUBlock,
                For::make(j, Expr(0), Expr(64), ForKind::GPUThread,
                          Store::make(A, Expr(1.0f), Add::make(Mul::make(i, Expr(64)), j)),
                          "threadIdx.x"),
                "blockIdx.x"),
      For::make(i, Expr(0), Expr(4), ForKind::Unrolled, store, "",
                {{"unroll_explicit", Expr(1)}, {"note", StringImm::make("x")}}),
      For::make(Var("k", DataType::Int(64)), Expr(int64_t{0}), Expr(int64_t{5}),
                ForKind::Serial, Evaluate::make(Expr(0))),
      Allocate::make(T, DataType::Int(8), {n}, "shared",
                     Store::make(T, IntImm::make(DataType::Int(8), 1), Expr(0))),
      Seq::make({store, Evaluate::make(Call::make(DataType::Int(32), "f", {i}, CallKind::Extern))}),
      IfThenElse::make(cond, store),
      IfThenElse::make(cond, store, pstore),
      IfThenElse::make(cond, store, IfThenElse::make(GT::make(i, Expr(2)), pstore, store)),
      Evaluate::make(Expr(0)),
      Seq::make({}),
  };
  for (const Stmt& s : stmts) expect_round_trip(s);
  EXPECT_EQ(to_string(IfThenElse::make(cond, store, pstore)),
            "if ((i < n)) {\n  A[i] = float32(i)\n} else {\n"
            "  A[ramp(i, 1, 4) if (ramp(i, 1, 4) < broadcast(n, 4))] = broadcast(1.0f, 4)\n}\n");
  EXPECT_EQ(to_string(stmts[2]), "let x = (i + 1)\nA[x] = 2.0f\n");
}

TEST(Printer, ShadowedAndReusedBindings) {
  // The same Var object bound by two sibling loops, and two different loop
  // variables both named i: each must come back as the same structure.
  Var i("i"), i2("i"), A = handle("A");
  Stmt loop1 = For::make(i, Expr(0), Expr(4), ForKind::Serial, Store::make(A, Expr(1.0f), i));
  Stmt loop2 = For::make(i2, Expr(0), Expr(4), ForKind::Serial,
                         For::make(i, Expr(0), Expr(2), ForKind::Serial,
                                   Store::make(A, Expr(1.0f), Add::make(i, i2))));
  Stmt s = Seq::make({loop1, loop1, loop2});
  expect_round_trip(s);
  EXPECT_NE(to_string(s).find("i_1"), std::string::npos);
}

TEST(Printer, ParsesHandWrittenText) {
  // C precedence, comments, implicit int32 free variables and literal coercion.
  Stmt s = parse_stmt(
      "// a comment\n"
      "allocate B float32[4] \"global\" {\n"
      "  for (i, 0, n) {\n"
      "    B[i] = B[i] * 2.0f + 1   // the 1 adopts float32\n"
      "  }\n"
      "}\n");
  const Allocate* a = s.as<Allocate>();
  ASSERT_TRUE(a);
  const For* loop = a->body.as<For>();
  ASSERT_TRUE(loop);
  EXPECT_EQ(loop->extent.as<Variable>()->name, "n");
  const Store* store = loop->body.as<Store>();
  ASSERT_TRUE(store);
  const Add* add = store->value.as<Add>();
  ASSERT_TRUE(add);
  EXPECT_TRUE(add->a.as<Mul>());
  EXPECT_EQ(add->b.type(), DataType::Float(32));
  Expr e = parse_expr("1 + 2 * 3 < 4 && !(x == 5)");
  EXPECT_TRUE(e.as<And>());
  EXPECT_EQ(to_string(e), "(((1 + (2 * 3)) < 4) && !(x == 5))");
}

TEST(Printer, ParseErrorsNameLineAndColumn) {
  EXPECT_EQ(parse_error("A[0] = 1f\nfor (i, 0 16) {\n}\n").substr(0, 5), "2:11:");
  std::string missing_brace = parse_error("for (i, 0, 4) {\n  A[i] = 1f\n");
  EXPECT_EQ(missing_brace.substr(0, 4), "3:1:") << missing_brace;
  EXPECT_NE(missing_brace.find("'}'"), std::string::npos) << missing_brace;
  std::string unknown_type = parse_error("A[0] = float33(x)");
  EXPECT_NE(unknown_type.find("1:8:"), std::string::npos) << unknown_type;
  std::string untyped_load = parse_error("A[0] = B[1]");
  EXPECT_EQ(untyped_load.substr(0, 4), "1:8:") << untyped_load;
  EXPECT_NE(untyped_load.find("element type"), std::string::npos) << untyped_load;
  std::string mismatch = parse_error("A[0] = (x: float32) + (y: int8)");
  EXPECT_EQ(mismatch.substr(0, 5), "1:21:") << mismatch;
  EXPECT_NE(parse_error("A[0] = 3x8").find("suffix"), std::string::npos);
  EXPECT_NE(parse_error("let = 3").find("1:5:"), std::string::npos);
  EXPECT_THROW(parse_expr("(1 + 2"), UserError);
  EXPECT_THROW(parse_expr("1 2"), UserError);
}

TEST(Printer, TensorLevelNodesPrintReadably) {
  Tensor A = placeholder({Expr(16), Expr(8)}, DataType::Float(32), "A");
  IterVar k = reduce_axis(Range(Expr(0), Expr(8)), "k");
  Var i("i");
  Expr r = sum(A(i, k.var()), {k});
  std::string text = to_string(r);
  EXPECT_NE(text.find("reduce("), std::string::npos) << text;
  EXPECT_NE(text.find("A(i, k)"), std::string::npos) << text;
  EXPECT_NE(text.find("k in [0, 8)"), std::string::npos) << text;
  Tensor C = placeholder({Expr(16)}, DataType::Float(32), "C");
  Stmt s = Realize::make(C, {Range(Expr(0), Expr(16))}, "global",
                         TensorStore::make(C, r, {i}));
  std::string stext = to_string(s);
  EXPECT_EQ(stext.substr(0, 31), "realize C([0, 16]) \"global\" {\n ") << stext;
  EXPECT_NE(stext.find("  C(i) = reduce("), std::string::npos) << stext;
  EXPECT_THROW(parse_stmt(stext), UserError);
  EXPECT_THROW(parse_expr("A(i, k)"), UserError);
}
