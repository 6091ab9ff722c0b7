/* The Anvil runtime: a small C library that loads modules compiled ahead of
 * time by `anvil compile` and runs their kernels on DLPack tensors. It links
 * nothing but libc, libdl and libpthread (no LLVM, no compiler parts).
 *
 * Every function returns 0 on success and a nonzero AnvilStatus on failure;
 * anvil_last_error() then describes the failure (thread-local).
 *
 *   AnvilModule* m;
 *   if (anvil_module_load("libmatmul.so", &m) != 0) { puts(anvil_last_error()); ... }
 *   AnvilFunction* f;
 *   anvil_module_get_function(m, "matmul", &f);
 *   DLTensor* args[3] = {&a, &b, &c};
 *   anvil_function_call(f, args, 3);
 *   anvil_module_free(m);
 */
#ifndef ANVIL_RUNTIME_H_
#define ANVIL_RUNTIME_H_

#include <stdint.h>

#include <dlpack/dlpack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI between compiled modules and this runtime. A module records the
 * version it was built for; the runtime refuses other versions. */
#define ANVIL_ABI_VERSION 1

typedef enum {
  ANVIL_OK = 0,
  ANVIL_ERROR_INVALID_ARGUMENT = 1, /* null pointer, bad count, unknown name */
  ANVIL_ERROR_LOAD = 2,             /* the file cannot be loaded or is not an Anvil module */
  ANVIL_ERROR_ABI = 3,              /* module built for another ABI version */
  ANVIL_ERROR_SIGNATURE = 4,        /* argument dtype, rank, shape, layout or device mismatch */
  ANVIL_ERROR_KERNEL = 5,           /* the kernel reported a failure (e.g. an assertion) */
} AnvilStatus;

typedef struct AnvilModule AnvilModule;
typedef struct AnvilFunction AnvilFunction;

/* ---- the manifest a compiled module exports as the symbol `anvil_manifest` */

typedef struct {
  uint8_t code; /* DLDataTypeCode: kDLInt, kDLUInt, kDLFloat, kDLBfloat */
  uint8_t bits;
  uint16_t lanes;
  int32_t ndim;
  const int64_t* shape; /* ndim extents, row-major compact layout */
} AnvilArgInfo;

/* A kernel: int32_t symbol(void* const* args, int32_t num_args), returning 0
 * or nonzero after a failure whose message module_last_error() returns. */
typedef int32_t (*AnvilKernel)(void* const* args, int32_t num_args);

typedef struct {
  const char* name;
  AnvilKernel kernel;
  int32_t num_args;
  const AnvilArgInfo* args;
} AnvilFunctionInfo;

typedef struct {
  uint32_t magic; /* ANVIL_MANIFEST_MAGIC */
  uint32_t abi_version;
  int32_t num_functions;
  const AnvilFunctionInfo* functions;
  const char* (*module_last_error)(void);
} AnvilManifest;

#define ANVIL_MANIFEST_MAGIC 0x4c564e41u /* "ANVL" */

/* ---- modules */

int anvil_module_load(const char* path, AnvilModule** out);
void anvil_module_free(AnvilModule* module);
int anvil_module_num_functions(const AnvilModule* module);
/* The i-th function's name, or NULL when i is out of range. */
const char* anvil_module_function_name(const AnvilModule* module, int i);
int anvil_module_get_function(AnvilModule* module, const char* name, AnvilFunction** out);
/* The manifest entry of a function (name, argument dtypes and shapes), owned by
 * the module; NULL for a NULL function. */
const AnvilFunctionInfo* anvil_function_info(const AnvilFunction* function);

/* ---- calling: args are the function's buffers in manifest order; each must
 * match the manifest's dtype and shape exactly, be on kDLCPU, compact
 * row-major (strides NULL or compact) with byte_offset honoured. */
int anvil_function_call(const AnvilFunction* function, DLTensor* const* args, int num_args);

/* ---- errors */
const char* anvil_last_error(void);

/* ---- the thread pool that runs the parallel loops of compiled kernels.
 * Its default size is the environment variable ANVIL_NUM_THREADS when set to
 * a positive integer, else one thread per core this process may run on
 * (sched_getaffinity). The threads start on the first parallel_for. */
void anvil_set_num_threads(int num_threads); /* <= 0: one per available core */
int anvil_get_num_threads(void);

/* Runs body(task, num_tasks, closure) for task = 0 .. num_tasks-1 on the pool
 * and waits for all. Returns 0, or the first nonzero value a body returned.
 * Generated code calls this for parallel loops; nested calls run serially.
 * Each thread (the caller included) runs one contiguous chunk of tasks and
 * stops its chunk at a failure; "first" is the failing task of lowest index
 * among those run. A call made while another thread's call holds the pool runs
 * serially in its own thread. */
typedef int32_t (*AnvilParallelBody)(int64_t task, int64_t num_tasks, void* closure);
int32_t anvil_parallel_for(int64_t num_tasks, AnvilParallelBody body, void* closure);

#ifdef __cplusplus
}
#endif

#endif /* ANVIL_RUNTIME_H_ */
