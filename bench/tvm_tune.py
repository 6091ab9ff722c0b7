#!/usr/bin/env python3
"""The tvm rows of `anvil bench --suite tune-cpu`: Apache TVM MetaSchedule
(ms.tune_tir) tunes each workload with the same trial budget and thread count
as Anvil, then the best schedule is timed with the suite's protocol
(bench/BenchCore.cpp time_kernel) and checked against numpy. One JSON row per
case on stdout (impl "tvm-ms<N>"); a failure is a "failed" row with its exact
reason, also on stderr, and exit status 1.

Cases come from the suite (bench/TuneCpuSuite.cpp), one --case each, as
NAME=OP:SHAPE with Anvil's workload ops and shape orders (src/autotune/Workload.cpp):
  dense:M,N,K   dense_packed:M,N,K,NB   conv2d_nchw:N,C,H,W,O,KH,KW,stride,pad   depthwise_conv2d_nchw:N,C,H,W,KH,KW,stride,pad
  conv2d_nchwc:N,C,H,W,O,KH,KW,stride,pad,CB,OB   depthwise_conv2d_nchwc:N,C,H,W,KH,KW,stride,pad,CB
(the blocked ones in channel-blocked layouts, as Anvil times them; dense_packed's
weight in panels [N/NB, K, NB], as ops/Layout.h pack_dense_weight makes it)

  tvm_tune.py --case dense-256=dense:256,256,256 --trials 64 --threads 1 [--samples 10] [--min-sample-ms 50]
"""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Shared with the gemm-fp32 rows: the timing protocol, the target, the row stream.
from tvm_gemm import host_target, metaschedule_blocker, row_stream, time_kernel  # noqa: E402


def conv_ref(x, w, st, pad):
    """NCHW convolution in numpy: x [N, C, H, W], w [O, C, KH, KW]."""
    import numpy as np
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::st, ::st]
    return np.einsum("nchwkl,ockl->nohw", win, w)


def depthwise_ref(x, w, st, pad):
    """NCHW depthwise convolution in numpy: x [N, C, H, W], w [C, 1, KH, KW]."""
    import numpy as np
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::st, ::st]
    return np.einsum("nchwkl,ckl->nchw", win, w[:, 0])


# Anvil's channel-blocked layouts (src/autotune/Workload.cpp): data and output
# [N, C/cb, H, W, cb]; conv weight [O/ob, C/cb, KH, KW, cb, ob] (TVM's NCHWc
# kernel layout too); depthwise weight [C/cb, KH, KW, cb].
def unblock(x):
    n, cc, h, w, cb = x.shape
    return x.transpose(0, 1, 4, 2, 3).reshape(n, cc * cb, h, w)


