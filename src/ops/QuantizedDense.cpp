// dense_u8s8_packed: its compute definition and the host-side weight packing.
#include "anvil/ops/QuantizedDense.h"

#include "OpChecks.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ops/Tags.h"

namespace anvil::ops {

using namespace detail;

std::vector<int64_t> dense_u8s8_packed_weight_shape(int64_t N, int64_t K) {
  ANVIL_USER_CHECK(N > 0 && K > 0, "dense_u8s8_packed: N = " << N << " and K = " << K
                                                             << " must be positive");
  return {(N + kU8S8BlockN - 1) / kU8S8BlockN, (K + kU8S8BlockK - 1) / kU8S8BlockK, kU8S8BlockN,
          kU8S8BlockK};
}

Tensor dense_u8s8_packed(const Tensor& data, const Tensor& packed, int64_t N, const std::string& name) {
  Shape d = static_shape(data, "dense_u8s8_packed", "data");
  Shape p = static_shape(packed, "dense_u8s8_packed", "packed");
  Shape out = dense_u8s8_packed_shape(d, data.dtype(), p, packed.dtype(), N);
  const DataType i32 = DataType::Int(32);
  IterVar k = reduce_axis(Range(0, ext(d[1])), name + ".k");
  // floordiv/floormod (not / and %): the tensorize matcher reasons about
  // blocked indices through the simplifier's floor-division rules.
  Expr bn = ext(kU8S8BlockN), bk = ext(kU8S8BlockK);
  return compute(
      {ext(out[0]), ext(out[1])},
      [&](Var i, Var j) {
        Expr kv = k.var();
        Expr w = packed(floordiv(j, bn), floordiv(kv, bk), floormod(j, bn), floormod(kv, bk));
        return sum(cast(i32, data(i, kv)) * cast(i32, w), {k});
      },
      name, tag::kDenseU8S8Packed);
}

HostBuffer pack_dense_weight_u8s8(const HostBuffer& weight) {
  check_rank("pack_dense_weight_u8s8", "weight", weight.shape(), 2);
  ANVIL_USER_CHECK(weight.dtype() == DataType::Int(8),
                   "pack_dense_weight_u8s8: argument 'weight' has dtype "
                       << weight.dtype().to_string() << "; expected int8 [N, K]");
  const int64_t N = weight.shape()[0], K = weight.shape()[1];
  Shape shape = dense_u8s8_packed_weight_shape(N, K);
  HostBuffer packed(DataType::Int(8), shape);  // zero filled: the padding stays 0
  const int8_t* w = weight.data<int8_t>();
  int8_t* out = packed.data<int8_t>();
  for (int64_t j = 0; j < N; j++) {
    for (int64_t k = 0; k < K; k++) {
      int64_t at = ((j / kU8S8BlockN * shape[1] + k / kU8S8BlockK) * kU8S8BlockN + j % kU8S8BlockN) *
                       kU8S8BlockK + k % kU8S8BlockK;
      out[at] = w[j * K + k];
    }
  }
  return packed;
}

}  // namespace anvil::ops
