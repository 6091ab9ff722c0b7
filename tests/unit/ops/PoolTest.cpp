// max_pool2d and avg_pool2d: shapes, stages and tags, refused arguments, the
// references against hand-computed windows, and compute definitions against them.
#include "anvil/ops/Pool.h"

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

// 3x3 input, 2x2 windows at stride 1 with one row of padding on top and one
// column on the left: window (y, x) covers rows y-1..y and columns x-1..x.
const std::vector<double> kInput = {5, 1, 3,  //
                                    2, 9, 4,  //
                                    7, 6, 8};
const ops::Pool2DAttrs kAttrs{.kernel = {2, 2}, .strides = {1, 1}, .padding = {1, 1, 0, 0}};

HostBuffer run(const Tensor& out, const Tensor& in, const HostBuffer& value) {
  TEInterpreter interp;
  interp.bind(in, value);
  return interp.run(out);
}

}  // namespace

TEST(MaxPool2d, ShapeTagAndStages) {
  Tensor x = placeholder({2, 3, 8, 8}, f32, "x");
  Tensor out = ops::max_pool2d(x, {.kernel = {3, 3}, .strides = {2, 2}, .padding = {1, 1, 1, 1}},
                               "pool");
  EXPECT_EQ(shape_of(out), (std::vector<int64_t>{2, 3, 4, 4}));  // (8 + 2 - 3) / 2 + 1
  EXPECT_EQ(out.dtype(), f32);
  EXPECT_EQ(tag_of(out), ops::tag::kPoolMax);
  EXPECT_EQ(tag_of(find_stage(out, "pool.pad")), ops::tag::kPad);
  Tensor unpadded = ops::max_pool2d(x, {.kernel = {2, 2}, .strides = {2, 2}}, "plain");
  EXPECT_FALSE(find_stage(unpadded, "plain.pad").defined());
  EXPECT_EQ(shape_of(unpadded), (std::vector<int64_t>{2, 3, 4, 4}));
}

TEST(MaxPool2d, ReferenceByHandIgnoresPadding) {
  HostBuffer in = HostBuffer::from_values(f32, {1, 1, 3, 3}, kInput);
  std::vector<double> expected = {5, 5, 3,  //
                                  5, 9, 9,  //
                                  7, 9, 9};
  EXPECT_EQ(ops::ref::max_pool2d(in, kAttrs).to_vector(), expected);
  // All-negative input: padding must not contribute zeros.
  HostBuffer neg = HostBuffer::from_values(f32, {1, 1, 3, 3}, std::vector<double>(9, -2.0));
  EXPECT_EQ(ops::ref::max_pool2d(neg, kAttrs).to_vector(), std::vector<double>(9, -2.0));
  Tensor x = placeholder({1, 1, 3, 3}, f32, "x");
  EXPECT_EQ(run(ops::max_pool2d(x, kAttrs), x, in).to_vector(), expected);
  EXPECT_EQ(run(ops::max_pool2d(x, kAttrs), x, neg).to_vector(), std::vector<double>(9, -2.0));
}

TEST(AvgPool2d, ReferenceByHandBothPadModes) {
  HostBuffer in = HostBuffer::from_values(f32, {1, 1, 3, 3}, kInput);
  std::vector<double> include = {1.25, 1.5, 1,     //
                                 1.75, 4.25, 4.25,  //
                                 2.25, 6, 6.75};
  std::vector<double> exclude = {5, 3, 2,           //
                                 3.5, 4.25, 4.25,   //
                                 4.5, 6, 6.75};
  ops::Pool2DAttrs excl = kAttrs;
  excl.count_include_pad = false;
  EXPECT_EQ(ops::ref::avg_pool2d(in, kAttrs).to_vector(), include);
  EXPECT_EQ(ops::ref::avg_pool2d(in, excl).to_vector(), exclude);
  Tensor x = placeholder({1, 1, 3, 3}, f32, "x");
  EXPECT_EQ(run(ops::avg_pool2d(x, kAttrs), x, in).to_vector(), include);
  EXPECT_EQ(run(ops::avg_pool2d(x, excl), x, in).to_vector(), exclude);
}

