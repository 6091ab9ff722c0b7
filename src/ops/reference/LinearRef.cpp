// References of the matrix products, pad, convolutions and pooling.
#include <algorithm>
#include <cmath>
#include <limits>

#include "OpChecks.h"
#include "anvil/ops/Layout.h"
#include "anvil/ops/Reference.h"

namespace anvil::ops::ref {

using namespace detail;

namespace {

// A sum of products, exact in int64 for integer outputs and in double for
// floating ones; store() rounds (float32) or wraps (int32) once.
class Accumulator {
 public:
  explicit Accumulator(DataType out) : is_int_(out.is_int_or_uint()) {}
  void add_product(const HostBuffer& a, int64_t ia, const HostBuffer& b, int64_t ib) {
    if (is_int_) {
      int_sum_ += a.get_int(ia) * b.get_int(ib);
    } else {
      float_sum_ += a.get(ia) * b.get(ib);
    }
  }
  void store(HostBuffer& out, int64_t i) const {
    if (is_int_) {
      out.set_int(i, int_sum_);
    } else {
      out.set(i, float_sum_);
    }
  }

 private:
  bool is_int_;
  int64_t int_sum_ = 0;
  double float_sum_ = 0;
};

// Row-major offset of (a, b, c, d) in a rank-4 shape.
int64_t at4(const Shape& s, int64_t a, int64_t b, int64_t c, int64_t d) {
  return ((a * s[1] + b) * s[2] + c) * s[3] + d;
}

bool inside(int64_t i, int64_t extent) { return i >= 0 && i < extent; }

}  // namespace

HostBuffer matmul(const HostBuffer& A, const HostBuffer& B, DataType out_dtype) {
  Shape out_shape = matmul_shape(A.shape(), B.shape());
  check_mma_dtypes("matmul", "A", A.dtype(), "B", B.dtype(), out_dtype);
  int64_t M = out_shape[0], N = out_shape[1], K = A.shape()[1];
  HostBuffer C(out_dtype, out_shape);
  for (int64_t i = 0; i < M; i++) {
    for (int64_t j = 0; j < N; j++) {
      Accumulator acc(out_dtype);
      for (int64_t k = 0; k < K; k++) acc.add_product(A, i * K + k, B, k * N + j);
      acc.store(C, i * N + j);
    }
  }
  return C;
}

HostBuffer dense(const HostBuffer& X, const HostBuffer& W, DataType out_dtype) {
  Shape out_shape = dense_shape(X.shape(), W.shape());
  check_mma_dtypes("dense", "X", X.dtype(), "W", W.dtype(), out_dtype);
  int64_t M = out_shape[0], N = out_shape[1], K = X.shape()[1];
  HostBuffer Y(out_dtype, out_shape);
  for (int64_t i = 0; i < M; i++) {
    for (int64_t j = 0; j < N; j++) {
      Accumulator acc(out_dtype);
      for (int64_t k = 0; k < K; k++) acc.add_product(X, i * K + k, W, j * K + k);
      acc.store(Y, i * N + j);
    }
  }
  return Y;
}

HostBuffer batch_matmul(const HostBuffer& A, const HostBuffer& B, DataType out_dtype) {
  Shape out_shape = batch_matmul_shape(A.shape(), B.shape());
  check_mma_dtypes("batch_matmul", "A", A.dtype(), "B", B.dtype(), out_dtype);
  int64_t batch = out_shape[0], M = out_shape[1], N = out_shape[2], K = A.shape()[2];
  HostBuffer C(out_dtype, out_shape);
  for (int64_t b = 0; b < batch; b++) {
    for (int64_t i = 0; i < M; i++) {
      for (int64_t j = 0; j < N; j++) {
        Accumulator acc(out_dtype);
        for (int64_t k = 0; k < K; k++) {
          acc.add_product(A, (b * M + i) * K + k, B, (b * K + k) * N + j);
        }
        acc.store(C, (b * M + i) * N + j);
      }
    }
  }
  return C;
}

HostBuffer pad(const HostBuffer& data, const std::vector<int64_t>& before,
               const std::vector<int64_t>& after, double pad_value) {
  Shape out_shape = pad_shape(data.shape(), before, after);
  check_pad_value(data.dtype(), pad_value);
  HostBuffer out(data.dtype(), out_shape);
  size_t rank = out_shape.size();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t flat = 0; flat < out.num_elements(); flat++) {
    // idx is the multi-index of flat; src the matching offset in data.
    int64_t src = 0;
    bool in_bounds = true;
    for (size_t d = 0; d < rank; d++) {
      int64_t i = idx[d] - before[d];
      in_bounds &= inside(i, data.shape()[d]);
      src = src * data.shape()[d] + i;
    }
    if (in_bounds) {
      out.set(flat, data.get(src));
    } else {
      out.set(flat, pad_value);
    }
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

HostBuffer conv2d_nchw(const HostBuffer& data, const HostBuffer& weight, const Conv2DAttrs& a) {
  ConvGeometry g = conv2d_geometry("conv2d_nchw", false, data.shape(), weight.shape(),
                                   data.dtype(), weight.dtype(), a);
  HostBuffer out(a.out_dtype, {g.batch, g.out_channels, g.out_h, g.out_w});
  const Shape& ds = data.shape();
  const Shape& ws = weight.shape();
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t o = 0; o < g.out_channels; o++) {
      int64_t group = o / g.group_out_channels;
      for (int64_t y = 0; y < g.out_h; y++) {
        for (int64_t x = 0; x < g.out_w; x++) {
          Accumulator acc(a.out_dtype);
          for (int64_t rc = 0; rc < g.group_in_channels; rc++) {
            int64_t c = group * g.group_in_channels + rc;
            for (int64_t ry = 0; ry < g.kernel_h; ry++) {
              int64_t iy = y * a.strides[0] - a.padding[0] + ry * a.dilation[0];
              if (!inside(iy, g.in_h)) continue;
              for (int64_t rx = 0; rx < g.kernel_w; rx++) {
                int64_t ix = x * a.strides[1] - a.padding[1] + rx * a.dilation[1];
                if (!inside(ix, g.in_w)) continue;
                acc.add_product(data, at4(ds, n, c, iy, ix), weight, at4(ws, o, rc, ry, rx));
              }
            }
          }
          acc.store(out, at4(out.shape(), n, o, y, x));
        }
      }
    }
  }
  return out;
}

