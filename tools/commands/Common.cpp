// Options and helpers shared by the workload-based subcommands.
#include <fstream>
#include <sstream>

#include "Commands.h"
#include "anvil/support/Error.h"

namespace anvil::tools {

void add_workload_options(CLI::App* cmd, WorkloadOptions& o) {
  cmd->add_option("--op", o.op, "operator (see `anvil ops`)")->required();
  cmd->add_option("--shape", o.shape, "comma-separated extents, e.g. 1024,1024,1024")->required();
  cmd->add_option("--trace", o.trace_path, "schedule trace JSON to apply");
  cmd->add_option("--target", o.target, "target string, e.g. \"c -mcpu=znver4\"");
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  ANVIL_USER_CHECK(in, "cannot read file '" << path << "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Workload workload_of(const WorkloadOptions& o) {
  Workload w;
  w.op = o.op;
  w.shape = parse_shape(o.shape);
  return w;
}

std::unique_ptr<Schedule> make_schedule(const WorkloadInstance& w, const WorkloadOptions& o) {
  if (o.trace_path.empty()) return std::make_unique<Schedule>(std::vector<Tensor>{w.output});
  try {
    return Trace::from_json(read_text_file(o.trace_path)).replay({w.output});
  } catch (const UserError& e) {
    throw UserError("trace " + o.trace_path + ": " + e.what());
  }
}

}  // namespace anvil::tools
