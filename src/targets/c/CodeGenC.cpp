// The C backend: module layout, function ABI, names and statements. The
// expression half lives in CodeGenCExpr.cpp.
//
// Error handling in generated code: heap buffers are freed on every exit. The
// generator knows at each AssertStmt which heap buffers are live, so a failure
// outside parallel loops frees them and returns -1. Inside the outermost
// `omp parallel for` a failure cannot leave the region: it frees the buffers of
// the iteration, records the message in a region flag and jumps to the end of
// the iteration; after the region the flag turns into the error return.
#include "anvil/targets/c/CodeGenC.h"

#include <cctype>
#include <regex>

#include "CodeGenCImpl.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace codegen_c_detail {

namespace {

// Identifiers a generated name must not take: C keywords, the types, macros and
// library functions generated code uses, and the kernel ABI's parameters.
const std::set<std::string>& reserved_names() {
  static const std::set<std::string> names = {
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
      "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
      "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch",
      "typedef", "union", "unsigned", "void", "volatile", "while", "bool", "true", "false",
      "_Bool", "_Float16", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t",
      "uint32_t", "uint64_t", "size_t", "NULL", "INFINITY", "NAN", "HUGE_VAL", "INT64_C",
      "UINT64_C", "args", "num_args", "memcpy", "memset", "strlen", "free", "posix_memalign",
      "main", "sqrt", "sqrtf", "exp", "expf", "log", "logf", "tanh", "tanhf", "erf", "erff",
      "floor", "floorf", "ceil", "ceilf", "pow", "powf", "fma", "fmaf", "fabs", "fabsf",
      "fmod", "fmodf", "abs", "errno", "asm", "typeof"};
  return names;
}

std::string sanitize(const std::string& name) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (s.empty()) s = "v";
  if (std::isdigit(static_cast<unsigned char>(s[0]))) s = "v" + s;
  static const std::regex vector_typedef("v[biuf][0-9]*x[0-9]+");
  if (reserved_names().count(s) || s.rfind("anvil_", 0) == 0 || s.rfind("__", 0) == 0 ||
      std::regex_match(s, vector_typedef))
    s += "_";
  return s;
}

bool contains_failure_point(const Stmt& s) {
  bool found = false;
  post_order_visit(s, [&](const IRNode* n) {
    found |= n->kind == IRNodeKind::AssertStmt || n->kind == IRNodeKind::Allocate;
  });
  return found;
}

std::string pragma_value_text(const Expr& e) {
  std::string text;
  if (const IntImm* i = e.as<IntImm>()) text = std::to_string(i->value);
  else if (const FloatImm* f = e.as<FloatImm>()) text = std::to_string(f->value);
  else if (const StringImm* s = e.as<StringImm>()) text = s->value;
  else text = "<" + std::string(node_kind_name(e->kind)) + ">";
  // The value goes into a C comment.
  for (size_t p; (p = text.find("*/")) != std::string::npos;) text.replace(p, 2, "* /");
  return text;
}

}  // namespace

std::string c_string_literal(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 32 || c >= 127) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::ostream& CodeGenC::line() {
  body_ << std::string(2 * indent_, ' ');
  return body_;
}

std::string CodeGenC::fresh_name(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_names_.count(name); ++i) name = base + "_" + std::to_string(i);
  used_names_.insert(name);
  return name;
}

std::string CodeGenC::bind(const Var& v) {
  std::string name = fresh_name(sanitize(v.name()));
  names_[v.get()].push_back(name);
  return name;
}

void CodeGenC::unbind(const Var& v) {
  auto it = names_.find(v.get());
  ANVIL_ASSERT(it != names_.end() && !it->second.empty(), "unbind of unbound " << v.name());
  it->second.pop_back();
}

const std::string& CodeGenC::name_of(const Variable* v) {
  auto it = names_.find(v);
  ANVIL_USER_CHECK(it != names_.end() && !it->second.empty(),
                   "variable '" << v->name << "' is used but not defined in function '"
                                << func_name_ << "'");
  return it->second.back();
}

