#!/usr/bin/env python3
"""The tvm rows of `anvil bench`: Apache TVM compiles the same GEMM
(C[M, N] = A[M, K] @ B[K, N], float32) and times it with the suite's protocol
(warm-up, then >= 10 samples of enough calls to last >= 50 ms; median, min,
max), printing one JSON row per case on stdout.

Schedule: with --trials 0 a fixed hand schedule in TVM's own schedule language
(impl "tvm-manual": 4x64 register tiles, packed-free, K inner, vectorized,
parallel outer); with --trials N, MetaSchedule searches N trials first
(impl "tvm-ms<N>"). A failure prints its exact reason on stderr and exits 1.

  tvm_gemm.py --cases 256,512 --threads 1 [--samples 10] [--min-sample-ms 50] [--trials 0]
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time

CASES = {  # must match bench/GemmCases.cpp
    "256": (256, 256, 256), "512": (512, 512, 512), "1024": (1024, 1024, 1024),
    "2048": (2048, 2048, 2048), "bert-768": (128, 768, 768), "bert-3072": (128, 3072, 768),
    "gemv-4096": (1, 4096, 4096),
}


def time_kernel(call, samples, min_sample_ms):
    """The protocol of bench/BenchCore.cpp time_kernel: per-call microseconds."""
    index = 0
    call(index); index += 1
    number, min_us = 1, min_sample_ms * 1e3
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            call(index); index += 1
        elapsed = (time.perf_counter() - t0) * 1e6
        if elapsed >= min_us:
            break
        number = max(2 * number, int(number * min_us / max(elapsed, 1e-3) * 1.05) + 1)
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(number):
            call(index); index += 1
        out.append((time.perf_counter() - t0) * 1e6 / number)
    return out


def row_stream():
    """The helper's stdout for its JSON rows alone. fd 1 then points at stderr
    for everything else, TVM's builder/runner worker processes included: were
    they to inherit the driver's pipe, a helper that crashed would leave them
    holding it open, and `anvil bench` would wait on them instead of reporting."""
    sys.stdout.flush()
    rows = os.fdopen(os.dup(1), "w", buffering=1)  # os.dup's copy is not inherited
    os.dup2(2, 1)
    return rows


def host_target(mcpu, threads):
    """TVM's `llvm -mcpu=<cpu> -num-cores <threads>` (TVM 0.27 takes only the
    dict form). "native" becomes the host CPU's name as LLVM knows it, the name
    Anvil's -mcpu=native uses too; guessing another CPU would change the code."""
    import tvm
    if mcpu == "native":
        system_cpu = tvm.get_global_func("target.llvm_get_system_cpu", True)
        if system_cpu is None:
            raise RuntimeError("this TVM has no LLVM backend to name the host CPU; pass --mcpu NAME")
        mcpu = system_cpu()
    return tvm.target.Target({"kind": "llvm", "mcpu": mcpu, "num-cores": threads})


def metaschedule_blocker():
    """Why MetaSchedule cannot run with the installed wheels, or None. apache-tvm
    0.27.x segfaults (tvm::ffi::ToJSONGraph, on the first JSON save of an
    IRModule, before any trial) with apache-tvm-ffi 0.1.15.x; a crash would end
    the helper without a row, so the rows say why instead."""
    import importlib.metadata as md

    def release(name):
        m = re.match(r"(\d+)\.(\d+)\.(\d+)", md.version(name))
        return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)
    try:
        tvm_release, ffi_release = release("apache-tvm"), release("apache-tvm-ffi")
    except md.PackageNotFoundError:  # a source build of TVM: nothing known against it
        return None
    if tvm_release[:2] == (0, 27) and ffi_release >= (0, 1, 15):
        return (f"apache-tvm {md.version('apache-tvm')} with apache-tvm-ffi {md.version('apache-tvm-ffi')} "
                "segfaults in MetaSchedule (tvm::ffi::ToJSONGraph); run scripts/bench-setup.sh, "
                "which pins apache-tvm-ffi 0.1.14.post1")
    return None


