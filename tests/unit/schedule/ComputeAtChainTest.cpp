// compute_at into a loop that encloses the reader only through a chain of
// compute_at (a cache_read stage moved to the output's loop around the
// cache_write stage that reads it), checked numerically and for the size of
// the region it allocates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ops/Dense.h"
#include "anvil/ops/Reference.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/HostBuffer.h"
#include "anvil/targets/Module.h"
#include "anvil/targets/Target.h"
#include "support/ErrorMessage.h"

using namespace anvil;
using anvil::testing::schedule_error;
using ::testing::HasSubstr;

TEST(ComputeAtChain, CacheReadAtTheOutputLoopAroundTheWriteCache) {
  Tensor A = placeholder({13, 24}, DataType::Float(32), "A");
  Tensor B = placeholder({24, 40}, DataType::Float(32), "B");
  Tensor C = ops::matmul(A, B, DataType::Float(32), "C");
  Schedule sch({C});
  Stage& out = sch[C];
  Tensor acc = sch.cache_write(C, "local");
  Tensor packed = sch.cache_read(B, "local", {acc});
  auto [jo, ji] = out.split(out.axis(1), 16);   // 3 panels of 16 columns (the last partial)
  auto [io, ii] = out.split(out.axis(0), 4);
  out.reorder({jo, io, ii, ji});
  sch[acc].compute_at(out, io);
  // B.local is read by C.local, which is computed inside jo: a panel of B
  // (all K rows, 16 columns) is copied once per panel and reused by every row tile.
  sch[packed].compute_at(out, jo);
  EXPECT_THAT(schedule_error([&] { sch[packed].compute_at(out, ii); }),
              HasSubstr("is not computed inside loop"));

  LoweredFunc f = lower(sch, {A, B, C}, "packed");
  int64_t packed_elements = -1;
  post_order_visit(f.body, [&](const IRNode* n) {
    if (n->kind != IRNodeKind::Allocate) return;
    auto* a = static_cast<const Allocate*>(n);
    if (a->buffer.name() == "B.local") packed_elements = *as_const_int(a->extents[0]);
  });
  EXPECT_EQ(packed_elements, 24 * 16) << to_string(f);

  Module m = build_module({f}, Target::parse("c -mcpu=native"));
  HostBuffer a = HostBuffer::random(DataType::Float(32), {13, 24}, 5);
  HostBuffer b = HostBuffer::random(DataType::Float(32), {24, 40}, 6);
  HostBuffer c(DataType::Float(32), {13, 40});
  m.call("packed", {a.raw(), b.raw(), c.raw()});
  EXPECT_TRUE(all_close(c, ops::ref::matmul(a, b, DataType::Float(32)), 1e-5, 1e-5));
}

TEST(ComputeAtChain, TransposedPanelOfDenseWeights) {
  // dense reads W[N, K]; a transposed copy [K, panel] makes the tile's vector
  // loads along N contiguous, as matmul's B panel is.
  Tensor X = placeholder({13, 24}, DataType::Float(32), "X");
  Tensor W = placeholder({40, 24}, DataType::Float(32), "W");
  Tensor Y = ops::dense(X, W, DataType::Float(32), "Y");
  Schedule sch({Y});
  Stage& out = sch[Y];
  Tensor acc = sch.cache_write(Y, "local");
  Tensor panel = sch.cache_read(W, "local", {acc}, {1, 0});
  EXPECT_EQ(*as_const_int(panel.shape()[0]), 24);
  EXPECT_EQ(*as_const_int(panel.shape()[1]), 40);
  auto [jo, ji] = out.split(out.axis(1), 16);
  auto [io, ii] = out.split(out.axis(0), 4);
  out.reorder({jo, io, ii, ji});
  sch[acc].compute_at(out, io);
  auto [lj, lanes] = sch[acc].split(sch[acc].axis(1), 16);
  sch[acc].reorder({sch[acc].reduce_axis(0), sch[acc].axis(0), lj, lanes});
  sch[acc].vectorize(lanes);
  sch[panel].compute_at(out, jo);
  EXPECT_THAT(schedule_error([&] { sch.cache_read(X, "local", {acc}, {0, 0}); }),
              HasSubstr("is not a permutation"));

  LoweredFunc f = lower(sch, {X, W, Y}, "dense_panel");
  std::vector<int64_t> extents;
  post_order_visit(f.body, [&](const IRNode* n) {
    if (n->kind == IRNodeKind::Allocate && static_cast<const Allocate*>(n)->buffer.name() == "W.local")
      extents.push_back(*as_const_int(static_cast<const Allocate*>(n)->extents[0]));
  });
  // One per copy of the panel loop (loop partitioning splits off the last,
  // partial panel), each K × 16.
  ASSERT_FALSE(extents.empty()) << to_string(f);
  for (int64_t e : extents) EXPECT_EQ(e, 24 * 16) << to_string(f);
  // Contiguous vector loads of the copy: a ramp with stride 1 over W.local.
  EXPECT_NE(to_string(f).find("W.local[ramp("), std::string::npos) << to_string(f);

  auto again = Trace::from_json(sch.trace().to_json()).replay({Y});
  EXPECT_EQ(to_string(lower(*again, {X, W, Y}, "dense_panel")), to_string(f));

  Module m = build_module({f}, Target::parse("c -mcpu=native"));
  HostBuffer x = HostBuffer::random(DataType::Float(32), {13, 24}, 7);
  HostBuffer w = HostBuffer::random(DataType::Float(32), {40, 24}, 8);
  HostBuffer y(DataType::Float(32), {13, 40});
  m.call("dense_panel", {x.raw(), w.raw(), y.raw()});
  EXPECT_TRUE(all_close(y, ops::ref::dense(x, w, DataType::Float(32)), 1e-5, 1e-5));
}
