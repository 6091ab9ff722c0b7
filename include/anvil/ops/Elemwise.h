// Elementwise and broadcasting operators. add/multiply/relu/bias_add accept any
// numeric dtype (equal for both operands); gelu needs float32.
#pragma once

#include <string>

#include "anvil/ir/te/Operation.h"

namespace anvil::ops {

// numpy broadcasting: shapes align at their last dimension, a missing or
// size-1 dimension stretches to the other's extent. Tag "elemwise" when both
// shapes are equal, "broadcast" otherwise.
Tensor add(const Tensor& a, const Tensor& b, const std::string& name = "add");
Tensor multiply(const Tensor& a, const Tensor& b, const std::string& name = "multiply");

// max(x, 0). Tag "elemwise".
Tensor relu(const Tensor& x, const std::string& name = "relu");

// The exact form 0.5 * x * (1 + erf(x / sqrt(2))). Tag "elemwise".
Tensor gelu(const Tensor& x, const std::string& name = "gelu");

// data + bias broadcast along `axis` (negative counts from the end): bias is
// 1-D with data's extent at axis. Tag "broadcast".
Tensor bias_add(const Tensor& data, const Tensor& bias, int axis = 1,
                const std::string& name = "bias_add");

}  // namespace anvil::ops
