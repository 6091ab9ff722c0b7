// The recursive-descent parser for the text form of loop-level IR. The grammar
// is documented at the top of IRPrinter.cpp; this file follows it rule by rule.
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include "IRLexer.h"
#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/support/Error.h"

namespace anvil {

namespace {

using ir_text::describe;
using ir_text::Lexer;
using ir_text::Token;

std::optional<DataType> as_type_name(const std::string& s) {
  try {
    return DataType::parse(s);
  } catch (const UserError&) {
    return std::nullopt;
  }
}

// Binary operator precedence, C-like (higher binds tighter).
int precedence(const std::string& op) {
  static const std::unordered_map<std::string, int> kPrec = {
      {"||", 1}, {"&&", 2}, {"|", 3},  {"^", 4},  {"&", 5},  {"==", 6}, {"!=", 6},
      {"<", 7},  {"<=", 7}, {">", 7},  {">=", 7}, {"<<", 8}, {">>", 8}, {"+", 9},
      {"-", 9},  {"*", 10}, {"/", 10}, {"%", 10}};
  auto it = kPrec.find(op);
  return it == kPrec.end() ? 0 : it->second;
}

class Parser {
 public:
  explicit Parser(const std::string& text) : tokens_(Lexer(text).run()) {}

  Expr parse_whole_expr() {
    Expr e = parse_expr();
    expect_end();
    return e;
  }

  Stmt parse_whole_stmt() {
    Stmt s = parse_stmts();
    expect_end();
    return s;
  }

  LoweredFunc parse_whole_func() {
    LoweredFunc f = parse_func();
    expect_end();
    return f;
  }

  bool starts_with_func() const { return is_ident("func"); }

 private:
  // ------------------------------------------------------------ tokens

  const Token& cur() const { return tokens_[pos_]; }
  const Token& peek(size_t ahead) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  Token next() {
    Token t = cur();
    if (pos_ + 1 < tokens_.size()) pos_++;
    return t;
  }
  bool is_punct(const char* p, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Token::Punct && t.text == p;
  }
  bool is_ident(const char* word, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Token::Ident && t.text == word;
  }
  bool accept(const char* p) {
    if (!is_punct(p)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail(const Token& at, const std::string& message) const {
    Lexer::fail(at, message);
  }
  [[noreturn]] void fail_expected(const std::string& what) const {
    fail(cur(), "expected " + what + ", found " + describe(cur()));
  }
  void expect(const char* p, const char* context) {
    if (!accept(p)) fail_expected(std::string("'") + p + "' " + context);
  }
  void expect_end() {
    if (cur().kind != Token::End) fail_expected("end of input");
  }
  std::string expect_ident(const char* what) {
    if (cur().kind != Token::Ident) fail_expected(what);
    return next().text;
  }
  std::string expect_string(const char* what) {
    if (cur().kind != Token::String) fail_expected(what);
    return next().text;
  }
  DataType expect_type() {
    if (cur().kind == Token::Ident) {
      if (auto t = as_type_name(cur().text)) {
        next();
        return *t;
      }
    }
    fail_expected("a type such as int32 or float32x8");
  }
  int64_t expect_int(const char* what) {
    bool negative = accept("-");
    if (cur().kind != Token::Number) fail_expected(what);
    Token t = next();
    for (char c : t.text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) fail(t, std::string("expected ") + what);
    }
    try {
      int64_t v = std::stoll(t.text);
      return negative ? -v : v;
    } catch (const std::exception&) {
      fail(t, "integer " + t.text + " out of range");
    }
  }

  // Runs a node constructor; a broken invariant there is the text's fault here.
  template <typename F>
  auto build(const Token& at, F&& make) -> decltype(make()) {
    try {
      return make();
    } catch (const InternalError& e) {
      std::string msg = e.what();
      // Keep only the invariant's message, not our file and line.
      size_t colon = msg.find("failed: ");
      fail(at, "ill-formed IR: " + (colon == std::string::npos ? msg : msg.substr(colon + 8)));
    } catch (const UserError& e) {
      fail(at, e.what());
    }
  }

  // ------------------------------------------------------------ scopes

  struct Binding {
    std::string name;
    Var var;
  };

  Var lookup(const std::string& name) const {
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
      if (it->name == name) return it->var;
    }
    auto it = free_.find(name);
    return it == free_.end() ? Var() : it->second;
  }

