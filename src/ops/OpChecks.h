// Argument validation and shape inference shared by the compute definitions and
// the references: both refuse the same arguments with the same message, and
// agree on every output shape. Internal to anvil_ops.
#pragma once

#include <cstdint>
#include <vector>

#include "anvil/ir/te/Operation.h"
#include "anvil/ops/Attrs.h"
#include "anvil/support/HostBuffer.h"

namespace anvil::ops::detail {

using Shape = std::vector<int64_t>;

// The constant extents of t; a symbolic extent is a UserError naming op and arg.
Shape static_shape(const Tensor& t, const char* op, const char* arg);
// An int32 extent or index constant.
Expr ext(int64_t v);

void check_rank(const char* op, const char* arg, const Shape& s, size_t rank);
void check_float32(const char* op, const char* arg, DataType t);
void check_same_dtype(const char* op, const char* a_name, DataType a, const char* b_name,
                      DataType b);
// Inputs of matmul-like ops: equal dtypes; float32 -> float32, int8/uint8 -> int32.
void check_mma_dtypes(const char* op, const char* a_name, DataType a, const char* b_name,
                      DataType b, DataType out);

Shape matmul_shape(const Shape& a, const Shape& b);        // [M,K] x [K,N] -> [M,N]
Shape dense_shape(const Shape& x, const Shape& w);         // [M,K] x [N,K] -> [M,N]
Shape batch_matmul_shape(const Shape& a, const Shape& b);  // [b,M,K] x [b,K,N] -> [b,M,N]
// dense_u8s8_packed: data uint8 [M,K] x packed int8 [ceil(N/16),ceil(K/4),16,4] -> [M,N].
Shape dense_u8s8_packed_shape(const Shape& data, DataType data_type, const Shape& packed,
                              DataType packed_type, int64_t N);

// pad(): one non-negative width per dimension on each side.
Shape pad_shape(const Shape& data, const std::vector<int64_t>& before,
                const std::vector<int64_t>& after);
void check_pad_value(DataType t, double value);

struct ConvGeometry {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, kernel_h, kernel_w, out_h, out_w;
  int64_t group_in_channels;   // input channels one output channel reads
  int64_t group_out_channels;  // output channels per group (depthwise: the multiplier)
};
// conv2d_nchw / conv2d_nhwc (nhwc selects the layouts data[N,H,W,C], weight[KH,KW,C/g,O]).
ConvGeometry conv2d_geometry(const char* op, bool nhwc, const Shape& data, const Shape& weight,
                             DataType data_type, DataType weight_type, const Conv2DAttrs& a);
ConvGeometry depthwise_conv2d_geometry(const Shape& data, const Shape& weight,
                                       DataType data_type, DataType weight_type,
                                       const DepthwiseConv2DAttrs& a);

struct PoolGeometry {
  int64_t batch, channels, in_h, in_w, out_h, out_w;
};
PoolGeometry pool2d_geometry(const char* op, const Shape& data, DataType data_type,
                             const Pool2DAttrs& a);

// numpy broadcasting of trailing dimensions and of size-1 dimensions.
Shape broadcast_shape(const char* op, const Shape& a, const Shape& b);
// axis in [-rank, rank) to [0, rank).
int normalize_axis(const char* op, int axis, size_t rank);

}  // namespace anvil::ops::detail
