// The LLVM code generator's class: lowered loop IR to an llvm::Module through
// IRBuilder. Statements and functions live in CodeGenLLVM.cpp, expressions in
// CodeGenLLVMExpr.cpp. Private to src/targets/llvm.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "LLVMBackend.h"
#include "anvil/ir/LoweredFunc.h"

namespace anvil::llvm_backend {

class CodeGenLLVM {
 public:
  CodeGenLLVM(llvm::Module& module, const Spec& spec, int vector_bits);
  // Emits `int32_t NAME(void* const* args, int32_t num_args)`.
  void add_function(const LoweredFunc& func);
  // Emits `anvil_module_last_error` and the `anvil_manifest` the runtime
  // reads (anvil/runtime.h), listing every added function.
  void finish();

 private:
  // ---- types (CodeGenLLVMExpr.cpp)
  llvm::Type* type_of(DataType t);  // register type (bool: i1)
  llvm::Type* mem_type(DataType elem, const std::string& what);  // memory element (bool: i8)

  // ---- expressions (CodeGenLLVMExpr.cpp)
  llvm::Value* expr(const Expr& e);
  llvm::Value* literal(const Expr& e);
  llvm::Value* arith(IRNodeKind kind, const Expr& a, const Expr& b, DataType t);
  llvm::Value* div_mod(IRNodeKind kind, const Expr& a, const Expr& b, DataType t);
  llvm::Value* compare(IRNodeKind kind, const Expr& a, const Expr& b);
  llvm::Value* cast(DataType to, const Expr& value);
  llvm::Value* convert(llvm::Value* v, DataType from, DataType to);
  llvm::Value* load(const struct Load* op);
  llvm::Value* call(const struct Call* op);
  llvm::Value* intrinsic_call(const struct Call* op);
  llvm::Value* named_llvm_call(const struct Call* op);
  llvm::Value* extern_call(const struct Call* op);
  // Applies a scalar libm function (tanhf, erf, ...) lane by lane.
  llvm::Value* libm_call(const std::string& base, DataType t, const std::vector<llvm::Value*>& args);
  llvm::Value* splat(llvm::Value* scalar, int lanes);
  llvm::Value* int_const(DataType t, int64_t v);
  // A lazily evaluated two-way choice: only the taken branch runs.
  llvm::Value* lazy_select(llvm::Value* cond, const std::function<llvm::Value*()>& then_value,
                           const std::function<llvm::Value*()>& else_value, llvm::Type* type);
  llvm::Value* buffer_ptr(const Var& buffer, const char* what);

  // ---- statements (CodeGenLLVM.cpp)
  void stmt(const Stmt& s);
  void emit_for(const struct For* op);
  void emit_parallel_for(const struct For* op);
  void emit_allocate(const struct Allocate* op);
  void emit_store(const struct Store* op);
  // Frees the live heap buffers of this function, records `message`, returns -1.
  void emit_fail(llvm::Value* message);
  void set_error(llvm::Value* message);
  llvm::Value* string_ptr(const std::string& s);
  llvm::AllocaInst* entry_alloca(llvm::Type* type, llvm::Value* count, const std::string& name);
  llvm::FunctionCallee runtime_function(const std::string& name);
  void add_loop_metadata(llvm::BranchInst* latch, const std::vector<llvm::Metadata*>& props);
  void set_function_attributes(llvm::Function* f);

  // ---- names (CodeGenLLVM.cpp)
  void bind(const Var& v, llvm::Value* value);
  void unbind(const Var& v);
  llvm::Value* value_of(const Variable* v);

  llvm::Module& module_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  Spec spec_;
  int vector_bits_;
  llvm::GlobalVariable* error_global_ = nullptr;
  struct Exported {
    std::string name;
    std::vector<BufferArg> args;
    llvm::Function* kernel;
  };
  std::vector<Exported> exported_;  // for the manifest, in the order added
  void emit_manifest(llvm::Function* last_error);

  // Per function.
  std::string func_name_;
  llvm::Function* func_ = nullptr;
  std::unordered_map<const Variable*, std::vector<llvm::Value*>> values_;
  std::unordered_map<const Variable*, DataType> buffer_types_;
  std::vector<llvm::Value*> heap_live_;  // heap buffers of the current LLVM function
  bool in_parallel_ = false;
  int outlined_count_ = 0;
};

}  // namespace anvil::llvm_backend
