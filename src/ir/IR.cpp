// Node constructors: each make() checks the invariants of its node kind.
#include "anvil/ir/IR.h"

#include "anvil/ir/IRVisitor.h"
#include "anvil/support/Error.h"

namespace anvil {

const char* node_kind_name(IRNodeKind kind) {
  switch (kind) {
#define ANVIL_EXPR_NODE(Name) \
  case IRNodeKind::Name:      \
    return #Name;
#define ANVIL_STMT_NODE(Name) \
  case IRNodeKind::Name:      \
    return #Name;
#include "anvil/ir/NodeKinds.def"
  }
  return "?";
}

const char* for_kind_name(ForKind kind) {
  switch (kind) {
    case ForKind::Serial: return "serial";
    case ForKind::Parallel: return "parallel";
    case ForKind::Vectorized: return "vectorized";
    case ForKind::Unrolled: return "unrolled";
    case ForKind::GPUBlock: return "gpu_block";
    case ForKind::GPUThread: return "gpu_thread";
  }
  return "?";
}

Expr::Expr(int value) : Expr(IntImm::make(DataType::Int(32), value)) {}
Expr::Expr(int64_t value) : Expr(IntImm::make(DataType::Int(64), value)) {}
Expr::Expr(float value) : Expr(FloatImm::make(DataType::Float(32), value)) {}
Expr::Expr(double value) : Expr(FloatImm::make(DataType::Float(64), value)) {}

Var::Var(const std::string& name, DataType t) {
  auto* node = new Variable(t);
  node->name = name;
  *this = Var(static_cast<const Variable*>(node));
}

Expr IntImm::make(DataType t, int64_t value) {
  ANVIL_ASSERT(t.is_int_or_uint() && t.is_scalar(), "IntImm of type " << t.to_string());
  // Normalise to the type's width so equal constants compare equal.
  if (t.bits() < 64) {
    uint64_t mask = (uint64_t{1} << t.bits()) - 1;
    uint64_t bits = static_cast<uint64_t>(value) & mask;
    if (t.is_int() && (bits >> (t.bits() - 1)) & 1) bits |= ~mask;
    value = static_cast<int64_t>(bits);
  }
  auto* n = new IntImm(t);
  n->value = value;
  return n;
}

Expr FloatImm::make(DataType t, double value) {
  ANVIL_ASSERT(t.is_floating() && t.is_scalar(), "FloatImm of type " << t.to_string());
  auto* n = new FloatImm(t);
  n->value = t.bits() == 32 ? static_cast<double>(static_cast<float>(value)) : value;
  return n;
}

Expr StringImm::make(const std::string& value) {
  auto* n = new StringImm(DataType::Handle());
  n->value = value;
  return n;
}

template <typename T, IRNodeKind K>
Expr BinaryOpNode<T, K>::make(Expr a, Expr b) {
  ANVIL_ASSERT(a.defined() && b.defined(), node_kind_name(K) << " of an undefined operand");
  ANVIL_ASSERT(a.type() == b.type(), node_kind_name(K) << " of mismatched types "
                                                       << a.type().to_string() << " and "
                                                       << b.type().to_string());
  if constexpr (K == IRNodeKind::And || K == IRNodeKind::Or) {
    ANVIL_ASSERT(a.type().is_bool(), node_kind_name(K) << " of non-bool operands");
  }
  auto* n = new T(a.type());
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}

template <typename T, IRNodeKind K>
Expr CmpOpNode<T, K>::make(Expr a, Expr b) {
  ANVIL_ASSERT(a.defined() && b.defined(), node_kind_name(K) << " of an undefined operand");
  ANVIL_ASSERT(a.type() == b.type(), node_kind_name(K) << " of mismatched types "
                                                       << a.type().to_string() << " and "
                                                       << b.type().to_string());
  auto* n = new T(DataType::Bool(a.type().lanes()));
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}

#define ANVIL_INSTANTIATE(Name, Base) template struct Base<Name, IRNodeKind::Name>;
ANVIL_INSTANTIATE(Add, BinaryOpNode)
ANVIL_INSTANTIATE(Sub, BinaryOpNode)
ANVIL_INSTANTIATE(Mul, BinaryOpNode)
ANVIL_INSTANTIATE(Div, BinaryOpNode)
ANVIL_INSTANTIATE(Mod, BinaryOpNode)
ANVIL_INSTANTIATE(FloorDiv, BinaryOpNode)
ANVIL_INSTANTIATE(FloorMod, BinaryOpNode)
ANVIL_INSTANTIATE(Min, BinaryOpNode)
ANVIL_INSTANTIATE(Max, BinaryOpNode)
ANVIL_INSTANTIATE(And, BinaryOpNode)
ANVIL_INSTANTIATE(Or, BinaryOpNode)
ANVIL_INSTANTIATE(BitAnd, BinaryOpNode)
ANVIL_INSTANTIATE(BitOr, BinaryOpNode)
ANVIL_INSTANTIATE(BitXor, BinaryOpNode)
ANVIL_INSTANTIATE(Shl, BinaryOpNode)
ANVIL_INSTANTIATE(Shr, BinaryOpNode)
ANVIL_INSTANTIATE(EQ, CmpOpNode)
ANVIL_INSTANTIATE(NE, CmpOpNode)
ANVIL_INSTANTIATE(LT, CmpOpNode)
ANVIL_INSTANTIATE(LE, CmpOpNode)
ANVIL_INSTANTIATE(GT, CmpOpNode)
ANVIL_INSTANTIATE(GE, CmpOpNode)
#undef ANVIL_INSTANTIATE

Expr Not::make(Expr a) {
  ANVIL_ASSERT(a.defined() && a.type().is_bool(), "Not of a non-bool operand");
  auto* n = new Not(a.type());
  n->a = std::move(a);
  return n;
}

Expr BitNot::make(Expr a) {
  ANVIL_ASSERT(a.defined() && a.type().is_int_or_uint(), "BitNot of a non-integer operand");
  auto* n = new BitNot(a.type());
  n->a = std::move(a);
  return n;
}

Expr Select::make(Expr condition, Expr true_value, Expr false_value) {
  ANVIL_ASSERT(condition.defined() && true_value.defined() && false_value.defined(),
               "Select of an undefined operand");
  ANVIL_ASSERT(condition.type().is_bool(), "Select condition is not bool");
  ANVIL_ASSERT(true_value.type() == false_value.type(), "Select branches differ in type");
  ANVIL_ASSERT(condition.type().lanes() == 1 ||
                   condition.type().lanes() == true_value.type().lanes(),
               "Select condition lanes do not match its values");
  auto* n = new Select(true_value.type());
  n->condition = std::move(condition);
  n->true_value = std::move(true_value);
  n->false_value = std::move(false_value);
  return n;
}

Expr Cast::make(DataType t, Expr value) {
  ANVIL_ASSERT(value.defined(), "Cast of an undefined value");
  ANVIL_ASSERT(t.lanes() == value.type().lanes(), "Cast changes the number of lanes from "
                                                      << value.type().to_string() << " to "
                                                      << t.to_string());
  auto* n = new Cast(t);
  n->value = std::move(value);
  return n;
}

Expr Reinterpret::make(DataType t, Expr value) {
  ANVIL_ASSERT(value.defined(), "Reinterpret of an undefined value");
  ANVIL_ASSERT(t.bits() * t.lanes() == value.type().bits() * value.type().lanes(),
               "Reinterpret between types of different width: " << value.type().to_string()
                                                                 << " to " << t.to_string());
  auto* n = new Reinterpret(t);
  n->value = std::move(value);
  return n;
}

Expr Load::make(DataType t, Var buffer, Expr index, Expr predicate) {
  ANVIL_ASSERT(buffer.defined() && buffer.type().is_handle(), "Load from a non-handle buffer");
  ANVIL_ASSERT(index.defined() && index.type().is_int(), "Load index must be an int");
  ANVIL_ASSERT(t.lanes() == index.type().lanes(), "Load type lanes differ from index lanes");
  ANVIL_ASSERT(!predicate.defined() || (predicate.type().is_bool() &&
                                        predicate.type().lanes() == t.lanes()),
               "Load predicate must be bool with the load's lanes");
  auto* n = new Load(t);
  n->buffer = std::move(buffer);
  n->index = std::move(index);
  n->predicate = std::move(predicate);
  return n;
}

Expr Ramp::make(Expr base, Expr stride, int lanes) {
  ANVIL_ASSERT(base.defined() && stride.defined(), "Ramp of an undefined operand");
  ANVIL_ASSERT(base.type().is_scalar() && base.type() == stride.type(),
               "Ramp base and stride must be scalars of one type");
  ANVIL_ASSERT(lanes > 1, "Ramp with " << lanes << " lanes");
  auto* n = new Ramp(base.type().with_lanes(lanes));
  n->base = std::move(base);
  n->stride = std::move(stride);
  n->lanes = lanes;
  return n;
}

Expr Broadcast::make(Expr value, int lanes) {
  ANVIL_ASSERT(value.defined() && value.type().is_scalar(), "Broadcast of a non-scalar");
  ANVIL_ASSERT(lanes > 1, "Broadcast with " << lanes << " lanes");
  auto* n = new Broadcast(value.type().with_lanes(lanes));
  n->value = std::move(value);
  n->lanes = lanes;
  return n;
}

Expr Call::make(DataType t, const std::string& name, std::vector<Expr> args,
                CallKind call_kind) {
  ANVIL_ASSERT(!name.empty(), "Call without a name");
  for (const Expr& a : args) ANVIL_ASSERT(a.defined(), "Call " << name << " of undefined arg");
  auto* n = new Call(t);
  n->name = name;
  n->args = std::move(args);
  n->call_kind = call_kind;
  return n;
}

Expr Let::make(Var var, Expr value, Expr body) {
  ANVIL_ASSERT(var.defined() && value.defined() && body.defined(), "Let of undefined parts");
  ANVIL_ASSERT(var.type() == value.type(), "Let binds " << var.name() << " of type "
                                                        << var.type().to_string() << " to a "
                                                        << value.type().to_string());
  auto* n = new Let(body.type());
  n->var = std::move(var);
  n->value = std::move(value);
  n->body = std::move(body);
  return n;
}

IterVar IterVar::make(Var var, Range dom, IterKind kind) {
  auto* n = new IterVarNode();
  n->var = std::move(var);
  n->dom = std::move(dom);
  n->kind = kind;
  return IterVar(n);
}

const std::string& Tensor::name() const { return get()->name; }
const std::vector<Expr>& Tensor::shape() const { return get()->shape; }
DataType Tensor::dtype() const { return get()->dtype; }
int Tensor::ndim() const { return static_cast<int>(get()->shape.size()); }
const Ref<const OperationNode>& Tensor::op() const { return get()->op; }

Expr Tensor::at(std::vector<Expr> indices) const {
  ANVIL_USER_CHECK(static_cast<int>(indices.size()) == ndim(),
                   "tensor " << name() << " has " << ndim() << " dimensions but is indexed with "
                             << indices.size());
  for (Expr& index : indices) {
    ANVIL_USER_CHECK(index.type().is_int_or_uint() && index.type().is_scalar(),
                     "tensor " << name() << " indexed with a " << index.type().to_string());
    // Indices are int32 throughout the tensor level; wider literals narrow.
    if (index.type() != DataType::Int(32)) index = Cast::make(DataType::Int(32), index);
  }
  return TensorLoad::make(*this, std::move(indices));
}

Expr TensorLoad::make(Tensor tensor, std::vector<Expr> indices) {
  ANVIL_ASSERT(tensor.defined(), "TensorLoad of an undefined tensor");
  ANVIL_ASSERT(static_cast<int>(indices.size()) == tensor.ndim(),
               "TensorLoad of " << tensor.name() << " with " << indices.size() << " indices");
  auto* n = new TensorLoad(tensor.dtype());
  n->tensor = std::move(tensor);
  n->indices = std::move(indices);
  return n;
}

CommReducer CommReducer::make(Var lhs, Var rhs, Expr result, Expr identity) {
  ANVIL_ASSERT(lhs.type() == rhs.type() && result.type() == lhs.type() &&
                   identity.type() == lhs.type(),
               "CommReducer parts differ in type");
  auto* n = new CommReducerNode();
  n->lhs = std::move(lhs);
  n->rhs = std::move(rhs);
  n->result = std::move(result);
  n->identity = std::move(identity);
  return CommReducer(n);
}

namespace {
// Substitutes two variables; a tiny local mutator so IR.cpp depends on nothing else.
class SubstituteTwo : public IRMutator {
 public:
  SubstituteTwo(const Var& a, Expr va, const Var& b, Expr vb)
      : a_(a), va_(std::move(va)), b_(b), vb_(std::move(vb)) {}

