/* Runs one kernel of an AArch64 Anvil module under qemu-user for the
 * correctness tests: loads each buffer's bytes from a file, calls the kernel
 * and writes every buffer back (inputs too, so the test can check they were
 * not modified). Parallel loops run serially through the anvil_parallel_for
 * defined here (exported with -rdynamic, resolved by the module).
 *
 *   aarch64_runner MODULE.so FUNCTION SPEC
 * SPEC: one line per buffer: "PATH TOTAL_BYTES OFFSET_BYTES". */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t (*AnvilParallelBody)(int64_t task, int64_t num_tasks, void* closure);
typedef int32_t (*Kernel)(void* const* args, int32_t num_args);

int32_t anvil_parallel_for(int64_t num_tasks, AnvilParallelBody body, void* closure) {
  for (int64_t t = 0; t < num_tasks; t++) {
    int32_t r = body(t, num_tasks, closure);
    if (r != 0) return r;
  }
  return 0;
}

enum { kMaxBuffers = 64 };

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s MODULE.so FUNCTION SPEC\n", argv[0]);
    return 2;
  }
  void* module = dlopen(argv[1], RTLD_NOW);
  if (!module) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 3;
  }
  Kernel kernel = (Kernel)dlsym(module, argv[2]);
  if (!kernel) {
    fprintf(stderr, "no function %s\n", argv[2]);
    return 3;
  }
  FILE* spec = fopen(argv[3], "r");
  if (!spec) return 4;
  char paths[kMaxBuffers][512];
  long sizes[kMaxBuffers], offsets[kMaxBuffers];
  void* storage[kMaxBuffers];
  void* args[kMaxBuffers];
  int n = 0;
  while (n < kMaxBuffers && fscanf(spec, "%511s %ld %ld", paths[n], &sizes[n], &offsets[n]) == 3) {
    if (posix_memalign(&storage[n], 64, (size_t)sizes[n] + 64) != 0) return 5;
    FILE* f = fopen(paths[n], "rb");
    if (!f || fread(storage[n], 1, (size_t)sizes[n], f) != (size_t)sizes[n]) return 6;
    fclose(f);
    args[n] = (char*)storage[n] + offsets[n];
    n++;
  }
  fclose(spec);
  int32_t status = kernel(args, n);
  for (int i = 0; i < n; i++) {
    FILE* f = fopen(paths[i], "wb");
    if (!f || fwrite(storage[i], 1, (size_t)sizes[i], f) != (size_t)sizes[i]) return 7;
    fclose(f);
  }
  if (status != 0) {
    fprintf(stderr, "kernel %s returned %d\n", argv[2], status);
    return 8;
  }
  return 0;
}
