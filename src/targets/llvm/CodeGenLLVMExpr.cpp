// The LLVM backend's expressions: types, literals, arithmetic with the IR's
// semantics (those of the C backend), memory accesses and intrinsics.
//
// Bools are i1 in registers (vectors of i1 as masks) and bytes in memory.
// Contiguous vector accesses are plain vector loads/stores aligned to the
// element size; other vector accesses are llvm.masked.gather/scatter, and
// predicated ones llvm.masked.load/store.
#include <llvm/IR/Intrinsics.h>

#include <map>
#include <llvm/IR/MDBuilder.h>

#include "CodeGenLLVM.h"
#include "anvil/ir/IROperator.h"
#include "anvil/support/Error.h"

namespace anvil::llvm_backend {

namespace {

std::optional<int> log2_of_positive_power_of_two(const Expr& e) {
  auto c = as_const_int(e);
  if (!c || *c <= 0 || (*c & (*c - 1)) != 0) return std::nullopt;
  return __builtin_ctzll(static_cast<unsigned long long>(*c));
}

// The constant a (possibly broadcast) expression holds, if any.
std::optional<int64_t> const_value(const Expr& e) {
  if (const Broadcast* b = e.as<Broadcast>()) return as_const_int(b->value);
  return as_const_int(e);
}

}  // namespace

// ------------------------------------------------------------------- types

llvm::Type* CodeGenLLVM::type_of(DataType t) {
  llvm::Type* elem = nullptr;
  if (t.is_handle()) return b_.getPtrTy();
  if (t.is_void()) return b_.getVoidTy();
  if (t.is_bool()) elem = b_.getInt1Ty();
  else if (t.is_int_or_uint() && (t.bits() == 8 || t.bits() == 16 || t.bits() == 32 || t.bits() == 64))
    elem = b_.getIntNTy(t.bits());
  else if (t.is_float() && t.bits() == 16) elem = b_.getHalfTy();
  else if (t.is_float() && t.bits() == 32) elem = b_.getFloatTy();
  else if (t.is_float() && t.bits() == 64) elem = b_.getDoubleTy();
  else if (t.is_int_or_uint() && t.bits() < 8)
    throw UserError("the LLVM backend has no " + t.to_string() +
                    " values in function '" + func_name_ +
                    "': packed sub-byte types need the packing pass");
  else
    throw UserError("the LLVM backend does not support the type " + t.to_string() +
                    " (in function '" + func_name_ + "')");
  return t.is_scalar() ? elem : llvm::FixedVectorType::get(elem, t.lanes());
}

llvm::Type* CodeGenLLVM::mem_type(DataType elem, const std::string& what) {
  ANVIL_USER_CHECK(elem.is_scalar(), what << " in function '" << func_name_
                                          << "' has the vector element type "
                                          << elem.to_string());
  ANVIL_USER_CHECK(!elem.is_handle() && !elem.is_void(),
                   what << " in function '" << func_name_ << "' has element type "
                        << elem.to_string());
  ANVIL_USER_CHECK(!(elem.is_int_or_uint() && elem.bits() < 8 && !elem.is_bool()),
                   what << " in function '" << func_name_ << "' has element type "
                        << elem.to_string()
                        << ": packed sub-byte buffers need the packing pass");
  if (elem.is_bool()) return b_.getInt8Ty();
  return type_of(elem);
}

// ---------------------------------------------------------------- literals

llvm::Value* CodeGenLLVM::int_const(DataType t, int64_t v) {
  llvm::Type* et = type_of(t.element_of());
  llvm::Constant* c = llvm::ConstantInt::get(et, static_cast<uint64_t>(v), t.is_int());
  return t.is_scalar() ? c : llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(t.lanes()), c);
}

llvm::Value* CodeGenLLVM::splat(llvm::Value* scalar, int lanes) {
  return lanes == 1 ? scalar : b_.CreateVectorSplat(lanes, scalar);
}

llvm::Value* CodeGenLLVM::literal(const Expr& e) {
  DataType t = e.type();
  if (const IntImm* imm = e.as<IntImm>()) {
    if (t.is_bool()) return b_.getInt1(imm->value != 0);
    return int_const(t, imm->value);
  }
  if (const FloatImm* imm = e.as<FloatImm>()) return llvm::ConstantFP::get(type_of(t), imm->value);
  if (const StringImm* imm = e.as<StringImm>()) return string_ptr(imm->value);
  ANVIL_ASSERT(false, "literal() of a " << node_kind_name(e->kind));
  return nullptr;
}

