// Anvil's three kinds of error (see STYLE.md, habit 6):
//  - UserError: a mistake by the user of the API (bad argument, shape mismatch);
//    the message says what is wrong and where, so the user can act on it.
//  - ScheduleError: a UserError raised by a schedule primitive; the search code
//    catches it cheaply to discard a candidate.
//  - InternalError: a broken invariant of Anvil itself (a bug in Anvil).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace anvil {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class UserError : public Error {
 public:
  explicit UserError(const std::string& message) : Error(message) {}
};

class ScheduleError : public UserError {
 public:
  explicit ScheduleError(const std::string& message) : UserError(message) {}
};

class InternalError : public Error {
 public:
  explicit InternalError(const std::string& message) : Error(message) {}
};

namespace detail {
[[noreturn]] void throw_internal_error(const char* file, int line, const char* condition,
                                       const std::string& message);
}  // namespace detail

}  // namespace anvil

// Builds a message from a stream expression: ANVIL_USER_CHECK(x > 0, "x is " << x).
#define ANVIL_THROW_IF_NOT(ErrorType, cond, message)  \
  do {                                                \
    if (!(cond)) {                                    \
      std::ostringstream anvil_error_stream_;         \
      anvil_error_stream_ << message;                 \
      throw ErrorType(anvil_error_stream_.str());     \
    }                                                 \
  } while (0)

#define ANVIL_USER_CHECK(cond, message) ANVIL_THROW_IF_NOT(::anvil::UserError, cond, message)
#define ANVIL_SCHEDULE_CHECK(cond, message) \
  ANVIL_THROW_IF_NOT(::anvil::ScheduleError, cond, message)

// Internal invariant: a failure is a bug in Anvil, reported with file and line.
#define ANVIL_ASSERT(cond, message)                                                     \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::ostringstream anvil_error_stream_;                                           \
      anvil_error_stream_ << message;                                                   \
      ::anvil::detail::throw_internal_error(__FILE__, __LINE__, #cond,                  \
                                            anvil_error_stream_.str());                 \
    }                                                                                   \
  } while (0)
