// Pieces the CPU schedule rules share (internal to anvil_autotune).
#pragma once

#include <vector>

#include "anvil/schedule/Schedule.h"

namespace anvil {

// The loops of a three-level tiling, one per tiled axis at each level.
struct TileLevels {
  std::vector<Loop> outer, middle, inner;
};

// Splits each of `axes` of `stage` into outer / middle / inner loops by its
// sampled three-level tile (tiles[i] = {outer, middle, inner} factors).
inline TileLevels split_three_levels(Stage& stage, const std::vector<Loop>& axes,
                                     const std::vector<std::vector<Factor>>& tiles) {
  TileLevels t;
  for (size_t i = 0; i < axes.size(); i++) {
    auto [o, rest] = stage.split(axes[i], tiles[i][1].value * tiles[i][2].value);
    auto [m, in] = stage.split(rest, tiles[i][2]);
    t.outer.push_back(o);
    t.middle.push_back(m);
    t.inner.push_back(in);
  }
  return t;
}

}  // namespace anvil