void CodeGenC::add_function(const LoweredFunc& func) {
  func_name_ = func.name;
  ANVIL_USER_CHECK(is_valid_c_function_name(func.name),
                   "function name '" << func.name
                                     << "' is not a valid C identifier (letters, digits and _, "
                                        "not starting with a digit, not a C keyword, not "
                                        "starting with anvil_)");
  ANVIL_USER_CHECK(func.body.defined(), "function '" << func.name << "' has no body");
  body_.str("");
  indent_ = 1;
  names_.clear();
  buffer_types_.clear();
  used_names_.clear();
  heap_live_.clear();
  in_parallel_ = false;

  int n = static_cast<int>(func.args.size());
  line() << "if (num_args != " << n << ") {\n";
  line() << "  anvil_set_error(" << c_string_literal(func.name + " expects " + std::to_string(n) + " buffers, got a different number") << ");\n";
  line() << "  return -1;\n";
  line() << "}\n";
  for (int i = 0; i < n; ++i) {
    const BufferArg& arg = func.args[i];
    ANVIL_USER_CHECK(arg.data.defined() && arg.data.type().is_handle(),
                     "argument " << i << " of function '" << func.name
                                 << "' is not a handle variable");
    ANVIL_USER_CHECK(!buffer_types_.count(arg.data.get()),
                     "buffer '" << arg.data.name() << "' appears twice in the arguments of '"
                                << func.name << "'");
    std::string mem = mem_type_name(arg.dtype, ("argument " + arg.data.name()).c_str());
    std::string name = bind(arg.data);
    buffer_types_[arg.data.get()] = arg.dtype;
    line() << mem << "* restrict " << name << " = (" << mem << "*)args[" << i << "];\n";
  }
  stmt(func.body);
  line() << "return 0;\n";

  funcs_ << "int32_t " << func.name << "(void* const* args, int32_t num_args) {\n"
         << body_.str() << "}\n\n";
  manifest_funcs_.push_back({func.name, func.args, Stmt()});
}

// The module's manifest for the embedded runtime (include/anvil/runtime.h).
// The structs repeat the header's layout under private names instead of
// including it: a module then compiles with nothing but the C compiler (no
// include path to Anvil's or DLPack's headers, which a cross or installed
// toolchain may lack), and the magic + ABI version guard against drift, as do
// the runtime tests that load generated modules through the header's structs.
std::string CodeGenC::manifest() const {
  std::ostringstream out;
  out << "// The manifest of this module for the Anvil runtime (anvil/runtime.h, ABI 1).\n"
      << "typedef struct { uint8_t code; uint8_t bits; uint16_t lanes; int32_t ndim; "
         "const int64_t* shape; } anvil_arg_info_t;\n"
      << "typedef struct { const char* name; int32_t (*kernel)(void* const*, int32_t); "
         "int32_t num_args; const anvil_arg_info_t* args; } anvil_function_info_t;\n"
      << "typedef struct { uint32_t magic; uint32_t abi_version; int32_t num_functions; "
         "const anvil_function_info_t* functions; const char* (*module_last_error)(void); } "
         "anvil_manifest_t;\n";
  for (size_t f = 0; f < manifest_funcs_.size(); ++f) {
    const LoweredFunc& func = manifest_funcs_[f];
    if (func.args.empty()) continue;
    for (size_t a = 0; a < func.args.size(); ++a) {
      const std::vector<int64_t>& shape = func.args[a].shape;
      if (shape.empty()) continue;
      out << "static const int64_t anvil_shape_" << f << "_" << a << "[] = {";
      for (size_t d = 0; d < shape.size(); ++d) out << (d ? ", " : "") << shape[d];
      out << "};\n";
    }
    out << "static const anvil_arg_info_t anvil_args_" << f << "[] = {\n";
    for (size_t a = 0; a < func.args.size(); ++a) {
      const BufferArg& arg = func.args[a];
      // DLDataTypeCode; bool is stored one byte per element, as uint8.
      int code = arg.dtype.is_int() ? 0 : arg.dtype.is_uint() ? 1 : arg.dtype.is_float() ? 2 : 4;
      int bits = arg.dtype.is_bool() ? 8 : arg.dtype.bits();
      out << "  {" << code << ", " << bits << ", " << arg.dtype.lanes() << ", " << arg.shape.size()
          << ", " << (arg.shape.empty() ? "NULL" : "anvil_shape_" + std::to_string(f) + "_" +
                                                       std::to_string(a))
          << "},\n";
    }
    out << "};\n";
  }
  if (!manifest_funcs_.empty()) {
    out << "static const anvil_function_info_t anvil_functions[] = {\n";
    for (size_t f = 0; f < manifest_funcs_.size(); ++f) {
      const LoweredFunc& func = manifest_funcs_[f];
      out << "  {" << c_string_literal(func.name) << ", " << func.name << ", " << func.args.size()
          << ", " << (func.args.empty() ? "NULL" : "anvil_args_" + std::to_string(f)) << "},\n";
    }
    out << "};\n";
  }
  out << "__attribute__((visibility(\"default\"))) const anvil_manifest_t anvil_manifest = {\n"
      << "  0x4c564e41u, 1, " << manifest_funcs_.size() << ", "
      << (manifest_funcs_.empty() ? "NULL" : "anvil_functions") << ", anvil_module_last_error};\n";
  return out.str();
}

