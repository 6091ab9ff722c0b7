// The LLVM backend: function ABI, names, statements and parallel loops. The
// expression half lives in CodeGenLLVMExpr.cpp.
//
// Each kernel is a thin exported wrapper `i32 NAME(ptr args, i32 num_args)`
// that unpacks the buffers and calls an internal `NAME.impl` whose buffer
// parameters are noalias (inlining turns that into alias scopes). A parallel
// loop is outlined into `i32 body(i64 task, i64 num_tasks, ptr closure)` run by
// anvil_parallel_for; the closure is a struct of the values the body uses.
//
// Errors: the message of a failed AssertStmt (or allocation) goes into one
// module-level pointer that anvil_module_last_error() returns. Messages are
// constant strings, so an atomic pointer store is enough (no TLS, which ORC's
// JIT would need a platform runtime for); with concurrent failures the message
// may be another thread's.
#include "CodeGenLLVM.h"

#include <llvm/IR/MDBuilder.h>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/runtime.h"
#include "anvil/support/Error.h"

namespace anvil::llvm_backend {

namespace {

bool valid_symbol_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return name.rfind("anvil_", 0) != 0 && name.rfind("__", 0) != 0 && name.rfind("llvm", 0) != 0;
}

}  // namespace

CodeGenLLVM::CodeGenLLVM(llvm::Module& module, const Spec& spec, int vector_bits)
    : module_(module), ctx_(module.getContext()), b_(module.getContext()), spec_(spec),
      vector_bits_(vector_bits) {
  llvm::FastMathFlags fmf;
  if (spec.fast_math) fmf.setFast();
  else fmf.setAllowContract(true);  // like the C backend's -ffp-contract=fast
  b_.setFastMathFlags(fmf);
  error_global_ = new llvm::GlobalVariable(module_, b_.getPtrTy(), false,
                                           llvm::GlobalValue::InternalLinkage,
                                           llvm::ConstantPointerNull::get(b_.getPtrTy()),
                                           "anvil_error_message");
}

void CodeGenLLVM::set_function_attributes(llvm::Function* f) {
  f->addFnAttr("target-cpu", spec_.cpu);
  std::string features;
  for (const std::string& a : spec_.attrs) features += (features.empty() ? "" : ",") + a;
  if (!features.empty()) f->addFnAttr("target-features", features);
  // Without this, X86 splits 512-bit vectors on CPUs tuned for 256-bit ones.
  f->addFnAttr("min-legal-vector-width", std::to_string(vector_bits_));
  f->addFnAttr("prefer-vector-width", std::to_string(vector_bits_));
  f->addFnAttr(llvm::Attribute::NoUnwind);
  if (spec_.fast_math) {
    for (const char* a : {"unsafe-fp-math", "no-nans-fp-math", "no-infs-fp-math",
                          "no-signed-zeros-fp-math", "approx-func-fp-math"})
      f->addFnAttr(a, "true");
  }
}

// ------------------------------------------------------------------ names

void CodeGenLLVM::bind(const Var& v, llvm::Value* value) { values_[v.get()].push_back(value); }

void CodeGenLLVM::unbind(const Var& v) {
  auto it = values_.find(v.get());
  ANVIL_ASSERT(it != values_.end() && !it->second.empty(), "unbind of unbound " << v.name());
  it->second.pop_back();
}

llvm::Value* CodeGenLLVM::value_of(const Variable* v) {
  auto it = values_.find(v);
  ANVIL_USER_CHECK(it != values_.end() && !it->second.empty(),
                   "variable '" << v->name << "' is used but not defined in function '"
                                << func_name_ << "'");
  return it->second.back();
}

// --------------------------------------------------------------- helpers

llvm::Value* CodeGenLLVM::string_ptr(const std::string& s) {
  return b_.CreateGlobalStringPtr(s, "anvil_str", 0, &module_);
}

