// Trace JSON form and replay.
#include "anvil/schedule/Trace.h"

#include <nlohmann/json.hpp>

#include "anvil/schedule/Schedule.h"
#include "anvil/schedule/Tensorize.h"
#include "anvil/support/Error.h"

namespace anvil {

using json = nlohmann::json;

const Decision* Trace::decision_of(int step) const {
  for (const Decision& d : decisions_)
    if (d.step == step) return &d;
  return nullptr;
}

std::string Trace::to_json(int indent) const {
  json steps = json::array();
  for (const Step& s : steps_) {
    json ints = json::array();
    for (const Factor& f : s.ints) {
      if (f.source_step < 0) {
        ints.push_back(f.value);
      } else {
        ints.push_back({{"value", f.value}, {"from", {f.source_step, f.source_index}}});
      }
    }
    json j = {{"primitive", s.primitive}};
    if (!s.stage.empty()) j["stage"] = s.stage;
    if (!s.loops.empty()) j["loops"] = s.loops;
    if (!ints.empty()) j["ints"] = ints;
    if (!s.strings.empty()) j["strings"] = s.strings;
    if (!s.outputs.empty()) j["outputs"] = s.outputs;
    steps.push_back(std::move(j));
  }
  json decisions = json::array();
  for (const Decision& d : decisions_) decisions.push_back({{"step", d.step}, {"values", d.values}});
  json root = {{"format_version", kFormatVersion}, {"steps", steps}, {"decisions", decisions}};
  return root.dump(indent);
}

Trace Trace::from_json(const std::string& text) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    throw UserError(std::string("trace JSON does not parse: ") + e.what());
  }
  try {
    ANVIL_USER_CHECK(root.is_object() && root.contains("steps"),
                     "trace JSON has no \"steps\" list");
    int version = root.value("format_version", 0);
    ANVIL_USER_CHECK(version == kFormatVersion, "trace format version " << version
                                                                        << " is not supported "
                                                                           "(this Anvil reads "
                                                                        << kFormatVersion << ")");
    Trace trace;
    for (const json& j : root.at("steps")) {
      Step s;
      s.primitive = j.at("primitive").get<std::string>();
      s.stage = j.value("stage", "");
      s.loops = j.value("loops", std::vector<std::string>{});
      s.strings = j.value("strings", std::vector<std::string>{});
      s.outputs = j.value("outputs", std::vector<std::string>{});
      if (j.contains("ints")) {
        for (const json& i : j.at("ints")) {
          if (i.is_number_integer()) {
            s.ints.emplace_back(i.get<int64_t>());
          } else {
            const json& from = i.at("from");
            s.ints.emplace_back(i.at("value").get<int64_t>(), from.at(0).get<int>(),
                                from.at(1).get<int>());
          }
        }
      }
      trace.steps_.push_back(std::move(s));
    }
    for (const json& d : root.value("decisions", json::array())) {
      trace.decisions_.push_back({d.at("step").get<int>(), d.at("values").get<std::vector<int64_t>>()});
    }
    return trace;
  } catch (const json::exception& e) {
    throw UserError(std::string("trace JSON is malformed: ") + e.what());
  }
}

namespace {

// Replays one step on `sch`; `resolve` maps a recorded Factor to its value in
// this replay (a sampled value may differ from the recorded one).
class Replayer {
 public:
  Replayer(Schedule& sch, const std::map<int, std::vector<int64_t>>& sampled,
           const std::vector<const TensorIntrin*>& intrinsics)
      : sch_(sch), sampled_(sampled), intrinsics_(intrinsics) {}

