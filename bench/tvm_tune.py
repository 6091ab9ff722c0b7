#!/usr/bin/env python3
"""The tvm rows of `anvil bench --suite tune-cpu`: Apache TVM MetaSchedule
(ms.tune_tir) tunes each workload with the same trial budget and thread count
as Anvil, then the best schedule is timed with the suite's protocol
(bench/BenchCore.cpp time_kernel) and checked against numpy. One JSON row per
case on stdout (impl "tvm-ms<N>"); a failure is a "failed" row with its exact
reason, also on stderr, and exit status 1.

Cases come from the suite (bench/TuneCpuSuite.cpp), one --case each, as
NAME=OP:SHAPE with Anvil's workload ops and shape orders:
  dense:M,N,K   conv2d_nchw:N,C,H,W,O,KH,KW,stride,pad   depthwise_conv2d_nchw:N,C,H,W,KH,KW,stride,pad

  tvm_tune.py --case dense-256=dense:256,256,256 --trials 64 --threads 1 [--samples 10] [--min-sample-ms 50]
"""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tvm_gemm import time_kernel  # noqa: E402  (the same protocol as the gemm-fp32 rows)


def workload(op, s):
    """(tensors of the PrimFunc, input shapes, numpy reference, flops)."""
    import numpy as np
    from tvm import te, topi
    if op == "dense":
        M, N, K = s
        X = te.placeholder((M, K), name="X", dtype="float32")
        W = te.placeholder((N, K), name="W", dtype="float32")
        k = te.reduce_axis((0, K), name="k")
        Y = te.compute((M, N), lambda i, j: te.sum(X[i, k] * W[j, k], axis=k), name="Y")
        return [X, W, Y], [(M, K), (N, K)], lambda x, w: x @ w.T, 2.0 * M * N * K, K
    if op == "conv2d_nchw":
        N, C, H, W_, O, KH, KW, st, pad = s
        D = te.placeholder((N, C, H, W_), name="data", dtype="float32")
        F = te.placeholder((O, C, KH, KW), name="weight", dtype="float32")
        Y = topi.nn.conv2d_nchw(D, F, st, pad, 1)
        OH, OW = (H + 2 * pad - KH) // st + 1, (W_ + 2 * pad - KW) // st + 1

        def ref(x, w):
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            win = np.lib.stride_tricks.sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::st, ::st]
            return np.einsum("nchwkl,ockl->nohw", win, w)
        return [D, F, Y], [(N, C, H, W_), (O, C, KH, KW)], ref, 2.0 * N * O * C * KH * KW * OH * OW, C * KH * KW
    if op == "depthwise_conv2d_nchw":
        N, C, H, W_, KH, KW, st, pad = s
        D = te.placeholder((N, C, H, W_), name="data", dtype="float32")
        F = te.placeholder((C, 1, KH, KW), name="weight", dtype="float32")
        Y = topi.nn.depthwise_conv2d_nchw(D, F, st, pad, 1)
        OH, OW = (H + 2 * pad - KH) // st + 1, (W_ + 2 * pad - KW) // st + 1

        def ref(x, w):
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            win = np.lib.stride_tricks.sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::st, ::st]
            return np.einsum("nchwkl,ckl->nchw", win, w[:, 0])
        return [D, F, Y], [(N, C, H, W_), (C, 1, KH, KW)], ref, 2.0 * N * C * KH * KW * OH * OW, KH * KW
    raise ValueError(f"unknown op {op!r} (dense, conv2d_nchw, depthwise_conv2d_nchw)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case", action="append", required=True, help="NAME=OP:S1,S2,...")
    p.add_argument("--trials", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--samples", type=int, default=10)
    p.add_argument("--min-sample-ms", type=float, default=50.0)
    p.add_argument("--mcpu", default="native", help="LLVM CPU for TVM's llvm target")
    a = p.parse_args()
    import numpy as np
    import tvm
    from tvm import te
    from tvm.s_tir import meta_schedule as ms
    mcpu = a.mcpu
    if mcpu == "native":  # TVM wants a name; LLVM knows the host's
        f = tvm.get_global_func("target.llvm_get_system_cpu", True)
        mcpu = f() if f else "znver4"
    target = tvm.target.Target({"kind": "llvm", "mcpu": mcpu, "num-cores": a.threads})
    failures = 0
    for spec in a.case:
        name, _, rest = spec.partition("=")
        op, _, shape_text = rest.partition(":")
        shape = [int(x) for x in shape_text.split(",") if x]
        row = {"suite": "tune-cpu", "case": name, "impl": f"tvm-ms{a.trials}", "dtype": "float32",
               "shape": shape, "threads": a.threads, "median_us": 0.0, "min_us": 0.0, "max_us": 0.0,
               "gflops": 0.0, "correct": False, "status": "ok"}
        try:
            tensors, in_shapes, ref, flops, work = workload(op, shape)
            mod = tvm.IRModule({"main": te.create_prim_func(tensors)})
            t0 = time.perf_counter()
            with tempfile.TemporaryDirectory() as work_dir:
                db = ms.tune_tir(mod, target=target, work_dir=work_dir, max_trials_global=a.trials,
                                 num_trials_per_iter=min(a.trials, 64))
                sch = ms.tir_integration.compile_tir(db, mod, target)
                if sch is None:
                    raise RuntimeError(f"MetaSchedule found no valid schedule in {a.trials} trials")
            tune_s = time.perf_counter() - t0
            lib = tvm.compile(sch.mod, target=target)
            dev = tvm.cpu(0)
            ins = [np.random.default_rng(1 + i).uniform(-1, 1, s).astype("float32") for i, s in enumerate(in_shapes)]
            want = ref(*[x.astype("float64") for x in ins])
            args = [tvm.runtime.tensor(x, dev) for x in ins]
            args.append(tvm.runtime.tensor(np.zeros(want.shape, "float32"), dev))
            fn = lib["main"]
            fn(*args)
            diff = np.abs(args[-1].numpy() - want)
            row["correct"] = bool(np.all(diff <= 1e-4 * 2 * work + 1e-4 * np.abs(want)))
            s = sorted(time_kernel(lambda i: fn(*args), a.samples, a.min_sample_ms))
            n = len(s)
            med = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
            row.update(median_us=med, min_us=s[0], max_us=s[-1], gflops=flops / (med * 1e3),
                       note=f"MetaSchedule tuned {a.trials} trials in {tune_s:.1f} s", tune_seconds=tune_s)
        except Exception as e:  # report exactly why, as a failed row
            row.update(status="failed", note=f"{type(e).__name__}: {e}".splitlines()[0][:300])
            print(f"tvm_tune.py: case {name}: {type(e).__name__}: {e}", file=sys.stderr)
            failures += 1
        print(json.dumps(row), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
