// Compute definitions of softmax and layer_norm.
#include "anvil/ops/Normalization.h"

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

// idx with its entry at `axis` replaced by v.
std::vector<Expr> with_axis(const std::vector<Var>& idx, int axis, Expr v) {
  std::vector<Expr> r(idx.begin(), idx.end());
  r[axis] = std::move(v);
  return r;
}

}  // namespace

Tensor softmax(const Tensor& x, int axis, const std::string& name) {
  const char* op = "softmax";
  Shape s = static_shape(x, op, "x");
  check_float32(op, "x", x.dtype());
  int ax = normalize_axis(op, axis, s.size());
  Shape reduced = s;
  reduced[ax] = 1;
  // Each reduction stage gets its own reduce axis: IterVars are not shared
  // between stages.
  IterVar k_max = reduce_axis(Range(0, ext(s[ax])), name + ".k_max");
  Tensor row_max = compute(
      to_exprs(reduced),
      [&](const std::vector<Var>& idx) {
        return max(x.at(with_axis(idx, ax, k_max.var())), std::vector<IterVar>{k_max});
      },
      name + ".max", tag::kReduce);
  IterVar k_sum = reduce_axis(Range(0, ext(s[ax])), name + ".k_sum");
  Tensor exp_sum = compute(
      to_exprs(reduced),
      [&](const std::vector<Var>& idx) {
        Expr shifted =
            x.at(with_axis(idx, ax, k_sum.var())) - row_max.at(with_axis(idx, ax, ext(0)));
        return sum(exp(shifted), {k_sum});
      },
      name + ".expsum", tag::kReduce);
  return compute(
      to_exprs(s),
      [&](const std::vector<Var>& idx) {
        std::vector<Expr> r = with_axis(idx, ax, ext(0));
        Expr shifted = x.at({idx.begin(), idx.end()}) - row_max.at(r);
        return exp(shifted) / exp_sum.at(r);
      },
      name, tag::kSoftmax);
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int axis, double eps,
                  const std::string& name) {
  const char* op = "layer_norm";
  Shape s = static_shape(x, op, "x");
  Shape sg = static_shape(gamma, op, "gamma"), sb = static_shape(beta, op, "beta");
  check_float32(op, "x", x.dtype());
  check_float32(op, "gamma", gamma.dtype());
  check_float32(op, "beta", beta.dtype());
  int ax = normalize_axis(op, axis, s.size());
  check_rank(op, "gamma", sg, 1);
  check_rank(op, "beta", sb, 1);
  ANVIL_USER_CHECK(sg[0] == s[ax] && sb[0] == s[ax],
                   op << ": arguments 'gamma' " << shape_to_string(sg) << " and 'beta' "
                      << shape_to_string(sb) << " must have x's extent " << s[ax]
                      << " at axis " << ax);
  ANVIL_USER_CHECK(eps >= 0, op << ": argument 'eps' is " << eps << "; expected eps >= 0");
  DataType f32 = DataType::Float(32);
  Expr inv_n = make_const(f32, 1.0 / static_cast<double>(s[ax]));
  Shape reduced = s;
  reduced[ax] = 1;
  // The 1/n scale sits inside the sums because a reduction must be a whole
  // stage body.
  IterVar k_mean = reduce_axis(Range(0, ext(s[ax])), name + ".k_mean");
  Tensor mean = compute(
      to_exprs(reduced),
      [&](const std::vector<Var>& idx) {
        return sum(x.at(with_axis(idx, ax, k_mean.var())) * inv_n, {k_mean});
      },
      name + ".mean", tag::kReduce);
  IterVar k_var = reduce_axis(Range(0, ext(s[ax])), name + ".k_var");
  Tensor var = compute(
      to_exprs(reduced),
      [&](const std::vector<Var>& idx) {
        Expr d = x.at(with_axis(idx, ax, k_var.var())) - mean.at(with_axis(idx, ax, ext(0)));
        return sum(d * d * inv_n, {k_var});
      },
      name + ".var", tag::kReduce);
  Expr eps_c = make_const(f32, eps);
  return compute(
      to_exprs(s),
      [&](const std::vector<Var>& idx) {
        std::vector<Expr> r = with_axis(idx, ax, ext(0));
        Expr std_dev = sqrt(var.at(r) + eps_c);
        Expr normalized = (x.at({idx.begin(), idx.end()}) - mean.at(r)) / std_dev;
        return normalized * gamma(idx[ax]) + beta(idx[ax]);
      },
      name, tag::kLayerNorm);
}

}  // namespace anvil::ops
