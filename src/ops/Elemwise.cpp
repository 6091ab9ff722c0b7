// Compute definitions of the elementwise and broadcasting operators.
#include "anvil/ops/Elemwise.h"

#include <numbers>

#include "OpChecks.h"
#include "anvil/ops/Tags.h"
#include "anvil/support/Error.h"

namespace anvil::ops {

using namespace detail;

namespace {

std::vector<Expr> to_exprs(const Shape& s) {
  std::vector<Expr> out;
  for (int64_t e : s) out.push_back(ext(e));
  return out;
}

void check_numeric(const char* op, const char* arg, DataType t) {
  ANVIL_USER_CHECK(!t.is_bool(), op << ": argument '" << arg << "' is bool; expected a number");
}

// The indices of `in` read at output point `idx` under broadcasting: leading
// output dimensions are dropped, size-1 dimensions read index 0.
std::vector<Expr> broadcast_indices(const Shape& in, const Shape& out,
                                    const std::vector<Var>& idx) {
  std::vector<Expr> r;
  size_t offset = out.size() - in.size();
  for (size_t d = 0; d < in.size(); d++) {
    r.push_back(in[d] == 1 && out[offset + d] != 1 ? ext(0) : Expr(idx[offset + d]));
  }
  return r;
}

Tensor broadcast_binary(const char* op, const Tensor& a, const Tensor& b,
                        Expr (*fn)(Expr, Expr), const std::string& name) {
  Shape sa = static_shape(a, op, "a"), sb = static_shape(b, op, "b");
  check_same_dtype(op, "a", a.dtype(), "b", b.dtype());
  check_numeric(op, "a", a.dtype());
  Shape out = broadcast_shape(op, sa, sb);
  return compute(
      to_exprs(out),
      [&](const std::vector<Var>& idx) {
        return fn(a.at(broadcast_indices(sa, out, idx)), b.at(broadcast_indices(sb, out, idx)));
      },
      name, sa == sb ? tag::kElemwise : tag::kBroadcast);
}

Tensor unary(const char* op, const Tensor& x, const std::function<Expr(Expr)>& fn,
             const std::string& name) {
  Shape s = static_shape(x, op, "x");
  return compute(
      to_exprs(s), [&](const std::vector<Var>& idx) { return fn(x.at({idx.begin(), idx.end()})); },
      name, tag::kElemwise);
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const std::string& name) {
  return broadcast_binary("add", a, b, [](Expr x, Expr y) { return x + y; }, name);
}

Tensor multiply(const Tensor& a, const Tensor& b, const std::string& name) {
  return broadcast_binary("multiply", a, b, [](Expr x, Expr y) { return x * y; }, name);
}

Tensor relu(const Tensor& x, const std::string& name) {
  static_shape(x, "relu", "x");
  check_numeric("relu", "x", x.dtype());
  return unary("relu", x, [&](Expr v) { return max(v, make_zero(x.dtype())); }, name);
}

Tensor gelu(const Tensor& x, const std::string& name) {
  static_shape(x, "gelu", "x");
  check_float32("gelu", "x", x.dtype());
  return unary(
      "gelu", x,
      [](Expr v) {
        Expr inv_sqrt2 = Expr(static_cast<float>(1.0 / std::numbers::sqrt2));
        return Expr(0.5f) * v * (Expr(1.0f) + erf(v * inv_sqrt2));
      },
      name);
}

Tensor bias_add(const Tensor& data, const Tensor& bias, int axis, const std::string& name) {
  const char* op = "bias_add";
  Shape s = static_shape(data, op, "data"), sb = static_shape(bias, op, "bias");
  check_same_dtype(op, "data", data.dtype(), "bias", bias.dtype());
  check_numeric(op, "data", data.dtype());
  int ax = normalize_axis(op, axis, s.size());
  check_rank(op, "bias", sb, 1);
  ANVIL_USER_CHECK(sb[0] == s[ax], op << ": argument 'bias' has " << sb[0]
                                      << " elements but 'data' (shape " << shape_to_string(s)
                                      << ") has extent " << s[ax] << " at axis " << ax);
  return compute(
      to_exprs(s),
      [&](const std::vector<Var>& idx) {
        return data.at({idx.begin(), idx.end()}) + bias(idx[ax]);
      },
      name, tag::kBroadcast);
}

}  // namespace anvil::ops
