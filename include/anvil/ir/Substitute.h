// Replaces variables (by identity) with expressions.
#pragma once

#include <unordered_map>

#include "anvil/ir/IR.h"

namespace anvil {

using VarMap = std::unordered_map<const Variable*, Expr>;

Expr substitute(const Expr& e, const VarMap& map);
Stmt substitute(const Stmt& s, const VarMap& map);
Expr substitute(const Expr& e, const Var& var, const Expr& value);
Stmt substitute(const Stmt& s, const Var& var, const Expr& value);

// Whether e (or s) refers to `var`.
bool uses_var(const Expr& e, const Var& var);
bool uses_var(const Stmt& s, const Var& var);

}  // namespace anvil