// -------------------------------------------------------------- arithmetic

llvm::Value* CodeGenLLVM::arith(IRNodeKind kind, const Expr& a, const Expr& b, DataType t) {
  llvm::Value* x = expr(a);
  llvm::Value* y = expr(b);
  bool f = t.is_floating();
  switch (kind) {
    case IRNodeKind::Add: return f ? b_.CreateFAdd(x, y) : b_.CreateAdd(x, y);
    case IRNodeKind::Sub: return f ? b_.CreateFSub(x, y) : b_.CreateSub(x, y);
    case IRNodeKind::Mul: return f ? b_.CreateFMul(x, y) : b_.CreateMul(x, y);
    case IRNodeKind::Min:
    case IRNodeKind::Max: {
      bool is_min = kind == IRNodeKind::Min;
      // a < b ? a : b, as the C backend (and its NaN behaviour).
      llvm::Value* c = f ? (is_min ? b_.CreateFCmpOLT(x, y) : b_.CreateFCmpOGT(x, y))
                     : t.is_uint() ? (is_min ? b_.CreateICmpULT(x, y) : b_.CreateICmpUGT(x, y))
                                   : (is_min ? b_.CreateICmpSLT(x, y) : b_.CreateICmpSGT(x, y));
      return b_.CreateSelect(c, x, y);
    }
    case IRNodeKind::BitAnd:
    case IRNodeKind::And: return b_.CreateAnd(x, y);
    case IRNodeKind::BitOr:
    case IRNodeKind::Or: return b_.CreateOr(x, y);
    case IRNodeKind::BitXor: return b_.CreateXor(x, y);
    case IRNodeKind::Shl: return b_.CreateShl(x, y);
    case IRNodeKind::Shr: return t.is_uint() ? b_.CreateLShr(x, y) : b_.CreateAShr(x, y);
    default: ANVIL_ASSERT(false, "arith of " << node_kind_name(kind)); return nullptr;
  }
}

llvm::Value* CodeGenLLVM::div_mod(IRNodeKind kind, const Expr& a, const Expr& b, DataType t) {
  bool floor = kind == IRNodeKind::FloorDiv || kind == IRNodeKind::FloorMod;
  bool is_div = kind == IRNodeKind::Div || kind == IRNodeKind::FloorDiv;
  llvm::Value* x = expr(a);
  if (t.is_floating()) {
    llvm::Value* y = expr(b);
    if (kind == IRNodeKind::Div) return b_.CreateFDiv(x, y);
    if (kind == IRNodeKind::Mod) return b_.CreateFRem(x, y);
    llvm::Value* q = b_.CreateUnaryIntrinsic(llvm::Intrinsic::floor, b_.CreateFDiv(x, y));
    return is_div ? q : b_.CreateFSub(x, b_.CreateFMul(y, q));
  }
  ANVIL_USER_CHECK(!t.is_bool(), node_kind_name(kind) << " of bools in function '" << func_name_ << "'");
  if (floor || t.is_uint()) {
    // Exact for signed floor semantics: >> rounds toward -inf, & keeps the
    // non-negative remainder of a positive power of two.
    std::optional<int> k;
    if (auto c = const_value(b)) k = log2_of_positive_power_of_two(make_const(DataType::Int(64), *c));
    if (k) {
      if (is_div) return t.is_uint() ? b_.CreateLShr(x, int_const(t, *k)) : b_.CreateAShr(x, int_const(t, *k));
      return b_.CreateAnd(x, int_const(t, (int64_t{1} << *k) - 1));
    }
  }
  llvm::Value* y = expr(b);
  if (t.is_uint()) return is_div ? b_.CreateUDiv(x, y) : b_.CreateURem(x, y);
  llvm::Value* q = b_.CreateSDiv(x, y);
  llvm::Value* r = b_.CreateSRem(x, y);
  if (!floor) return is_div ? q : r;
  // The remainder is nonzero and its sign differs from the divisor's.
  llvm::Value* zero = int_const(t, 0);
  llvm::Value* adjust = b_.CreateAnd(b_.CreateICmpNE(r, zero),
                                     b_.CreateXor(b_.CreateICmpSLT(r, zero), b_.CreateICmpSLT(y, zero)));
  if (is_div) return b_.CreateSub(q, b_.CreateZExt(adjust, q->getType()));
  return b_.CreateSelect(adjust, b_.CreateAdd(r, y), r);
}