  Var free_var(const Token& at, const std::string& name, DataType t) {
    Var v = lookup(name);
    if (v.defined()) {
      if (v.type() != t) {
        fail(at, "'" + name + "' is a " + v.type().to_string() + " here, not a " + t.to_string());
      }
      return v;
    }
    v = Var(name, t);
    free_.emplace(name, v);
    return v;
  }

  Var buffer_var(const Token& at, const std::string& name) {
    Var v = lookup(name);
    if (!v.defined()) return free_var(at, name, DataType::Handle());
    if (!v.type().is_handle()) {
      fail(at, "'" + name + "' is a " + v.type().to_string() + ", not a buffer");
    }
    return v;
  }

  // ------------------------------------------------------------ functions

  LoweredFunc parse_func() {
    if (!is_ident("func")) fail_expected("'func'");
    next();
    LoweredFunc f;
    if (cur().kind == Token::String) {
      f.name = next().text;
    } else {
      f.name = expect_ident("a function name");
    }
    expect("(", "after the function name");
    while (!is_punct(")")) {
      if (!f.args.empty()) expect(",", "between arguments");
      Token at = cur();
      BufferArg arg;
      std::string name = expect_ident("an argument name");
      expect(":", "after the argument name");
      arg.dtype = expect_type();
      expect("[", "before the argument's shape");
      while (!is_punct("]")) {
        if (!arg.shape.empty()) expect(",", "between extents");
        arg.shape.push_back(expect_int("an integer extent"));
      }
      next();
      if (lookup(name).defined()) fail(at, "argument '" + name + "' declared twice");
      arg.data = Var(name, DataType::Handle());
      scope_.push_back({name, arg.data});
      buffer_types_[arg.data.get()] = arg.dtype;
      f.args.push_back(std::move(arg));
    }
    next();
    expect("{", "before the function body");
    f.body = parse_stmts();
    expect("}", "at the end of the function body");
    return f;
  }

  // ------------------------------------------------------------ statements

  // Statements up to a closing brace or the end, not consuming either.
  Stmt parse_stmts() {
    std::vector<Stmt> stmts;
    while (!is_punct("}") && cur().kind != Token::End) stmts.push_back(parse_one_stmt());
    return Seq::make(std::move(stmts));
  }

  Stmt parse_block() {
    expect("{", "to open a block");
    size_t depth = scope_.size();
    Stmt body = parse_stmts();
    expect("}", "to close the block");
    scope_.resize(depth);
    return body;
  }

