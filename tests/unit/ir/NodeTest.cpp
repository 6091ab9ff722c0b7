// One test per IR node kind: construction, typing, invariant checks, and that
// the default visitor reaches and the default mutator preserves every node.
#include <gtest/gtest.h>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Substitute.h"
#include "anvil/ir/te/Operation.h"
#include "anvil/support/Error.h"

using namespace anvil;

namespace {

class Identity : public IRMutator {
 public:
  using IRMutator::mutate;
};

int count_nodes(const Stmt& s) {
  int n = 0;
  post_order_visit(s, [&](const IRNode*) { n++; });
  return n;
}

}  // namespace

TEST(IRNode, Immediates) {
  Expr i = IntImm::make(DataType::Int(8), 300);  // wraps to the type's width
  EXPECT_EQ(i.as<IntImm>()->value, 300 - 256);
  EXPECT_EQ(IntImm::make(DataType::UInt(4), 17).as<IntImm>()->value, 1);
  Expr f = FloatImm::make(DataType::Float(32), 0.1);
  EXPECT_EQ(f.as<FloatImm>()->value, static_cast<double>(0.1f));
  EXPECT_EQ(StringImm::make("hi").as<StringImm>()->value, "hi");
  EXPECT_THROW(IntImm::make(DataType::Float(32), 1), InternalError);
}

TEST(IRNode, VariablesAreObjects) {
  Var a("x"), b("x");
  EXPECT_FALSE(a.same_as(b));
  EXPECT_TRUE(a.same_as(Var(a.get())));
  EXPECT_EQ(a.type(), DataType::Int(32));
}

TEST(IRNode, BinaryArithmeticAndComparisons) {
  Var x("x"), y("y");
  EXPECT_TRUE((x + y).as<Add>());
  EXPECT_TRUE((x - y).as<Sub>());
  EXPECT_TRUE((x * y).as<Mul>());
  EXPECT_TRUE((x / y).as<FloorDiv>());
  EXPECT_TRUE((x % y).as<FloorMod>());
  EXPECT_TRUE(truncdiv(x, y).as<Div>());
  EXPECT_TRUE(truncmod(x, y).as<Mod>());
  EXPECT_TRUE(min(x, y).as<Min>());
  EXPECT_TRUE(max(x, y).as<Max>());
  Var f("f", DataType::Float(32));
  EXPECT_TRUE((f / 2.0f).as<Div>());
  for (Expr c : {x == y, x != y, x < y, x <= y, x > y, x >= y}) {
    EXPECT_EQ(c.type(), DataType::Bool());
  }
  EXPECT_TRUE((x == y).as<EQ>());
  EXPECT_TRUE((x != y).as<NE>());
  EXPECT_TRUE((x < y).as<LT>());
  EXPECT_TRUE((x <= y).as<LE>());
  EXPECT_TRUE((x > y).as<GT>());
  EXPECT_TRUE((x >= y).as<GE>());
  EXPECT_THROW(Add::make(x, f), InternalError);
  EXPECT_THROW(x + f, UserError);
}

TEST(IRNode, ConstantsAdoptTheOtherOperandType) {
  Var b("b", DataType::Int(8));
  Expr e = b + 3;
  EXPECT_EQ(e.type(), DataType::Int(8));
  Var f("f", DataType::Float(16));
  EXPECT_EQ((f * 2).type(), DataType::Float(16));
  EXPECT_THROW(b + 2.5f, UserError);
}

TEST(IRNode, LogicalAndBitwise) {
  Var x("x"), y("y");
  Expr p = x < y, q = y < x;
  EXPECT_TRUE((p && q).as<And>());
  EXPECT_TRUE((p || q).as<Or>());
  EXPECT_TRUE((!p).as<Not>());
  EXPECT_TRUE((x & y).as<BitAnd>());
  EXPECT_TRUE((x | y).as<BitOr>());
  EXPECT_TRUE((x ^ y).as<BitXor>());
  EXPECT_TRUE((~x).as<BitNot>());
  EXPECT_TRUE((x << 2).as<Shl>());
  EXPECT_TRUE((x >> 2).as<Shr>());
  EXPECT_THROW(x && y, UserError);
  Var f("f", DataType::Float(32));
  EXPECT_THROW(f & f, UserError);
  Expr pc = popcount(Var("w", DataType::UInt(64)));
  EXPECT_TRUE(pc.as<Call>() && pc.as<Call>()->is_intrinsic(intrinsic::kPopcount));
}

TEST(IRNode, SelectCastReinterpret) {
  Var x("x");
  Expr s = select(x > 0, x, -x);
  EXPECT_TRUE(s.as<Select>());
  EXPECT_EQ(s.type(), DataType::Int(32));
  Expr c = cast(DataType::Float(32), x);
  EXPECT_TRUE(c.as<Cast>());
  EXPECT_TRUE(cast(DataType::Int(32), x).same_as(x));
  Expr r = reinterpret(DataType::Float(32), x);
  EXPECT_TRUE(r.as<Reinterpret>());
  EXPECT_THROW(reinterpret(DataType::Float(64), x), UserError);
  EXPECT_THROW(Select::make(x, x, x), InternalError);
}

