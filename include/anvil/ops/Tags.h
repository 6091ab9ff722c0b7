// The tags operators put on their ComputeOps (ComputeOpNode::tag). Schedule
// rules read them to pick a strategy, so each is a stable public name.
#pragma once

#include <string_view>

namespace anvil::ops::tag {

// Injective stages: every output element reads a fixed set of input elements
// and nothing else; schedules may inline them into their consumers.
inline constexpr const char* kElemwise = "elemwise";    // same shape in and out
inline constexpr const char* kBroadcast = "broadcast";  // inputs broadcast to the output shape
inline constexpr const char* kInjective = "injective";  // any other index remapping
inline constexpr const char* kPad = "pad";              // padded copy of an input (pad())

// Reductions and the anchor operators of a fused group.
inline constexpr const char* kReduce = "reduce";  // a reduction stage of softmax, layer_norm
inline constexpr const char* kMatmul = "matmul";
inline constexpr const char* kDense = "dense";
inline constexpr const char* kBatchMatmul = "batch_matmul";
// float32 dense over weights pre-packed in panels [N/nb, K, nb] (Dense.h).
inline constexpr const char* kDensePacked = "dense_packed";
// uint8 x int8 -> int32 dense over weights pre-packed in 16x4 blocks (QuantizedDense.h).
inline constexpr const char* kDenseU8S8Packed = "dense_u8s8_packed";
inline constexpr const char* kConv2dNCHW = "conv2d_nchw";
inline constexpr const char* kConv2dNHWC = "conv2d_nhwc";
inline constexpr const char* kConv2dNCHWc = "conv2d_nchwc";  // channel-blocked (Layout.h)
inline constexpr const char* kGroupConv2dNCHW = "group_conv2d_nchw";  // groups > 1
inline constexpr const char* kGroupConv2dNHWC = "group_conv2d_nhwc";
inline constexpr const char* kDepthwiseConv2dNCHW = "depthwise_conv2d_nchw";
inline constexpr const char* kDepthwiseConv2dNCHWc = "depthwise_conv2d_nchwc";  // channel-blocked
inline constexpr const char* kPoolMax = "pool_max";
inline constexpr const char* kPoolSum = "pool_sum";  // the window sum of avg_pool2d
inline constexpr const char* kPoolAvg = "pool_avg";  // avg_pool2d's division, its output
inline constexpr const char* kSoftmax = "softmax";        // softmax's normalize stage
inline constexpr const char* kLayerNorm = "layer_norm";  // layer_norm's normalize stage

// True for the injective tags above (elemwise, broadcast, injective, pad).
inline bool is_injective(std::string_view t) {
  return t == kElemwise || t == kBroadcast || t == kInjective || t == kPad;
}

}  // namespace anvil::ops::tag
