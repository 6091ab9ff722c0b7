// pad and the 2-D convolutions: shapes, tags, refused arguments, references
// against hand-computed values and identities, and compute definitions
// against the references.
#include "anvil/ops/Conv2D.h"

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <limits>

#include "OpTestUtil.h"
#include "anvil/ops/Layout.h"
#include "anvil/ops/Pad.h"
#include "anvil/ops/Reference.h"
#include "anvil/ops/Tags.h"

using namespace anvil;
using namespace anvil::ops::testing;
using ::testing::HasSubstr;

namespace {

const DataType f32 = DataType::Float(32);
const DataType i8 = DataType::Int(8);
const DataType i32 = DataType::Int(32);

std::vector<double> iota(int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; i++) v[i] = i + 1;
  return v;
}

// Evaluates out's compute definition with the given inputs bound.
HostBuffer run(const Tensor& out, const std::vector<std::pair<Tensor, HostBuffer>>& inputs) {
  TEInterpreter interp;
  for (const auto& [t, b] : inputs) interp.bind(t, b);
  return interp.run(out);
}

// Copies channels [c0, c0 + count) of dimension 1 of a rank-4 buffer.
HostBuffer slice_dim1(const HostBuffer& b, int64_t c0, int64_t count) {
  const auto& s = b.shape();
  HostBuffer out(b.dtype(), {s[0], count, s[2], s[3]});
  int64_t plane = s[2] * s[3];
  for (int64_t n = 0; n < s[0]; n++)
    for (int64_t c = 0; c < count; c++)
      for (int64_t i = 0; i < plane; i++)
        out.set((n * count + c) * plane + i, b.get((n * s[1] + c0 + c) * plane + i));
  return out;
}

// Permutes a rank-4 buffer: out dimension d is input dimension perm[d].
HostBuffer transpose4(const HostBuffer& b, std::array<int, 4> perm) {
  const auto& s = b.shape();
  std::vector<int64_t> os = {s[perm[0]], s[perm[1]], s[perm[2]], s[perm[3]]};
  HostBuffer out(b.dtype(), os);
  int64_t idx[4];
  for (idx[0] = 0; idx[0] < s[0]; idx[0]++)
    for (idx[1] = 0; idx[1] < s[1]; idx[1]++)
      for (idx[2] = 0; idx[2] < s[2]; idx[2]++)
        for (idx[3] = 0; idx[3] < s[3]; idx[3]++) {
          int64_t src = ((idx[0] * s[1] + idx[1]) * s[2] + idx[2]) * s[3] + idx[3];
          int64_t dst = ((idx[perm[0]] * os[1] + idx[perm[1]]) * os[2] + idx[perm[2]]) * os[3] +
                        idx[perm[3]];
          out.set(dst, b.get(src));
        }
  return out;
}

// A stage reading x[i + 1] without a guard: its last point is out of bounds.
void run_unguarded_shift() {
  Tensor x = placeholder({3}, f32, "x");
  Tensor y = compute({3}, [&](Var i) { return x(i + 1); }, "shift");
  TEInterpreter interp;
  interp.bind(x, HostBuffer(f32, {3}));
  interp.run(y);
}

}  // namespace

// ------------------------------------------------------------------------ pad

// The pad and conv tests rely on the interpreter to catch reads outside a
// tensor; make sure it does.
TEST(Pad, InterpreterFlagsUnguardedReads) {
  EXPECT_NONFATAL_FAILURE(run_unguarded_shift(), "out-of-bounds read of x: index 3");
}

