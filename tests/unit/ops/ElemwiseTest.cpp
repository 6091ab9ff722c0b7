// add, multiply (broadcasting), relu, gelu and bias_add: shapes, tags,
// refused arguments, references by hand, compute definitions against them.
#include "anvil/ops/Elemwise.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "OpTestUtil.h"
#include "anvil/ops/Reference.h"
#include "anvil/ops/Tags.h"

using namespace anvil;
using namespace anvil::ops::testing;
using ::testing::HasSubstr;

namespace {
const DataType f32 = DataType::Float(32);
const DataType i32 = DataType::Int(32);
}  // namespace

TEST(Add, SameShapeIsElemwise) {
  Tensor a = placeholder({2, 3}, f32, "a"), b = placeholder({2, 3}, f32, "b");
  Tensor c = ops::add(a, b);
  EXPECT_EQ(shape_of(c), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(tag_of(c), ops::tag::kElemwise);
  EXPECT_TRUE(ops::tag::is_injective(tag_of(c)));
  HostBuffer ab = HostBuffer::from_values(f32, {2, 3}, {1, 2, 3, 4, 5, 6});
  HostBuffer bb = HostBuffer::from_values(f32, {2, 3}, {10, 20, 30, 40, 50, 60});
  std::vector<double> expected = {11, 22, 33, 44, 55, 66};
  EXPECT_EQ(ops::ref::add(ab, bb).to_vector(), expected);
  TEInterpreter interp;
  interp.bind(a, ab);
  interp.bind(b, bb);
  EXPECT_EQ(interp.run(c).to_vector(), expected);
}

TEST(Add, BroadcastsTrailingAndSizeOneDimensions) {
  // [2, 1, 3] + [4, 1] -> [2, 4, 3]
  Tensor a = placeholder({2, 1, 3}, f32, "a"), b = placeholder({4, 1}, f32, "b");
  Tensor c = ops::add(a, b);
  EXPECT_EQ(shape_of(c), (std::vector<int64_t>{2, 4, 3}));
  EXPECT_EQ(tag_of(c), ops::tag::kBroadcast);
  HostBuffer ab = HostBuffer::from_values(f32, {2, 1, 3}, {1, 2, 3, 4, 5, 6});
  HostBuffer bb = HostBuffer::from_values(f32, {4, 1}, {0, 10, 20, 30});
  HostBuffer r = ops::ref::add(ab, bb);
  ASSERT_EQ(r.shape(), (std::vector<int64_t>{2, 4, 3}));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 4; j++)
      for (int k = 0; k < 3; k++)
        EXPECT_EQ(r.get((i * 4 + j) * 3 + k), ab.get(i * 3 + k) + bb.get(j));
  TEInterpreter interp;
  interp.bind(a, ab);
  interp.bind(b, bb);
  EXPECT_EQ(max_abs_diff(interp.run(c), r), 0);
}

TEST(Multiply, BroadcastsAndRefusesBadArguments) {
  Tensor a = placeholder({3, 4}, i32, "a"), b = placeholder({4}, i32, "b");
  Tensor c = ops::multiply(a, b);
  EXPECT_EQ(c.dtype(), i32);
  EXPECT_EQ(tag_of(c), ops::tag::kBroadcast);
  HostBuffer ab = HostBuffer::random(i32, {3, 4}, 81, -50, 50);
  HostBuffer bb = HostBuffer::from_values(i32, {4}, {-1, 0, 2, 3});
  HostBuffer r = ops::ref::multiply(ab, bb);
  for (int i = 0; i < 12; i++) EXPECT_EQ(r.get_int(i), ab.get_int(i) * bb.get_int(i % 4));
  TEInterpreter interp;
  interp.bind(a, ab);
  interp.bind(b, bb);
  EXPECT_EQ(max_abs_diff(interp.run(c), r), 0);

  EXPECT_THAT(user_error_of([&] { ops::multiply(a, placeholder({3}, i32, "b")); }),
              HasSubstr("multiply: shapes [3, 4] and [3] do not broadcast: extents 4 and 3"));
  EXPECT_THAT(user_error_of([&] { ops::add(a, placeholder({4}, f32, "b")); }),
              HasSubstr("add: mismatched dtypes: 'a' is int32 and 'b' is float32"));
  EXPECT_THAT(user_error_of([&] { ops::ref::add(ab, HostBuffer(i32, {2, 4})); }),
              HasSubstr("do not broadcast"));
}

