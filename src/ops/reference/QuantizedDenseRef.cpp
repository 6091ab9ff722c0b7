// Reference of dense_u8s8_packed: the sum read straight from the blocked layout.
#include "../OpChecks.h"
#include "anvil/ops/QuantizedDense.h"

namespace anvil::ops::ref {

using namespace detail;

HostBuffer dense_u8s8_packed(const HostBuffer& data, const HostBuffer& packed, int64_t N) {
  Shape out_shape = dense_u8s8_packed_shape(data.shape(), data.dtype(), packed.shape(), packed.dtype(), N);
  const int64_t M = out_shape[0], K = data.shape()[1], KB = packed.shape()[1];
  const uint8_t* x = data.data<uint8_t>();
  const int8_t* w = packed.data<int8_t>();
  HostBuffer out(DataType::Int(32), out_shape);
  for (int64_t i = 0; i < M; i++) {
    for (int64_t j = 0; j < N; j++) {
      int64_t acc = 0;  // exact; stored wrapped to int32 like the kernels' arithmetic
      for (int64_t k = 0; k < K; k++)
        acc += int64_t{x[i * K + k]} *
               int64_t{w[((j / kU8S8BlockN * KB + k / kU8S8BlockK) * kU8S8BlockN + j % kU8S8BlockN) *
                             kU8S8BlockK + k % kU8S8BlockK]};
      out.set_int(i * N + j, acc);
    }
  }
  return out;
}

}  // namespace anvil::ops::ref
