// conv2d (NCHW, NHWC, grouped, strided, padded, dilated, int8), depthwise
// conv2d and 2-D pooling on odd shapes under several schedules: default, pad
// inlined + tiled + parallel + vectorized with a tail, pad computed at an
// output loop with storage_align, and cache_write with nested compute_at.
#include <gtest/gtest.h>

#include "anvil/ops/Conv2D.h"
#include "anvil/ops/Pool.h"
#include "anvil/ops/Reference.h"
#include "correctness/CorrectnessUtil.h"

using namespace anvil;
using namespace anvil::correctness;

namespace {

const DataType kF32 = DataType::Float(32);
const DataType kI8 = DataType::Int(8);
const DataType kI32 = DataType::Int(32);

// Schedules of a 4-D reduction stage `out` whose last axis is contiguous
// (x for NCHW, channels for NHWC). `pad` is its padded input stage, or empty.
std::vector<Variant> window_variants(const Tensor& out, const std::string& pad) {
  std::vector<Variant> v;
  v.push_back(default_schedule());
  v.push_back({"inline_pad_tiled_vec", [=](Schedule& sch) {
                 if (!pad.empty()) sch.stage(pad).compute_inline();
                 Stage& s = sch[out];
                 Loop f = s.fuse(s.axis(0), s.axis(1));
                 s.parallel(f);
                 auto [xo, xi] = s.split(s.axis(3), 8);
                 std::vector<Loop> order;
                 for (size_t r = 0; r < s.op()->reduce_axes().size(); r++)
                   order.push_back(s.reduce_axis(static_cast<int>(r)));
                 order.push_back(xi);
                 s.reorder(order);
                 s.unroll(order[order.size() - 2]);  // the innermost reduction loop
                 s.vectorize(xi);
               }});
  v.push_back({"pad_at_output_row_aligned", [=](Schedule& sch) {
                 Stage& s = sch[out];
                 auto [xo, xi] = s.split(s.axis(3), 16);
                 s.parallel(s.axis(0));
                 if (!pad.empty()) {
                   Stage& p = sch.stage(pad);
                   p.compute_at(s, s.axis(2));
                   p.storage_align(2, 16, 3);
                 }
                 std::vector<Loop> order;
                 for (size_t r = 0; r < s.op()->reduce_axes().size(); r++)
                   order.push_back(s.reduce_axis(static_cast<int>(r)));
                 order.push_back(xi);
                 s.reorder(order);
                 s.vectorize(xi);
               }});
  // The accumulation in a local tile at the output's x.o loop, the pad stage
  // at a row loop of that local stage (compute_at nested twice).
  v.push_back({"cache_write_nested_at", [=](Schedule& sch) {
                 Tensor local = sch.cache_write(out, "local");
                 Stage& s = sch[out];
                 Loop f = s.fuse(s.axis(0), s.axis(1));
                 s.parallel(f);
                 auto [xo, xi] = s.split(s.axis(3), 4);
                 s.vectorize(xi);
                 Stage& l = sch[local];
                 l.compute_at(s, xo);
                 auto [lxo, lxi] = l.split(l.axis(3), 4);
                 std::vector<Loop> order;
                 for (size_t r = 0; r < l.op()->reduce_axes().size(); r++)
                   order.push_back(l.reduce_axis(static_cast<int>(r)));
                 order.push_back(lxi);
                 l.reorder(order);
                 l.unroll(order[order.size() - 2]);
                 l.vectorize(lxi);
                 if (!pad.empty()) sch.stage(pad).compute_at(l, l.axis(2));
               }});
  return v;
}

Tolerance window_tolerance(int64_t taps) { return {1e-4, 1e-5 + 2e-6 * static_cast<double>(taps)}; }

struct ConvCase {
  std::vector<int64_t> data, weight;  // in the op's layout
  ops::Conv2DAttrs attrs;
};

std::string shape_tag(const std::vector<int64_t>& s) {
  std::string out;
  for (int64_t d : s) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

bool any_padding(const std::array<int, 4>& p) { return p[0] || p[1] || p[2] || p[3]; }

Problem conv_problem(bool nhwc, const ConvCase& c, DataType in, uint64_t seed) {
  bool is_int = in.is_int();
  double lo = is_int ? -128 : -1, hi = is_int ? 127 : 1;
  ops::Conv2DAttrs a = c.attrs;
  a.out_dtype = is_int ? kI32 : kF32;
  Tensor data = placeholder({c.data.begin(), c.data.end()}, in, "data");
  Tensor weight = placeholder({c.weight.begin(), c.weight.end()}, in, "weight");
  Tensor out = nhwc ? ops::conv2d_nhwc(data, weight, a, "conv") : ops::conv2d_nchw(data, weight, a, "conv");
  HostBuffer d = HostBuffer::random(in, c.data, seed, lo, hi);
  HostBuffer w = HostBuffer::random(in, c.weight, seed + 1, lo, hi);
  HostBuffer o = nhwc ? ops::ref::conv2d_nhwc(d, w, a) : ops::ref::conv2d_nchw(d, w, a);
  int64_t taps = 1;
  for (size_t i = 1; i < c.weight.size(); i++) taps *= c.weight[i];
  std::string name = std::string(nhwc ? "conv_nhwc_" : "conv_nchw_") + in.to_string() + "_" +
                     shape_tag(c.data) + "_g" + std::to_string(a.groups) + "_s" +
                     std::to_string(a.strides[0]) + "_d" + std::to_string(a.dilation[1]);
  return {name, {data, weight}, {d, w}, {out}, {o}, window_tolerance(taps),
          window_variants(out, any_padding(a.padding) ? "conv.pad" : "")};
}

ops::Conv2DAttrs conv_attrs(std::array<int, 2> s, std::array<int, 4> p, std::array<int, 2> d, int g) {
  ops::Conv2DAttrs a;
  a.strides = s;
  a.padding = p;
  a.dilation = d;
  a.groups = g;
  return a;
}

}  // namespace

// Channel-blocked conv2d_nchwc: random blocked data and weights against the
// reference (which goes through the plain layouts). Blocks that are not the
// vector width (3, 5) and a stride-2 window leave tails everywhere.
Problem nchwc_problem(std::vector<int64_t> nchw, std::vector<int64_t> oihw, int64_t cb, int64_t ob,
                      ops::Conv2DAttrs a, uint64_t seed) {
  std::vector<int64_t> ds = {nchw[0], nchw[1] / cb, nchw[2], nchw[3], cb};
  std::vector<int64_t> ws = {oihw[0] / ob, oihw[1] / cb, oihw[2], oihw[3], cb, ob};
  Tensor data = placeholder({ds.begin(), ds.end()}, kF32, "data");
  Tensor weight = placeholder({ws.begin(), ws.end()}, kF32, "weight");
  Tensor out = ops::conv2d_nchwc(data, weight, a, "conv");
  HostBuffer d = HostBuffer::random(kF32, ds, seed);
  HostBuffer w = HostBuffer::random(kF32, ws, seed + 1);
  HostBuffer o = ops::ref::conv2d_nchwc(d, w, a);
  std::string name = "conv_nchwc_" + shape_tag(ds) + "_" + shape_tag(ws) + "_s" + std::to_string(a.strides[0]);
  return {name, {data, weight}, {d, w}, {out}, {o}, window_tolerance(oihw[1] * oihw[2] * oihw[3]),
          window_variants(out, any_padding(a.padding) ? "conv.pad" : "")};
}

TEST(Conv2DNCHWcCorrectness, Float32BlockedLayouts) {
  std::vector<Problem> problems;
  problems.push_back(nchwc_problem({1, 6, 7, 5}, {10, 6, 3, 3}, 3, 5, conv_attrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1), 71));
  problems.push_back(nchwc_problem({1, 4, 9, 11}, {32, 4, 3, 3}, 4, 16, conv_attrs({2, 2}, {1, 1, 1, 1}, {1, 1}, 1), 72));
  problems.push_back(nchwc_problem({1, 16, 1, 1}, {16, 16, 1, 1}, 16, 16, conv_attrs({1, 1}, {0, 0, 0, 0}, {1, 1}, 1), 73));
  check_problems(problems);
}

