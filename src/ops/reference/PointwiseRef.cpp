// References of the elementwise, broadcasting and normalization operators.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "OpChecks.h"
#include "anvil/ops/Reference.h"

namespace anvil::ops::ref {

using namespace detail;

namespace {

// Flat offset in `in` of the output multi-index `idx` under broadcasting.
int64_t broadcast_offset(const Shape& in, const std::vector<int64_t>& idx) {
  size_t lead = idx.size() - in.size();
  int64_t off = 0;
  for (size_t d = 0; d < in.size(); d++) off = off * in[d] + (in[d] == 1 ? 0 : idx[lead + d]);
  return off;
}

template <typename Fn>
HostBuffer broadcast_binary(const char* op, const HostBuffer& a, const HostBuffer& b, Fn fn) {
  check_same_dtype(op, "a", a.dtype(), "b", b.dtype());
  Shape out_shape = broadcast_shape(op, a.shape(), b.shape());
  HostBuffer out(a.dtype(), out_shape);
  std::vector<int64_t> idx(out_shape.size(), 0);
  for (int64_t flat = 0; flat < out.num_elements(); flat++) {
    out.set(flat, fn(a.get(broadcast_offset(a.shape(), idx)),
                     b.get(broadcast_offset(b.shape(), idx))));
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

// The shape split around `axis`: outer * extent * inner elements, so element
// (o, k, i) is at (o * extent + k) * inner + i.
struct AxisSplit {
  int64_t outer = 1, extent = 1, inner = 1;
  int64_t at(int64_t o, int64_t k, int64_t i) const { return (o * extent + k) * inner + i; }
};

AxisSplit split_at(const Shape& s, int axis) {
  AxisSplit r;
  for (int d = 0; d < static_cast<int>(s.size()); d++) {
    if (d < axis) r.outer *= s[d];
    if (d == axis) r.extent = s[d];
    if (d > axis) r.inner *= s[d];
  }
  return r;
}

}  // namespace

HostBuffer add(const HostBuffer& a, const HostBuffer& b) {
  return broadcast_binary("add", a, b, [](double x, double y) { return x + y; });
}

HostBuffer multiply(const HostBuffer& a, const HostBuffer& b) {
  return broadcast_binary("multiply", a, b, [](double x, double y) { return x * y; });
}

HostBuffer relu(const HostBuffer& x) {
  HostBuffer out(x.dtype(), x.shape());
  for (int64_t i = 0; i < x.num_elements(); i++) out.set(i, std::max(x.get(i), 0.0));
  return out;
}

HostBuffer gelu(const HostBuffer& x) {
  check_float32("gelu", "x", x.dtype());
  HostBuffer out(x.dtype(), x.shape());
  for (int64_t i = 0; i < x.num_elements(); i++) {
    double v = x.get(i);
    out.set(i, 0.5 * v * (1.0 + std::erf(v / std::numbers::sqrt2)));
  }
  return out;
}

HostBuffer bias_add(const HostBuffer& data, const HostBuffer& bias, int axis) {
  const char* op = "bias_add";
  check_same_dtype(op, "data", data.dtype(), "bias", bias.dtype());
  int ax = normalize_axis(op, axis, data.shape().size());
  check_rank(op, "bias", bias.shape(), 1);
  ANVIL_USER_CHECK(bias.shape()[0] == data.shape()[ax],
                   op << ": argument 'bias' has " << bias.shape()[0]
                      << " elements but 'data' (shape " << shape_to_string(data.shape())
                      << ") has extent " << data.shape()[ax] << " at axis " << ax);
  AxisSplit s = split_at(data.shape(), ax);
  HostBuffer out(data.dtype(), data.shape());
  for (int64_t o = 0; o < s.outer; o++) {
    for (int64_t k = 0; k < s.extent; k++) {
      for (int64_t i = 0; i < s.inner; i++) {
        out.set(s.at(o, k, i), data.get(s.at(o, k, i)) + bias.get(k));
      }
    }
  }
  return out;
}

HostBuffer softmax(const HostBuffer& x, int axis) {
  check_float32("softmax", "x", x.dtype());
  AxisSplit s = split_at(x.shape(), normalize_axis("softmax", axis, x.shape().size()));
  HostBuffer out(x.dtype(), x.shape());
  for (int64_t o = 0; o < s.outer; o++) {
    for (int64_t i = 0; i < s.inner; i++) {
      double row_max = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < s.extent; k++) row_max = std::max(row_max, x.get(s.at(o, k, i)));
      double total = 0;
      for (int64_t k = 0; k < s.extent; k++) total += std::exp(x.get(s.at(o, k, i)) - row_max);
      for (int64_t k = 0; k < s.extent; k++) {
        out.set(s.at(o, k, i), std::exp(x.get(s.at(o, k, i)) - row_max) / total);
      }
    }
  }
  return out;
}

HostBuffer layer_norm(const HostBuffer& x, const HostBuffer& gamma, const HostBuffer& beta,
                      int axis, double eps) {
  const char* op = "layer_norm";
  check_float32(op, "x", x.dtype());
  check_float32(op, "gamma", gamma.dtype());
  check_float32(op, "beta", beta.dtype());
  int ax = normalize_axis(op, axis, x.shape().size());
  check_rank(op, "gamma", gamma.shape(), 1);
  check_rank(op, "beta", beta.shape(), 1);
  int64_t n = x.shape()[ax];
  ANVIL_USER_CHECK(gamma.shape()[0] == n && beta.shape()[0] == n,
                   op << ": arguments 'gamma' " << shape_to_string(gamma.shape()) << " and 'beta' "
                      << shape_to_string(beta.shape()) << " must have x's extent " << n
                      << " at axis " << ax);
  ANVIL_USER_CHECK(eps >= 0, op << ": argument 'eps' is " << eps << "; expected eps >= 0");
  AxisSplit s = split_at(x.shape(), ax);
  HostBuffer out(x.dtype(), x.shape());
  for (int64_t o = 0; o < s.outer; o++) {
    for (int64_t i = 0; i < s.inner; i++) {
      double mean = 0;
      for (int64_t k = 0; k < n; k++) mean += x.get(s.at(o, k, i));
      mean /= static_cast<double>(n);
      double var = 0;
      for (int64_t k = 0; k < n; k++) {
        double d = x.get(s.at(o, k, i)) - mean;
        var += d * d;
      }
      var /= static_cast<double>(n);
      double scale = 1.0 / std::sqrt(var + eps);
      for (int64_t k = 0; k < n; k++) {
        double v = (x.get(s.at(o, k, i)) - mean) * scale;
        out.set(s.at(o, k, i), v * gamma.get(k) + beta.get(k));
      }
    }
  }
  return out;
}

}  // namespace anvil::ops::ref
