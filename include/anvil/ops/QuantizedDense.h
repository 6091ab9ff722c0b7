// Quantized dense with weights pre-packed for 8-bit dot-product instructions,
// as oneDNN and TVM run int8 inference: the activations are uint8, the
// weights int8, reordered once at model-compile time into blocks of 16 output
// channels x 4 reduction elements (64 contiguous bytes, what one AVX-512 VNNI
// vpdpbusd consumes), and the result is the exact int32 sum.
//
//   data   uint8 [M, K]
//   packed int8  [ceil(N/16), ceil(K/4), 16, 4]   (zero padded past N and K)
//   out    int32 [M, N]
//   out[i, j] = sum_k int32(data[i, k]) * int32(packed[j/16, k/4, j%16, k%4])
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "anvil/ir/te/Operation.h"
#include "anvil/support/HostBuffer.h"

namespace anvil::ops {

// The block of the packed layout: output channels x reduction elements.
inline constexpr int64_t kU8S8BlockN = 16;
inline constexpr int64_t kU8S8BlockK = 4;

// The packed weight's shape for N output channels and K reduction elements.
std::vector<int64_t> dense_u8s8_packed_weight_shape(int64_t N, int64_t K);

// The compute definition (tag "dense_u8s8_packed"). `N` is the number of
// output channels (the packed shape only gives it rounded up to 16). Throws
// UserError for dtypes other than uint8/int8 or a packed shape that does not
// belong to data's K and N.
Tensor dense_u8s8_packed(const Tensor& data, const Tensor& packed, int64_t N,
                         const std::string& name = "dense_u8s8_packed");

// Host-side packing of a plain int8 weight [N, K] (dense's layout) into the
// blocked layout above, padding with zeros.
HostBuffer pack_dense_weight_u8s8(const HostBuffer& weight);

namespace ref {
// The reference: plain loops over data and the packed weight.
HostBuffer dense_u8s8_packed(const HostBuffer& data, const HostBuffer& packed, int64_t N);
}  // namespace ref

}  // namespace anvil::ops
