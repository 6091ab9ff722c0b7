// The IR printer. Its output parses back (IRParser.cpp) for loop-level IR.
//
// Grammar of the text form (the parser accepts C precedence as well as the
// printer's full parenthesisation; `//` starts a comment):
//
//   func     := 'func' NAME '(' [arg {',' arg}] ')' '{' stmts '}'
//   arg      := IDENT ':' TYPE '[' [INT {',' INT}] ']'        buffer, dtype, shape
//   stmts    := {stmt}                                         a Seq (one stmt: itself)
//   stmt     := 'for' '(' IDENT ',' expr ',' expr ')' {marker} '{' stmts '}'
//             | IDENT '[' expr ['if' expr] ']' '=' expr        Store (optional predicate)
//             | 'allocate' IDENT TYPE '[' expr {',' expr} ']' STRING '{' stmts '}'
//             | 'let' IDENT '=' expr '{' stmts '}'              LetStmt
//             | 'let' IDENT '=' expr stmts                     body: rest of the block
//             | 'if' '(' expr ')' '{' stmts '}' ['else' ('{' stmts '}' | if-stmt)]
//             | 'assert' '(' expr ',' STRING ')' | 'evaluate' '(' expr ')'
//   marker   := 'serial' | 'parallel' | 'vectorized' | 'unrolled'
//             | 'gpu_block' '(' STRING ')' | 'gpu_thread' '(' STRING ')'
//             | 'pragma' '(' STRING ',' expr ')'
//   expr     := binary operators || && | ^ & == != < <= > >= << >> + - * / %
//               ('/' and '%' are Div and Mod, truncating as in C; floor
//               division is floordiv(a, b) / floormod(a, b)), unary ! ~ -
//   primary  := literal | IDENT | '(' IDENT ':' TYPE ')'      free var with its type
//             | '(' expr ')' | '(' 'let' IDENT '=' expr 'in' expr ')'
//             | TYPE '(' expr ')'                               Cast
//             | 'reinterpret' '<' TYPE '>' '(' expr ')'
//             | [TYPE] IDENT '[' expr ['if' expr] ']'           Load
//             | ['intrinsic' | 'extern'] TYPE (IDENT | STRING) '(' [expr {',' expr}] ')'
//                                                               Call (default pure)
//             | ('select' | 'floordiv' | 'floormod' | 'min' | 'max') '(' args ')'
//             | 'ramp' '(' expr ',' expr ',' INT ')' | 'broadcast' '(' expr ',' INT ')'
//   literal  := 3 (int32) | 3i64 | -3i8 | 7u4 (suffix: i/u + bits) | true | false
//             | 1.5f (float32) | 1.5 (float64) | 1.5f16 | 1.5bf16
//             | inf, nan with the same suffixes (inff, nanf16, ...) | "string"
//
// A Load's type is printed only when it is not the declared element type of
// its buffer (function argument or allocate) with the index's lanes. A free
// variable that is not int32 is printed with its type at its first occurrence.
// Names that are keywords or type names, or that collide, get a suffix _1, _2.
//
// Tensor-level nodes print but do not parse: C(i, j) (TensorLoad), C(i, j) = v
// (TensorStore), realize C([0, 16], [0, 8]) "global" { }, and
// reduce(combiner (x, y) => (x + y), identity 0f, source ..., axes [k in [0, 16)], where c).
#include "anvil/ir/IRPrinter.h"

#include <cctype>
#include <cmath>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "anvil/ir/IRVisitor.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

bool is_type_name(const std::string& s) {
  try {
    DataType::parse(s);
    return true;
  } catch (const UserError&) {
    return false;
  }
}

bool is_keyword(const std::string& s) {
  static const std::unordered_set<std::string> kKeywords = {
      "func", "for", "if", "else", "let", "in", "allocate", "assert", "evaluate", "realize",
      "reduce", "select", "floordiv", "floormod", "min", "max", "ramp", "broadcast",
      "reinterpret", "intrinsic", "extern", "true", "false", "serial", "parallel", "vectorized",
      "unrolled", "gpu_block", "gpu_thread", "pragma"};
  if (kKeywords.count(s) || is_type_name(s)) return true;
  // inf and nan literals with their type suffixes.
  for (const char* base : {"inf", "nan"}) {
    if (s.rfind(base, 0) == 0) {
      std::string suffix = s.substr(3);
      if (suffix.empty() || suffix == "f" || suffix == "f16" || suffix == "bf16") return true;
    }
  }
  return false;
}