TEST(Conv2DNCHWCorrectness, Float32StridePadDilationGroups) {
  std::vector<Problem> problems;
  // 3x3, unit stride, symmetric padding; W = 13 leaves a vector tail.
  problems.push_back(conv_problem(false, {{1, 3, 7, 13}, {5, 3, 3, 3}, conv_attrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1)}, kF32, 61));
  // Stride 2, asymmetric padding, dilation 2 along x, 2 groups.
  problems.push_back(conv_problem(false, {{2, 4, 11, 17}, {6, 2, 3, 2}, conv_attrs({2, 1}, {1, 2, 0, 1}, {1, 2}, 2)}, kF32, 62));
  // 1x1 kernel without padding (no pad stage), 1x1 spatial extent.
  problems.push_back(conv_problem(false, {{1, 13, 1, 1}, {7, 13, 1, 1}, conv_attrs({1, 1}, {0, 0, 0, 0}, {1, 1}, 1)}, kF32, 63));
  check_problems(problems);
}

TEST(Conv2DNCHWCorrectness, Int8ToInt32Exact) {
  std::vector<Problem> problems;
  problems.push_back(conv_problem(false, {{1, 4, 9, 11}, {6, 2, 3, 3}, conv_attrs({2, 2}, {1, 0, 1, 2}, {1, 1}, 2)}, kI8, 64));
  check_problems(problems);
}

