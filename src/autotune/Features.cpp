// Feature extraction from lowered loop IR for the cost model (see Features.h).
// One walk collects, for every Store, its enclosing loops and the loads of
// its value; one function per feature group turns that into numbers; the
// per-store vectors are summed and maxed into the fixed-length vector.
#include "anvil/autotune/Features.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "anvil/ir/IROperator.h"
#include "anvil/ir/IRVisitor.h"

namespace anvil {

namespace {

constexpr double kCacheLine = 64;  // bytes

// The per-store features, in vector order.
const std::vector<std::string>& store_feature_names() {
  static const std::vector<std::string> names = {
      // arithmetic, weighted by the enclosing trip count and lanes
      "float_add", "float_mul", "float_div", "float_fma", "float_cmp", "float_math", "int_add",
      "int_mul", "int_div", "int_cmp", "select",
      // loop structure
      "loop_product", "num_loops", "innermost_extent", "parallel_extent", "unrolled_extent",
      "vector_lanes",
      // accesses
      "read_bytes", "read_lines", "read_unique_bytes", "read_stride0", "read_stride1",
      "read_stride_other", "read_reuse", "write_bytes", "write_lines", "write_stride1",
      "write_stride_other", "write_reuse", "num_read_buffers",
      // ratio
      "arith_intensity"};
  return names;
}
enum StoreFeature : int {
  kFloatAdd, kFloatMul, kFloatDiv, kFloatFma, kFloatCmp, kFloatMath, kIntAdd, kIntMul, kIntDiv, kIntCmp,
  kSelect, kLoopProduct, kNumLoops, kInnermostExtent, kParallelExtent, kUnrolledExtent, kVectorLanes,
  kReadBytes, kReadLines, kReadUniqueBytes, kReadStride0, kReadStride1, kReadStrideOther, kReadReuse,
  kWriteBytes, kWriteLines, kWriteStride1, kWriteStrideOther, kWriteReuse, kNumReadBuffers,
  kArithIntensity, kNumStoreFeatures
};
const std::vector<std::string> kFuncFeatureNames = {"alloc_bytes", "num_allocs", "num_stores"};

struct LoopInfo {
  const Variable* var;
  int64_t extent;  // 1 when not constant
  ForKind kind;
};

// A store in its context: the loops around it, outermost first, and the
// values of the let variables in scope.
struct StoreSite {
  const Store* store;
  std::vector<LoopInfo> loops;
  std::map<const Variable*, Expr> lets;
};

class Collector : public IRVisitor {
 public:
  std::vector<StoreSite> sites;
  double alloc_bytes = 0;
  double num_allocs = 0;

 protected:
  void visit_node(const For* op) override {
    auto e = as_const_int(op->extent);
    loops_.push_back({op->var.get(), e ? *e : 1, op->for_kind});
    IRVisitor::visit_node(op);
    loops_.pop_back();
  }
  void visit_node(const LetStmt* op) override {
    lets_[op->var.get()] = op->value;
    IRVisitor::visit_node(op);
  }
  void visit_node(const Allocate* op) override {
    double n = op->dtype.bytes();
    for (const Expr& e : op->extents) {
      auto c = as_const_int(e);
      n *= c ? static_cast<double>(*c) : 1.0;
    }
    alloc_bytes += n;
    num_allocs += 1;
    IRVisitor::visit_node(op);
  }
  void visit_node(const Store* op) override {
    sites.push_back({op, loops_, lets_});
    IRVisitor::visit_node(op);
  }

