// Helpers for the operator tests: the message of a refused call, static shapes,
// and a small tree-walking interpreter of compute definitions, so each
// operator's TE definition is checked against its reference before any
// lowering exists.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "anvil/ir/te/Operation.h"
#include "anvil/support/Error.h"
#include "anvil/support/HostBuffer.h"

namespace anvil::ops::testing {

// The message of the UserError f throws; a failure when it throws none.
template <typename F>
std::string user_error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UserError";
  return "";
}

inline std::vector<int64_t> shape_of(const Tensor& t) {
  std::vector<int64_t> s;
  for (const Expr& e : t.shape()) s.push_back(as_const_int(e).value());
  return s;
}

inline std::string tag_of(const Tensor& t) {
  const ComputeOpNode* op = as_compute(t);
  return op ? op->tag : "<not a compute>";
}

// The compute stage named `name` among the stages `out` depends on.
inline Tensor find_stage(const Tensor& out, const std::string& name) {
  for (const Tensor& t : post_order_tensors({out}))
    if (t.name() == name) return t;
  return Tensor();
}

// Evaluates compute definitions point by point. Values are doubles rounded to
// each node's type (float32 rounding, integer wrap), so float32 results match
// a float32 kernel closely. Reads out of a tensor's bounds are test failures:
// they show a missing if_then_else in padding.
class TEInterpreter {
 public:
  void bind(const Tensor& placeholder, const HostBuffer& value) {
    buffers_.insert_or_assign(placeholder.get(), value);
  }

  HostBuffer run(const Tensor& output) {
    for (const Tensor& t : post_order_tensors({output})) {
      if (buffers_.count(t.get())) continue;
      const ComputeOpNode* op = as_compute(t);
      if (!op) throw std::runtime_error("placeholder " + t.name() + " is not bound");
      std::vector<int64_t> shape;
      for (const IterVar& iv : op->axes) shape.push_back(as_const_int(iv.dom().extent).value());
      HostBuffer out(t.dtype(), shape);
      std::vector<int64_t> idx(shape.size(), 0);
      for (int64_t flat = 0; flat < out.num_elements(); flat++) {
        for (size_t d = 0; d < idx.size(); d++) env_[op->axes[d].var().get()] = double(idx[d]);
        out.set(flat, eval(op->body));
        for (size_t d = idx.size(); d-- > 0;) {
          if (++idx[d] < shape[d]) break;
          idx[d] = 0;
        }
      }
      buffers_.insert_or_assign(t.get(), std::move(out));
    }
    return buffers_.at(output.get());
  }

 private:
  static double norm(DataType t, double v) {
    if (t.is_bool()) return v != 0;
    if (t.is_float()) return t.bits() == 32 ? double(float(v)) : v;
    if (t.is_int_or_uint()) {
      auto i = static_cast<int64_t>(std::trunc(v));
      if (t.bits() < 64) {
        uint64_t mask = (uint64_t{1} << t.bits()) - 1;
        uint64_t u = static_cast<uint64_t>(i) & mask;
        if (t.is_int() && (u >> (t.bits() - 1))) return double(int64_t(u | ~mask));
        return double(u);
      }
      return double(i);
    }
    throw std::runtime_error("TEInterpreter: unsupported type " + t.to_string());
  }

  double eval(const Expr& e) { return norm(e.type(), eval_raw(e)); }

