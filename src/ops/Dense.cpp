// Compute definitions of matmul, dense, dense_packed and batch_matmul.
#include "anvil/ops/Dense.h"

#include "OpChecks.h"
#include "anvil/ir/IROperator.h"
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

std::vector<int64_t> dense_packed_shape(const std::vector<int64_t>& data, DataType data_dtype,
                                        const std::vector<int64_t>& packed, DataType packed_dtype) {
  const char* op = "dense_packed";
  check_rank(op, "data", data, 2);
  check_rank(op, "packed", packed, 3);
  check_float32(op, "data", data_dtype);
  check_float32(op, "packed", packed_dtype);
  ANVIL_USER_CHECK(packed[1] == data[1] && packed[0] > 0 && packed[2] > 0,
                   op << ": argument 'packed' has shape " << shape_to_string(packed) << "; for data "
                      << shape_to_string(data) << " it must be [N/nb, K, nb] with K = " << data[1]
                      << " (pack a dense weight [N, K] with pack_dense_weight)");
  return {data[0], packed[0] * packed[2]};
}

Tensor dense_packed(const Tensor& data, const Tensor& packed, const std::string& name) {
  Shape d = static_shape(data, "dense_packed", "data"), p = static_shape(packed, "dense_packed", "packed");
  Shape out = dense_packed_shape(d, data.dtype(), p, packed.dtype());
  IterVar k = reduce_axis(Range(0, ext(d[1])), name + ".k");
  // floordiv/floormod: the simplifier folds floordiv(ramp(nb*x, 1, nb), nb)
  // to broadcast(x), so a vector of nb output columns reads one contiguous
  // row of a panel.
  Expr nb = ext(p[2]);
  return compute(
      {ext(out[0]), ext(out[1])},
      [&](Var i, Var j) {
        return sum(data(i, k.var()) * packed(floordiv(j, nb), k.var(), floormod(j, nb)), {k});
      },
      name, tag::kDensePacked);
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