void CodeGenLLVM::set_error(llvm::Value* message) {
  llvm::StoreInst* st = b_.CreateAlignedStore(message, error_global_, llvm::Align(8));
  st->setAtomic(llvm::AtomicOrdering::Monotonic);
}

void CodeGenLLVM::emit_fail(llvm::Value* message) {
  for (size_t i = heap_live_.size(); i-- > 0;) b_.CreateCall(runtime_function("free"), {heap_live_[i]});
  if (message) set_error(message);
  b_.CreateRet(b_.getInt32(-1));
  // Code after a failure point continues in a fresh (unreachable) block.
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "after_fail", func_));
}

llvm::FunctionCallee CodeGenLLVM::runtime_function(const std::string& name) {
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::FunctionType* ft = nullptr;
  if (name == "aligned_alloc") ft = llvm::FunctionType::get(ptr, {i64, i64}, false);
  else if (name == "free") ft = llvm::FunctionType::get(b_.getVoidTy(), {ptr}, false);
  else if (name == "anvil_parallel_for")
    ft = llvm::FunctionType::get(b_.getInt32Ty(), {i64, ptr, ptr}, false);
  ANVIL_ASSERT(ft, "unknown runtime function " << name);
  return module_.getOrInsertFunction(name, ft);
}

llvm::AllocaInst* CodeGenLLVM::entry_alloca(llvm::Type* type, llvm::Value* count,
                                            const std::string& name) {
  // Allocas in the entry block are static: one stack slot, not one per iteration.
  llvm::BasicBlock& entry = func_->getEntryBlock();
  llvm::IRBuilder<> eb(&entry, entry.begin());
  return eb.CreateAlloca(type, count, name);
}

void CodeGenLLVM::add_loop_metadata(llvm::BranchInst* latch,
                                    const std::vector<llvm::Metadata*>& props) {
  llvm::SmallVector<llvm::Metadata*, 4> ops;
  ops.push_back(nullptr);  // self reference
  for (llvm::Metadata* p : props) ops.push_back(p);
  llvm::MDNode* loop_id = llvm::MDNode::getDistinct(ctx_, ops);
  loop_id->replaceOperandWith(0, loop_id);
  latch->setMetadata(llvm::LLVMContext::MD_loop, loop_id);
}

// --------------------------------------------------------------- functions

