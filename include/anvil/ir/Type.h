// DataType: the scalar or vector type of an IR value. Sub-byte widths (int1/2/4,
// uint4) are first class because compressed operators store them packed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace anvil {

class DataType {
 public:
  enum class Code : uint8_t { Int, UInt, Float, BFloat, Handle, Void };

  constexpr DataType() : code_(Code::Void), bits_(0), lanes_(1) {}
  constexpr DataType(Code code, int bits, int lanes = 1)
      : code_(code), bits_(static_cast<uint8_t>(bits)), lanes_(static_cast<uint16_t>(lanes)) {}

  static constexpr DataType Int(int bits, int lanes = 1) { return {Code::Int, bits, lanes}; }
  static constexpr DataType UInt(int bits, int lanes = 1) { return {Code::UInt, bits, lanes}; }
  static constexpr DataType Float(int bits, int lanes = 1) { return {Code::Float, bits, lanes}; }
  static constexpr DataType BFloat16(int lanes = 1) { return {Code::BFloat, 16, lanes}; }
  static constexpr DataType Bool(int lanes = 1) { return {Code::UInt, 1, lanes}; }
  static constexpr DataType Handle() { return {Code::Handle, 64, 1}; }
  static constexpr DataType Void() { return {Code::Void, 0, 1}; }

  constexpr Code code() const { return code_; }
  constexpr int bits() const { return bits_; }
  constexpr int lanes() const { return lanes_; }
  constexpr int bytes() const { return (bits_ + 7) / 8; }

  constexpr bool is_int() const { return code_ == Code::Int; }
  constexpr bool is_uint() const { return code_ == Code::UInt; }
  constexpr bool is_int_or_uint() const { return is_int() || is_uint(); }
  constexpr bool is_float() const { return code_ == Code::Float; }
  constexpr bool is_bfloat() const { return code_ == Code::BFloat; }
  constexpr bool is_floating() const { return is_float() || is_bfloat(); }
  constexpr bool is_bool() const { return code_ == Code::UInt && bits_ == 1; }
  constexpr bool is_handle() const { return code_ == Code::Handle; }
  constexpr bool is_void() const { return code_ == Code::Void; }
  constexpr bool is_scalar() const { return lanes_ == 1; }
  constexpr bool is_vector() const { return lanes_ > 1; }

  constexpr DataType with_lanes(int lanes) const { return {code_, bits_, lanes}; }
  constexpr DataType with_bits(int bits) const { return {code_, bits, lanes_}; }
  constexpr DataType with_code(Code code) const { return {code, bits_, lanes_}; }
  constexpr DataType element_of() const { return with_lanes(1); }

  // Largest and smallest representable integer values (ints only).
  int64_t max_int() const;
  int64_t min_int() const;
  uint64_t max_uint() const;

  constexpr bool operator==(const DataType& o) const {
    return code_ == o.code_ && bits_ == o.bits_ && lanes_ == o.lanes_;
  }
  constexpr bool operator!=(const DataType& o) const { return !(*this == o); }

  // "int32", "float32x8", "uint4", "bool", "handle", "void".
  std::string to_string() const;
  // Inverse of to_string; throws UserError on an unknown spelling.
  static DataType parse(const std::string& text);

 private:
  Code code_;
  uint8_t bits_;
  uint16_t lanes_;
};

}  // namespace anvil

template <>
struct std::hash<anvil::DataType> {
  size_t operator()(const anvil::DataType& t) const {
    return (static_cast<size_t>(t.code()) << 24) ^ (static_cast<size_t>(t.bits()) << 16) ^
           static_cast<size_t>(t.lanes());
  }
};
