/* Embedding the Anvil runtime in a plain C program: load a module built by
 * `anvil compile`, list its functions, call the first one on random inputs
 * and print a checksum of its output and the time per call.
 *
 *   anvil compile --op matmul --shape 256,256,256 -o libmatmul.so
 *   embed_runtime ./libmatmul.so [repeats]
 *
 * It links only libanvil_runtime (and includes only anvil/runtime.h and
 * DLPack): no compiler parts are needed to run a compiled module. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <anvil/runtime.h>

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char* code_name(uint8_t code) {
  switch (code) {
    case kDLInt: return "int";
    case kDLUInt: return "uint";
    case kDLFloat: return "float";
    case kDLBfloat: return "bfloat";
    default: return "?";
  }
}

static void print_signature(const AnvilFunctionInfo* f) {
  printf("  %s(", f->name);
  for (int a = 0; a < f->num_args; ++a) {
    const AnvilArgInfo* arg = &f->args[a];
    printf("%s%s%u", a ? ", " : "", code_name(arg->code), arg->bits);
    if (arg->lanes != 1) printf("x%u", arg->lanes);
    printf("[");
    for (int d = 0; d < arg->ndim; ++d) printf("%s%lld", d ? "," : "", (long long)arg->shape[d]);
    printf("]");
  }
  printf(")\n");
}

/* A deterministic pseudo-random value in [-1, 1). */
static double next_random(uint64_t* state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(*state >> 11) / 4503599627370496.0 - 1.0;
}

static size_t num_elements(const AnvilArgInfo* arg) {
  size_t n = arg->lanes;
  for (int d = 0; d < arg->ndim; ++d) n *= (size_t)arg->shape[d];
  return n;
}

/* Fills a buffer with random values of the argument's type (small integers
 * for integer types, so sums cannot overflow). */
static void fill_random(void* data, const AnvilArgInfo* arg, uint64_t* state) {
  size_t n = num_elements(arg);
  for (size_t i = 0; i < n; ++i) {
    double v = next_random(state);
    if (arg->code == kDLFloat && arg->bits == 32) ((float*)data)[i] = (float)v;
    else if (arg->code == kDLFloat && arg->bits == 64) ((double*)data)[i] = v;
    else if (arg->bits == 8) ((int8_t*)data)[i] = (int8_t)(v * 8);
    else if (arg->bits == 16) ((int16_t*)data)[i] = (int16_t)(v * 8);
    else if (arg->bits == 32) ((int32_t*)data)[i] = (int32_t)(v * 8);
    else if (arg->bits == 64) ((int64_t*)data)[i] = (int64_t)(v * 8);
  }
}

static double checksum(const void* data, const AnvilArgInfo* arg) {
  size_t n = num_elements(arg);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (arg->code == kDLFloat && arg->bits == 32) sum += ((const float*)data)[i];
    else if (arg->code == kDLFloat && arg->bits == 64) sum += ((const double*)data)[i];
    else if (arg->code == kDLUInt && arg->bits == 8) sum += ((const uint8_t*)data)[i];
    else if (arg->bits == 8) sum += ((const int8_t*)data)[i];
    else if (arg->bits == 16) sum += ((const int16_t*)data)[i];
    else if (arg->bits == 32) sum += ((const int32_t*)data)[i];
    else if (arg->bits == 64) sum += (double)((const int64_t*)data)[i];
  }
  return sum;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODULE.so [repeats]\n", argv[0]);
    return 2;
  }
  int repeats = argc > 2 ? atoi(argv[2]) : 10;
  if (repeats < 1) repeats = 1;

  AnvilModule* module = NULL;
  if (anvil_module_load(argv[1], &module) != 0) {
    fprintf(stderr, "error: %s\n", anvil_last_error());
    return 1;
  }
  int n = anvil_module_num_functions(module);
  printf("%s: %d function%s\n", argv[1], n, n == 1 ? "" : "s");
  AnvilFunction* first = NULL;
  for (int i = 0; i < n; ++i) {
    AnvilFunction* f = NULL;
    if (anvil_module_get_function(module, anvil_module_function_name(module, i), &f) != 0) {
      fprintf(stderr, "error: %s\n", anvil_last_error());
      return 1;
    }
    print_signature(anvil_function_info(f));
    if (i == 0) first = f;
  }
  if (!first) {
    fprintf(stderr, "error: the module has no function to call\n");
    anvil_module_free(module);
    return 1;
  }

  /* One DLTensor per argument, shaped as the manifest says (inputs first,
   * outputs last); NULL strides mean compact row-major. */
  const AnvilFunctionInfo* info = anvil_function_info(first);
  DLTensor* tensors = calloc((size_t)info->num_args, sizeof(DLTensor));
  DLTensor** args = calloc((size_t)info->num_args, sizeof(DLTensor*));
  uint64_t seed = 1;
  int status = 1;
  for (int a = 0; a < info->num_args; ++a) {
    const AnvilArgInfo* arg = &info->args[a];
    size_t bytes = num_elements(arg) * ((arg->bits + 7u) / 8u);
    void* data = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (!data) {
      fprintf(stderr, "error: out of memory for argument %d\n", a);
      goto done;
    }
    fill_random(data, arg, &seed);
    tensors[a].data = data;
    tensors[a].device.device_type = kDLCPU;
    tensors[a].ndim = arg->ndim;
    tensors[a].dtype.code = arg->code;
    tensors[a].dtype.bits = arg->bits;
    tensors[a].dtype.lanes = arg->lanes;
    tensors[a].shape = (int64_t*)arg->shape;
    args[a] = &tensors[a];
  }

  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    double t0 = now_seconds();
    if (anvil_function_call(first, args, info->num_args) != 0) {
      fprintf(stderr, "error: %s\n", anvil_last_error());
      goto done;
    }
    double t = now_seconds() - t0;
    if (t < best) best = t;
  }
  double sum = info->num_args ? checksum(tensors[info->num_args - 1].data,
                                          &info->args[info->num_args - 1])
                              : 0.0;
  printf("called %s: checksum of output %.6g, best of %d runs %.1f us, %d threads\n", info->name,
         sum, repeats, best * 1e6, anvil_get_num_threads());
  status = 0;

done:
  for (int a = 0; a < info->num_args; ++a) free(tensors[a].data);
  free(tensors);
  free(args);
  anvil_module_free(module);
  return status;
}
