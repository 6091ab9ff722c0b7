// Compute definitions of conv2d_nchw, conv2d_nhwc and depthwise_conv2d_nchw.
#include "anvil/ops/Conv2D.h"

#include "OpChecks.h"
#include "anvil/ops/Pad.h"
#include "anvil/ops/Tags.h"

namespace anvil::ops {

using namespace detail;

namespace {

// The input row (column) an output position and a kernel tap read in the
// padded input; unit strides and dilations are left out to keep bodies small.
Expr window_index(const Var& out, int stride, const IterVar& r, int dilation) {
  Expr o = stride == 1 ? Expr(out) : out * ext(stride);
  Expr t = dilation == 1 ? Expr(r.var()) : r.var() * ext(dilation);
  return o + t;
}

// data padded in its two spatial dimensions (h_dim, h_dim + 1), or data
// itself when there is no padding.
Tensor pad_spatial(const Tensor& data, int h_dim, const std::array<int, 4>& p,
                   const std::string& name) {
  if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) return data;
  std::vector<int64_t> before(4, 0), after(4, 0);
  before[h_dim] = p[0];
  before[h_dim + 1] = p[1];
  after[h_dim] = p[2];
  after[h_dim + 1] = p[3];
  return pad(data, before, after, 0.0, name + ".pad");
}

}  // namespace

Tensor conv2d_nchw(const Tensor& data, const Tensor& weight, const Conv2DAttrs& a,
                   const std::string& name) {
  const char* op = "conv2d_nchw";
  ConvGeometry g = conv2d_geometry(op, false, static_shape(data, op, "data"),
                                   static_shape(weight, op, "weight"), data.dtype(),
                                   weight.dtype(), a);
  Tensor padded = pad_spatial(data, 2, a.padding, name);
  IterVar rc = reduce_axis(Range(0, ext(g.group_in_channels)), name + ".rc");
  IterVar ry = reduce_axis(Range(0, ext(g.kernel_h)), name + ".ry");
  IterVar rx = reduce_axis(Range(0, ext(g.kernel_w)), name + ".rx");
  DataType out = a.out_dtype;
  return compute(
      {ext(g.batch), ext(g.out_channels), ext(g.out_h), ext(g.out_w)},
      [&](Var n, Var o, Var y, Var x) {
        Expr c = rc.var();
        if (a.groups > 1) c = (o / ext(g.group_out_channels)) * ext(g.group_in_channels) + c;
        Expr v = padded(n, c, window_index(y, a.strides[0], ry, a.dilation[0]),
                        window_index(x, a.strides[1], rx, a.dilation[1]));
        Expr w = weight(o, rc.var(), ry.var(), rx.var());
        return sum(cast(out, v) * cast(out, w), {rc, ry, rx});
      },
      name, a.groups > 1 ? tag::kGroupConv2dNCHW : tag::kConv2dNCHW);
}

Tensor conv2d_nhwc(const Tensor& data, const Tensor& weight, const Conv2DAttrs& a,
                   const std::string& name) {
  const char* op = "conv2d_nhwc";
  ConvGeometry g = conv2d_geometry(op, true, static_shape(data, op, "data"),
                                   static_shape(weight, op, "weight"), data.dtype(),
                                   weight.dtype(), a);
  Tensor padded = pad_spatial(data, 1, a.padding, name);
  IterVar ry = reduce_axis(Range(0, ext(g.kernel_h)), name + ".ry");
  IterVar rx = reduce_axis(Range(0, ext(g.kernel_w)), name + ".rx");
  IterVar rc = reduce_axis(Range(0, ext(g.group_in_channels)), name + ".rc");
  DataType out = a.out_dtype;
  return compute(
      {ext(g.batch), ext(g.out_h), ext(g.out_w), ext(g.out_channels)},
      [&](Var n, Var y, Var x, Var o) {
        Expr c = rc.var();
        if (a.groups > 1) c = (o / ext(g.group_out_channels)) * ext(g.group_in_channels) + c;
        Expr v = padded(n, window_index(y, a.strides[0], ry, a.dilation[0]),
                        window_index(x, a.strides[1], rx, a.dilation[1]), c);
        Expr w = weight(ry.var(), rx.var(), rc.var(), o);
        return sum(cast(out, v) * cast(out, w), {ry, rx, rc});
      },
      name, a.groups > 1 ? tag::kGroupConv2dNHWC : tag::kConv2dNHWC);
}

Tensor depthwise_conv2d_nchw(const Tensor& data, const Tensor& weight,
                             const DepthwiseConv2DAttrs& a, const std::string& name) {
  const char* op = "depthwise_conv2d_nchw";
  ConvGeometry g = depthwise_conv2d_geometry(static_shape(data, op, "data"),
                                             static_shape(weight, op, "weight"), data.dtype(),
                                             weight.dtype(), a);
  Tensor padded = pad_spatial(data, 2, a.padding, name);
  IterVar ry = reduce_axis(Range(0, ext(g.kernel_h)), name + ".ry");
  IterVar rx = reduce_axis(Range(0, ext(g.kernel_w)), name + ".rx");
  DataType out = a.out_dtype;
  int64_t multiplier = g.group_out_channels;
  return compute(
      {ext(g.batch), ext(g.out_channels), ext(g.out_h), ext(g.out_w)},
      [&](Var n, Var o, Var y, Var x) {
        Expr c = o, m = ext(0);
        if (multiplier > 1) {
          c = o / ext(multiplier);
          m = o % ext(multiplier);
        }
        Expr v = padded(n, c, window_index(y, a.strides[0], ry, a.dilation[0]),
                        window_index(x, a.strides[1], rx, a.dilation[1]));
        Expr w = weight(c, m, ry.var(), rx.var());
        return sum(cast(out, v) * cast(out, w), {ry, rx});
      },
      name, tag::kDepthwiseConv2dNCHW);
}

}  // namespace anvil::ops