TEST(Conv2DNHWCCorrectness, Float32AndInt8GroupsStridePadDilation) {
  std::vector<Problem> problems;
  // NHWC weight [KH, KW, C/groups, O]; O = 9 channels vectorize with a tail.
  problems.push_back(conv_problem(true, {{1, 7, 9, 6}, {3, 3, 2, 9}, conv_attrs({1, 2}, {1, 1, 2, 0}, {2, 1}, 3)}, kF32, 71));
  problems.push_back(conv_problem(true, {{2, 5, 5, 3}, {3, 1, 3, 17}, conv_attrs({1, 1}, {1, 0, 1, 0}, {1, 1}, 1)}, kF32, 72));
  problems.push_back(conv_problem(true, {{1, 6, 7, 4}, {2, 3, 2, 6}, conv_attrs({2, 1}, {0, 1, 1, 1}, {1, 1}, 2)}, kI8, 73));
  check_problems(problems);
}

TEST(DepthwiseConv2DCorrectness, Float32AndInt8Multiplier) {
  std::vector<Problem> problems;
  struct Case {
    std::vector<int64_t> data, weight;
    std::array<int, 2> strides, dilation;
    std::array<int, 4> padding;
    DataType in;
  };
  for (const Case& c : {Case{{1, 3, 13, 11}, {3, 1, 3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, kF32},
                        Case{{2, 2, 9, 7}, {2, 3, 3, 2}, {2, 1}, {1, 2}, {0, 2, 1, 1}, kF32},
                        Case{{1, 3, 7, 9}, {3, 2, 3, 3}, {1, 2}, {1, 1}, {1, 1, 1, 1}, kI8}}) {
    bool is_int = c.in.is_int();
    double lo = is_int ? -128 : -1, hi = is_int ? 127 : 1;
    ops::DepthwiseConv2DAttrs a;
    a.strides = c.strides;
    a.dilation = c.dilation;
    a.padding = c.padding;
    a.out_dtype = is_int ? kI32 : kF32;
    Tensor data = placeholder({c.data.begin(), c.data.end()}, c.in, "data");
    Tensor weight = placeholder({c.weight.begin(), c.weight.end()}, c.in, "weight");
    Tensor out = ops::depthwise_conv2d_nchw(data, weight, a, "dw");
    HostBuffer d = HostBuffer::random(c.in, c.data, 81, lo, hi);
    HostBuffer w = HostBuffer::random(c.in, c.weight, 82, lo, hi);
    HostBuffer o = ops::ref::depthwise_conv2d_nchw(d, w, a);
    problems.push_back({"depthwise_" + c.in.to_string() + "_" + shape_tag(c.data) + "_m" +
                            std::to_string(c.weight[1]),
                        {data, weight}, {d, w}, {out}, {o}, window_tolerance(9),
                        window_variants(out, "dw.pad")});
  }
  check_problems(problems);
}

// Channel-blocked depthwise: blocks of 16 (one vector), 5 (a tail) and a
// stride-2 window; the reference loops over the blocked layouts directly.
TEST(DepthwiseConv2DNCHWcCorrectness, Float32BlockedLayouts) {
  std::vector<Problem> problems;
  struct Case {
    std::vector<int64_t> data, weight;  // [N, C/cb, H, W, cb], [C/cb, KH, KW, cb]
    int stride;
  };
  for (const Case& c : {Case{{1, 2, 9, 13, 16}, {2, 3, 3, 16}, 1}, Case{{1, 3, 7, 5, 5}, {3, 3, 3, 5}, 2},
                        Case{{1, 1, 1, 1, 16}, {1, 3, 3, 16}, 1}}) {
    ops::DepthwiseConv2DAttrs a;
    a.strides = {c.stride, c.stride};
    a.padding = {1, 1, 1, 1};
    Tensor data = placeholder({c.data.begin(), c.data.end()}, kF32, "data");
    Tensor weight = placeholder({c.weight.begin(), c.weight.end()}, kF32, "weight");
    Tensor out = ops::depthwise_conv2d_nchwc(data, weight, a, "dw");
    HostBuffer d = HostBuffer::random(kF32, c.data, 91);
    HostBuffer w = HostBuffer::random(kF32, c.weight, 92);
    HostBuffer o = ops::ref::depthwise_conv2d_nchwc(d, w, a);
    problems.push_back({"depthwise_nchwc_" + shape_tag(c.data) + "_s" + std::to_string(c.stride), {data, weight},
                        {d, w}, {out}, {o}, window_tolerance(9), window_variants(out, "dw.pad")});
  }
  check_problems(problems);
}

TEST(MaxPool2DCorrectness, PaddedStridedOddShapes) {
  std::vector<Problem> problems;
  struct Case {
    std::vector<int64_t> data;
    ops::Pool2DAttrs attrs;
  };
  for (const Case& c : {Case{{1, 3, 13, 11}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, true}},
                        Case{{2, 2, 7, 17}, {{2, 3}, {1, 2}, {0, 2, 1, 0}, true}},
                        Case{{1, 5, 6, 6}, {{2, 2}, {2, 2}, {0, 0, 0, 0}, true}}}) {
    Tensor data = placeholder({c.data.begin(), c.data.end()}, kF32, "data");
    Tensor out = ops::max_pool2d(data, c.attrs, "mp");
    HostBuffer d = HostBuffer::random(kF32, c.data, 91);
    HostBuffer o = ops::ref::max_pool2d(d, c.attrs);
    problems.push_back({"max_pool_" + shape_tag(c.data), {data}, {d}, {out}, {o}, {0, 0},
                        window_variants(out, any_padding(c.attrs.padding) ? "mp.pad" : "")});
  }
  check_problems(problems);
}

