// anvil-opt: runs loop-IR passes on a text file and prints the result, so a
// pass can be tried (and tested, see tests/passes/) without writing C++.
//
//   anvil-opt --pass simplify [--pass NAME ...] FILE|-
//
// FILE holds a function (func name(A: float32[16]) { ... }) or a bare
// statement in the text form of IRPrinter.h. Exit status: 0 on success, 1 when
// the input does not parse or a pass fails, 2 on a usage error.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "PassTable.h"
#include "anvil/ir/IRPrinter.h"
#include "anvil/support/Error.h"

namespace {

void print_usage(std::ostream& os) {
  os << "usage: anvil-opt --pass NAME [--pass NAME ...] FILE\n"
        "  Reads a LoweredFunc or a bare statement from FILE ('-' for stdin), runs the\n"
        "  passes in the order given and prints the result.\n"
        "passes:\n";
  for (const anvil::PassEntry& p : anvil::kPassTable) {
    os << "  " << p.name << "  " << p.summary << "\n";
  }
}

int usage_error(const std::string& message) {
  std::cerr << "anvil-opt: " << message << "\n";
  print_usage(std::cerr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<const anvil::PassEntry*> passes;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      print_usage(std::cout);
      return 0;
    }
    std::string name;
    if (arg == "--pass") {
      if (i + 1 >= argc) return usage_error("--pass needs a pass name");
      name = argv[++i];
    } else if (arg.rfind("--pass=", 0) == 0) {
      name = arg.substr(7);
    } else if (arg != "-" && arg.rfind("-", 0) == 0) {
      return usage_error("unknown option '" + arg + "'");
    } else {
      if (!file.empty()) return usage_error("more than one input file");
      file = arg;
      continue;
    }
    const anvil::PassEntry* pass = anvil::find_pass(name);
    if (!pass) {
      std::cerr << "anvil-opt: unknown pass '" << name << "'; valid passes: "
                << anvil::pass_names() << "\n";
      return 2;
    }
    passes.push_back(pass);
  }
  if (file.empty()) return usage_error("no input file (use '-' for stdin)");

  std::stringstream text;
  if (file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(file);
    if (!in) {
      std::cerr << "anvil-opt: cannot read '" << file << "'\n";
      return 1;
    }
    text << in.rdbuf();
  }

  try {
    if (anvil::text_is_func(text.str())) {
      anvil::LoweredFunc f = anvil::parse_func(text.str());
      for (const anvil::PassEntry* p : passes) f.body = p->run(f.body);
      std::cout << f;
    } else {
      anvil::Stmt s = anvil::parse_stmt(text.str());
      for (const anvil::PassEntry* p : passes) s = p->run(s);
      std::cout << s;
    }
  } catch (const anvil::UserError& e) {
    std::cerr << (file == "-" ? "<stdin>" : file) << ":" << e.what() << "\n";
    return 1;
  } catch (const anvil::Error& e) {
    std::cerr << "anvil-opt: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
