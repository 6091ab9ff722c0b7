// The canonical linear form of integer sums (c0 + sum of coefficient * atom),
// which the simplifier uses to collect like terms, and the symbolic bounds of
// linear index expressions.
#include <algorithm>

#include "SimplifyInternal.h"
#include "anvil/ir/IROperator.h"

namespace anvil::arith {

namespace {

Expr int_const(DataType t, int64_t v) { return IntImm::make(t, v); }

void collect(const Expr& e, int64_t scale, LinearSum& out) {
  if (const IntImm* i = e.as<IntImm>()) {
    out.add_const(wmul(i->value, scale));
  } else if (const Add* op = e.as<Add>()) {
    collect(op->a, scale, out);
    collect(op->b, scale, out);
  } else if (const Sub* op = e.as<Sub>()) {
    collect(op->a, scale, out);
    collect(op->b, wmul(scale, -1), out);
  } else if (const Mul* op = e.as<Mul>(); op && op->b.as<IntImm>()) {
    collect(op->a, wmul(scale, op->b.as<IntImm>()->value), out);
  } else if (const Mul* op = e.as<Mul>(); op && op->a.as<IntImm>()) {
    collect(op->b, wmul(scale, op->a.as<IntImm>()->value), out);
  } else {
    out.add_term(e, scale);
  }
}

}  // namespace

LinearSum to_linear(const Expr& e) {
  LinearSum s(e.type());
  collect(e, 1, s);
  return s;
}

namespace {

// c*div(x, c) + mod(x, c) == x for both floor and truncating division, so
// the pair of terms that splitting a loop produces folds back into x.
void merge_div_mod(LinearSum& s) {
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < s.terms.size() && !changed; i++) {
      const Expr& m = s.terms[i].first;
      int64_t k = s.terms[i].second;
      Expr x, c;
      bool floor = false;
      if (const FloorMod* fm = m.as<FloorMod>()) x = fm->a, c = fm->b, floor = true;
      else if (const Mod* tm = m.as<Mod>()) x = tm->a, c = tm->b;
      else continue;
      auto cv = as_const_int(c);
      if (!cv || *cv == 0 || k == 0) continue;
      for (size_t j = 0; j < s.terms.size(); j++) {
        const Expr& d = s.terms[j].first;
        Expr dx, dc;
        if (const FloorDiv* fd = d.as<FloorDiv>(); fd && floor) dx = fd->a, dc = fd->b;
        else if (const Div* td = d.as<Div>(); td && !floor) dx = td->a, dc = td->b;
        else continue;
        if (!expr_equal(dc, c) || !expr_equal(dx, x) ||
            s.terms[j].second != wrap_signed(s.type, wmul(k, *cv)))
          continue;
        s.terms.erase(s.terms.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
        s.terms.erase(s.terms.begin() + static_cast<std::ptrdiff_t>(std::min(i, j)));
        LinearSum xs = to_linear(x);
        s.add(xs, k);
        changed = true;
        break;
      }
    }
  }
}

Expr scaled(const Expr& atom, int64_t c) {
  return c == 1 ? atom : Mul::make(atom, int_const(atom.type(), c));
}

}  // namespace

// "y - x + 3" rather than "x*-1 + y + 3".
Expr from_linear(LinearSum s) {
  merge_div_mod(s);
  DataType t = s.type;
  Expr result;
  for (const auto& [atom, c] : s.terms) {
    if (c <= 0) continue;
    Expr term = scaled(atom, c);
    result = result.defined() ? Add::make(result, term) : term;
  }
  int64_t constant = s.constant;
  for (const auto& [atom, c] : s.terms) {
    if (c >= 0) continue;
    int64_t neg = wrap_signed(t, wmul(c, -1));
    if (!result.defined()) {
      if (constant > 0) {
        result = int_const(t, constant);
        constant = 0;
      } else {
        result = int_const(t, 0);
      }
    }
    // The most negative coefficient has no positive counterpart.
    result = neg > 0 ? Sub::make(result, scaled(atom, neg)) : Add::make(result, scaled(atom, c));
  }
  if (!result.defined()) return int_const(t, constant);
  int64_t neg_const = wrap_signed(t, wmul(constant, -1));
  if (constant > 0 || (constant < 0 && neg_const <= 0)) {
    result = Add::make(result, int_const(t, constant));
  } else if (constant < 0) {
    result = Sub::make(result, int_const(t, neg_const));
  }
  return result;
}

ConstBound Simplifier::linear_bound(const Expr& e) {
  ConstBound r = bound(e);
  if (!is_linear_type(e.type()) || !is_index_type(e.type()) || scope_.empty()) return r;
  for (bool upper : {false, true}) {
    Expr cur = e;
    // Ends may refer to other scoped variables; a few rounds resolve chains.
    for (int round = 0; round < 3; round++) {
      LinearSum s = to_linear(cur);
      LinearSum out(s.type);
      out.add_const(s.constant);
      bool replaced = false;
      for (const auto& [atom, c] : s.terms) {
        const Variable* v = atom.as<Variable>();
        auto it = v ? scope_.find(v) : scope_.end();
        if (it != scope_.end()) {
          const Expr& end = (c > 0) == upper ? it->second.max : it->second.min;
          if (end.defined() && end.type() == atom.type() && !is_const(end)) {
            out.add(to_linear(end), c);
            replaced = true;
            continue;
          }
        }
        out.add_term(atom, c);
      }
      if (!replaced) break;
      cur = from_linear(std::move(out));
    }
    ConstBound b = bound(cur);
    if (upper) {
      r.max = std::min(r.max, b.max);
    } else {
      r.min = std::max(r.min, b.min);
    }
  }
  return r;
}

}  // namespace anvil::arith
