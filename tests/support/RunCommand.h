// Test helper: the output (stdout and stderr) of a shell command, e.g.
// objdump of a generated object, for tests that check the machine code.
#pragma once

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace anvil::testing {

inline std::string run_command(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((cmd + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
  return out;
}

}  // namespace anvil::testing