llvm::Value* CodeGenLLVM::compare(IRNodeKind kind, const Expr& a, const Expr& b) {
  llvm::Value* x = expr(a);
  llvm::Value* y = expr(b);
  DataType t = a.type();
  if (t.is_floating()) {
    switch (kind) {
      case IRNodeKind::EQ: return b_.CreateFCmpOEQ(x, y);
      case IRNodeKind::NE: return b_.CreateFCmpUNE(x, y);
      case IRNodeKind::LT: return b_.CreateFCmpOLT(x, y);
      case IRNodeKind::LE: return b_.CreateFCmpOLE(x, y);
      case IRNodeKind::GT: return b_.CreateFCmpOGT(x, y);
      default: return b_.CreateFCmpOGE(x, y);
    }
  }
  bool u = t.is_uint() || t.is_handle();
  switch (kind) {
    case IRNodeKind::EQ: return b_.CreateICmpEQ(x, y);
    case IRNodeKind::NE: return b_.CreateICmpNE(x, y);
    case IRNodeKind::LT: return u ? b_.CreateICmpULT(x, y) : b_.CreateICmpSLT(x, y);
    case IRNodeKind::LE: return u ? b_.CreateICmpULE(x, y) : b_.CreateICmpSLE(x, y);
    case IRNodeKind::GT: return u ? b_.CreateICmpUGT(x, y) : b_.CreateICmpSGT(x, y);
    default: return u ? b_.CreateICmpUGE(x, y) : b_.CreateICmpSGE(x, y);
  }
}

llvm::Value* CodeGenLLVM::convert(llvm::Value* v, DataType from, DataType to) {
  llvm::Type* tt = type_of(to);
  if (from == to) return v;
  if (to.is_bool()) {
    if (from.is_floating()) return b_.CreateFCmpUNE(v, llvm::Constant::getNullValue(v->getType()));
    return b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
  }
  if (from.is_bool() || from.is_uint()) {
    if (to.is_floating()) return b_.CreateUIToFP(v, tt);
    return b_.CreateZExtOrTrunc(v, tt);
  }
  if (from.is_int()) {
    if (to.is_floating()) return b_.CreateSIToFP(v, tt);
    return b_.CreateSExtOrTrunc(v, tt);
  }
  ANVIL_USER_CHECK(from.is_floating(), "cast from " << from.to_string() << " to "
                                                    << to.to_string() << " in function '"
                                                    << func_name_ << "'");
  if (to.is_floating()) return b_.CreateFPCast(v, tt);
  return to.is_uint() ? b_.CreateFPToUI(v, tt) : b_.CreateFPToSI(v, tt);
}

llvm::Value* CodeGenLLVM::cast(DataType to, const Expr& value) {
  return convert(expr(value), value.type(), to);
}

// ------------------------------------------------------------------ memory

llvm::Value* CodeGenLLVM::buffer_ptr(const Var& buffer, const char* what) {
  ANVIL_USER_CHECK(buffer_types_.count(buffer.get()),
                   what << " of buffer '" << buffer.name()
                        << "', which is neither an argument nor an allocation of function '"
                        << func_name_ << "'");
  return value_of(buffer.get());
}

llvm::Value* CodeGenLLVM::lazy_select(llvm::Value* cond,
                                      const std::function<llvm::Value*()>& then_value,
                                      const std::function<llvm::Value*()>& else_value,
                                      llvm::Type* type) {
  llvm::BasicBlock* then_bb = llvm::BasicBlock::Create(ctx_, "lazy_then", func_);
  llvm::BasicBlock* else_bb = llvm::BasicBlock::Create(ctx_, "lazy_else", func_);
  llvm::BasicBlock* merge = llvm::BasicBlock::Create(ctx_, "lazy_end", func_);
  b_.CreateCondBr(cond, then_bb, else_bb);
  b_.SetInsertPoint(then_bb);
  llvm::Value* tv = then_value();
  llvm::BasicBlock* then_end = b_.GetInsertBlock();
  b_.CreateBr(merge);
  b_.SetInsertPoint(else_bb);
  llvm::Value* ev = else_value();
  llvm::BasicBlock* else_end = b_.GetInsertBlock();
  b_.CreateBr(merge);
  b_.SetInsertPoint(merge);
  llvm::PHINode* phi = b_.CreatePHI(type, 2);
  phi->addIncoming(tv, then_end);
  phi->addIncoming(ev, else_end);
  return phi;
}