  Stmt parse_one_stmt() {
    Token at = cur();
    if (at.kind != Token::Ident) fail_expected("a statement");
    const std::string& word = at.text;
    if (word == "for") return parse_for();
    if (word == "if") return parse_if();
    if (word == "let") {
      next();
      std::string name = expect_ident("a variable name after 'let'");
      expect("=", "after the let variable");
      Expr value = parse_expr();
      Var v(name, value.type());
      size_t depth = scope_.size();
      scope_.push_back({name, v});
      // With braces the body is the block; without, it is the rest of this block.
      Stmt body = is_punct("{") ? parse_block() : parse_stmts();
      scope_.resize(depth);
      return build(at, [&] { return LetStmt::make(v, value, body); });
    }
    if (word == "allocate") {
      next();
      std::string name = expect_ident("a buffer name after 'allocate'");
      DataType dtype = expect_type();
      expect("[", "before the allocation's extents");
      std::vector<Expr> extents = parse_expr_list("]");
      std::string scope = expect_string("the storage scope as a string, e.g. \"global\"");
      Var buffer(name, DataType::Handle());
      buffer_types_[buffer.get()] = dtype;
      size_t depth = scope_.size();
      scope_.push_back({name, buffer});
      Stmt body = parse_block();
      scope_.resize(depth);
      return build(at, [&] { return Allocate::make(buffer, dtype, extents, scope, body); });
    }
    if (word == "assert") {
      next();
      expect("(", "after 'assert'");
      Expr cond = parse_expr();
      expect(",", "after the assert condition");
      std::string message = expect_string("the assert message as a string");
      expect(")", "to close assert");
      return build(at, [&] { return AssertStmt::make(cond, message); });
    }
    if (word == "evaluate") {
      next();
      expect("(", "after 'evaluate'");
      Expr value = parse_expr();
      expect(")", "to close evaluate");
      return build(at, [&] { return Evaluate::make(value); });
    }
    if (word == "realize" || is_punct("(", 1)) {
      fail(at, "tensor-level IR (" + std::string(word == "realize" ? "Realize" : "TensorStore") +
                   ") prints but does not parse");
    }
    if (is_punct("[", 1)) {
      next();
      Var buffer = buffer_var(at, word);
      next();  // [
      Expr index = parse_expr();
      Expr predicate;
      if (is_ident("if")) {
        next();
        predicate = parse_expr();
      }
      expect("]", "to close the store index");
      expect("=", "after the store target");
      Expr value = parse_expr();
      return build(at, [&] { return Store::make(buffer, value, index, predicate); });
    }
    fail_expected("a statement (for, if, let, allocate, assert, evaluate or a store A[i] = v)");
  }

  Stmt parse_for() {
    Token at = next();  // for
    expect("(", "after 'for'");
    std::string name = expect_ident("the loop variable");
    expect(",", "after the loop variable");
    Expr min = parse_expr();
    expect(",", "after the loop minimum");
    Expr extent = parse_expr();
    expect(")", "after the loop extent");
    if (min.type() != extent.type()) {
      Token where = at;
      build(where, [&] {
        match_types(min, extent, "for");
        return 0;
      });
    }
    Var v(name, min.type());
    size_t depth = scope_.size();
    scope_.push_back({name, v});
    ForKind kind = ForKind::Serial;
    std::string tag;
    std::vector<std::pair<std::string, Expr>> pragmas;
    static const std::pair<const char*, ForKind> kKinds[] = {
        {"serial", ForKind::Serial},       {"parallel", ForKind::Parallel},
        {"vectorized", ForKind::Vectorized}, {"unrolled", ForKind::Unrolled},
        {"gpu_block", ForKind::GPUBlock},  {"gpu_thread", ForKind::GPUThread}};
    while (cur().kind == Token::Ident) {
      if (is_ident("pragma")) {
        next();
        expect("(", "after 'pragma'");
        std::string key = expect_string("the pragma key as a string");
        expect(",", "after the pragma key");
        Expr value = parse_expr();
        expect(")", "to close the pragma");
        pragmas.emplace_back(key, value);
        continue;
      }
      bool found = false;
      for (const auto& [spelling, k] : kKinds) {
        if (cur().text != spelling) continue;
        next();
        kind = k;
        found = true;
        if (k == ForKind::GPUBlock || k == ForKind::GPUThread) {
          expect("(", "after the GPU loop kind");
          tag = expect_string("the thread tag as a string, e.g. \"blockIdx.x\"");
          expect(")", "after the thread tag");
        }
      }
      if (!found) fail_expected("a loop kind, a pragma or '{'");
    }
    Stmt body = parse_block();
    scope_.resize(depth);
    return build(at, [&] { return For::make(v, min, extent, kind, body, tag, pragmas); });
  }

  Stmt parse_if() {
    Token at = next();  // if
    expect("(", "after 'if'");
    Expr cond = parse_expr();
    expect(")", "after the if condition");
    Stmt then_case = parse_block();
    Stmt else_case;
    if (is_ident("else")) {
      next();
      else_case = is_ident("if") ? parse_if() : parse_block();
    }
    return build(at, [&] { return IfThenElse::make(cond, then_case, else_case); });
  }

  // ------------------------------------------------------------ expressions

