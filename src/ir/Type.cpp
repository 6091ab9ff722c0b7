// DataType spelling and integer limits.
#include "anvil/ir/Type.h"

#include <cctype>

#include "anvil/support/Error.h"

namespace anvil {

int64_t DataType::max_int() const {
  if (is_uint()) return bits() >= 64 ? INT64_MAX : static_cast<int64_t>((uint64_t{1} << bits()) - 1);
  ANVIL_ASSERT(is_int(), "max_int of " << to_string());
  return bits() >= 64 ? INT64_MAX : (int64_t{1} << (bits() - 1)) - 1;
}

int64_t DataType::min_int() const {
  if (is_uint()) return 0;
  ANVIL_ASSERT(is_int(), "min_int of " << to_string());
  return bits() >= 64 ? INT64_MIN : -(int64_t{1} << (bits() - 1));
}

uint64_t DataType::max_uint() const {
  ANVIL_ASSERT(is_uint(), "max_uint of " << to_string());
  return bits() >= 64 ? UINT64_MAX : (uint64_t{1} << bits()) - 1;
}

std::string DataType::to_string() const {
  std::string s;
  switch (code_) {
    case Code::Int: s = "int"; break;
    case Code::UInt:
      if (bits_ == 1) {
        s = "bool";
        break;
      }
      s = "uint";
      break;
    case Code::Float: s = "float"; break;
    case Code::BFloat: s = "bfloat"; break;
    case Code::Handle: return "handle";
    case Code::Void: return "void";
  }
  if (!is_bool()) s += std::to_string(bits_);
  if (lanes_ > 1) s += "x" + std::to_string(lanes_);
  return s;
}

DataType DataType::parse(const std::string& text) {
  if (text == "handle") return Handle();
  if (text == "void") return Void();
  size_t pos = 0;
  Code code;
  auto starts = [&](const char* p) { return text.rfind(p, 0) == 0; };
  bool is_bool_type = false;
  if (starts("bool")) {
    code = Code::UInt;
    pos = 4;
    is_bool_type = true;
  } else if (starts("uint")) {
    code = Code::UInt;
    pos = 4;
  } else if (starts("int")) {
    code = Code::Int;
    pos = 3;
  } else if (starts("float")) {
    code = Code::Float;
    pos = 5;
  } else if (starts("bfloat")) {
    code = Code::BFloat;
    pos = 6;
  } else {
    throw UserError("unknown data type '" + text +
                    "' (expected e.g. int32, uint4, float32x8, bfloat16, bool, handle)");
  }
  auto read_number = [&](int& out) {
    size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) pos++;
    if (start == pos || pos - start > 5) return false;
    out = std::stoi(text.substr(start, pos - start));
    return true;
  };
  int bits = 1;
  if (!is_bool_type && !read_number(bits)) {
    throw UserError("data type '" + text + "' has no bit width");
  }
  int lanes = 1;
  if (pos < text.size()) {
    if (text[pos] != 'x' || (pos++, !read_number(lanes)) || pos != text.size() || lanes < 1) {
      throw UserError("malformed data type '" + text + "'");
    }
  }
  if (bits < 1 || bits > 64) throw UserError("data type '" + text + "': bits must be 1..64");
  if (code == Code::Float && bits != 16 && bits != 32 && bits != 64)
    throw UserError("data type '" + text + "': float must be 16, 32 or 64 bits");
  if (code == Code::BFloat && bits != 16)
    throw UserError("data type '" + text + "': bfloat must be 16 bits");
  if (lanes > 65535) throw UserError("data type '" + text + "': too many lanes");
  return {code, bits, lanes};
}

namespace detail {
void throw_internal_error(const char* file, int line, const char* condition,
                          const std::string& message) {
  std::ostringstream s;
  s << "internal error at " << file << ":" << line << ": " << condition << " failed";
  if (!message.empty()) s << ": " << message;
  throw InternalError(s.str());
}
}  // namespace detail

}  // namespace anvil
