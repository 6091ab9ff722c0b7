// Structural equality and hashing. Both reduce a tree to one canonical token
// sequence, so equal trees hash equally by construction.
//
// The sequence names each variable by a number instead of its identity: a
// binding site (For, Let, LetStmt, Allocate, function argument, reduce axis,
// reducer operand) gives the bound variable the next number, and the first use
// of a free variable does the same. Two trees serialise alike exactly when they
// have the same shape and their variables correspond one to one, which is
// alpha-equivalence with a bijection on free variables.
#include "anvil/ir/StructuralEqual.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "anvil/ir/IRVisitor.h"

namespace anvil {

namespace {

class Serializer : public IRVisitor {
 public:
  using IRVisitor::visit;
  std::vector<uint64_t> tokens;

  void emit(uint64_t t) { tokens.push_back(t); }
  void emit_type(DataType t) {
    emit((static_cast<uint64_t>(t.code()) << 32) | (static_cast<uint64_t>(t.bits()) << 16) |
         static_cast<uint64_t>(t.lanes()));
  }
  void emit_string(const std::string& s) {
    emit(s.size());
    for (size_t i = 0; i < s.size(); i += 8) {
      uint64_t word = 0;
      std::memcpy(&word, s.data() + i, std::min<size_t>(8, s.size() - i));
      emit(word);
    }
  }
  void emit_double(double d) {
    uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    emit(bits);
  }
  // A marker before every node (and before optional parts) keeps the sequence
  // unambiguous: no two different trees flatten to the same tokens.
  void emit_kind(IRNodeKind k) { emit(0xA000 + static_cast<uint64_t>(k)); }
  void emit_optional(const Expr& e) {
    emit(e.defined() ? 1 : 0);
    if (e.defined()) visit(e);
  }
  void emit_optional(const Stmt& s) {
    emit(s.defined() ? 1 : 0);
    if (s.defined()) visit(s);
  }

  void bind(const Var& v) {
    emit(0xB1);
    emit_type(v.type());
    var_index_[v.get()] = next_index_++;
  }
  void use(const Variable* v) {
    emit(0xB2);
    emit_type(v->type);
    auto it = var_index_.find(v);
    if (it == var_index_.end()) it = var_index_.emplace(v, next_index_++).first;
    emit(it->second);
  }
  void use_tensor(const Tensor& t) {
    emit(0xB3);
    emit_type(t.dtype());
    emit(static_cast<uint64_t>(t.ndim()));
    auto it = tensor_index_.find(t.get());
    if (it == tensor_index_.end()) it = tensor_index_.emplace(t.get(), next_tensor_++).first;
    emit(it->second);
  }
  void emit_exprs(const std::vector<Expr>& es) {
    emit(es.size());
    for (const Expr& e : es) visit(e);
  }

  void func(const LoweredFunc& f) {
    emit_string(f.name);
    emit(f.args.size());
    for (const BufferArg& arg : f.args) {
      bind(arg.data);
      emit_type(arg.dtype);
      emit(arg.shape.size());
      for (int64_t d : arg.shape) emit(static_cast<uint64_t>(d));
    }
    emit_optional(f.body);
  }

 protected:
  void visit_node(const IntImm* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    emit(static_cast<uint64_t>(op->value));
  }
  void visit_node(const FloatImm* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    emit_double(op->value);
  }
  void visit_node(const StringImm* op) override {
    emit_kind(op->kind);
    emit_string(op->value);
  }
  void visit_node(const Variable* op) override { use(op); }

#define ANVIL_SERIALIZE_BINARY(Name)          \
  void visit_node(const Name* op) override {  \
    emit_kind(op->kind);                      \
    emit_type(op->type);                      \
    visit(op->a);                             \
    visit(op->b);                             \
  }
  ANVIL_SERIALIZE_BINARY(Add)
  ANVIL_SERIALIZE_BINARY(Sub)
  ANVIL_SERIALIZE_BINARY(Mul)
  ANVIL_SERIALIZE_BINARY(Div)
  ANVIL_SERIALIZE_BINARY(Mod)
  ANVIL_SERIALIZE_BINARY(FloorDiv)
  ANVIL_SERIALIZE_BINARY(FloorMod)
  ANVIL_SERIALIZE_BINARY(Min)
  ANVIL_SERIALIZE_BINARY(Max)
  ANVIL_SERIALIZE_BINARY(EQ)
  ANVIL_SERIALIZE_BINARY(NE)
  ANVIL_SERIALIZE_BINARY(LT)
  ANVIL_SERIALIZE_BINARY(LE)
  ANVIL_SERIALIZE_BINARY(GT)
  ANVIL_SERIALIZE_BINARY(GE)
  ANVIL_SERIALIZE_BINARY(And)
  ANVIL_SERIALIZE_BINARY(Or)
  ANVIL_SERIALIZE_BINARY(BitAnd)
  ANVIL_SERIALIZE_BINARY(BitOr)
  ANVIL_SERIALIZE_BINARY(BitXor)
  ANVIL_SERIALIZE_BINARY(Shl)
  ANVIL_SERIALIZE_BINARY(Shr)
#undef ANVIL_SERIALIZE_BINARY

