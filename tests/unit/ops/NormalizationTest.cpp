// softmax and layer_norm: stages and tags, refused arguments, references
// against direct formulas and their defining properties, compute definitions
// against the references.
#include "anvil/ops/Normalization.h"

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
}  // namespace

TEST(Softmax, StagesAndTags) {
  Tensor x = placeholder({2, 5, 3}, f32, "x");
  Tensor y = ops::softmax(x, 1, "sm");
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{2, 5, 3}));
  EXPECT_EQ(tag_of(y), ops::tag::kSoftmax);
  for (const char* stage : {"sm.max", "sm.expsum"}) {
    Tensor t = find_stage(y, stage);
    ASSERT_TRUE(t.defined()) << stage;
    EXPECT_EQ(tag_of(t), ops::tag::kReduce);
    EXPECT_EQ(shape_of(t), (std::vector<int64_t>{2, 1, 3}));
    EXPECT_EQ(as_compute(t)->reduce_axes().size(), 1u);
  }
}

TEST(Softmax, RowsSumToOneAndMatchTheFormula) {
  HostBuffer x = HostBuffer::from_values(f32, {2, 3}, {1, 2, 3, -1, 0, 1000});
  HostBuffer y = ops::ref::softmax(x);
  double e = std::exp(1.0), e2 = std::exp(2.0), total = 1 + e + e2;
  EXPECT_NEAR(y.get(0), 1 / total, 1e-7);
  EXPECT_NEAR(y.get(1), e / total, 1e-7);
  EXPECT_NEAR(y.get(2), e2 / total, 1e-7);
  // A large logit does not overflow: the max is subtracted first.
  EXPECT_NEAR(y.get(5), 1.0, 1e-7);
  EXPECT_NEAR(y.get(3), 0.0, 1e-7);

  HostBuffer r = HostBuffer::random(f32, {4, 6, 5}, 91, -4, 4);
  for (int axis : {0, 1, -1}) {
    HostBuffer s = ops::ref::softmax(r, axis);
    int ax = axis < 0 ? 2 : axis;
    int64_t ext = r.shape()[ax];
    int64_t stride = ax == 0 ? 30 : ax == 1 ? 5 : 1;
    for (int64_t i = 0; i < r.num_elements(); i++) {
      if ((i / stride) % ext != 0) continue;  // i starts a row along ax
      double sum = 0;
      for (int64_t k = 0; k < ext; k++) sum += s.get(i + k * stride);
      EXPECT_NEAR(sum, 1.0, 1e-6) << "axis " << axis << " row at " << i;
    }
    Tensor xt = placeholder({4, 6, 5}, f32, "x");
    TEInterpreter interp;
    interp.bind(xt, r);
    EXPECT_TRUE(all_close(interp.run(ops::softmax(xt, axis)), s, 1e-5, 1e-6)) << axis;
  }
}

TEST(Softmax, RefusesBadArguments) {
  EXPECT_THAT(user_error_of([] { ops::softmax(placeholder({2, 3}, f32, "x"), 2); }),
              HasSubstr("softmax: argument 'axis' is 2; expected a value in [-2, 2)"));
  EXPECT_THAT(user_error_of([] { ops::softmax(placeholder({2, 3}, DataType::Int(32), "x")); }),
              HasSubstr("softmax: argument 'x' has dtype int32; expected float32"));
  EXPECT_THAT(user_error_of([] { ops::ref::softmax(HostBuffer(f32, {2, 3}), -3); }),
              HasSubstr("argument 'axis' is -3"));
}

TEST(LayerNorm, StagesAndTags) {
  Tensor x = placeholder({4, 8}, f32, "x");
  Tensor g = placeholder({8}, f32, "g"), b = placeholder({8}, f32, "b");
  Tensor y = ops::layer_norm(x, g, b, -1, 1e-5, "ln");
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(tag_of(y), ops::tag::kLayerNorm);
  for (const char* stage : {"ln.mean", "ln.var"}) {
    Tensor t = find_stage(y, stage);
    ASSERT_TRUE(t.defined()) << stage;
    EXPECT_EQ(tag_of(t), ops::tag::kReduce);
    EXPECT_EQ(shape_of(t), (std::vector<int64_t>{4, 1}));
  }
}

