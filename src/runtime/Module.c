/* The runtime's module loader and call path: dlopens a module built by
 * `anvil compile`, validates its manifest once, and checks every DLTensor
 * against the manifest before a kernel sees it, so bad input is an error
 * message rather than a crash inside generated code. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "RuntimeInternal.h"

struct AnvilFunction {
  const AnvilModule* module;
  const AnvilFunctionInfo* info;
};

struct AnvilModule {
  void* handle;
  const AnvilManifest* manifest;
  AnvilFunction* functions; /* one per manifest function, same order */
  char* path;
};

/* ---- formatting helpers for messages */

/* "float32", "int8", "uint8x4", or "code 9 bits 32" for codes we do not name. */
static void format_dtype(char* out, size_t size, unsigned code, unsigned bits, unsigned lanes) {
  const char* name = code == kDLInt ? "int"
                     : code == kDLUInt ? "uint"
                     : code == kDLFloat ? "float"
                     : code == kDLBfloat ? "bfloat"
                     : NULL;
  int n = name ? snprintf(out, size, "%s%u", name, bits)
               : snprintf(out, size, "(code %u, %u bits)", code, bits);
  if (lanes != 1 && n >= 0 && (size_t)n < size) snprintf(out + n, size - (size_t)n, "x%u", lanes);
}

/* "[7, 13]"; long shapes are cut with "...". */
static void format_dims(char* out, size_t size, const int64_t* dims, int ndim) {
  size_t n = 0;
  out[0] = 0;
  n += (size_t)snprintf(out + n, size - n, "[");
  for (int i = 0; i < ndim && n < size; ++i) {
    if (n + 24 >= size) {
      snprintf(out + n, size - n, "...");
      return;
    }
    n += (size_t)snprintf(out + n, size - n, "%s%lld", i ? ", " : "", (long long)dims[i]);
  }
  if (n < size) snprintf(out + n, size - n, "]");
}

static const char* device_name(int type) {
  switch (type) {
    case kDLCPU: return "kDLCPU";
    case kDLCUDA: return "kDLCUDA";
    case kDLCUDAHost: return "kDLCUDAHost";
    case kDLOpenCL: return "kDLOpenCL";
    case kDLVulkan: return "kDLVulkan";
    case kDLMetal: return "kDLMetal";
    case kDLROCM: return "kDLROCM";
    default: return "another device";
  }
}

/* ---- loading */

/* Checks the manifest's internal consistency; a module whose manifest lies
 * would otherwise crash the runtime at the first call. */
static int check_manifest(const AnvilManifest* m, const char* path) {
  if (m->num_functions < 0)
    return anvil_rt_fail(ANVIL_ERROR_LOAD, "%s: corrupt Anvil manifest: num_functions is %d",
                         path, (int)m->num_functions);
  if (m->num_functions > 0 && !m->functions)
    return anvil_rt_fail(ANVIL_ERROR_LOAD,
                         "%s: corrupt Anvil manifest: %d functions but no function table", path,
                         (int)m->num_functions);
  for (int i = 0; i < m->num_functions; ++i) {
    const AnvilFunctionInfo* f = &m->functions[i];
    if (!f->name || !f->name[0])
      return anvil_rt_fail(ANVIL_ERROR_LOAD, "%s: corrupt Anvil manifest: function %d has no name",
                           path, i);
    for (int j = 0; j < i; ++j)
      if (strcmp(m->functions[j].name, f->name) == 0)
        return anvil_rt_fail(ANVIL_ERROR_LOAD,
                             "%s: corrupt Anvil manifest: two functions named '%s' (%d and %d)",
                             path, f->name, j, i);
    if (!f->kernel)
      return anvil_rt_fail(ANVIL_ERROR_LOAD,
                           "%s: corrupt Anvil manifest: function '%s' has no kernel", path,
                           f->name);
    if (f->num_args < 0 || (f->num_args > 0 && !f->args))
      return anvil_rt_fail(ANVIL_ERROR_LOAD,
                           "%s: corrupt Anvil manifest: function '%s' has %d arguments and %s",
                           path, f->name, (int)f->num_args, f->args ? "a table" : "no table");
    for (int a = 0; a < f->num_args; ++a) {
      const AnvilArgInfo* arg = &f->args[a];
      int bad = arg->bits == 0 || arg->lanes == 0 || arg->ndim < 0 || (arg->ndim > 0 && !arg->shape);
      for (int d = 0; !bad && d < arg->ndim; ++d) bad = arg->shape[d] < 0;
      if (bad)
        return anvil_rt_fail(ANVIL_ERROR_LOAD,
                             "%s: corrupt Anvil manifest: argument %d of function '%s' has an "
                             "invalid dtype or shape",
                             path, a, f->name);
    }
  }
  return ANVIL_OK;
}