std::string CodeGenC::finish() const {
  std::ostringstream out;
  out << "// Generated by Anvil's C backend for target '" << target_.to_string() << "'.\n"
      << "#include <math.h>\n#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n"
      << "#include <stdlib.h>\n#include <string.h>\n\n";
  out << typedefs_.str() << (typedefs_.str().empty() ? "" : "\n");
  out << "static __thread char anvil_error_buf[1024];\n"
      << "__attribute__((visibility(\"default\"))) const char* anvil_module_last_error(void) {\n"
      << "  return anvil_error_buf;\n}\n"
      << "static void anvil_set_error(const char* message) {\n"
      << "  size_t n = strlen(message);\n"
      << "  if (n >= sizeof(anvil_error_buf)) n = sizeof(anvil_error_buf) - 1;\n"
      << "  memcpy(anvil_error_buf, message, n);\n"
      << "  anvil_error_buf[n] = 0;\n}\n\n";
  out << helpers_.str() << externs_.str() << (externs_.str().empty() ? "" : "\n");
  out << funcs_.str();
  out << manifest();
  return out.str();
}

void CodeGenC::emit_fail(const std::string& message_literal) {
  if (in_parallel_) {
    for (size_t i = heap_live_.size(); i-- > parallel_heap_base_;)
      line() << "free(" << heap_live_[i] << ");\n";
    line() << "__atomic_store_n(&anvil_par_msg, " << message_literal << ", __ATOMIC_SEQ_CST);\n";
    line() << "__atomic_store_n(&anvil_par_failed, 1, __ATOMIC_SEQ_CST);\n";
    line() << "goto " << parallel_end_label_ << ";\n";
    return;
  }
  for (size_t i = heap_live_.size(); i-- > 0;) line() << "free(" << heap_live_[i] << ");\n";
  line() << "anvil_set_error(" << message_literal << ");\n";
  line() << "return -1;\n";
}