def build(M, N, K, trials, target):
    import tvm
    from tvm import te
    import tvm.s_tir as st
    A = te.placeholder((M, K), name="A", dtype="float32")
    B = te.placeholder((K, N), name="B", dtype="float32")
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    mod = tvm.IRModule({"main": te.create_prim_func([A, B, C])})
    if trials > 0:
        from tvm.s_tir import meta_schedule as ms
        blocker = metaschedule_blocker()
        if blocker:
            raise RuntimeError(blocker)
        with tempfile.TemporaryDirectory() as work:
            db = ms.tune_tir(mod, target=target, max_trials_global=trials, work_dir=work,
                             num_trials_per_iter=min(trials, 16))
            sch = ms.tir_integration.compile_tir(db, mod, target)
        return tvm.compile(sch.mod, target=target), f"tvm-ms{trials}"
    sch = st.Schedule(mod)
    blk = sch.get_sblock("C")
    i, j, kk = sch.get_loops(blk)
    mr, nr = (1, 64) if M == 1 else (4, 64)
    io, ii = sch.split(i, [None, mr])
    jo, ji = sch.split(j, [None, nr])
    sch.reorder(jo, io, kk, ii, ji)
    sch.parallel(jo)
    acc = sch.cache_write(blk, 0, "local")
    sch.reverse_compute_at(acc, io)
    jv, jl = sch.split(ji, [None, 16])
    sch.unroll(ii)
    sch.unroll(jv)
    sch.vectorize(jl)
    sch.decompose_reduction(blk, kk)
    return tvm.compile(sch.mod, target=target), "tvm-manual"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cases", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--samples", type=int, default=10)
    p.add_argument("--min-sample-ms", type=float, default=50.0)
    p.add_argument("--suite", default="gemm-fp32")
    p.add_argument("--trials", type=int, default=0)
    p.add_argument("--mcpu", default="native", help="LLVM CPU for TVM's llvm target")
    a = p.parse_args()
    rows = row_stream()
    os.environ["TVM_NUM_THREADS"] = str(a.threads)  # TVM's thread pool reads it once, at first use
    import numpy as np
    import tvm
    target = host_target(a.mcpu, a.threads)
    failures = 0
    for name in [c for c in a.cases.split(",") if c]:
        if name not in CASES:
            print(f"tvm_gemm.py: unknown case {name!r}", file=sys.stderr)
            return 2
        M, N, K = CASES[name]
        row = {"suite": a.suite, "case": name, "impl": "tvm", "dtype": "float32",
               "shape": [M, N, K], "threads": a.threads, "median_us": 0.0, "min_us": 0.0,
               "max_us": 0.0, "gflops": 0.0, "correct": False, "status": "ok"}
        try:
            lib, row["impl"] = build(M, N, K, a.trials, target)
            dev = tvm.cpu(0)
            rng = np.random.default_rng(1)
            a_np = rng.uniform(-1, 1, (M, K)).astype("float32")
            copies = 1 if M > 1 else int(128 * 2**20 / (4 * N * K)) + 1  # GEMV: > 128 MiB of weights
            b_nps = [np.random.default_rng(2 + w).uniform(-1, 1, (K, N)).astype("float32")
                     for w in range(copies)]
            a_t = tvm.runtime.tensor(a_np, dev)
            b_ts = [tvm.runtime.tensor(b, dev) for b in b_nps]
            c_t = tvm.runtime.tensor(np.zeros((M, N), "float32"), dev)
            fn = lib["main"]
            fn(a_t, b_ts[0], c_t)
            want = a_np.astype("float64") @ b_nps[0].astype("float64")
            diff = np.abs(c_t.numpy() - want)
            row["correct"] = bool(np.all(diff <= 1e-5 * K + 1e-6 + 1e-4 * np.abs(want)))
            s = time_kernel(lambda w: fn(a_t, b_ts[w % copies], c_t), a.samples, a.min_sample_ms)
            s_sorted = sorted(s)
            n = len(s_sorted)
            med = s_sorted[n // 2] if n % 2 else 0.5 * (s_sorted[n // 2 - 1] + s_sorted[n // 2])
            row.update(median_us=med, min_us=s_sorted[0], max_us=s_sorted[-1],
                       gflops=2.0 * M * N * K / (med * 1e3))
            if M == 1:
                row["gbps"] = 4.0 * N * K / (med * 1e3)
        except Exception as e:  # report exactly why, as a failed row
            row.update(status="failed", note=f"{type(e).__name__}: {e}".splitlines()[0][:300])
            print(f"tvm_gemm.py: case {name}: {type(e).__name__}: {e}", file=sys.stderr)
            failures += 1
        print(json.dumps(row), file=rows, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
