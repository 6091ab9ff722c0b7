/* Private to src/runtime: the thread-local error buffer shared by the loader
 * and the thread pool. Internal symbols are hidden so the shared library
 * exports only the anvil_* C API. */
#ifndef ANVIL_RUNTIME_INTERNAL_H_
#define ANVIL_RUNTIME_INTERNAL_H_

#include "anvil/runtime.h"

#define ANVIL_RT_HIDDEN __attribute__((visibility("hidden")))

/* Formats the calling thread's last error and returns `status` (so a failure
 * path is one statement: return anvil_rt_fail(ANVIL_ERROR_LOAD, "...", ...)). */
ANVIL_RT_HIDDEN int anvil_rt_fail(int status, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

/* Checks that the file at `open_path` is a complete ELF shared object for
 * this machine before dlopen maps it (a truncated one would crash the process
 * inside dlopen); messages name `path`. A file that cannot be opened passes:
 * dlopen reports that itself. */
ANVIL_RT_HIDDEN int anvil_rt_check_elf(const char* open_path, const char* path);

#endif /* ANVIL_RUNTIME_INTERNAL_H_ */