void CodeGenC::stmt(const Stmt& s) {
  ANVIL_ASSERT(s.defined(), "undefined statement in function " << func_name_);
  switch (s->kind) {
    case IRNodeKind::LetStmt: {
      const auto* op = s.as<LetStmt>();
      std::string value = expr(op->value);
      std::string type = type_name(op->value.type());
      std::string name = bind(op->var);
      line() << "const " << type << " " << name << " = " << value << ";\n";
      stmt(op->body);
      unbind(op->var);
      return;
    }
    case IRNodeKind::AssertStmt: {
      const auto* op = s.as<AssertStmt>();
      line() << "if (!" << expr(op->condition) << ") {\n";
      ++indent_;
      emit_fail(c_string_literal(op->message));
      --indent_;
      line() << "}\n";
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
      line() << "if (" << expr(op->condition) << ") {\n";
      ++indent_;
      stmt(op->then_case);
      --indent_;
      if (op->else_case.defined()) {
        line() << "} else {\n";
        ++indent_;
        stmt(op->else_case);
        --indent_;
      }
      line() << "}\n";
      return;
    }
    case IRNodeKind::Evaluate:
      line() << "(void)" << expr(s.as<Evaluate>()->value) << ";\n";
      return;
    case IRNodeKind::TensorStore:
    case IRNodeKind::Realize:
      ANVIL_ASSERT(false, node_kind_name(s->kind)
                              << " reached the C backend in function " << func_name_
                              << ": tensor-level IR was not lowered");
      return;
    default:
      ANVIL_ASSERT(false, "expression kind " << node_kind_name(s->kind) << " as a statement");
      return;
  }
}

void CodeGenC::emit_for(const For* op) {
  ANVIL_USER_CHECK(op->for_kind != ForKind::GPUBlock && op->for_kind != ForKind::GPUThread,
                   "loop '" << op->var.name() << "' in function '" << func_name_
                            << "' is bound to " << op->thread_tag << " ("
                            << for_kind_name(op->for_kind)
                            << "), which the C target cannot run; use a GPU target");
  std::string type = type_name(op->var.type());
  std::string lo = expr(op->min);
  std::string ext = expr(op->extent);
  bool simple = (op->min.as<IntImm>() || op->min.as<Variable>()) &&
                (op->extent.as<IntImm>() || op->extent.as<Variable>());
  bool parallel = op->for_kind == ForKind::Parallel && !in_parallel_;
  bool needs_fail_flag = parallel && contains_failure_point(op->body);
  bool opened_block = !simple || needs_fail_flag;
  std::string name = bind(op->var);
  if (opened_block) {
    line() << "{\n";
    ++indent_;
  }
  std::string hi;
  if (simple) {
    hi = is_zero(op->min) ? ext : "(" + lo + " + " + ext + ")";
  } else {
    std::string lo_name = fresh_name(name + "_lo"), hi_name = fresh_name(name + "_hi");
    line() << "const " << type << " " << lo_name << " = " << lo << ";\n";
    line() << "const " << type << " " << hi_name << " = " << lo_name << " + " << ext << ";\n";
    lo = lo_name;
    hi = hi_name;
  }
  if (needs_fail_flag) {
    line() << "int32_t anvil_par_failed = 0;\n";
    line() << "const char* anvil_par_msg = NULL;\n";
  }
  for (const auto& [key, value] : op->pragmas)
    line() << "/* pragma " << pragma_value_text(StringImm::make(key)) << " = "
           << pragma_value_text(value) << " */\n";
  switch (op->for_kind) {
    case ForKind::Parallel:
      if (parallel) line() << "#pragma omp parallel for schedule(static)\n";
      else line() << "/* parallel loop nested in a parallel loop: runs serially */\n";
      break;
    case ForKind::Unrolled: {
      auto n = as_const_int(op->extent);
      line() << "#pragma GCC unroll " << (n ? std::max<int64_t>(1, std::min<int64_t>(*n, 65534)) : 8) << "\n";
      break;
    }
    case ForKind::Vectorized:
      // omp simd forbids leaving the loop, which a failure point does.
      if (!contains_failure_point(op->body)) line() << "#pragma omp simd\n";
      break;
    default: break;
  }
  line() << "for (" << type << " " << name << " = " << lo << "; " << name << " < " << hi
         << "; ++" << name << ") {\n";
  ++indent_;
  std::string saved_label = parallel_end_label_;
  size_t saved_base = parallel_heap_base_;
  if (parallel) {
    in_parallel_ = true;
    parallel_heap_base_ = heap_live_.size();
    parallel_end_label_ = "anvil_par_end_" + std::to_string(label_counter_++);
    if (needs_fail_flag)
      line() << "if (__atomic_load_n(&anvil_par_failed, __ATOMIC_RELAXED)) continue;\n";
  }
  stmt(op->body);
  if (parallel) {
    if (needs_fail_flag) line() << parallel_end_label_ << ":;\n";
    in_parallel_ = false;
    parallel_end_label_ = saved_label;
    parallel_heap_base_ = saved_base;
  }
  --indent_;
  line() << "}\n";
  if (needs_fail_flag) {
    line() << "if (anvil_par_failed) {\n";
    ++indent_;
    emit_fail("anvil_par_msg");
    --indent_;
    line() << "}\n";
  }
  if (opened_block) {
    --indent_;
    line() << "}\n";
  }
  unbind(op->var);
}

