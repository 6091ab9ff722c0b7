// The tensor intrinsics of the CPU targets (see Intrinsics.h).
#include "anvil/targets/Intrinsics.h"

#include "anvil/ir/IROperator.h"

namespace anvil {

namespace {

constexpr int kLanes = 16;  // int32 accumulators in one zmm
constexpr int kDepth = 4;   // bytes summed into each of them

bool is_const(const Expr& e, int64_t v) {
  auto c = as_const_int(e);
  return c && *c == v;
}

// The flat indices of a [rows x cols] operand region, row-major lane order:
// one ramp when the rows are contiguous, else computed lane by lane (the load
// becomes a gather).
Expr region_lanes(const BufferRegion& r, int rows, int cols) {
  const Expr& row_stride = r.strides[0];
  const Expr& col_stride = r.strides.size() > 1 ? r.strides[1] : row_stride;
  const int lanes = rows * cols;
  if (r.strides.size() == 1) return Ramp::make(r.offset, row_stride, lanes);
  if (is_const(col_stride, 1) && is_const(row_stride, cols)) return Ramp::make(r.offset, Expr(1), lanes);
  Expr lane = Ramp::make(Expr(0), Expr(1), lanes);
  Expr row = floordiv(lane, Broadcast::make(Expr(cols), lanes));
  Expr col = floormod(lane, Broadcast::make(Expr(cols), lanes));
  return Broadcast::make(r.offset, lanes) + row * Broadcast::make(row_stride, lanes) +
         col * Broadcast::make(col_stride, lanes);
}

// c[0:16] = vpdpbusd(c, broadcast(a[0:4] as one int32), b[0:16, 0:4] as 16 int32).
Stmt emit_dot_16x4_u8s8s32(const std::vector<BufferRegion>& r) {
  const BufferRegion &a = r[0], &b = r[1], &c = r[2];
  const DataType i32x16 = DataType::Int(32, kLanes);
  Expr a_bytes = Load::make(DataType::UInt(8, kDepth), a.buffer, region_lanes(a, 1, kDepth));
  Expr a_words = Broadcast::make(Reinterpret::make(DataType::Int(32), a_bytes), kLanes);
  Expr b_bytes = Load::make(DataType::Int(8, kLanes * kDepth), b.buffer, region_lanes(b, kLanes, kDepth));
  Expr b_words = Reinterpret::make(i32x16, b_bytes);
  Expr c_index = region_lanes(c, 1, kLanes);
  Expr acc = Load::make(i32x16, c.buffer, c_index);
  // Operand order of the instruction: accumulator, unsigned bytes, signed bytes.
  Expr sum = Call::make(i32x16, "llvm.x86.avx512.vpdpbusd.512", {acc, a_words, b_words});
  return Store::make(c.buffer, sum, c_index);
}

TensorIntrin make_dot_16x4_u8s8s32() {
  const DataType i32 = DataType::Int(32);
  Tensor a = placeholder({kDepth}, DataType::UInt(8), "a");
  Tensor b = placeholder({kLanes, kDepth}, DataType::Int(8), "b");
  IterVar k = reduce_axis({0, kDepth}, "k");
  Tensor c = compute(
      {kLanes}, [&](Var j) { return sum(cast(i32, a(k.var())) * cast(i32, b(j, k.var())), {k}); },
      "c");
  TensorIntrin intrin;
  intrin.name = kDot16x4U8S8S32;
  intrin.inputs = {a, b};
  intrin.output = c;
  intrin.emit = emit_dot_16x4_u8s8s32;
  validate_intrin(intrin);
  return intrin;
}

bool is_x86(const Target& t) { return t.mtriple().rfind("x86_64", 0) == 0; }

}  // namespace

const TensorIntrin& dot_16x4_u8s8s32() {
  static const TensorIntrin intrin = make_dot_16x4_u8s8s32();
  return intrin;
}

std::vector<const TensorIntrin*> tensor_intrinsics(const Target& target) {
  std::vector<const TensorIntrin*> out;
  if (target.kind() != "llvm") return out;
  if (is_x86(target) && target.has_feature("avx512vnni")) out.push_back(&dot_16x4_u8s8s32());
  return out;
}

std::vector<const TensorIntrin*> all_tensor_intrinsics() { return {&dot_16x4_u8s8s32()}; }

}  // namespace anvil
