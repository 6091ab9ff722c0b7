// lower() on a padded conv2d with its pad stage materialised, inlined or computed
// at a row tile (bound inference of the halo), and lower()'s refusals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/Simplify.h"
#include "anvil/ir/StructuralEqual.h"
#include "anvil/ops/Conv2D.h"
#include "anvil/schedule/Lower.h"
#include "anvil/schedule/Schedule.h"
#include "anvil/support/Error.h"
#include "support/ErrorMessage.h"

using namespace anvil;
using anvil::testing::schedule_error;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

// conv2d_nchw, padding 1 on every side: data [1, 3, 13, 13], weight
// [8, 3, 3, 3]; the pad stage is "conv.pad", [1, 3, 15, 15].
struct PaddedConv {
  explicit PaddedConv(int stride = 1) {
    ops::Conv2DAttrs attrs;
    attrs.padding = {1, 1, 1, 1};
    attrs.strides = {stride, stride};
    out = ops::conv2d_nchw(data, weight, attrs, "conv");
  }
  Tensor data = placeholder({1, 3, 13, 13}, DataType::Float(32), "data");
  Tensor weight = placeholder({8, 3, 3, 3}, DataType::Float(32), "weight");
  Tensor out;
};

std::vector<const Allocate*> allocations(const Stmt& s) {
  std::vector<const Allocate*> out;
  post_order_visit(s, [&](const IRNode* n) {
    if (n->kind == IRNodeKind::Allocate) out.push_back(static_cast<const Allocate*>(n));
  });
  return out;
}

std::vector<int64_t> const_extents(const std::vector<Expr>& extents) {
  std::vector<int64_t> out;
  for (const Expr& e : extents) out.push_back(as_const_int(e).value_or(-1));
  return out;
}

// Loads of the buffer named `name` anywhere in `node`.
template <typename Node>
int count_loads(const Node& node, const std::string& name) {
  int n = 0;
  post_order_visit(node, [&](const IRNode* x) {
    if (x->kind == IRNodeKind::Load && static_cast<const Load*>(x)->buffer.name() == name) n++;
  });
  return n;
}

// Loads of `name` that sit in the taken branch of an if_then_else (or a
// select), i.e. only happen where the padding condition holds.
int count_guarded_loads(const Stmt& s, const std::string& name) {
  int n = 0;
  post_order_visit(s, [&](const IRNode* x) {
    if (x->kind == IRNodeKind::Call) {
      const auto* call = static_cast<const Call*>(x);
      if (call->is_intrinsic(intrinsic::kIfThenElse)) n += count_loads(call->args[1], name);
    } else if (x->kind == IRNodeKind::Select) {
      n += count_loads(static_cast<const Select*>(x)->true_value, name);
    }
  });
  return n;
}

// Stores into the buffer named `name`.
std::vector<const Store*> stores_to(const Stmt& s, const std::string& name) {
  std::vector<const Store*> out;
  post_order_visit(s, [&](const IRNode* x) {
    if (x->kind == IRNodeKind::Store && static_cast<const Store*>(x)->buffer.name() == name)
      out.push_back(static_cast<const Store*>(x));
  });
  return out;
}

// The body of the loop whose variable is named `var` (null stmt when absent).
Stmt loop_body(const Stmt& s, const std::string& var) {
  Stmt found;
  post_order_visit(s, [&](const IRNode* x) {
    if (x->kind == IRNodeKind::For && static_cast<const For*>(x)->var.name() == var)
      found = static_cast<const For*>(x)->body;
  });
  return found;
}

// The Realize of the tensor named `name` in the tensor-level loop nest.
const Realize* find_realize(const Stmt& s, const std::string& name) {
  const Realize* found = nullptr;
  post_order_visit(s, [&](const IRNode* x) {
    if (x->kind == IRNodeKind::Realize && static_cast<const Realize*>(x)->tensor.name() == name)
      found = static_cast<const Realize*>(x);
  });
  return found;
}

