// Structural equality and hashing: alpha-equivalence of bound variables, a
// bijection on free variables, and sensitivity to every constant, type and
// attribute; equal trees hash equally, different ones (almost always) not.
#include <gtest/gtest.h>

#include <set>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/StructuralEqual.h"

using namespace anvil;

namespace {

Var handle(const char* name) { return Var(name, DataType::Handle()); }

Stmt loop(const char* var_name, Expr extent, ForKind kind = ForKind::Serial,
          Var buffer = Var()) {
  Var i(var_name);
  if (!buffer.defined()) buffer = handle("A");
  return For::make(i, Expr(0), extent, kind, Store::make(buffer, Expr(1.0f), Mul::make(i, Expr(2))));
}

}  // namespace

TEST(StructuralEqual, BoundVariablesAreAlphaEquivalent) {
  Var A = handle("A");
  Stmt a = loop("i", Expr(16), ForKind::Serial, A);
  Stmt b = loop("j", Expr(16), ForKind::Serial, A);
  EXPECT_TRUE(structural_equal(a, b));
  EXPECT_EQ(structural_hash(a), structural_hash(b));
  // Free buffers with different names still correspond.
  Stmt c = loop("k", Expr(16), ForKind::Serial, handle("Out"));
  EXPECT_TRUE(structural_equal(a, c));
  EXPECT_EQ(structural_hash(a), structural_hash(c));

  Var x("x"), y("y");
  Expr la = Let::make(x, Expr(1), Add::make(x, x));
  Expr lb = Let::make(y, Expr(1), Add::make(y, y));
  EXPECT_TRUE(structural_equal(la, lb));
  EXPECT_EQ(structural_hash(la), structural_hash(lb));
  // Same shape, but the body uses the bound var in one and a free var in the other.
  Var z("z");
  EXPECT_FALSE(structural_equal(la, Let::make(y, Expr(1), Add::make(y, z))));
}

TEST(StructuralEqual, FreeVariablesFormABijection) {
  Var x("x"), y("y"), p("p"), q("q");
  EXPECT_TRUE(structural_equal(Add::make(x, y), Add::make(p, q)));
  EXPECT_FALSE(structural_equal(Add::make(x, y), Add::make(x, x)));
  EXPECT_FALSE(structural_equal(Add::make(x, x), Add::make(x, y)));
  EXPECT_TRUE(structural_equal(Add::make(x, y), Add::make(y, x)));  // renaming x<->y
  EXPECT_FALSE(structural_equal(Sub::make(Add::make(x, y), x), Sub::make(Add::make(p, q), q)));
  // Variables of different types never correspond.
  EXPECT_FALSE(structural_equal(Expr(x), Expr(Var("x", DataType::Int(64)))));
}

TEST(StructuralEqual, ConstantsTypesAndAttributesMatter) {
  Var x("x");
  EXPECT_FALSE(structural_equal(Add::make(x, Expr(1)), Add::make(x, Expr(2))));
  EXPECT_FALSE(structural_equal(Expr(1), Expr(int64_t{1})));
  EXPECT_FALSE(structural_equal(Expr(1.0f), Expr(1.0)));
  EXPECT_FALSE(structural_equal(Expr(0.0f), Expr(-0.0f)));
  EXPECT_TRUE(structural_equal(Expr(2.5f), Expr(2.5f)));
  EXPECT_FALSE(structural_equal(Div::make(x, Expr(2)), FloorDiv::make(x, Expr(2))));
  EXPECT_FALSE(structural_equal(Cast::make(DataType::Int(8), x), Cast::make(DataType::Int(16), x)));
  EXPECT_FALSE(structural_equal(StringImm::make("a"), StringImm::make("b")));
  EXPECT_FALSE(structural_equal(Call::make(DataType::Float(32), "exp", {Expr(1.0f)}),
                                Call::make(DataType::Float(32), "log", {Expr(1.0f)})));
  EXPECT_FALSE(structural_equal(
      Call::make(DataType::Float(32), "exp", {Expr(1.0f)}),
      Call::make(DataType::Float(32), "exp", {Expr(1.0f)}, CallKind::Extern)));

  Var A = handle("A");
  EXPECT_FALSE(structural_equal(loop("i", Expr(16), ForKind::Serial, A),
                                loop("i", Expr(16), ForKind::Parallel, A)));
  EXPECT_FALSE(structural_equal(loop("i", Expr(16), ForKind::Serial, A),
                                loop("i", Expr(8), ForKind::Serial, A)));
  Var i("i");
  Stmt body = Evaluate::make(Expr(0));
  EXPECT_FALSE(structural_equal(
      For::make(i, Expr(0), Expr(4), ForKind::GPUBlock, body, "blockIdx.x"),
      For::make(i, Expr(0), Expr(4), ForKind::GPUBlock, body, "blockIdx.y")));
  EXPECT_FALSE(structural_equal(
      For::make(i, Expr(0), Expr(4), ForKind::Serial, body, "", {{"unroll", Expr(1)}}),
      For::make(i, Expr(0), Expr(4), ForKind::Serial, body, "", {{"unroll", Expr(2)}})));
  EXPECT_FALSE(structural_equal(
      Allocate::make(A, DataType::Float(32), {Expr(4)}, "local", body),
      Allocate::make(A, DataType::Float(32), {Expr(4)}, "shared", body)));
  EXPECT_FALSE(structural_equal(
      Allocate::make(A, DataType::Float(32), {Expr(4)}, "local", body),
      Allocate::make(A, DataType::Float(16), {Expr(4)}, "local", body)));
  EXPECT_FALSE(structural_equal(Store::make(A, Expr(1.0f), i),
                                Store::make(A, Expr(1.0f), i, const_true())));
  EXPECT_FALSE(structural_equal(IfThenElse::make(LT::make(i, Expr(2)), body),
                                IfThenElse::make(LT::make(i, Expr(2)), body, body)));
  EXPECT_FALSE(structural_equal(AssertStmt::make(const_true(), "a"),
                                AssertStmt::make(const_true(), "b")));
}