llvm::Value* CodeGenLLVM::load(const Load* op) {
  DataType t = op->type;
  DataType elem = t.element_of();
  llvm::Type* mt = mem_type(elem, "load");
  llvm::Value* base = buffer_ptr(op->buffer, "load");
  llvm::Align align(elem.is_bool() ? 1 : elem.bytes());
  const int lanes = t.lanes();
  llvm::Type* mem_vec = lanes == 1 ? mt : llvm::FixedVectorType::get(mt, lanes);
  auto to_value = [&](llvm::Value* raw) -> llvm::Value* {
    return elem.is_bool() ? b_.CreateICmpNE(raw, llvm::Constant::getNullValue(raw->getType())) : raw;
  };
  llvm::Value* mask = op->predicate.defined() ? expr(op->predicate) : nullptr;
  if (lanes == 1) {
    auto do_load = [&]() -> llvm::Value* {
      return b_.CreateAlignedLoad(mt, b_.CreateGEP(mt, base, expr(op->index)), align);
    };
    if (!mask) return to_value(do_load());
    return to_value(lazy_select(mask, do_load, [&] { return llvm::Constant::getNullValue(mt); }, mt));
  }
  const Ramp* ramp = op->index.as<Ramp>();
  if (ramp && is_one(ramp->stride)) {
    llvm::Value* p = b_.CreateGEP(mt, base, expr(ramp->base));
    if (!mask) return to_value(b_.CreateAlignedLoad(mem_vec, p, align));
    return to_value(b_.CreateMaskedLoad(mem_vec, p, align, mask,
                                        llvm::Constant::getNullValue(mem_vec)));
  }
  if (const Broadcast* bc = op->index.as<Broadcast>(); bc && !mask) {
    llvm::Value* v = b_.CreateAlignedLoad(mt, b_.CreateGEP(mt, base, expr(bc->value)), align);
    return to_value(splat(v, lanes));
  }
  llvm::Value* ptrs = b_.CreateGEP(mt, base, expr(op->index));
  return to_value(b_.CreateMaskedGather(mem_vec, ptrs, align, mask,
                                        llvm::Constant::getNullValue(mem_vec)));
}

void CodeGenLLVM::emit_store(const Store* op) {
  DataType t = op->value.type();
  DataType elem = t.element_of();
  llvm::Type* mt = mem_type(elem, "store");
  llvm::Value* base = buffer_ptr(op->buffer, "store");
  llvm::Value* v = expr(op->value);
  if (elem.is_bool()) v = b_.CreateZExt(v, t.is_scalar() ? mt : llvm::FixedVectorType::get(mt, t.lanes()));
  llvm::Align align(elem.is_bool() ? 1 : elem.bytes());
  llvm::Value* mask = op->predicate.defined() ? expr(op->predicate) : nullptr;
  if (t.is_scalar()) {
    llvm::Value* idx = expr(op->index);
    if (!mask) {
      b_.CreateAlignedStore(v, b_.CreateGEP(mt, base, idx), align);
      return;
    }
    llvm::BasicBlock* then_bb = llvm::BasicBlock::Create(ctx_, "pstore", func_);
    llvm::BasicBlock* merge = llvm::BasicBlock::Create(ctx_, "pstore_end", func_);
    b_.CreateCondBr(mask, then_bb, merge);
    b_.SetInsertPoint(then_bb);
    b_.CreateAlignedStore(v, b_.CreateGEP(mt, base, idx), align);
    b_.CreateBr(merge);
    b_.SetInsertPoint(merge);
    return;
  }
  const Ramp* ramp = op->index.as<Ramp>();
  if (ramp && is_one(ramp->stride)) {
    llvm::Value* p = b_.CreateGEP(mt, base, expr(ramp->base));
    if (!mask) b_.CreateAlignedStore(v, p, align);
    else b_.CreateMaskedStore(v, p, align, mask);
    return;
  }
  llvm::Value* ptrs = b_.CreateGEP(mt, base, expr(op->index));
  b_.CreateMaskedScatter(v, ptrs, align, mask);
}

