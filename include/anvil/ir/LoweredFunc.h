// A lowered function: loop-level IR over flat buffers plus its argument list.
// It is what every code generator consumes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "anvil/ir/IR.h"

namespace anvil {

// A buffer argument: a handle variable used by Load/Store in the body, the
// element type, and the (static) shape of the tensor it holds, row-major.
struct BufferArg {
  Var data;  // handle-typed
  DataType dtype;
  std::vector<int64_t> shape;
  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

struct LoweredFunc {
  std::string name;
  std::vector<BufferArg> args;  // inputs first, then outputs
  Stmt body;
};

}  // namespace anvil