  std::vector<Expr> parse_expr_list(const char* close) {
    std::vector<Expr> out;
    while (!is_punct(close)) {
      if (!out.empty()) expect(",", "between arguments");
      out.push_back(parse_expr());
    }
    next();
    return out;
  }

  Expr parse_expr(int min_prec = 1) {
    Expr lhs = parse_unary();
    while (cur().kind == Token::Punct) {
      int prec = precedence(cur().text);
      if (prec < min_prec) break;
      Token op = next();
      Expr rhs = parse_expr(prec + 1);
      lhs = make_binary(op, lhs, rhs);
    }
    return lhs;
  }

  Expr make_binary(const Token& op, Expr a, Expr b) {
    const std::string& o = op.text;
    return build(op, [&]() -> Expr {
      if (a.type() != b.type()) match_types(a, b, o.c_str());
      if (o == "+") return Add::make(a, b);
      if (o == "-") return Sub::make(a, b);
      if (o == "*") return Mul::make(a, b);
      if (o == "/") return Div::make(a, b);
      if (o == "%") return Mod::make(a, b);
      if (o == "==") return EQ::make(a, b);
      if (o == "!=") return NE::make(a, b);
      if (o == "<") return LT::make(a, b);
      if (o == "<=") return LE::make(a, b);
      if (o == ">") return GT::make(a, b);
      if (o == ">=") return GE::make(a, b);
      if (o == "&&") return And::make(a, b);
      if (o == "||") return Or::make(a, b);
      if (o == "&") return BitAnd::make(a, b);
      if (o == "|") return BitOr::make(a, b);
      if (o == "^") return BitXor::make(a, b);
      if (o == "<<") return Shl::make(a, b);
      return Shr::make(a, b);
    });
  }

  Expr parse_unary() {
    Token at = cur();
    if (accept("!")) {
      Expr a = parse_unary();
      return build(at, [&] { return Not::make(a); });
    }
    if (accept("~")) {
      Expr a = parse_unary();
      return build(at, [&] { return BitNot::make(a); });
    }
    if (accept("-")) {
      if (cur().kind == Token::Number) return parse_number(next(), true);
      Expr a = parse_unary();
      if (const FloatImm* f = a.as<FloatImm>()) return FloatImm::make(a.type(), -f->value);
      return build(at, [&] { return Sub::make(make_zero(a.type()), a); });
    }
    return parse_primary();
  }

  Expr parse_number(const Token& t, bool negative) {
    const std::string& s = t.text;
    size_t end = 0;
    while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.' ||
                              ((s[end] == 'e' || s[end] == 'E') && end + 1 < s.size() &&
                               (std::isdigit(static_cast<unsigned char>(s[end + 1])) ||
                                s[end + 1] == '-' || s[end + 1] == '+')) ||
                              ((s[end] == '-' || s[end] == '+') && end > 0 &&
                               (s[end - 1] == 'e' || s[end - 1] == 'E')))) {
      end++;
    }
    std::string digits = s.substr(0, end), suffix = s.substr(end);
    bool is_float_text = digits.find_first_of(".eE") != std::string::npos;
    std::optional<DataType> float_type;
    if (suffix == "f") float_type = DataType::Float(32);
    if (suffix == "f16") float_type = DataType::Float(16);
    if (suffix == "bf16") float_type = DataType::BFloat16();
    if (suffix.empty() && is_float_text) float_type = DataType::Float(64);
    if (float_type) {
      double v = std::strtod(digits.c_str(), nullptr);
      return FloatImm::make(*float_type, negative ? -v : v);
    }
    if (is_float_text) fail(t, "unknown suffix '" + suffix + "' on the float literal " + s);
    DataType type = DataType::Int(32);
    if (!suffix.empty()) {
      int bits = 0;
      bool ok = (suffix[0] == 'i' || suffix[0] == 'u') && suffix.size() > 1 && suffix.size() < 4;
      for (size_t i = 1; ok && i < suffix.size(); ++i) {
        ok = std::isdigit(static_cast<unsigned char>(suffix[i]));
      }
      if (ok) bits = std::stoi(suffix.substr(1));
      if (!ok || bits < 1 || bits > 64) {
        fail(t, "unknown suffix '" + suffix + "' on " + s +
                    " (expected e.g. 3i64, 7u4, 1.5f, 1.5f16 or 1.5bf16)");
      }
      type = suffix[0] == 'i' ? DataType::Int(bits) : DataType::UInt(bits);
    }
    uint64_t magnitude = 0;
    try {
      size_t used = 0;
      magnitude = std::stoull(digits, &used);
    } catch (const std::exception&) {
      fail(t, "integer literal " + s + " out of range");
    }
    bool fits = type.is_uint() ? !negative && (type.bits() == 64 || magnitude <= type.max_uint())
                               : magnitude <= static_cast<uint64_t>(type.max_int()) +
                                                  (negative ? 1 : 0);
    if (!fits) fail(t, "literal " + std::string(negative ? "-" : "") + s + " does not fit its type");
    int64_t value = static_cast<int64_t>(magnitude);
    if (negative) value = static_cast<int64_t>(0 - magnitude);
    return IntImm::make(type, value);
  }

