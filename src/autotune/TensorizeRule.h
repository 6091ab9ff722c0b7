// The tensorize schedule rule (internal to anvil_autotune): where a tensor
// intrinsic of the target matches the innermost [lanes x depth] nest of a
// workload's anchor (its output stage with a reduction), a sketch that tiles
// the anchor around a register tile of intrinsic calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "anvil/autotune/SearchSpace.h"
#include "anvil/schedule/Tensorize.h"

namespace anvil {

// One sketch per (intrinsic, reduction axis) that matches, named
// "tensorize(<intrinsic>)+cache_write"; none when nothing matches. Matching
// is tried on the anchor's compute (tensorize on a probe schedule), never
// decided by the operator's name. Intrinsics with one spatial and one
// reduction axis are tried, the spatial one against the anchor's last axis.
// `lanes` is the target's vector width for the output's dtype (the copy out
// of the accumulator is vectorized by it).
std::vector<Sketch> tensorize_sketches(const WorkloadInstance& w,
                                       const std::vector<const TensorIntrin*>& intrinsics, int64_t lanes);
// The same over tensor_intrinsics(Target::parse(target)).
std::vector<Sketch> tensorize_sketches(const WorkloadInstance& w, const std::string& target, int64_t lanes);

}  // namespace anvil