 private:
  std::vector<LoopInfo> loops_;
  std::map<const Variable*, Expr> lets_;
};

double trip_count(const StoreSite& s) {
  double n = 1;
  for (const LoopInfo& l : s.loops) n *= static_cast<double>(l.extent);
  return n;
}

bool cmp_operand_is_float(const IRNode* n) {
  switch (n->kind) {
#define ANVIL_CMP(Name) \
  case IRNodeKind::Name: return static_cast<const Name*>(n)->a.type().is_floating();
    ANVIL_CMP(EQ) ANVIL_CMP(NE) ANVIL_CMP(LT) ANVIL_CMP(LE) ANVIL_CMP(GT) ANVIL_CMP(GE)
#undef ANVIL_CMP
    default: return false;
  }
}

// Group 1: arithmetic counts of the stored value and index, by kind and
// type, each node counted once per lane per iteration of the loops around.
void arith_features(const StoreSite& s, std::vector<double>& f) {
  double trips = trip_count(s);
  auto count = [&](const IRNode* n) {
    if (n->kind == IRNodeKind::Load || n->kind == IRNodeKind::Variable) return;
    const auto* e = dynamic_cast<const ExprNode*>(n);
    if (!e) return;
    double w = trips * e->type.lanes();
    bool fl = e->type.is_floating();
    switch (n->kind) {
      case IRNodeKind::Add:
      case IRNodeKind::Sub: f[fl ? kFloatAdd : kIntAdd] += w; break;
      case IRNodeKind::Mul: f[fl ? kFloatMul : kIntMul] += w; break;
      case IRNodeKind::Div:
      case IRNodeKind::Mod:
      case IRNodeKind::FloorDiv:
      case IRNodeKind::FloorMod: f[fl ? kFloatDiv : kIntDiv] += w; break;
      case IRNodeKind::Min:
      case IRNodeKind::Max: f[fl ? kFloatCmp : kIntCmp] += w; break;
      case IRNodeKind::EQ:
      case IRNodeKind::NE:
      case IRNodeKind::LT:
      case IRNodeKind::LE:
      case IRNodeKind::GT:
      case IRNodeKind::GE: {
        // A comparison's type is bool; its operands say float or int.
        f[cmp_operand_is_float(n) ? kFloatCmp : kIntCmp] += w;
        break;
      }
      case IRNodeKind::Select: f[kSelect] += w; break;
      case IRNodeKind::Call: {
        const auto* c = static_cast<const Call*>(n);
        if (c->is_intrinsic(intrinsic::kFma)) f[kFloatFma] += w;
        else if (c->is_intrinsic(intrinsic::kIfThenElse)) f[kSelect] += w;
        else if (!c->is_intrinsic(intrinsic::kLikely)) f[kFloatMath] += w;
        break;
      }
      default: break;
    }
  };
  post_order_visit(s.store->value, count);
  post_order_visit(s.store->index, count);
}

// Group 2: the loop nest around the store.
void loop_features(const StoreSite& s, std::vector<double>& f) {
  f[kLoopProduct] = trip_count(s);
  f[kNumLoops] = static_cast<double>(s.loops.size());
  f[kInnermostExtent] = s.loops.empty() ? 1 : static_cast<double>(s.loops.back().extent);
  double par = 1, unrolled = 1;
  for (const LoopInfo& l : s.loops) {
    if (l.kind == ForKind::Parallel) par *= static_cast<double>(l.extent);
    if (l.kind == ForKind::Unrolled) unrolled *= static_cast<double>(l.extent);
  }
  f[kParallelExtent] = par;
  f[kUnrolledExtent] = unrolled;
  f[kVectorLanes] = s.store->value.type().lanes();
}

// Whether `e` depends on `v`, looking through let variables.
bool uses(const Expr& e, const Variable* v, const std::map<const Variable*, Expr>& lets) {
  bool found = false;
  post_order_visit(e, [&](const IRNode* n) {
    if (found || n->kind != IRNodeKind::Variable) return;
    const auto* var = static_cast<const Variable*>(n);
    if (var == v) found = true;
    auto it = lets.find(var);
    if (it != lets.end() && uses(it->second, v, lets)) found = true;
  });
  return found;
}

// The coefficient of `v` in `e` when `e` is linear in it, else nullopt.
std::optional<int64_t> coefficient(const Expr& e, const Variable* v,
                                   const std::map<const Variable*, Expr>& lets) {
  if (!uses(e, v, lets)) return 0;
  if (const auto* var = e.as<Variable>()) {
    if (var == v) return 1;
    return coefficient(lets.at(var), v, lets);  // uses() only looks through lets in scope
  }
  if (const auto* a = e.as<Add>()) {
    auto x = coefficient(a->a, v, lets), y = coefficient(a->b, v, lets);
    if (x && y) return *x + *y;
    return std::nullopt;
  }
  if (const auto* a = e.as<Sub>()) {
    auto x = coefficient(a->a, v, lets), y = coefficient(a->b, v, lets);
    if (x && y) return *x - *y;
    return std::nullopt;
  }
  if (const auto* m = e.as<Mul>()) {
    auto ca = as_const_int(m->a), cb = as_const_int(m->b);
    if (cb) {
      auto x = coefficient(m->a, v, lets);
      if (x) return *x * *cb;
    } else if (ca) {
      auto y = coefficient(m->b, v, lets);
      if (y) return *y * *ca;
    }
    return std::nullopt;
  }
  if (const auto* r = e.as<Ramp>()) return coefficient(r->base, v, lets);
  if (const auto* b = e.as<Broadcast>()) return coefficient(b->value, v, lets);
  if (const auto* c = e.as<Cast>()) return coefficient(c->value, v, lets);
  return std::nullopt;
}

struct Access {
  double bytes = 0;         // all bytes moved over the loop nest
  double unique_bytes = 0;  // distinct bytes
  double lines = 0;         // distinct 64-byte lines
  int stride_class = 0;     // 0, 1 or 2 (other)
  bool reuse = false;       // some loop does not move the access
};

// Group 3 (per access): what one Load or Store index touches over the loops.
Access analyse_access(const StoreSite& s, const Expr& index, DataType elem, int64_t buffer_elems) {
  Access a;
  int lanes = index.type().lanes();
  double bytes = elem.bytes();
  a.bytes = trip_count(s) * lanes * bytes;
  // Innermost stride: the ramp's when vectorized, else the innermost loop's.
  std::optional<int64_t> stride;
  const auto* ramp = index.as<Ramp>();
  if (ramp) {
    stride = as_const_int(ramp->stride);
  } else if (index.as<Broadcast>()) {
    stride = 0;
  } else if (!s.loops.empty()) {
    stride = coefficient(index, s.loops.back().var, s.lets);
  } else {
    stride = 0;
  }
  a.stride_class = !stride ? 2 : (*stride == 0 ? 0 : (std::abs(*stride) == 1 ? 1 : 2));
  // Distinct elements: loops whose variable appears in the index multiply
  // them; the others re-touch the same elements (reuse).
  double unique = ramp && stride && *stride != 0 ? lanes : 1;
  for (const LoopInfo& l : s.loops) {
    if (uses(index, l.var, s.lets)) unique *= static_cast<double>(l.extent);
    else if (l.extent > 1) a.reuse = true;
  }
  if (buffer_elems > 0) unique = std::min(unique, static_cast<double>(buffer_elems));
  a.unique_bytes = unique * bytes;
  // Lines: a unit stride packs 64 / bytes elements a line; a long stride
  // takes a line per element.
  double per_line = !stride || std::abs(*stride) * bytes >= kCacheLine
                        ? 1
                        : (*stride == 0 ? kCacheLine / bytes : kCacheLine / (std::abs(*stride) * bytes));
  a.lines = std::max(1.0, std::ceil(unique / per_line));
  return a;
}

void access_features(const StoreSite& s, const std::map<const Variable*, int64_t>& sizes,
                     std::vector<double>& f) {
  auto size_of = [&](const Var& b) {
    auto it = sizes.find(b.get());
    return it == sizes.end() ? int64_t{0} : it->second;
  };
  std::map<const Variable*, bool> read_buffers;
  post_order_visit(s.store->value, [&](const IRNode* n) {
    if (n->kind != IRNodeKind::Load) return;
    const auto* ld = static_cast<const Load*>(n);
    Access a = analyse_access(s, ld->index, ld->type.element_of(), size_of(ld->buffer));
    read_buffers[ld->buffer.get()] = true;
    f[kReadBytes] += a.bytes;
    f[kReadLines] += a.lines;
    f[kReadUniqueBytes] += a.unique_bytes;
    f[kReadStride0 + a.stride_class] += 1;
    f[kReadReuse] += a.reuse ? 1 : 0;
  });
  f[kNumReadBuffers] = static_cast<double>(read_buffers.size());
  Access w = analyse_access(s, s.store->index, s.store->value.type().element_of(), size_of(s.store->buffer));
  f[kWriteBytes] = w.bytes;
  f[kWriteLines] = w.lines;
  f[kWriteStride1] = w.stride_class == 1 ? 1 : 0;
  f[kWriteStrideOther] = w.stride_class == 2 ? 1 : 0;
  f[kWriteReuse] = w.reuse ? 1 : 0;
}

// Group 4: floating-point operations per byte moved.
void intensity_features(std::vector<double>& f) {
  double flops = f[kFloatAdd] + f[kFloatMul] + f[kFloatDiv] + 2 * f[kFloatFma] + f[kFloatCmp] + f[kFloatMath];
  double bytes = f[kReadBytes] + f[kWriteBytes];
  f[kArithIntensity] = bytes > 0 ? flops / bytes : 0;
}

// Buffer sizes in elements: arguments and allocations.
std::map<const Variable*, int64_t> buffer_sizes(const LoweredFunc& fn) {
  std::map<const Variable*, int64_t> sizes;
  for (const BufferArg& a : fn.args) sizes[a.data.get()] = a.num_elements();
  post_order_visit(fn.body, [&](const IRNode* n) {
    if (n->kind != IRNodeKind::Allocate) return;
    const auto* al = static_cast<const Allocate*>(n);
    int64_t e = 1;
    for (const Expr& x : al->extents) {
      auto c = as_const_int(x);
      e *= c ? *c : 1;
    }
    sizes[al->buffer.get()] = e;
  });
  return sizes;
}

float squash(double x) { return static_cast<float>(std::log2(1.0 + std::max(0.0, x))); }

}  // namespace

const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const std::string& s : store_feature_names()) n.push_back("sum." + s);
    for (const std::string& s : store_feature_names()) n.push_back("max." + s);
    for (const std::string& s : kFuncFeatureNames) n.push_back(s);
    return n;
  }();
  return names;
}

std::vector<double> extract_raw_features(const LoweredFunc& fn) {
  static_assert(kNumStoreFeatures == 31);
  Collector c;
  c.visit(fn.body);
  auto sizes = buffer_sizes(fn);
  const size_t k = kNumStoreFeatures;
  std::vector<double> sum(k, 0), max(k, 0);
  for (const StoreSite& s : c.sites) {
    std::vector<double> f(k, 0);
    arith_features(s, f);
    loop_features(s, f);
    access_features(s, sizes, f);
    intensity_features(f);
    for (size_t j = 0; j < k; j++) {
      sum[j] += f[j];
      max[j] = std::max(max[j], f[j]);
    }
  }
  std::vector<double> out = sum;
  out.insert(out.end(), max.begin(), max.end());
  out.push_back(c.alloc_bytes);
  out.push_back(c.num_allocs);
  out.push_back(static_cast<double>(c.sites.size()));
  return out;
}

std::vector<float> extract_features(const LoweredFunc& fn) {
  std::vector<float> out;
  for (double v : extract_raw_features(fn)) out.push_back(squash(v));
  return out;
}

}  // namespace anvil
