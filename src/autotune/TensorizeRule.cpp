// The tensorize schedule rule (see TensorizeRule.h).
//
// The sketch, for an anchor out[s0, ..., j] = sum_k ... and an intrinsic
// c[0:L] += sum_{0:D} ...:
//   out:   cache_write to a local accumulator; j split by L; every spatial
//          axis tiled outer / middle / inner (sampled); outer loops fused and
//          parallel, the L lanes of the copy vectorized.
//   local: computed at the last middle loop, i.e. one register tile of
//          inner(s0) x ... x inner(j) x L accumulators; k split by D and the
//          rest in two (sampled); loops [k outer, k middle, tile rows...,
//          tile vectors, L, D] with the last two tensorized; the tile loops
//          (and, as a sampled choice, the k middle loop) unrolled.
// As in SearchSpace.cpp, every sample is drawn right after the shape-only
// steps (cache_write and the literal splits by L and D), so mutation can re-run
// the sketch with one decision changed.
#include "TensorizeRule.h"

#include "SketchUtil.h"

#include <algorithm>
#include <optional>

#include "anvil/ir/IROperator.h"
#include "anvil/support/Error.h"
#include "anvil/targets/Intrinsics.h"
#include "anvil/targets/Target.h"

namespace anvil {

namespace {

// Register tile bounds: rows (each inner spatial axis but the last) and
// intrinsic-wide vectors along the last axis. 8 x 4 accumulators fill the
// 32 zmm registers; the tuner finds which smaller tiles spill less.
constexpr int64_t kMaxTileRows = 8;
constexpr int64_t kMaxTileVectors = 4;
// Bound of the unrollable middle part of the reduction (in steps of D).
constexpr int64_t kMaxReduceInner = 16;

// The extents of an intrinsic with one spatial axis (lanes) and one
// reduction axis (depth); nullopt for any other shape.
struct IntrinShape {
  int64_t lanes = 0, depth = 0;
};
std::optional<IntrinShape> shape_of(const TensorIntrin& intrin) {
  const ComputeOpNode* op = as_compute(intrin.output);
  if (!op || op->axes.size() != 1 || op->reduce_axes().size() != 1) return std::nullopt;
  auto lanes = as_const_int(op->axes[0].dom().extent);
  auto depth = as_const_int(op->reduce_axes()[0].dom().extent);
  if (!lanes || !depth) return std::nullopt;
  return IntrinShape{*lanes, *depth};
}

// The innermost leaves of `s` made [rest..., lane_loop, depth_loop].
void move_innermost(Stage& s, const Loop& lane_loop, const Loop& depth_loop) {
  std::vector<Loop> order;
  for (const Loop& l : s.leaf_loops())
    if (l != lane_loop && l != depth_loop) order.push_back(l);
  order.push_back(lane_loop);
  order.push_back(depth_loop);
  s.reorder(order);
}

// Whether `intrin` replaces the [lanes x depth] nest of the anchor's last
// spatial axis and reduction axis `r`: tensorize tried on a probe schedule.
bool matches(const WorkloadInstance& w, const TensorIntrin& intrin, const IntrinShape& shape, int r) {
  Schedule probe({w.output});
  Stage& out = probe[w.output];
  const ComputeOpNode* op = out.op();
  int last = static_cast<int>(op->axes.size()) - 1;
  if (out.axis(last)->extent % shape.lanes || out.reduce_axis(r)->extent % shape.depth) return false;
  try {
    auto [jo, ji] = out.split(out.axis(last), shape.lanes);
    auto [ko, ki] = out.split(out.reduce_axis(r), shape.depth);
    move_innermost(out, ji, ki);
    out.tensorize(ji, intrin);
  } catch (const ScheduleError&) {
    return false;
  }
  return true;
}

void tensorize_sketch(Schedule& sch, const WorkloadInstance& w, const TensorIntrin& intrin,
                      const IntrinShape& shape, int r, int64_t lanes) {
  Stage& out = sch[w.output];
  ANVIL_SCHEDULE_CHECK(out.is_compute(), "tensorize rule: output " << out.name() << " is not a compute stage");
  const size_t ns = out.op()->axes.size();
  Tensor acc = sch.cache_write(w.output, "local");
  Stage& local = sch[acc];

  // ---- shape-only steps: the intrinsic's lanes off the last axis, its depth
  // off the reduction.
  std::vector<Loop> axes;
  for (size_t i = 0; i < ns; i++) axes.push_back(out.axis(static_cast<int>(i)));
  auto [j_blocks, j_lanes] = out.split(axes.back(), shape.lanes);
  axes.back() = j_blocks;
  auto [k_steps, k_depth] = local.split(local.reduce_axis(r), shape.depth);

  // ---- all samples
  std::vector<std::vector<Factor>> tiles;
  for (size_t i = 0; i < ns; i++)
    tiles.push_back(sch.sample_perfect_tile(out, axes[i], 3, i + 1 == ns ? kMaxTileVectors : kMaxTileRows));
  std::vector<Factor> ktile = sch.sample_perfect_tile(local, k_steps, 2, kMaxReduceInner);
  // 0: no unroll, 1: unroll the register tile, 2: and the k middle loop.
  int64_t unroll = sch.sample_categorical({0, 1, 2}, {0.2, 0.4, 0.4}).value;

  // ---- output stage: [outer...] [middle...] [inner...] lanes
  auto [outer, middle, inner] = split_three_levels(out, axes, tiles);
  std::vector<Loop> order = outer;
  order.insert(order.end(), middle.begin(), middle.end());
  order.insert(order.end(), inner.begin(), inner.end());
  order.push_back(j_lanes);
  out.reorder(order);
  Loop fused = outer[0];
  for (size_t i = 1; i < ns; i++) fused = out.fuse(fused, outer[i]);
  out.parallel(fused);
  if (lanes > 1) out.vectorize(j_lanes);

  // ---- local stage: one register tile, the whole reduction inside
  local.compute_at(out, middle.back());
  std::vector<Loop> tile_loops;  // spatial loops of the tile, lanes excluded
  for (size_t i = 0; i + 1 < ns; i++) tile_loops.push_back(local.axis(static_cast<int>(i)));
  auto [vectors, lane_loop] = local.split(local.axis(static_cast<int>(ns - 1)), shape.lanes);
  tile_loops.push_back(vectors);
  auto [k_outer, k_middle] = local.split(k_steps, ktile[1]);
  // Other reduction axes (a convolution's window) go outermost: the
  // tensorized nest must be the innermost leaves.
  std::vector<Loop> lorder;
  for (size_t q = 0; q < local.op()->reduce_axes().size(); q++)
    if (static_cast<int>(q) != r) lorder.push_back(local.reduce_axis(static_cast<int>(q)));
  lorder.push_back(k_outer);
  lorder.push_back(k_middle);
  lorder.insert(lorder.end(), tile_loops.begin(), tile_loops.end());
  lorder.push_back(lane_loop);
  lorder.push_back(k_depth);
  local.reorder(lorder);
  if (unroll >= 1) {
    for (size_t i = 0; i < ns; i++)
      if (tiles[i][2].value > 1) local.unroll(tile_loops[i]);
    if (unroll == 2 && ktile[1].value > 1) local.unroll(k_middle);
  }
  local.tensorize(lane_loop, intrin);
}

}  // namespace

std::vector<Sketch> tensorize_sketches(const WorkloadInstance& w,
                                       const std::vector<const TensorIntrin*>& intrinsics, int64_t lanes) {
  std::vector<Sketch> sketches;
  const ComputeOpNode* anchor = as_compute(w.output);
  if (!anchor || anchor->axes.empty() || anchor->reduce_axes().empty()) return sketches;
  for (const TensorIntrin* intrin : intrinsics) {
    std::optional<IntrinShape> shape = shape_of(*intrin);
    if (!shape) continue;
    for (int r = 0; r < static_cast<int>(anchor->reduce_axes().size()); r++) {
      if (!matches(w, *intrin, *shape, r)) continue;
      std::string name = "tensorize(" + intrin->name + ")+cache_write";
      if (anchor->reduce_axes().size() > 1) name += "(k" + std::to_string(r) + ")";
      sketches.push_back({name, [intrin, shape = *shape, r, lanes](Schedule& sch, const WorkloadInstance& wi) {
                            tensorize_sketch(sch, wi, *intrin, shape, r, lanes);
                          }});
    }
  }
  return sketches;
}

std::vector<Sketch> tensorize_sketches(const WorkloadInstance& w, const std::string& target, int64_t lanes) {
  return tensorize_sketches(w, tensor_intrinsics(Target::parse(target)), lanes);
}

}  // namespace anvil