void CodeGenC::emit_allocate(const Allocate* op) {
  std::string what = "allocation " + op->buffer.name();
  std::string mem = mem_type_name(op->dtype, what.c_str());
  int64_t count = 1;
  bool constant = true;
  std::string count_expr;
  for (const Expr& e : op->extents) {
    ANVIL_USER_CHECK(e.type().is_int_or_uint() && e.type().is_scalar(),
                     "extent of " << what << " in function '" << func_name_
                                  << "' is a " << e.type().to_string());
    if (auto c = as_const_int(e)) count *= *c;
    else constant = false;
    count_expr += (count_expr.empty() ? "" : " * ") + ("(size_t)" + expr(e));
  }
  ANVIL_USER_CHECK(!constant || count >= 0, what << " in function '" << func_name_
                                                  << "' has a negative size " << count);
  // Small constant-size buffers live on the stack whatever their scope: a
  // stage computed inside a loop would otherwise pay a heap allocation per
  // iteration. 64 KiB stays well inside an OpenMP worker's default stack.
  bool on_stack = constant && count * op->dtype.bytes() <= 64 * 1024;
  std::string name = bind(op->buffer);
  buffer_types_[op->buffer.get()] = op->dtype;
  line() << "{\n";
  ++indent_;
  if (on_stack) {
    line() << mem << " " << name << "[" << std::max<int64_t>(count, 1)
           << "] __attribute__((aligned(64)));\n";
    stmt(op->body);
  } else {
    line() << mem << "* restrict " << name << " = NULL;\n";
    line() << "if (posix_memalign((void**)&" << name << ", 64, " << count_expr << " * sizeof("
           << mem << ") + 1) != 0) {\n";
    ++indent_;
    emit_fail(c_string_literal("out of memory for " + what));
    --indent_;
    line() << "}\n";
    heap_live_.push_back(name);
    stmt(op->body);
    heap_live_.pop_back();
    line() << "free(" << name << ");\n";
  }
  --indent_;
  line() << "}\n";
  unbind(op->buffer);
}

}  // namespace codegen_c_detail

bool is_valid_c_function_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  if (name.rfind("anvil_", 0) == 0 || name.rfind("__", 0) == 0) return false;
  return !codegen_c_detail::reserved_names().count(name);
}

std::string codegen_c(const std::vector<LoweredFunc>& funcs, const Target& target) {
  ANVIL_USER_CHECK(target.kind() == "c",
                   "codegen_c: target '" << target.to_string() << "' is not a C target");
  std::set<std::string> seen;
  codegen_c_detail::CodeGenC gen(target);
  for (const LoweredFunc& f : funcs) {
    ANVIL_USER_CHECK(seen.insert(f.name).second,
                     "two functions named '" << f.name << "' in one module");
    gen.add_function(f);
  }
  return gen.finish();
}

}  // namespace anvil