  void apply(const Step& s, int index) {
    const std::string& p = s.primitive;
    if (p == "sample_perfect_tile") {
      need(s, 1, 2, 0);
      sch_.sample_perfect_tile(stage(s), loop(s, 0), static_cast<int>(s.ints[0].value),
                               s.ints[1].value);
    } else if (p == "sample_categorical") {
      std::vector<int64_t> choices;
      std::vector<double> probs;
      for (const Factor& f : s.ints) choices.push_back(f.value);
      for (const std::string& prob : s.strings) probs.push_back(std::stod(prob));
      sch_.sample_categorical(choices, probs);
    } else if (p == "split") {
      need(s, 1, 1, 0);
      expect_outputs(s, stage(s).split(loop(s, 0), value(s.ints[0])), index);
    } else if (p == "split_nparts") {
      need(s, 1, 1, 0);
      expect_outputs(s, stage(s).split_nparts(loop(s, 0), value(s.ints[0])), index);
    } else if (p == "fuse") {
      need(s, 2, 0, 0);
      Loop fused = stage(s).fuse(loop(s, 0), loop(s, 1));
      check_name(s, 0, fused->name, index);
    } else if (p == "reorder") {
      std::vector<Loop> order;
      for (size_t i = 0; i < s.loops.size(); i++) order.push_back(loop(s, i));
      stage(s).reorder(order);
    } else if (p == "vectorize") {
      stage(s).vectorize(loop(s, 0));
    } else if (p == "unroll") {
      stage(s).unroll(loop(s, 0));
    } else if (p == "parallel") {
      stage(s).parallel(loop(s, 0));
    } else if (p == "bind") {
      need(s, 1, 0, 1);
      stage(s).bind(loop(s, 0), s.strings[0]);
    } else if (p == "pragma") {
      need(s, 1, 1, 1);
      stage(s).pragma(loop(s, 0), s.strings[0], value(s.ints[0]));
    } else if (p == "compute_at") {
      need(s, 1, 0, 1);
      Stage& consumer = sch_.stage(s.strings[0]);
      Loop l = consumer.find_loop(s.loops[0]);
      ANVIL_SCHEDULE_CHECK(l, "trace step " << index << ": " << s.strings[0] << " has no loop "
                                            << s.loops[0]);
      stage(s).compute_at(consumer, l);
    } else if (p == "compute_inline") {
      stage(s).compute_inline();
    } else if (p == "compute_root") {
      stage(s).compute_root();
    } else if (p == "storage_align") {
      need(s, 0, 3, 0);
      stage(s).storage_align(static_cast<int>(value(s.ints[0])), value(s.ints[1]),
                             value(s.ints[2]));
    } else if (p == "set_scope") {
      need(s, 0, 0, 1);
      stage(s).set_scope(s.strings[0]);
    } else if (p == "cache_read") {
      ANVIL_SCHEDULE_CHECK(s.strings.size() >= 2, "trace step " << index << ": cache_read needs a scope and readers");
      std::vector<Tensor> readers;
      for (size_t i = 1; i < s.strings.size(); i++) readers.push_back(sch_.stage(s.strings[i]).tensor());
      std::vector<int> layout;
      for (const Factor& f : s.ints) layout.push_back(static_cast<int>(f.value));
      Tensor t = sch_.cache_read(stage(s).tensor(), s.strings[0], readers, layout);
      check_name(s, 0, t.name(), index);
    } else if (p == "cache_write") {
      need(s, 0, 0, 1);
      std::vector<int> layout;
      for (const Factor& f : s.ints) layout.push_back(static_cast<int>(f.value));
      Tensor t = sch_.cache_write(stage(s).tensor(), s.strings[0], layout);
      check_name(s, 0, t.name(), index);
    } else if (p == "rfactor") {
      need(s, 1, 1, 0);
      Tensor t = sch_.rfactor(stage(s).tensor(), loop(s, 0), static_cast<int>(value(s.ints[0])));
      check_name(s, 0, t.name(), index);
    } else if (p == "tensorize") {
      need(s, 1, 0, 1);
      const TensorIntrin* intrin = nullptr;
      for (const TensorIntrin* t : intrinsics_)
        if (t->name == s.strings[0]) intrin = t;
      ANVIL_SCHEDULE_CHECK(intrin, "trace step " << index << " tensorizes with intrinsic "
                                                 << s.strings[0]
                                                 << ", which was not given to replay");
      stage(s).tensorize(loop(s, 0), *intrin);
    } else {
      throw ScheduleError("trace step " + std::to_string(index) + ": unknown primitive '" + p + "'");
    }
  }

 private:
  void need(const Step& s, size_t loops, size_t ints, size_t strings) {
    ANVIL_SCHEDULE_CHECK(s.loops.size() >= loops && s.ints.size() >= ints &&
                             s.strings.size() >= strings,
                         "trace step '" << s.primitive << "' lacks arguments");
  }
  Stage& stage(const Step& s) { return sch_.stage(s.stage); }
  Loop loop(const Step& s, size_t i) {
    Loop l = stage(s).find_loop(s.loops[i]);
    ANVIL_SCHEDULE_CHECK(l, "trace step '" << s.primitive << "': stage " << s.stage
                                           << " has no loop " << s.loops[i]
                                           << "; the trace does not fit this workload");
    return l;
  }
  Factor value(const Factor& f) {
    if (f.source_step < 0) return f;
    auto it = sampled_.find(f.source_step);
    ANVIL_SCHEDULE_CHECK(it != sampled_.end() && f.source_index >= 0 &&
                             f.source_index < static_cast<int>(it->second.size()),
                         "trace refers to sampling step " << f.source_step
                                                          << " which produced no such value");
    return Factor(it->second[f.source_index], f.source_step, f.source_index);
  }
  void check_name(const Step& s, size_t i, const std::string& got, int index) {
    ANVIL_SCHEDULE_CHECK(s.outputs.size() <= i || s.outputs[i] == got,
                         "trace step " << index << " (" << s.primitive << ") created " << got
                                       << " where the trace recorded " << s.outputs[i]);
  }
  void expect_outputs(const Step& s, const std::pair<Loop, Loop>& loops, int index) {
    check_name(s, 0, loops.first->name, index);
    check_name(s, 1, loops.second->name, index);
  }

  Schedule& sch_;
  const std::map<int, std::vector<int64_t>>& sampled_;
  const std::vector<const TensorIntrin*>& intrinsics_;
};

}  // namespace

std::unique_ptr<Schedule> Trace::replay(const std::vector<Tensor>& outputs,
                                        const std::map<int, std::vector<int64_t>>& decisions,
                                        const std::vector<const TensorIntrin*>& intrinsics) const {
  auto sch = std::make_unique<Schedule>(outputs);
  for (const Decision& d : decisions_) sch->forced_decisions_[d.step] = d.values;
  for (const auto& [step, values] : decisions) sch->forced_decisions_[step] = values;
  Replayer replayer(*sch, sch->sampled_values_, intrinsics);
  for (size_t i = 0; i < steps_.size(); i++) replayer.apply(steps_[i], static_cast<int>(i));
  return sch;
}

}  // namespace anvil