TEST(AvgPool2d, StagesAndTags) {
  Tensor x = placeholder({1, 2, 6, 6}, f32, "x");
  Tensor out = ops::avg_pool2d(x, {.kernel = {2, 2}, .strides = {2, 2}, .padding = {1, 1, 1, 1}},
                               "avg");
  EXPECT_EQ(shape_of(out), (std::vector<int64_t>{1, 2, 4, 4}));
  EXPECT_EQ(tag_of(out), ops::tag::kPoolAvg);
  Tensor window_sum = find_stage(out, "avg.sum");
  ASSERT_TRUE(window_sum.defined());
  EXPECT_EQ(tag_of(window_sum), ops::tag::kPoolSum);
  EXPECT_EQ(as_compute(window_sum)->reduce_axes().size(), 2u);
  EXPECT_EQ(tag_of(find_stage(out, "avg.pad")), ops::tag::kPad);
}

TEST(Pool2d, StridedAsymmetricComputeMatchesReference) {
  Tensor x = placeholder({2, 3, 7, 6}, f32, "x");
  HostBuffer xb = HostBuffer::random(f32, {2, 3, 7, 6}, 71, -3, 1);
  for (bool include : {true, false}) {
    ops::Pool2DAttrs a{.kernel = {3, 2}, .strides = {2, 3}, .padding = {2, 1, 1, 0},
                       .count_include_pad = include};
    HostBuffer avg = ops::ref::avg_pool2d(xb, a);
    EXPECT_EQ(avg.shape(), (std::vector<int64_t>{2, 3, 4, 2}));
    EXPECT_TRUE(all_close(run(ops::avg_pool2d(x, a), x, xb), avg, 1e-5, 1e-6)) << include;
    EXPECT_EQ(max_abs_diff(run(ops::max_pool2d(x, a), x, xb), ops::ref::max_pool2d(xb, a)), 0);
  }
}

TEST(Pool2d, RefusesBadArguments) {
  Tensor x = placeholder({1, 1, 4, 4}, f32, "x");
  auto msg = [&](const ops::Pool2DAttrs& a) {
    return user_error_of([&] { ops::max_pool2d(x, a); });
  };
  EXPECT_THAT(msg({.kernel = {0, 2}}), HasSubstr("max_pool2d: argument 'kernel' has value 0"));
  EXPECT_THAT(msg({.kernel = {2, 2}, .strides = {2, -1}}),
              HasSubstr("argument 'strides' has value -1 at index 1"));
  EXPECT_THAT(msg({.kernel = {2, 2}, .padding = {0, 0, 0, -1}}),
              HasSubstr("argument 'padding' has value -1 at index 3"));
  EXPECT_THAT(msg({.kernel = {2, 2}, .padding = {0, 2, 0, 0}}),
              HasSubstr("argument 'padding' has value 2 at index 1, not smaller than the kernel "
                        "width 2"));
  EXPECT_THAT(msg({.kernel = {5, 1}}),
              HasSubstr("the kernel height 5 (dilated 5) is larger than the padded input "
                        "height 4"));
  EXPECT_NO_THROW(ops::max_pool2d(x, {.kernel = {5, 1}, .padding = {1, 0, 0, 0}}));
  EXPECT_THAT(user_error_of([&] {
                ops::avg_pool2d(placeholder({1, 4, 4}, f32, "x"), {.kernel = {2, 2}});
              }),
              HasSubstr("avg_pool2d: argument 'data' has rank 3"));
  EXPECT_THAT(user_error_of([&] {
                ops::avg_pool2d(placeholder({1, 1, 4, 4}, DataType::Int(8), "x"),
                                {.kernel = {2, 2}});
              }),
              HasSubstr("argument 'data' has dtype int8; expected float32"));
  HostBuffer xb(f32, {1, 1, 4, 4});
  EXPECT_THAT(user_error_of([&] {
                ops::ref::avg_pool2d(xb, {.kernel = {2, 2}, .strides = {0, 1}});
              }),
              HasSubstr("avg_pool2d: argument 'strides' has value 0"));
}
