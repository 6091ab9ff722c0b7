// Tensor intrinsics for the tensorize primitive. An intrinsic declares, as a
// small tensor expression, the computation a hardware instruction (or a
// hand-written micro-kernel) performs — e.g. "c[0:16] += a[0] * b[0:16]" or an
// int8 dot product — and supplies the loop-level code that performs it.
// Stage::tensorize(loop, intrin) checks that the loop nest rooted at `loop`
// computes exactly that (same extents, same expression up to the position of
// the operands in memory) and lowering replaces the nest by the intrinsic's
// code.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "anvil/ir/IR.h"
#include "anvil/ir/te/Operation.h"

namespace anvil {

// Where one operand of an intrinsic lives after storage flatten: element
// (i0, i1, ...) of the intrinsic's view is buffer[offset + Σ i_d · strides[d]].
struct BufferRegion {
  Var buffer;
  DataType dtype;
  Expr offset;
  std::vector<Expr> strides;
  // The flat index of element `indices` of this region.
  Expr index(const std::vector<Expr>& indices) const;
};

struct TensorIntrin {
  std::string name;  // unique among the intrinsics of one schedule
  // The computation, over placeholders indexed from 0. For a reduction the
  // intrinsic accumulates into the output (lowering writes the identity first).
  Tensor output;
  std::vector<Tensor> inputs;  // placeholders `output` reads, in operand order
  // The code for one instance: regions of inputs..., then of the output.
  std::function<Stmt(const std::vector<BufferRegion>&)> emit;
};

// Checks the intrinsic's own declaration: a compute over placeholders that
// are all listed in `inputs`. Throws UserError otherwise.
void validate_intrin(const TensorIntrin& intrin);

}  // namespace anvil
