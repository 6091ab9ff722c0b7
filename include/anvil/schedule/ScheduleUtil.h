// Helpers shared by the primitives that rewrite operations (cache_read,
// cache_write, rfactor) and by lowering.
#pragma once

#include <string>
#include <vector>

#include "anvil/ir/IR.h"
#include "anvil/ir/te/Operation.h"

namespace anvil {

// e with every read of `from` turned into a read of `to` at the same indices,
// or, with `perm`, at indices[perm[0]], indices[perm[1]], ... (a permuted copy).
Expr replace_tensor(const Expr& e, const Tensor& from, const Tensor& to,
                    const std::vector<int>& perm = {});

// A tensor computed by `body` over `axes` (a ComputeOp built without a lambda).
Tensor make_compute_tensor(const std::string& name, std::vector<IterVar> axes, Expr body,
                           const std::string& tag);

// A copy of `op` with another body.
Ref<const ComputeOpNode> with_body(const ComputeOpNode* op, Expr body);

}  // namespace anvil
