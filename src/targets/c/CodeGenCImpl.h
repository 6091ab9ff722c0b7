// The C code generator's class, shared by CodeGenC.cpp (module, statements,
// names) and CodeGenCExpr.cpp (expressions, vector types and helpers). Private
// to src/targets/c.
#pragma once

#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "anvil/ir/LoweredFunc.h"
#include "anvil/targets/Target.h"

namespace anvil::codegen_c_detail {

class CodeGenC {
 public:
  explicit CodeGenC(const Target& target) : target_(target) {}
  void add_function(const LoweredFunc& func);
  // The whole translation unit: prelude, typedefs, helpers, externs, functions,
  // and the manifest the runtime reads (anvil/runtime.h).
  std::string finish() const;

 private:
  // ---- types (CodeGenCExpr.cpp)
  // The C type of a value of type t; registers vector typedefs.
  std::string type_name(DataType t);
  // The C type of one element of a buffer of `elem` in memory (bool is uint8_t).
  std::string mem_type_name(DataType elem, const char* what);
  // "i32", "f32x16", "b": the part of a helper name that names a type.
  static std::string token(DataType t);
  std::string int_vec_type(DataType t);   // signed ints of t's element width
  std::string uint_vec_type(DataType t);  // unsigned ints of t's element width
  void add_helper(const std::string& name, const std::string& definition);

  // ---- expressions (CodeGenCExpr.cpp)
  std::string expr(const Expr& e);
  std::string literal(const Expr& e);
  std::string arith(const char* op, const Expr& a, const Expr& b, DataType t);
  std::string div_mod(IRNodeKind kind, const Expr& a, const Expr& b, DataType t);
  std::string min_max(bool is_min, const Expr& a, const Expr& b, DataType t);
  std::string compare(const char* op, const Expr& a, const Expr& b);
  std::string bitwise(const char* op, const Expr& a, const Expr& b, DataType t);
  std::string shift(bool left, const Expr& a, const Expr& b, DataType t);
  std::string select(const std::string& c, DataType cond_type, const std::string& a,
                     const std::string& b, DataType t);
  std::string cast(DataType to, const Expr& value);
  std::string reinterpret(DataType to, const Expr& value);
  std::string broadcast(const std::string& scalar, DataType t);
  std::string ramp(const std::string& base, const std::string& stride, DataType t);
  std::string load(const struct Load* op);
  std::string call(const struct Call* op);
  std::string intrinsic_call(const struct Call* op);
  // C expression applying a scalar operation to scalar operand strings.
  using ScalarFormula = std::function<std::string(const std::vector<std::string>&)>;
  // A helper applying `formula` lane by lane; returns the call of it on `args`.
  std::string lane_call(const std::string& op, DataType result,
                        const std::vector<DataType>& arg_types,
                        const std::vector<std::string>& args, const ScalarFormula& formula);
  // Scalar formulas of the integer and float operations that are not plain C.
  std::string scalar_div_mod(IRNodeKind kind, DataType t, const std::string& a,
                             const std::string& b);
  std::string scalar_intrinsic(const std::string& name, DataType t,
                               const std::vector<std::string>& args);
  // Pointer expression for accessing `buffer` as elements of `elem`.
  std::string buffer_ptr(const Var& buffer, DataType elem, const char* what);

  // ---- statements (CodeGenC.cpp)
  void stmt(const Stmt& s);
  void emit_for(const struct For* op);
  void emit_allocate(const struct Allocate* op);
  void emit_store(const struct Store* op);
  // Emits the failure path: frees what is live, records `message`, leaves.
  void emit_fail(const std::string& message_literal);
  std::ostream& line();

  // ---- names (CodeGenC.cpp)
  std::string bind(const Var& v);  // a fresh C name for a new binding of v
  void unbind(const Var& v);
  std::string fresh_name(const std::string& base);  // unique in the function
  const std::string& name_of(const Variable* v);

  // The `anvil_manifest` definition listing every added function (CodeGenC.cpp).
  std::string manifest() const;

  const Target& target_;
  std::vector<LoweredFunc> manifest_funcs_;  // in the order added, for manifest()
  std::ostringstream typedefs_, helpers_, externs_, funcs_;
  std::set<std::string> typedef_done_, helper_done_;
  std::unordered_map<std::string, std::string> extern_decls_;

  // Per function.
  std::string func_name_;
  std::ostringstream body_;
  int indent_ = 0;
  std::unordered_map<const Variable*, std::vector<std::string>> names_;
  std::unordered_map<const Variable*, DataType> buffer_types_;
  std::set<std::string> used_names_;
  std::vector<std::string> heap_live_;  // heap buffers live at this point, outermost first
  bool in_parallel_ = false;
  size_t parallel_heap_base_ = 0;  // heap_live_ entries owned by the parallel body
  std::string parallel_end_label_;
  int label_counter_ = 0;
};

// C string literal of s, escaped.
std::string c_string_literal(const std::string& s);

}  // namespace anvil::codegen_c_detail
