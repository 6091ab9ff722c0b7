// matmul, dense and batch_matmul: shapes, tags, refused arguments, references
// against hand-computed values, and the compute definitions against the references.
#include "anvil/ops/Dense.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "OpTestUtil.h"
#include "anvil/ops/Reference.h"
#include "anvil/ops/Tags.h"

using namespace anvil;
using namespace anvil::ops::testing;
using ::testing::HasSubstr;

namespace {
const DataType f32 = DataType::Float(32);
const DataType i8 = DataType::Int(8);
const DataType i32 = DataType::Int(32);
}  // namespace

TEST(Matmul, ShapeDtypeTag) {
  Tensor A = placeholder({4, 3}, f32, "A"), B = placeholder({3, 5}, f32, "B");
  Tensor C = ops::matmul(A, B);
  EXPECT_EQ(shape_of(C), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(C.dtype(), f32);
  EXPECT_EQ(tag_of(C), ops::tag::kMatmul);
  ASSERT_EQ(as_compute(C)->reduce_axes().size(), 1u);
  EXPECT_EQ(as_const_int(as_compute(C)->reduce_axes()[0].dom().extent), 3);
  Tensor Q = ops::matmul(placeholder({4, 3}, i8, "A"), placeholder({3, 5}, i8, "B"), i32);
  EXPECT_EQ(Q.dtype(), i32);
}

TEST(Matmul, RefusesBadArguments) {
  Tensor A = placeholder({4, 3}, f32, "A");
  EXPECT_THAT(user_error_of([&] { ops::matmul(A, placeholder({4, 5}, f32, "B")); }),
              HasSubstr("matmul: inner dimensions do not match: A is [4, 3] and B is [4, 5]"));
  EXPECT_THAT(user_error_of([&] { ops::matmul(A, placeholder({3, 5, 1}, f32, "B")); }),
              HasSubstr("argument 'B' has rank 3"));
  EXPECT_THAT(user_error_of([&] { ops::matmul(A, placeholder({3, 5}, i8, "B")); }),
              HasSubstr("mismatched dtypes: 'A' is float32 and 'B' is int8"));
  EXPECT_THAT(
      user_error_of([&] {
        ops::matmul(placeholder({4, 3}, i8, "A"), placeholder({3, 5}, i8, "B"));
      }),
      HasSubstr("'out_dtype' is float32; int8 inputs need out_dtype int32"));
  EXPECT_THAT(user_error_of([&] { ops::matmul(A, placeholder({3, 5}, f32, "B"), i32); }),
              HasSubstr("float32 inputs need out_dtype float32"));
  Var m("m");
  EXPECT_THAT(user_error_of([&] {
                ops::matmul(placeholder({m, 3}, f32, "A"), placeholder({3, 5}, f32, "B"));
              }),
              HasSubstr("non-constant extent in dimension 0"));
}

TEST(Matmul, ReferenceByHand) {
  // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
  HostBuffer A = HostBuffer::from_values(f32, {2, 3}, {1, 2, 3, 4, 5, 6});
  HostBuffer B = HostBuffer::from_values(f32, {3, 2}, {7, 8, 9, 10, 11, 12});
  HostBuffer C = ops::ref::matmul(A, B);
  EXPECT_EQ(C.shape(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(C.to_vector(), (std::vector<double>{58, 64, 139, 154}));
  EXPECT_THAT(user_error_of([&] { ops::ref::matmul(A, A); }),
              HasSubstr("inner dimensions do not match"));
}

TEST(Matmul, Int8ReferenceIsExact) {
  // Extremes of int8: -128 * -128 * 3 = 49152 does not fit int16 but is exact in int32.
  HostBuffer A = HostBuffer::from_values(i8, {2, 3}, {-128, -128, -128, 127, -1, 0});
  HostBuffer B = HostBuffer::from_values(i8, {3, 2}, {-128, 1, -128, 2, -128, 3});
  HostBuffer C = ops::ref::matmul(A, B, i32);
  EXPECT_EQ(C.dtype(), i32);
  EXPECT_EQ(C.to_vector(), (std::vector<double>{49152, -768, -16128, 125}));
  EXPECT_THAT(user_error_of([&] { ops::ref::matmul(A, B); }), HasSubstr("need out_dtype int32"));
}

TEST(Matmul, ComputeMatchesReference) {
  Tensor A = placeholder({5, 7}, f32, "A"), B = placeholder({7, 3}, f32, "B");
  HostBuffer a = HostBuffer::random(f32, {5, 7}, 1), b = HostBuffer::random(f32, {7, 3}, 2);
  TEInterpreter interp;
  interp.bind(A, a);
  interp.bind(B, b);
  EXPECT_TRUE(all_close(interp.run(ops::matmul(A, B)), ops::ref::matmul(a, b), 1e-5, 1e-5));

  Tensor QA = placeholder({4, 9}, i8, "QA"), QB = placeholder({9, 6}, i8, "QB");
  HostBuffer qa = HostBuffer::random(i8, {4, 9}, 3, -128, 127);
  HostBuffer qb = HostBuffer::random(i8, {9, 6}, 4, -128, 127);
  interp.bind(QA, qa);
  interp.bind(QB, qb);
  EXPECT_EQ(max_abs_diff(interp.run(ops::matmul(QA, QB, i32)), ops::ref::matmul(qa, qb, i32)), 0);
}

TEST(Dense, ShapeTagAndTransposedWeights) {
  Tensor X = placeholder({2, 3}, f32, "X"), W = placeholder({4, 3}, f32, "W");
  Tensor Y = ops::dense(X, W);
  EXPECT_EQ(shape_of(Y), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(Y.dtype(), f32);
  EXPECT_EQ(tag_of(Y), ops::tag::kDense);
  EXPECT_THAT(user_error_of([&] { ops::dense(X, placeholder({3, 4}, f32, "W")); }),
              HasSubstr("dense: inner dimensions do not match: X is [2, 3] and W is [3, 4]"));
  EXPECT_THAT(user_error_of([&] { ops::dense(X, placeholder({4}, f32, "W")); }),
              HasSubstr("argument 'W' has rank 1"));
  EXPECT_THAT(user_error_of([&] { ops::dense(X, placeholder({4, 3}, DataType::Float(64), "W")); }),
              HasSubstr("mismatched dtypes"));

  // dense(X, W) == matmul(X, W^T).
  HostBuffer x = HostBuffer::from_values(f32, {2, 3}, {1, 2, 3, 4, 5, 6});
  HostBuffer w = HostBuffer::from_values(f32, {2, 3}, {7, 9, 11, 8, 10, 12});
  EXPECT_EQ(ops::ref::dense(x, w).to_vector(), (std::vector<double>{58, 64, 139, 154}));

  HostBuffer xr = HostBuffer::random(f32, {2, 3}, 5), wr = HostBuffer::random(f32, {4, 3}, 6);
  TEInterpreter interp;
  interp.bind(X, xr);
  interp.bind(W, wr);
  EXPECT_TRUE(all_close(interp.run(Y), ops::ref::dense(xr, wr), 1e-5, 1e-6));
}

TEST(Dense, Int8ComputeAndReference) {
  Tensor X = placeholder({3, 8}, i8, "X"), W = placeholder({5, 8}, i8, "W");
  Tensor Y = ops::dense(X, W, i32);
  EXPECT_EQ(Y.dtype(), i32);
  HostBuffer x = HostBuffer::random(i8, {3, 8}, 7, -128, 127);
  HostBuffer w = HostBuffer::random(i8, {5, 8}, 8, -128, 127);
  HostBuffer expected(i32, {3, 5});
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 5; j++) {
      int64_t s = 0;
      for (int k = 0; k < 8; k++) s += x.get_int(i * 8 + k) * w.get_int(j * 8 + k);
      expected.set_int(i * 5 + j, s);
    }
  EXPECT_EQ(max_abs_diff(ops::ref::dense(x, w, i32), expected), 0);
  TEInterpreter interp;
  interp.bind(X, x);
  interp.bind(W, w);
  EXPECT_EQ(max_abs_diff(interp.run(Y), expected), 0);
}

TEST(BatchMatmul, ShapeTagErrorsAndReference) {
  Tensor A = placeholder({2, 3, 4}, f32, "A"), B = placeholder({2, 4, 5}, f32, "B");
  Tensor C = ops::batch_matmul(A, B);
  EXPECT_EQ(shape_of(C), (std::vector<int64_t>{2, 3, 5}));
  EXPECT_EQ(tag_of(C), ops::tag::kBatchMatmul);
  EXPECT_THAT(user_error_of([&] { ops::batch_matmul(A, placeholder({3, 4, 5}, f32, "B")); }),
              HasSubstr("batch sizes do not match"));
  EXPECT_THAT(user_error_of([&] { ops::batch_matmul(A, placeholder({2, 3, 5}, f32, "B")); }),
              HasSubstr("inner dimensions do not match"));
  EXPECT_THAT(user_error_of([&] { ops::batch_matmul(A, placeholder({4, 5}, f32, "B")); }),
              HasSubstr("argument 'B' has rank 2"));

  // Each batch is an independent matmul.
  HostBuffer a = HostBuffer::random(f32, {2, 3, 4}, 9), b = HostBuffer::random(f32, {2, 4, 5}, 10);
  HostBuffer c = ops::ref::batch_matmul(a, b);
  for (int n = 0; n < 2; n++) {
    HostBuffer an(f32, {3, 4}), bn(f32, {4, 5});
    for (int i = 0; i < 12; i++) an.set(i, a.get(n * 12 + i));
    for (int i = 0; i < 20; i++) bn.set(i, b.get(n * 20 + i));
    HostBuffer cn = ops::ref::matmul(an, bn);
    for (int i = 0; i < 15; i++) EXPECT_EQ(c.get(n * 15 + i), cn.get(i));
  }
  TEInterpreter interp;
  interp.bind(A, a);
  interp.bind(B, b);
  EXPECT_TRUE(all_close(interp.run(C), c, 1e-5, 1e-6));
}