// -------------------------------------------------------------------- calls

llvm::Value* CodeGenLLVM::libm_call(const std::string& base, DataType t,
                                    const std::vector<llvm::Value*>& args) {
  ANVIL_USER_CHECK(t.is_float(), "intrinsic " << base << " needs a floating-point argument, got "
                                              << t.to_string() << " in function '" << func_name_
                                              << "'");
  // half computes in float, as in the C backend.
  DataType ct = t.bits() == 64 ? DataType::Float(64) : DataType::Float(32);
  llvm::Type* st = type_of(ct);
  std::string name = base + (ct.bits() == 64 ? "" : "f");
  std::vector<llvm::Type*> params(args.size(), st);
  llvm::FunctionCallee fn = module_.getOrInsertFunction(name, llvm::FunctionType::get(st, params, false));
  if (auto* f = llvm::dyn_cast<llvm::Function>(fn.getCallee())) {
    f->setDoesNotThrow();
    f->setOnlyAccessesInaccessibleMemory();  // errno only
  }
  auto scalar = [&](std::vector<llvm::Value*> lane_args) {
    for (llvm::Value*& a : lane_args) a = b_.CreateFPCast(a, st);
    return b_.CreateFPCast(b_.CreateCall(fn, lane_args), type_of(t.element_of()));
  };
  if (t.is_scalar()) return scalar(args);
  llvm::Value* out = llvm::PoisonValue::get(type_of(t));
  for (int k = 0; k < t.lanes(); ++k) {
    std::vector<llvm::Value*> lane_args;
    for (llvm::Value* a : args)
      lane_args.push_back(a->getType()->isVectorTy() ? b_.CreateExtractElement(a, k) : a);
    out = b_.CreateInsertElement(out, scalar(lane_args), k);
  }
  return out;
}

llvm::Value* CodeGenLLVM::intrinsic_call(const Call* op) {
  const std::string& name = op->name;
  DataType t = op->type;
  static const std::map<std::string, size_t> arity = {
      {intrinsic::kPopcount, 1}, {intrinsic::kFma, 3},  {intrinsic::kAbs, 1},
      {intrinsic::kSqrt, 1},     {intrinsic::kExp, 1},  {intrinsic::kLog, 1},
      {intrinsic::kTanh, 1},     {intrinsic::kErf, 1},  {intrinsic::kFloor, 1},
      {intrinsic::kCeil, 1},     {intrinsic::kPow, 2},  {intrinsic::kIfThenElse, 3},
      {intrinsic::kLikely, 1}};
  auto it = arity.find(name);
  if (it == arity.end()) {
    std::string known;
    for (const auto& [k, n] : arity) known += (known.empty() ? "" : ", ") + k;
    throw UserError("unknown intrinsic '" + name + "' in function '" + func_name_ +
                    "'; the LLVM backend knows: " + known +
                    ", and LLVM intrinsics by their full name (llvm.*)");
  }
  ANVIL_USER_CHECK(op->args.size() == it->second, "intrinsic " << name << " takes " << it->second
                                                               << " arguments, got "
                                                               << op->args.size());
  if (name == intrinsic::kIfThenElse) {
    llvm::Value* c = expr(op->args[0]);
    if (op->args[0].type().is_scalar())
      return lazy_select(c, [&] { return expr(op->args[1]); }, [&] { return expr(op->args[2]); },
                         type_of(t));
    return b_.CreateSelect(c, expr(op->args[1]), expr(op->args[2]));
  }
  if (name == intrinsic::kLikely) return expr(op->args[0]);
  std::vector<llvm::Value*> args;
  for (const Expr& a : op->args) args.push_back(expr(a));
  if (t.is_int_or_uint()) {
    ANVIL_USER_CHECK(!t.is_bool(), "intrinsic " << name << " of a bool in function '" << func_name_ << "'");
    if (name == intrinsic::kPopcount) return b_.CreateUnaryIntrinsic(llvm::Intrinsic::ctpop, args[0]);
    if (name == intrinsic::kAbs)
      return t.is_uint() ? args[0]
                         : b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, args[0], b_.getFalse());
    if (name == intrinsic::kFma) return b_.CreateAdd(b_.CreateMul(args[0], args[1]), args[2]);
    throw UserError("intrinsic " + name + " needs a floating-point argument, got " +
                    t.to_string() + " in function '" + func_name_ + "'");
  }
  ANVIL_USER_CHECK(t.is_float(), "intrinsic " << name << " of a " << t.to_string()
                                              << " in function '" << func_name_ << "'");
  ANVIL_USER_CHECK(name != intrinsic::kPopcount,
                   "popcount of a " << t.to_string() << " in function '" << func_name_ << "'");
  if (name == intrinsic::kFma) {
    // Exact fma for scalars (fmaf); vectors contract like the C backend.
    llvm::Intrinsic::ID id = t.is_scalar() ? llvm::Intrinsic::fma : llvm::Intrinsic::fmuladd;
    return b_.CreateIntrinsic(id, {type_of(t)}, args);
  }
  static const std::map<std::string, llvm::Intrinsic::ID> unary = {
      {intrinsic::kAbs, llvm::Intrinsic::fabs},   {intrinsic::kSqrt, llvm::Intrinsic::sqrt},
      {intrinsic::kFloor, llvm::Intrinsic::floor}, {intrinsic::kCeil, llvm::Intrinsic::ceil},
      {intrinsic::kExp, llvm::Intrinsic::exp},     {intrinsic::kLog, llvm::Intrinsic::log}};
  if (auto u = unary.find(name); u != unary.end() && (t.is_scalar() || (name != intrinsic::kExp && name != intrinsic::kLog)))
    return b_.CreateUnaryIntrinsic(u->second, args[0]);
  if (name == intrinsic::kPow && t.is_scalar())
    return b_.CreateBinaryIntrinsic(llvm::Intrinsic::pow, args[0], args[1]);
  // tanh and erf have no LLVM intrinsic; vector exp/log/pow go to libm lane
  // by lane too, so they never need a vector math library.
  return libm_call(name, t, args);
}

