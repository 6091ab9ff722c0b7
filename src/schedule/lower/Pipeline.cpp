// The lowering pipeline, in one place: every pass in order, each able to log
// the IR it produced (LowerOptions::log).
#include <algorithm>
#include <unordered_map>

#include "FlattenStorage.h"
#include "LoopPasses.h"
#include "LowerContext.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/Simplify.h"
#include "anvil/schedule/Lower.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

std::vector<std::pair<Tensor, BufferArg>> bind_arguments(const Schedule& sch,
                                                         const std::vector<Tensor>& args) {
  std::vector<std::pair<Tensor, BufferArg>> bound;
  for (const Tensor& t : args) {
    ANVIL_USER_CHECK(t.defined(), "lower: an argument tensor is null");
    const Stage& s = sch[t];
    ANVIL_USER_CHECK(!s.is_compute() || s.is_output(),
                     "lower: argument " << t.name()
                                        << " is an intermediate stage; arguments are the inputs "
                                           "(placeholders) and the outputs of the schedule");
    for (const auto& [other, _] : bound)
      ANVIL_USER_CHECK(!other.same_as(t), "lower: argument " << t.name() << " is passed twice");
    BufferArg arg{Var(t.name(), DataType::Handle()), t.dtype(), {}};
    for (const Expr& d : t.shape()) arg.shape.push_back(*as_const_int(d));
    bound.emplace_back(t, arg);
  }
  for (const Tensor& out : sch.outputs()) {
    bool passed = std::any_of(args.begin(), args.end(), [&](const Tensor& t) { return t.same_as(out); });
    ANVIL_USER_CHECK(passed, "lower: output " << out.name() << " is not among the arguments");
  }
  return bound;
}

std::unordered_map<std::string, const TensorIntrin*> tensor_intrinsics(const Schedule& sch) {
  std::unordered_map<std::string, const TensorIntrin*> intrins;
  for (const Stage* s : sch.stages()) {
    for (const Loop& l : s->leaf_loops()) {
      if (!l->tensorize_intrin) continue;
      auto [it, inserted] = intrins.emplace(l->tensorize_intrin->name, l->tensorize_intrin);
      ANVIL_USER_CHECK(inserted || it->second == l->tensorize_intrin,
                       "two different tensor intrinsics are named " << l->tensorize_intrin->name);
    }
  }
  return intrins;
}

void log_pass(const LowerOptions& options, const char* pass, const Stmt& s) {
  if (options.log) *options.log << "// after " << pass << "\n" << s << "\n";
}

}  // namespace

Stmt lower_to_loop_nest(const Schedule& schedule) {
  lowering::LowerContext ctx = lowering::inline_stages(schedule);
  lowering::infer_bounds(ctx);
  return lowering::build_loop_nest(ctx);
}

LoweredFunc lower(const Schedule& schedule, const std::vector<Tensor>& args,
                  const std::string& name, const LowerOptions& options) {
  auto bound = bind_arguments(schedule, args);
  std::unordered_map<const TensorNode*, std::vector<StorageAlign>> aligns;
  for (const Stage* s : schedule.stages())
    if (!s->storage_aligns().empty()) aligns[s->tensor().get()] = s->storage_aligns();

  Stmt s = lower_to_loop_nest(schedule);
  log_pass(options, "build_loop_nest", s);
  s = flatten_storage(s, bound, aligns);
  log_pass(options, "flatten_storage", s);
  s = lower_tensorize(s, tensor_intrinsics(schedule));
  log_pass(options, "lower_tensorize", s);
  s = simplify(s);
  log_pass(options, "simplify", s);
  s = unroll_loops(s, options.max_explicit_unroll);
  log_pass(options, "unroll_loops", s);
  s = vectorize_loops(s);
  log_pass(options, "vectorize_loops", s);
  s = simplify(s);
  log_pass(options, "simplify", s);
  s = partition_loops(s);
  log_pass(options, "partition_loops", s);
  s = simplify(s);
  log_pass(options, "simplify", s);
  s = remove_dead_code(s);
  log_pass(options, "remove_dead_code", s);

  LoweredFunc f;
  f.name = name;
  for (auto& [tensor, arg] : bound) f.args.push_back(arg);
  f.body = s;
  return f;
}

}  // namespace anvil
