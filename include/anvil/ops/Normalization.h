// softmax and layer_norm over one axis of a float32 tensor, each as several
// stages. The reduction stages keep the reduced axis with extent 1 (so every
// stage has the input's rank) and carry tag "reduce".
#pragma once

#include <string>

#include "anvil/ir/te/Operation.h"

namespace anvil::ops {

// exp(x - max) / sum(exp(x - max)) along axis: stages "<name>.max" (max over
// axis), "<name>.expsum" (sum of exp(x - max)), and the normalize stage
// returned (tag "softmax").
Tensor softmax(const Tensor& x, int axis = -1, const std::string& name = "softmax");

// (x - mean) / sqrt(var + eps) * gamma + beta along axis, with the biased
// variance; gamma and beta are 1-D with x's extent at axis. Stages
// "<name>.mean", "<name>.var" (two-pass, sum of squared deviations), and the
// normalize stage returned (tag "layer_norm").
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int axis = -1,
                  double eps = 1e-5, const std::string& name = "layer_norm");

}  // namespace anvil::ops
