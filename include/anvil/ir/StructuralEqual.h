// Structural comparison and hashing of IR: two trees are equal when they have
// the same shape, types and constants, and their variables correspond one to
// one (a variable bound in one tree by For/Let/LetStmt/Allocate maps to the one
// bound at the same place in the other; free variables map consistently by
// first occurrence). Replay tests and the parser round trip rely on it.
#pragma once

#include <cstddef>

#include "anvil/ir/IR.h"
#include "anvil/ir/LoweredFunc.h"

namespace anvil {

// Alpha-equivalence: variable names never matter, only which occurrences refer
// to the same variable. Also compared: every type, constant (floats bit for bit,
// so NaN equals the same NaN), string, call name and kind, for kind, thread tag,
// pragma, allocate scope and extents. Tensors (tensor-level nodes) correspond
// one to one like free variables and must agree in dtype and rank.
bool structural_equal(const Expr& a, const Expr& b);
bool structural_equal(const Stmt& a, const Stmt& b);
// Also compares the function names and, per argument, dtype and shape; the
// argument buffers are bound in order.
bool structural_equal(const LoweredFunc& a, const LoweredFunc& b);

// Equal trees hash equally; variable names and pointer values do not enter the
// hash, so it is stable from run to run.
size_t structural_hash(const Expr& e);
size_t structural_hash(const Stmt& s);
size_t structural_hash(const LoweredFunc& f);

}  // namespace anvil
