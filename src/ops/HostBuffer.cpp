// HostBuffer: aligned storage, typed element access, deterministic random fill
// and the comparison helpers correctness tests use.
#include "anvil/support/HostBuffer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <random>
#include <sstream>

namespace anvil {

namespace {

bool is_supported(DataType t) {
  if (!t.is_scalar()) return false;
  if (t.is_float()) return t.bits() == 32 || t.bits() == 64;
  if (t.is_int()) return t.bits() == 8 || t.bits() == 32 || t.bits() == 64;
  if (t.is_uint()) return t.bits() == 8;
  return false;
}

// Calls f with a value of the C++ element type of t.
template <typename F>
decltype(auto) dispatch(DataType t, F&& f) {
  if (t.is_float()) {
    if (t.bits() == 32) return f(float{});
    return f(double{});
  }
  if (t.is_uint()) return f(uint8_t{});
  if (t.bits() == 8) return f(int8_t{});
  if (t.bits() == 32) return f(int32_t{});
  return f(int64_t{});
}

// Truncates toward zero and wraps to 64 bits without undefined behaviour.
int64_t double_to_int64(double v) {
  if (std::isnan(v)) return 0;
  v = std::trunc(v);
  constexpr double kTwo63 = 9223372036854775808.0;
  if (v >= kTwo63 || v < -kTwo63) return v > 0 ? std::numeric_limits<int64_t>::max()
                                                : std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

void check_same_layout(const HostBuffer& a, const HostBuffer& b, const char* fn) {
  ANVIL_USER_CHECK(a.dtype() == b.dtype(), fn << ": mismatched dtypes " << a.dtype().to_string()
                                              << " and " << b.dtype().to_string());
  ANVIL_USER_CHECK(a.shape() == b.shape(), fn << ": mismatched shapes "
                                              << shape_to_string(a.shape()) << " and "
                                              << shape_to_string(b.shape()));
}

}  // namespace

void HostBuffer::AlignedFree::operator()(std::byte* p) const {
  ::operator delete[](p, std::align_val_t(kAlignment));
}

HostBuffer::HostBuffer(DataType dtype, std::vector<int64_t> shape)
    : dtype_(dtype), shape_(std::move(shape)) {
  ANVIL_USER_CHECK(is_supported(dtype),
                   "HostBuffer: element type " << dtype.to_string()
                                               << " is not supported (float32, float64, int8, "
                                                  "uint8, int32 and int64 are)");
  num_elements_ = 1;
  for (size_t d = 0; d < shape_.size(); d++) {
    ANVIL_USER_CHECK(shape_[d] >= 0, "HostBuffer: dimension " << d << " of shape "
                                                              << shape_to_string(shape_)
                                                              << " is negative");
    num_elements_ *= shape_[d];
  }
  // Never allocate zero bytes: data() stays a valid aligned pointer.
  size_t bytes = std::max<size_t>(size_bytes(), 1);
  data_.reset(static_cast<std::byte*>(::operator new[](bytes, std::align_val_t(kAlignment))));
  fill_zero();
}

HostBuffer::HostBuffer(const HostBuffer& other) : HostBuffer(other.dtype_, other.shape_) {
  std::memcpy(raw(), other.raw(), size_bytes());
}

HostBuffer& HostBuffer::operator=(const HostBuffer& other) {
  if (this != &other) *this = HostBuffer(other);
  return *this;
}

HostBuffer HostBuffer::from_values(DataType dtype, std::vector<int64_t> shape,
                                   const std::vector<double>& values) {
  HostBuffer b(dtype, std::move(shape));
  ANVIL_USER_CHECK(static_cast<int64_t>(values.size()) == b.num_elements(),
                   "HostBuffer::from_values: " << values.size() << " values for shape "
                                               << shape_to_string(b.shape()) << " ("
                                               << b.num_elements() << " elements)");
  for (int64_t i = 0; i < b.num_elements(); i++) b.set(i, values[i]);
  return b;
}

HostBuffer HostBuffer::random(DataType dtype, std::vector<int64_t> shape, uint64_t seed,
                              double lo, double hi) {
  ANVIL_USER_CHECK(lo <= hi, "HostBuffer::random: empty range [" << lo << ", " << hi << "]");
  HostBuffer b(dtype, std::move(shape));
  // mt19937_64's output sequence is fixed by the standard; the distributions
  // are not, so the conversion to a value is done here.
  std::mt19937_64 gen(seed);
  if (dtype.is_float()) {
    for (int64_t i = 0; i < b.num_elements(); i++) {
      double u = static_cast<double>(gen() >> 11) * 0x1.0p-53;
      b.set(i, lo + u * (hi - lo));
    }
    return b;
  }
  double ilo = std::ceil(lo), ihi = std::floor(hi);
  ANVIL_USER_CHECK(ilo <= ihi, "HostBuffer::random: no integer in [" << lo << ", " << hi << "]");
  ANVIL_USER_CHECK(ilo >= static_cast<double>(dtype.min_int()) &&
                       ihi <= static_cast<double>(dtype.is_uint() ? int64_t(dtype.max_uint())
                                                                  : dtype.max_int()),
                   "HostBuffer::random: range [" << lo << ", " << hi << "] does not fit "
                                                 << dtype.to_string());
  auto first = static_cast<int64_t>(ilo);
  auto count = static_cast<uint64_t>(static_cast<int64_t>(ihi) - first) + 1;
  for (int64_t i = 0; i < b.num_elements(); i++) {
    b.set_int(i, first + static_cast<int64_t>(count == 0 ? gen() : gen() % count));
  }
  return b;
}

void HostBuffer::check_index(int64_t i) const {
  ANVIL_ASSERT(i >= 0 && i < num_elements_,
               "element " << i << " of a buffer of " << num_elements_ << " elements");
}

double HostBuffer::get(int64_t i) const {
  check_index(i);
  return dispatch(dtype_, [&](auto zero) {
    using T = decltype(zero);
    return static_cast<double>(static_cast<const T*>(raw())[i]);
  });
}

void HostBuffer::set(int64_t i, double v) {
  check_index(i);
  if (dtype_.is_float()) {
    if (dtype_.bits() == 32) static_cast<float*>(raw())[i] = static_cast<float>(v);
    else static_cast<double*>(raw())[i] = v;
    return;
  }
  set_int(i, double_to_int64(v));
}

int64_t HostBuffer::get_int(int64_t i) const {
  if (dtype_.is_float()) return double_to_int64(get(i));
  check_index(i);
  return dispatch(dtype_, [&](auto zero) {
    using T = decltype(zero);
    return static_cast<int64_t>(static_cast<const T*>(raw())[i]);
  });
}

void HostBuffer::set_int(int64_t i, int64_t v) {
  check_index(i);
  dispatch(dtype_, [&](auto zero) {
    using T = decltype(zero);
    // Integer narrowing is modular in C++20, which is the wrap we want.
    static_cast<T*>(raw())[i] = static_cast<T>(v);
  });
}

std::vector<double> HostBuffer::to_vector() const {
  std::vector<double> out(static_cast<size_t>(num_elements_));
  for (int64_t i = 0; i < num_elements_; i++) out[i] = get(i);
  return out;
}

void HostBuffer::fill_zero() { std::memset(raw(), 0, size_bytes()); }

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); i++) os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

double max_abs_diff(const HostBuffer& a, const HostBuffer& b) {
  check_same_layout(a, b, "max_abs_diff");
  double worst = 0;
  for (int64_t i = 0; i < a.num_elements(); i++) {
    double x = a.get(i), y = b.get(i);
    if (std::isnan(x) || std::isnan(y)) {
      if (std::isnan(x) != std::isnan(y)) return std::numeric_limits<double>::infinity();
      continue;
    }
    if (x == y) continue;  // also equal infinities, whose difference is NaN
    worst = std::max(worst, std::abs(x - y));
  }
  return worst;
}

bool all_close(const HostBuffer& a, const HostBuffer& b, double rtol, double atol) {
  check_same_layout(a, b, "all_close");
  for (int64_t i = 0; i < a.num_elements(); i++) {
    double x = a.get(i), y = b.get(i);
    if (x == y) continue;
    if (!(std::abs(x - y) <= atol + rtol * std::abs(y))) return false;  // NaN fails too
  }
  return true;
}

}  // namespace anvil