  // 'ramp' / 'broadcast' lane counts and similar literal integers.
  int expect_lanes() {
    Token at = cur();
    int64_t lanes = expect_int("a lane count");
    if (lanes < 2 || lanes > 65535) fail(at, "lane count must be 2..65535");
    return static_cast<int>(lanes);
  }

  Expr parse_primary() {
    Token at = cur();
    switch (at.kind) {
      case Token::Number: next(); return parse_number(at, false);
      case Token::String: next(); return StringImm::make(at.text);
      case Token::End: fail_expected("an expression");
      case Token::Punct: {
        if (!is_punct("(")) fail_expected("an expression");
        next();
        Expr e;
        if (cur().kind == Token::Ident && is_punct(":", 1)) {
          // (x: type): a free variable with its type.
          Token name = next();
          next();
          DataType t = expect_type();
          e = free_var(name, name.text, t);
        } else {
          e = parse_expr();
        }
        expect(")", "to close the parenthesis");
        return e;
      }
      case Token::Ident: break;
    }
    const std::string word = at.text;
    if (word == "true" || word == "false") {
      next();
      return IntImm::make(DataType::Bool(), word == "true");
    }
    for (const char* base : {"inf", "nan"}) {
      if (word.rfind(base, 0) != 0) continue;
      std::string suffix = word.substr(3);
      std::optional<DataType> t;
      if (suffix.empty()) t = DataType::Float(64);
      if (suffix == "f") t = DataType::Float(32);
      if (suffix == "f16") t = DataType::Float(16);
      if (suffix == "bf16") t = DataType::BFloat16();
      if (!t) continue;
      next();
      double v = word[0] == 'i' ? std::numeric_limits<double>::infinity()
                                : std::numeric_limits<double>::quiet_NaN();
      return FloatImm::make(*t, v);
    }
    if (word == "let") {
      next();
      std::string name = expect_ident("a variable name after 'let'");
      expect("=", "after the let variable");
      Expr value = parse_expr();
      if (!is_ident("in")) fail_expected("'in' after the let value");
      next();
      Var v(name, value.type());
      size_t depth = scope_.size();
      scope_.push_back({name, v});
      Expr body = parse_expr();
      scope_.resize(depth);
      return build(at, [&] { return Let::make(v, value, body); });
    }
    if (word == "select" || word == "floordiv" || word == "floormod" || word == "min" ||
        word == "max") {
      next();
      expect("(", ("after '" + word + "'").c_str());
      std::vector<Expr> args = parse_expr_list(")");
      size_t want = word == "select" ? 3 : 2;
      if (args.size() != want) {
        fail(at, word + " takes " + std::to_string(want) + " arguments, got " +
                     std::to_string(args.size()));
      }
      return build(at, [&]() -> Expr {
        if (word == "select") return Select::make(args[0], args[1], args[2]);
        if (args[0].type() != args[1].type()) match_types(args[0], args[1], word.c_str());
        if (word == "floordiv") return FloorDiv::make(args[0], args[1]);
        if (word == "floormod") return FloorMod::make(args[0], args[1]);
        if (word == "min") return Min::make(args[0], args[1]);
        return Max::make(args[0], args[1]);
      });
    }
    if (word == "ramp") {
      next();
      expect("(", "after 'ramp'");
      Expr base = parse_expr();
      expect(",", "after the ramp base");
      Expr stride = parse_expr();
      expect(",", "after the ramp stride");
      int lanes = expect_lanes();
      expect(")", "to close ramp");
      return build(at, [&] { return Ramp::make(base, stride, lanes); });
    }
    if (word == "broadcast") {
      next();
      expect("(", "after 'broadcast'");
      Expr value = parse_expr();
      expect(",", "after the broadcast value");
      int lanes = expect_lanes();
      expect(")", "to close broadcast");
      return build(at, [&] { return Broadcast::make(value, lanes); });
    }
    if (word == "reinterpret") {
      next();
      expect("<", "after 'reinterpret'");
      DataType t = expect_type();
      expect(">", "after the reinterpret type");
      expect("(", "after reinterpret<type>");
      Expr value = parse_expr();
      expect(")", "to close reinterpret");
      return build(at, [&] { return Reinterpret::make(t, value); });
    }
    if (word == "intrinsic" || word == "extern") {
      next();
      return parse_typed(word == "intrinsic" ? CallKind::Intrinsic : CallKind::Extern, true);
    }
    if (word == "reduce") fail(at, "tensor-level IR (Reduce) prints but does not parse");
    if (as_type_name(word)) return parse_typed(CallKind::PureIntrinsic, false);
    next();
    if (is_punct("[")) return parse_load(at, std::nullopt);
    if (is_punct("(")) fail(at, "tensor-level IR (TensorLoad " + word + "(...)) does not parse");
    Var v = lookup(word);
    return v.defined() ? Expr(v) : Expr(free_var(at, word, DataType::Int(32)));
  }

