// Schedule construction, stage lookup, trace recording and sampling.
#include "anvil/schedule/Schedule.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "anvil/support/Error.h"

namespace anvil {

Stage::Stage(Schedule* schedule, Tensor tensor, Ref<const ComputeOpNode> op, bool is_output)
    : schedule_(schedule), tensor_(std::move(tensor)), op_(std::move(op)), is_output_(is_output) {
  reset_loops();
}

Loop Stage::make_loop(const std::string& base_name, IterKind kind, int64_t extent) {
  std::string name = base_name;
  for (int n = 1; find_loop(name); n++) name = base_name + "_" + std::to_string(n);
  auto loop = std::make_shared<LoopNode>();
  loop->name = name;
  loop->var = Var(name);
  loop->iter_kind = kind;
  loop->extent = extent;
  return loop;
}

void Stage::reset_loops() {
  root_loops_.clear();
  leaf_loops_.clear();
  relations_.clear();
  if (!op_.defined()) return;
  auto add_root = [&](const IterVar& iv) {
    auto extent = as_const_int(iv.dom().extent);
    ANVIL_USER_CHECK(extent, "stage " << name() << ": axis " << iv.var().name()
                                      << " has a non-constant extent; Anvil needs static shapes");
    Loop loop = make_loop(iv.var().name(), iv.kind(), *extent);
    root_loops_.push_back(loop);
    leaf_loops_.push_back(loop);
  };
  for (const IterVar& iv : op_->axes) add_root(iv);
  for (const IterVar& iv : op_->reduce_axes()) add_root(iv);
}

Loop Stage::axis(int i) const {
  ANVIL_USER_CHECK(op_.defined(), "stage " << name() << " is a placeholder and has no loops");
  int n = static_cast<int>(op_->axes.size());
  ANVIL_USER_CHECK(i >= 0 && i < n, "stage " << name() << " has " << n << " axes; axis(" << i
                                               << ") does not exist");
  return root_loops_[i];
}

Loop Stage::reduce_axis(int i) const {
  ANVIL_USER_CHECK(op_.defined(), "stage " << name() << " is a placeholder and has no loops");
  int spatial = static_cast<int>(op_->axes.size());
  int n = static_cast<int>(root_loops_.size()) - spatial;
  ANVIL_USER_CHECK(i >= 0 && i < n, "stage " << name() << " has " << n
                                               << " reduction axes; reduce_axis(" << i
                                               << ") does not exist");
  return root_loops_[spatial + i];
}

Loop Stage::find_loop(const std::string& loop_name) const {
  auto has = [&](const Loop& l) { return l->name == loop_name; };
  for (const Loop& l : root_loops_)
    if (has(l)) return l;
  for (const LoopRelation& r : relations_) {
    for (const Loop& l : {r.split.outer, r.split.inner, r.fuse.fused})
      if (l && has(l)) return l;
  }
  return nullptr;
}

size_t Stage::leaf_position(const Loop& loop, const char* primitive) const {
  ANVIL_SCHEDULE_CHECK(loop, primitive << " on stage " << name() << ": the loop is null");
  auto it = std::find(leaf_loops_.begin(), leaf_loops_.end(), loop);
  if (it != leaf_loops_.end()) return static_cast<size_t>(it - leaf_loops_.begin());
  if (find_loop(loop->name) == loop) {
    throw ScheduleError(std::string(primitive) + " on stage " + name() + ": loop " + loop->name +
                        " was already split or fused; use the loops that replaced it");
  }
  throw ScheduleError(std::string(primitive) + " on stage " + name() + ": loop " + loop->name +
                      " does not belong to this stage");
}

void Stage::check_compute(const char* primitive) const {
  ANVIL_SCHEDULE_CHECK(op_.defined(), primitive << ": stage " << name()
                                      << " is a placeholder (an input); it has no loops to "
                                         "schedule");
}

void Stage::check_untransformed(const char* primitive) const {
  ANVIL_SCHEDULE_CHECK(relations_.empty() && leaf_loops_ == root_loops_,
                       primitive << " on stage " << name()
                                 << ": apply it before splitting, fusing or reordering the stage");
}

// ------------------------------------------------------------------ Schedule

Schedule::Schedule(std::vector<Tensor> outputs, uint64_t seed)
    : outputs_(std::move(outputs)), rng_(seed) {
  ANVIL_USER_CHECK(!outputs_.empty(), "a schedule needs at least one output tensor");
  std::set<std::string> names;
  for (const Tensor& t : post_order_tensors(outputs_)) {
    ANVIL_USER_CHECK(names.insert(t.name()).second,
                     "two tensors are named '" << t.name()
                                               << "'; give every tensor a unique name");
    bool is_output = std::any_of(outputs_.begin(), outputs_.end(),
                                 [&](const Tensor& o) { return o.same_as(t); });
    ANVIL_USER_CHECK(!is_output || as_compute(t),
                     "output " << t.name() << " is a placeholder; outputs must be computed");
    Ref<const ComputeOpNode> op(as_compute(t));
    add_stage(t, op, is_output, stages_.size());
  }
}

Stage& Schedule::add_stage(Tensor tensor, Ref<const ComputeOpNode> op, bool is_output,
                           size_t position) {
  auto stage = std::unique_ptr<Stage>(new Stage(this, tensor, std::move(op), is_output));
  Stage* raw = stage.get();
  stages_.insert(stages_.begin() + static_cast<std::ptrdiff_t>(position), std::move(stage));
  by_tensor_[tensor.get()] = raw;
  return *raw;
}

Stage& Schedule::operator[](const Tensor& t) {
  auto it = by_tensor_.find(t.get());
  ANVIL_USER_CHECK(it != by_tensor_.end(),
                   "tensor " << (t.defined() ? t.name() : "<null>")
                             << " is not part of this schedule (not reachable from its outputs)");
  return *it->second;
}

const Stage& Schedule::operator[](const Tensor& t) const {
  return const_cast<Schedule*>(this)->operator[](t);
}

Stage& Schedule::stage(const std::string& name) {
  for (auto& s : stages_)
    if (s->name() == name) return *s;
  throw ScheduleError("this schedule has no stage named '" + name + "'");
}

std::vector<Stage*> Schedule::stages() const {
  std::vector<Stage*> out;
  for (const auto& s : stages_) out.push_back(s.get());
  return out;
}

std::vector<Stage*> Schedule::readers_of(const Tensor& t) const {
  std::vector<Stage*> readers;
  for (const auto& s : stages_) {
    if (!s->op_.defined()) continue;
    for (const Tensor& in : s->op_->input_tensors())
      if (in.same_as(t)) readers.push_back(s.get());
  }
  return readers;
}

void Schedule::record(Step step) { trace_.append(std::move(step)); }

namespace {

// All ordered factorizations of n into `parts` factors.
void factorizations(int64_t n, int parts, std::vector<int64_t>& current,
                    std::vector<std::vector<int64_t>>& out) {
  if (parts == 1) {
    current.push_back(n);
    out.push_back(current);
    current.pop_back();
    return;
  }
  for (int64_t d = 1; d <= n; d++) {
    if (n % d) continue;
    current.push_back(d);
    factorizations(n / d, parts - 1, current, out);
    current.pop_back();
  }
}

}  // namespace

std::vector<Factor> Schedule::sample_perfect_tile(const Stage& stage, const Loop& loop, int n,
                                                  int64_t max_innermost) {
  stage.leaf_position(loop, "sample_perfect_tile");
  ANVIL_SCHEDULE_CHECK(n >= 1 && n <= 8, "sample_perfect_tile on " << stage.name() << " loop " << loop->name << ": n = " << n
                                                                   << " must be in 1..8");
  ANVIL_SCHEDULE_CHECK(max_innermost >= 1, "sample_perfect_tile: max_innermost must be ≥ 1");
  int step_index = static_cast<int>(trace_.steps().size());
  std::vector<int64_t> values;
  auto forced = forced_decisions_.find(step_index);
  if (forced != forced_decisions_.end()) {
    values = forced->second;
    int64_t product = 1;
    for (int64_t v : values) product *= v;
    ANVIL_SCHEDULE_CHECK(static_cast<int>(values.size()) == n && product == loop->extent &&
                             std::all_of(values.begin(), values.end(),
                                         [](int64_t v) { return v >= 1; }),
                         "decision for sample_perfect_tile step "
                             << step_index << " is not " << n << " positive factors of "
                             << loop->extent);
  } else {
    std::vector<std::vector<int64_t>> all;
    std::vector<int64_t> current;
    factorizations(loop->extent, n, current, all);
    std::erase_if(all, [&](const std::vector<int64_t>& f) { return f.back() > max_innermost; });
    ANVIL_ASSERT(!all.empty(), "no factorization");  // {extent/1..., 1} always qualifies
    values = all[std::uniform_int_distribution<size_t>(0, all.size() - 1)(rng_)];
  }
  Step step{"sample_perfect_tile", stage.name(), {loop->name}, {n, max_innermost}, {}, {}};
  record(std::move(step));
  trace_.add_decision({step_index, values});
  sampled_values_[step_index] = values;
  std::vector<Factor> result;
  for (size_t i = 0; i < values.size(); i++)
    result.emplace_back(values[i], step_index, static_cast<int>(i));
  return result;
}

Factor Schedule::sample_categorical(const std::vector<int64_t>& choices,
                                    const std::vector<double>& probs) {
  ANVIL_SCHEDULE_CHECK(!choices.empty() && choices.size() == probs.size(),
                       "sample_categorical: " << choices.size() << " choices with "
                                              << probs.size() << " probabilities");
  for (double p : probs)
    ANVIL_SCHEDULE_CHECK(p >= 0, "sample_categorical: negative probability " << p);
  double total = std::accumulate(probs.begin(), probs.end(), 0.0);
  ANVIL_SCHEDULE_CHECK(total > 0, "sample_categorical: probabilities sum to zero");
  int step_index = static_cast<int>(trace_.steps().size());
  int64_t index;
  auto forced = forced_decisions_.find(step_index);
  if (forced != forced_decisions_.end()) {
    ANVIL_SCHEDULE_CHECK(forced->second.size() == 1 && forced->second[0] >= 0 &&
                             forced->second[0] < static_cast<int64_t>(choices.size()),
                         "decision for sample_categorical step " << step_index
                                                                 << " is not a choice index");
    index = forced->second[0];
  } else {
    std::discrete_distribution<int64_t> dist(probs.begin(), probs.end());
    index = dist(rng_);
  }
  Step step{"sample_categorical", "", {}, {}, {}, {}};
  for (int64_t c : choices) step.ints.emplace_back(c);
  for (double p : probs) step.strings.push_back(std::to_string(p));
  record(std::move(step));
  trace_.add_decision({step_index, {index}});
  sampled_values_[step_index] = {choices[index]};
  return Factor(choices[index], step_index, 0);
}

}  // namespace anvil
