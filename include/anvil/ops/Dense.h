// Matrix products: matmul, dense (weights [N, K], as ONNX Gemm with transB),
// dense_packed (float32 weights packed ahead of time) and batch_matmul. Each
// builds one reduction stage over K.
//
// Inputs are float32 with a float32 result, or int8 (uint8) with an int32
// result: each input is cast to out_dtype before the multiply, so products and
// sums are exact in out_dtype.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "anvil/ir/te/Operation.h"
#include "anvil/support/HostBuffer.h"

namespace anvil::ops {

// C[i, j] = sum_k A[i, k] * B[k, j]. Tag "matmul".
Tensor matmul(const Tensor& A, const Tensor& B, DataType out_dtype = DataType::Float(32),
              const std::string& name = "matmul");

// Y[i, j] = sum_k X[i, k] * W[j, k]. Tag "dense".
Tensor dense(const Tensor& X, const Tensor& W, DataType out_dtype = DataType::Float(32),
             const std::string& name = "dense");

// dense with its float32 weight packed once, ahead of time, into column
// panels of nb output channels (pack_dense_weight in ops/Layout.h):
//
//   data   float32 [M, K]
//   packed float32 [N/nb, K, nb]
//   out    float32 [M, N]
//   out[i, j] = sum_k data[i, k] * packed[j/nb, k, j%nb]
//
// With nb = one vector of the target (16 lanes of AVX-512), a register tile
// that splits N into vectors loads each vector of W contiguously and walks K
// with a stride of nb: the panel copy a tuned dense makes on every call is
// done once at model-compile time instead (TVM's dense_pack, oneDNN's
// blocked weights). nb is packed's last extent; N is (N/nb) * nb, so N must be
// a multiple of nb (pack_dense_weight refuses other N: there is no padding).
// Tag "dense_packed". UserError unless data is float32 [M, K] and packed
// float32 [N/nb, K, nb].
Tensor dense_packed(const Tensor& data, const Tensor& packed, const std::string& name = "dense_packed");

// dense_packed's output shape [M, N] for data [M, K] and packed [N/nb, K, nb],
// with the same checks and messages as dense_packed.
std::vector<int64_t> dense_packed_shape(const std::vector<int64_t>& data, DataType data_dtype,
                                        const std::vector<int64_t>& packed, DataType packed_dtype);

// C[b, i, j] = sum_k A[b, i, k] * B[b, k, j]; batch sizes must be equal. Tag "batch_matmul".
Tensor batch_matmul(const Tensor& A, const Tensor& B, DataType out_dtype = DataType::Float(32),
                    const std::string& name = "batch_matmul");

namespace ref {
// The reference of dense_packed: plain loops over data and the packed weight,
// accumulating in double (as the other references).
HostBuffer dense_packed(const HostBuffer& data, const HostBuffer& packed);
}  // namespace ref

}  // namespace anvil::ops