llvm::Value* CodeGenLLVM::named_llvm_call(const Call* op) {
  std::vector<llvm::Value*> args;
  std::vector<llvm::Type*> types;
  for (const Expr& a : op->args) {
    args.push_back(expr(a));
    types.push_back(args.back()->getType());
  }
  auto* ft = llvm::FunctionType::get(type_of(op->type), types, false);
  llvm::Function* f = module_.getFunction(op->name);
  if (!f) {
    f = llvm::Function::Create(ft, llvm::GlobalValue::ExternalLinkage, op->name, module_);
    ANVIL_USER_CHECK(f->getIntrinsicID() != llvm::Intrinsic::not_intrinsic,
                     "unknown LLVM intrinsic '"
                                           << op->name << "' called in function '" << func_name_
                                           << "' (LLVM 16 has no intrinsic of that name)");
  }
  ANVIL_USER_CHECK(f->getFunctionType() == ft,
                   "LLVM intrinsic '" << op->name << "' is called with two signatures in function '"
                                      << func_name_ << "'");
  return b_.CreateCall(f, args);
}

llvm::Value* CodeGenLLVM::extern_call(const Call* op) {
  bool ok = !op->name.empty() && !std::isdigit(static_cast<unsigned char>(op->name[0])) &&
            op->name.rfind("anvil_", 0) != 0;
  for (char c : op->name) ok &= std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  ANVIL_USER_CHECK(ok, "extern function name '" << op->name << "' in function '" << func_name_
                                                << "' is not a valid C identifier");
  std::vector<llvm::Value*> args;
  std::vector<llvm::Type*> types;
  for (const Expr& a : op->args) {
    args.push_back(expr(a));
    types.push_back(args.back()->getType());
  }
  auto* ft = llvm::FunctionType::get(type_of(op->type), types, false);
  llvm::Function* f = module_.getFunction(op->name);
  ANVIL_USER_CHECK(!f || (f->isDeclaration() && f->getFunctionType() == ft),
                   "extern function '" << op->name << "' in function '" << func_name_
                                       << "' is called with two signatures, or names a "
                                          "function of the module");
  if (!f) f = llvm::Function::Create(ft, llvm::GlobalValue::ExternalLinkage, op->name, module_);
  return b_.CreateCall(f, args);
}

llvm::Value* CodeGenLLVM::call(const Call* op) {
  if (op->name.rfind("llvm.", 0) == 0) return named_llvm_call(op);
  if (op->call_kind == CallKind::Extern) return extern_call(op);
  return intrinsic_call(op);
}

// -------------------------------------------------------------- dispatch

