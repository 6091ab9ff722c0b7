// Reference of dense_packed: the sum read straight from the panel layout.
#include "anvil/ops/Dense.h"

namespace anvil::ops::ref {

HostBuffer dense_packed(const HostBuffer& data, const HostBuffer& packed) {
  std::vector<int64_t> out_shape = dense_packed_shape(data.shape(), data.dtype(), packed.shape(), packed.dtype());
  const int64_t M = out_shape[0], N = out_shape[1], K = data.shape()[1], nb = packed.shape()[2];
  const float* x = data.data<float>();
  const float* w = packed.data<float>();
  HostBuffer out(DataType::Float(32), out_shape);
  float* y = out.data<float>();
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double acc = 0;
      for (int64_t k = 0; k < K; k++) acc += double(x[i * K + k]) * double(w[(j / nb * K + k) * nb + j % nb]);
      y[i * N + j] = static_cast<float>(acc);
    }
  return out;
}

}  // namespace anvil::ops::ref
