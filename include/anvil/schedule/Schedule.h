// Schedule: *how* a tensor computation runs. A Schedule holds one Stage per
// operation reachable from the outputs; primitives (split, reorder, vectorize,
// compute_at, cache_write, ...) transform stages, validating first and raising
// ScheduleError with what and where when an argument is illegal. Every
// primitive call and every sampled decision is appended to the schedule's
// Trace, which serialises to JSON and replays (see Trace.h).
//
//   Schedule sch({C});
//   Stage& s = sch[C];
//   auto [io, ii] = s.split(s.axis(0), 32);
//   s.vectorize(ii);
//   LoweredFunc f = lower(sch, {A, B, C}, "matmul");
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "anvil/ir/IR.h"
#include "anvil/ir/te/Operation.h"
#include "anvil/schedule/Trace.h"

namespace anvil {

class Schedule;
struct TensorIntrin;

// One loop of a stage: a root axis of the operation or one derived by split
// or fuse. Loops are owned by their stage; a Loop handle is only meaningful
// for the stage that created it.
struct LoopNode {
  std::string name;  // unique within its stage; how traces refer to it
  Var var;           // iterates over [0, extent)
  IterKind iter_kind = IterKind::DataPar;
  int64_t extent = 0;  // from the stage's full domain; bound inference may shrink it
  ForKind for_kind = ForKind::Serial;
  std::string thread_tag;
  std::vector<std::pair<std::string, Expr>> pragmas;
  const TensorIntrin* tensorize_intrin = nullptr;  // set by tensorize()
};
using Loop = std::shared_ptr<LoopNode>;

// How a loop was derived from others; replayed in order by lowering.
struct SplitRelation {
  Loop parent, outer, inner;
  int64_t factor = 0;  // the inner extent, or 0 when split by nparts
  int64_t nparts = 0;  // the outer extent, or 0 when split by factor
};
struct FuseRelation {
  Loop outer, inner, fused;
};
struct LoopRelation {
  enum class Kind { Split, Fuse } kind;
  SplitRelation split;
  FuseRelation fuse;
};

enum class AttachKind { Root, Inline, At };

struct StorageAlign {
  int axis;
  int64_t factor;
  int64_t offset;
};

class Stage {
 public:
  // ----- queries
  const Tensor& tensor() const { return tensor_; }
  const std::string& name() const { return tensor_.name(); }
  bool is_compute() const { return op_.defined(); }
  bool is_output() const { return is_output_; }
  const ComputeOpNode* op() const { return op_.get(); }
  // The i-th spatial root axis and i-th reduction root axis.
  Loop axis(int i) const;
  Loop reduce_axis(int i) const;
  const std::vector<Loop>& root_loops() const { return root_loops_; }
  const std::vector<Loop>& leaf_loops() const { return leaf_loops_; }
  const std::vector<LoopRelation>& relations() const { return relations_; }
  Loop find_loop(const std::string& name) const;  // null when absent
  AttachKind attach_kind() const { return attach_kind_; }
  const Stage* attach_stage() const { return attach_stage_; }
  const Loop& attach_loop() const { return attach_loop_; }
  const std::string& scope() const { return scope_; }
  const std::vector<StorageAlign>& storage_aligns() const { return storage_aligns_; }

  // ----- primitives (each validates, applies, and records a trace step)
  std::pair<Loop, Loop> split(const Loop& loop, Factor factor);
  std::pair<Loop, Loop> split_nparts(const Loop& loop, Factor nparts);
  // Splits x and y and orders the result (x.outer, y.outer, x.inner, y.inner).
  std::vector<Loop> tile(const Loop& x, const Loop& y, Factor x_factor, Factor y_factor);
  Loop fuse(const Loop& outer, const Loop& inner);
  // The given loops take, in the given order, the positions they occupy now.
  void reorder(const std::vector<Loop>& order);
  void vectorize(const Loop& loop);
  void unroll(const Loop& loop);
  void parallel(const Loop& loop);
  void bind(const Loop& loop, const std::string& thread_tag);
  void pragma(const Loop& loop, const std::string& key, Factor value = 1);
  void compute_at(Stage& consumer, const Loop& loop);
  void compute_inline();
  void compute_root();
  void storage_align(int axis, int64_t factor, int64_t offset);
  void set_scope(const std::string& scope);
  // Replaces the loop nest rooted at `loop` by the intrinsic's implementation.
  void tensorize(const Loop& loop, const TensorIntrin& intrin);