HostBuffer conv2d_nchwc(const HostBuffer& data, const HostBuffer& weight, const Conv2DAttrs& a) {
  ANVIL_USER_CHECK(weight.ndim() == 6, "conv2d_nchwc: expected a weight [O/ob, C/cb, KH, KW, cb, ob], got rank "
                                           << weight.ndim());
  HostBuffer plain = conv2d_nchw(nchwc_to_nchw(data), blocked_to_oihw(weight), a);
  return nchw_to_nchwc(plain, weight.shape()[5]);
}

HostBuffer conv2d_nhwc(const HostBuffer& data, const HostBuffer& weight, const Conv2DAttrs& a) {
  ConvGeometry g = conv2d_geometry("conv2d_nhwc", true, data.shape(), weight.shape(),
                                   data.dtype(), weight.dtype(), a);
  HostBuffer out(a.out_dtype, {g.batch, g.out_h, g.out_w, g.out_channels});
  const Shape& ds = data.shape();
  const Shape& ws = weight.shape();
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t y = 0; y < g.out_h; y++) {
      for (int64_t x = 0; x < g.out_w; x++) {
        for (int64_t o = 0; o < g.out_channels; o++) {
          int64_t group = o / g.group_out_channels;
          Accumulator acc(a.out_dtype);
          for (int64_t ry = 0; ry < g.kernel_h; ry++) {
            int64_t iy = y * a.strides[0] - a.padding[0] + ry * a.dilation[0];
            if (!inside(iy, g.in_h)) continue;
            for (int64_t rx = 0; rx < g.kernel_w; rx++) {
              int64_t ix = x * a.strides[1] - a.padding[1] + rx * a.dilation[1];
              if (!inside(ix, g.in_w)) continue;
              for (int64_t rc = 0; rc < g.group_in_channels; rc++) {
                int64_t c = group * g.group_in_channels + rc;
                acc.add_product(data, at4(ds, n, iy, ix, c), weight, at4(ws, ry, rx, rc, o));
              }
            }
          }
          acc.store(out, at4(out.shape(), n, y, x, o));
        }
      }
    }
  }
  return out;
}

HostBuffer depthwise_conv2d_nchw(const HostBuffer& data, const HostBuffer& weight,
                                 const DepthwiseConv2DAttrs& a) {
  ConvGeometry g = depthwise_conv2d_geometry(data.shape(), weight.shape(), data.dtype(),
                                             weight.dtype(), a);
  HostBuffer out(a.out_dtype, {g.batch, g.out_channels, g.out_h, g.out_w});
  const Shape& ds = data.shape();
  const Shape& ws = weight.shape();
  int64_t multiplier = g.group_out_channels;
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t c = 0; c < g.in_channels; c++) {
      for (int64_t m = 0; m < multiplier; m++) {
        for (int64_t y = 0; y < g.out_h; y++) {
          for (int64_t x = 0; x < g.out_w; x++) {
            Accumulator acc(a.out_dtype);
            for (int64_t ry = 0; ry < g.kernel_h; ry++) {
              int64_t iy = y * a.strides[0] - a.padding[0] + ry * a.dilation[0];
              if (!inside(iy, g.in_h)) continue;
              for (int64_t rx = 0; rx < g.kernel_w; rx++) {
                int64_t ix = x * a.strides[1] - a.padding[1] + rx * a.dilation[1];
                if (!inside(ix, g.in_w)) continue;
                acc.add_product(data, at4(ds, n, c, iy, ix), weight, at4(ws, c, m, ry, rx));
              }
            }
            acc.store(out, at4(out.shape(), n, c * multiplier + m, y, x));
          }
        }
      }
    }
  }
  return out;
}

