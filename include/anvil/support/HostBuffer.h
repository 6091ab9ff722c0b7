// HostBuffer: an owning, 64-byte-aligned tensor in host memory. Reference
// implementations, correctness tests and the measurement code exchange data in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "anvil/ir/Type.h"
#include "anvil/support/Error.h"

namespace anvil {

class HostBuffer {
 public:
  // Every HostBuffer's data starts on a 64-byte boundary (a cache line, and
  // enough for AVX-512 aligned loads in generated kernels).
  static constexpr size_t kAlignment = 64;

  // A zero-filled buffer. Element types: float32, float64, int8, uint8, int32,
  // int64, all scalar; anything else (sub-byte widths, vectors) is a UserError.
  HostBuffer(DataType dtype, std::vector<int64_t> shape);
  // A buffer holding `values` (row-major), converted to dtype as set() does.
  static HostBuffer from_values(DataType dtype, std::vector<int64_t> shape,
                                const std::vector<double>& values);
  // Deterministic pseudo-random contents, the same for the same seed on every
  // platform. Floats are uniform in [lo, hi); integers uniform in
  // [ceil(lo), floor(hi)], which must lie within the type's range.
  static HostBuffer random(DataType dtype, std::vector<int64_t> shape, uint64_t seed,
                           double lo = -1.0, double hi = 1.0);

  HostBuffer(const HostBuffer& other);  // deep copy
  HostBuffer& operator=(const HostBuffer& other);
  HostBuffer(HostBuffer&&) noexcept = default;
  HostBuffer& operator=(HostBuffer&&) noexcept = default;

  DataType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t num_elements() const { return num_elements_; }
  size_t size_bytes() const { return static_cast<size_t>(num_elements_) * dtype_.bytes(); }

  void* raw() { return data_.get(); }
  const void* raw() const { return data_.get(); }
  // Typed access; T must be the C++ type of dtype() (float for float32, ...).
  template <typename T>
  T* data() {
    check_type<T>();
    return static_cast<T*>(raw());
  }
  template <typename T>
  const T* data() const {
    check_type<T>();
    return static_cast<const T*>(raw());
  }

  // Element `i` (row-major flat index) as a double, whatever the dtype.
  double get(int64_t i) const;
  // Stores v into element i: rounds to float32 for float32; for integers
  // truncates toward zero and wraps to the type's width, like an IR Cast.
  void set(int64_t i, double v);
  // Exact integer access (for int types; floats are truncated toward zero).
  int64_t get_int(int64_t i) const;
  void set_int(int64_t i, int64_t v);  // wraps to the type's width
  std::vector<double> to_vector() const;

  void fill_zero();

 private:
  struct AlignedFree {
    void operator()(std::byte* p) const;
  };
  template <typename T>
  void check_type() const;
  void check_index(int64_t i) const;

  DataType dtype_;
  std::vector<int64_t> shape_;
  int64_t num_elements_ = 0;
  std::unique_ptr<std::byte[], AlignedFree> data_;
};

// "[2, 3, 4]", for messages.
std::string shape_to_string(const std::vector<int64_t>& shape);

// The largest |a[i] - b[i]|; +infinity when exactly one of them is NaN at some
// position. Mismatched shapes or dtypes are a UserError.
double max_abs_diff(const HostBuffer& a, const HostBuffer& b);
// True when |a[i] - b[i]| <= atol + rtol * |b[i]| everywhere (b is the
// reference); a NaN anywhere makes it false. Mismatched shapes or dtypes are a UserError.
bool all_close(const HostBuffer& a, const HostBuffer& b, double rtol = 1e-5, double atol = 1e-6);

template <typename T>
void HostBuffer::check_type() const {
  DataType want;
  if constexpr (std::is_same_v<T, float>) want = DataType::Float(32);
  else if constexpr (std::is_same_v<T, double>) want = DataType::Float(64);
  else if constexpr (std::is_same_v<T, int8_t>) want = DataType::Int(8);
  else if constexpr (std::is_same_v<T, uint8_t>) want = DataType::UInt(8);
  else if constexpr (std::is_same_v<T, int32_t>) want = DataType::Int(32);
  else if constexpr (std::is_same_v<T, int64_t>) want = DataType::Int(64);
  else static_assert(sizeof(T) == 0, "HostBuffer::data<T>: unsupported element type");
  ANVIL_USER_CHECK(want == dtype_, "HostBuffer::data<" << want.to_string()
                                                       << ">() on a buffer of "
                                                       << dtype_.to_string());
}

}  // namespace anvil
