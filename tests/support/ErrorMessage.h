// Test helper: the message of the error of type E that f throws, or "" when it
// throws none, so tests can match refusals with HasSubstr.
#pragma once

#include <string>

#include "anvil/support/Error.h"

namespace anvil::testing {

template <typename E, typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

template <typename F>
std::string schedule_error(F&& f) {
  return error_message<ScheduleError>(std::forward<F>(f));
}

}  // namespace anvil::testing