TEST(Relu, ValuesAndTag) {
  Tensor x = placeholder({5}, f32, "x");
  Tensor y = ops::relu(x);
  EXPECT_EQ(tag_of(y), ops::tag::kElemwise);
  HostBuffer xb = HostBuffer::from_values(f32, {5}, {-2, -0.5, 0, 0.5, 3});
  std::vector<double> expected = {0, 0, 0, 0.5, 3};
  EXPECT_EQ(ops::ref::relu(xb).to_vector(), expected);
  TEInterpreter interp;
  interp.bind(x, xb);
  EXPECT_EQ(interp.run(y).to_vector(), expected);
  EXPECT_EQ(ops::relu(placeholder({2}, DataType::Int(8), "q")).dtype(), DataType::Int(8));
}

TEST(Gelu, ExactErfForm) {
  Tensor x = placeholder({5}, f32, "x");
  Tensor y = ops::gelu(x);
  EXPECT_EQ(tag_of(y), ops::tag::kElemwise);
  HostBuffer xb = HostBuffer::from_values(f32, {5}, {-3, -1, 0, 1, 2});
  HostBuffer r = ops::ref::gelu(xb);
  // Published values of x * Phi(x).
  std::vector<double> expected = {-0.0040496, -0.1586553, 0, 0.8413447, 1.9544997};
  for (int i = 0; i < 5; i++) EXPECT_NEAR(r.get(i), expected[i], 1e-6) << i;
  TEInterpreter interp;
  interp.bind(x, xb);
  EXPECT_TRUE(all_close(interp.run(y), r, 1e-6, 1e-6));
  EXPECT_THAT(user_error_of([] { ops::gelu(placeholder({2}, DataType::Int(32), "x")); }),
              HasSubstr("gelu: argument 'x' has dtype int32; expected float32"));
}

TEST(BiasAdd, AlongChannelAndLastAxis) {
  Tensor d = placeholder({2, 3, 2}, f32, "d"), b = placeholder({3}, f32, "b");
  Tensor out = ops::bias_add(d, b, 1);
  EXPECT_EQ(shape_of(out), (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(tag_of(out), ops::tag::kBroadcast);
  HostBuffer db(f32, {2, 3, 2});
  HostBuffer bb = HostBuffer::from_values(f32, {3}, {1, 2, 3});
  HostBuffer r = ops::ref::bias_add(db, bb, 1);
  EXPECT_EQ(r.to_vector(), (std::vector<double>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  HostBuffer dr = HostBuffer::random(f32, {2, 3, 2}, 82);
  TEInterpreter interp;
  interp.bind(d, dr);
  interp.bind(b, bb);
  EXPECT_TRUE(all_close(interp.run(out), ops::ref::bias_add(dr, bb, 1), 1e-6, 1e-6));

  Tensor last = ops::bias_add(placeholder({3, 2}, f32, "d2"), placeholder({2}, f32, "b2"), -1);
  EXPECT_EQ(shape_of(last), (std::vector<int64_t>{3, 2}));
  HostBuffer d2(f32, {3, 2});
  EXPECT_EQ(ops::ref::bias_add(d2, HostBuffer::from_values(f32, {2}, {5, 7}), -1).to_vector(),
            (std::vector<double>{5, 7, 5, 7, 5, 7}));

  EXPECT_THAT(user_error_of([&] { ops::bias_add(d, placeholder({2}, f32, "b"), 1); }),
              HasSubstr("bias_add: argument 'bias' has 2 elements but 'data' (shape [2, 3, 2]) "
                        "has extent 3 at axis 1"));
  EXPECT_THAT(user_error_of([&] { ops::bias_add(d, b, 3); }),
              HasSubstr("bias_add: argument 'axis' is 3; expected a value in [-3, 3)"));
  EXPECT_THAT(user_error_of([&] { ops::bias_add(d, placeholder({3, 1}, f32, "b"), 1); }),
              HasSubstr("argument 'bias' has rank 2"));
  EXPECT_THAT(user_error_of([&] { ops::bias_add(d, placeholder({3}, i32, "b"), 1); }),
              HasSubstr("mismatched dtypes"));
}
