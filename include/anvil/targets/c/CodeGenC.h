// The C backend's code generator: lowered loop IR to portable GNU C11 (with GCC
// vector extensions for vector types), compiled by the system C compiler.
#pragma once

#include <string>
#include <vector>

#include "anvil/ir/LoweredFunc.h"
#include "anvil/targets/Target.h"

namespace anvil {

// C source of one module holding `funcs`. Each function is exported as
//   int32_t NAME(void* const* args, int32_t num_args)
// taking the buffer pointers in the order of LoweredFunc::args (buffers must
// not overlap: they are declared restrict). It returns 0, or -1 after a failed
// AssertStmt (or a failed allocation, or a wrong num_args), with the message in
//   const char* anvil_module_last_error(void)
// (a thread-local buffer of the module). Throws UserError for IR the C target
// cannot run (GPU loops, packed sub-byte buffers, bad names, unknown intrinsics)
// and InternalError for tensor-level IR that was not lowered.
std::string codegen_c(const std::vector<LoweredFunc>& funcs, const Target& target);

// Whether `name` is a valid C identifier that a generated module may export.
bool is_valid_c_function_name(const std::string& name);

}  // namespace anvil