void CodeGenLLVM::add_function(const LoweredFunc& func) {
  func_name_ = func.name;
  ANVIL_USER_CHECK(valid_symbol_name(func.name),
                   "function name '" << func.name
                                     << "' is not a valid symbol name (letters, digits and _, "
                                        "not starting with a digit, anvil_, __ or llvm)");
  ANVIL_USER_CHECK(!module_.getFunction(func.name),
                   "two functions named '" << func.name
                                           << "' in one module (or a name the module uses)");
  ANVIL_USER_CHECK(func.body.defined(), "function '" << func.name << "' has no body");
  values_.clear();
  buffer_types_.clear();
  heap_live_.clear();
  in_parallel_ = false;

  const int n = static_cast<int>(func.args.size());
  std::vector<llvm::Type*> impl_params;
  for (int i = 0; i < n; ++i) {
    const BufferArg& arg = func.args[i];
    ANVIL_USER_CHECK(arg.data.defined() && arg.data.type().is_handle(),
                     "argument " << i << " of function '" << func.name
                                 << "' is not a handle variable");
    ANVIL_USER_CHECK(!buffer_types_.count(arg.data.get()),
                     "buffer '" << arg.data.name() << "' appears twice in the arguments of '"
                                << func.name << "'");
    mem_type(arg.dtype, "argument " + arg.data.name());
    buffer_types_[arg.data.get()] = arg.dtype;
    impl_params.push_back(b_.getPtrTy());
  }

  // The internal body with noalias buffer parameters.
  auto* impl_type = llvm::FunctionType::get(b_.getInt32Ty(), impl_params, false);
  func_ = llvm::Function::Create(impl_type, llvm::GlobalValue::InternalLinkage,
                                 func.name + ".impl", module_);
  set_function_attributes(func_);
  for (int i = 0; i < n; ++i) {
    llvm::Argument* a = func_->getArg(i);
    a->setName(func.args[i].data.name());
    a->addAttr(llvm::Attribute::NoAlias);
    bind(func.args[i].data, a);
  }
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", func_));
  stmt(func.body);
  b_.CreateRet(b_.getInt32(0));
  llvm::Function* impl = func_;

  // The exported wrapper.
  auto* wrapper_type =
      llvm::FunctionType::get(b_.getInt32Ty(), {b_.getPtrTy(), b_.getInt32Ty()}, false);
  func_ = llvm::Function::Create(wrapper_type, llvm::GlobalValue::ExternalLinkage, func.name,
                                 module_);
  set_function_attributes(func_);
  llvm::BasicBlock* entry = llvm::BasicBlock::Create(ctx_, "entry", func_);
  llvm::BasicBlock* bad = llvm::BasicBlock::Create(ctx_, "bad_num_args", func_);
  llvm::BasicBlock* good = llvm::BasicBlock::Create(ctx_, "unpack", func_);
  b_.SetInsertPoint(entry);
  b_.CreateCondBr(b_.CreateICmpEQ(func_->getArg(1), b_.getInt32(n)), good, bad);
  b_.SetInsertPoint(bad);
  set_error(string_ptr(func.name + " expects " + std::to_string(n) +
                       " buffers, got a different number"));
  b_.CreateRet(b_.getInt32(-1));
  b_.SetInsertPoint(good);
  std::vector<llvm::Value*> ptrs;
  for (int i = 0; i < n; ++i) {
    llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), func_->getArg(0), i);
    ptrs.push_back(b_.CreateAlignedLoad(b_.getPtrTy(), slot, llvm::Align(8),
                                        func.args[i].data.name()));
  }
  b_.CreateRet(b_.CreateCall(impl, ptrs));
  exported_.push_back({func.name, func.args, func_});
  func_ = nullptr;
}

void CodeGenLLVM::finish() {
  auto* ft = llvm::FunctionType::get(b_.getPtrTy(), {}, false);
  llvm::Function* f = llvm::Function::Create(ft, llvm::GlobalValue::ExternalLinkage,
                                             "anvil_module_last_error", module_);
  func_ = f;
  set_function_attributes(f);
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", f));
  llvm::LoadInst* msg = b_.CreateAlignedLoad(b_.getPtrTy(), error_global_, llvm::Align(8));
  msg->setAtomic(llvm::AtomicOrdering::Monotonic);
  llvm::Value* is_null = b_.CreateICmpEQ(msg, llvm::ConstantPointerNull::get(b_.getPtrTy()));
  b_.CreateRet(b_.CreateSelect(is_null, string_ptr(""), msg));
  func_ = nullptr;
  emit_manifest(f);
}