TEST(IRNode, VectorsLoadsAndCalls) {
  Var buf("A", DataType::Handle());
  Expr ramp = Ramp::make(Var("i"), 1, 8);
  EXPECT_EQ(ramp.type(), DataType::Int(32, 8));
  Expr load = Load::make(DataType::Float(32, 8), buf, ramp);
  EXPECT_EQ(load.type().lanes(), 8);
  Expr bc = Broadcast::make(FloatImm::make(DataType::Float(32), 1.0), 8);
  EXPECT_EQ((load + bc).type(), DataType::Float(32, 8));
  EXPECT_THROW(Load::make(DataType::Float(32, 4), buf, ramp), InternalError);
  EXPECT_THROW(Ramp::make(Var("i"), 1, 1), InternalError);
  Expr call = Call::make(DataType::Float(32), "expf", {Expr(1.0f)}, CallKind::Extern);
  EXPECT_EQ(call.as<Call>()->call_kind, CallKind::Extern);
  Var v("v");
  Expr let = Let::make(v, Expr(3), v * 2);
  EXPECT_TRUE(let.as<Let>());
  EXPECT_THROW(Let::make(v, Expr(1.0f), v), InternalError);
}

TEST(IRNode, TensorLevelNodes) {
  Tensor A = placeholder({4, 5}, DataType::Float(32), "A");
  IterVar k = reduce_axis({0, 5}, "k");
  Tensor B = compute({4}, [&](Var i) { return sum(A(i, k.var()), {k}); }, "B");
  const ComputeOpNode* op = as_compute(B);
  ASSERT_TRUE(op);
  ASSERT_TRUE(op->body.as<Reduce>());
  EXPECT_EQ(op->reduce_axes().size(), 1u);
  EXPECT_EQ(op->input_tensors().size(), 1u);
  EXPECT_TRUE(as_placeholder(A));
  EXPECT_THROW(A(1), UserError);
  EXPECT_THROW(compute({4}, [&](Var i) { return sum(A(i, k.var()), {k}) + 1.0f; }, "bad"),
               UserError);
  EXPECT_THROW(placeholder({0}, DataType::Float(32), "Z"), UserError);
}

TEST(IRNode, Statements) {
  Var buf("A", DataType::Handle()), i("i");
  Stmt store = Store::make(buf, Expr(1.0f), i);
  Stmt loop = For::make(i, 0, 16, ForKind::Parallel, store);
  Stmt alloc = Allocate::make(buf, DataType::Float(32), {Expr(16)}, "global", loop);
  Stmt seq = Seq::make({alloc, Evaluate::make(0), Stmt()});
  ASSERT_TRUE(seq.as<Seq>());
  EXPECT_EQ(seq.as<Seq>()->stmts.size(), 2u);
  EXPECT_TRUE(Seq::make({store}).same_as(store));
  Stmt ite = IfThenElse::make(i < 3, store);
  Stmt let = LetStmt::make(Var("n"), Expr(3), ite);
  Stmt as = AssertStmt::make(i < 3, "i too big");
  EXPECT_TRUE(let.as<LetStmt>() && as.as<AssertStmt>());
  EXPECT_THROW(For::make(i, 0, 16, ForKind::GPUBlock, store), InternalError);
  EXPECT_NO_THROW(For::make(i, 0, 16, ForKind::GPUBlock, store, "blockIdx.x"));
  EXPECT_THROW(IfThenElse::make(i, store), InternalError);

  Tensor T = placeholder({4}, DataType::Float(32), "T");
  Stmt ts = TensorStore::make(T, Expr(2.0f), {Expr(0)});
  Stmt realize = Realize::make(T, {Range(0, 4)}, "global", ts);
  EXPECT_TRUE(realize.as<Realize>());
  EXPECT_THROW(TensorStore::make(T, Expr(2), {Expr(0)}), InternalError);
}

TEST(IRNode, MutatorSharesUnchangedTrees) {
  Var buf("A", DataType::Handle()), i("i");
  Stmt body = Store::make(buf, cast(DataType::Float(32), i * 2 + 1), i);
  Stmt loop = For::make(i, 0, 16, ForKind::Serial, body);
  EXPECT_TRUE(Identity().mutate(loop).same_as(loop));
  EXPECT_EQ(count_nodes(loop), 13);
  Stmt replaced = substitute(loop, i, Expr(5));
  EXPECT_FALSE(replaced.same_as(loop));
  EXPECT_TRUE(uses_var(loop, i));
}