int anvil_module_load(const char* path, AnvilModule** out) {
  if (out) *out = NULL;
  if (!path || !out)
    return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT, "anvil_module_load: %s is NULL",
                         path ? "out" : "path");
  /* dlopen searches the library path for a name without '/'; a user naming a
   * file in the current directory means that file. */
  size_t len = strlen(path);
  char* open_path = malloc(len + 3);
  if (!open_path) return anvil_rt_fail(ANVIL_ERROR_LOAD, "%s: out of memory", path);
  if (!strchr(path, '/') && access(path, F_OK) == 0) {
    memcpy(open_path, "./", 2);
    memcpy(open_path + 2, path, len + 1);
  } else {
    memcpy(open_path, path, len + 1);
  }

  /* A name dlopen would look up in the library path is not checked here: it
   * is not a file we can name. */
  int status = strchr(open_path, '/') ? anvil_rt_check_elf(open_path, path) : ANVIL_OK;
  if (status != ANVIL_OK) {
    free(open_path);
    return status;
  }
  dlerror(); /* clear a stale message */
  void* handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
  free(open_path);
  if (!handle) {
    const char* err = dlerror();
    return anvil_rt_fail(ANVIL_ERROR_LOAD, "cannot load module %s: %s", path,
                         err ? err : "unknown dlopen error");
  }
  /* Modules from the C backend run parallel loops with libgomp, whose worker
   * threads outlive the module: unloading libgomp under them crashes, so it
   * stays loaded once a module brought it in. */
  dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);

  const AnvilManifest* m = (const AnvilManifest*)dlsym(handle, "anvil_manifest");
  if (!m) {
    status = anvil_rt_fail(ANVIL_ERROR_LOAD,
                           "%s is not an Anvil module: it has no 'anvil_manifest' symbol "
                           "(build modules with `anvil compile`)",
                           path);
  } else if (m->magic != ANVIL_MANIFEST_MAGIC) {
    status = anvil_rt_fail(ANVIL_ERROR_ABI,
                           "%s: bad Anvil manifest magic 0x%08x (expected 0x%08x): not a module "
                           "of ABI version %d",
                           path, (unsigned)m->magic, (unsigned)ANVIL_MANIFEST_MAGIC,
                           ANVIL_ABI_VERSION);
  } else if (m->abi_version != ANVIL_ABI_VERSION) {
    status = anvil_rt_fail(ANVIL_ERROR_ABI,
                           "%s was built for Anvil runtime ABI version %u, but this runtime "
                           "implements ABI version %d; rebuild the module",
                           path, (unsigned)m->abi_version, ANVIL_ABI_VERSION);
  } else {
    status = check_manifest(m, path);
  }
  if (status != ANVIL_OK) {
    dlclose(handle);
    return status;
  }

  AnvilModule* module = calloc(1, sizeof *module);
  char* saved_path = malloc(len + 1);
  AnvilFunction* functions =
      m->num_functions ? calloc((size_t)m->num_functions, sizeof *functions) : NULL;
  if (!module || !saved_path || (m->num_functions && !functions)) {
    free(module);
    free(saved_path);
    free(functions);
    dlclose(handle);
    return anvil_rt_fail(ANVIL_ERROR_LOAD, "%s: out of memory", path);
  }
  memcpy(saved_path, path, len + 1);
  module->handle = handle;
  module->manifest = m;
  module->functions = functions;
  module->path = saved_path;
  for (int i = 0; i < m->num_functions; ++i) {
    functions[i].module = module;
    functions[i].info = &m->functions[i];
  }
  *out = module;
  return ANVIL_OK;
}

void anvil_module_free(AnvilModule* module) {
  if (!module) return;
  dlclose(module->handle);
  free(module->functions);
  free(module->path);
  free(module);
}

int anvil_module_num_functions(const AnvilModule* module) {
  return module ? module->manifest->num_functions : 0;
}

const char* anvil_module_function_name(const AnvilModule* module, int i) {
  if (!module || i < 0 || i >= module->manifest->num_functions) return NULL;
  return module->manifest->functions[i].name;
}

int anvil_module_get_function(AnvilModule* module, const char* name, AnvilFunction** out) {
  if (out) *out = NULL;
  if (!module || !name || !out)
    return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT, "anvil_module_get_function: %s is NULL",
                         !module ? "module" : !name ? "name" : "out");
  const AnvilManifest* m = module->manifest;
  for (int i = 0; i < m->num_functions; ++i) {
    if (strcmp(m->functions[i].name, name) == 0) {
      *out = &module->functions[i];
      return ANVIL_OK;
    }
  }
  char names[1024];
  size_t n = 0;
  names[0] = 0;
  for (int i = 0; i < m->num_functions && n < sizeof names; ++i)
    n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "",
                          m->functions[i].name);
  return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT,
                       "module %s has no function '%s'; its functions are: %s", module->path,
                       name, m->num_functions ? names : "(none)");
}

const AnvilFunctionInfo* anvil_function_info(const AnvilFunction* function) {
  return function ? function->info : NULL;
}

/* ---- calling */

/* Checks argument `index` against the manifest; on success stores the
 * kernel's pointer (data + byte_offset) in *ptr. */
