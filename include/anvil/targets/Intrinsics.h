// The tensor intrinsics a target has: hardware instructions declared as small
// tensor computations (see schedule/Tensorize.h) that Stage::tensorize can put
// in place of a matching loop nest, and that the autotuner's tensorize rule
// tries on every anchor stage.
//
// x86 with AVX-512 VNNI (llvm targets whose CPU or -mattr has avx512vnni:
// sapphirerapids, znver4, icelake-server, -mcpu=native on such a host):
//   dot_16x4_u8s8s32   c[j] += sum_{k<4} int32(a[k]) * int32(b[j, k]),  j < 16
//                      a: 4 x uint8, b: 16 x 4 int8, c: 16 x int32
//                      one vpdpbusd zmm: a is broadcast as one 32-bit word to
//                      every lane, b is 64 bytes, c 16 int32 lanes.
#pragma once

#include <vector>

#include "anvil/schedule/Tensorize.h"
#include "anvil/targets/Target.h"

namespace anvil {

// Name of the VNNI dot-product intrinsic.
inline constexpr const char* kDot16x4U8S8S32 = "dot_16x4_u8s8s32";

// The intrinsics of `target`, most specific first; empty for targets without
// any (c targets: their code cannot call LLVM intrinsics). The intrinsics live
// as long as the process: a tensorized Stage keeps a pointer to its
// intrinsic, and Trace::replay takes this list as it is.
std::vector<const TensorIntrin*> tensor_intrinsics(const Target& target);

// Every intrinsic of any target. A trace that tensorized was written for a
// target that has its intrinsic, so re-running or replaying it may look the
// name up here without knowing the target.
std::vector<const TensorIntrin*> all_tensor_intrinsics();

// dot_16x4_u8s8s32 itself, whatever the target (for tests and hand-written
// schedules; its code needs an llvm target with avx512vnni). Operands with
// other strides than the contiguous ones above (a: 1; b: 4, 1; c: 1) are
// gathered, which is correct but slow.
const TensorIntrin& dot_16x4_u8s8s32();

}  // namespace anvil
