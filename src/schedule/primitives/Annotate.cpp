// Annotation primitives: vectorize, unroll, parallel, bind, pragma,
// storage_align and storage scope.
#include <set>

#include "anvil/schedule/Schedule.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

// Vector widths beyond this are almost certainly a mistake (the largest
// register is 2048 bits; 64 fp32 lanes already need 4 zmm registers).
constexpr int64_t kMaxVectorLanes = 64;

void check_unannotated(const Stage& stage, const Loop& loop, const char* primitive) {
  ANVIL_SCHEDULE_CHECK(loop->for_kind == ForKind::Serial,
                       primitive << " of loop " << loop->name << " of " << stage.name()
                                 << ": the loop is already " << for_kind_name(loop->for_kind));
}

}  // namespace

void Stage::vectorize(const Loop& loop) {
  check_compute("vectorize");
  leaf_position(loop, "vectorize");
  check_unannotated(*this, loop, "vectorize");
  // Extent 1 is allowed (a no-op) so that sampled tile sizes stay legal.
  ANVIL_SCHEDULE_CHECK(loop->extent <= kMaxVectorLanes,
                       "vectorize of " << "loop " << loop->name << " of " << name() << ": extent "
                                       << loop->extent << " is not a vector width (at most "
                                       << kMaxVectorLanes << "); split the loop first");
  ANVIL_SCHEDULE_CHECK(loop->iter_kind == IterKind::DataPar,
                       "vectorize of " << "loop " << loop->name << " of " << name()
                                       << ": a reduction loop cannot be vectorized (its lanes "
                                          "would update one value); use rfactor");
  loop->for_kind = ForKind::Vectorized;
  schedule_->record({"vectorize", name(), {loop->name}, {}, {}, {}});
}

void Stage::unroll(const Loop& loop) {
  check_compute("unroll");
  leaf_position(loop, "unroll");
  check_unannotated(*this, loop, "unroll");
  // No extent limit here: a stage computed at another's loop runs its loops
  // over the (smaller) region bound inference finds, unknown at this point.
  // Lowering expands short unrolled loops and leaves long ones to the code
  // generator's unroll pragma.
  loop->for_kind = ForKind::Unrolled;
  schedule_->record({"unroll", name(), {loop->name}, {}, {}, {}});
}

void Stage::parallel(const Loop& loop) {
  check_compute("parallel");
  leaf_position(loop, "parallel");
  check_unannotated(*this, loop, "parallel");
  ANVIL_SCHEDULE_CHECK(loop->iter_kind == IterKind::DataPar,
                       "parallel of " << "loop " << loop->name << " of " << name()
                                      << ": a reduction loop cannot run in parallel (its "
                                         "iterations update the same value); use rfactor");
  loop->for_kind = ForKind::Parallel;
  schedule_->record({"parallel", name(), {loop->name}, {}, {}, {}});
}

void Stage::bind(const Loop& loop, const std::string& thread_tag) {
  check_compute("bind");
  leaf_position(loop, "bind");
  check_unannotated(*this, loop, "bind");
  static const std::set<std::string> kBlockTags = {"blockIdx.x", "blockIdx.y", "blockIdx.z"};
  static const std::set<std::string> kThreadTags = {"threadIdx.x", "threadIdx.y", "threadIdx.z"};
  bool block = kBlockTags.count(thread_tag) > 0, thread = kThreadTags.count(thread_tag) > 0;
  ANVIL_SCHEDULE_CHECK(block || thread, "bind of " << "loop " << loop->name << " of " << name()
                                                   << ": unknown thread tag '" << thread_tag
                                                   << "' (expected blockIdx.x/y/z or "
                                                      "threadIdx.x/y/z)");
  ANVIL_SCHEDULE_CHECK(loop->iter_kind == IterKind::DataPar,
                       "bind of " << "loop " << loop->name << " of " << name()
                                  << ": a reduction loop cannot be bound to GPU threads");
  for (const Loop& other : leaf_loops_) {
    ANVIL_SCHEDULE_CHECK(other->thread_tag != thread_tag,
                         "bind of " << "loop " << loop->name << " of " << name() << ": " << thread_tag
                                    << " is already bound to " << other->name);
  }
  loop->for_kind = block ? ForKind::GPUBlock : ForKind::GPUThread;
  loop->thread_tag = thread_tag;
  schedule_->record({"bind", name(), {loop->name}, {}, {thread_tag}, {}});
}

void Stage::pragma(const Loop& loop, const std::string& key, Factor value) {
  check_compute("pragma");
  leaf_position(loop, "pragma");
  ANVIL_SCHEDULE_CHECK(!key.empty(), "pragma on " << "loop " << loop->name << " of " << name()
                                                  << ": the key is empty");
  loop->pragmas.emplace_back(key, Expr(static_cast<int64_t>(value.value)));
  schedule_->record({"pragma", name(), {loop->name}, {value}, {key}, {}});
}

void Stage::storage_align(int axis, int64_t factor, int64_t offset) {
  check_compute("storage_align");
  int ndim = tensor_.ndim();
  ANVIL_SCHEDULE_CHECK(axis >= 0 && axis < ndim - 1,
                       "storage_align of " << name() << ": axis " << axis
                                           << " must be in 0.." << ndim - 2
                                           << " (the innermost dimension has stride 1)");
  ANVIL_SCHEDULE_CHECK(factor > 0, "storage_align of " << name() << ": factor " << factor
                                                       << " must be positive");
  ANVIL_SCHEDULE_CHECK(offset >= 0 && offset < factor,
                       "storage_align of " << name() << ": offset " << offset
                                           << " must be in 0.." << factor - 1);
  ANVIL_SCHEDULE_CHECK(!is_output_, "storage_align of " << name()
                                                        << ": an output's layout is fixed by "
                                                           "the caller");
  storage_aligns_.push_back({axis, factor, offset});
  schedule_->record({"storage_align", name(), {}, {axis, factor, offset}, {}, {}});
}

void Stage::set_scope(const std::string& scope) {
  check_compute("set_scope");
  static const std::set<std::string> kScopes = {"global", "local", "shared"};
  ANVIL_SCHEDULE_CHECK(kScopes.count(scope), "set_scope of " << name() << ": unknown scope '"
                                                             << scope
                                                             << "' (global, local, shared)");
  ANVIL_SCHEDULE_CHECK(!is_output_ || scope == "global",
                       "set_scope of " << name() << ": an output lives in global memory");
  scope_ = scope;
  schedule_->record({"set_scope", name(), {}, {}, {scope}, {}});
}

}  // namespace anvil
