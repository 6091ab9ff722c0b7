// Trace: the record of every schedule primitive applied and every random
// decision sampled. A trace serialises to JSON and replays on the same workload
// (the same output tensors), giving structurally equal IR; replayed with other
// decisions it gives the variant with those decisions. Tuning records store
// traces.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace anvil {

class Schedule;
class Tensor;
struct TensorIntrin;

// An integer argument of a primitive. When it came from a sampling step it
// remembers which (step index, element), so replaying with a new decision
// feeds the new value to every primitive that used it.
struct Factor {
  int64_t value = 0;
  int source_step = -1;  // index of the sampling step, or -1 for a literal
  int source_index = 0;
  Factor(int64_t v = 0) : value(v) {}  // NOLINT: literals convert implicitly
  Factor(int v) : value(v) {}          // NOLINT
  Factor(int64_t v, int step, int index) : value(v), source_step(step), source_index(index) {}
  operator int64_t() const { return value; }  // NOLINT
};

struct Step {
  std::string primitive;             // "split", "reorder", "sample_perfect_tile", ...
  std::string stage;                 // stage (tensor) name; empty for schedule-level steps
  std::vector<std::string> loops;    // loop names the primitive takes
  std::vector<Factor> ints;          // integer arguments
  std::vector<std::string> strings;  // string arguments (scopes, thread tags, tensor names)
  std::vector<std::string> outputs;  // names of the loops or tensors it created
};

// The values drawn by one sampling step.
struct Decision {
  int step = 0;
  std::vector<int64_t> values;
};

class Trace {
 public:
  static constexpr int kFormatVersion = 1;

  const std::vector<Step>& steps() const { return steps_; }
  const std::vector<Decision>& decisions() const { return decisions_; }
  void append(Step step) { steps_.push_back(std::move(step)); }
  void add_decision(Decision d) { decisions_.push_back(std::move(d)); }
  // The decision of sampling step `step`, or null when it has none.
  const Decision* decision_of(int step) const;

  std::string to_json(int indent = -1) const;
  // Throws UserError when the text is not a valid trace of this format.
  static Trace from_json(const std::string& text);

  // Applies the trace to a fresh schedule of `outputs`. `decisions` (step
  // index → values) overrides the recorded decisions of those steps. Throws
  // ScheduleError when the trace does not fit the workload or a new decision
  // makes a primitive illegal.
  // `intrinsics` are the tensor intrinsics tensorize steps may name.
  std::unique_ptr<Schedule> replay(const std::vector<Tensor>& outputs,
                                   const std::map<int, std::vector<int64_t>>& decisions = {},
                                   const std::vector<const TensorIntrin*>& intrinsics = {}) const;

 private:
  std::vector<Step> steps_;
  std::vector<Decision> decisions_;
};

}  // namespace anvil
