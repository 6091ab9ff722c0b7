// Workloads: an operator with its shapes and dtype, identified by a canonical
// key and a stable hash (what tuning records are stored under), and the
// operators that can be built from such a key — compute definition, inputs,
// reference implementation and operation count.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "anvil/ir/te/Operation.h"
#include "anvil/support/HostBuffer.h"

namespace anvil {

// What is tuned: an operator by name, its shape arguments (in the operator's
// own order, e.g. matmul [M, N, K]) and its element type.
struct Workload {
  std::string op;
  std::vector<int64_t> shape;
  std::string dtype = "float32";

  // Canonical JSON: {"dtype":"float32","op":"matmul","shape":[64,64,64]}.
  std::string key() const;
  // A stable 64-bit hash of key(), as 16 hex digits (FNV-1a; the same on
  // every machine and run).
  std::string hash() const;
  // Parses key(); throws UserError naming what is wrong.
  static Workload from_key(const std::string& key);
  bool operator==(const Workload& o) const { return key() == o.key(); }
};

// The tensors of a workload, ready to schedule, with its reference.
struct WorkloadInstance {
  std::vector<Tensor> inputs;
  Tensor output;
  // The expected output for inputs (in the order of `inputs`).
  std::function<HostBuffer(const std::vector<HostBuffer>&)> reference;
  double flops = 0;  // operations of one call
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
  std::function<WorkloadInstance(const std::vector<int64_t>&)> build;
  // The one Workload::dtype the operator is built for (its inputs' family:
  // "int8" for the quantized operators, whose dtypes are in their names).
  const char* dtype = "float32";
};

// The operators that can be built by name.
const std::vector<WorkloadKind>& workload_kinds();
// Builds the workload's tensors; throws UserError naming the valid operators,
// the expected shape or the unsupported dtype.
WorkloadInstance instantiate(const Workload& w);
// "64,64,64" → {64, 64, 64}; throws UserError on anything else.
std::vector<int64_t> parse_shape(const std::string& text);

}  // namespace anvil