  void visit_node(const Not* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    visit(op->a);
  }
  void visit_node(const BitNot* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    visit(op->a);
  }
  void visit_node(const Select* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    visit(op->condition);
    visit(op->true_value);
    visit(op->false_value);
  }
  void visit_node(const Cast* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    visit(op->value);
  }
  void visit_node(const Reinterpret* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    visit(op->value);
  }
  void visit_node(const Load* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    use(op->buffer.get());
    visit(op->index);
    emit_optional(op->predicate);
  }
  void visit_node(const Ramp* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    visit(op->base);
    visit(op->stride);
  }
  void visit_node(const Broadcast* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    visit(op->value);
  }
  void visit_node(const Call* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    emit(static_cast<uint64_t>(op->call_kind));
    emit_string(op->name);
    emit_exprs(op->args);
  }
  void visit_node(const Let* op) override {
    emit_kind(op->kind);
    visit(op->value);
    bind(op->var);
    visit(op->body);
  }
  void visit_node(const TensorLoad* op) override {
    emit_kind(op->kind);
    use_tensor(op->tensor);
    emit_exprs(op->indices);
  }
  void visit_node(const Reduce* op) override {
    emit_kind(op->kind);
    emit_type(op->type);
    const CommReducerNode* c = op->combiner.get();
    bind(c->lhs);
    bind(c->rhs);
    visit(c->result);
    visit(c->identity);
    emit(op->axes.size());
    for (const IterVar& iv : op->axes) {
      visit(iv->dom.min);
      visit(iv->dom.extent);
      emit(static_cast<uint64_t>(iv->kind));
      bind(iv->var);
    }
    visit(op->source);
    emit_optional(op->condition);
  }

  void visit_node(const LetStmt* op) override {
    emit_kind(op->kind);
    visit(op->value);
    bind(op->var);
    visit(op->body);
  }
  void visit_node(const AssertStmt* op) override {
    emit_kind(op->kind);
    visit(op->condition);
    emit_string(op->message);
  }
  void visit_node(const For* op) override {
    emit_kind(op->kind);
    visit(op->min);
    visit(op->extent);
    emit(static_cast<uint64_t>(op->for_kind));
    emit_string(op->thread_tag);
    bind(op->var);
    emit(op->pragmas.size());
    for (const auto& [key, value] : op->pragmas) {
      emit_string(key);
      emit_optional(value);
    }
    visit(op->body);
  }
  void visit_node(const Store* op) override {
    emit_kind(op->kind);
    use(op->buffer.get());
    visit(op->value);
    visit(op->index);
    emit_optional(op->predicate);
  }
  void visit_node(const TensorStore* op) override {
    emit_kind(op->kind);
    use_tensor(op->tensor);
    visit(op->value);
    emit_exprs(op->indices);
  }
  void visit_node(const Allocate* op) override {
    emit_kind(op->kind);
    emit_type(op->dtype);
    emit_exprs(op->extents);
    emit_string(op->scope);
    bind(op->buffer);
    visit(op->body);
  }
  void visit_node(const Realize* op) override {
    emit_kind(op->kind);
    use_tensor(op->tensor);
    emit(op->bounds.size());
    for (const Range& r : op->bounds) {
      visit(r.min);
      visit(r.extent);
    }
    emit_string(op->scope);
    visit(op->body);
  }
  void visit_node(const Seq* op) override {
    emit_kind(op->kind);
    emit(op->stmts.size());
    for (const Stmt& s : op->stmts) emit_optional(s);
  }
  void visit_node(const IfThenElse* op) override {
    emit_kind(op->kind);
    visit(op->condition);
    visit(op->then_case);
    emit_optional(op->else_case);
  }
  void visit_node(const Evaluate* op) override {
    emit_kind(op->kind);
    visit(op->value);
  }

 private:
  std::unordered_map<const Variable*, uint64_t> var_index_;
  std::unordered_map<const TensorNode*, uint64_t> tensor_index_;
  uint64_t next_index_ = 0;
  uint64_t next_tensor_ = 0;
};

template <typename T>
std::vector<uint64_t> serialize(const T& node) {
  Serializer s;
  s.emit_optional(node);
  return std::move(s.tokens);
}

std::vector<uint64_t> serialize(const LoweredFunc& f) {
  Serializer s;
  s.func(f);
  return std::move(s.tokens);
}

// splitmix64 finaliser over the token stream: cheap and well mixed.
size_t hash_tokens(const std::vector<uint64_t>& tokens) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ tokens.size();
  for (uint64_t t : tokens) {
    uint64_t z = h + 0x9E3779B97F4A7C15ull + t;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    h = z ^ (z >> 31);
  }
  return static_cast<size_t>(h);
}

}  // namespace

bool structural_equal(const Expr& a, const Expr& b) { return serialize(a) == serialize(b); }
bool structural_equal(const Stmt& a, const Stmt& b) { return serialize(a) == serialize(b); }
bool structural_equal(const LoweredFunc& a, const LoweredFunc& b) {
  return serialize(a) == serialize(b);
}

size_t structural_hash(const Expr& e) { return hash_tokens(serialize(e)); }
size_t structural_hash(const Stmt& s) { return hash_tokens(serialize(s)); }
size_t structural_hash(const LoweredFunc& f) { return hash_tokens(serialize(f)); }

}  // namespace anvil