void CodeGenLLVM::emit_manifest(llvm::Function* last_error) {
  // The layouts of AnvilArgInfo, AnvilFunctionInfo and AnvilManifest.
  llvm::Type* ptr = b_.getPtrTy();
  auto* arg_info = llvm::StructType::get(ctx_, {b_.getInt8Ty(), b_.getInt8Ty(), b_.getInt16Ty(),
                                                b_.getInt32Ty(), ptr});
  auto* func_info = llvm::StructType::get(ctx_, {ptr, ptr, b_.getInt32Ty(), ptr});
  auto* manifest = llvm::StructType::get(ctx_, {b_.getInt32Ty(), b_.getInt32Ty(),
                                                b_.getInt32Ty(), ptr, ptr});
  auto private_global = [&](llvm::Constant* init, const std::string& name) {
    return new llvm::GlobalVariable(module_, init->getType(), true,
                                    llvm::GlobalValue::PrivateLinkage, init, name);
  };
  auto null = llvm::ConstantPointerNull::get(b_.getPtrTy());
  std::vector<llvm::Constant*> funcs;
  for (const Exported& e : exported_) {
    std::vector<llvm::Constant*> args;
    for (const BufferArg& a : e.args) {
      llvm::Constant* shape = null;
      if (!a.shape.empty()) {
        std::vector<uint64_t> dims(a.shape.begin(), a.shape.end());
        shape = private_global(llvm::ConstantDataArray::get(ctx_, dims), "anvil_shape");
      }
      // DLDataTypeCode; bool is stored one byte per element, as uint8.
      int code = a.dtype.is_int() ? 0 : a.dtype.is_uint() ? 1 : a.dtype.is_float() ? 2 : 4;
      int bits = a.dtype.is_bool() ? 8 : a.dtype.bits();
      args.push_back(llvm::ConstantStruct::get(
          arg_info, {b_.getInt8(code), b_.getInt8(bits), b_.getInt16(a.dtype.lanes()),
                     b_.getInt32(static_cast<int32_t>(a.shape.size())), shape}));
    }
    llvm::Constant* arg_array =
        args.empty() ? static_cast<llvm::Constant*>(null)
                     : private_global(llvm::ConstantArray::get(llvm::ArrayType::get(arg_info, args.size()), args),
                                      "anvil_args");
    llvm::Constant* name = private_global(llvm::ConstantDataArray::getString(ctx_, e.name), "anvil_name");
    funcs.push_back(llvm::ConstantStruct::get(
        func_info, {name, e.kernel, b_.getInt32(static_cast<int32_t>(e.args.size())), arg_array}));
  }
  llvm::Constant* func_array =
      funcs.empty() ? static_cast<llvm::Constant*>(null)
                    : private_global(llvm::ConstantArray::get(llvm::ArrayType::get(func_info, funcs.size()), funcs),
                                     "anvil_functions");
  llvm::Constant* init = llvm::ConstantStruct::get(
      manifest, {b_.getInt32(ANVIL_MANIFEST_MAGIC), b_.getInt32(ANVIL_ABI_VERSION),
                 b_.getInt32(static_cast<int32_t>(funcs.size())), func_array, last_error});
  new llvm::GlobalVariable(module_, manifest, true, llvm::GlobalValue::ExternalLinkage, init,
                           "anvil_manifest");
}

// -------------------------------------------------------------- statements

