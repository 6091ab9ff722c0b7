// pad: a copy of a tensor with constant borders, as a compute stage of its own
// (tag "pad"). Convolutions and pooling read their input through it, so a
// schedule decides whether to inline it, compute it at a tile, or materialise it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "anvil/ir/te/Operation.h"

namespace anvil::ops {

// out[i] = data[i - before] where that is in bounds, pad_value elsewhere, with
// out's extent data + before + after per dimension. Reads of data sit behind an
// if_then_else, so an out-of-range element is never loaded. Always builds a
// stage, even for zero widths. pad_value must be representable in data's dtype.
Tensor pad(const Tensor& data, const std::vector<int64_t>& before,
           const std::vector<int64_t>& after, double pad_value = 0.0,
           const std::string& name = "pad");

}  // namespace anvil::ops
