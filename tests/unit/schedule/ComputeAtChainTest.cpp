// compute_at into a loop that encloses the reader only through a chain of
// compute_at (a cache_read stage moved to the output's loop around the
// cache_write stage that reads it), checked numerically and for the size of
// the region it allocates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/ops/Conv2D.h"
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

TEST(ComputeAtChain, ChannelInnermostAccumulatorOfAnNchwConv) {
  // cache_write with a layout: the accumulator of an NCHW conv stored
  // [n, h, w, o], so the register tile vectorizes over output channels; the
  // weights are read through a [c, kh, kw, o] panel.
  Tensor D = placeholder({1, 5, 9, 7}, DataType::Float(32), "D");
  Tensor W = placeholder({35, 5, 3, 3}, DataType::Float(32), "W");
  ops::Conv2DAttrs attrs;
  attrs.padding = {1, 1, 1, 1};
  Tensor O = ops::conv2d_nchw(D, W, attrs, "O");
  Schedule sch({O});
  for (Stage* s : sch.stages())
    if (s->is_compute() && !s->is_output()) s->compute_inline();
  Stage& out = sch[O];
  Tensor acc = sch.cache_write(O, "local", {0, 2, 3, 1});
  EXPECT_EQ(*as_const_int(acc.shape()[1]), 9);   // h
  EXPECT_EQ(*as_const_int(acc.shape()[3]), 35);  // o
  Tensor panel = sch.cache_read(W, "local", {acc}, {1, 2, 3, 0});
  auto [oo, oi] = out.split(out.axis(1), 16);  // 3 channel tiles, the last partial
  auto [ho, hi] = out.split(out.axis(2), 2);
  out.reorder({out.axis(0), oo, ho, hi, oi, out.axis(3)});
  sch[acc].compute_at(out, ho);
  Stage& local = sch[acc];
  auto [lo, lanes] = local.split(local.axis(3), 16);
  local.reorder({local.reduce_axis(0), local.reduce_axis(1), local.reduce_axis(2), local.axis(0),
                 local.axis(1), local.axis(2), lo, lanes});
  local.vectorize(lanes);
  sch[panel].compute_at(out, oo);
  Schedule fresh({O});
  EXPECT_THAT(schedule_error([&] { fresh.cache_write(O, "local", {0, 1, 2}); }),
              HasSubstr("is not a permutation"));
  EXPECT_THAT(schedule_error([&] { fresh.cache_write(O, "local", {0, 2, 2, 1}); }),
              HasSubstr("is not a permutation"));

  LoweredFunc f = lower(sch, {D, W, O}, "conv_channel_last");
  // The tile [1, 2 rows, 7 columns, 16 channels] is stored channel-innermost:
  // its vector stores are contiguous ramps.
  EXPECT_NE(to_string(f).find("O.local[ramp("), std::string::npos) << to_string(f);
  auto again = Trace::from_json(sch.trace().to_json()).replay({O});
  EXPECT_EQ(to_string(lower(*again, {D, W, O}, "conv_channel_last")), to_string(f));

  for (const char* target : {"c -mcpu=native", "llvm -mcpu=native"}) {
    Module m = build_module({f}, Target::parse(target));
    HostBuffer d = HostBuffer::random(DataType::Float(32), {1, 5, 9, 7}, 9);
    HostBuffer w = HostBuffer::random(DataType::Float(32), {35, 5, 3, 3}, 10);
    HostBuffer o(DataType::Float(32), {1, 35, 9, 7});
    m.call("conv_channel_last", {d.raw(), w.raw(), o.raw()});
    EXPECT_TRUE(all_close(o, ops::ref::conv2d_nchw(d, w, attrs), 1e-5, 1e-5)) << target;
  }
}