void CodeGenLLVM::stmt(const Stmt& s) {
  ANVIL_ASSERT(s.defined(), "undefined statement in function " << func_name_);
  switch (s->kind) {
    case IRNodeKind::LetStmt: {
      const auto* op = s.as<LetStmt>();
      llvm::Value* v = expr(op->value);
      v->setName(op->var.name());
      bind(op->var, v);
      stmt(op->body);
      unbind(op->var);
      return;
    }
    case IRNodeKind::AssertStmt: {
      const auto* op = s.as<AssertStmt>();
      llvm::Value* c = expr(op->condition);
      ANVIL_USER_CHECK(op->condition.type().is_bool() && op->condition.type().is_scalar(),
                       "assert condition in function '" << func_name_ << "' is a "
                                                        << op->condition.type().to_string());
      llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "assert_fail", func_);
      llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "assert_ok", func_);
      b_.CreateCondBr(c, ok, fail, llvm::MDBuilder(ctx_).createBranchWeights(1 << 20, 1));
      b_.SetInsertPoint(fail);
      emit_fail(string_ptr(op->message));
      b_.CreateBr(ok);  // the unreachable block emit_fail left open
      b_.SetInsertPoint(ok);
      return;
    }
    case IRNodeKind::For: emit_for(s.as<For>()); return;
    case IRNodeKind::Store: emit_store(s.as<Store>()); return;
    case IRNodeKind::Allocate: emit_allocate(s.as<Allocate>()); return;
    case IRNodeKind::Seq:
      for (const Stmt& child : s.as<Seq>()->stmts) stmt(child);
      return;
    case IRNodeKind::IfThenElse: {
      const auto* op = s.as<IfThenElse>();
      llvm::Value* c = expr(op->condition);
      ANVIL_USER_CHECK(op->condition.type().is_scalar(),
                       "if condition in function '" << func_name_ << "' is a vector");
      if (!c->getType()->isIntegerTy(1)) c = b_.CreateICmpNE(c, llvm::Constant::getNullValue(c->getType()));
      llvm::BasicBlock* then_bb = llvm::BasicBlock::Create(ctx_, "then", func_);
      llvm::BasicBlock* else_bb =
          op->else_case.defined() ? llvm::BasicBlock::Create(ctx_, "else", func_) : nullptr;
      llvm::BasicBlock* merge = llvm::BasicBlock::Create(ctx_, "endif", func_);
      b_.CreateCondBr(c, then_bb, else_bb ? else_bb : merge);
      b_.SetInsertPoint(then_bb);
      stmt(op->then_case);
      b_.CreateBr(merge);
      if (else_bb) {
        b_.SetInsertPoint(else_bb);
        stmt(op->else_case);
        b_.CreateBr(merge);
      }
      b_.SetInsertPoint(merge);
      return;
    }
    case IRNodeKind::Evaluate: expr(s.as<Evaluate>()->value); return;
    case IRNodeKind::TensorStore:
    case IRNodeKind::Realize:
      ANVIL_ASSERT(false, node_kind_name(s->kind)
                              << " reached the LLVM backend in function " << func_name_
                              << ": tensor-level IR was not lowered");
      return;
    default:
      ANVIL_ASSERT(false, "expression kind " << node_kind_name(s->kind) << " as a statement");
      return;
  }
}

void CodeGenLLVM::emit_for(const For* op) {
  ANVIL_USER_CHECK(op->for_kind != ForKind::GPUBlock && op->for_kind != ForKind::GPUThread,
                   "loop '" << op->var.name() << "' in function '" << func_name_
                            << "' is bound to " << op->thread_tag << " ("
                            << for_kind_name(op->for_kind)
                            << "), which the LLVM CPU target cannot run; use a GPU target");
  ANVIL_USER_CHECK(op->var.type().is_int_or_uint() && op->var.type().is_scalar(),
                   "loop variable '" << op->var.name() << "' in function '" << func_name_
                                     << "' has type " << op->var.type().to_string());
  if (op->for_kind == ForKind::Parallel && !in_parallel_) {
    emit_parallel_for(op);
    return;
  }
  DataType vt = op->var.type();
  llvm::Value* lo = convert(expr(op->min), op->min.type(), vt);
  llvm::Value* ext = convert(expr(op->extent), op->extent.type(), vt);
  llvm::Value* hi = b_.CreateAdd(lo, ext, op->var.name() + ".hi");
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  llvm::BasicBlock* header = llvm::BasicBlock::Create(ctx_, op->var.name() + ".header", func_);
  llvm::BasicBlock* body = llvm::BasicBlock::Create(ctx_, op->var.name() + ".body", func_);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx_, op->var.name() + ".exit", func_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* iv = b_.CreatePHI(lo->getType(), 2, op->var.name());
  iv->addIncoming(lo, pre);
  llvm::Value* more = vt.is_uint() ? b_.CreateICmpULT(iv, hi) : b_.CreateICmpSLT(iv, hi);
  b_.CreateCondBr(more, body, exit);
  b_.SetInsertPoint(body);
  bind(op->var, iv);
  stmt(op->body);
  unbind(op->var);
  llvm::Value* next = b_.CreateAdd(iv, llvm::ConstantInt::get(iv->getType(), 1), "", false,
                                   vt.is_int());
  iv->addIncoming(next, b_.GetInsertBlock());
  llvm::BranchInst* latch = b_.CreateBr(header);
  std::vector<llvm::Metadata*> props;
  auto flag = [&](const char* name) {
    return llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, name)});
  };
  auto with_int = [&](const char* name, int64_t v, bool bool_type) {
    llvm::Type* t = bool_type ? b_.getInt1Ty() : b_.getInt32Ty();
    return llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, name),
                                    llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(t, v))});
  };
  if (op->for_kind == ForKind::Unrolled) {
    auto n = as_const_int(op->extent);
    if (n && *n <= 1024) props.push_back(flag("llvm.loop.unroll.full"));
    else props.push_back(with_int("llvm.loop.unroll.count", 8, false));
  } else if (op->for_kind == ForKind::Vectorized) {
    props.push_back(with_int("llvm.loop.vectorize.enable", 1, true));
  }
  if (!props.empty()) add_loop_metadata(latch, props);
  b_.SetInsertPoint(exit);
}

