// Conversions between plain and channel-blocked host tensors (Layout.h).
#include "anvil/ops/Layout.h"

#include <cstring>
#include <string>

#include "anvil/support/Error.h"

namespace anvil::ops {

namespace {

void check_rank(const HostBuffer& b, int rank, const char* fn, const char* layout) {
  ANVIL_USER_CHECK(b.ndim() == rank, fn << ": expected a rank-" << rank << " tensor " << layout << ", got rank "
                                        << b.ndim());
}

void check_block(int64_t extent, int64_t block, const char* fn, const char* what) {
  ANVIL_USER_CHECK(block >= 1 && extent % block == 0,
                   fn << ": " << what << " " << extent << " is not a multiple of the block " << block);
}

// Copies element `from` of `src` to element `to` of `dst` (same dtype).
void copy_element(const HostBuffer& src, int64_t from, HostBuffer& dst, int64_t to) {
  const size_t bytes = src.dtype().bytes();
  std::memcpy(static_cast<char*>(dst.raw()) + to * bytes, static_cast<const char*>(src.raw()) + from * bytes,
              bytes);
}

// Visits every (n, c, h, w) of an [N, C, H, W] tensor with the flat index of
// the same element in the [N, C/cb, H, W, cb] tensor.
template <typename F>
void for_each_blocked(int64_t N, int64_t C, int64_t H, int64_t W, int64_t cb, F&& f) {
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t h = 0; h < H; h++)
        for (int64_t w = 0; w < W; w++) {
          int64_t plain = ((n * C + c) * H + h) * W + w;
          int64_t blocked = (((n * (C / cb) + c / cb) * H + h) * W + w) * cb + c % cb;
          f(plain, blocked);
        }
}

// Visits every (o, c, y, x) of an [O, C, KH, KW] weight with the flat index
// of the same element in the [O/ob, C/cb, KH, KW, cb, ob] weight.
template <typename F>
void for_each_blocked_weight(int64_t O, int64_t C, int64_t KH, int64_t KW, int64_t cb, int64_t ob, F&& f) {
  for (int64_t o = 0; o < O; o++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t y = 0; y < KH; y++)
        for (int64_t x = 0; x < KW; x++) {
          int64_t plain = ((o * C + c) * KH + y) * KW + x;
          int64_t blocked = ((((o / ob * (C / cb) + c / cb) * KH + y) * KW + x) * cb + c % cb) * ob + o % ob;
          f(plain, blocked);
        }
}

// Visits every (n, k) of an [N, K] dense weight with the flat index of the
// same element in the [N/nb, K, nb] packed weight.
template <typename F>
void for_each_packed_dense(int64_t N, int64_t K, int64_t nb, F&& f) {
  for (int64_t n = 0; n < N; n++)
    for (int64_t k = 0; k < K; k++) f(n * K + k, (n / nb * K + k) * nb + n % nb);
}

}  // namespace

HostBuffer nchw_to_nchwc(const HostBuffer& data, int64_t cb) {
  check_rank(data, 4, "nchw_to_nchwc", "[N, C, H, W]");
  const auto& s = data.shape();
  check_block(s[1], cb, "nchw_to_nchwc", "channel count");
  HostBuffer out(data.dtype(), {s[0], s[1] / cb, s[2], s[3], cb});
  for_each_blocked(s[0], s[1], s[2], s[3], cb, [&](int64_t p, int64_t b) { copy_element(data, p, out, b); });
  return out;
}

HostBuffer nchwc_to_nchw(const HostBuffer& data) {
  check_rank(data, 5, "nchwc_to_nchw", "[N, C/cb, H, W, cb]");
  const auto& s = data.shape();
  HostBuffer out(data.dtype(), {s[0], s[1] * s[4], s[2], s[3]});
  for_each_blocked(s[0], s[1] * s[4], s[2], s[3], s[4],
                   [&](int64_t p, int64_t b) { copy_element(data, b, out, p); });
  return out;
}

HostBuffer oihw_to_blocked(const HostBuffer& weight, int64_t cb, int64_t ob) {
  check_rank(weight, 4, "oihw_to_blocked", "[O, C, KH, KW]");
  const auto& s = weight.shape();
  check_block(s[0], ob, "oihw_to_blocked", "output channel count");
  check_block(s[1], cb, "oihw_to_blocked", "input channel count");
  HostBuffer out(weight.dtype(), {s[0] / ob, s[1] / cb, s[2], s[3], cb, ob});
  for_each_blocked_weight(s[0], s[1], s[2], s[3], cb, ob,
                          [&](int64_t p, int64_t b) { copy_element(weight, p, out, b); });
  return out;
}

HostBuffer blocked_to_oihw(const HostBuffer& weight) {
  check_rank(weight, 6, "blocked_to_oihw", "[O/ob, C/cb, KH, KW, cb, ob]");
  const auto& s = weight.shape();
  HostBuffer out(weight.dtype(), {s[0] * s[5], s[1] * s[4], s[2], s[3]});
  for_each_blocked_weight(s[0] * s[5], s[1] * s[4], s[2], s[3], s[4], s[5],
                          [&](int64_t p, int64_t b) { copy_element(weight, b, out, p); });
  return out;
}

HostBuffer pack_dense_weight(const HostBuffer& weight, int64_t nb) {
  check_rank(weight, 2, "pack_dense_weight", "[N, K]");
  const auto& s = weight.shape();
  ANVIL_USER_CHECK(nb >= 1 && s[0] % nb == 0,
                   "pack_dense_weight: weight " << shape_to_string(s) << " has N = " << s[0]
                       << " output channels, not a multiple of the block nb = " << nb
                       << " (dense_packed has no padded channels; choose an nb that divides N)");
  HostBuffer out(weight.dtype(), {s[0] / nb, s[1], nb});
  for_each_packed_dense(s[0], s[1], nb, [&](int64_t p, int64_t b) { copy_element(weight, p, out, b); });
  return out;
}

HostBuffer unpack_dense_weight(const HostBuffer& packed) {
  check_rank(packed, 3, "unpack_dense_weight", "[N/nb, K, nb]");
  const auto& s = packed.shape();
  HostBuffer out(packed.dtype(), {s[0] * s[2], s[1]});
  for_each_packed_dense(s[0] * s[2], s[1], s[2], [&](int64_t p, int64_t b) { copy_element(packed, b, out, p); });
  return out;
}

}  // namespace anvil::ops