bool is_valid_ident(const std::string& s) {
  if (s.empty() || !is_ident_start(s[0])) return false;
  for (char c : s) {
    if (!is_ident_char(c)) return false;
  }
  return true;
}

std::string quote(const std::string& s) {
  std::ostringstream os;
  os << '"';
  for (char c : s) {
    switch (c) {
      case '"': os << "\\\""; break;
      case '\\': os << "\\\\"; break;
      case '\n': os << "\\n"; break;
      case '\t': os << "\\t"; break;
      case '\r': os << "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
          os << "\\x" << std::hex << std::setw(2) << std::setfill('0')
             << static_cast<int>(static_cast<unsigned char>(c)) << std::dec;
        } else {
          os << c;
        }
    }
  }
  os << '"';
  return os.str();
}

const char* float_suffix(DataType t) {
  if (t.is_bfloat()) return "bf16";
  switch (t.bits()) {
    case 32: return "f";
    case 64: return "";
    default: return "f16";
  }
}

std::string format_float(DataType t, double v) {
  std::ostringstream os;
  if (std::isnan(v)) {
    os << "nan" << float_suffix(t);
  } else if (std::isinf(v)) {
    os << (v < 0 ? "-inf" : "inf") << float_suffix(t);
  } else {
    os << std::setprecision(t.bits() == 32 ? 9 : 17) << v;
    std::string digits = os.str();
    if (digits.find_first_of(".e") == std::string::npos) os << ".0";
    os << float_suffix(t);
  }
  return os.str();
}

std::string format_int(DataType t, int64_t v) {
  if (t.is_bool()) return v ? "true" : "false";
  std::string s = t.is_uint() ? std::to_string(static_cast<uint64_t>(v)) : std::to_string(v);
  if (t == DataType::Int(32)) return s;
  return s + (t.is_uint() ? "u" : "i") + std::to_string(t.bits());
}

class Printer {
 public:
  explicit Printer(std::ostream& os) : os_(&os) {}

  void print_func(const LoweredFunc& f) {
    out() << "func " << (is_valid_ident(f.name) && !is_keyword(f.name) ? f.name : quote(f.name))
        << "(";
    for (size_t i = 0; i < f.args.size(); ++i) {
      const BufferArg& arg = f.args[i];
      if (i) out() << ", ";
      bind(arg.data.get());
      buffer_types_[arg.data.get()] = arg.dtype;
      out() << name_of(arg.data.get()) << ": " << arg.dtype.to_string() << "[";
      for (size_t d = 0; d < arg.shape.size(); ++d) out() << (d ? ", " : "") << arg.shape[d];
      out() << "]";
    }
    out() << ") {\n";
    indent_ += 2;
    if (f.body.defined()) print_stmt(f.body, true);
    indent_ -= 2;
    out() << "}\n";
  }

