// Matrix products: matmul, dense (weights [N, K], as ONNX Gemm with transB) and
// batch_matmul. Each builds one reduction stage over K.
//
// Inputs are float32 with a float32 result, or int8 (uint8) with an int32
// result: each input is cast to out_dtype before the multiply, so products and
// sums are exact in out_dtype.
#pragma once

#include <string>

#include "anvil/ir/te/Operation.h"

namespace anvil::ops {

// C[i, j] = sum_k A[i, k] * B[k, j]. Tag "matmul".
Tensor matmul(const Tensor& A, const Tensor& B, DataType out_dtype = DataType::Float(32),
              const std::string& name = "matmul");

// Y[i, j] = sum_k X[i, k] * W[j, k]. Tag "dense".
Tensor dense(const Tensor& X, const Tensor& W, DataType out_dtype = DataType::Float(32),
             const std::string& name = "dense");

// C[b, i, j] = sum_k A[b, i, k] * B[b, k, j]; batch sizes must be equal. Tag "batch_matmul".
Tensor batch_matmul(const Tensor& A, const Tensor& B, DataType out_dtype = DataType::Float(32),
                    const std::string& name = "batch_matmul");

}  // namespace anvil::ops
