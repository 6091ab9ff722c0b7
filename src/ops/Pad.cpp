// Compute definition of pad.
#include "anvil/ops/Pad.h"

#include "OpChecks.h"
#include "anvil/ops/Tags.h"

namespace anvil::ops {

using namespace detail;

Tensor pad(const Tensor& data, const std::vector<int64_t>& before,
           const std::vector<int64_t>& after, double pad_value, const std::string& name) {
  Shape in = static_shape(data, "pad", "data");
  Shape out = pad_shape(in, before, after);
  check_pad_value(data.dtype(), pad_value);
  std::vector<Expr> out_shape;
  for (int64_t e : out) out_shape.push_back(ext(e));
  Expr fill = make_const(data.dtype(), pad_value);
  return compute(
      out_shape,
      [&](const std::vector<Var>& idx) {
        std::vector<Expr> src;
        Expr in_bounds;
        for (size_t d = 0; d < in.size(); d++) {
          if (before[d] == 0 && after[d] == 0) {
            src.push_back(idx[d]);
            continue;
          }
          src.push_back(before[d] ? idx[d] - ext(before[d]) : Expr(idx[d]));
          // Only the padded sides need a test.
          Expr c;
          if (before[d]) c = idx[d] >= ext(before[d]);
          if (after[d]) {
            Expr hi = idx[d] < ext(before[d] + in[d]);
            c = c.defined() ? (c && hi) : hi;
          }
          in_bounds = in_bounds.defined() ? (in_bounds && c) : c;
        }
        Expr value = data.at(src);
        return in_bounds.defined() ? if_then_else(in_bounds, value, fill) : value;
      },
      name, tag::kPad);
}

}  // namespace anvil::ops
