// The IR: immutable expression and statement nodes behind counted handles.
// Each node kind has a static make() that checks its invariants (a broken one is
// an InternalError, since user-facing APIs validate before building IR).
//
// Two levels share these nodes. The tensor-expression level uses TensorLoad,
// Reduce, TensorStore and Realize (multi-dimensional, before storage flatten);
// the loop level uses Load, Store and Allocate on flat buffers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "anvil/ir/Object.h"
#include "anvil/ir/Type.h"

namespace anvil {

enum class IRNodeKind : uint8_t {
#define ANVIL_EXPR_NODE(Name) Name,
#define ANVIL_STMT_NODE(Name) Name,
#include "anvil/ir/NodeKinds.def"
};

const char* node_kind_name(IRNodeKind kind);

struct IRNode : Object {
  explicit IRNode(IRNodeKind k) : kind(k) {}
  const IRNodeKind kind;
};

struct ExprNode : IRNode {
  ExprNode(IRNodeKind k, DataType t) : IRNode(k), type(t) {}
  const DataType type;
};

struct StmtNode : IRNode {
  explicit StmtNode(IRNodeKind k) : IRNode(k) {}
};

// Handle to an expression; null when default-constructed.
class Expr : public Ref<const ExprNode> {
 public:
  using Ref<const ExprNode>::Ref;
  Expr() = default;
  Expr(const ExprNode* node) : Ref<const ExprNode>(node) {}  // NOLINT
  // Literal conveniences: int32 and float32 constants.
  Expr(int value);      // NOLINT
  Expr(int64_t value);  // NOLINT: int64 constant
  Expr(float value);    // NOLINT
  Expr(double value);   // NOLINT: float64 constant