// The message of the UserError (not a ScheduleError) that f throws.
template <typename F>
std::string user_error(F&& f) {
  try {
    f();
  } catch (const ScheduleError& e) {
    ADD_FAILURE() << "expected a UserError, got a ScheduleError: " << e.what();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(LowerPaddedConv, DefaultScheduleMaterialisesThePadStage) {
  PaddedConv c;
  Schedule sch({c.out});
  LoweredFunc f = lower(sch, {c.data, c.weight, c.out}, "conv");
  std::string text = to_string(f);
  EXPECT_THAT(text, HasSubstr("allocate conv.pad float32[675]")) << text;
  EXPECT_THAT(text, HasSubstr("if_then_else(")) << text;

  std::vector<const Allocate*> allocs = allocations(f.body);
  ASSERT_EQ(allocs.size(), 1u) << text;
  EXPECT_EQ(allocs[0]->buffer.name(), "conv.pad");
  EXPECT_EQ(allocs[0]->dtype, DataType::Float(32));
  EXPECT_THAT(const_extents(allocs[0]->extents), ElementsAre(3 * 15 * 15));

  // The pad stage is the only reader of data, and it reads it only under the
  // padding condition; the convolution reads the padded copy.
  std::vector<const Store*> pad_stores = stores_to(f.body, "conv.pad");
  ASSERT_EQ(pad_stores.size(), 1u) << text;
  const Call* ite = pad_stores[0]->value.as<Call>();
  ASSERT_TRUE(ite && ite->is_intrinsic(intrinsic::kIfThenElse)) << text;
  EXPECT_EQ(count_loads(ite->args[1], "data"), 1) << text;
  EXPECT_EQ(count_loads(ite->args[2], "data"), 0) << text;
  EXPECT_EQ(count_loads(f.body, "data"), 1) << text;
  std::vector<const Store*> conv_stores = stores_to(f.body, "conv");
  ASSERT_FALSE(conv_stores.empty());
  int pad_reads = 0;
  for (const Store* s : conv_stores) pad_reads += count_loads(s->value, "conv.pad");
  EXPECT_EQ(pad_reads, 1) << text;
}

TEST(LowerPaddedConv, InlinedPadGuardsTheInputLoad) {
  PaddedConv c;
  Schedule sch({c.out});
  sch.stage("conv.pad").compute_inline();
  LoweredFunc f = lower(sch, {c.data, c.weight, c.out}, "conv");
  std::string text = to_string(f);
  EXPECT_TRUE(allocations(f.body).empty()) << text;
  EXPECT_EQ(text.find("conv.pad"), std::string::npos) << text;
  EXPECT_EQ(count_loads(f.body, "data"), 1) << text;
  EXPECT_EQ(count_guarded_loads(f.body, "data"), 1) << "the load of data is not guarded:\n" << text;
}

// compute_at the conv's outer row tile: the pad region is the rows of the tile
// plus the 3x3 window's halo, one row above and one below.
TEST(LowerPaddedConv, ComputeAtRowTileAllocatesTheHalo) {
  PaddedConv c;
  Schedule sch({c.out});
  Stage& conv = sch[c.out];
  auto [ho, hi] = conv.split(conv.axis(2), 4);
  sch.stage("conv.pad").compute_at(conv, ho);

  Stmt nest = lower_to_loop_nest(sch);
  const Realize* r = find_realize(nest, "conv.pad");
  ASSERT_NE(r, nullptr) << nest;
  std::vector<Expr> extents;
  for (const Range& b : r->bounds) extents.push_back(b.extent);
  EXPECT_THAT(const_extents(extents), ElementsAre(1, 3, 4 + 2, 15)) << nest;
  // The tile's first row: 4 rows per outer iteration, the halo's top row at
  // padded row 4 * ho (output row 4 * ho - 1 + 1).
  EXPECT_TRUE(structural_equal(simplify(r->bounds[2].min), ho->var * 4))
      << r->bounds[2].min << "\n" << nest;

  LoweredFunc f = lower(sch, {c.data, c.weight, c.out}, "conv");
  std::string text = to_string(f);
  std::vector<const Allocate*> allocs = allocations(f.body);
  ASSERT_EQ(allocs.size(), 1u) << text;
  EXPECT_EQ(allocs[0]->buffer.name(), "conv.pad");
  EXPECT_THAT(const_extents(allocs[0]->extents), ElementsAre(3 * 6 * 15)) << text;
  // The allocation lives inside the row tile loop, one per tile.
  Stmt tile_body = loop_body(f.body, ho->var.name());
  ASSERT_TRUE(tile_body.defined()) << text;
  EXPECT_EQ(allocations(tile_body).size(), 1u) << text;
  // Every read of the input is under the padding condition (loop
  // partitioning may copy the pad nest into a steady state and a tail).
  int guarded = count_guarded_loads(f.body, "data");
  EXPECT_GE(guarded, 1) << text;
  int loads = 0;
  post_order_visit(f.body, [&](const IRNode* n) {
    if (n->kind == IRNodeKind::Load && static_cast<const Load*>(n)->buffer.name() == "data") loads++;
  });
  EXPECT_EQ(loads, guarded) << text;
}

// With stride s and t output rows a tile, the window reads (t - 1) * s + 3
// padded rows.
TEST(LowerPaddedConv, ComputeAtWithStrideTwoBoundsTheRegion) {
  struct Case {
    int stride, tile;
    int64_t rows;
  };
  for (Case k : {Case{2, 2, 5}, Case{2, 3, 7}, Case{1, 1, 3}}) {
    SCOPED_TRACE("stride " + std::to_string(k.stride) + ", tile " + std::to_string(k.tile));
    PaddedConv c(k.stride);
    Schedule sch({c.out});
    Stage& conv = sch[c.out];
    auto [ho, hi] = conv.split(conv.axis(2), k.tile);
    sch.stage("conv.pad").compute_at(conv, ho);
    Stmt nest = lower_to_loop_nest(sch);
    const Realize* r = find_realize(nest, "conv.pad");
    ASSERT_NE(r, nullptr) << nest;
    std::vector<Expr> extents;
    for (const Range& b : r->bounds) extents.push_back(b.extent);
    EXPECT_THAT(const_extents(extents), ElementsAre(1, 3, k.rows, 15)) << nest;
    LoweredFunc f = lower(sch, {c.data, c.weight, c.out}, "conv");
    std::vector<const Allocate*> allocs = allocations(f.body);
    ASSERT_EQ(allocs.size(), 1u) << f;
    EXPECT_THAT(const_extents(allocs[0]->extents), ElementsAre(3 * k.rows * 15)) << f;
  }
}

TEST(LowerErrors, MissingInputOrOutputArgument) {
  PaddedConv c;
  Schedule sch({c.out});
  EXPECT_THAT(user_error([&] { lower(sch, {c.weight, c.out}, "f"); }),
              HasSubstr("tensor data is used by the computation but is not among the function's "
                        "arguments"));
  EXPECT_THAT(user_error([&] { lower(sch, {c.data, c.weight}, "f"); }),
              HasSubstr("output conv is not among the arguments"));
  EXPECT_THAT(user_error([&] { lower(sch, {c.data, c.weight, c.weight, c.out}, "f"); }),
              HasSubstr("argument weight is passed twice"));
}

TEST(LowerErrors, IntermediateStageAsArgument) {
  PaddedConv c;
  Schedule sch({c.out});
  Tensor pad = sch.stage("conv.pad").tensor();
  EXPECT_THAT(user_error([&] { lower(sch, {c.data, pad, c.weight, c.out}, "f"); }),
              HasSubstr("argument conv.pad is an intermediate stage"));
}

TEST(LowerErrors, ComputeAtLoopSplitOrFusedAfterwards) {
  // Legality is checked when the primitive is applied, not at lowering.
  PaddedConv c;
  Schedule sch({c.out});
  Stage& conv = sch[c.out];
  auto [ho, hi] = conv.split(conv.axis(2), 4);
  sch.stage("conv.pad").compute_at(conv, ho);
  EXPECT_THAT(schedule_error([&] { conv.split(ho, 2); }),
              HasSubstr("stage conv.pad is computed at this loop"));
  EXPECT_THAT(schedule_error([&] { conv.fuse(conv.axis(1), ho); }),
              HasSubstr("stage conv.pad is computed at this loop"));
  // Still lowers: nothing was changed by the refused primitives.
  EXPECT_NO_THROW(lower(sch, {c.data, c.weight, c.out}, "f"));
}
