// Small builders for hand-written loop IR in the C backend tests.
#pragma once

#include <random>
#include <vector>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/LoweredFunc.h"
#include "anvil/targets/Module.h"

namespace anvil::test {

inline Var buffer(const std::string& name) { return Var(name, DataType::Handle()); }
inline BufferArg arg(const Var& data, DataType t, int64_t n) { return {data, t, {n}}; }
inline Expr ld(DataType t, const Var& buf, Expr index, Expr pred = Expr()) {
  return Load::make(t, buf, std::move(index), std::move(pred));
}
inline Stmt st(const Var& buf, Expr value, Expr index, Expr pred = Expr()) {
  return Store::make(buf, std::move(value), std::move(index), std::move(pred));
}
inline Stmt loop(const Var& v, Expr min, Expr extent, Stmt body, ForKind k = ForKind::Serial) {
  return For::make(v, std::move(min), std::move(extent), k, std::move(body));
}
inline Expr ramp(Expr base, int lanes, int stride = 1) {
  return Ramp::make(base, make_const(base.type(), int64_t{stride}), lanes);
}

// A one-argument math intrinsic. (IROperator.cpp's float_call and abs read the
// argument's type after moving it, in unspecified order; this avoids them.)
inline Expr math1(const char* name, const Expr& x) { return Call::make(x.type(), name, {x}); }

template <typename T>
std::vector<T> random_vector(size_t n, double lo, double hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

}  // namespace anvil::test
