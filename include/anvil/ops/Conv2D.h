// 2-D convolutions: NCHW and NHWC (with groups) and depthwise NCHW. Padding is
// a separate pad() stage named "<name>.pad", built only when some padding is
// non-zero; the convolution stage reduces over input channels and the window.
#pragma once

#include <string>

#include "anvil/ir/te/Operation.h"
#include "anvil/ops/Attrs.h"

namespace anvil::ops {

// data [N, C, H, W], weight [O, C/groups, KH, KW] -> [N, O, OH, OW] with
// OH = (H + top + bottom - ((KH - 1) * dh + 1)) / sh + 1 (OW alike).
// Tag "conv2d_nchw", or "group_conv2d_nchw" when groups > 1.
Tensor conv2d_nchw(const Tensor& data, const Tensor& weight, const Conv2DAttrs& attrs = {},
                   const std::string& name = "conv2d_nchw");

// data [N, H, W, C], weight [KH, KW, C/groups, O] -> [N, OH, OW, O].
// Tag "conv2d_nhwc", or "group_conv2d_nhwc" when groups > 1.
Tensor conv2d_nhwc(const Tensor& data, const Tensor& weight, const Conv2DAttrs& attrs = {},
                   const std::string& name = "conv2d_nhwc");

// Channel-blocked conv2d (Layout.h): data [N, C/cb, H, W, cb], weight
// [O/ob, C/cb, KH, KW, cb, ob] -> [N, O/ob, OH, OW, ob]; no groups or dilation.
// Tag "conv2d_nchwc".
Tensor conv2d_nchwc(const Tensor& data, const Tensor& weight, const Conv2DAttrs& attrs = {},
                    const std::string& name = "conv2d_nchwc");

// data [N, C, H, W], weight [C, M, KH, KW] -> [N, C * M, OH, OW]: output
// channel c * M + m convolves input channel c with weight[c, m].
// Tag "depthwise_conv2d_nchw".
Tensor depthwise_conv2d_nchw(const Tensor& data, const Tensor& weight,
                             const DepthwiseConv2DAttrs& attrs = {},
                             const std::string& name = "depthwise_conv2d_nchw");

// Channel-blocked depthwise conv (Layout.h), multiplier 1: data
// [N, C/cb, H, W, cb], weight [C/cb, KH, KW, cb] -> [N, C/cb, OH, OW, cb]; no
// dilation. Tag "depthwise_conv2d_nchwc".
Tensor depthwise_conv2d_nchwc(const Tensor& data, const Tensor& weight, const DepthwiseConv2DAttrs& attrs = {},
                              const std::string& name = "depthwise_conv2d_nchwc");

}  // namespace anvil::ops
