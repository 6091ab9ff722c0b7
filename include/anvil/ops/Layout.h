// Channel-blocked layouts of activations and conv weights, and conversion of
// host tensors between them and the plain ones. A block of `cb` channels
// innermost ([N, C/cb, H, W, cb], "NCHW16c" for cb = 16) lets a conv's
// register tile vectorize over channels with contiguous loads and stores;
// weights are blocked to match ([O/ob, C/cb, KH, KW, cb, ob]). As with
// oneDNN's and TVM's blocked formats, a model converts its weights once
// ahead of time and keeps activations blocked between layers. dense's weight
// has a blocked form too (pack_dense_weight).
#pragma once

#include <cstdint>

#include "anvil/support/HostBuffer.h"

namespace anvil::ops {

// [N, C, H, W] -> [N, C/cb, H, W, cb]. C must be a multiple of cb.
HostBuffer nchw_to_nchwc(const HostBuffer& data, int64_t cb);
// [N, C/cb, H, W, cb] -> [N, C, H, W].
HostBuffer nchwc_to_nchw(const HostBuffer& data);
// [O, C, KH, KW] -> [O/ob, C/cb, KH, KW, cb, ob]. O (C) must be a multiple of ob (cb).
HostBuffer oihw_to_blocked(const HostBuffer& weight, int64_t cb, int64_t ob);
// [O/ob, C/cb, KH, KW, cb, ob] -> [O, C, KH, KW].
HostBuffer blocked_to_oihw(const HostBuffer& weight);

// dense's weight [N, K] -> dense_packed's [N/nb, K, nb] (ops/Dense.h): panels
// of nb output channels, each row of a panel the nb weights one k multiplies.
// N must be a multiple of nb: dense_packed has no padded columns.
HostBuffer pack_dense_weight(const HostBuffer& weight, int64_t nb);
// [N/nb, K, nb] -> [N, K].
HostBuffer unpack_dense_weight(const HostBuffer& packed);

}  // namespace anvil::ops
