/* The runtime's last-error message: one buffer per thread, so concurrent
 * callers never see each other's failures. */
#include <stdarg.h>
#include <stdio.h>

#include "RuntimeInternal.h"

static _Thread_local char last_error[2048];

int anvil_rt_fail(int status, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  vsnprintf(last_error, sizeof last_error, format, ap);
  va_end(ap);
  return status;
}

const char* anvil_last_error(void) { return last_error; }
