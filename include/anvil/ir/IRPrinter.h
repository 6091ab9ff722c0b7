// A readable text form of the IR, and the parser that reads it back (so pass
// tests can be small text files; see tests/passes/ and tools/anvil-opt).
//
// Expressions print fully parenthesised, with types shown only where the text
// does not imply them:
//   (x + 1), 3i64, 7u4, 1.5f, float32(i), reinterpret<uint32>(f),
//   ramp((i * 8), 1, 8), broadcast(0f, 8), select(c, a, b), floordiv(a, b),
//   A[i] (element type from the buffer's declaration) or float32x8 A[ramp(...)],
//   A[ramp(i, 1, 8) if mask], float32 exp(x), extern int32 foo(x), (let t = v in e)
// Statements print one per line with two-space indentation:
//   for (i, 0, 16) parallel { ... }, A[i] = v, allocate B float32[16] "local" { ... },
//   let x = v, if (c) { } else { }, assert(c, "msg"), evaluate(e)
// The exact grammar is documented at the top of src/ir/IRPrinter.cpp.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "anvil/ir/IR.h"
#include "anvil/ir/LoweredFunc.h"

namespace anvil {

// Distinct variables always print under distinct names (two variables named i
// print as i and i_1), so the printed text means the same tree.
std::ostream& operator<<(std::ostream& os, const Expr& e);
std::ostream& operator<<(std::ostream& os, const Stmt& s);
std::ostream& operator<<(std::ostream& os, const LoweredFunc& f);
std::string to_string(const Expr& e);
std::string to_string(const Stmt& s);
std::string to_string(const LoweredFunc& f);

// Parse the printed form back: structural_equal(parse_stmt(to_string(s)), s).
// Free variables are created on first use (type int32 unless the text gives
// one, as in (x: float32)); a name used as a buffer is a handle variable. A
// parse error, or a construct whose types do not fit, throws UserError with
// "line:column:" and what was expected. Tensor-level nodes (TensorLoad, Reduce,
// TensorStore, Realize) print but do not parse: text tests work on loop-level IR.
Expr parse_expr(const std::string& text);
Stmt parse_stmt(const std::string& text);
LoweredFunc parse_func(const std::string& text);

// Whether `text` (after comments and whitespace) starts with `func`, i.e. holds
// a LoweredFunc rather than a bare statement.
bool text_is_func(const std::string& text);

}  // namespace anvil
