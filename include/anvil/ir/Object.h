// Intrusive reference counting for IR nodes and other immutable objects. A node
// is shared by every tree that contains it; it is never mutated after make().
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace anvil {

class Object {
 public:
  Object() = default;
  Object(const Object&) : ref_count_(0) {}
  Object& operator=(const Object&) = delete;
  virtual ~Object() = default;

  void inc_ref() const { ref_count_.fetch_add(1, std::memory_order_relaxed); }
  void dec_ref() const {
    if (ref_count_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  int use_count() const { return ref_count_.load(std::memory_order_relaxed); }

 private:
  mutable std::atomic<int32_t> ref_count_{0};
};

// A counted reference to an Object subclass. Null by default.
template <typename T>
class Ref {
 public:
  Ref() = default;
  Ref(T* ptr) : ptr_(ptr) { retain(); }  // NOLINT: implicit from raw node pointers
  Ref(const Ref& other) : ptr_(other.ptr_) { retain(); }
  Ref(Ref&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  template <typename U>
    requires std::is_convertible_v<U*, T*>
  Ref(const Ref<U>& other) : ptr_(other.get()) { retain(); }  // NOLINT: upcast
  ~Ref() { release(); }

  Ref& operator=(const Ref& other) {
    Ref copy(other);
    std::swap(ptr_, copy.ptr_);
    return *this;
  }
  Ref& operator=(Ref&& other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }

  T* get() const { return ptr_; }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  bool defined() const { return ptr_ != nullptr; }
  explicit operator bool() const { return defined(); }
  // Identity comparison: two refs are the same object. Structural comparison
  // of IR lives in StructuralEqual.h.
  bool same_as(const Ref& other) const { return ptr_ == other.ptr_; }

 private:
  void retain() const {
    if (ptr_) ptr_->inc_ref();
  }
  void release() {
    if (ptr_) ptr_->dec_ref();
    ptr_ = nullptr;
  }
  T* ptr_ = nullptr;
};

template <typename T, typename... Args>
Ref<T> make_object(Args&&... args) {
  return Ref<T>(new T(std::forward<Args>(args)...));
}

}  // namespace anvil
