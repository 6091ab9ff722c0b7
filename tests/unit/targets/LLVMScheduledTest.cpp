// Scheduled operators through the LLVM backend: matmul (float32 and int8 ->
// int32) and conv2d (padded, strided) from ops::, lowered with several
// schedules on odd shapes, JIT-compiled for the host and compared with
// ops::ref (tests/correctness/CorrectnessUtil.h does the checking).
#include <gtest/gtest.h>

#include "anvil/ops/Conv2D.h"
#include "anvil/ops/Dense.h"
#include "anvil/ops/Elemwise.h"
#include "anvil/ops/Reference.h"
#include "correctness/CorrectnessUtil.h"

using namespace anvil;
using namespace anvil::correctness;

namespace {

const DataType kF32 = DataType::Float(32);
const DataType kI8 = DataType::Int(8);
const DataType kI32 = DataType::Int(32);

// The hand schedule of examples/matmul_schedule.cpp: a 6x64 register tile
// accumulated in a local buffer, k outermost in the tile, rows in parallel.
Variant example_schedule(const Tensor& C) {
  return {"example_register_tile", [=](Schedule& sch) {
            Stage& out = sch[C];
            Tensor acc = sch.cache_write(C, "local");
            std::vector<Loop> tile = out.tile(out.axis(0), out.axis(1), 6, 64);
            out.parallel(tile[0]);
            auto [jv, jl] = out.split(tile[3], 16);
            out.vectorize(jl);
            Stage& local = sch[acc];
            local.compute_at(out, tile[1]);
            auto [ljv, ljl] = local.split(local.axis(1), 16);
            auto [ko, ki] = local.split(local.reduce_axis(0), 4);
            local.reorder({ko, ki, local.axis(0), ljv, ljl});
            local.vectorize(ljl);
            local.unroll(local.axis(0));
            local.unroll(ljv);
          }};
}

std::vector<Variant> matmul_variants(const Tensor& C) {
  std::vector<Variant> v = {default_schedule(), example_schedule(C)};
  v.push_back({"tiled_parallel_vec", [=](Schedule& sch) {
                 Stage& s = sch[C];
                 auto t = s.tile(s.axis(0), s.axis(1), 4, 8);
                 s.reorder({s.reduce_axis(0), t[2], t[3]});
                 s.parallel(s.fuse(t[0], t[1]));
                 s.vectorize(t[3]);
               }});
  v.push_back({"split_k_unrolled", [=](Schedule& sch) {
                 Stage& s = sch[C];
                 auto [ko, ki] = s.split(s.reduce_axis(0), 4);
                 auto [jo, ji] = s.split(s.axis(1), 16);
                 s.reorder({s.axis(0), jo, ko, ki, ji});
                 s.unroll(ki);
                 s.vectorize(ji);
               }});
  return v;
}

Problem matmul_problem(int M, int N, int K, DataType in, DataType out) {
  Tensor A = placeholder({M, K}, in, "A");
  Tensor B = placeholder({K, N}, in, "B");
  Tensor C = ops::matmul(A, B, out, "C");
  HostBuffer a = HostBuffer::random(in, {M, K}, 1, -3, 3);
  HostBuffer b = HostBuffer::random(in, {K, N}, 2, -3, 3);
  std::string name = "matmul_" + std::to_string(M) + "x" + std::to_string(N) + "x" +
                     std::to_string(K) + "_" + in.to_string();
  return {name, {A, B}, {a, b}, {C}, {ops::ref::matmul(a, b, out)},
          {1e-4, 1e-5 * K * 9}, matmul_variants(C)};
}

}  // namespace

TEST(LLVMScheduled, MatmulOddShapesSeveralSchedules) {
  check_problems({matmul_problem(7, 13, 97, kF32, kF32), matmul_problem(37, 70, 19, kF32, kF32),
                  matmul_problem(13, 35, 29, kI8, kI32)},
                 "llvm");
}

TEST(LLVMScheduled, Conv2DPaddedStrided) {
  ops::Conv2DAttrs attrs;
  attrs.strides = {2, 1};
  attrs.padding = {1, 2, 1, 0};
  Tensor data = placeholder({1, 3, 11, 13}, kF32, "data");
  Tensor weight = placeholder({5, 3, 3, 3}, kF32, "weight");
  Tensor out = ops::conv2d_nchw(data, weight, attrs, "conv");
  HostBuffer d = HostBuffer::random(kF32, {1, 3, 11, 13}, 3);
  HostBuffer w = HostBuffer::random(kF32, {5, 3, 3, 3}, 4);
  std::vector<Variant> variants = {default_schedule()};
  variants.push_back({"parallel_vectorized_x", [=](Schedule& sch) {
                        Stage& s = sch[out];
                        s.parallel(s.fuse(s.axis(0), s.axis(1)));
                        auto [xo, xi] = s.split(s.axis(3), 8);
                        s.reorder({s.reduce_axis(0), s.reduce_axis(1), s.reduce_axis(2), xi});
                        s.vectorize(xi);
                      }});
  check_problems({{"conv2d_nchw", {data, weight}, {d, w}, {out}, {ops::ref::conv2d_nchw(d, w, attrs)},
                   {1e-4, 1e-4}, variants}},
                 "llvm");
}

TEST(LLVMScheduled, MatmulForAvx2Cpu) {
  // The same kernels for a CPU narrower than the host (256-bit vectors).
  Problem p = matmul_problem(9, 21, 11, kF32, kF32);
  p.variants.resize(2);
  check_problems({p}, "llvm -mcpu=haswell");
}