  // `last` says whether nothing follows s in its block, which lets a LetStmt
  // print without braces (its body is then the rest of the block).
  void print_stmt(const Stmt& s, bool last) {
    if (!s.defined()) {
      line() << "// <undefined stmt>\n";
      return;
    }
    switch (s->kind) {
      case IRNodeKind::LetStmt: {
        const auto* op = s.as<LetStmt>();
        line() << "let ";
        std::string value = expr_string(op->value);
        Binding b = bind(op->var.get());
        out() << name_of(op->var.get()) << " = " << value;
        if (last) {
          out() << "\n";
          print_stmt(op->body, true);
        } else {
          print_block(op->body);
        }
        unbind(b);
        return;
      }
      case IRNodeKind::AssertStmt: {
        const auto* op = s.as<AssertStmt>();
        line() << "assert(" << expr_string(op->condition) << ", " << quote(op->message) << ")\n";
        return;
      }
      case IRNodeKind::For: {
        const auto* op = s.as<For>();
        std::string min = expr_string(op->min), extent = expr_string(op->extent);
        Binding b = bind(op->var.get());
        line() << "for (" << name_of(op->var.get()) << ", " << min << ", " << extent << ")";
        switch (op->for_kind) {
          case ForKind::Serial: break;
          case ForKind::GPUBlock:
          case ForKind::GPUThread:
            out() << " " << for_kind_name(op->for_kind) << "(" << quote(op->thread_tag) << ")";
            break;
          default: out() << " " << for_kind_name(op->for_kind);
        }
        for (const auto& [key, value] : op->pragmas) {
          out() << " pragma(" << quote(key) << ", " << expr_string(value) << ")";
        }
        print_block(op->body);
        unbind(b);
        return;
      }
      case IRNodeKind::Store: {
        const auto* op = s.as<Store>();
        std::ostringstream lhs;
        lhs << buffer_name(op->buffer.get()) << "[" << expr_string(op->index);
        if (op->predicate.defined()) lhs << " if " << expr_string(op->predicate);
        lhs << "]";
        line() << lhs.str() << " = " << expr_string(op->value) << "\n";
        return;
      }
      case IRNodeKind::TensorStore: {
        const auto* op = s.as<TensorStore>();
        line() << op->tensor.name() << "(" << expr_list(op->indices)
               << ") = " << expr_string(op->value) << "\n";
        return;
      }
      case IRNodeKind::Allocate: {
        const auto* op = s.as<Allocate>();
        std::string extents = expr_list(op->extents);
        Binding b = bind(op->buffer.get());
        buffer_types_[op->buffer.get()] = op->dtype;
        line() << "allocate " << name_of(op->buffer.get()) << " " << op->dtype.to_string() << "["
               << extents << "] " << quote(op->scope);
        print_block(op->body);
        unbind(b);
        return;
      }
      case IRNodeKind::Realize: {
        const auto* op = s.as<Realize>();
        line() << "realize " << op->tensor.name() << "(";
        for (size_t i = 0; i < op->bounds.size(); ++i) {
          out() << (i ? ", " : "") << "[" << expr_string(op->bounds[i].min) << ", "
              << expr_string(op->bounds[i].extent) << "]";
        }
        out() << ") " << quote(op->scope);
        print_block(op->body);
        return;
      }
      case IRNodeKind::Seq: {
        const auto* op = s.as<Seq>();
        for (size_t i = 0; i < op->stmts.size(); ++i) {
          print_stmt(op->stmts[i], last && i + 1 == op->stmts.size());
        }
        return;
      }
      case IRNodeKind::IfThenElse: {
        const auto* op = s.as<IfThenElse>();
        line() << "if (" << expr_string(op->condition) << ")";
        print_block(op->then_case, !op->else_case.defined());
        if (op->else_case.defined()) {
          out() << " else";
          print_block(op->else_case);
        }
        return;
      }
      case IRNodeKind::Evaluate: {
        line() << "evaluate(" << expr_string(s.as<Evaluate>()->value) << ")\n";
        return;
      }
      default: ANVIL_ASSERT(false, "expression kind in a statement handle");
    }
  }

