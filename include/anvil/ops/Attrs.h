// Attribute structs shared by the compute definitions (ops/*.h) and their
// references (ops/Reference.h), so a test builds both from one value.
#pragma once

#include <array>

#include "anvil/ir/Type.h"

namespace anvil::ops {

// 2-D convolution. padding is {top, left, bottom, right}. With groups > 1 the
// C input channels and O output channels split into `groups` equal groups and
// output group g reads only input group g.
// out_dtype: float32 for float32 inputs; int32 for int8 (or uint8) inputs,
// each input cast to int32 before the multiply.
struct Conv2DAttrs {
  std::array<int, 2> strides{1, 1};
  std::array<int, 4> padding{0, 0, 0, 0};
  std::array<int, 2> dilation{1, 1};
  int groups = 1;
  DataType out_dtype = DataType::Float(32);
};

// Depthwise 2-D convolution: weight [C, multiplier, KH, KW]; output channel
// o = c * multiplier + m reads input channel c with weight[c, m].
struct DepthwiseConv2DAttrs {
  std::array<int, 2> strides{1, 1};
  std::array<int, 4> padding{0, 0, 0, 0};
  std::array<int, 2> dilation{1, 1};
  DataType out_dtype = DataType::Float(32);
};

// 2-D pooling over NCHW data. padding is {top, left, bottom, right} and each
// must be smaller than the kernel along its axis, so every window holds at
// least one input element. count_include_pad (avg only): divide by the whole
// window size, or by the number of in-bounds elements.
struct Pool2DAttrs {
  std::array<int, 2> kernel{1, 1};
  std::array<int, 2> strides{1, 1};
  std::array<int, 4> padding{0, 0, 0, 0};
  bool count_include_pad = true;
};

}  // namespace anvil::ops
