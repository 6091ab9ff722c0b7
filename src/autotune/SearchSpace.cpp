// CPU schedule rules that turn a workload into sketches, sampling of points
// and mutation of traces (see SearchSpace.h).
//
// Every sketch draws all its samples (sample_perfect_tile,
// sample_categorical) right after the shape-only steps (inline, cache_write,
// cache_read, fixed splits), before any step whose presence depends on a
// drawn value. Sampling steps therefore sit at the same trace indices for
// every point of a sketch, which is what lets mutation re-run the sketch with
// one decision changed (a plain Trace::replay keeps the recorded primitives,
// so a changed compute_at location or unroll choice would not take effect).
#include "anvil/autotune/SearchSpace.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "anvil/ir/IROperator.h"

#include "anvil/ops/Tags.h"
#include "anvil/support/Error.h"
#include "anvil/targets/Intrinsics.h"
#include "anvil/targets/Target.h"

#include "RowStreamRule.h"
#include "SketchUtil.h"
#include "TensorizeRule.h"

namespace anvil {

namespace {

namespace tag = ops::tag;

// Largest product of unrolled loop extents the unroll choice may expand.
constexpr int64_t kMaxUnrollProduct = 64;
// Innermost tile bound: the last spatial axis (the vector axis) and others.
constexpr int64_t kMaxInnerLast = 64;
constexpr int64_t kMaxInnerOther = 8;

bool is_anchor_tag(const std::string& t) {
  return t == tag::kMatmul || t == tag::kDense || t == tag::kBatchMatmul || t == tag::kConv2dNCHW ||
         t == tag::kConv2dNCHWc || t == tag::kDepthwiseConv2dNCHWc || t == tag::kDensePacked ||
         t == tag::kConv2dNHWC || t == tag::kGroupConv2dNCHW || t == tag::kGroupConv2dNHWC ||
         t == tag::kDepthwiseConv2dNCHW;
}
bool is_gemm_tag(const std::string& t) {
  return t == tag::kMatmul || t == tag::kDense || t == tag::kBatchMatmul;
}

// Rule (1): every injective stage that is not an output goes into its readers.
void inline_injective(Schedule& sch) {
  for (Stage* s : sch.stages())
    if (s->is_compute() && !s->is_output() && tag::is_injective(s->op()->tag)) s->compute_inline();
}

// The workload's output stage, checked to be a compute stage.
Stage& output_stage(Schedule& sch, const WorkloadInstance& w) {
  Stage& out = sch[w.output];
  ANVIL_SCHEDULE_CHECK(out.is_compute(), "search space: output " << out.name() << " is not a compute stage");
  return out;
}

// How multi-level tiling lays out an anchor: which spatial axis carries the
// vector lanes and, with a panel, how the second input is copied.
struct TilingLayout {
  // Output axis vectorized in the register tile; the accumulator (cache_write)
  // is stored with it innermost. The last axis for GEMMs; the output-channel
  // axis of an NCHW conv, which then accumulates [n, h, w, o] while the output
  // stays NCHW (the copy-out transposes once per output element).
  int vector_axis = -1;
  // Leading output axes that are neither rows nor the vector axis (batch).
  int batch_axes = 0;
  // Layout of the panel copy of input 1 (empty: as stored).
  std::vector<int> panel_layout;
};

bool is_nchw_conv_tag(const std::string& t) { return t == tag::kConv2dNCHW || t == tag::kGroupConv2dNCHW; }

// The layout for a panel sketch of `out` (a GEMM or an NCHW conv anchor).
TilingLayout panel_layout_of(const ComputeOpNode& out) {
  TilingLayout l;
  const int ns = static_cast<int>(out.axes.size());
  if (is_nchw_conv_tag(out.tag)) {
    // Weights [O, C, KH, KW] copied [C, KH, KW, O]: contiguous vectors of O.
    l.vector_axis = 1;
    l.batch_axes = 1;
    l.panel_layout = {1, 2, 3, 0};
  } else {
    l.vector_axis = ns - 1;
    l.batch_axes = ns - 2;
    // dense reads W[N, K]: copied transposed ([K, columns]) so the tile's
    // vector loads along N are contiguous, as in matmul's B panel.
    if (out.tag == tag::kDense) l.panel_layout = {1, 0};
  }
  return l;
}

// A pad stage read by `anchor`, or null.
Stage* pad_producer(Schedule& sch, const Stage& anchor) {
  for (const Tensor& in : anchor.op()->input_tensors()) {
    Stage& s = sch[in];
    if (s.is_compute() && s.op()->tag == tag::kPad) return &s;
  }
  return nullptr;
}

// A padded copy computed at the root: rows in parallel, each row vectorized
// (its tail predicated). A row is the last axis, or, for a channel-blocked
// input ([.., W, cb]), the last two fused: a parallel task per pixel would
// cost a call and the index arithmetic for 16 floats, and a block of 3 (the
// stem's) would not vectorize at all.
void schedule_pad_at_root(Stage& pad, int64_t lanes, bool channel_blocked) {
  const int nd = static_cast<int>(pad.op()->axes.size());
  const bool channel_block = channel_blocked && nd >= 3;
  const int row_axes = channel_block ? 2 : 1;
  Loop row = pad.axis(nd - 1);
  if (channel_block) row = pad.fuse(pad.axis(nd - 2), row);
  if (nd > row_axes) {
    Loop rows = pad.axis(0);
    for (int d = 1; d < nd - row_axes; d++) rows = pad.fuse(rows, pad.axis(d));
    pad.parallel(rows);
  }
  if (nd >= 2 && lanes > 1 && row->extent >= lanes) {
    if (row->extent == lanes) {
      pad.vectorize(row);
    } else {
      auto [o, l] = pad.split(row, lanes);
      (void)o;
      pad.vectorize(l);
    }
  }
}

// Rule (2): multi-level tiling of an anchor that is the output. The output
// stage (a copy of the local accumulator after cache_write) gets per spatial
// axis the levels outer/middle/inner (the vector axis, when its extent
// allows, an extra literal split into vector lanes); outer levels are fused
// and parallel. The local stage is computed at the fused loop or at the last
// middle loop (sampled); inside it reduction loops are split in two and put
// outside the spatial ones, the vector axis innermost and vectorized, and the
// small inner loops unrolled as a sampled choice. With `panel`, the second
// input is read through a cache_read copy computed at the parallel loop,
// whose vector-axis tile is then outermost (GEMM packing: the panel is reused
// by every row tile of that column panel). A pad stage the anchor reads is
// inlined or computed at the root (sampled).
void multi_level_tiling(Schedule& sch, const WorkloadInstance& w, int64_t lanes, bool panel) {
  Stage& out = output_stage(sch, w);
  const ComputeOpNode& anchor = *out.op();
  const size_t ns = anchor.axes.size();
  ANVIL_SCHEDULE_CHECK(ns >= 1, "multi-level tiling: " << out.name() << " has no spatial axis");
  TilingLayout layout;
  layout.vector_axis = static_cast<int>(ns) - 1;
  if (panel) layout = panel_layout_of(anchor);
  const size_t vec = static_cast<size_t>(layout.vector_axis);
  // Spatial axes in tiling order: the vector axis last.
  std::vector<int> order_of_axes;
  for (size_t i = 0; i < ns; i++)
    if (i != vec) order_of_axes.push_back(static_cast<int>(i));
  order_of_axes.push_back(layout.vector_axis);
  const bool permuted = vec + 1 != ns;

  Stage* pad = pad_producer(sch, out);
  for (Stage* s : sch.stages())
    if (s->is_compute() && !s->is_output() && tag::is_injective(s->op()->tag) && s != pad) s->compute_inline();
  Tensor acc = sch.cache_write(w.output, "local", permuted ? order_of_axes : std::vector<int>{});
  Tensor copy;
  if (panel) copy = sch.cache_read(w.inputs.at(1), "local", {acc}, layout.panel_layout);
  Stage& local = sch[acc];

  const size_t nr = local.op()->reduce_axes().size();
  std::vector<Loop> axes;  // the output's loops in tiling order
  for (int a : order_of_axes) axes.push_back(out.axis(a));
  // The vector lanes of the vector axis are split off with a literal factor
  // when they divide it, so the vectorized loop is exactly one vector.
  const int64_t vec_extent = axes.back()->extent;
  const bool lane_split = lanes > 1 && vec_extent % lanes == 0;
  Loop lane_loop;
  if (lane_split) std::tie(axes.back(), lane_loop) = out.split(axes.back(), lanes);

  // ---- all samples
  std::vector<std::vector<Factor>> tiles;
  for (size_t i = 0; i < ns; i++) {
    bool last = i + 1 == ns;
    int64_t max_inner = last ? (lane_split ? std::max<int64_t>(1, kMaxInnerLast / lanes) : kMaxInnerLast)
                             : kMaxInnerOther;
    tiles.push_back(sch.sample_perfect_tile(out, axes[i], 3, max_inner));
  }
  std::vector<std::vector<Factor>> rtiles;
  for (size_t r = 0; r < nr; r++)
    rtiles.push_back(sch.sample_perfect_tile(local, local.reduce_axis(static_cast<int>(r)), 2, 16));
  // 0: at the fused parallel loop, 1: at the last middle loop.
  int64_t at_middle = sch.sample_categorical({0, 1}, {0.3, 0.7}).value;
  // 0: no unroll, 1: unroll the inner spatial loops, 2: and the inner reduction loops.
  int64_t unroll = sch.sample_categorical({0, 1, 2}, {0.3, 0.35, 0.35}).value;
  // 0: pad inlined into the anchor (a guard per load), 1: padded copy at the root.
  int64_t pad_at_root = pad ? sch.sample_categorical({0, 1}, {0.3, 0.7}).value : 0;

  // ---- output stage: [outer S...] [middle S...] [inner S...] (lanes)
  auto [outer, middle, inner] = split_three_levels(out, axes, tiles);
  const size_t nb = static_cast<size_t>(layout.batch_axes);
  if (panel && ns >= 2) {
    // Vector-axis panel outermost after the batch axes: [batch..., panel, rows...].
    Loop p = outer.back();
    outer.pop_back();
    outer.insert(outer.begin() + static_cast<std::ptrdiff_t>(nb), p);
  }
  std::vector<Loop> order = outer;
  order.insert(order.end(), middle.begin(), middle.end());
  if (permuted) {
    // The copy-out walks the tile in the output's own order (contiguous stores).
    std::vector<Loop> natural(ns);
    for (size_t i = 0; i < ns; i++) natural[order_of_axes[i]] = inner[i];
    for (size_t a = 0; a < ns; a++) {
      order.push_back(natural[a]);
      if (a == vec && lane_split) order.push_back(lane_loop);
    }
  } else {
    order.insert(order.end(), inner.begin(), inner.end());
    if (lane_split) order.push_back(lane_loop);
  }
  out.reorder(order);
  // Fuse the outer loops that go parallel: all of them, except the row
  // loops of a panel sketch, which stay serial inside the panel loop.
  size_t n_par = panel && ns >= 2 ? nb + 1 : ns;
  Loop fused = outer[0];
  for (size_t i = 1; i < n_par; i++) fused = out.fuse(fused, outer[i]);
  out.parallel(fused);
  if (!permuted) {
    if (lane_split) out.vectorize(lane_loop);
    else if (tiles.back()[2].value > 1) out.vectorize(inner.back());
  }

  // ---- local stage (its axes are in tiling order)
  Loop attach = fused;
  if (panel && ns >= 2) attach = outer.back();  // the last row loop inside the panel loop
  if (at_middle) attach = middle.back();
  local.compute_at(out, attach);
  // Extents of the local stage's spatial loops after bound inference: the
  // loops of `out` below the attach point.
  std::vector<int64_t> ext(ns);
  for (size_t i = 0; i < ns; i++)
    ext[i] = at_middle ? tiles[i][2].value : tiles[i][1].value * tiles[i][2].value;
  std::vector<Loop> lsp;
  for (size_t i = 0; i < ns; i++) lsp.push_back(local.axis(static_cast<int>(i)));
  Loop llanes;
  if (lane_split) std::tie(lsp.back(), llanes) = local.split(lsp.back(), lanes);
  std::vector<Loop> ro, ri;
  for (size_t r = 0; r < nr; r++) {
    auto [o, i] = local.split(local.reduce_axis(static_cast<int>(r)), rtiles[r][1]);
    ro.push_back(o);
    ri.push_back(i);
  }
  std::vector<Loop> lorder = ro;
  lorder.insert(lorder.end(), ri.begin(), ri.end());
  lorder.insert(lorder.end(), lsp.begin(), lsp.end());
  if (lane_split) lorder.push_back(llanes);
  local.reorder(lorder);
  if (lane_split) {
    local.vectorize(llanes);
  } else if (ext.back() > 1 && ext.back() <= kMaxInnerLast) {
    local.vectorize(lsp.back());
  }
  if (unroll >= 1) {
    // Unroll the spatial loops around the vector (innermost first) while the
    // product stays small; then, for choice 2, the inner reduction loops.
    // With the lanes split off, ext.back() counts vectors.
    int64_t budget = kMaxUnrollProduct;
    std::vector<std::pair<Loop, int64_t>> candidates;
    if (lane_split) candidates.push_back({lsp.back(), ext.back()});
    for (size_t i = ns - 1; i-- > 0;) candidates.push_back({lsp[i], ext[i]});
    if (unroll == 2)
      for (size_t r = nr; r-- > 0;) candidates.push_back({ri[r], rtiles[r][1].value});
    for (const auto& [loop, e] : candidates) {
      if (e <= 1) continue;
      if (e > budget) break;
      local.unroll(loop);
      budget /= e;
    }
  }

  if (panel) {
    Stage& cp = sch[copy];
    cp.compute_at(out, fused);
    // The copy's last axis spans the panel's vector-axis tile: a whole number
    // of vectors when the lanes split that axis; vectorize it then.
    int nd = copy.ndim();
    int64_t copy_last = lane_split ? lanes * tiles.back()[1].value * tiles.back()[2].value : 0;
    if (copy_last > lanes && copy_last % lanes == 0) {
      auto [v, l] = cp.split(cp.axis(nd - 1), lanes);
      (void)v;
      cp.vectorize(l);
    }
  }
  if (pad) {
    if (pad_at_root)
      schedule_pad_at_root(*pad, lanes, anchor.tag == tag::kConv2dNCHWc || anchor.tag == tag::kDepthwiseConv2dNCHWc);
    else pad->compute_inline();
  }
}

// Rule (3): an output without reduction: all spatial loops fused, split
// into a parallel outer and a vectorized inner loop.
void elementwise(Schedule& sch, const WorkloadInstance& w) {
  inline_injective(sch);
  Stage& out = output_stage(sch, w);
  Loop fused = out.axis(0);
  for (size_t i = 1; i < out.op()->axes.size(); i++) fused = out.fuse(fused, out.axis(static_cast<int>(i)));
  std::vector<Factor> t = sch.sample_perfect_tile(out, fused, 2, kMaxInnerLast);
  auto [o, in] = out.split(fused, t[1]);
  out.parallel(o);
  if (t[1].value > 1) out.vectorize(in);
}

// Rule (4): row reductions (softmax, layer_norm): each reduce-tagged stage is
// computed at the output's row loop or at the root (sampled); the output's
// outer loops are parallel and its last loop split and vectorized.
void row_reduction(Schedule& sch, const WorkloadInstance& w) {
  inline_injective(sch);
  Stage& out = output_stage(sch, w);
  size_t ns = out.op()->axes.size();
  ANVIL_SCHEDULE_CHECK(ns >= 2, "row reduction rule: output " << out.name() << " needs 2+ axes");
  std::vector<Stage*> reductions;
  // compute_at moves a stage into its one consumer: only reductions read by
  // the output alone qualify (softmax's expsum, not its max).
  std::map<const TensorNode*, int> readers;
  for (Stage* s : sch.stages())
    if (s->is_compute())
      for (const Tensor& in : s->op()->input_tensors()) readers[in.get()]++;
  std::set<const TensorNode*> read_by_out;
  for (const Tensor& in : out.op()->input_tensors()) read_by_out.insert(in.get());
  for (Stage* s : sch.stages())
    if (s->is_compute() && !s->is_output() && s->op()->tag == tag::kReduce &&
        readers[s->tensor().get()] == 1 && read_by_out.count(s->tensor().get()))
      reductions.push_back(s);
  Loop row = out.axis(0);
  for (size_t i = 1; i + 1 < ns; i++) row = out.fuse(row, out.axis(static_cast<int>(i)));
  Loop col = out.axis(static_cast<int>(ns - 1));
  // ---- samples
  std::vector<Factor> t = sch.sample_perfect_tile(out, col, 2, kMaxInnerLast);
  std::vector<int64_t> at_row;
  for (size_t i = 0; i < reductions.size(); i++)
    at_row.push_back(sch.sample_categorical({0, 1}, {0.3, 0.7}).value);
  // ---- primitives
  auto [co, ci] = out.split(col, t[1]);
  (void)co;
  out.parallel(row);
  if (t[1].value > 1) out.vectorize(ci);
  for (size_t i = 0; i < reductions.size(); i++)
    if (at_row[i]) reductions[i]->compute_at(out, row);
}

// An output with a reduction that is no anchor (pooling): outer spatial loops
// fused and parallel.
void parallel_outer(Schedule& sch, const WorkloadInstance& w) {
  inline_injective(sch);
  Stage& out = output_stage(sch, w);
  size_t ns = out.op()->axes.size();
  Loop fused = out.axis(0);
  for (size_t i = 1; i + 1 < ns; i++) fused = out.fuse(fused, out.axis(static_cast<int>(i)));
  out.parallel(fused);
}

// Float lanes of one vector register of the target, for the output's dtype.
int64_t lanes_of(const WorkloadInstance& w, const std::string& target) {
  Target t = Target::parse(target);
  int bits = std::max(8, w.output.dtype().bits());
  return std::max(1, t.vector_bits() / bits);
}

bool is_cpu_target(const std::string& target) {
  return target.rfind("c", 0) == 0 || target.rfind("llvm", 0) == 0;
}

// The CPU sketches for a vector width of `lanes` elements, with tensorize
// sketches for the `intrinsics` that match.
std::vector<Sketch> cpu_sketches(const WorkloadInstance& w, int64_t lanes,
                                 const std::vector<const TensorIntrin*>& intrinsics) {
  std::vector<Sketch> sketches;
  sketches.push_back({"default", [](Schedule&, const WorkloadInstance&) {}});
  const ComputeOpNode* out = as_compute(w.output);
  if (!out) return sketches;
  bool has_reduce_stage = false;
  {
    Schedule probe({w.output});
    for (Stage* s : probe.stages())
      if (s->is_compute() && !s->is_output() && s->op()->tag == tag::kReduce) has_reduce_stage = true;
  }
  if (is_anchor_tag(out->tag) && !out->reduce_axes().empty()) {
    sketches.push_back({"multi-level-tiling(SSRSRS)+cache_write",
                        [lanes](Schedule& sch, const WorkloadInstance& wi) {
                          multi_level_tiling(sch, wi, lanes, false);
                        }});
    if ((is_gemm_tag(out->tag) || is_nchw_conv_tag(out->tag)) && out->axes.size() >= 2 && w.inputs.size() >= 2)
      sketches.push_back({"multi-level-tiling(SSRSRS)+cache_write+cache_read(panel)",
                          [lanes](Schedule& sch, const WorkloadInstance& wi) {
                            multi_level_tiling(sch, wi, lanes, true);
                          }});
  } else if (has_reduce_stage && out->axes.size() >= 2) {
    sketches.push_back({"row-reduction(compute_at row)+parallel+vectorize", row_reduction});
  } else if (out->reduce_axes().empty()) {
    sketches.push_back({"elementwise(fuse+parallel+vectorize)", elementwise});
  } else if (out->axes.size() >= 2) {
    sketches.push_back({"parallel-outer", parallel_outer});
  }
  for (Sketch& s : tensorize_sketches(w, intrinsics, lanes)) sketches.push_back(std::move(s));
  for (Sketch& s : row_stream_sketches(w, lanes)) sketches.push_back(std::move(s));
  return sketches;
}

// Every list of n positive factors whose product is `extent`, appended to `all`.
void factorizations(int64_t extent, int n, std::vector<int64_t>& cur, std::vector<std::vector<int64_t>>& all) {
  if (n == 1) {
    cur.push_back(extent);
    all.push_back(cur);
    cur.pop_back();
    return;
  }
  for (int64_t f = 1; f <= extent; f++) {
    if (extent % f) continue;
    cur.push_back(f);
    factorizations(extent / f, n - 1, cur, all);
    cur.pop_back();
  }
}

bool same_step(const Step& x, const Step& y) {
  if (x.primitive != y.primitive || x.stage != y.stage || x.loops != y.loops || x.strings != y.strings ||
      x.outputs != y.outputs || x.ints.size() != y.ints.size())
    return false;
  for (size_t k = 0; k < x.ints.size(); k++)
    if (x.ints[k].value != y.ints[k].value) return false;
  return true;
}

bool same_steps(const Trace& a, const Trace& b) {
  if (a.steps().size() != b.steps().size()) return false;
  for (size_t i = 0; i < a.steps().size(); i++)
    if (!same_step(a.steps()[i], b.steps()[i])) return false;
  return true;
}

// The steps up to the last sampling step are the same: `a` was written by
// the sketch that wrote `b`, perhaps by an older version of its rules (what
// follows the samples, e.g. how a pad stage is scheduled, may have changed).
bool same_sampling_prefix(const Trace& a, const Trace& b) {
  int last = -1;
  for (int i = 0; i < static_cast<int>(a.steps().size()); i++)
    if (a.steps()[i].primitive.rfind("sample_", 0) == 0) last = i;
  if (last < 0 || static_cast<int>(b.steps().size()) <= last) return false;
  for (int i = 0; i <= last; i++)
    if (!same_step(a.steps()[i], b.steps()[i])) return false;
  return true;
}

// `sketch` applied with the given decisions forced (step index → values). An
// empty trace replayed with decisions yields a schedule that will return them
// from its sampling steps.
std::unique_ptr<Schedule> apply_with_decisions(const WorkloadInstance& w, const Sketch& sketch,
                                               const std::map<int, std::vector<int64_t>>& decisions) {
  std::unique_ptr<Schedule> sch = Trace().replay({w.output}, decisions);
  sketch.apply(*sch, w);
  return sch;
}

}  // namespace

std::vector<Sketch> generate_sketches(const WorkloadInstance& w, const std::string& target) {
  ANVIL_USER_CHECK(is_cpu_target(target), "generate_sketches: no schedule rules for target '"
                                              << target << "' (CPU targets start with c or llvm)");
  return cpu_sketches(w, lanes_of(w, target), tensor_intrinsics(Target::parse(target)));
}

std::unique_ptr<Schedule> sample_schedule(const WorkloadInstance& w, const Sketch& sketch, uint64_t seed) {
  auto sch = std::make_unique<Schedule>(std::vector<Tensor>{w.output}, seed);
  sketch.apply(*sch, w);
  return sch;
}

std::unique_ptr<Schedule> mutate_schedule(const WorkloadInstance& w, const Trace& trace, std::mt19937_64& rng) {
  // The sampling steps that have another value to take.
  struct Candidate {
    int step;
    std::vector<std::vector<int64_t>> others;
  };
  std::vector<Candidate> candidates;
  for (const Decision& d : trace.decisions()) {
    if (d.step < 0 || d.step >= static_cast<int>(trace.steps().size())) continue;
    const Step& s = trace.steps()[d.step];
    Candidate c{d.step, {}};
    if (s.primitive == "sample_perfect_tile" && s.ints.size() >= 2) {
      int64_t extent = 1;
      for (int64_t v : d.values) extent *= v;
      std::vector<std::vector<int64_t>> all;
      std::vector<int64_t> cur;
      factorizations(extent, static_cast<int>(s.ints[0].value), cur, all);
      for (auto& f : all)
        if (f.back() <= s.ints[1].value && f != d.values) c.others.push_back(std::move(f));
    } else if (s.primitive == "sample_categorical") {
      for (size_t i = 0; i < s.ints.size(); i++)
        if (d.values.size() != 1 || static_cast<int64_t>(i) != d.values[0])
          c.others.push_back({static_cast<int64_t>(i)});
    }
    if (!c.others.empty()) candidates.push_back(std::move(c));
  }
  if (candidates.empty()) return nullptr;
  const Candidate& pick = candidates[std::uniform_int_distribution<size_t>(0, candidates.size() - 1)(rng)];
  const std::vector<int64_t>& values =
      pick.others[std::uniform_int_distribution<size_t>(0, pick.others.size() - 1)(rng)];

  std::map<int, std::vector<int64_t>> decisions;
  for (const Decision& d : trace.decisions()) decisions[d.step] = d.values;
  try {
    // Find the sketch that wrote the trace (the vector width is not in the
    // trace: try the common ones) and re-run it with the new decision. A trace
    // of an older version of a sketch (same samples, other steps after them)
    // is re-run by the current one: mutation carries improved rules into the
    // history a search resumes from.
    // Each sketch is applied once: an exact match wins at once, the first
    // prefix match is kept for when there is none.
    std::optional<Sketch> older_version;
    for (int64_t lanes : {16, 8, 4, 2}) {
      for (const Sketch& sketch : cpu_sketches(w, lanes, all_tensor_intrinsics())) {
        std::unique_ptr<Schedule> again;
        try {
          again = apply_with_decisions(w, sketch, decisions);
        } catch (const ScheduleError&) {
          continue;
        }
        if (same_steps(again->trace(), trace)) {
          decisions[pick.step] = values;
          return apply_with_decisions(w, sketch, decisions);
        }
        if (!older_version && same_sampling_prefix(again->trace(), trace)) older_version = sketch;
      }
    }
    if (older_version) {
      decisions[pick.step] = values;
      return apply_with_decisions(w, *older_version, decisions);
    }
    // Not one of ours: replay its recorded primitives with the new decision.
    return trace.replay({w.output}, {{pick.step, values}});
  } catch (const ScheduleError&) {
    return nullptr;
  }
}

}  // namespace anvil