  void print_expr(const Expr& e) {
    if (!e.defined()) {
      out() << "<undefined>";
      return;
    }
    switch (e->kind) {
      case IRNodeKind::IntImm: out() << format_int(e.type(), e.as<IntImm>()->value); return;
      case IRNodeKind::FloatImm: out() << format_float(e.type(), e.as<FloatImm>()->value); return;
      case IRNodeKind::StringImm: out() << quote(e.as<StringImm>()->value); return;
      case IRNodeKind::Variable: {
        const auto* v = static_cast<const Variable*>(e.get());
        if (!declared_.count(v) && v->type != DataType::Int(32)) {
          declared_.insert(v);
          out() << "(" << name_of(v) << ": " << v->type.to_string() << ")";
          return;
        }
        declared_.insert(v);
        out() << name_of(v);
        return;
      }
#define ANVIL_PRINT_INFIX(Name, op_text)                     \
  case IRNodeKind::Name: {                                   \
    const auto* op = static_cast<const Name*>(e.get());      \
    out() << "(";                                              \
    print_expr(op->a);                                       \
    out() << " " op_text " ";                                  \
    print_expr(op->b);                                       \
    out() << ")";                                              \
    return;                                                  \
  }
      ANVIL_PRINT_INFIX(Add, "+")
      ANVIL_PRINT_INFIX(Sub, "-")
      ANVIL_PRINT_INFIX(Mul, "*")
      ANVIL_PRINT_INFIX(Div, "/")
      ANVIL_PRINT_INFIX(Mod, "%")
      ANVIL_PRINT_INFIX(EQ, "==")
      ANVIL_PRINT_INFIX(NE, "!=")
      ANVIL_PRINT_INFIX(LT, "<")
      ANVIL_PRINT_INFIX(LE, "<=")
      ANVIL_PRINT_INFIX(GT, ">")
      ANVIL_PRINT_INFIX(GE, ">=")
      ANVIL_PRINT_INFIX(And, "&&")
      ANVIL_PRINT_INFIX(Or, "||")
      ANVIL_PRINT_INFIX(BitAnd, "&")
      ANVIL_PRINT_INFIX(BitOr, "|")
      ANVIL_PRINT_INFIX(BitXor, "^")
      ANVIL_PRINT_INFIX(Shl, "<<")
      ANVIL_PRINT_INFIX(Shr, ">>")
#undef ANVIL_PRINT_INFIX
#define ANVIL_PRINT_FUNCTIONAL(Name, fn_text)               \
  case IRNodeKind::Name: {                                  \
    const auto* op = static_cast<const Name*>(e.get());     \
    out() << fn_text "(";                                     \
    print_expr(op->a);                                      \
    out() << ", ";                                            \
    print_expr(op->b);                                      \
    out() << ")";                                             \
    return;                                                 \
  }
      ANVIL_PRINT_FUNCTIONAL(FloorDiv, "floordiv")
      ANVIL_PRINT_FUNCTIONAL(FloorMod, "floormod")
      ANVIL_PRINT_FUNCTIONAL(Min, "min")
      ANVIL_PRINT_FUNCTIONAL(Max, "max")
#undef ANVIL_PRINT_FUNCTIONAL
      case IRNodeKind::Not:
        out() << "!";
        print_expr(e.as<Not>()->a);
        return;
      case IRNodeKind::BitNot:
        out() << "~";
        print_expr(e.as<BitNot>()->a);
        return;
      case IRNodeKind::Select: {
        const auto* op = e.as<Select>();
        out() << "select(";
        print_expr(op->condition);
        out() << ", ";
        print_expr(op->true_value);
        out() << ", ";
        print_expr(op->false_value);
        out() << ")";
        return;
      }
      case IRNodeKind::Cast:
        out() << e.type().to_string() << "(";
        print_expr(e.as<Cast>()->value);
        out() << ")";
        return;
      case IRNodeKind::Reinterpret:
        out() << "reinterpret<" << e.type().to_string() << ">(";
        print_expr(e.as<Reinterpret>()->value);
        out() << ")";
        return;
      case IRNodeKind::Load: {
        const auto* op = e.as<Load>();
        auto known = buffer_types_.find(op->buffer.get());
        if (known == buffer_types_.end() ||
            known->second.with_lanes(op->index.type().lanes()) != op->type) {
          out() << op->type.to_string() << " ";
        }
        out() << buffer_name(op->buffer.get()) << "[";
        print_expr(op->index);
        if (op->predicate.defined()) {
          out() << " if ";
          print_expr(op->predicate);
        }
        out() << "]";
        return;
      }
      case IRNodeKind::Ramp: {
        const auto* op = e.as<Ramp>();
        out() << "ramp(";
        print_expr(op->base);
        out() << ", ";
        print_expr(op->stride);
        out() << ", " << op->lanes << ")";
        return;
      }
      case IRNodeKind::Broadcast: {
        const auto* op = e.as<Broadcast>();
        out() << "broadcast(";
        print_expr(op->value);
        out() << ", " << op->lanes << ")";
        return;
      }
      case IRNodeKind::Call: {
        const auto* op = e.as<Call>();
        if (op->call_kind == CallKind::Intrinsic) out() << "intrinsic ";
        if (op->call_kind == CallKind::Extern) out() << "extern ";
        out() << op->type.to_string() << " "
            << (is_valid_ident(op->name) && !is_keyword(op->name) ? op->name : quote(op->name))
            << "(";
        print_list(op->args);
        out() << ")";
        return;
      }
      case IRNodeKind::Let: {
        const auto* op = e.as<Let>();
        out() << "(let ";
        std::string value = expr_string(op->value);
        Binding b = bind(op->var.get());
        out() << name_of(op->var.get()) << " = " << value << " in ";
        print_expr(op->body);
        out() << ")";
        unbind(b);
        return;
      }
      case IRNodeKind::TensorLoad: {
        const auto* op = e.as<TensorLoad>();
        out() << op->tensor.name() << "(";
        print_list(op->indices);
        out() << ")";
        return;
      }
      case IRNodeKind::Reduce: {
        const auto* op = e.as<Reduce>();
        const CommReducerNode* c = op->combiner.get();
        std::vector<Binding> bindings = {bind(c->lhs.get()), bind(c->rhs.get())};
        out() << "reduce(combiner (" << name_of(c->lhs.get()) << ", " << name_of(c->rhs.get())
            << ") => ";
        print_expr(c->result);
        out() << ", identity ";
        print_expr(c->identity);
        std::ostringstream axes;
        for (size_t i = 0; i < op->axes.size(); ++i) {
          const IterVar& iv = op->axes[i];
          bindings.push_back(bind(iv->var.get()));
          axes << (i ? ", " : "") << name_of(iv->var.get()) << " in ["
               << expr_string(iv->dom.min) << ", " << expr_string(iv->dom.extent) << ")";
        }
        out() << ", source ";
        print_expr(op->source);
        out() << ", axes [" << axes.str() << "], where ";
        print_expr(op->condition);
        out() << ")";
        for (auto it = bindings.rbegin(); it != bindings.rend(); ++it) unbind(*it);
        return;
      }
      default: ANVIL_ASSERT(false, "statement kind in an expression handle");
    }
  }