TEST(Pad, ShapeTagAndValues) {
  Tensor x = placeholder({2, 3}, f32, "x");
  Tensor p = ops::pad(x, {1, 0}, {0, 2}, 9.0);
  EXPECT_EQ(shape_of(p), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(p.dtype(), f32);
  EXPECT_EQ(tag_of(p), ops::tag::kPad);
  HostBuffer xb = HostBuffer::from_values(f32, {2, 3}, {1, 2, 3, 4, 5, 6});
  std::vector<double> expected = {9, 9, 9, 9, 9,  //
                                  1, 2, 3, 9, 9,  //
                                  4, 5, 6, 9, 9};
  EXPECT_EQ(ops::ref::pad(xb, {1, 0}, {0, 2}, 9.0).to_vector(), expected);
  // The interpreter fails the test on any out-of-bounds read of x.
  EXPECT_EQ(run(p, {{x, xb}}).to_vector(), expected);
}

TEST(Pad, GuardsEveryPaddedSide) {
  Tensor x = placeholder({3, 4}, i8, "x");
  Tensor p = ops::pad(x, {2, 1}, {1, 3}, -128.0);
  HostBuffer xb = HostBuffer::random(i8, {3, 4}, 11, -100, 100);
  HostBuffer r = ops::ref::pad(xb, {2, 1}, {1, 3}, -128.0);
  EXPECT_EQ(r.shape(), (std::vector<int64_t>{6, 8}));
  EXPECT_EQ(r.get_int(0), -128);
  EXPECT_EQ(r.get_int(2 * 8 + 1), xb.get_int(0));
  EXPECT_EQ(max_abs_diff(run(p, {{x, xb}}), r), 0);
}

TEST(Pad, RefusesBadArguments) {
  Tensor x = placeholder({2, 3}, f32, "x");
  EXPECT_THAT(user_error_of([&] { ops::pad(x, {1}, {1, 1}); }),
              HasSubstr("one width per dimension"));
  EXPECT_THAT(user_error_of([&] { ops::pad(x, {0, -1}, {0, 0}); }),
              HasSubstr("pad: argument 'before' has value -1 at dimension 1"));
  EXPECT_THAT(user_error_of([&] { ops::pad(x, {0, 0}, {-2, 0}); }),
              HasSubstr("pad: argument 'after' has value -2 at dimension 0"));
  Tensor q = placeholder({2}, i8, "q");
  EXPECT_THAT(user_error_of([&] { ops::pad(q, {1}, {1}, 0.5); }),
              HasSubstr("'pad_value' 0.5 is not representable in int8"));
  EXPECT_THAT(user_error_of([&] { ops::pad(q, {1}, {1}, 300); }), HasSubstr("int8"));
  EXPECT_THAT(user_error_of([&] {
                ops::pad(q, {1}, {1}, -std::numeric_limits<double>::infinity());
              }),
              HasSubstr("not representable"));
}

// ---------------------------------------------------------------- conv2d_nchw

TEST(Conv2dNCHW, ShapeTagAndPadStage) {
  Tensor data = placeholder({2, 3, 7, 9}, f32, "data");
  Tensor w = placeholder({8, 3, 3, 3}, f32, "w");
  Tensor out = ops::conv2d_nchw(data, w, {.strides = {2, 1}, .padding = {1, 0, 1, 2}}, "conv");
  // H: (7 + 2 - 3) / 2 + 1 = 4; W: (9 + 2 - 3) / 1 + 1 = 9.
  EXPECT_EQ(shape_of(out), (std::vector<int64_t>{2, 8, 4, 9}));
  EXPECT_EQ(out.dtype(), f32);
  EXPECT_EQ(tag_of(out), ops::tag::kConv2dNCHW);
  Tensor padded = find_stage(out, "conv.pad");
  ASSERT_TRUE(padded.defined());
  EXPECT_EQ(tag_of(padded), ops::tag::kPad);
  EXPECT_EQ(shape_of(padded), (std::vector<int64_t>{2, 3, 9, 11}));
  EXPECT_EQ(as_compute(out)->reduce_axes().size(), 3u);

  // No padding, no pad stage: the convolution reads data directly.
  Tensor plain = ops::conv2d_nchw(data, w, {.dilation = {2, 2}}, "plain");
  EXPECT_FALSE(find_stage(plain, "plain.pad").defined());
  EXPECT_EQ(shape_of(plain), (std::vector<int64_t>{2, 8, 3, 5}));  // dilated kernel spans 5
  Tensor grouped = ops::conv2d_nchw(placeholder({1, 4, 5, 5}, f32, "d"),
                                    placeholder({6, 2, 3, 3}, f32, "w"), {.groups = 2});
  EXPECT_EQ(tag_of(grouped), ops::tag::kGroupConv2dNCHW);
}

// ---------------------------------------------------------------- conv2d_nchwc
TEST(Conv2dNCHWc, LayoutConversionsPlaceEachElementAndRoundTrip) {
  HostBuffer d = HostBuffer::random(f32, {2, 6, 3, 5}, 1);
  HostBuffer b = ops::nchw_to_nchwc(d, 3);
  ASSERT_EQ(b.shape(), (std::vector<int64_t>{2, 2, 3, 5, 3}));
  // data[1, 4, 2, 3] is channel 4 = block 1, lane 1.
  EXPECT_EQ(b.data<float>()[(((1 * 2 + 1) * 3 + 2) * 5 + 3) * 3 + 1], d.data<float>()[((1 * 6 + 4) * 3 + 2) * 5 + 3]);
  EXPECT_EQ(ops::nchwc_to_nchw(b).to_vector(), d.to_vector());

  HostBuffer w = HostBuffer::random(f32, {8, 6, 3, 2}, 2);
  HostBuffer wb = ops::oihw_to_blocked(w, 3, 4);
  ASSERT_EQ(wb.shape(), (std::vector<int64_t>{2, 2, 3, 2, 3, 4}));
  // weight[5, 1, 2, 1]: output block 1 lane 1, input block 0 lane 1.
  EXPECT_EQ(wb.data<float>()[((((1 * 2 + 0) * 3 + 2) * 2 + 1) * 3 + 1) * 4 + 1], w.data<float>()[((5 * 6 + 1) * 3 + 2) * 2 + 1]);
  EXPECT_EQ(ops::blocked_to_oihw(wb).to_vector(), w.to_vector());

  EXPECT_THAT(user_error_of([&] { ops::nchw_to_nchwc(d, 4); }),
              HasSubstr("nchw_to_nchwc: channel count 6 is not a multiple of the block 4"));
  EXPECT_THAT(user_error_of([&] { ops::oihw_to_blocked(w, 3, 3); }),
              HasSubstr("output channel count 8 is not a multiple of the block 3"));
  EXPECT_THAT(user_error_of([&] { ops::nchwc_to_nchw(d); }), HasSubstr("expected a rank-5 tensor"));
}

TEST(Conv2dNCHWc, ShapeTagAgreesWithThePlainConvAndRefuses) {
  Tensor data = placeholder({1, 2, 9, 7, 3}, f32, "d");
  Tensor w = placeholder({2, 2, 3, 3, 3, 5}, f32, "w");
  Tensor out = ops::conv2d_nchwc(data, w, {.strides = {2, 2}, .padding = {1, 1, 1, 1}}, "conv");
  EXPECT_EQ(tag_of(out), ops::tag::kConv2dNCHWc);
  std::vector<int64_t> shape;
  for (const Expr& e : out.shape()) shape.push_back(*as_const_int(e));
  EXPECT_EQ(shape, (std::vector<int64_t>{1, 2, 5, 4, 5}));

  HostBuffer d = HostBuffer::random(f32, {1, 6, 9, 7}, 3);
  HostBuffer wp = HostBuffer::random(f32, {10, 6, 3, 3}, 4);
  ops::Conv2DAttrs a{.strides = {2, 2}, .padding = {1, 1, 1, 1}};
  HostBuffer blocked = ops::ref::conv2d_nchwc(ops::nchw_to_nchwc(d, 3), ops::oihw_to_blocked(wp, 3, 5), a);
  EXPECT_EQ(ops::nchwc_to_nchw(blocked).to_vector(), ops::ref::conv2d_nchw(d, wp, a).to_vector());

  EXPECT_THAT(user_error_of([&] { ops::conv2d_nchwc(data, placeholder({2, 2, 3, 3, 4, 5}, f32, "w2")); }),
              HasSubstr("do not match the data's [2 x 3]"));
  EXPECT_THAT(user_error_of([&] { ops::conv2d_nchwc(data, placeholder({2, 3, 3, 5}, f32, "w3")); }),
              HasSubstr("expected data [N, C/cb, H, W, cb] and weight [O/ob, C/cb, KH, KW, cb, ob]"));
  EXPECT_THAT(user_error_of([&] { ops::conv2d_nchwc(data, w, {.groups = 2}); }),
              HasSubstr("groups and dilation are not supported"));
}

TEST(Conv2dNCHW, RefusesBadArguments) {
  Tensor data = placeholder({1, 4, 5, 5}, f32, "data");
  Tensor w = placeholder({6, 4, 3, 3}, f32, "w");
  auto msg = [&](const ops::Conv2DAttrs& a, Tensor weight) {
    return user_error_of([&] { ops::conv2d_nchw(data, weight, a); });
  };
  EXPECT_THAT(msg({.strides = {1, 0}}, w),
              HasSubstr("conv2d_nchw: argument 'strides' has value 0 at index 1"));
  EXPECT_THAT(msg({.dilation = {-1, 1}}, w),
              HasSubstr("argument 'dilation' has value -1 at index 0"));
  EXPECT_THAT(msg({.padding = {0, 0, -1, 0}}, w),
              HasSubstr("argument 'padding' has value -1 at index 2"));
  EXPECT_THAT(msg({.groups = 0}, w), HasSubstr("argument 'groups' is 0"));
  EXPECT_THAT(msg({.groups = 3}, placeholder({6, 1, 3, 3}, f32, "w")),
              HasSubstr("the 4 input channels of 'data' (shape [1, 4, 5, 5]) are not divisible "
                        "by groups = 3"));
  EXPECT_THAT(msg({.groups = 4}, placeholder({6, 1, 3, 3}, f32, "w")),
              HasSubstr("the 6 output channels of 'weight'"));
  EXPECT_THAT(msg({.groups = 2}, w), HasSubstr("has 4 input channels; data has 4 channels in 2 "
                                               "group(s), so 2 expected"));
  EXPECT_THAT(msg({}, placeholder({6, 4, 6, 3}, f32, "w")),
              HasSubstr("the kernel height 6 (dilated 6) is larger than the padded input "
                        "height 5"));
  EXPECT_THAT(msg({.dilation = {1, 3}}, w),
              HasSubstr("the kernel width 3 (dilated 7) is larger than the padded input width 5"));
  // Padding makes room for the same kernel.
  EXPECT_NO_THROW(ops::conv2d_nchw(data, placeholder({6, 4, 6, 3}, f32, "w"),
                                   {.padding = {1, 0, 0, 0}}));
  EXPECT_THAT(msg({}, placeholder({6, 4, 3}, f32, "w")), HasSubstr("argument 'weight' has rank 3"));
  EXPECT_THAT(msg({}, placeholder({6, 4, 3, 3}, i8, "w")),
              HasSubstr("mismatched dtypes: 'data' is float32 and 'weight' is int8"));
  EXPECT_THAT(
      user_error_of([&] { ops::conv2d_nchw(placeholder({4, 5, 5}, f32, "d"), w); }),
      HasSubstr("argument 'data' has rank 3"));
  // The reference refuses the same arguments.
  HostBuffer d(f32, {1, 4, 5, 5}), wb(f32, {6, 4, 3, 3});
  EXPECT_THAT(user_error_of([&] { ops::ref::conv2d_nchw(d, wb, {.strides = {0, 1}}); }),
              HasSubstr("argument 'strides' has value 0 at index 0"));
}

TEST(Conv2dNCHW, ReferenceByHandWithPadding) {
  // 1-channel 4x4 input 1..16, 3x3 kernel of ones, padding 1: each output is
  // the sum of the in-bounds 3x3 neighbourhood.
  HostBuffer data = HostBuffer::from_values(f32, {1, 1, 4, 4}, iota(16));
  HostBuffer ones = HostBuffer::from_values(f32, {1, 1, 3, 3}, std::vector<double>(9, 1.0));
  ops::Conv2DAttrs attrs{.padding = {1, 1, 1, 1}};
  std::vector<double> expected = {14, 24, 30, 22,  //
                                  33, 54, 63, 45,  //
                                  57, 90, 99, 69,  //
                                  46, 72, 78, 54};
  EXPECT_EQ(ops::ref::conv2d_nchw(data, ones, attrs).to_vector(), expected);

  // A single tap at (0, 2): out[y][x] = in[y - 1][x + 1] (cross-correlation,
  // as in every framework), zero where that is padding.
  HostBuffer tap(f32, {1, 1, 3, 3});
  tap.set(2, 1.0);
  std::vector<double> shifted = {0, 0, 0, 0,   //
                                 2, 3, 4, 0,   //
                                 6, 7, 8, 0,   //
                                 10, 11, 12, 0};
  EXPECT_EQ(ops::ref::conv2d_nchw(data, tap, attrs).to_vector(), shifted);

  Tensor d = placeholder({1, 1, 4, 4}, f32, "d"), w = placeholder({1, 1, 3, 3}, f32, "w");
  Tensor out = ops::conv2d_nchw(d, w, attrs);
  EXPECT_EQ(run(out, {{d, data}, {w, ones}}).to_vector(), expected);
  EXPECT_EQ(run(out, {{d, data}, {w, tap}}).to_vector(), shifted);
}

TEST(Conv2dNCHW, StridedDilatedComputeMatchesReference) {
  ops::Conv2DAttrs attrs{.strides = {2, 1}, .padding = {1, 2, 0, 1}, .dilation = {1, 2}};
  Tensor d = placeholder({2, 3, 7, 6}, f32, "d"), w = placeholder({4, 3, 3, 2}, f32, "w");
  HostBuffer db = HostBuffer::random(f32, {2, 3, 7, 6}, 21);
  HostBuffer wb = HostBuffer::random(f32, {4, 3, 3, 2}, 22);
  HostBuffer expected = ops::ref::conv2d_nchw(db, wb, attrs);
  Tensor out = ops::conv2d_nchw(d, w, attrs);
  EXPECT_EQ(expected.shape(), shape_of(out));
  EXPECT_TRUE(all_close(run(out, {{d, db}, {w, wb}}), expected, 1e-5, 1e-5));
}

TEST(Conv2dNCHW, GroupedEqualsPerGroupConvolutions) {
  ops::Conv2DAttrs attrs{.padding = {1, 1, 1, 1}, .groups = 2};
  HostBuffer db = HostBuffer::random(f32, {1, 4, 5, 5}, 31);
  HostBuffer wb = HostBuffer::random(f32, {6, 2, 3, 3}, 32);
  HostBuffer grouped = ops::ref::conv2d_nchw(db, wb, attrs);
  ASSERT_EQ(grouped.shape(), (std::vector<int64_t>{1, 6, 5, 5}));
  for (int g = 0; g < 2; g++) {
    HostBuffer part = ops::ref::conv2d_nchw(slice_dim1(db, 2 * g, 2),
                                            [&] {
                                              // weights of output channels 3g .. 3g+2
                                              HostBuffer w(f32, {3, 2, 3, 3});
                                              for (int i = 0; i < 54; i++)
                                                w.set(i, wb.get(g * 54 + i));
                                              return w;
                                            }(),
                                            {.padding = {1, 1, 1, 1}});
    EXPECT_EQ(max_abs_diff(slice_dim1(grouped, 3 * g, 3), part), 0) << "group " << g;
  }
  Tensor d = placeholder({1, 4, 5, 5}, f32, "d"), w = placeholder({6, 2, 3, 3}, f32, "w");
  EXPECT_TRUE(all_close(run(ops::conv2d_nchw(d, w, attrs), {{d, db}, {w, wb}}), grouped, 1e-5,
                        1e-5));
}

TEST(Conv2dNCHW, Int8IsExact) {
  ops::Conv2DAttrs attrs{.padding = {1, 1, 1, 1}, .out_dtype = i32};
  Tensor d = placeholder({1, 3, 4, 4}, i8, "d"), w = placeholder({2, 3, 3, 3}, i8, "w");
  Tensor out = ops::conv2d_nchw(d, w, attrs);
  EXPECT_EQ(out.dtype(), i32);
  HostBuffer db = HostBuffer::random(i8, {1, 3, 4, 4}, 41, -128, 127);
  HostBuffer wb = HostBuffer::random(i8, {2, 3, 3, 3}, 42, -128, 127);
  HostBuffer expected = ops::ref::conv2d_nchw(db, wb, attrs);
  EXPECT_EQ(expected.dtype(), i32);
  // Centre output of channel 0 by the definition: all 27 taps in bounds.
  int64_t centre = 0;
  for (int c = 0; c < 3; c++)
    for (int ky = 0; ky < 3; ky++)
      for (int kx = 0; kx < 3; kx++)
        centre += db.get_int((c * 4 + ky) * 4 + kx) * wb.get_int((c * 3 + ky) * 3 + kx);
  EXPECT_EQ(expected.get_int(1 * 4 + 1), centre);
  EXPECT_EQ(max_abs_diff(run(out, {{d, db}, {w, wb}}), expected), 0);
  EXPECT_THAT(user_error_of([&] { ops::conv2d_nchw(d, w); }),
              HasSubstr("int8 inputs need out_dtype int32"));
}

// ---------------------------------------------------------------- conv2d_nhwc

TEST(Conv2dNHWC, MatchesNCHWOnTransposedData) {
  ops::Conv2DAttrs attrs{.strides = {1, 2}, .padding = {2, 1, 0, 1}, .dilation = {2, 1},
                         .groups = 2};
  HostBuffer d_nchw = HostBuffer::random(f32, {2, 4, 6, 7}, 51);
  HostBuffer w_oihw = HostBuffer::random(f32, {6, 2, 3, 3}, 52);
  HostBuffer d_nhwc = transpose4(d_nchw, {0, 2, 3, 1});
  HostBuffer w_hwio = transpose4(w_oihw, {2, 3, 1, 0});
  HostBuffer out_nchw = ops::ref::conv2d_nchw(d_nchw, w_oihw, attrs);
  HostBuffer out_nhwc = ops::ref::conv2d_nhwc(d_nhwc, w_hwio, attrs);
  EXPECT_TRUE(all_close(transpose4(out_nhwc, {0, 3, 1, 2}), out_nchw, 1e-6, 1e-6));

  Tensor d = placeholder({2, 6, 7, 4}, f32, "d"), w = placeholder({3, 3, 2, 6}, f32, "w");
  Tensor out = ops::conv2d_nhwc(d, w, attrs, "conv");
  EXPECT_EQ(shape_of(out), out_nhwc.shape());
  EXPECT_EQ(tag_of(out), ops::tag::kGroupConv2dNHWC);
  EXPECT_EQ(shape_of(find_stage(out, "conv.pad")), (std::vector<int64_t>{2, 8, 9, 4}));
  EXPECT_TRUE(all_close(run(out, {{d, d_nhwc}, {w, w_hwio}}), out_nhwc, 1e-5, 1e-5));
  EXPECT_EQ(tag_of(ops::conv2d_nhwc(d, placeholder({3, 3, 4, 5}, f32, "w"))),
            ops::tag::kConv2dNHWC);
}

TEST(Conv2dNHWC, RefusesBadArguments) {
  Tensor d = placeholder({1, 5, 5, 4}, f32, "d");
  EXPECT_THAT(user_error_of([&] { ops::conv2d_nhwc(d, placeholder({3, 3, 3, 8}, f32, "w")); }),
              HasSubstr("conv2d_nhwc: argument 'weight' (shape [3, 3, 3, 8]) has 3 input "
                        "channels"));
  EXPECT_THAT(user_error_of([&] {
                ops::conv2d_nhwc(d, placeholder({3, 3, 4, 8}, f32, "w"), {.strides = {0, 0}});
              }),
              HasSubstr("conv2d_nhwc: argument 'strides' has value 0"));
  EXPECT_THAT(user_error_of([&] { ops::conv2d_nhwc(d, placeholder({7, 3, 4, 8}, f32, "w")); }),
              HasSubstr("kernel height 7"));
}

// ------------------------------------------------------ depthwise_conv2d_nchw

TEST(DepthwiseConv2d, ShapeTagAndEqualsGroupedConv) {
  ops::DepthwiseConv2DAttrs attrs{.strides = {2, 2}, .padding = {1, 1, 1, 1}};
  Tensor d = placeholder({2, 3, 6, 6}, f32, "d"), w = placeholder({3, 2, 3, 3}, f32, "w");
  Tensor out = ops::depthwise_conv2d_nchw(d, w, attrs);
  EXPECT_EQ(shape_of(out), (std::vector<int64_t>{2, 6, 3, 3}));
  EXPECT_EQ(tag_of(out), ops::tag::kDepthwiseConv2dNCHW);

  HostBuffer db = HostBuffer::random(f32, {2, 3, 6, 6}, 61);
  HostBuffer wb = HostBuffer::random(f32, {3, 2, 3, 3}, 62);
  HostBuffer expected = ops::ref::depthwise_conv2d_nchw(db, wb, attrs);
  // weight [C, M, KH, KW] has the memory layout of a grouped conv's weight
  // [C * M, 1, KH, KW] with groups = C.
  HostBuffer w_grouped(f32, {6, 1, 3, 3});
  for (int i = 0; i < 54; i++) w_grouped.set(i, wb.get(i));
  HostBuffer grouped = ops::ref::conv2d_nchw(
      db, w_grouped, {.strides = {2, 2}, .padding = {1, 1, 1, 1}, .groups = 3});
  EXPECT_EQ(max_abs_diff(expected, grouped), 0);
  EXPECT_TRUE(all_close(run(out, {{d, db}, {w, wb}}), expected, 1e-5, 1e-5));

  // Multiplier 1 and int8.
  Tensor qd = placeholder({1, 4, 5, 5}, i8, "qd"), qw = placeholder({4, 1, 3, 3}, i8, "qw");
  ops::DepthwiseConv2DAttrs qattrs{.dilation = {2, 1}, .out_dtype = i32};
  HostBuffer qdb = HostBuffer::random(i8, {1, 4, 5, 5}, 63, -128, 127);
  HostBuffer qwb = HostBuffer::random(i8, {4, 1, 3, 3}, 64, -128, 127);
  EXPECT_EQ(max_abs_diff(run(ops::depthwise_conv2d_nchw(qd, qw, qattrs), {{qd, qdb}, {qw, qwb}}),
                         ops::ref::depthwise_conv2d_nchw(qdb, qwb, qattrs)),
            0);
}

TEST(DepthwiseConv2dNCHWc, ShapeTagAgreesWithThePlainOpAndRefuses) {
  Tensor data = placeholder({1, 2, 9, 7, 3}, f32, "d");
  Tensor w = placeholder({2, 3, 3, 3}, f32, "w");
  Tensor out = ops::depthwise_conv2d_nchwc(data, w, {.strides = {2, 2}, .padding = {1, 1, 1, 1}}, "dw");
  EXPECT_EQ(tag_of(out), ops::tag::kDepthwiseConv2dNCHWc);
  std::vector<int64_t> shape;
  for (const Expr& e : out.shape()) shape.push_back(*as_const_int(e));
  EXPECT_EQ(shape, (std::vector<int64_t>{1, 2, 5, 4, 3}));

  // The blocked reference against the plain one: a [C/cb, KH, KW, cb] weight
  // is the [C, 1, KH, KW] one blocked as an [O = C, I = 1] conv weight.
  HostBuffer d = HostBuffer::random(f32, {1, 6, 9, 7}, 5);
  HostBuffer wp = HostBuffer::random(f32, {6, 1, 3, 3}, 6);
  HostBuffer wb = ops::oihw_to_blocked(wp, 1, 3);  // [2, 1, 3, 3, 1, 3]
  HostBuffer wd(f32, {2, 3, 3, 3});
  std::copy(wb.data<float>(), wb.data<float>() + wb.num_elements(), wd.data<float>());
  ops::DepthwiseConv2DAttrs a{.strides = {2, 2}, .padding = {1, 1, 1, 1}};
  HostBuffer blocked = ops::ref::depthwise_conv2d_nchwc(ops::nchw_to_nchwc(d, 3), wd, a);
  EXPECT_EQ(ops::nchwc_to_nchw(blocked).to_vector(), ops::ref::depthwise_conv2d_nchw(d, wp, a).to_vector());

  EXPECT_THAT(user_error_of([&] { ops::depthwise_conv2d_nchwc(data, placeholder({2, 3, 3, 4}, f32, "w2")); }),
              HasSubstr("do not match the data's [2 x 3]"));
  EXPECT_THAT(user_error_of([&] { ops::depthwise_conv2d_nchwc(data, placeholder({2, 3, 3}, f32, "w3")); }),
              HasSubstr("expected data [N, C/cb, H, W, cb] and weight [C/cb, KH, KW, cb]"));
  EXPECT_THAT(user_error_of([&] { ops::depthwise_conv2d_nchwc(data, w, {.dilation = {2, 1}}); }),
              HasSubstr("dilation is not supported"));
}

TEST(DepthwiseConv2d, RefusesBadArguments) {
  Tensor d = placeholder({1, 3, 5, 5}, f32, "d");
  Tensor w = placeholder({3, 1, 3, 3}, f32, "w");
  EXPECT_THAT(user_error_of([&] {
                ops::depthwise_conv2d_nchw(d, placeholder({4, 1, 3, 3}, f32, "w"));
              }),
              HasSubstr("has 4 channels but 'data' (shape [1, 3, 5, 5]) has 3"));
  EXPECT_THAT(user_error_of([&] { ops::depthwise_conv2d_nchw(d, w, {.padding = {0, -2, 0, 0}}); }),
              HasSubstr("depthwise_conv2d_nchw: argument 'padding' has value -2 at index 1"));
  EXPECT_THAT(user_error_of([&] { ops::depthwise_conv2d_nchw(d, w, {.dilation = {0, 1}}); }),
              HasSubstr("argument 'dilation' has value 0"));
  EXPECT_THAT(user_error_of([&] {
                ops::depthwise_conv2d_nchw(d, placeholder({3, 1, 3, 9}, f32, "w"));
              }),
              HasSubstr("kernel width 9"));
  EXPECT_THAT(user_error_of([&] {
                ops::depthwise_conv2d_nchw(d, placeholder({3, 1, 3, 3}, i8, "w"));
              }),
              HasSubstr("mismatched dtypes"));
}
