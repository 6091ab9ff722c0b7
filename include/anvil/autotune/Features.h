// Features of a candidate, extracted from its lowered loop IR for the cost
// model: per buffer store, arithmetic counts by kind and type, loop extents
// and annotations (vector width, unroll, parallel), per-buffer access
// features (bytes touched, unique cache lines, reuse, stride), arithmetic
// intensity and allocation sizes; aggregated into a fixed-length vector.
#pragma once

#include <string>
#include <vector>

#include "anvil/ir/LoweredFunc.h"

namespace anvil {

// The fixed-length feature vector of a lowered function.
std::vector<float> extract_features(const LoweredFunc& f);
// The same entries before the log2(1 + x) transform extract_features
// applies (exact counts, bytes and extents; for tests and debugging).
std::vector<double> extract_raw_features(const LoweredFunc& f);
// Names of the entries, for debugging and documentation (same length).
const std::vector<std::string>& feature_names();

}  // namespace anvil