 protected:
  Expr mutate_node(const Variable* op, const Expr& self) override {
    if (op == a_.get()) return va_;
    if (op == b_.get()) return vb_;
    return self;
  }

 private:
  const Var& a_;
  Expr va_;
  const Var& b_;
  Expr vb_;
};
}  // namespace

Expr CommReducer::combine(const Expr& a, const Expr& b) const {
  return SubstituteTwo(get()->lhs, a, get()->rhs, b).mutate(get()->result);
}

Expr Reduce::make(CommReducer combiner, Expr source, std::vector<IterVar> axes,
                  Expr condition) {
  ANVIL_ASSERT(combiner.defined() && source.defined(), "Reduce of undefined parts");
  ANVIL_ASSERT(source.type() == combiner->lhs.type(),
               "Reduce source of type " << source.type().to_string() << " with a combiner of "
                                        << combiner->lhs.type().to_string());
  for (const IterVar& iv : axes) ANVIL_ASSERT(iv->kind == IterKind::Reduce, "non-reduce axis");
  if (!condition.defined()) condition = IntImm::make(DataType::Bool(), 1);
  auto* n = new Reduce(source.type());
  n->combiner = std::move(combiner);
  n->source = std::move(source);
  n->axes = std::move(axes);
  n->condition = std::move(condition);
  return n;
}

Stmt LetStmt::make(Var var, Expr value, Stmt body) {
  ANVIL_ASSERT(var.defined() && value.defined() && body.defined(), "LetStmt of undefined parts");
  ANVIL_ASSERT(var.type() == value.type(), "LetStmt binds " << var.name() << " to a "
                                                            << value.type().to_string());
  auto* n = new LetStmt();
  n->var = std::move(var);
  n->value = std::move(value);
  n->body = std::move(body);
  return n;
}

Stmt AssertStmt::make(Expr condition, const std::string& message) {
  ANVIL_ASSERT(condition.defined() && condition.type().is_bool() && condition.type().is_scalar(),
               "AssertStmt condition must be a scalar bool");
  auto* n = new AssertStmt();
  n->condition = std::move(condition);
  n->message = message;
  return n;
}

Stmt For::make(Var var, Expr min, Expr extent, ForKind kind, Stmt body, std::string thread_tag,
               std::vector<std::pair<std::string, Expr>> pragmas) {
  ANVIL_ASSERT(var.defined() && min.defined() && extent.defined() && body.defined(),
               "For of undefined parts");
  ANVIL_ASSERT(min.type().is_scalar() && min.type().is_int() && min.type() == extent.type() &&
                   var.type() == min.type(),
               "For " << var.name() << ": min, extent and var must be one scalar int type");
  ANVIL_ASSERT((kind == ForKind::GPUBlock || kind == ForKind::GPUThread) == !thread_tag.empty(),
               "For " << var.name() << ": thread tag only on GPU loops");
  auto* n = new For();
  n->var = std::move(var);
  n->min = std::move(min);
  n->extent = std::move(extent);
  n->for_kind = kind;
  n->body = std::move(body);
  n->thread_tag = std::move(thread_tag);
  n->pragmas = std::move(pragmas);
  return n;
}

Stmt Store::make(Var buffer, Expr value, Expr index, Expr predicate) {
  ANVIL_ASSERT(buffer.defined() && buffer.type().is_handle(), "Store to a non-handle buffer");
  ANVIL_ASSERT(value.defined() && index.defined(), "Store of undefined parts");
  ANVIL_ASSERT(index.type().is_int(), "Store index must be an int");
  ANVIL_ASSERT(value.type().lanes() == index.type().lanes(),
               "Store value lanes " << value.type().lanes() << " differ from index lanes "
                                    << index.type().lanes());
  ANVIL_ASSERT(!predicate.defined() || (predicate.type().is_bool() &&
                                        predicate.type().lanes() == value.type().lanes()),
               "Store predicate must be bool with the value's lanes");
  auto* n = new Store();
  n->buffer = std::move(buffer);
  n->value = std::move(value);
  n->index = std::move(index);
  n->predicate = std::move(predicate);
  return n;
}

Stmt TensorStore::make(Tensor tensor, Expr value, std::vector<Expr> indices) {
  ANVIL_ASSERT(tensor.defined() && value.defined(), "TensorStore of undefined parts");
  ANVIL_ASSERT(static_cast<int>(indices.size()) == tensor.ndim(),
               "TensorStore to " << tensor.name() << " with " << indices.size() << " indices");
  ANVIL_ASSERT(value.type() == tensor.dtype(), "TensorStore of a " << value.type().to_string()
                                                                   << " into " << tensor.name());
  auto* n = new TensorStore();
  n->tensor = std::move(tensor);
  n->value = std::move(value);
  n->indices = std::move(indices);
  return n;
}

Stmt Allocate::make(Var buffer, DataType dtype, std::vector<Expr> extents,
                    const std::string& scope, Stmt body) {
  ANVIL_ASSERT(buffer.defined() && buffer.type().is_handle(), "Allocate of a non-handle var");
  ANVIL_ASSERT(body.defined(), "Allocate without a body");
  ANVIL_ASSERT(!extents.empty(), "Allocate " << buffer.name() << " without extents");
  auto* n = new Allocate();
  n->buffer = std::move(buffer);
  n->dtype = dtype;
  n->extents = std::move(extents);
  n->scope = scope;
  n->body = std::move(body);
  return n;
}

Stmt Realize::make(Tensor tensor, std::vector<Range> bounds, const std::string& scope,
                   Stmt body) {
  ANVIL_ASSERT(tensor.defined() && body.defined(), "Realize of undefined parts");
  ANVIL_ASSERT(static_cast<int>(bounds.size()) == tensor.ndim(),
               "Realize of " << tensor.name() << " with " << bounds.size() << " bounds");
  auto* n = new Realize();
  n->tensor = std::move(tensor);
  n->bounds = std::move(bounds);
  n->scope = scope;
  n->body = std::move(body);
  return n;
}

Stmt Seq::make(std::vector<Stmt> stmts) {
  std::vector<Stmt> flat;
  for (Stmt& s : stmts) {
    if (!s.defined()) continue;
    if (const Seq* inner = s.as<Seq>()) {
      flat.insert(flat.end(), inner->stmts.begin(), inner->stmts.end());
    } else {
      flat.push_back(std::move(s));
    }
  }
  if (flat.size() == 1) return flat[0];
  auto* n = new Seq();
  n->stmts = std::move(flat);
  return n;
}

Stmt IfThenElse::make(Expr condition, Stmt then_case, Stmt else_case) {
  ANVIL_ASSERT(condition.defined() && condition.type().is_bool() && condition.type().is_scalar(),
               "IfThenElse condition must be a scalar bool");
  ANVIL_ASSERT(then_case.defined(), "IfThenElse without a then case");
  auto* n = new IfThenElse();
  n->condition = std::move(condition);
  n->then_case = std::move(then_case);
  n->else_case = std::move(else_case);
  return n;
}

Stmt Evaluate::make(Expr value) {
  ANVIL_ASSERT(value.defined(), "Evaluate of an undefined value");
  auto* n = new Evaluate();
  n->value = std::move(value);
  return n;
}

}  // namespace anvil
