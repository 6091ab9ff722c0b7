// The operators the `anvil` command line can build by name, with their shape
// arguments, compute definition and reference (the seed of the autotuner's
// Workload, which will carry dtypes and attributes as well).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "anvil/ir/te/Operation.h"
#include "anvil/support/HostBuffer.h"

namespace anvil::tools {

struct Workload {
  std::vector<Tensor> inputs;
  Tensor output;
  // Computes the expected output from inputs (same order as `inputs`).
  std::function<HostBuffer(const std::vector<HostBuffer>&)> reference;
  double flops = 0;  // floating-point (or integer) operations of one call
  std::vector<Tensor> args() const {
    std::vector<Tensor> all = inputs;
    all.push_back(output);
    return all;
  }
};

struct WorkloadKind {
  const char* name;
  const char* shape_help;  // e.g. "M,N,K"
  size_t shape_arity;
  std::function<Workload(const std::vector<int64_t>&)> build;
};

const std::vector<WorkloadKind>& workload_kinds();
// Throws UserError naming the valid operators or the expected shape.
Workload make_workload(const std::string& op, const std::vector<int64_t>& shape);
std::vector<int64_t> parse_shape(const std::string& text);

}  // namespace anvil::tools
