// The row-stream schedule rule (internal to anvil_autotune): for a
// matrix-vector-like anchor — few output rows, every input read contiguously
// along the single reduction axis, as dense's Y[m, n] = sum_k X[m, k] W[n, k]
// with M = 1 (GEMV) — a sketch that streams rows of the second input with
// vectors along the reduction instead of vectorizing the output's columns
// (which would gather W or copy it into a panel: as costly as the work when
// each W element is used by so few rows).
#pragma once

#include <cstdint>
#include <vector>

#include "anvil/autotune/SearchSpace.h"

namespace anvil {

// Largest number of output rows (the product of every output axis but the
// last) the rule fires for. Each streamed vector of W feeds one FMA per row:
// up to 8 rows the kernel stays bound by W's memory stream, so reading W as
// stored is what matters; past that the panel sketches, which vectorize
// along N and amortise the copy of W over the rows, do better. 8 rows also
// leave room in the 32 vector registers for 3 streams of accumulators.
constexpr int64_t kRowStreamMaxRows = 8;

// The sketch "row-stream(rfactor k/lanes)" when `w`'s output qualifies
// (see above), else nothing. `lanes` is the target's vector width for the
// output's dtype: the reduction is split by it and the lanes factored out
// into a partial-sum stage.
std::vector<Sketch> row_stream_sketches(const WorkloadInstance& w, int64_t lanes);

}  // namespace anvil
