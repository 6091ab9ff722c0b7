// dense_u8s8_packed on odd shapes (M = 1, 7, 97; N and K not multiples of the
// 16 x 4 block, so the packed weight is padded) with the plain schedule, on
// every CPU backend, exactly against the reference; the full uint8 and int8
// ranges make int32 sums that would overflow int16.
#include <gtest/gtest.h>

#include "anvil/ops/QuantizedDense.h"
#include "correctness/CorrectnessUtil.h"

using namespace anvil;
using namespace anvil::correctness;

TEST(QuantizedDenseCorrectness, OddShapesMatchReference) {
  struct Shape {
    int64_t M, N, K;
  };
  std::vector<Problem> problems;
  uint64_t seed = 11;
  for (Shape s : {Shape{1, 19, 7}, Shape{7, 33, 13}, Shape{97, 50, 70}}) {
    Tensor data = placeholder({Expr(int(s.M)), Expr(int(s.K))}, DataType::UInt(8), "data");
    std::vector<Expr> packed_shape;
    for (int64_t d : ops::dense_u8s8_packed_weight_shape(s.N, s.K)) packed_shape.push_back(Expr(int(d)));
    Tensor packed = placeholder(packed_shape, DataType::Int(8), "packed");
    Tensor out = ops::dense_u8s8_packed(data, packed, s.N, "out");
    HostBuffer x = HostBuffer::random(DataType::UInt(8), {s.M, s.K}, seed++, 0, 255);
    HostBuffer w = ops::pack_dense_weight_u8s8(HostBuffer::random(DataType::Int(8), {s.N, s.K}, seed++, -128, 127));
    Problem p;
    p.name = "dense_u8s8_packed_" + std::to_string(s.M) + "x" + std::to_string(s.N) + "x" + std::to_string(s.K);
    p.inputs = {data, packed};
    p.input_data = {x, w};
    p.outputs = {out};
    p.expected = {ops::ref::dense_u8s8_packed(x, w, s.N)};
    p.variants = {default_schedule()};
    problems.push_back(std::move(p));
  }
  check_problems(problems);
}