  DataType type() const { return get()->type; }
  template <typename T>
  const T* as() const {
    return (get() && get()->kind == T::kKind) ? static_cast<const T*>(get()) : nullptr;
  }
};

class Stmt : public Ref<const StmtNode> {
 public:
  using Ref<const StmtNode>::Ref;
  Stmt() = default;
  Stmt(const StmtNode* node) : Ref<const StmtNode>(node) {}  // NOLINT
  template <typename T>
  const T* as() const {
    return (get() && get()->kind == T::kKind) ? static_cast<const T*>(get()) : nullptr;
  }
};

template <typename T, IRNodeKind K>
struct ExprNodeBase : ExprNode {
  static constexpr IRNodeKind kKind = K;
  explicit ExprNodeBase(DataType t) : ExprNode(K, t) {}
};

template <typename T, IRNodeKind K>
struct StmtNodeBase : StmtNode {
  static constexpr IRNodeKind kKind = K;
  StmtNodeBase() : StmtNode(K) {}
};

// ---------------------------------------------------------------- leaves

// An integer (or bool) constant. Unsigned values are stored as their bit pattern.
struct IntImm : ExprNodeBase<IntImm, IRNodeKind::IntImm> {
  using ExprNodeBase::ExprNodeBase;
  int64_t value = 0;
  static Expr make(DataType t, int64_t value);
};

struct FloatImm : ExprNodeBase<FloatImm, IRNodeKind::FloatImm> {
  using ExprNodeBase::ExprNodeBase;
  double value = 0;
  static Expr make(DataType t, double value);
};

struct StringImm : ExprNodeBase<StringImm, IRNodeKind::StringImm> {
  using ExprNodeBase::ExprNodeBase;
  std::string value;
  static Expr make(const std::string& value);
};

// A variable. Variables are objects: two variables with the same name are
// different unless they are the same node. The name only serves printing.
struct Variable : ExprNodeBase<Variable, IRNodeKind::Variable> {
  using ExprNodeBase::ExprNodeBase;
  std::string name;
};

class Var : public Expr {
 public:
  Var() = default;
  explicit Var(const std::string& name, DataType t = DataType::Int(32));
  explicit Var(const Variable* node) : Expr(node) {}
  const Variable* get() const { return static_cast<const Variable*>(Expr::get()); }
  const Variable* operator->() const { return get(); }
  const std::string& name() const { return get()->name; }
};

// Half-open range [min, min + extent).
struct Range {
  Expr min;
  Expr extent;
  Range() = default;
  Range(Expr min_, Expr extent_) : min(std::move(min_)), extent(std::move(extent_)) {}
  static Range from_min_extent(Expr min, Expr extent) { return {std::move(min), std::move(extent)}; }
};

// --------------------------------------------------------- binary arithmetic

template <typename T, IRNodeKind K>
struct BinaryOpNode : ExprNodeBase<T, K> {
  using ExprNodeBase<T, K>::ExprNodeBase;
  Expr a, b;
  // Operands must have the same type; the result has that type.
  static Expr make(Expr a, Expr b);
};

// Comparisons: operands of one type, the result is bool with their lanes.
template <typename T, IRNodeKind K>
struct CmpOpNode : ExprNodeBase<T, K> {
  using ExprNodeBase<T, K>::ExprNodeBase;
  Expr a, b;
  static Expr make(Expr a, Expr b);
};

#define ANVIL_DECLARE_BINARY(Name, Base) \
  struct Name : Base<Name, IRNodeKind::Name> { using Base::Base; };

ANVIL_DECLARE_BINARY(Add, BinaryOpNode)
ANVIL_DECLARE_BINARY(Sub, BinaryOpNode)
ANVIL_DECLARE_BINARY(Mul, BinaryOpNode)
ANVIL_DECLARE_BINARY(Div, BinaryOpNode)  // C semantics: truncates toward zero for ints
ANVIL_DECLARE_BINARY(Mod, BinaryOpNode)  // C semantics: sign of the dividend
ANVIL_DECLARE_BINARY(FloorDiv, BinaryOpNode)
ANVIL_DECLARE_BINARY(FloorMod, BinaryOpNode)  // result has the sign of the divisor
ANVIL_DECLARE_BINARY(Min, BinaryOpNode)
ANVIL_DECLARE_BINARY(Max, BinaryOpNode)
ANVIL_DECLARE_BINARY(And, BinaryOpNode)  // bool operands
ANVIL_DECLARE_BINARY(Or, BinaryOpNode)
ANVIL_DECLARE_BINARY(BitAnd, BinaryOpNode)
ANVIL_DECLARE_BINARY(BitOr, BinaryOpNode)
ANVIL_DECLARE_BINARY(BitXor, BinaryOpNode)
ANVIL_DECLARE_BINARY(Shl, BinaryOpNode)
ANVIL_DECLARE_BINARY(Shr, BinaryOpNode)  // arithmetic for signed, logical for unsigned
ANVIL_DECLARE_BINARY(EQ, CmpOpNode)
ANVIL_DECLARE_BINARY(NE, CmpOpNode)
ANVIL_DECLARE_BINARY(LT, CmpOpNode)
ANVIL_DECLARE_BINARY(LE, CmpOpNode)
ANVIL_DECLARE_BINARY(GT, CmpOpNode)
ANVIL_DECLARE_BINARY(GE, CmpOpNode)
#undef ANVIL_DECLARE_BINARY

struct Not : ExprNodeBase<Not, IRNodeKind::Not> {
  using ExprNodeBase::ExprNodeBase;
  Expr a;
  static Expr make(Expr a);
};

struct BitNot : ExprNodeBase<BitNot, IRNodeKind::BitNot> {
  using ExprNodeBase::ExprNodeBase;
  Expr a;
  static Expr make(Expr a);
};

// Both branches are evaluated; use the if_then_else intrinsic when a branch
// must not be (e.g. an out-of-bounds load in padding).
struct Select : ExprNodeBase<Select, IRNodeKind::Select> {
  using ExprNodeBase::ExprNodeBase;
  Expr condition, true_value, false_value;
  static Expr make(Expr condition, Expr true_value, Expr false_value);
};

// Value conversion (int to float rounds, float to int truncates, narrowing wraps).
struct Cast : ExprNodeBase<Cast, IRNodeKind::Cast> {
  using ExprNodeBase::ExprNodeBase;
  Expr value;
  static Expr make(DataType t, Expr value);
};

// Bit-pattern reinterpretation between types of equal total width.
struct Reinterpret : ExprNodeBase<Reinterpret, IRNodeKind::Reinterpret> {
  using ExprNodeBase::ExprNodeBase;
  Expr value;
  static Expr make(DataType t, Expr value);
};

// ------------------------------------------------------------ memory, vectors

// Reads buffer[index] from a flat buffer. `buffer` is a handle-typed Var; the
// node's type is the element type with the index's lanes. `predicate`, when
// defined, masks lanes (a masked-off lane reads nothing and yields zero).
struct Load : ExprNodeBase<Load, IRNodeKind::Load> {
  using ExprNodeBase::ExprNodeBase;
  Var buffer;
  Expr index;
  Expr predicate;
  static Expr make(DataType t, Var buffer, Expr index, Expr predicate = Expr());
};

// The vector base, base + stride, ..., base + (lanes - 1) * stride.
struct Ramp : ExprNodeBase<Ramp, IRNodeKind::Ramp> {
  using ExprNodeBase::ExprNodeBase;
  Expr base, stride;
  int lanes = 1;
  static Expr make(Expr base, Expr stride, int lanes);
};

struct Broadcast : ExprNodeBase<Broadcast, IRNodeKind::Broadcast> {
  using ExprNodeBase::ExprNodeBase;
  Expr value;
  int lanes = 1;
  static Expr make(Expr value, int lanes);
};

enum class CallKind : uint8_t {
  PureIntrinsic,  // no side effects: may be reordered, hoisted, removed if unused
  Intrinsic,      // side effects or reads memory
  Extern,         // a C function of that name
};

// Names of the intrinsics every backend knows (see targets/*).
namespace intrinsic {
inline constexpr const char* kPopcount = "popcount";
inline constexpr const char* kFma = "fma";
inline constexpr const char* kAbs = "abs";
inline constexpr const char* kSqrt = "sqrt";
inline constexpr const char* kExp = "exp";
inline constexpr const char* kLog = "log";
inline constexpr const char* kTanh = "tanh";
inline constexpr const char* kErf = "erf";
inline constexpr const char* kFloor = "floor";
inline constexpr const char* kCeil = "ceil";
inline constexpr const char* kPow = "pow";
// if_then_else(c, a, b): evaluates only the chosen branch.
inline constexpr const char* kIfThenElse = "if_then_else";
// likely(c): a hint that c is usually true (loop partitioning uses it).
inline constexpr const char* kLikely = "likely";
}  // namespace intrinsic

struct Call : ExprNodeBase<Call, IRNodeKind::Call> {
  using ExprNodeBase::ExprNodeBase;
  std::string name;
  std::vector<Expr> args;
  CallKind call_kind = CallKind::PureIntrinsic;
  static Expr make(DataType t, const std::string& name, std::vector<Expr> args,
                   CallKind call_kind = CallKind::PureIntrinsic);
  bool is_intrinsic(const char* n) const { return call_kind != CallKind::Extern && name == n; }
};

struct Let : ExprNodeBase<Let, IRNodeKind::Let> {
  using ExprNodeBase::ExprNodeBase;
  Var var;
  Expr value, body;
  static Expr make(Var var, Expr value, Expr body);
};

// ---------------------------------------------- tensor-expression level nodes

// A loop variable of a tensor computation with its domain: a spatial
// (data-parallel) axis or a reduction axis.
enum class IterKind : uint8_t { DataPar, Reduce };

struct IterVarNode : Object {
  Var var;
  Range dom;
  IterKind kind = IterKind::DataPar;
};

class IterVar : public Ref<const IterVarNode> {
 public:
  using Ref<const IterVarNode>::Ref;
  static IterVar make(Var var, Range dom, IterKind kind);
  const Var& var() const { return get()->var; }
  const Range& dom() const { return get()->dom; }
  IterKind kind() const { return get()->kind; }
};

struct OperationNode;
struct TensorNode;

// A tensor produced by an operation (see te/Operation.h). Two Tensor handles
// are the same tensor when they are the same node.
class Tensor : public Ref<const TensorNode> {
 public:
  using Ref<const TensorNode>::Ref;
  const std::string& name() const;
  const std::vector<Expr>& shape() const;
  DataType dtype() const;
  int ndim() const;
  const Ref<const OperationNode>& op() const;
  // t(i, j): a read of this tensor at the given indices, for compute bodies.
  template <typename... Args>
  Expr operator()(Args&&... indices) const {
    return at({Expr(std::forward<Args>(indices))...});
  }
  Expr at(std::vector<Expr> indices) const;
};

struct TensorNode : Object {
  std::string name;
  std::vector<Expr> shape;
  DataType dtype;
  Ref<const OperationNode> op;
};

// An operation produces one tensor from its inputs (placeholder, compute, ...).
struct OperationNode : Object {
  std::string name;
  virtual ~OperationNode() = default;
  virtual std::vector<Tensor> input_tensors() const = 0;
};

// A multi-dimensional read of a tensor, before storage flatten.
struct TensorLoad : ExprNodeBase<TensorLoad, IRNodeKind::TensorLoad> {
  using ExprNodeBase::ExprNodeBase;
  Tensor tensor;
  std::vector<Expr> indices;
  static Expr make(Tensor tensor, std::vector<Expr> indices);
};

// A commutative, associative combiner x ⊕ y with its identity element.
struct CommReducerNode : Object {
  Var lhs, rhs;
  Expr result;    // in terms of lhs and rhs
  Expr identity;  // identity element of ⊕
};

class CommReducer : public Ref<const CommReducerNode> {
 public:
  using Ref<const CommReducerNode>::Ref;
  static CommReducer make(Var lhs, Var rhs, Expr result, Expr identity);
  // The combined value of a and b: result with lhs := a, rhs := b.
  Expr combine(const Expr& a, const Expr& b) const;
};

// Reduction of `source` over `axes` with `combiner`, skipping points where
// `condition` is false. Appears only as the top of a compute body.
struct Reduce : ExprNodeBase<Reduce, IRNodeKind::Reduce> {
  using ExprNodeBase::ExprNodeBase;
  CommReducer combiner;
  Expr source;
  std::vector<IterVar> axes;
  Expr condition;
  static Expr make(CommReducer combiner, Expr source, std::vector<IterVar> axes,
                   Expr condition);
};

// ----------------------------------------------------------------- statements

struct LetStmt : StmtNodeBase<LetStmt, IRNodeKind::LetStmt> {
  Var var;
  Expr value;
  Stmt body;
  static Stmt make(Var var, Expr value, Stmt body);
};

// Aborts the kernel with `message` (returned as an error code) when false.
struct AssertStmt : StmtNodeBase<AssertStmt, IRNodeKind::AssertStmt> {
  Expr condition;
  std::string message;
  static Stmt make(Expr condition, const std::string& message);
};

enum class ForKind : uint8_t { Serial, Parallel, Vectorized, Unrolled, GPUBlock, GPUThread };
const char* for_kind_name(ForKind kind);

struct For : StmtNodeBase<For, IRNodeKind::For> {
  Var var;
  Expr min, extent;
  ForKind for_kind = ForKind::Serial;
  Stmt body;
  // For GPU kinds: "blockIdx.x", "threadIdx.y", ...; empty otherwise.
  std::string thread_tag;
  // Pragmas from the schedule (key, value), passed on to code generators.
  std::vector<std::pair<std::string, Expr>> pragmas;
  static Stmt make(Var var, Expr min, Expr extent, ForKind kind, Stmt body,
                   std::string thread_tag = "",
                   std::vector<std::pair<std::string, Expr>> pragmas = {});
};

struct Store : StmtNodeBase<Store, IRNodeKind::Store> {
  Var buffer;
  Expr value, index;
  Expr predicate;  // undefined: all lanes
  static Stmt make(Var buffer, Expr value, Expr index, Expr predicate = Expr());
};

struct TensorStore : StmtNodeBase<TensorStore, IRNodeKind::TensorStore> {
  Tensor tensor;
  Expr value;
  std::vector<Expr> indices;
  static Stmt make(Tensor tensor, Expr value, std::vector<Expr> indices);
};

// Allocates a flat buffer of `dtype` elements, product(extents) of them, in
// `scope` ("global", "local", "shared"), live in `body`.
struct Allocate : StmtNodeBase<Allocate, IRNodeKind::Allocate> {
  Var buffer;
  DataType dtype;
  std::vector<Expr> extents;
  std::string scope = "global";
  Stmt body;
  static Stmt make(Var buffer, DataType dtype, std::vector<Expr> extents,
                   const std::string& scope, Stmt body);
};

// Declares the region of a tensor that `body` computes, before storage
// flatten. `padding` per dimension realises storage_align.
struct Realize : StmtNodeBase<Realize, IRNodeKind::Realize> {
  Tensor tensor;
  std::vector<Range> bounds;
  std::string scope = "global";
  Stmt body;
  static Stmt make(Tensor tensor, std::vector<Range> bounds, const std::string& scope,
                   Stmt body);
};

struct Seq : StmtNodeBase<Seq, IRNodeKind::Seq> {
  std::vector<Stmt> stmts;
  // Flattens nested Seqs and drops undefined statements; a single statement is
  // returned as is.
  static Stmt make(std::vector<Stmt> stmts);
};

struct IfThenElse : StmtNodeBase<IfThenElse, IRNodeKind::IfThenElse> {
  Expr condition;
  Stmt then_case, else_case;  // else_case may be undefined
  static Stmt make(Expr condition, Stmt then_case, Stmt else_case = Stmt());
};

struct Evaluate : StmtNodeBase<Evaluate, IRNodeKind::Evaluate> {
  Expr value;
  static Stmt make(Expr value);
};

}  // namespace anvil