def block(x, cb):
    n, c, h, w = x.shape
    return x.reshape(n, c // cb, cb, h, w).transpose(0, 1, 3, 4, 2)


def workload(op, s):
    """(tensors of the PrimFunc, input shapes, numpy reference, flops, terms per output)."""
    from tvm import te, topi
    if op == "dense":
        M, N, K = s
        X = te.placeholder((M, K), name="X", dtype="float32")
        W = te.placeholder((N, K), name="W", dtype="float32")
        k = te.reduce_axis((0, K), name="k")
        Y = te.compute((M, N), lambda i, j: te.sum(X[i, k] * W[j, k], axis=k), name="Y")
        return [X, W, Y], [(M, K), (N, K)], lambda x, w: x @ w.T, 2.0 * M * N * K, K
    if op == "dense_packed":
        # The compute of Anvil's dense_packed (src/ops/Dense.cpp), as TOPI's dense_pack
        # reads its packed weight.
        M, N, K, nb = s
        X = te.placeholder((M, K), name="data", dtype="float32")
        P = te.placeholder((N // nb, K, nb), name="packed", dtype="float32")
        k = te.reduce_axis((0, K), name="k")
        Y = te.compute((M, N), lambda i, j: te.sum(X[i, k] * P[j // nb, k, j % nb], axis=k), name="out")

        def unpack(p):
            return p.transpose(0, 2, 1).reshape(N, K)
        return [X, P, Y], [(M, K), (N // nb, K, nb)], lambda x, p: x @ unpack(p).T, 2.0 * M * N * K, K
    if op in ("conv2d_nchw", "conv2d_nchwc"):
        N, C, H, W_, O, KH, KW, st, pad = s[:9]
        OH, OW = (H + 2 * pad - KH) // st + 1, (W_ + 2 * pad - KW) // st + 1
        flops, work = 2.0 * N * O * C * KH * KW * OH * OW, C * KH * KW
        if op == "conv2d_nchw":
            D = te.placeholder((N, C, H, W_), name="data", dtype="float32")
            F = te.placeholder((O, C, KH, KW), name="weight", dtype="float32")
            Y = topi.nn.conv2d_nchw(D, F, st, pad, 1)
            return ([D, F, Y], [(N, C, H, W_), (O, C, KH, KW)], lambda x, w: conv_ref(x, w, st, pad),
                    flops, work)
        cb, ob = s[9], s[10]
        D = te.placeholder((N, C // cb, H, W_, cb), name="data", dtype="float32")
        F = te.placeholder((O // ob, C // cb, KH, KW, cb, ob), name="weight", dtype="float32")
        # The compute of Anvil's conv2d_nchwc (src/ops/Conv2D.cpp), input channels
        # reduced as blocks x lanes; TOPI's conv2d_NCHWc fuses them into one axis.
        Dp = topi.nn.pad(D, [0, 0, pad, pad, 0], name="data_pad") if pad else D
        rco = te.reduce_axis((0, C // cb), name="rco")
        ry = te.reduce_axis((0, KH), name="ry")
        rx = te.reduce_axis((0, KW), name="rx")
        rci = te.reduce_axis((0, cb), name="rci")
        Y = te.compute((N, O // ob, OH, OW, ob),
                       lambda n, o, y, x, b: te.sum(
                           Dp[n, rco, y * st + ry, x * st + rx, rci] * F[o, rco, ry, rx, rci, b],
                           axis=[rco, ry, rx, rci]), name="conv")

        def ref(x, w):
            w_oihw = w.transpose(0, 5, 1, 4, 2, 3).reshape(O, C, KH, KW)
            return block(conv_ref(unblock(x), w_oihw, st, pad), ob)
        return [D, F, Y], [(N, C // cb, H, W_, cb), (O // ob, C // cb, KH, KW, cb, ob)], ref, flops, work
    if op in ("depthwise_conv2d_nchw", "depthwise_conv2d_nchwc"):
        N, C, H, W_, KH, KW, st, pad = s[:8]
        OH, OW = (H + 2 * pad - KH) // st + 1, (W_ + 2 * pad - KW) // st + 1
        flops, work = 2.0 * N * C * KH * KW * OH * OW, KH * KW
        if op == "depthwise_conv2d_nchw":
            D = te.placeholder((N, C, H, W_), name="data", dtype="float32")
            F = te.placeholder((C, 1, KH, KW), name="weight", dtype="float32")
            Y = topi.nn.depthwise_conv2d_nchw(D, F, st, pad, 1)
            return ([D, F, Y], [(N, C, H, W_), (C, 1, KH, KW)], lambda x, w: depthwise_ref(x, w, st, pad),
                    flops, work)
        # TOPI's depthwise_conv2d_NCHWc is only registered per target, so the
        # blocked compute is written out here.
        cb = s[8]
        D = te.placeholder((N, C // cb, H, W_, cb), name="data", dtype="float32")
        F = te.placeholder((C // cb, KH, KW, cb), name="weight", dtype="float32")
        Dp = topi.nn.pad(D, [0, 0, pad, pad, 0], name="data_pad") if pad else D
        ry = te.reduce_axis((0, KH), name="ry")
        rx = te.reduce_axis((0, KW), name="rx")
        Y = te.compute((N, C // cb, OH, OW, cb),
                       lambda n, c, y, x, b: te.sum(Dp[n, c, y * st + ry, x * st + rx, b] * F[c, ry, rx, b],
                                                    axis=[ry, rx]), name="dwconv")

        def ref(x, w):
            w_c1hw = w.transpose(0, 3, 1, 2).reshape(C, 1, KH, KW)
            return block(depthwise_ref(unblock(x), w_c1hw, st, pad), cb)
        return [D, F, Y], [(N, C // cb, H, W_, cb), (C // cb, KH, KW, cb)], ref, flops, work
    raise ValueError(f"unknown op {op!r} (dense, dense_packed, conv2d_nchw, conv2d_nchwc, depthwise_conv2d_nchw, "
                     "depthwise_conv2d_nchwc)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case", action="append", required=True, help="NAME=OP:S1,S2,...")
    p.add_argument("--trials", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--samples", type=int, default=10)
    p.add_argument("--min-sample-ms", type=float, default=50.0)
    p.add_argument("--mcpu", default="native", help="LLVM CPU for TVM's llvm target")
    a = p.parse_args()
    rows = row_stream()
    # TVM's thread pool reads it once, at first use; MetaSchedule's runner workers inherit it.
    os.environ["TVM_NUM_THREADS"] = str(a.threads)
    import numpy as np
    import tvm
    from tvm import te
    from tvm.s_tir import meta_schedule as ms
    blocker = metaschedule_blocker()
    if not blocker:
        # MetaSchedule imports TVM's tensor intrinsics on first use (~20 s here): once,
        # up front, so the first case's tuning time is no longer than the others'.
        import tvm.s_tir.tensor_intrin  # noqa: F401
    target = host_target(a.mcpu, a.threads)
    failures = 0
    for spec in a.case:
        name, _, rest = spec.partition("=")
        op, _, shape_text = rest.partition(":")
        shape = [int(x) for x in shape_text.split(",") if x]
        row = {"suite": "tune-cpu", "case": name, "impl": f"tvm-ms{a.trials}", "dtype": "float32",
               "shape": shape, "threads": a.threads, "median_us": 0.0, "min_us": 0.0, "max_us": 0.0,
               "gflops": 0.0, "correct": False, "status": "ok"}
        try:
            if blocker:
                raise RuntimeError(blocker)
            tensors, in_shapes, ref, flops, work = workload(op, shape)
            mod = tvm.IRModule({"main": te.create_prim_func(tensors)})
            t0 = time.perf_counter()
            with tempfile.TemporaryDirectory() as work_dir:
                # Batches of min(trials, 64), as Anvil's tuner measures (bench/TuneCpuSuite.cpp run_anvil).
                db = ms.tune_tir(mod, target=target, work_dir=work_dir, max_trials_global=a.trials,
                                 num_trials_per_iter=min(a.trials, 64))
                sch = ms.tir_integration.compile_tir(db, mod, target)
                measured = len(db)  # can fall short of the budget when the search runs out of new candidates
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
                       note=(f"MetaSchedule tuned {measured} of {a.trials} trials in {tune_s:.1f} s"
                             f" ({target.attrs['mcpu']})"),
                       tune_seconds=tune_s)
        except Exception as e:  # report exactly why, as a failed row
            row.update(status="failed", note=f"{type(e).__name__}: {e}".splitlines()[0][:300])
            print(f"tvm_tune.py: case {name}: {type(e).__name__}: {e}", file=sys.stderr)
            failures += 1
        print(json.dumps(row), file=rows, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
