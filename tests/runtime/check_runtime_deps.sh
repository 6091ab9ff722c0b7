#!/usr/bin/env bash
# Checks that libanvil_runtime.so needs nothing but libc, libdl, libpthread
# (and the dynamic loader) and exports exactly the anvil_* C API.
# usage: check_runtime_deps.sh path/to/libanvil_runtime.so [--sanitized]
# --sanitized (the asan preset) also allows the sanitizer runtimes.
set -euo pipefail
lib=$1
sanitized=${2:-}
status=0

needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo $needed)"
for n in $needed; do
  case "$n" in
    libc.so.*|libdl.so.*|libpthread.so.*|ld-linux*.so.*) ;;
    libasan.so.*|libubsan.so.*|libtsan.so.*) [ "$sanitized" = --sanitized ] || {
        echo "FAIL: $lib needs $n (a sanitizer runtime in a build without sanitizers)"; status=1; } ;;
    *) echo "FAIL: $lib needs $n (only libc, libdl, libpthread are allowed)"; status=1 ;;
  esac
done

exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort)
for f in anvil_module_load anvil_module_free anvil_module_num_functions \
         anvil_module_function_name anvil_module_get_function anvil_function_call \
         anvil_function_info anvil_last_error anvil_set_num_threads anvil_get_num_threads \
         anvil_parallel_for; do
  if ! grep -qx "$f" <<<"$exported"; then echo "FAIL: $lib does not export $f"; status=1; fi
done
others=$(grep -v '^anvil_' <<<"$exported"; grep '^anvil_rt_' <<<"$exported" || true)
if [ -n "$others" ]; then echo "FAIL: $lib exports non-API symbols: $(echo $others)"; status=1; fi

[ $status -eq 0 ] && echo "runtime dependencies OK"
exit $status
