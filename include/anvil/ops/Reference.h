// Reference implementations of the operators on HostBuffers: plain loops,
// written to be obviously correct rather than fast, for correctness tests of
// compiled kernels. They take the same attribute structs as the compute
// definitions and refuse the same arguments with the same messages.
//
// Float32 results accumulate in double and round once at the end; int8/uint8
// inputs with an int32 result accumulate exactly in int64 and wrap to int32.
// Padding is handled by bounds tests, not by a padded copy.
#pragma once

#include <cstdint>
#include <vector>

#include "anvil/ops/Attrs.h"
#include "anvil/support/HostBuffer.h"

namespace anvil::ops::ref {

HostBuffer matmul(const HostBuffer& A, const HostBuffer& B,
                  DataType out_dtype = DataType::Float(32));
HostBuffer dense(const HostBuffer& X, const HostBuffer& W,
                 DataType out_dtype = DataType::Float(32));
HostBuffer batch_matmul(const HostBuffer& A, const HostBuffer& B,
                        DataType out_dtype = DataType::Float(32));

HostBuffer pad(const HostBuffer& data, const std::vector<int64_t>& before,
               const std::vector<int64_t>& after, double pad_value = 0.0);

HostBuffer conv2d_nchw(const HostBuffer& data, const HostBuffer& weight,
                       const Conv2DAttrs& attrs = {});
// Through the plain layouts (Layout.h): unblock, conv2d_nchw, block again.
HostBuffer conv2d_nchwc(const HostBuffer& data, const HostBuffer& weight, const Conv2DAttrs& attrs = {});
HostBuffer conv2d_nhwc(const HostBuffer& data, const HostBuffer& weight,
                       const Conv2DAttrs& attrs = {});
HostBuffer depthwise_conv2d_nchw(const HostBuffer& data, const HostBuffer& weight,
                                 const DepthwiseConv2DAttrs& attrs = {});
// Direct loops over the blocked layouts (no conversion).
HostBuffer depthwise_conv2d_nchwc(const HostBuffer& data, const HostBuffer& weight,
                                  const DepthwiseConv2DAttrs& attrs = {});

HostBuffer max_pool2d(const HostBuffer& data, const Pool2DAttrs& attrs);
HostBuffer avg_pool2d(const HostBuffer& data, const Pool2DAttrs& attrs);

HostBuffer add(const HostBuffer& a, const HostBuffer& b);
HostBuffer multiply(const HostBuffer& a, const HostBuffer& b);
HostBuffer relu(const HostBuffer& x);
HostBuffer gelu(const HostBuffer& x);
HostBuffer bias_add(const HostBuffer& data, const HostBuffer& bias, int axis = 1);

HostBuffer softmax(const HostBuffer& x, int axis = -1);
HostBuffer layer_norm(const HostBuffer& x, const HostBuffer& gamma, const HostBuffer& beta,
                      int axis = -1, double eps = 1e-5);

}  // namespace anvil::ops::ref
