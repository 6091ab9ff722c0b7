// dense_u8s8_packed: the packed layout (hand-checked positions and padding),
// the reference against plain int8 dense on the unpacked weight, the compute
// definition against the reference, and the refused shapes and dtypes.
#include "anvil/ops/QuantizedDense.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "OpTestUtil.h"
#include "anvil/ops/Reference.h"
#include "anvil/ops/Tags.h"

using namespace anvil;
using namespace anvil::ops::testing;
using ::testing::HasSubstr;

namespace {
const DataType u8 = DataType::UInt(8);
const DataType i8 = DataType::Int(8);
const DataType i32 = DataType::Int(32);
}  // namespace

TEST(DenseU8S8Packed, PackingPlacesEachWeightInItsBlockAndZeroPads) {
  // N = 17, K = 5: two blocks of 16 channels, two of 4 reduction elements.
  HostBuffer w = HostBuffer::random(i8, {17, 5}, 1, -128, 127);
  HostBuffer p = ops::pack_dense_weight_u8s8(w);
  EXPECT_EQ(p.shape(), (std::vector<int64_t>{2, 2, 16, 4}));
  EXPECT_EQ(p.dtype(), i8);
  auto at = [&](int64_t jb, int64_t kb, int64_t jl, int64_t kl) {
    return p.get_int(((jb * 2 + kb) * 16 + jl) * 4 + kl);
  };
  EXPECT_EQ(at(0, 0, 0, 0), w.get_int(0));
  EXPECT_EQ(at(0, 0, 3, 2), w.get_int(3 * 5 + 2));
  EXPECT_EQ(at(0, 1, 7, 0), w.get_int(7 * 5 + 4));   // k = 4
  EXPECT_EQ(at(1, 1, 0, 0), w.get_int(16 * 5 + 4));  // j = 16, k = 4
  int64_t padding_nonzero = 0;
  for (int64_t jb = 0; jb < 2; jb++)
    for (int64_t kb = 0; kb < 2; kb++)
      for (int64_t jl = 0; jl < 16; jl++)
        for (int64_t kl = 0; kl < 4; kl++)
          if ((jb * 16 + jl >= 17 || kb * 4 + kl >= 5) && at(jb, kb, jl, kl) != 0) padding_nonzero++;
  EXPECT_EQ(padding_nonzero, 0);
}

TEST(DenseU8S8Packed, ReferenceEqualsInt8DenseAndComputeEqualsReference) {
  const int64_t M = 3, N = 19, K = 7;
  HostBuffer data = HostBuffer::random(u8, {M, K}, 2, 0, 255);
  HostBuffer w = HostBuffer::random(i8, {N, K}, 3, -128, 127);
  HostBuffer packed = ops::pack_dense_weight_u8s8(w);
  HostBuffer got = ops::ref::dense_u8s8_packed(data, packed, N);
  // Plain dense needs equal input dtypes: compare against int64 sums by hand.
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      int64_t s = 0;
      for (int64_t k = 0; k < K; k++) s += data.get_int(i * K + k) * w.get_int(j * K + k);
      ASSERT_EQ(got.get_int(i * N + j), s) << i << ", " << j;
    }

  Tensor X = placeholder({3, 7}, u8, "data");
  Tensor P = placeholder({2, 2, 16, 4}, i8, "packed");
  Tensor Y = ops::dense_u8s8_packed(X, P, N);
  EXPECT_EQ(shape_of(Y), (std::vector<int64_t>{M, N}));
  EXPECT_EQ(Y.dtype(), i32);
  EXPECT_EQ(tag_of(Y), ops::tag::kDenseU8S8Packed);
  TEInterpreter interp;
  interp.bind(X, data);
  interp.bind(P, packed);
  EXPECT_EQ(max_abs_diff(interp.run(Y), got), 0.0);
}

TEST(DenseU8S8Packed, RefusesInconsistentShapesAndDtypes) {
  Tensor X = placeholder({3, 7}, u8, "data");
  Tensor P = placeholder({2, 2, 16, 4}, i8, "packed");
  // N = 40 needs 3 blocks of 16.
  EXPECT_THAT(user_error_of([&] { ops::dense_u8s8_packed(X, P, 40); }),
              HasSubstr("argument 'packed' has shape [2, 2, 16, 4]; for N = 40 and K = 7 (data [3, 7]) "
                        "it must be [3, 2, 16, 4]"));
  // K = 9 needs 3 blocks of 4.
  EXPECT_THAT(user_error_of([&] { ops::dense_u8s8_packed(placeholder({3, 9}, u8, "data"), P, 19); }),
              HasSubstr("it must be [2, 3, 16, 4]"));
  EXPECT_THAT(user_error_of([&] { ops::dense_u8s8_packed(placeholder({3, 7}, i8, "data"), P, 19); }),
              HasSubstr("argument 'data' has dtype int8; expected uint8"));
  EXPECT_THAT(user_error_of([&] { ops::dense_u8s8_packed(X, placeholder({2, 2, 16, 4}, u8, "p"), 19); }),
              HasSubstr("argument 'packed' has dtype uint8; expected int8"));
  EXPECT_THAT(user_error_of([&] { ops::dense_u8s8_packed(X, placeholder({2, 32, 4}, i8, "p"), 19); }),
              HasSubstr("argument 'packed' has rank 3"));
  // The reference refuses the same way.
  HostBuffer data(u8, {3, 7}), packed(i8, {2, 2, 16, 4});
  EXPECT_THAT(user_error_of([&] { ops::ref::dense_u8s8_packed(data, packed, 40); }),
              HasSubstr("it must be [3, 2, 16, 4]"));
  EXPECT_THAT(user_error_of([&] { ops::pack_dense_weight_u8s8(HostBuffer(u8, {4, 4})); }),
              HasSubstr("'weight' has dtype uint8; expected int8"));
}