TEST(LayerNorm, NormalizesToZeroMeanUnitVariance) {
  HostBuffer x = HostBuffer::random(f32, {3, 16}, 92, -5, 9);
  HostBuffer ones = HostBuffer::from_values(f32, {16}, std::vector<double>(16, 1.0));
  HostBuffer zeros(f32, {16});
  HostBuffer y = ops::ref::layer_norm(x, ones, zeros, -1, 0.0);
  for (int r = 0; r < 3; r++) {
    double mean = 0, var = 0;
    for (int k = 0; k < 16; k++) mean += y.get(r * 16 + k);
    mean /= 16;
    for (int k = 0; k < 16; k++) var += (y.get(r * 16 + k) - mean) * (y.get(r * 16 + k) - mean);
    var /= 16;
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(var, 1.0, 1e-5);
  }
  // By hand: [1, 2, 3, 4] has mean 2.5 and variance 1.25.
  HostBuffer h = HostBuffer::from_values(f32, {1, 4}, {1, 2, 3, 4});
  HostBuffer gamma = HostBuffer::from_values(f32, {4}, {1, 2, 1, 1});
  HostBuffer beta = HostBuffer::from_values(f32, {4}, {0, 0, 0, 10});
  HostBuffer hy = ops::ref::layer_norm(h, gamma, beta, -1, 0.0);
  double sd = std::sqrt(1.25);
  EXPECT_NEAR(hy.get(0), -1.5 / sd, 1e-6);
  EXPECT_NEAR(hy.get(1), 2 * -0.5 / sd, 1e-6);
  EXPECT_NEAR(hy.get(2), 0.5 / sd, 1e-6);
  EXPECT_NEAR(hy.get(3), 1.5 / sd + 10, 1e-5);
}

TEST(LayerNorm, ComputeMatchesReferenceOnAnyAxis) {
  HostBuffer x = HostBuffer::random(f32, {3, 4, 5}, 93, -2, 2);
  for (int axis : {-1, 1}) {
    int64_t n = axis == 1 ? 4 : 5;
    HostBuffer gb = HostBuffer::random(f32, {n}, 94), bb = HostBuffer::random(f32, {n}, 95);
    Tensor xt = placeholder({3, 4, 5}, f32, "x");
    Tensor gt = placeholder({n}, f32, "g"), bt = placeholder({n}, f32, "b");
    TEInterpreter interp;
    interp.bind(xt, x);
    interp.bind(gt, gb);
    interp.bind(bt, bb);
    HostBuffer expected = ops::ref::layer_norm(x, gb, bb, axis, 1e-5);
    EXPECT_TRUE(all_close(interp.run(ops::layer_norm(xt, gt, bt, axis)), expected, 1e-4, 1e-5))
        << axis;
  }
}

TEST(LayerNorm, RefusesBadArguments) {
  Tensor x = placeholder({4, 8}, f32, "x");
  Tensor g = placeholder({8}, f32, "g"), b = placeholder({8}, f32, "b");
  EXPECT_THAT(user_error_of([&] { ops::layer_norm(x, placeholder({4}, f32, "g"), b); }),
              HasSubstr("layer_norm: arguments 'gamma' [4] and 'beta' [8] must have x's extent 8 "
                        "at axis 1"));
  EXPECT_THAT(user_error_of([&] { ops::layer_norm(x, placeholder({1, 8}, f32, "g"), b); }),
              HasSubstr("argument 'gamma' has rank 2"));
  EXPECT_THAT(user_error_of([&] { ops::layer_norm(x, g, b, 5); }),
              HasSubstr("argument 'axis' is 5"));
  EXPECT_THAT(user_error_of([&] { ops::layer_norm(x, g, b, -1, -1.0); }),
              HasSubstr("argument 'eps' is -1"));
  EXPECT_THAT(user_error_of([&] {
                ops::layer_norm(x, g, placeholder({8}, DataType::Float(64), "b"));
              }),
              HasSubstr("argument 'beta' has dtype float64; expected float32"));
}