HostBuffer depthwise_conv2d_nchwc(const HostBuffer& data, const HostBuffer& weight, const DepthwiseConv2DAttrs& a) {
  ANVIL_USER_CHECK(data.ndim() == 5 && weight.ndim() == 4,
                   "depthwise_conv2d_nchwc: expected data [N, C/cb, H, W, cb] and weight [C/cb, KH, KW, cb]");
  const Shape& ds = data.shape();
  const Shape& ws = weight.shape();
  const int64_t cb = ds[4];
  ConvGeometry g = depthwise_conv2d_geometry({ds[0], ds[1] * cb, ds[2], ds[3]}, {ws[0] * cb, 1, ws[1], ws[2]},
                                             data.dtype(), weight.dtype(), a);
  HostBuffer out(a.out_dtype, {g.batch, ds[1], g.out_h, g.out_w, cb});
  for (int64_t n = 0; n < g.batch; n++)
    for (int64_t block = 0; block < ds[1]; block++)
      for (int64_t y = 0; y < g.out_h; y++)
        for (int64_t x = 0; x < g.out_w; x++)
          for (int64_t lane = 0; lane < cb; lane++) {
            Accumulator acc(a.out_dtype);
            for (int64_t ry = 0; ry < g.kernel_h; ry++) {
              int64_t iy = y * a.strides[0] - a.padding[0] + ry;
              if (!inside(iy, g.in_h)) continue;
              for (int64_t rx = 0; rx < g.kernel_w; rx++) {
                int64_t ix = x * a.strides[1] - a.padding[1] + rx;
                if (!inside(ix, g.in_w)) continue;
                acc.add_product(data, (((n * ds[1] + block) * ds[2] + iy) * ds[3] + ix) * cb + lane, weight,
                                ((block * ws[1] + ry) * ws[2] + rx) * cb + lane);
              }
            }
            acc.store(out, (((n * ds[1] + block) * g.out_h + y) * g.out_w + x) * cb + lane);
          }
  return out;
}

namespace {

// Visits the in-bounds input elements of every pooling window and stores
// finish(values) at the window's output position.
template <typename Finish>
HostBuffer pool2d(const char* op, const HostBuffer& data, const Pool2DAttrs& a, Finish finish) {
  PoolGeometry g = pool2d_geometry(op, data.shape(), data.dtype(), a);
  HostBuffer out(data.dtype(), {g.batch, g.channels, g.out_h, g.out_w});
  std::vector<double> values;
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t c = 0; c < g.channels; c++) {
      for (int64_t y = 0; y < g.out_h; y++) {
        for (int64_t x = 0; x < g.out_w; x++) {
          values.clear();
          for (int64_t ry = 0; ry < a.kernel[0]; ry++) {
            int64_t iy = y * a.strides[0] - a.padding[0] + ry;
            if (!inside(iy, g.in_h)) continue;
            for (int64_t rx = 0; rx < a.kernel[1]; rx++) {
              int64_t ix = x * a.strides[1] - a.padding[1] + rx;
              if (inside(ix, g.in_w)) values.push_back(data.get(at4(data.shape(), n, c, iy, ix)));
            }
          }
          out.set(at4(out.shape(), n, c, y, x), finish(values));
        }
      }
    }
  }
  return out;
}

}  // namespace

HostBuffer max_pool2d(const HostBuffer& data, const Pool2DAttrs& a) {
  return pool2d("max_pool2d", data, a, [](const std::vector<double>& v) {
    return *std::max_element(v.begin(), v.end());
  });
}

HostBuffer avg_pool2d(const HostBuffer& data, const Pool2DAttrs& a) {
  double window = static_cast<double>(a.kernel[0]) * a.kernel[1];
  return pool2d("avg_pool2d", data, a, [&](const std::vector<double>& v) {
    double total = 0;
    for (double e : v) total += e;
    return total / (a.count_include_pad ? window : static_cast<double>(v.size()));
  });
}

}  // namespace anvil::ops::ref