 private:
  std::ostream& line() {
    out() << std::string(static_cast<size_t>(indent_), ' ');
    return out();
  }

  // " {\n" body "}" and a newline unless an else follows.
  void print_block(const Stmt& body, bool end_line = true) {
    out() << " {\n";
    indent_ += 2;
    print_stmt(body, true);
    indent_ -= 2;
    line() << "}";
    if (end_line) out() << "\n";
  }

  // Prints into a string with the same naming state, for parts that must be
  // printed before a binding's name appears in the output.
  std::string expr_string(const Expr& e) {
    std::ostringstream buffer;
    std::ostream* saved = std::exchange(os_, &buffer);
    print_expr(e);
    os_ = saved;
    return buffer.str();
  }
  std::string expr_list(const std::vector<Expr>& es) {
    std::ostringstream buffer;
    std::ostream* saved = std::exchange(os_, &buffer);
    print_list(es);
    os_ = saved;
    return buffer.str();
  }
  void print_list(const std::vector<Expr>& es) {
    for (size_t i = 0; i < es.size(); ++i) {
      if (i) out() << ", ";
      print_expr(es[i]);
    }
  }

  std::ostream& out() { return *os_; }

  // A bound variable holds its name only while in scope, so sibling loops can
  // reuse a name; a free variable keeps its name for the whole printout.
  struct Binding {
    const Variable* var;
    std::optional<std::string> previous;  // the name it had, when rebound in scope
  };

  Binding bind(const Variable* v) {
    Binding b{v, std::nullopt};
    auto it = names_.find(v);
    if (it != names_.end()) {
      b.previous = it->second;
      names_.erase(it);
    }
    declared_.insert(v);
    name_of(v);
    return b;
  }

  void unbind(const Binding& b) {
    auto it = names_.find(b.var);
    if (it == names_.end()) return;
    if (--taken_[it->second] == 0) taken_.erase(it->second);
    names_.erase(it);
    if (b.previous) {
      names_[b.var] = *b.previous;
    } else {
      declared_.erase(b.var);
      buffer_types_.erase(b.var);
    }
  }

  // A buffer in Load/Store position is a handle by syntax: no type needed.
  const std::string& buffer_name(const Variable* v) {
    declared_.insert(v);
    return name_of(v);
  }

  const std::string& name_of(const Variable* v) {
    auto it = names_.find(v);
    if (it != names_.end()) return it->second;
    std::string base = v->name.empty() ? "v" : v->name;
    if (!is_ident_start(base[0])) base = "v" + base;
    for (char& c : base) {
      if (!is_ident_char(c)) c = '_';
    }
    std::string name = base;
    if (taken_.count(name) || is_keyword(name)) {
      // x_1 clashing becomes x_2, not x_1_1.
      size_t underscore = base.find_last_of('_');
      if (underscore != std::string::npos && underscore > 0 && underscore + 1 < base.size() &&
          base.find_first_not_of("0123456789", underscore + 1) == std::string::npos &&
          !is_keyword(base.substr(0, underscore))) {
        base = base.substr(0, underscore);
      }
      for (int k = 1; taken_.count(name) || is_keyword(name); ++k) {
        name = base + "_" + std::to_string(k);
      }
    }
    taken_[name]++;
    return names_.emplace(v, name).first->second;
  }

  std::ostream* os_;
  int indent_ = 0;
  std::unordered_map<const Variable*, std::string> names_;
  std::unordered_map<std::string, int> taken_;
  std::unordered_set<const Variable*> declared_;
  std::unordered_map<const Variable*, DataType> buffer_types_;
};

}  // namespace

std::ostream& operator<<(std::ostream& os, const Expr& e) {
  Printer(os).print_expr(e);
  return os;
}

std::ostream& operator<<(std::ostream& os, const Stmt& s) {
  Printer(os).print_stmt(s, true);
  return os;
}

std::ostream& operator<<(std::ostream& os, const LoweredFunc& f) {
  Printer(os).print_func(f);
  return os;
}

std::string to_string(const Expr& e) {
  std::ostringstream os;
  os << e;
  return os.str();
}

std::string to_string(const Stmt& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

std::string to_string(const LoweredFunc& f) {
  std::ostringstream os;
  os << f;
  return os.str();
}

}  // namespace anvil