  // After a type name: a cast TYPE(x), a call TYPE name(args) or a load TYPE A[i].
  Expr parse_typed(CallKind call_kind, bool must_be_call) {
    Token at = cur();
    DataType t = expect_type();
    if (!must_be_call && is_punct("(")) {
      next();
      Expr value = parse_expr();
      expect(")", "to close the cast");
      return build(at, [&] { return Cast::make(t, value); });
    }
    Token name = cur();
    if (name.kind != Token::Ident && name.kind != Token::String) {
      fail_expected("'(' for a cast, or a call or buffer name after the type " + t.to_string());
    }
    next();
    if (!must_be_call && name.kind == Token::Ident && is_punct("[")) return parse_load(name, t);
    expect("(", "after the call name");
    std::vector<Expr> args = parse_expr_list(")");
    return build(at, [&] { return Call::make(t, name.text, args, call_kind); });
  }

  Expr parse_load(const Token& name, std::optional<DataType> type) {
    Var buffer = buffer_var(name, name.text);
    next();  // [
    Expr index = parse_expr();
    Expr predicate;
    if (is_ident("if")) {
      next();
      predicate = parse_expr();
    }
    expect("]", "to close the load index");
    if (!type) {
      auto it = buffer_types_.find(buffer.get());
      if (it == buffer_types_.end()) {
        fail(name, "the element type of buffer '" + name.text +
                       "' is unknown here; write it before the load, e.g. float32 " + name.text +
                       "[...]");
      }
      type = it->second.with_lanes(index.type().lanes());
    }
    return build(name, [&] { return Load::make(*type, buffer, index, predicate); });
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::vector<Binding> scope_;
  std::unordered_map<std::string, Var> free_;
  std::unordered_map<const Variable*, DataType> buffer_types_;
};

}  // namespace

Expr parse_expr(const std::string& text) { return Parser(text).parse_whole_expr(); }
Stmt parse_stmt(const std::string& text) { return Parser(text).parse_whole_stmt(); }
LoweredFunc parse_func(const std::string& text) { return Parser(text).parse_whole_func(); }
bool text_is_func(const std::string& text) { return Parser(text).starts_with_func(); }

}  // namespace anvil