  double eval_raw(const Expr& e) {
    if (auto* n = e.as<IntImm>()) return double(n->value);
    if (auto* n = e.as<FloatImm>()) return n->value;
    if (auto* n = e.as<Variable>()) return env_.at(n);
    if (auto* n = e.as<Add>()) return eval(n->a) + eval(n->b);
    if (auto* n = e.as<Sub>()) return eval(n->a) - eval(n->b);
    if (auto* n = e.as<Mul>()) return eval(n->a) * eval(n->b);
    if (auto* n = e.as<Div>()) {
      double a = eval(n->a), b = eval(n->b);
      return e.type().is_floating() ? a / b : std::trunc(a / b);
    }
    if (auto* n = e.as<FloorDiv>()) return std::floor(eval(n->a) / eval(n->b));
    if (auto* n = e.as<FloorMod>()) {
      double a = eval(n->a), b = eval(n->b);
      return a - std::floor(a / b) * b;
    }
    if (auto* n = e.as<Min>()) return std::min(eval(n->a), eval(n->b));
    if (auto* n = e.as<Max>()) return std::max(eval(n->a), eval(n->b));
    if (auto* n = e.as<EQ>()) return eval(n->a) == eval(n->b);
    if (auto* n = e.as<NE>()) return eval(n->a) != eval(n->b);
    if (auto* n = e.as<LT>()) return eval(n->a) < eval(n->b);
    if (auto* n = e.as<LE>()) return eval(n->a) <= eval(n->b);
    if (auto* n = e.as<GT>()) return eval(n->a) > eval(n->b);
    if (auto* n = e.as<GE>()) return eval(n->a) >= eval(n->b);
    if (auto* n = e.as<And>()) return eval(n->a) != 0 && eval(n->b) != 0;
    if (auto* n = e.as<Or>()) return eval(n->a) != 0 || eval(n->b) != 0;
    if (auto* n = e.as<Not>()) return eval(n->a) == 0;
    if (auto* n = e.as<Select>()) {
      double c = eval(n->condition), t = eval(n->true_value), f = eval(n->false_value);
      return c != 0 ? t : f;
    }
    if (auto* n = e.as<Cast>()) return eval(n->value);
    if (auto* n = e.as<Call>()) return eval_call(n);
    if (auto* n = e.as<TensorLoad>()) return eval_load(n);
    if (auto* n = e.as<Reduce>()) return eval_reduce(n);
    throw std::runtime_error(std::string("TEInterpreter: unsupported node ") +
                             node_kind_name(e->kind));
  }

  double eval_call(const Call* c) {
    if (c->is_intrinsic(intrinsic::kIfThenElse)) {
      return eval(c->args[0]) != 0 ? eval(c->args[1]) : eval(c->args[2]);
    }
    double a = eval(c->args.at(0));
    if (c->is_intrinsic(intrinsic::kExp)) return std::exp(a);
    if (c->is_intrinsic(intrinsic::kLog)) return std::log(a);
    if (c->is_intrinsic(intrinsic::kSqrt)) return std::sqrt(a);
    if (c->is_intrinsic(intrinsic::kErf)) return std::erf(a);
    if (c->is_intrinsic(intrinsic::kTanh)) return std::tanh(a);
    throw std::runtime_error("TEInterpreter: unsupported call " + c->name);
  }

  double eval_load(const TensorLoad* l) {
    const HostBuffer& buf = buffers_.at(l->tensor.get());
    int64_t off = 0;
    for (size_t d = 0; d < l->indices.size(); d++) {
      auto i = static_cast<int64_t>(eval(l->indices[d]));
      if (i < 0 || i >= buf.shape()[d]) {
        ADD_FAILURE() << "out-of-bounds read of " << l->tensor.name() << ": index " << i
                      << " in dimension " << d << " of extent " << buf.shape()[d];
        return 0;
      }
      off = off * buf.shape()[d] + i;
    }
    return buf.get(off);
  }

  double eval_reduce(const Reduce* r) {
    double acc = eval(r->combiner->identity);
    fold(r, 0, acc);
    return acc;
  }

  // Folds the combiner over the reduce axes from axis `d` on.
  void fold(const Reduce* r, size_t d, double& acc) {
    if (d == r->axes.size()) {
      if (r->condition.defined() && eval(r->condition) == 0) return;
      const CommReducerNode* c = r->combiner.get();
      env_[c->lhs.get()] = acc;
      env_[c->rhs.get()] = eval(r->source);
      acc = eval(c->result);
      return;
    }
    const IterVar& iv = r->axes[d];
    auto lo = static_cast<int64_t>(eval(iv.dom().min));
    auto n = static_cast<int64_t>(eval(iv.dom().extent));
    for (int64_t i = lo; i < lo + n; i++) {
      env_[iv.var().get()] = double(i);
      fold(r, d + 1, acc);
    }
  }

  std::map<const TensorNode*, HostBuffer> buffers_;
  std::map<const Variable*, double> env_;
};

}  // namespace anvil::ops::testing
