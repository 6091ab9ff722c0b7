// The C backend's expressions: scalar and vector types, literals, arithmetic
// with the IR's semantics, memory accesses and intrinsics.
//
// Vectors are GCC vector types, padded to a power-of-two number of lanes (the
// padding lanes are never loaded or stored). A bool vector is a mask of int8
// lanes holding 0 or -1, so it combines with & | ~ and blends values.
// Operations GCC has no vector form for run lane by lane in small helpers.
#include <charconv>
#include <cmath>
#include <limits>

#include "CodeGenCImpl.h"
#include "anvil/ir/IROperator.h"
#include "anvil/support/Error.h"

namespace anvil::codegen_c_detail {

namespace {

int padded_lanes(int lanes) {
  int p = 1;
  while (p < lanes) p *= 2;
  return p;
}

std::string scalar_c_type(DataType t) {
  if (t.is_handle()) return "void*";
  if (t.is_void()) return "void";
  if (t.is_bool()) return "bool";
  int b = t.bits();
  if (t.is_int_or_uint() && (b == 8 || b == 16 || b == 32 || b == 64))
    return std::string(t.is_int() ? "int" : "uint") + std::to_string(b) + "_t";
  if (t.is_float() && b == 16) return "_Float16";
  if (t.is_float() && b == 32) return "float";
  if (t.is_float() && b == 64) return "double";
  if (t.is_int_or_uint() && b < 8)
    throw UserError("the C backend has no " + t.to_string() +
                    " values: packed sub-byte types need the packing pass");
  throw UserError("the C backend does not support the type " + t.to_string());
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// Constants a shift fast path may use: c > 0 and a power of two.
std::optional<int> log2_of_positive_power_of_two(const Expr& e) {
  auto c = as_const_int(e);
  if (!c || *c <= 0 || (*c & (*c - 1)) != 0) return std::nullopt;
  return __builtin_ctzll(static_cast<unsigned long long>(*c));
}

const std::set<std::string>& known_intrinsics() {
  static const std::set<std::string> names = {
      intrinsic::kPopcount, intrinsic::kFma,  intrinsic::kAbs,   intrinsic::kSqrt,
      intrinsic::kExp,      intrinsic::kLog,  intrinsic::kTanh,  intrinsic::kErf,
      intrinsic::kFloor,    intrinsic::kCeil, intrinsic::kPow,   intrinsic::kIfThenElse,
      intrinsic::kLikely};
  return names;
}

}  // namespace

// ------------------------------------------------------------------- types

std::string CodeGenC::token(DataType t) {
  std::string s = t.is_bool() ? "b"
                  : t.is_int() ? "i" + std::to_string(t.bits())
                  : t.is_uint() ? "u" + std::to_string(t.bits())
                                : "f" + std::to_string(t.bits());
  if (t.is_vector()) s += "x" + std::to_string(t.lanes());
  return s;
}

std::string CodeGenC::type_name(DataType t) {
  if (t.is_scalar() || t.is_handle()) return scalar_c_type(t);
  std::string elem = t.is_bool() ? "int8_t" : scalar_c_type(t.element_of());
  int elem_bytes = t.is_bool() ? 1 : t.bytes();
  std::string name = "v" + token(t);
  if (typedef_done_.insert(name).second) {
    typedefs_ << "typedef " << elem << " " << name << " __attribute__((vector_size("
              << elem_bytes * padded_lanes(t.lanes()) << ")));\n";
  }
  return name;
}

std::string CodeGenC::int_vec_type(DataType t) {
  return type_name(DataType::Int(t.is_bool() ? 8 : t.bits(), t.lanes()));
}

std::string CodeGenC::uint_vec_type(DataType t) {
  return type_name(DataType::UInt(t.is_bool() ? 8 : t.bits(), t.lanes()));
}

std::string CodeGenC::mem_type_name(DataType elem, const char* what) {
  ANVIL_USER_CHECK(elem.is_scalar(), what << " in function '" << func_name_
                                          << "' has the vector element type "
                                          << elem.to_string());
  if (elem.is_bool()) return "uint8_t";
  ANVIL_USER_CHECK(!(elem.is_int_or_uint() && elem.bits() < 8),
                   what << " in function '" << func_name_ << "' has element type "
                        << elem.to_string()
                        << ": packed sub-byte buffers need the packing pass");
  ANVIL_USER_CHECK(!elem.is_handle() && !elem.is_void(),
                   what << " in function '" << func_name_ << "' has element type "
                        << elem.to_string());
  return scalar_c_type(elem);
}

void CodeGenC::add_helper(const std::string& name, const std::string& definition) {
  if (helper_done_.insert(name).second) helpers_ << definition << "\n";
}

// ---------------------------------------------------------------- literals

std::string CodeGenC::literal(const Expr& e) {
  DataType t = e.type();
  if (const IntImm* imm = e.as<IntImm>()) {
    int64_t v = imm->value;
    if (t.is_bool()) return v ? "true" : "false";
    if (t.is_uint() && t.bits() == 64)
      return "UINT64_C(" + std::to_string(static_cast<uint64_t>(v)) + ")";
    if (t.is_int() && t.bits() == 64) {
      if (v == std::numeric_limits<int64_t>::min()) return "(-INT64_C(9223372036854775807) - 1)";
      return v < 0 ? "(INT64_C(" + std::to_string(v) + "))" : "INT64_C(" + std::to_string(v) + ")";
    }
    if (t.is_uint() && t.bits() == 32) return std::to_string(static_cast<uint32_t>(v)) + "u";
    if (t.is_int() && t.bits() == 32) {
      if (v == std::numeric_limits<int32_t>::min()) return "(-2147483647 - 1)";
      return v < 0 ? "(" + std::to_string(v) + ")" : std::to_string(v);
    }
    return "((" + scalar_c_type(t) + ")" + std::to_string(v) + ")";
  }
  if (const FloatImm* imm = e.as<FloatImm>()) {
    double v = imm->value;
    std::string cast = t.bits() == 64 ? "(double)" : t.bits() == 16 ? "(_Float16)" : "";
    if (std::isnan(v)) return "(" + cast + "NAN)";
    if (std::isinf(v)) return "(" + cast + (v < 0 ? "-INFINITY)" : "INFINITY)");
    char buf[64];
    auto res = t.bits() == 64 ? std::to_chars(buf, buf + sizeof buf, v)
                              : std::to_chars(buf, buf + sizeof buf, static_cast<float>(v));
    std::string s(buf, res.ptr);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    if (t.bits() != 64) s += "f";
    if (t.bits() == 16) return "((_Float16)" + s + ")";
    return v < 0 ? "(" + s + ")" : s;
  }
  if (const StringImm* imm = e.as<StringImm>()) return c_string_literal(imm->value);
  ANVIL_ASSERT(false, "literal() of a " << node_kind_name(e->kind));
  return {};
}

// -------------------------------------------------------------- arithmetic

std::string CodeGenC::arith(const char* op, const Expr& a, const Expr& b, DataType t) {
  std::string x = expr(a), y = expr(b), tn = type_name(t);
  if (t.is_scalar()) {
    // C promotes narrow integers to int; compute modulo 2^32 and wrap back so
    // int8 + int8 wraps like the IR says.
    if (t.is_int_or_uint() && t.bits() < 32)
      return "((" + tn + ")((uint32_t)" + x + " " + op + " (uint32_t)" + y + "))";
    if (t.is_float() && t.bits() == 16) return "((_Float16)(" + x + " " + op + " " + y + "))";
    return "(" + x + " " + op + " " + y + ")";
  }
  if (t.is_int() && t.bits() < 32) {
    std::string u = uint_vec_type(t);
    return "((" + tn + ")((" + u + ")" + x + " " + op + " (" + u + ")" + y + "))";
  }
  return "(" + x + " " + op + " " + y + ")";
}

std::string CodeGenC::scalar_div_mod(IRNodeKind kind, DataType t, const std::string& a,
                                     const std::string& b) {
  std::string tn = scalar_c_type(t);
  if (t.is_float()) {
    std::string suffix = t.bits() == 64 ? "" : "f";
    std::string x = t.bits() == 16 ? "(float)" + a : a, y = t.bits() == 16 ? "(float)" + b : b;
    std::string r;
    switch (kind) {
      case IRNodeKind::Div: r = "(" + x + " / " + y + ")"; break;
      case IRNodeKind::Mod: r = "fmod" + suffix + "(" + x + ", " + y + ")"; break;
      case IRNodeKind::FloorDiv: r = "floor" + suffix + "(" + x + " / " + y + ")"; break;
      default: r = "(" + x + " - " + y + " * floor" + suffix + "(" + x + " / " + y + "))";
    }
    return t.bits() == 16 ? "((_Float16)" + r + ")" : r;
  }
  bool floor = kind == IRNodeKind::FloorDiv || kind == IRNodeKind::FloorMod;
  bool is_div = kind == IRNodeKind::Div || kind == IRNodeKind::FloorDiv;
  if (!floor || t.is_uint())
    return "((" + tn + ")(" + a + (is_div ? " / " : " % ") + b + "))";
  std::string name = std::string(is_div ? "anvil_floordiv_" : "anvil_floormod_") + token(t);
  std::string def = "static inline " + tn + " " + name + "(" + tn + " a, " + tn + " b) {\n";
  if (is_div) {
    def += "  " + tn + " q = (" + tn + ")(a / b), r = (" + tn + ")(a % b);\n";
    def += "  return (" + tn + ")(q - ((r != 0) & ((r < 0) != (b < 0))));\n}\n";
  } else {
    def += "  " + tn + " r = (" + tn + ")(a % b);\n";
    def += "  return (" + tn + ")((r != 0 && ((r < 0) != (b < 0))) ? r + b : r);\n}\n";
  }
  add_helper(name, def);
  return name + "(" + a + ", " + b + ")";
}

std::string CodeGenC::div_mod(IRNodeKind kind, const Expr& a, const Expr& b, DataType t) {
  bool floor = kind == IRNodeKind::FloorDiv || kind == IRNodeKind::FloorMod;
  bool is_div = kind == IRNodeKind::Div || kind == IRNodeKind::FloorDiv;
  std::string x = expr(a), y = expr(b);
  if (t.is_floating() && kind == IRNodeKind::Div && (t.is_vector() || t.bits() != 16))
    return "(" + x + " / " + y + ")";
  if (t.is_int_or_uint() && (floor || t.is_uint())) {
    // Exact for signed floor semantics too: >> rounds toward -inf, & keeps the
    // non-negative remainder of a positive power of two.
    if (auto k = log2_of_positive_power_of_two(b)) {
      std::string tn = type_name(t);
      int64_t mask = (int64_t{1} << *k) - 1;
      std::string m = t.bits() == 64 ? "INT64_C(" + std::to_string(mask) + ")" : std::to_string(mask);
      std::string r = is_div ? "(" + x + " >> " + std::to_string(*k) + ")" : "(" + x + " & " + m + ")";
      return t.is_scalar() ? "((" + tn + ")" + r + ")" : r;
    }
  }
  if (t.is_scalar()) return scalar_div_mod(kind, t, x, y);
  static const char* names[] = {"div", "mod", "floordiv", "floormod"};
  int which = (floor ? 2 : 0) + (is_div ? 0 : 1);
  DataType elem = t.element_of();
  return lane_call(names[which], t, {t, t}, {x, y}, [&](const std::vector<std::string>& v) {
    return scalar_div_mod(kind, elem, v[0], v[1]);
  });
}

std::string CodeGenC::min_max(bool is_min, const Expr& a, const Expr& b, DataType t) {
  std::string x = expr(a), y = expr(b), tn = type_name(t);
  std::string name = std::string(is_min ? "anvil_min_" : "anvil_max_") + token(t);
  const char* cmp = is_min ? " < " : " > ";
  std::string def = "static inline " + tn + " " + name + "(" + tn + " a, " + tn + " b) {\n";
  if (t.is_scalar()) {
    def += std::string("  return a") + cmp + "b ? a : b;\n}\n";
  } else {
    std::string iv = int_vec_type(t);
    def += "  " + iv + " m = (" + iv + ")(a" + cmp + "b);\n";
    def += "  return (" + tn + ")((m & (" + iv + ")a) | (~m & (" + iv + ")b));\n}\n";
  }
  add_helper(name, def);
  return name + "(" + x + ", " + y + ")";
}

std::string CodeGenC::compare(const char* op, const Expr& a, const Expr& b) {
  std::string x = expr(a), y = expr(b);
  std::string r = "(" + x + " " + op + " " + y + ")";
  if (a.type().is_scalar()) return r;
  return "__builtin_convertvector(" + r + ", " + type_name(DataType::Bool(a.type().lanes())) + ")";
}

std::string CodeGenC::bitwise(const char* op, const Expr& a, const Expr& b, DataType t) {
  std::string r = "(" + expr(a) + " " + op + " " + expr(b) + ")";
  return t.is_scalar() ? "((" + type_name(t) + ")" + r + ")" : r;
}

std::string CodeGenC::shift(bool left, const Expr& a, const Expr& b, DataType t) {
  std::string x = expr(a), y = expr(b), tn = type_name(t);
  if (t.is_scalar()) {
    if (left) {
      // Left shifts of negative values are undefined in C; shift the bits unsigned.
      std::string u = t.bits() <= 32 ? "uint32_t" : "uint64_t";
      return "((" + tn + ")((" + u + ")" + x + " << " + y + "))";
    }
    return "((" + tn + ")(" + x + " >> " + y + "))";  // arithmetic for signed in GCC
  }
  if (left && t.is_int()) {
    std::string u = uint_vec_type(t);
    return "((" + tn + ")((" + u + ")" + x + " << (" + u + ")" + y + "))";
  }
  return "(" + x + (left ? " << " : " >> ") + y + ")";
}

std::string CodeGenC::select(const std::string& c, DataType cond_type, const std::string& a,
                             const std::string& b, DataType t) {
  if (cond_type.is_scalar()) return "(" + c + " ? " + a + " : " + b + ")";
  // GCC's vector ?: is C++ only: blend with the mask.
  std::string tn = type_name(t), iv = int_vec_type(t), mask = type_name(cond_type);
  std::string name = "anvil_select_" + token(t);
  add_helper(name, "static inline " + tn + " " + name + "(" + mask + " m, " + tn + " a, " + tn +
                       " b) {\n  " + iv + " mm = __builtin_convertvector(m, " + iv + ");\n" +
                       "  return (" + tn + ")((mm & (" + iv + ")a) | (~mm & (" + iv + ")b));\n}\n");
  return name + "(" + c + ", " + a + ", " + b + ")";
}

std::string CodeGenC::cast(DataType to, const Expr& value) {
  DataType from = value.type();
  std::string x = expr(value), tn = type_name(to);
  if (to.is_scalar()) return to.is_bool() ? "(" + x + " != 0)" : "((" + tn + ")" + x + ")";
  if (to.is_bool()) return from.is_bool() ? x : "__builtin_convertvector(" + x + " != 0, " + tn + ")";
  if (from.is_bool()) return "__builtin_convertvector(" + x + " & 1, " + tn + ")";
  return "__builtin_convertvector(" + x + ", " + tn + ")";
}

std::string CodeGenC::reinterpret(DataType to, const Expr& value) {
  DataType from = value.type();
  ANVIL_USER_CHECK(from.bits() >= 8 && to.bits() >= 8 && !from.is_bool() && !to.is_bool(),
                   "reinterpret from " << from.to_string() << " to " << to.to_string()
                                       << " in function '" << func_name_
                                       << "': packed sub-byte types need the packing pass");
  std::string x = expr(value), tn = type_name(to), fn = type_name(from);
  std::string name = "anvil_reinterpret_" + token(from) + "_to_" + token(to);
  add_helper(name, "static inline " + tn + " " + name + "(" + fn + " x) {\n  " + tn +
                       " r;\n  memset(&r, 0, sizeof r);\n  memcpy(&r, &x, " +
                       std::to_string(from.bits() * from.lanes() / 8) + ");\n  return r;\n}\n");
  return name + "(" + x + ")";
}

std::string CodeGenC::broadcast(const std::string& scalar, DataType t) {
  std::string tn = type_name(t);
  if (t.is_bool()) return "((" + tn + "){0} - (int8_t)" + scalar + ")";
  return "((" + tn + "){0} + (" + scalar_c_type(t.element_of()) + ")" + scalar + ")";
}

std::string CodeGenC::ramp(const std::string& base, const std::string& stride, DataType t) {
  std::vector<std::string> lanes;
  for (int i = 0; i < t.lanes(); ++i) lanes.push_back(std::to_string(i));
  std::string iota = "(" + type_name(t) + "){" + join(lanes) + "}";
  if (stride == "1") return "(" + iota + " + " + base + ")";
  return "(" + iota + " * " + stride + " + " + base + ")";
}

// A helper applying a scalar formula lane by lane (only the logical lanes).
std::string CodeGenC::lane_call(const std::string& op, DataType result,
                                const std::vector<DataType>& arg_types,
                                const std::vector<std::string>& args,
                                const ScalarFormula& formula) {
  std::string name = "anvil_" + op + "_" + token(result);
  for (DataType at : arg_types)
    if (at != result) name += "_" + token(at);
  if (!helper_done_.count(name)) {
    std::vector<std::string> params, lane_args;
    for (size_t i = 0; i < arg_types.size(); ++i) {
      std::string a = "a" + std::to_string(i);
      params.push_back(type_name(arg_types[i]) + " " + a);
      if (arg_types[i].is_scalar()) lane_args.push_back(a);
      else if (arg_types[i].is_bool()) lane_args.push_back("(" + a + "[k] != 0)");
      else lane_args.push_back(a + "[k]");
    }
    std::string body = formula(lane_args);
    if (result.is_bool()) body = "(" + body + ") ? -1 : 0";
    std::string rt = type_name(result);
    add_helper(name, "static inline " + rt + " " + name + "(" + join(params) + ") {\n  " + rt +
                         " r = {0};\n  for (int k = 0; k < " + std::to_string(result.lanes()) +
                         "; ++k) r[k] = " + body + ";\n  return r;\n}\n");
  }
  return name + "(" + join(args) + ")";
}

// ------------------------------------------------------------------ memory

std::string CodeGenC::buffer_ptr(const Var& buffer, DataType elem, const char* what) {
  auto it = buffer_types_.find(buffer.get());
  ANVIL_USER_CHECK(it != buffer_types_.end(),
                   what << " of buffer '" << buffer.name()
                        << "', which is neither an argument nor an allocation of function '"
                        << func_name_ << "'");
  std::string name = name_of(buffer.get());
  std::string mem = mem_type_name(elem, what);
  if (mem == mem_type_name(it->second, what)) return name;
  return "((" + mem + "*)" + name + ")";
}

std::string CodeGenC::load(const Load* op) {
  DataType t = op->type;
  if (t.is_vector() && t.is_bool()) {
    // Bools are bytes in memory: load them as uint8 and turn them into a mask.
    Expr bytes = Load::make(DataType::UInt(8, t.lanes()), op->buffer, op->index, op->predicate);
    return "__builtin_convertvector(" + expr(bytes) + " != 0, " + type_name(t) + ")";
  }
  DataType elem = t.element_of();
  std::string p = buffer_ptr(op->buffer, elem, "load");
  if (t.is_scalar()) {
    std::string v = p + "[" + expr(op->index) + "]";
    if (t.is_bool()) v = "(" + v + " != 0)";
    if (!op->predicate.defined()) return v;
    return "(" + expr(op->predicate) + " ? " + v + " : " + literal(make_zero(t)) + ")";
  }
  std::string tn = type_name(t), mem = mem_type_name(elem, "load");
  std::string n = std::to_string(t.lanes());
  const Ramp* ramp_index = op->index.as<Ramp>();
  if (!op->predicate.defined() && ramp_index && is_one(ramp_index->stride)) {
    std::string name = "anvil_load_" + token(t);
    add_helper(name, "static inline " + tn + " " + name + "(const " + mem + "* p) {\n  " + tn +
                         " v = {0};\n  memcpy(&v, p, " + n + " * sizeof(" + mem +
                         "));\n  return v;\n}\n");
    return name + "(" + p + " + " + expr(ramp_index->base) + ")";
  }
  if (const Broadcast* b = op->index.as<Broadcast>(); b && !op->predicate.defined())
    return broadcast(p + "[" + expr(b->value) + "]", t);
  DataType it = op->index.type();
  bool masked = op->predicate.defined();
  std::string name = std::string(masked ? "anvil_gather_masked_" : "anvil_gather_") + token(t) +
                     "_" + token(it);
  std::string mask_param = masked ? ", " + type_name(op->predicate.type()) + " m" : "";
  add_helper(name, "static inline " + tn + " " + name + "(const " + mem + "* p, " +
                       type_name(it) + " idx" + mask_param + ") {\n  " + tn +
                       " v = {0};\n  for (int k = 0; k < " + n + "; ++k)\n    " +
                       (masked ? "if (m[k]) " : "") + "v[k] = p[idx[k]];\n  return v;\n}\n");
  return name + "(" + p + ", " + expr(op->index) + (masked ? ", " + expr(op->predicate) : "") + ")";
}

void CodeGenC::emit_store(const Store* op) {
  DataType t = op->value.type();
  std::string v = expr(op->value);
  if (t.is_vector() && t.is_bool()) {
    t = DataType::UInt(8, t.lanes());
    v = "__builtin_convertvector(" + v + " & 1, " + type_name(t) + ")";
  }
  DataType elem = t.element_of();
  std::string p = buffer_ptr(op->buffer, elem, "store");
  std::string mem = mem_type_name(elem, "store");
  if (t.is_scalar()) {
    std::string s = p + "[" + expr(op->index) + "] = " + (t.is_bool() ? "(uint8_t)" : "") + v + ";";
    if (op->predicate.defined()) s = "if (" + expr(op->predicate) + ") " + s;
    line() << s << "\n";
    return;
  }
  std::string tn = type_name(t), n = std::to_string(t.lanes());
  const Ramp* ramp_index = op->index.as<Ramp>();
  if (!op->predicate.defined() && ramp_index && is_one(ramp_index->stride)) {
    std::string name = "anvil_store_" + token(t);
    add_helper(name, "static inline void " + name + "(" + mem + "* p, " + tn + " v) {\n  memcpy(p, &v, " +
                         n + " * sizeof(" + mem + "));\n}\n");
    line() << name << "(" << p << " + " << expr(ramp_index->base) << ", " << v << ");\n";
    return;
  }
  DataType it = op->index.type();
  bool masked = op->predicate.defined();
  std::string name = std::string(masked ? "anvil_scatter_masked_" : "anvil_scatter_") +
                     token(t) + "_" + token(it);
  std::string mask_param = masked ? ", " + type_name(op->predicate.type()) + " m" : "";
  add_helper(name, "static inline void " + name + "(" + mem + "* p, " + type_name(it) + " idx, " +
                       tn + " v" + mask_param + ") {\n  for (int k = 0; k < " + n + "; ++k)\n    " +
                       (masked ? "if (m[k]) " : "") + "p[idx[k]] = v[k];\n}\n");
  line() << name << "(" << p << ", " << expr(op->index) << ", " << v
         << (masked ? ", " + expr(op->predicate) : "") << ");\n";
}

// -------------------------------------------------------------------- calls

std::string CodeGenC::scalar_intrinsic(const std::string& name, DataType t,
                                       const std::vector<std::string>& args) {
  std::string tn = scalar_c_type(t);
  if (t.is_float()) {
    ANVIL_USER_CHECK(name != intrinsic::kPopcount,
                     "popcount of a " << t.to_string() << " in function '" << func_name_ << "'");
    std::string fn = (name == intrinsic::kAbs ? "fabs" : name) + (t.bits() == 64 ? "" : "f");
    std::vector<std::string> a = args;
    if (t.bits() == 16)
      for (std::string& s : a) s = "(float)" + s;
    std::string r = fn + "(" + join(a) + ")";
    return t.bits() == 16 ? "((_Float16)" + r + ")" : r;
  }
  ANVIL_USER_CHECK(t.is_int_or_uint() && !t.is_bool(),
                   "intrinsic " << name << " of a " << t.to_string() << " in function '"
                                << func_name_ << "'");
  std::string ut = "uint" + std::to_string(t.bits()) + "_t";
  if (name == intrinsic::kPopcount)
    return "((" + tn + ")__builtin_popcountll((uint64_t)(" + ut + ")" + args[0] + "))";
  if (name == intrinsic::kAbs)
    return t.is_uint() ? args[0]
                       : "((" + tn + ")(" + args[0] + " < 0 ? -(" + ut + ")" + args[0] + " : (" +
                             ut + ")" + args[0] + "))";
  if (name == intrinsic::kFma) {
    std::string w = t.bits() <= 32 ? "(uint32_t)" : "(uint64_t)";
    return "((" + tn + ")(" + w + args[0] + " * " + w + args[1] + " + " + w + args[2] + "))";
  }
  throw UserError("intrinsic " + name + " needs a floating-point argument, got " +
                  t.to_string() + " in function '" + func_name_ + "'");
}

std::string CodeGenC::intrinsic_call(const Call* op) {
  const std::string& name = op->name;
  ANVIL_USER_CHECK(known_intrinsics().count(name),
                   "unknown intrinsic '" << name << "' in function '" << func_name_
                                         << "'; the C backend knows: "
                                         << join({known_intrinsics().begin(), known_intrinsics().end()}));
  size_t arity = (name == intrinsic::kFma || name == intrinsic::kIfThenElse) ? 3
                 : name == intrinsic::kPow                                   ? 2
                                                                             : 1;
  ANVIL_USER_CHECK(op->args.size() == arity, "intrinsic " << name << " takes " << arity
                                                         << " arguments, got "
                                                         << op->args.size());
  DataType t = op->type;
  if (name == intrinsic::kIfThenElse) {
    // Lazy for a scalar condition: only the chosen branch runs.
    return select(expr(op->args[0]), op->args[0].type(), expr(op->args[1]), expr(op->args[2]), t);
  }
  if (name == intrinsic::kLikely) {
    std::string c = expr(op->args[0]);
    return t.is_scalar() ? "((bool)__builtin_expect(!!" + c + ", 1))" : c;
  }
  std::vector<std::string> args;
  std::vector<DataType> types;
  for (const Expr& a : op->args) {
    args.push_back(expr(a));
    types.push_back(a.type());
  }
  if (t.is_scalar()) return scalar_intrinsic(name, t, args);
  // Contracted into vfmadd by -ffp-contract=fast where the CPU has FMA.
  if (name == intrinsic::kFma && t.is_float()) return "(" + args[0] + " * " + args[1] + " + " + args[2] + ")";
  DataType elem = t.element_of();
  return lane_call(name, t, types, args, [&](const std::vector<std::string>& lanes) {
    return scalar_intrinsic(name, elem, lanes);
  });
}

std::string CodeGenC::call(const Call* op) {
  if (op->call_kind != CallKind::Extern) return intrinsic_call(op);
  bool ok = !op->name.empty() && !std::isdigit(static_cast<unsigned char>(op->name[0])) &&
            op->name.rfind("anvil_", 0) != 0;
  for (char c : op->name) ok &= std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  ANVIL_USER_CHECK(ok, "extern function name '" << op->name << "' in function '" << func_name_
                                                << "' is not a valid C identifier");
  std::vector<std::string> args, types;
  for (const Expr& a : op->args) {
    args.push_back(expr(a));
    types.push_back(a.as<StringImm>() ? "const char*" : type_name(a.type()));
  }
  std::string decl = type_name(op->type) + " " + op->name + "(" + (types.empty() ? "void" : join(types)) + ");";
  auto [it, inserted] = extern_decls_.emplace(op->name, decl);
  ANVIL_USER_CHECK(it->second == decl, "extern function '" << op->name
                                                           << "' is called with two signatures: "
                                                           << it->second << " and " << decl);
  if (inserted) externs_ << decl << "\n";
  return op->name + "(" + join(args) + ")";
}

// -------------------------------------------------------------- dispatch

std::string CodeGenC::expr(const Expr& e) {
  ANVIL_ASSERT(e.defined(), "undefined expression in function " << func_name_);
  DataType t = e.type();
  switch (e->kind) {
    case IRNodeKind::IntImm:
    case IRNodeKind::FloatImm:
    case IRNodeKind::StringImm: return literal(e);
    case IRNodeKind::Variable: return name_of(e.as<Variable>());
    case IRNodeKind::Add: return arith("+", e.as<Add>()->a, e.as<Add>()->b, t);
    case IRNodeKind::Sub: return arith("-", e.as<Sub>()->a, e.as<Sub>()->b, t);
    case IRNodeKind::Mul: return arith("*", e.as<Mul>()->a, e.as<Mul>()->b, t);
    case IRNodeKind::Div: return div_mod(e->kind, e.as<Div>()->a, e.as<Div>()->b, t);
    case IRNodeKind::Mod: return div_mod(e->kind, e.as<Mod>()->a, e.as<Mod>()->b, t);
    case IRNodeKind::FloorDiv: return div_mod(e->kind, e.as<FloorDiv>()->a, e.as<FloorDiv>()->b, t);
    case IRNodeKind::FloorMod: return div_mod(e->kind, e.as<FloorMod>()->a, e.as<FloorMod>()->b, t);
    case IRNodeKind::Min: return min_max(true, e.as<Min>()->a, e.as<Min>()->b, t);
    case IRNodeKind::Max: return min_max(false, e.as<Max>()->a, e.as<Max>()->b, t);
    case IRNodeKind::EQ: return compare("==", e.as<EQ>()->a, e.as<EQ>()->b);
    case IRNodeKind::NE: return compare("!=", e.as<NE>()->a, e.as<NE>()->b);
    case IRNodeKind::LT: return compare("<", e.as<LT>()->a, e.as<LT>()->b);
    case IRNodeKind::LE: return compare("<=", e.as<LE>()->a, e.as<LE>()->b);
    case IRNodeKind::GT: return compare(">", e.as<GT>()->a, e.as<GT>()->b);
    case IRNodeKind::GE: return compare(">=", e.as<GE>()->a, e.as<GE>()->b);
    case IRNodeKind::And:
      return "(" + expr(e.as<And>()->a) + (t.is_scalar() ? " && " : " & ") + expr(e.as<And>()->b) + ")";
    case IRNodeKind::Or:
      return "(" + expr(e.as<Or>()->a) + (t.is_scalar() ? " || " : " | ") + expr(e.as<Or>()->b) + ")";
    case IRNodeKind::Not: return (t.is_scalar() ? "(!" : "(~") + expr(e.as<Not>()->a) + ")";
    case IRNodeKind::BitAnd: return bitwise("&", e.as<BitAnd>()->a, e.as<BitAnd>()->b, t);
    case IRNodeKind::BitOr: return bitwise("|", e.as<BitOr>()->a, e.as<BitOr>()->b, t);
    case IRNodeKind::BitXor: return bitwise("^", e.as<BitXor>()->a, e.as<BitXor>()->b, t);
    case IRNodeKind::BitNot: {
      std::string r = "(~" + expr(e.as<BitNot>()->a) + ")";
      return t.is_scalar() ? "((" + type_name(t) + ")" + r + ")" : r;
    }
    case IRNodeKind::Shl: return shift(true, e.as<Shl>()->a, e.as<Shl>()->b, t);
    case IRNodeKind::Shr: return shift(false, e.as<Shr>()->a, e.as<Shr>()->b, t);
    case IRNodeKind::Select: {
      const auto* op = e.as<Select>();
      return select(expr(op->condition), op->condition.type(), expr(op->true_value),
                    expr(op->false_value), t);
    }
    case IRNodeKind::Cast: return cast(t, e.as<Cast>()->value);
    case IRNodeKind::Reinterpret: return reinterpret(t, e.as<Reinterpret>()->value);
    case IRNodeKind::Load: return load(e.as<Load>());
    case IRNodeKind::Ramp: {
      const auto* op = e.as<Ramp>();
      return ramp(expr(op->base), is_one(op->stride) ? "1" : expr(op->stride), t);
    }
    case IRNodeKind::Broadcast: return broadcast(expr(e.as<Broadcast>()->value), t);
    case IRNodeKind::Call: return call(e.as<Call>());
    case IRNodeKind::Let: {
      const auto* op = e.as<Let>();
      std::string value = expr(op->value);
      std::string type = type_name(op->value.type());
      std::string name = bind(op->var);
      std::string body = expr(op->body);
      unbind(op->var);
      return "({ const " + type + " " + name + " = " + value + "; " + body + "; })";
    }
    case IRNodeKind::TensorLoad:
    case IRNodeKind::Reduce:
      ANVIL_ASSERT(false, node_kind_name(e->kind)
                              << " reached the C backend in function " << func_name_
                              << ": tensor-level IR was not lowered");
      return {};
    default:
      ANVIL_ASSERT(false, "statement kind " << node_kind_name(e->kind) << " as an expression");
      return {};
  }
  return {};
}

}  // namespace anvil::codegen_c_detail
