#!/usr/bin/env bash
# The documented way to run the benchmark suite: install the peers
# (scripts/bench-setup.sh), configure and build `anvil` with them, then run
#   anvil bench "$@"      e.g.  bench/run.sh --suite gemm-fp32 --json bench.json
# BUILD_DIR (default build/bench) picks the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/bench-setup.sh
build="${BUILD_DIR:-build/bench}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DANVIL_BUILD_BENCH=ON >/dev/null
targets=(anvil)
if grep -q "anvil-bench-halide" "$build/build.ninja" 2>/dev/null; then targets+=(anvil-bench-halide); fi
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}"
exec "$build/tools/anvil" bench "$@"