 private:
  friend class Schedule;
  friend struct ScheduleAccess;
  Stage(Schedule* schedule, Tensor tensor, Ref<const ComputeOpNode> op, bool is_output);
  void reset_loops();
  Loop make_loop(const std::string& base_name, IterKind kind, int64_t extent);
  size_t leaf_position(const Loop& loop, const char* primitive) const;
  void check_compute(const char* primitive) const;
  void check_untransformed(const char* primitive) const;
  void check_not_attach_point(const Loop& loop, const char* primitive) const;

  Schedule* schedule_;
  Tensor tensor_;                  // the tensor users and other stages refer to
  Ref<const ComputeOpNode> op_;    // current definition; null for placeholders
  bool is_output_;
  std::vector<Loop> root_loops_;   // spatial axes, then reduction axes
  std::vector<Loop> leaf_loops_;   // current loop order, outermost first
  std::vector<LoopRelation> relations_;
  AttachKind attach_kind_ = AttachKind::Root;
  const Stage* attach_stage_ = nullptr;
  Loop attach_loop_;
  std::string scope_ = "global";
  std::vector<StorageAlign> storage_aligns_;
};

class Schedule {
 public:
  // A schedule over every operation reachable from `outputs`. Tensor names
  // must be unique (traces refer to stages by name). `seed` drives sampling.
  explicit Schedule(std::vector<Tensor> outputs, uint64_t seed = 0);
  Schedule(const Schedule&) = delete;
  Schedule& operator=(const Schedule&) = delete;

  Stage& operator[](const Tensor& t);
  Stage& stage(const std::string& name);
  const Stage& operator[](const Tensor& t) const;
  // Stages in producer-before-consumer order (placeholders included).
  std::vector<Stage*> stages() const;
  const std::vector<Tensor>& outputs() const { return outputs_; }
  const Trace& trace() const { return trace_; }

  // A cache stage that copies `tensor` into `scope` for `readers`, which are
  // rewritten to read the copy. Returns the new tensor (named "<name>.<scope>").
  // `layout`, when given, is a permutation: dimension d of the copy is
  // dimension layout[d] of `tensor` (e.g. {1, 0} stores the copy transposed,
  // so dense's weights W[N, K] are read as contiguous rows of N).
  Tensor cache_read(const Tensor& tensor, const std::string& scope,
                    const std::vector<Tensor>& readers, const std::vector<int>& layout = {});
  // Moves the computation of `tensor` into a new stage in `scope`; `tensor`'s
  // stage becomes a copy of it. Returns the new tensor. `layout` permutes the
  // new stage's axes (and so its storage) as for cache_read: e.g. {0, 2, 3, 1}
  // keeps an NCHW conv's accumulator channel-innermost, so a register tile
  // vectorizes over output channels while the output stays NCHW.
  Tensor cache_write(const Tensor& tensor, const std::string& scope, const std::vector<int>& layout = {});
  // Factors reduction loop `loop` of `tensor` out into a new stage whose
  // dimension `factor_axis` ranges over it; `tensor` then reduces over that
  // dimension. Returns the new (partial-result) tensor.
  Tensor rfactor(const Tensor& tensor, const Loop& loop, int factor_axis = 0);

  // Sampling (recorded as decisions in the trace; replay may override them).
  // n factors whose product is the loop's extent, the innermost ≤ max_innermost.
  std::vector<Factor> sample_perfect_tile(const Stage& stage, const Loop& loop, int n,
                                          int64_t max_innermost);
  // One of `choices`, drawn with probabilities `probs`.
  Factor sample_categorical(const std::vector<int64_t>& choices, const std::vector<double>& probs);

 private:
  friend class Stage;
  friend class Trace;
  void record(Step step);
  Stage& add_stage(Tensor tensor, Ref<const ComputeOpNode> op, bool is_output, size_t position);
  std::vector<Stage*> readers_of(const Tensor& t) const;
  // Replay support: sampling steps listed here return these values instead of drawing.
  std::map<int, std::vector<int64_t>> forced_decisions_;
  // What each sampling step returned, for resolving Factor arguments on replay.
  std::map<int, std::vector<int64_t>> sampled_values_;

  std::vector<Tensor> outputs_;
  std::vector<std::unique_ptr<Stage>> stages_;  // producer-before-consumer order
  std::map<const TensorNode*, Stage*> by_tensor_;
  Trace trace_;
  std::mt19937_64 rng_;
};

}  // namespace anvil
