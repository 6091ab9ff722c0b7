// Compute definitions of max_pool2d and avg_pool2d.
#include "anvil/ops/Pool.h"

#include <limits>

#include "OpChecks.h"
#include "anvil/ops/Pad.h"
#include "anvil/ops/Tags.h"

namespace anvil::ops {

using namespace detail;

namespace {

Tensor pad_for_pool(const Tensor& data, const Pool2DAttrs& a, double value,
                    const std::string& name) {
  const auto& p = a.padding;
  if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) return data;
  return pad(data, {0, 0, p[0], p[1]}, {0, 0, p[2], p[3]}, value, name + ".pad");
}

Expr window_index(const Var& out, int stride, const IterVar& r) {
  return (stride == 1 ? Expr(out) : out * ext(stride)) + r.var();
}

// The number of in-bounds input rows (columns) in the window starting at
// out * stride - pad_lo.
Expr valid_count(const Var& out, int stride, int pad_lo, int kernel, int64_t in) {
  Expr start = out * ext(stride) - ext(pad_lo);
  return min(start + ext(kernel), ext(in)) - max(start, ext(0));
}

}  // namespace

Tensor max_pool2d(const Tensor& data, const Pool2DAttrs& a, const std::string& name) {
  const char* op = "max_pool2d";
  PoolGeometry g = pool2d_geometry(op, static_shape(data, op, "data"), data.dtype(), a);
  Tensor padded = pad_for_pool(data, a, -std::numeric_limits<double>::infinity(), name);
  IterVar ry = reduce_axis(Range(0, ext(a.kernel[0])), name + ".ry");
  IterVar rx = reduce_axis(Range(0, ext(a.kernel[1])), name + ".rx");
  return compute(
      {ext(g.batch), ext(g.channels), ext(g.out_h), ext(g.out_w)},
      [&](Var n, Var c, Var y, Var x) {
        return max(padded(n, c, window_index(y, a.strides[0], ry),
                          window_index(x, a.strides[1], rx)),
                   {ry, rx});
      },
      name, tag::kPoolMax);
}

Tensor avg_pool2d(const Tensor& data, const Pool2DAttrs& a, const std::string& name) {
  const char* op = "avg_pool2d";
  PoolGeometry g = pool2d_geometry(op, static_shape(data, op, "data"), data.dtype(), a);
  Tensor padded = pad_for_pool(data, a, 0.0, name);
  IterVar ry = reduce_axis(Range(0, ext(a.kernel[0])), name + ".ry");
  IterVar rx = reduce_axis(Range(0, ext(a.kernel[1])), name + ".rx");
  std::vector<Expr> shape = {ext(g.batch), ext(g.channels), ext(g.out_h), ext(g.out_w)};
  Tensor window_sum = compute(
      shape,
      [&](Var n, Var c, Var y, Var x) {
        return sum(padded(n, c, window_index(y, a.strides[0], ry),
                          window_index(x, a.strides[1], rx)),
                   {ry, rx});
      },
      name + ".sum", tag::kPoolSum);
  const auto& p = a.padding;
  bool padded_any = p[0] || p[1] || p[2] || p[3];
  DataType f32 = DataType::Float(32);
  return compute(
      shape,
      [&](Var n, Var c, Var y, Var x) {
        Expr divisor;
        if (a.count_include_pad || !padded_any) {
          divisor = make_const(f32, static_cast<int64_t>(a.kernel[0]) * a.kernel[1]);
        } else {
          divisor = cast(f32, valid_count(y, a.strides[0], p[0], a.kernel[0], g.in_h) *
                                  valid_count(x, a.strides[1], p[1], a.kernel[1], g.in_w));
        }
        return window_sum(n, c, y, x) / divisor;
      },
      name, tag::kPoolAvg);
}

}  // namespace anvil::ops