namespace {

// avg_pool2d is a window-sum stage ("ap.sum") and a division (the output).
std::vector<Variant> avg_pool_variants(const Tensor& out, bool padded) {
  std::vector<Variant> v;
  v.push_back(default_schedule());
  v.push_back({"sum_at_row_inline_pad_vec", [=](Schedule& sch) {
                 if (padded) sch.stage("ap.pad").compute_inline();
                 Stage& s = sch[out];
                 Loop f = s.fuse(s.axis(0), s.axis(1));
                 s.parallel(f);
                 auto [xo, xi] = s.split(s.axis(3), 8);
                 s.vectorize(xi);
                 Stage& sum = sch.stage("ap.sum");
                 sum.compute_at(s, s.axis(2));
                 auto [sxo, sxi] = sum.split(sum.axis(3), 8);
                 sum.reorder({sum.reduce_axis(0), sum.reduce_axis(1), sxi});
                 sum.vectorize(sxi);
               }});
  v.push_back({"pad_at_sum_aligned_unroll", [=](Schedule& sch) {
                 Stage& sum = sch.stage("ap.sum");
                 sum.storage_align(2, 8, 1);
                 Loop f = sum.fuse(sum.axis(0), sum.axis(1));
                 sum.parallel(f);
                 sum.unroll(sum.reduce_axis(1));
                 if (padded) sch.stage("ap.pad").compute_at(sum, f);
                 Stage& s = sch[out];
                 auto [xo, xi] = s.split(s.axis(3), 4);
                 s.unroll(xi);
               }});
  return v;
}

}  // namespace

TEST(AvgPool2DCorrectness, BothCountIncludePadModes) {
  std::vector<Problem> problems;
  struct Case {
    std::vector<int64_t> data;
    ops::Pool2DAttrs attrs;
  };
  for (bool include : {true, false}) {
    for (const Case& c : {Case{{1, 3, 13, 11}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, include}},
                          Case{{2, 2, 7, 17}, {{2, 3}, {1, 2}, {1, 2, 0, 1}, include}}}) {
      Tensor data = placeholder({c.data.begin(), c.data.end()}, kF32, "data");
      Tensor out = ops::avg_pool2d(data, c.attrs, "ap");
      HostBuffer d = HostBuffer::random(kF32, c.data, 95);
      HostBuffer o = ops::ref::avg_pool2d(d, c.attrs);
      problems.push_back({"avg_pool_" + std::string(include ? "incl_" : "excl_") + shape_tag(c.data),
                          {data}, {d}, {out}, {o}, window_tolerance(9),
                          avg_pool_variants(out, any_padding(c.attrs.padding))});
    }
  }
  check_problems(problems);
}
