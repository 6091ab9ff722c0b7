// Loop-structure primitives: split, tile, fuse, reorder.
#include <algorithm>
#include <set>

#include "anvil/schedule/Schedule.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

void Stage::check_not_attach_point(const Loop& loop, const char* primitive) const {
  for (const Stage* s : schedule_->stages()) {
    ANVIL_SCHEDULE_CHECK(s->attach_loop_ != loop,
                         primitive << " of loop " << loop->name << " of " << name() << ": stage "
                                   << s->name()
                                   << " is computed at this loop; transform the loop before "
                                      "compute_at, or compute that stage elsewhere first");
  }
}

std::pair<Loop, Loop> Stage::split(const Loop& loop, Factor factor) {
  check_compute("split");
  size_t pos = leaf_position(loop, "split");
  check_not_attach_point(loop, "split");
  ANVIL_SCHEDULE_CHECK(factor.value > 0, "split of " << "loop " << loop->name << " of " << name()
                                                     << ": factor " << factor.value
                                                     << " must be positive");
  ANVIL_SCHEDULE_CHECK(loop->tensorize_intrin == nullptr,
                       "split of " << "loop " << loop->name << " of " << name() << ": the loop is tensorized");
  Loop outer = make_loop(loop->name + ".o", loop->iter_kind, ceil_div(loop->extent, factor));
  Loop inner = make_loop(loop->name + ".i", loop->iter_kind, std::min<int64_t>(factor, loop->extent));
  LoopRelation rel{LoopRelation::Kind::Split, {loop, outer, inner, factor.value, 0}, {}};
  // A factor larger than the extent would only add guarded-off iterations.
  if (factor.value > loop->extent) rel.split.factor = loop->extent;
  relations_.push_back(rel);
  leaf_loops_[pos] = outer;
  leaf_loops_.insert(leaf_loops_.begin() + static_cast<std::ptrdiff_t>(pos) + 1, inner);
  schedule_->record({"split", name(), {loop->name}, {factor}, {}, {outer->name, inner->name}});
  return {outer, inner};
}

std::pair<Loop, Loop> Stage::split_nparts(const Loop& loop, Factor nparts) {
  check_compute("split_nparts");
  size_t pos = leaf_position(loop, "split_nparts");
  check_not_attach_point(loop, "split_nparts");
  ANVIL_SCHEDULE_CHECK(nparts.value > 0, "split_nparts of " << "loop " << loop->name << " of " << name()
                                                            << ": nparts " << nparts.value
                                                            << " must be positive");
  int64_t parts = std::min<int64_t>(nparts.value, loop->extent);
  Loop outer = make_loop(loop->name + ".o", loop->iter_kind, parts);
  Loop inner = make_loop(loop->name + ".i", loop->iter_kind, ceil_div(loop->extent, parts));
  relations_.push_back({LoopRelation::Kind::Split, {loop, outer, inner, 0, parts}, {}});
  leaf_loops_[pos] = outer;
  leaf_loops_.insert(leaf_loops_.begin() + static_cast<std::ptrdiff_t>(pos) + 1, inner);
  schedule_->record(
      {"split_nparts", name(), {loop->name}, {nparts}, {}, {outer->name, inner->name}});
  return {outer, inner};
}

std::vector<Loop> Stage::tile(const Loop& x, const Loop& y, Factor x_factor, Factor y_factor) {
  check_compute("tile");
  ANVIL_SCHEDULE_CHECK(x != y, "tile of " << name() << ": x and y are the same loop");
  size_t px = leaf_position(x, "tile"), py = leaf_position(y, "tile");
  ANVIL_SCHEDULE_CHECK(px < py, "tile of " << name() << ": loop " << x->name
                                           << " must be outside loop " << y->name);
  // tile is recorded as the split/split/reorder it performs.
  auto [xo, xi] = split(x, x_factor);
  auto [yo, yi] = split(y, y_factor);
  reorder({xo, yo, xi, yi});
  return {xo, yo, xi, yi};
}

Loop Stage::fuse(const Loop& outer, const Loop& inner) {
  check_compute("fuse");
  size_t po = leaf_position(outer, "fuse"), pi = leaf_position(inner, "fuse");
  check_not_attach_point(outer, "fuse");
  check_not_attach_point(inner, "fuse");
  ANVIL_SCHEDULE_CHECK(pi == po + 1, "fuse of " << name() << ": " << outer->name << " and "
                                                << inner->name
                                                << " must be adjacent, outer then inner");
  ANVIL_SCHEDULE_CHECK(outer->iter_kind == inner->iter_kind,
                       "fuse of " << name() << ": cannot fuse a spatial loop with a reduction "
                                                "loop ("
                                  << outer->name << ", " << inner->name << ")");
  for (const Loop& l : {outer, inner}) {
    ANVIL_SCHEDULE_CHECK(l->for_kind == ForKind::Serial && l->tensorize_intrin == nullptr,
                         "fuse of " << name() << ": loop " << l->name
                                    << " is already annotated; fuse before annotating");
  }
  Loop fused = make_loop(outer->name + "." + inner->name + ".f", outer->iter_kind,
                         outer->extent * inner->extent);
  LoopRelation rel{LoopRelation::Kind::Fuse, {}, {outer, inner, fused}};
  relations_.push_back(rel);
  leaf_loops_[po] = fused;
  leaf_loops_.erase(leaf_loops_.begin() + static_cast<std::ptrdiff_t>(pi));
  schedule_->record({"fuse", name(), {outer->name, inner->name}, {}, {}, {fused->name}});
  return fused;
}

void Stage::reorder(const std::vector<Loop>& order) {
  check_compute("reorder");
  std::vector<size_t> positions;
  std::set<LoopNode*> seen;
  for (const Loop& l : order) {
    positions.push_back(leaf_position(l, "reorder"));
    ANVIL_SCHEDULE_CHECK(seen.insert(l.get()).second,
                         "reorder of " << name() << ": loop " << l->name << " appears twice");
  }
  std::vector<size_t> sorted = positions;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < order.size(); i++) leaf_loops_[sorted[i]] = order[i];
  Step step{"reorder", name(), {}, {}, {}, {}};
  for (const Loop& l : order) step.loops.push_back(l->name);
  schedule_->record(std::move(step));
}

}  // namespace anvil