static int check_arg(const AnvilFunctionInfo* f, int index, const DLTensor* t, void** ptr) {
  const AnvilArgInfo* want = &f->args[index];
  char got_text[256], want_text[256];
  if (!t)
    return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT, "%s: argument %d is a NULL DLTensor",
                         f->name, index);
  if (t->device.device_type != kDLCPU)
    return anvil_rt_fail(ANVIL_ERROR_SIGNATURE,
                         "%s: argument %d is on device type %d (%s), expected kDLCPU", f->name,
                         index, (int)t->device.device_type, device_name(t->device.device_type));
  if (t->dtype.code != want->code || t->dtype.bits != want->bits ||
      t->dtype.lanes != want->lanes) {
    format_dtype(got_text, sizeof got_text, t->dtype.code, t->dtype.bits, t->dtype.lanes);
    format_dtype(want_text, sizeof want_text, want->code, want->bits, want->lanes);
    return anvil_rt_fail(ANVIL_ERROR_SIGNATURE, "%s: argument %d has dtype %s, expected %s",
                         f->name, index, got_text, want_text);
  }
  if (t->ndim != want->ndim)
    return anvil_rt_fail(ANVIL_ERROR_SIGNATURE,
                         "%s: argument %d has %d dimensions, expected %d", f->name, index,
                         (int)t->ndim, (int)want->ndim);
  if (t->ndim > 0 && !t->shape)
    return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT,
                         "%s: argument %d has ndim %d and a NULL shape", f->name, index,
                         (int)t->ndim);
  for (int d = 0; d < t->ndim; ++d) {
    if (t->shape[d] != want->shape[d]) {
      format_dims(got_text, sizeof got_text, t->shape, t->ndim);
      format_dims(want_text, sizeof want_text, want->shape, want->ndim);
      return anvil_rt_fail(ANVIL_ERROR_SIGNATURE, "%s: argument %d has shape %s, expected %s",
                           f->name, index, got_text, want_text);
    }
  }
  if (t->strides) {
    /* Compact row-major; a dimension of extent 1 is never stepped over, so
     * its stride does not matter (frameworks report arbitrary ones there). */
    int64_t compact[64];
    int64_t expected = 1;
    int ok = 1;
    for (int d = t->ndim - 1; d >= 0; --d) {
      if (d < 64) compact[d] = expected;
      if (t->shape[d] != 1 && t->strides[d] != expected) ok = 0;
      expected *= t->shape[d];
    }
    if (!ok) {
      format_dims(got_text, sizeof got_text, t->strides, t->ndim);
      format_dims(want_text, sizeof want_text, compact, t->ndim < 64 ? t->ndim : 64);
      return anvil_rt_fail(ANVIL_ERROR_SIGNATURE,
                           "%s: argument %d has strides %s, expected compact row-major %s (or "
                           "NULL strides)",
                           f->name, index, got_text, want_text);
    }
  }
  if (!t->data)
    return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT, "%s: argument %d has NULL data", f->name,
                         index);
  uintptr_t address = (uintptr_t)t->data + (uintptr_t)t->byte_offset;
  unsigned elem_bytes = (want->bits + 7u) / 8u;
  /* Generated code loads whole elements; a misaligned one is undefined
   * behaviour in C and a fault with some vector instructions. */
  if (elem_bytes > 1 && (elem_bytes & (elem_bytes - 1)) == 0 && address % elem_bytes != 0)
    return anvil_rt_fail(ANVIL_ERROR_SIGNATURE,
                         "%s: argument %d's data + byte_offset (%p + %llu) is not aligned to "
                         "its %u-byte elements",
                         f->name, index, t->data, (unsigned long long)t->byte_offset,
                         elem_bytes);
  *ptr = (void*)address;
  return ANVIL_OK;
}

int anvil_function_call(const AnvilFunction* function, DLTensor* const* args, int num_args) {
  if (!function)
    return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT, "anvil_function_call: function is NULL");
  const AnvilFunctionInfo* f = function->info;
  if (num_args != f->num_args)
    return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT, "%s: expects %d arguments, got %d",
                         f->name, (int)f->num_args, num_args);
  if (num_args > 0 && !args)
    return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT,
                         "%s: the argument array is NULL (expected %d DLTensors)", f->name,
                         num_args);
  void* stack_ptrs[16] = {0};
  void** ptrs = num_args <= 16 ? stack_ptrs : malloc((size_t)num_args * sizeof(void*));
  if (!ptrs) return anvil_rt_fail(ANVIL_ERROR_INVALID_ARGUMENT, "%s: out of memory", f->name);
  int status = ANVIL_OK;
  for (int i = 0; i < num_args && status == ANVIL_OK; ++i) status = check_arg(f, i, args[i], &ptrs[i]);
  if (status == ANVIL_OK && f->kernel((void* const*)ptrs, num_args) != 0) {
    const AnvilManifest* m = function->module->manifest;
    const char* message = m->module_last_error ? m->module_last_error() : NULL;
    status = anvil_rt_fail(ANVIL_ERROR_KERNEL, "%s failed: %s", f->name,
                           message && message[0] ? message : "(the module gave no message)");
  }
  if (ptrs != stack_ptrs) free(ptrs);
  return status;
}
