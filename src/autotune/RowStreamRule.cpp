// The row-stream schedule rule (see RowStreamRule.h).
//
// The sketch, for an anchor out[r..., j] = sum_k f(A[..., k], B[..., j, k]):
//   out:  k split by the vector lanes and the lanes factored out (rfactor)
//         into partial sums rf[r..., j, lanes] = sum_{k outer} f(...), so
//         out keeps only the horizontal sum of the lanes (lanes adds per
//         output element: negligible next to the K-long stream). j is split
//         into parallel blocks of `nb` streams (sampled).
//   rf:   computed at the block loop: nb x rows vector accumulators, the
//         k-outer loop split (sampled) with its inner part unrolled, then
//         the rows and the nb streams unrolled and the lanes vectorized, so
//         each step loads nb contiguous vectors of B (nb rows streamed at
//         once keep several hardware prefetch streams busy) and one vector
//         of A per row.
// As in SearchSpace.cpp, every sample is drawn right after the shape-only
// steps (the literal split by the lanes and the rfactor), so mutation can
// re-run the sketch with one decision changed.
#include "RowStreamRule.h"

#include <algorithm>
#include <string>

#include "anvil/ir/IRVisitor.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/Substitute.h"
#include "anvil/ops/Tags.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

// Vector accumulators a block may hold (rows x streams), out of the 32 zmm
// registers: the rest hold the loaded vectors.
constexpr int64_t kMaxAccumulators = 24;
// Most rows of B streamed at once; more streams than this bring no more
// memory parallelism and lengthen the unrolled body.
constexpr int64_t kMaxStreams = 8;
// Bound of the unrolled part of the k-outer loop.
constexpr int64_t kMaxReduceUnroll = 8;

// The output's rows: the product of its axes but the last; -1 when one is
// not a constant.
int64_t rows_of(const ComputeOpNode& op) {
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < op.axes.size(); i++) {
    auto e = as_const_int(op.axes[i].dom().extent);
    if (!e) return -1;
    rows *= *e;
  }
  return rows;
}

// Whether `w`'s output is a single-axis sum-like reduction with few rows
// whose every tensor read has the reduction variable as its last index
// (contiguous vectors along k), one of them varying with the last output
// axis (the streamed rows of B).
bool qualifies(const WorkloadInstance& w) {
  const ComputeOpNode* op = as_compute(w.output);
  if (!op || op->axes.empty() || op->reduce_axes().size() != 1) return false;
  const Reduce* reduce = op->body.as<Reduce>();
  if (!reduce) return false;
  int64_t rows = rows_of(*op);
  if (rows < 1 || rows > kRowStreamMaxRows) return false;
  const Variable* k = reduce->axes[0].var().get();
  const Var& j = op->axes.back().var();
  bool contiguous = true, streams_rows = false;
  post_order_visit(reduce->source, [&](const IRNode* n) {
    if (n->kind != IRNodeKind::TensorLoad) return;
    const auto* load = static_cast<const TensorLoad*>(n);
    const Expr& last = load->indices.empty() ? Expr() : load->indices.back();
    if (!last.defined() || last.get() != k) {
      contiguous = false;
      return;
    }
    for (const Expr& index : load->indices)
      if (uses_var(index, j)) streams_rows = true;
  });
  return contiguous && streams_rows;
}

void row_stream_sketch(Schedule& sch, const WorkloadInstance& w, int64_t lanes) {
  for (Stage* s : sch.stages())
    if (s->is_compute() && !s->is_output() && ops::tag::is_injective(s->op()->tag)) s->compute_inline();
  Stage& out = sch[w.output];
  ANVIL_SCHEDULE_CHECK(out.is_compute(), "row-stream rule: output " << out.name() << " is not a compute stage");
  const int ns = static_cast<int>(out.op()->axes.size());
  const int64_t rows = rows_of(*out.op());
  ANVIL_SCHEDULE_CHECK(rows >= 1, "row-stream rule: " << out.name() << " has non-constant rows");

  // ---- shape-only steps: the lanes off k, factored out as the last axis of
  // the partial sums (a k not a multiple of the lanes leaves a guarded tail).
  auto [k_steps, k_lanes] = out.split(out.reduce_axis(0), lanes);
  (void)k_steps;
  Tensor partial = sch.rfactor(w.output, k_lanes, ns);
  Stage& rf = sch[partial];
  rf.set_scope("local");  // one block's accumulators: registers once unrolled

  // ---- all samples
  const int64_t max_streams = std::clamp<int64_t>(kMaxAccumulators / rows, 1, kMaxStreams);
  std::vector<Factor> cols = sch.sample_perfect_tile(out, out.axis(ns - 1), 2, max_streams);
  std::vector<Factor> ktile = sch.sample_perfect_tile(rf, rf.reduce_axis(0), 2, kMaxReduceUnroll);

  // ---- the horizontal sums: [blocks] [rows...] [streams] [lanes]
  auto [blocks, streams] = out.split(out.axis(ns - 1), cols[1]);
  std::vector<Loop> order = {blocks};
  for (int i = 0; i + 1 < ns; i++) order.push_back(out.axis(i));
  order.push_back(streams);
  order.push_back(out.reduce_axis(0));
  out.reorder(order);
  out.parallel(blocks);

  // ---- the partial sums at the block: [k outer] [k unrolled] [rows...] [streams] [lanes]
  rf.compute_at(out, blocks);
  auto [k_outer, k_unrolled] = rf.split(rf.reduce_axis(0), ktile[1]);
  std::vector<Loop> rorder = {k_outer, k_unrolled};
  for (int i = 0; i <= ns; i++) rorder.push_back(rf.axis(i));
  rf.reorder(rorder);
  rf.vectorize(rf.axis(ns));
  for (int i = 0; i + 1 < ns; i++)
    if (rf.axis(i)->extent > 1) rf.unroll(rf.axis(i));
  if (cols[1].value > 1) rf.unroll(rf.axis(ns - 1));
  if (ktile[1].value > 1) rf.unroll(k_unrolled);
}

}  // namespace

std::vector<Sketch> row_stream_sketches(const WorkloadInstance& w, int64_t lanes) {
  if (lanes < 2 || !qualifies(w)) return {};
  return {{"row-stream(rfactor k/lanes)", [lanes](Schedule& sch, const WorkloadInstance& wi) {
             row_stream_sketch(sch, wi, lanes);
           }}};
}

}  // namespace anvil
