// Runs the pass-test files: tests/passes/<pass>/*.ir. A file holds one or more
// cases separated by a line "// -----"; a case is
//
//   // RUN: simplify [, other-pass ...]     (several RUN lines run in order)
//   <input: a bare statement, or func name(...) { ... }>
//   // EXPECT:
//   <expected output, the same kind as the input>
//
// Other // lines are comments. The passes come from the same table as
// anvil-opt (tools/PassTable.h); the result must be structurally equal to the
// parsed expectation (variable names do not matter), else both are printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "PassTable.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/ir/StructuralEqual.h"
#include "anvil/support/Error.h"

using namespace anvil;

namespace {

const char* const kPassFiles[] = {
#include "PassFiles.inc"
    nullptr,
};

struct PassCase {
  std::string file;  // relative to tests/passes/
  int index = 0;     // case number in the file
  int line = 1;      // first line of the case
  std::vector<std::string> passes;
  std::string input, expected;
  bool has_expect = false;
};

// gtest prints this instead of the case's bytes.
void PrintTo(const PassCase& c, std::ostream* os) { *os << c.file << " case " << c.index; }

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// The text without the padding lines before it.
std::string trim_lines(const std::string& s) {
  size_t b = s.find_first_not_of('\n');
  return b == std::string::npos ? "" : s.substr(b);
}

std::vector<PassCase> read_cases(const std::string& path) {
  std::string root = ANVIL_PASS_TEST_ROOT;
  std::string rel = path.rfind(root, 0) == 0 ? path.substr(root.size()) : path;
  std::ifstream in(path);
  std::vector<PassCase> cases(1);
  cases.back().file = rel;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    line_no++;
    std::string t = trim(line);
    if (t == "// -----") {
      cases.push_back({});
      cases.back().file = rel;
      cases.back().index = static_cast<int>(cases.size()) - 1;
      cases.back().line = line_no + 1;
      continue;
    }
    PassCase& c = cases.back();
    if (t.rfind("// RUN:", 0) == 0) {
      std::stringstream names(t.substr(7));
      std::string name;
      while (std::getline(names, name, ',')) {
        if (!trim(name).empty()) c.passes.push_back(trim(name));
      }
      continue;
    }
    if (t == "// EXPECT:") {
      c.has_expect = true;
      continue;
    }
    // Pad with blank lines so parse errors give the line in the file.
    std::string& text = c.has_expect ? c.expected : c.input;
    text.append(static_cast<size_t>(line_no - 1) - std::count(text.begin(), text.end(), '\n'),
                '\n');
    text += line + "\n";
  }
  return cases;
}

std::vector<PassCase> all_cases() {
  std::vector<PassCase> out;
  for (const char* const* f = kPassFiles; *f; ++f) {
    for (PassCase& c : read_cases(*f)) out.push_back(std::move(c));
  }
  return out;
}

std::string case_name(const testing::TestParamInfo<PassCase>& info) {
  std::string name = info.param.file + "_" + std::to_string(info.param.index);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

class PassFile : public testing::TestWithParam<PassCase> {};

}  // namespace

TEST(PassFiles, AtLeastOneFileFound) {
  EXPECT_NE(kPassFiles[0], nullptr) << "no .ir files under " << ANVIL_PASS_TEST_ROOT;
}

TEST_P(PassFile, MatchesExpectation) {
  const PassCase& c = GetParam();
  SCOPED_TRACE(c.file + " case " + std::to_string(c.index) + " (from line " +
               std::to_string(c.line) + ")");
  ASSERT_FALSE(c.passes.empty()) << "the case has no '// RUN: <pass>' line";
  ASSERT_TRUE(c.has_expect) << "the case has no '// EXPECT:' line";
  std::vector<const PassEntry*> passes;
  for (const std::string& name : c.passes) {
    const PassEntry* p = find_pass(name);
    ASSERT_NE(p, nullptr) << "unknown pass '" << name << "'; valid passes: " << pass_names();
    passes.push_back(p);
  }
  try {
    if (text_is_func(c.input)) {
      LoweredFunc f = parse_func(c.input);
      for (const PassEntry* p : passes) f.body = p->run(f.body);
      LoweredFunc expected = parse_func(c.expected);
      EXPECT_TRUE(structural_equal(f, expected))
          << "input:\n" << trim_lines(c.input) << "got:\n" << to_string(f) << "expected:\n"
          << to_string(expected);
    } else {
      Stmt s = parse_stmt(c.input);
      for (const PassEntry* p : passes) s = p->run(s);
      Stmt expected = parse_stmt(c.expected);
      EXPECT_TRUE(structural_equal(s, expected))
          << "input:\n" << trim_lines(c.input) << "got:\n" << to_string(s) << "expected:\n"
          << to_string(expected);
    }
  } catch (const Error& e) {
    FAIL() << c.file << ":" << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Files, PassFile, testing::ValuesIn(all_cases()), case_name);