TEST(StructuralEqual, Functions) {
  Var A = handle("A"), B = handle("B");
  LoweredFunc f{"f", {{A, DataType::Float(32), {4}}}, loop("i", Expr(4), ForKind::Serial, A)};
  LoweredFunc g{"f", {{B, DataType::Float(32), {4}}}, loop("j", Expr(4), ForKind::Serial, B)};
  EXPECT_TRUE(structural_equal(f, g));
  EXPECT_EQ(structural_hash(f), structural_hash(g));
  LoweredFunc h = g;
  h.args[0].shape = {8};
  EXPECT_FALSE(structural_equal(f, h));
  h = g;
  h.name = "g";
  EXPECT_FALSE(structural_equal(f, h));
  h = g;
  h.args[0].dtype = DataType::Int(32);
  EXPECT_FALSE(structural_equal(f, h));
}

TEST(StructuralEqual, HashIsConsistentAndDiscriminating) {
  Var x("x"), y("y"), A = handle("A");
  std::vector<Expr> exprs = {
      Expr(1), Expr(2), Expr(int64_t{1}), Expr(1.0f), Expr(1.0), Expr(x),
      Add::make(x, y), Add::make(y, y), Sub::make(x, y), Mul::make(x, y), Div::make(x, y),
      FloorDiv::make(x, y), Min::make(x, y), Max::make(x, y), LT::make(x, y), LE::make(x, y),
      Add::make(x, Expr(1)), Add::make(Expr(1), x), Cast::make(DataType::Int(8), x),
      Cast::make(DataType::Int(16), x), Broadcast::make(x, 4), Broadcast::make(x, 8),
      Ramp::make(x, Expr(1), 4), Ramp::make(x, Expr(2), 4),
      Load::make(DataType::Float(32), A, x), Load::make(DataType::Int(32), A, x),
      Call::make(DataType::Float(32), "exp", {Expr(1.0f)}),
      Call::make(DataType::Float(32), "log", {Expr(1.0f)}),
      Let::make(Var("t"), x, Add::make(x, x)), StringImm::make("s"), StringImm::make("t"),
  };
  std::set<size_t> hashes;
  for (size_t a = 0; a < exprs.size(); ++a) {
    hashes.insert(structural_hash(exprs[a]));
    for (size_t b = 0; b < exprs.size(); ++b) {
      EXPECT_EQ(structural_equal(exprs[a], exprs[b]), a == b) << a << " vs " << b;
    }
  }
  EXPECT_EQ(hashes.size(), exprs.size());
  // Rebuilding the same trees from new variables gives the same hashes.
  Var x2("other"), y2("names");
  EXPECT_EQ(structural_hash(Add::make(x, y)), structural_hash(Add::make(x2, y2)));
  EXPECT_EQ(structural_hash(Let::make(Var("t"), x, Add::make(x, x))),
            structural_hash(Let::make(Var("u"), x2, Add::make(x2, x2))));
  EXPECT_NE(structural_hash(loop("i", Expr(4))), structural_hash(loop("i", Expr(5))));
  EXPECT_NE(structural_hash(loop("i", Expr(4))),
            structural_hash(loop("i", Expr(4), ForKind::Vectorized)));
}
