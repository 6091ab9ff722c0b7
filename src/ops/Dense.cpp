// Compute definitions of matmul, dense and batch_matmul.
#include "anvil/ops/Dense.h"

#include "OpChecks.h"
#include "anvil/ops/Tags.h"

namespace anvil::ops {

using namespace detail;

Tensor matmul(const Tensor& A, const Tensor& B, DataType out_dtype, const std::string& name) {
  Shape a = static_shape(A, "matmul", "A"), b = static_shape(B, "matmul", "B");
  Shape out = matmul_shape(a, b);
  check_mma_dtypes("matmul", "A", A.dtype(), "B", B.dtype(), out_dtype);
  IterVar k = reduce_axis(Range(0, ext(a[1])), name + ".k");
  return compute(
      {ext(out[0]), ext(out[1])},
      [&](Var i, Var j) {
        return sum(cast(out_dtype, A(i, k.var())) * cast(out_dtype, B(k.var(), j)), {k});
      },
      name, tag::kMatmul);
}

Tensor dense(const Tensor& X, const Tensor& W, DataType out_dtype, const std::string& name) {
  Shape x = static_shape(X, "dense", "X"), w = static_shape(W, "dense", "W");
  Shape out = dense_shape(x, w);
  check_mma_dtypes("dense", "X", X.dtype(), "W", W.dtype(), out_dtype);
  IterVar k = reduce_axis(Range(0, ext(x[1])), name + ".k");
  return compute(
      {ext(out[0]), ext(out[1])},
      [&](Var i, Var j) {
        return sum(cast(out_dtype, X(i, k.var())) * cast(out_dtype, W(j, k.var())), {k});
      },
      name, tag::kDense);
}

Tensor batch_matmul(const Tensor& A, const Tensor& B, DataType out_dtype,
                    const std::string& name) {
  Shape a = static_shape(A, "batch_matmul", "A"), b = static_shape(B, "batch_matmul", "B");
  Shape out = batch_matmul_shape(a, b);
  check_mma_dtypes("batch_matmul", "A", A.dtype(), "B", B.dtype(), out_dtype);
  IterVar k = reduce_axis(Range(0, ext(a[2])), name + ".k");
  return compute(
      {ext(out[0]), ext(out[1]), ext(out[2])},
      [&](Var n, Var i, Var j) {
        return sum(cast(out_dtype, A(n, i, k.var())) * cast(out_dtype, B(n, k.var(), j)), {k});
      },
      name, tag::kBatchMatmul);
}

}  // namespace anvil::ops