llvm::Value* CodeGenLLVM::expr(const Expr& e) {
  ANVIL_ASSERT(e.defined(), "undefined expression in function " << func_name_);
  DataType t = e.type();
  switch (e->kind) {
    case IRNodeKind::IntImm:
    case IRNodeKind::FloatImm:
    case IRNodeKind::StringImm: return literal(e);
    case IRNodeKind::Variable: return value_of(e.as<Variable>());
#define ANVIL_BIN(K) \
  case IRNodeKind::K: return arith(e->kind, e.as<K>()->a, e.as<K>()->b, t);
      ANVIL_BIN(Add) ANVIL_BIN(Sub) ANVIL_BIN(Mul) ANVIL_BIN(Min) ANVIL_BIN(Max)
      ANVIL_BIN(And) ANVIL_BIN(Or) ANVIL_BIN(BitAnd) ANVIL_BIN(BitOr) ANVIL_BIN(BitXor)
      ANVIL_BIN(Shl) ANVIL_BIN(Shr)
#undef ANVIL_BIN
#define ANVIL_DIV(K) \
  case IRNodeKind::K: return div_mod(e->kind, e.as<K>()->a, e.as<K>()->b, t);
      ANVIL_DIV(Div) ANVIL_DIV(Mod) ANVIL_DIV(FloorDiv) ANVIL_DIV(FloorMod)
#undef ANVIL_DIV
#define ANVIL_CMP(K) \
  case IRNodeKind::K: return compare(e->kind, e.as<K>()->a, e.as<K>()->b);
      ANVIL_CMP(EQ) ANVIL_CMP(NE) ANVIL_CMP(LT) ANVIL_CMP(LE) ANVIL_CMP(GT) ANVIL_CMP(GE)
#undef ANVIL_CMP
    case IRNodeKind::Not: return b_.CreateNot(expr(e.as<Not>()->a));
    case IRNodeKind::BitNot: return b_.CreateNot(expr(e.as<BitNot>()->a));
    case IRNodeKind::Select: {
      const auto* op = e.as<Select>();
      llvm::Value* c = expr(op->condition);
      llvm::Value* a = expr(op->true_value);
      llvm::Value* b = expr(op->false_value);
      return b_.CreateSelect(c, a, b);
    }
    case IRNodeKind::Cast: return cast(t, e.as<Cast>()->value);
    case IRNodeKind::Reinterpret: {
      const Expr& v = e.as<Reinterpret>()->value;
      ANVIL_USER_CHECK(v.type().bits() >= 8 && t.bits() >= 8,
                       "reinterpret from " << v.type().to_string() << " to " << t.to_string()
                                           << " in function '" << func_name_
                                           << "': packed sub-byte types need the packing pass");
      return b_.CreateBitCast(expr(v), type_of(t));
    }
    case IRNodeKind::Load: return load(e.as<Load>());
    case IRNodeKind::Ramp: {
      const auto* op = e.as<Ramp>();
      DataType et = t.element_of();
      std::vector<llvm::Constant*> iota;
      for (int i = 0; i < op->lanes; ++i)
        iota.push_back(llvm::ConstantInt::get(type_of(et), i, et.is_int()));
      llvm::Value* base = splat(expr(op->base), op->lanes);
      llvm::Value* steps = llvm::ConstantVector::get(iota);
      if (!is_one(op->stride)) steps = b_.CreateMul(steps, splat(expr(op->stride), op->lanes));
      return b_.CreateAdd(base, steps);
    }
    case IRNodeKind::Broadcast: {
      const auto* op = e.as<Broadcast>();
      return splat(expr(op->value), op->lanes);
    }
    case IRNodeKind::Call: return call(e.as<Call>());
    case IRNodeKind::Let: {
      const auto* op = e.as<Let>();
      llvm::Value* v = expr(op->value);
      bind(op->var, v);
      llvm::Value* r = expr(op->body);
      unbind(op->var);
      return r;
    }
    case IRNodeKind::TensorLoad:
    case IRNodeKind::Reduce:
      ANVIL_ASSERT(false, node_kind_name(e->kind)
                              << " reached the LLVM backend in function " << func_name_
                              << ": tensor-level IR was not lowered");
      return nullptr;
    default:
      ANVIL_ASSERT(false, "statement kind " << node_kind_name(e->kind) << " as an expression");
      return nullptr;
  }
}

}  // namespace anvil::llvm_backend