void CodeGenLLVM::emit_parallel_for(const For* op) {
  // The values the body uses from outside, in a deterministic order.
  std::vector<const Variable*> captured;
  std::unordered_map<const Variable*, bool> seen;
  post_order_visit(op->body, [&](const IRNode* n) {
    if (n->kind != IRNodeKind::Variable) return;
    const auto* v = static_cast<const Variable*>(n);
    auto it = values_.find(v);
    if (it == values_.end() || it->second.empty() || seen[v]) return;
    seen[v] = true;
    captured.push_back(v);
  });
  llvm::Value* lo = convert(expr(op->min), op->min.type(), DataType::Int(64));
  llvm::Value* ext = convert(expr(op->extent), op->extent.type(), DataType::Int(64));

  std::vector<llvm::Type*> fields = {b_.getInt64Ty()};
  for (const Variable* v : captured) fields.push_back(value_of(v)->getType());
  llvm::StructType* closure_type = llvm::StructType::get(ctx_, fields);
  llvm::AllocaInst* closure = entry_alloca(closure_type, nullptr, "closure");
  b_.CreateStore(lo, b_.CreateStructGEP(closure_type, closure, 0));
  for (size_t i = 0; i < captured.size(); ++i)
    b_.CreateStore(value_of(captured[i]), b_.CreateStructGEP(closure_type, closure, i + 1));

  // Save the enclosing function's state.
  llvm::Function* outer = func_;
  llvm::IRBuilderBase::InsertPoint saved_ip = b_.saveIP();
  std::vector<llvm::Value*> saved_heap = std::move(heap_live_);
  heap_live_.clear();
  std::string base = func_name_ + ".par" + std::to_string(outlined_count_++);

  // impl(i64 task, i64 lo, captured...) with noalias pointers.
  std::vector<llvm::Type*> impl_params = {b_.getInt64Ty(), b_.getInt64Ty()};
  for (const Variable* v : captured) impl_params.push_back(value_of(v)->getType());
  func_ = llvm::Function::Create(llvm::FunctionType::get(b_.getInt32Ty(), impl_params, false),
                                 llvm::GlobalValue::InternalLinkage, base + ".impl", module_);
  set_function_attributes(func_);
  llvm::Function* impl = func_;
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", func_));
  for (size_t i = 0; i < captured.size(); ++i) {
    llvm::Argument* a = func_->getArg(i + 2);
    a->setName(captured[i]->name);
    if (a->getType()->isPointerTy() && buffer_types_.count(captured[i]))
      a->addAttr(llvm::Attribute::NoAlias);
    values_[captured[i]].push_back(a);
  }
  llvm::Value* i64_index = b_.CreateAdd(func_->getArg(1), func_->getArg(0));
  bind(op->var, convert(i64_index, DataType::Int(64), op->var.type()));
  in_parallel_ = true;
  stmt(op->body);
  in_parallel_ = false;
  b_.CreateRet(b_.getInt32(0));
  unbind(op->var);
  for (const Variable* v : captured) values_[v].pop_back();

  // body(i64 task, i64 num_tasks, ptr closure): unpacks and calls impl.
  auto* body_type = llvm::FunctionType::get(
      b_.getInt32Ty(), {b_.getInt64Ty(), b_.getInt64Ty(), b_.getPtrTy()}, false);
  func_ = llvm::Function::Create(body_type, llvm::GlobalValue::InternalLinkage, base, module_);
  set_function_attributes(func_);
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", func_));
  std::vector<llvm::Value*> impl_args = {func_->getArg(0)};
  for (size_t i = 0; i < fields.size(); ++i)
    impl_args.push_back(
        b_.CreateLoad(fields[i], b_.CreateStructGEP(closure_type, func_->getArg(2), i)));
  b_.CreateRet(b_.CreateCall(impl, impl_args));
  llvm::Function* body = func_;

  // Back in the enclosing function: run it, and turn a failure into ours.
  func_ = outer;
  b_.restoreIP(saved_ip);
  heap_live_ = std::move(saved_heap);
  llvm::Value* rc = b_.CreateCall(runtime_function("anvil_parallel_for"), {ext, body, closure});
  llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "parallel_fail", func_);
  llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "parallel_ok", func_);
  b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(0)), ok, fail);
  b_.SetInsertPoint(fail);
  emit_fail(nullptr);  // the body recorded the message
  b_.CreateBr(ok);
  b_.SetInsertPoint(ok);
}

