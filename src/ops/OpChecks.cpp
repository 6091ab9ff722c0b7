// Argument validation and shape inference shared by compute definitions and references.
#include "OpChecks.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "anvil/support/Error.h"
#include "anvil/support/HostBuffer.h"

namespace anvil::ops::detail {

namespace {

void check_positive_pair(const char* op, const char* arg, const std::array<int, 2>& v) {
  for (size_t i = 0; i < v.size(); i++) {
    ANVIL_USER_CHECK(v[i] > 0, op << ": argument '" << arg << "' has value " << v[i]
                                  << " at index " << i << "; " << arg << " must be positive");
  }
}

void check_padding(const char* op, const std::array<int, 4>& p) {
  for (size_t i = 0; i < p.size(); i++) {
    ANVIL_USER_CHECK(p[i] >= 0, op << ": argument 'padding' has value " << p[i] << " at index "
                                   << i << "; padding {top, left, bottom, right} must be "
                                      "non-negative");
  }
}

// Output extent of a sliding window along one axis; refuses a window larger
// than the padded input.
int64_t window_out_extent(const char* op, const char* axis, int64_t in, int64_t kernel,
                          int dilation, int pad_lo, int pad_hi, int stride) {
  int64_t span = (kernel - 1) * dilation + 1;
  int64_t padded = in + pad_lo + pad_hi;
  ANVIL_USER_CHECK(span <= padded, op << ": the kernel " << axis << " " << kernel
                                      << " (dilated " << span
                                      << ") is larger than the padded input " << axis << " "
                                      << padded);
  return (padded - span) / stride + 1;
}

}  // namespace

Shape static_shape(const Tensor& t, const char* op, const char* arg) {
  ANVIL_USER_CHECK(t.defined(), op << ": argument '" << arg << "' is an undefined tensor");
  Shape s;
  for (size_t d = 0; d < t.shape().size(); d++) {
    auto v = as_const_int(t.shape()[d]);
    ANVIL_USER_CHECK(v, op << ": argument '" << arg << "' (tensor " << t.name()
                           << ") has a non-constant extent in dimension " << d
                           << "; operators need static shapes");
    s.push_back(*v);
  }
  return s;
}

Expr ext(int64_t v) {
  ANVIL_USER_CHECK(v >= INT32_MIN && v <= INT32_MAX,
                   "extent or index " << v << " does not fit the int32 index type");
  return make_const(DataType::Int(32), v);
}

void check_rank(const char* op, const char* arg, const Shape& s, size_t rank) {
  ANVIL_USER_CHECK(s.size() == rank, op << ": argument '" << arg << "' has rank " << s.size()
                                        << " (shape " << shape_to_string(s) << "); expected rank "
                                        << rank);
}

void check_float32(const char* op, const char* arg, DataType t) {
  ANVIL_USER_CHECK(t == DataType::Float(32), op << ": argument '" << arg << "' has dtype "
                                                << t.to_string() << "; expected float32");
}

void check_same_dtype(const char* op, const char* a_name, DataType a, const char* b_name,
                      DataType b) {
  ANVIL_USER_CHECK(a == b, op << ": mismatched dtypes: '" << a_name << "' is " << a.to_string()
                              << " and '" << b_name << "' is " << b.to_string());
}

void check_mma_dtypes(const char* op, const char* a_name, DataType a, const char* b_name,
                      DataType b, DataType out) {
  check_same_dtype(op, a_name, a, b_name, b);
  bool is_int8 = a == DataType::Int(8) || a == DataType::UInt(8);
  ANVIL_USER_CHECK(a == DataType::Float(32) || is_int8,
                   op << ": argument '" << a_name << "' has dtype " << a.to_string()
                      << "; expected float32, int8 or uint8");
  DataType want = is_int8 ? DataType::Int(32) : DataType::Float(32);
  ANVIL_USER_CHECK(out == want, op << ": argument 'out_dtype' is " << out.to_string() << "; "
                                   << a.to_string() << " inputs need out_dtype "
                                   << want.to_string());
}

Shape matmul_shape(const Shape& a, const Shape& b) {
  check_rank("matmul", "A", a, 2);
  check_rank("matmul", "B", b, 2);
  ANVIL_USER_CHECK(a[1] == b[0], "matmul: inner dimensions do not match: A is "
                                     << shape_to_string(a) << " and B is " << shape_to_string(b)
                                     << " (K = " << a[1] << " vs " << b[0] << ")");
  return {a[0], b[1]};
}

Shape dense_shape(const Shape& x, const Shape& w) {
  check_rank("dense", "X", x, 2);
  check_rank("dense", "W", w, 2);
  ANVIL_USER_CHECK(x[1] == w[1], "dense: inner dimensions do not match: X is "
                                     << shape_to_string(x) << " and W is " << shape_to_string(w)
                                     << " (K = " << x[1] << " vs " << w[1] << ")");
  return {x[0], w[0]};
}

Shape batch_matmul_shape(const Shape& a, const Shape& b) {
  check_rank("batch_matmul", "A", a, 3);
  check_rank("batch_matmul", "B", b, 3);
  ANVIL_USER_CHECK(a[0] == b[0], "batch_matmul: batch sizes do not match: A is "
                                     << shape_to_string(a) << " and B is " << shape_to_string(b));
  ANVIL_USER_CHECK(a[2] == b[1], "batch_matmul: inner dimensions do not match: A is "
                                     << shape_to_string(a) << " and B is " << shape_to_string(b)
                                     << " (K = " << a[2] << " vs " << b[1] << ")");
  return {a[0], a[1], b[2]};
}

Shape dense_u8s8_packed_shape(const Shape& data, DataType data_type, const Shape& packed,
                              DataType packed_type, int64_t N) {
  const char* op = "dense_u8s8_packed";
  check_rank(op, "data", data, 2);
  check_rank(op, "packed", packed, 4);
  ANVIL_USER_CHECK(data_type == DataType::UInt(8), op << ": argument 'data' has dtype "
                                                      << data_type.to_string()
                                                      << "; expected uint8 (activations)");
  ANVIL_USER_CHECK(packed_type == DataType::Int(8), op << ": argument 'packed' has dtype "
                                                       << packed_type.to_string()
                                                       << "; expected int8 (weights)");
  ANVIL_USER_CHECK(N > 0 && data[0] > 0 && data[1] > 0,
                   op << ": N = " << N << " and data " << shape_to_string(data)
                      << " must all be positive");
  const int64_t K = data[1];
  Shape want = {(N + 15) / 16, (K + 3) / 4, 16, 4};
  ANVIL_USER_CHECK(packed == want, op << ": argument 'packed' has shape " << shape_to_string(packed)
                                      << "; for N = " << N << " and K = " << K << " (data "
                                      << shape_to_string(data) << ") it must be "
                                      << shape_to_string(want)
                                      << " = [ceil(N/16), ceil(K/4), 16, 4] (see "
                                         "pack_dense_weight_u8s8)");
  return {data[0], N};
}

Shape pad_shape(const Shape& data, const std::vector<int64_t>& before,
                const std::vector<int64_t>& after) {
  ANVIL_USER_CHECK(before.size() == data.size() && after.size() == data.size(),
                   "pad: arguments 'before' and 'after' need one width per dimension of data "
                       << shape_to_string(data) << "; got " << before.size() << " and "
                       << after.size());
  Shape out = data;
  for (size_t d = 0; d < data.size(); d++) {
    ANVIL_USER_CHECK(before[d] >= 0, "pad: argument 'before' has value "
                                         << before[d] << " at dimension " << d
                                         << "; padding must be non-negative");
    ANVIL_USER_CHECK(after[d] >= 0, "pad: argument 'after' has value "
                                        << after[d] << " at dimension " << d
                                        << "; padding must be non-negative");
    out[d] += before[d] + after[d];
  }
  return out;
}

void check_pad_value(DataType t, double value) {
  if (t.is_floating()) return;
  ANVIL_USER_CHECK(std::isfinite(value) && std::trunc(value) == value &&
                       value >= static_cast<double>(t.min_int()) &&
                       value <= static_cast<double>(t.is_uint() ? int64_t(t.max_uint())
                                                                : t.max_int()),
                   "pad: argument 'pad_value' " << value << " is not representable in "
                                                << t.to_string());
}

ConvGeometry conv2d_geometry(const char* op, bool nhwc, const Shape& data, const Shape& weight,
                             DataType data_type, DataType weight_type, const Conv2DAttrs& a) {
  check_rank(op, "data", data, 4);
  check_rank(op, "weight", weight, 4);
  check_mma_dtypes(op, "data", data_type, "weight", weight_type, a.out_dtype);
  check_positive_pair(op, "strides", a.strides);
  check_positive_pair(op, "dilation", a.dilation);
  check_padding(op, a.padding);
  ANVIL_USER_CHECK(a.groups > 0, op << ": argument 'groups' is " << a.groups
                                    << "; groups must be positive");
  ConvGeometry g{};
  g.batch = data[0];
  g.in_channels = nhwc ? data[3] : data[1];
  g.in_h = nhwc ? data[1] : data[2];
  g.in_w = nhwc ? data[2] : data[3];
  g.out_channels = nhwc ? weight[3] : weight[0];
  int64_t weight_channels = nhwc ? weight[2] : weight[1];
  g.kernel_h = nhwc ? weight[0] : weight[2];
  g.kernel_w = nhwc ? weight[1] : weight[3];
  ANVIL_USER_CHECK(g.in_channels % a.groups == 0,
                   op << ": the " << g.in_channels << " input channels of 'data' (shape "
                      << shape_to_string(data) << ") are not divisible by groups = "
                      << a.groups);
  ANVIL_USER_CHECK(g.out_channels % a.groups == 0,
                   op << ": the " << g.out_channels << " output channels of 'weight' (shape "
                      << shape_to_string(weight) << ") are not divisible by groups = "
                      << a.groups);
  g.group_in_channels = g.in_channels / a.groups;
  g.group_out_channels = g.out_channels / a.groups;
  ANVIL_USER_CHECK(weight_channels == g.group_in_channels,
                   op << ": argument 'weight' (shape " << shape_to_string(weight) << ") has "
                      << weight_channels << " input channels; data has " << g.in_channels
                      << " channels in " << a.groups << " group(s), so "
                      << g.group_in_channels << " expected");
  g.out_h = window_out_extent(op, "height", g.in_h, g.kernel_h, a.dilation[0], a.padding[0],
                              a.padding[2], a.strides[0]);
  g.out_w = window_out_extent(op, "width", g.in_w, g.kernel_w, a.dilation[1], a.padding[1],
                              a.padding[3], a.strides[1]);
  return g;
}

ConvGeometry depthwise_conv2d_geometry(const Shape& data, const Shape& weight,
                                       DataType data_type, DataType weight_type,
                                       const DepthwiseConv2DAttrs& a) {
  const char* op = "depthwise_conv2d_nchw";
  check_rank(op, "data", data, 4);
  check_rank(op, "weight", weight, 4);
  check_mma_dtypes(op, "data", data_type, "weight", weight_type, a.out_dtype);
  check_positive_pair(op, "strides", a.strides);
  check_positive_pair(op, "dilation", a.dilation);
  check_padding(op, a.padding);
  ANVIL_USER_CHECK(weight[0] == data[1],
                   op << ": argument 'weight' (shape " << shape_to_string(weight) << ") has "
                      << weight[0] << " channels but 'data' (shape " << shape_to_string(data)
                      << ") has " << data[1] << "; weight is [C, multiplier, KH, KW]");
  ConvGeometry g{};
  g.batch = data[0];
  g.in_channels = data[1];
  g.in_h = data[2];
  g.in_w = data[3];
  g.group_in_channels = 1;
  g.group_out_channels = weight[1];
  g.out_channels = data[1] * weight[1];
  g.kernel_h = weight[2];
  g.kernel_w = weight[3];
  g.out_h = window_out_extent(op, "height", g.in_h, g.kernel_h, a.dilation[0], a.padding[0],
                              a.padding[2], a.strides[0]);
  g.out_w = window_out_extent(op, "width", g.in_w, g.kernel_w, a.dilation[1], a.padding[1],
                              a.padding[3], a.strides[1]);
  return g;
}

PoolGeometry pool2d_geometry(const char* op, const Shape& data, DataType data_type,
                             const Pool2DAttrs& a) {
  check_rank(op, "data", data, 4);
  check_float32(op, "data", data_type);
  check_positive_pair(op, "kernel", a.kernel);
  check_positive_pair(op, "strides", a.strides);
  check_padding(op, a.padding);
  for (int i = 0; i < 4; i++) {
    ANVIL_USER_CHECK(a.padding[i] < a.kernel[i % 2],
                     op << ": argument 'padding' has value " << a.padding[i] << " at index " << i
                        << ", not smaller than the kernel " << (i % 2 ? "width " : "height ")
                        << a.kernel[i % 2] << "; a window could then hold only padding");
  }
  PoolGeometry g{};
  g.batch = data[0];
  g.channels = data[1];
  g.in_h = data[2];
  g.in_w = data[3];
  g.out_h = window_out_extent(op, "height", g.in_h, a.kernel[0], 1, a.padding[0], a.padding[2],
                              a.strides[0]);
  g.out_w = window_out_extent(op, "width", g.in_w, a.kernel[1], 1, a.padding[1], a.padding[3],
                              a.strides[1]);
  return g;
}

Shape broadcast_shape(const char* op, const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; i++) {
    // i counts from the last dimension.
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    ANVIL_USER_CHECK(da == db || da == 1 || db == 1,
                     op << ": shapes " << shape_to_string(a) << " and " << shape_to_string(b)
                        << " do not broadcast: extents " << da << " and " << db
                        << " in the dimension " << i + 1 << " from the last");
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

int normalize_axis(const char* op, int axis, size_t rank) {
  int r = static_cast<int>(rank);
  ANVIL_USER_CHECK(axis >= -r && axis < r, op << ": argument 'axis' is " << axis
                                              << "; expected a value in [" << -r << ", " << r
                                              << ") for rank " << r);
  return axis < 0 ? axis + r : axis;
}

}  // namespace anvil::ops::detail
