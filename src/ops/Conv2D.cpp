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
  std::vector<int64_t> before(data.ndim(), 0), after(data.ndim(), 0);
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

Tensor conv2d_nchwc(const Tensor& data, const Tensor& weight, const Conv2DAttrs& a, const std::string& name) {
  const char* op = "conv2d_nchwc";
  Shape ds = static_shape(data, op, "data"), ws = static_shape(weight, op, "weight");
  ANVIL_USER_CHECK(ds.size() == 5 && ws.size() == 6,
                   op << ": expected data [N, C/cb, H, W, cb] and weight [O/ob, C/cb, KH, KW, cb, ob], got ranks "
                      << ds.size() << " and " << ws.size());
  ANVIL_USER_CHECK(ws[1] == ds[1] && ws[4] == ds[4],
                   op << ": the weight's input-channel blocks [" << ws[1] << " x " << ws[4]
                      << "] do not match the data's [" << ds[1] << " x " << ds[4] << "]");
  ANVIL_USER_CHECK(a.groups == 1 && a.dilation[0] == 1 && a.dilation[1] == 1,
                   op << ": groups and dilation are not supported in the blocked layout");
  const int64_t cb = ds[4], ob = ws[5];
  ConvGeometry g = conv2d_geometry(op, false, {ds[0], ds[1] * cb, ds[2], ds[3]}, {ws[0] * ob, ws[1] * cb, ws[2], ws[3]},
                                   data.dtype(), weight.dtype(), a);
  Tensor padded = pad_spatial(data, 2, a.padding, name);
  IterVar rco = reduce_axis(Range(0, ext(ds[1])), name + ".rco");
  IterVar ry = reduce_axis(Range(0, ext(g.kernel_h)), name + ".ry");
  IterVar rx = reduce_axis(Range(0, ext(g.kernel_w)), name + ".rx");
  IterVar rci = reduce_axis(Range(0, ext(cb)), name + ".rci");
  DataType out = a.out_dtype;
  return compute(
      {ext(g.batch), ext(ws[0]), ext(g.out_h), ext(g.out_w), ext(ob)},
      [&](const std::vector<Var>& i) {
        Expr v = padded(i[0], rco.var(), window_index(i[2], a.strides[0], ry, 1),
                        window_index(i[3], a.strides[1], rx, 1), rci.var());
        Expr w = weight(i[1], rco.var(), ry.var(), rx.var(), rci.var(), i[4]);
        return sum(cast(out, v) * cast(out, w), {rco, ry, rx, rci});
      },
      name, tag::kConv2dNCHWc);
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

Tensor depthwise_conv2d_nchwc(const Tensor& data, const Tensor& weight, const DepthwiseConv2DAttrs& a,
                              const std::string& name) {
  const char* op = "depthwise_conv2d_nchwc";
  Shape ds = static_shape(data, op, "data"), ws = static_shape(weight, op, "weight");
  ANVIL_USER_CHECK(ds.size() == 5 && ws.size() == 4,
                   op << ": expected data [N, C/cb, H, W, cb] and weight [C/cb, KH, KW, cb], got ranks " << ds.size()
                      << " and " << ws.size());
  ANVIL_USER_CHECK(ws[0] == ds[1] && ws[3] == ds[4], op << ": the weight's channel blocks [" << ws[0] << " x "
                                                        << ws[3] << "] do not match the data's [" << ds[1]
                                                        << " x " << ds[4] << "]");
  ANVIL_USER_CHECK(a.dilation[0] == 1 && a.dilation[1] == 1,
                   op << ": dilation is not supported in the blocked layout");
  const int64_t cb = ds[4];
  ConvGeometry g = depthwise_conv2d_geometry({ds[0], ds[1] * cb, ds[2], ds[3]}, {ws[0] * cb, 1, ws[1], ws[2]},
                                             data.dtype(), weight.dtype(), a);
  Tensor padded = pad_spatial(data, 2, a.padding, name);
  IterVar ry = reduce_axis(Range(0, ext(g.kernel_h)), name + ".ry");
  IterVar rx = reduce_axis(Range(0, ext(g.kernel_w)), name + ".rx");
  DataType out = a.out_dtype;
  return compute(
      {ext(g.batch), ext(ds[1]), ext(g.out_h), ext(g.out_w), ext(cb)},
      [&](const std::vector<Var>& i) {
        Expr v = padded(i[0], i[1], window_index(i[2], a.strides[0], ry, 1), window_index(i[3], a.strides[1], rx, 1),
                        i[4]);
        Expr w = weight(i[1], ry.var(), rx.var(), i[4]);
        return sum(cast(out, v) * cast(out, w), {ry, rx});
      },
      name, tag::kDepthwiseConv2dNCHWc);
}

}  // namespace anvil::ops
