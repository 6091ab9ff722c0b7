// 2-D max and average pooling over NCHW float32 data (see Pool2DAttrs).
#pragma once

#include <string>

#include "anvil/ir/te/Operation.h"
#include "anvil/ops/Attrs.h"

namespace anvil::ops {

// The maximum of each window; padding reads as -infinity. One stage, tag
// "pool_max", after a "<name>.pad" stage when padding is non-zero.
Tensor max_pool2d(const Tensor& data, const Pool2DAttrs& attrs,
                  const std::string& name = "max_pool2d");

// The mean of each window: a window-sum stage "<name>.sum" (tag "pool_sum")
// and the division stage returned (tag "pool_avg"). With count_include_pad
// false the divisor is the number of in-bounds elements of the window.
Tensor avg_pool2d(const Tensor& data, const Pool2DAttrs& attrs,
                  const std::string& name = "avg_pool2d");

}  // namespace anvil::ops
