// Lowering pass: storage flatten. Multi-dimensional tensor accesses become
// flat buffer accesses: Realize → Allocate, TensorStore → Store, TensorLoad →
// Load, with row-major strides (padded by storage_align) relative to the
// realized region's minimum.
#pragma once

#include <unordered_map>
#include <vector>

#include "anvil/ir/IR.h"
#include "anvil/ir/LoweredFunc.h"
#include "anvil/schedule/Schedule.h"

namespace anvil {

// `args` bind argument tensors to the function's buffers; `aligns` gives the
// storage_align requests per tensor.
Stmt flatten_storage(const Stmt& s, const std::vector<std::pair<Tensor, BufferArg>>& args,
                     const std::unordered_map<const TensorNode*, std::vector<StorageAlign>>& aligns);

}  // namespace anvil