void CodeGenLLVM::emit_allocate(const Allocate* op) {
  std::string what = "allocation " + op->buffer.name();
  llvm::Type* elem = mem_type(op->dtype, what);
  int64_t count = 1;
  bool constant = true;
  llvm::Value* count_value = b_.getInt64(1);
  for (const Expr& e : op->extents) {
    ANVIL_USER_CHECK(e.type().is_int_or_uint() && e.type().is_scalar(),
                     "extent of " << what << " in function '" << func_name_ << "' is a "
                                  << e.type().to_string());
    if (auto c = as_const_int(e)) count *= *c;
    else constant = false;
    count_value = b_.CreateMul(count_value, convert(expr(e), e.type(), DataType::Int(64)));
  }
  ANVIL_USER_CHECK(!constant || count >= 0,
                   what << " in function '" << func_name_ << "' has a negative size " << count);
  int64_t elem_bytes = op->dtype.is_bool() ? 1 : op->dtype.bytes();
  buffer_types_[op->buffer.get()] = op->dtype;
  // Small constant-size buffers live on the stack (as in the C backend).
  if (constant && count * elem_bytes <= 64 * 1024) {
    llvm::AllocaInst* a = entry_alloca(llvm::ArrayType::get(elem, std::max<int64_t>(count, 1)),
                                       nullptr, op->buffer.name());
    a->setAlignment(llvm::Align(64));
    bind(op->buffer, a);
    stmt(op->body);
    unbind(op->buffer);
    return;
  }
  llvm::Value* bytes = b_.CreateMul(count_value, b_.getInt64(elem_bytes));
  // Rounded up to a multiple of the alignment, and never 0.
  llvm::Value* size = b_.CreateAnd(b_.CreateAdd(bytes, b_.getInt64(64)), b_.getInt64(~int64_t{63}));
  llvm::Value* p = b_.CreateCall(runtime_function("aligned_alloc"), {b_.getInt64(64), size},
                                 op->buffer.name());
  llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "alloc_fail", func_);
  llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "alloc_ok", func_);
  b_.CreateCondBr(b_.CreateIsNull(p), fail, ok);
  b_.SetInsertPoint(fail);
  emit_fail(string_ptr("out of memory for " + what + " in function " + func_name_));
  b_.CreateBr(ok);
  b_.SetInsertPoint(ok);
  heap_live_.push_back(p);
  bind(op->buffer, p);
  stmt(op->body);
  unbind(op->buffer);
  heap_live_.pop_back();
  b_.CreateCall(runtime_function("free"), {p});
}

}  // namespace anvil::llvm_backend
