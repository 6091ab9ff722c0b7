// dense_packed: the panel layout (hand-checked positions, unpacking back),
// the reference against plain dense on the unpacked weight, the compute
// definition against the reference, and the refused shapes and dtypes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "OpTestUtil.h"
#include "anvil/ops/Dense.h"
#include "anvil/ops/Layout.h"
#include "anvil/ops/Reference.h"
#include "anvil/ops/Tags.h"

using namespace anvil;
using namespace anvil::ops::testing;
using ::testing::HasSubstr;

namespace {
const DataType f32 = DataType::Float(32);
}  // namespace

TEST(DensePacked, PackingPlacesEachWeightInItsPanelAndUnpacksBack) {
  // N = 12 in panels of nb = 4, K = 5.
  HostBuffer w = HostBuffer::random(f32, {12, 5}, 1, -1, 1);
  HostBuffer p = ops::pack_dense_weight(w, 4);
  EXPECT_EQ(p.shape(), (std::vector<int64_t>{3, 5, 4}));
  EXPECT_EQ(p.dtype(), f32);
  auto at = [&](int64_t panel, int64_t k, int64_t lane) { return p.get((panel * 5 + k) * 4 + lane); };
  EXPECT_EQ(at(0, 0, 0), w.get(0));
  EXPECT_EQ(at(0, 3, 2), w.get(2 * 5 + 3));   // j = 2, k = 3
  EXPECT_EQ(at(1, 0, 1), w.get(5 * 5 + 0));   // j = 5
  EXPECT_EQ(at(2, 4, 3), w.get(11 * 5 + 4));  // the last element
  EXPECT_EQ(max_abs_diff(ops::unpack_dense_weight(p), w), 0.0);
  // nb = N: one panel, W transposed.
  HostBuffer t = ops::pack_dense_weight(w, 12);
  EXPECT_EQ(t.shape(), (std::vector<int64_t>{1, 5, 12}));
  EXPECT_EQ(t.get(3 * 12 + 7), w.get(7 * 5 + 3));
}

TEST(DensePacked, ReferenceEqualsDenseAndComputeEqualsReference) {
  const int64_t M = 3, N = 24, K = 7, nb = 8;
  HostBuffer data = HostBuffer::random(f32, {M, K}, 2, -1, 1);
  HostBuffer w = HostBuffer::random(f32, {N, K}, 3, -1, 1);
  HostBuffer packed = ops::pack_dense_weight(w, nb);
  HostBuffer got = ops::ref::dense_packed(data, packed);
  EXPECT_EQ(got.shape(), (std::vector<int64_t>{M, N}));
  EXPECT_EQ(max_abs_diff(got, ops::ref::dense(data, w)), 0.0);

  Tensor X = placeholder({3, 7}, f32, "data");
  Tensor P = placeholder({3, 7, 8}, f32, "packed");
  Tensor Y = ops::dense_packed(X, P);
  EXPECT_EQ(shape_of(Y), (std::vector<int64_t>{M, N}));
  EXPECT_EQ(Y.dtype(), f32);
  EXPECT_EQ(tag_of(Y), ops::tag::kDensePacked);
  TEInterpreter interp;
  interp.bind(X, data);
  interp.bind(P, packed);
  EXPECT_LE(max_abs_diff(interp.run(Y), got), 1e-6);
}

TEST(DensePacked, RefusesInconsistentShapesAndDtypes) {
  Tensor X = placeholder({3, 7}, f32, "data");
  EXPECT_THAT(user_error_of([&] { ops::dense_packed(X, placeholder({2, 9, 16}, f32, "p")); }),
              HasSubstr("dense_packed: argument 'packed' has shape [2, 9, 16]; for data [3, 7] it must be "
                        "[N/nb, K, nb] with K = 7"));
  EXPECT_THAT(user_error_of([&] { ops::dense_packed(X, placeholder({32, 7}, f32, "p")); }),
              HasSubstr("argument 'packed' has rank 2"));
  EXPECT_THAT(user_error_of([&] { ops::dense_packed(placeholder({3, 7}, DataType::Int(8), "x"),
                                                    placeholder({2, 7, 16}, f32, "p")); }),
              HasSubstr("argument 'data' has dtype int8; expected float32"));
  EXPECT_THAT(user_error_of([&] { ops::dense_packed(X, placeholder({2, 7, 16}, DataType::Int(8), "p")); }),
              HasSubstr("argument 'packed' has dtype int8; expected float32"));
  // The reference refuses the same way.
  EXPECT_THAT(user_error_of([&] { ops::ref::dense_packed(HostBuffer(f32, {3, 7}), HostBuffer(f32, {2, 9, 16})); }),
              HasSubstr("it must be [N/nb, K, nb] with K = 7"));
  // No padded panels: N must be a multiple of nb.
  EXPECT_THAT(user_error_of([&] { ops::pack_dense_weight(HostBuffer(f32, {40, 7}), 16); }),
              HasSubstr("pack_dense_weight: weight [40, 7] has N = 40 output channels, not a multiple of the "
                        "block nb = 16"));
  EXPECT_THAT(user_error_of([&] { ops::pack_dense_weight(HostBuffer(f32, {16, 7}), 0); }),
              HasSubstr("not a multiple of the block nb = 0"));
  EXPECT_THAT(user_error_of([&] { ops::unpack_dense_weight(HostBuffer(f32, {16, 7})); }),
              HasSubstr("unpack_dense_weight: expected a rank-3 tensor [N/nb, K, nb], got rank 2"));
}
