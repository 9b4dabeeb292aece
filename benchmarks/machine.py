"""What this machine's NumPy float32 matmul can do, and what the MLP asks of it.

Times the eight matmuls of one training step of the MLP at batch 128 (three forward, three dW,
two dX; transposes as views, as a real backward pass uses them) and one big square matmul, and
prints GFLOP/s and the seconds an epoch spends in matmuls alone: the arithmetic floor against
which each framework's epoch shows its overhead. Also describes the machine (CPU, cores, BLAS).

    python benchmarks/machine.py [--quick]        # one JSON line out
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import statistics
import time

import harness
import numpy as np

TRAIN_SIZE = 60000


def step_matmuls(batch=harness.BATCH_SIZE, layers=harness.LAYERS, seed=0):
    """(label, kind, a, b) for every matmul of one training step: forward, dW = X^T dY, dX."""
    rng = np.random.default_rng(seed)

    def rand(*shape):
        return rng.standard_normal(shape, dtype=np.float32)

    out = []
    for i, (fan_in, fan_out) in enumerate(zip(layers[:-1], layers[1:])):
        x, w, dy = rand(batch, fan_in), rand(fan_in, fan_out), rand(batch, fan_out)
        out.append((f"{batch}x{fan_in} @ {fan_in}x{fan_out}", "forward", x, w))
        out.append((f"({batch}x{fan_in})^T @ {batch}x{fan_out}", "dW", x.T, dy))
        if i > 0:  # nobody needs the gradient of the input images
            out.append((f"{batch}x{fan_out} @ ({fan_in}x{fan_out})^T", "dX", dy, w.T))
    return out


def seconds_per_call(a, b, *, budget_s, samples):
    """Median over `samples` of the mean time of a run of calls lasting about budget_s/samples."""
    out = np.empty((a.shape[0], b.shape[1]), np.float32)
    np.matmul(a, b, out=out)
    t0 = time.perf_counter()
    np.matmul(a, b, out=out)
    once = max(time.perf_counter() - t0, 1e-7)
    calls = max(1, int(budget_s / samples / once))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(calls):
            np.matmul(a, b, out=out)
        times.append((time.perf_counter() - t0) / calls)
    return statistics.median(times)


def measure(quick=False):
    budget, samples = (0.05, 3) if quick else (0.3, 7)
    shapes = {}
    step_s = 0.0
    for label, kind, a, b in step_matmuls():
        t = seconds_per_call(a, b, budget_s=budget, samples=samples)
        flops = 2 * a.shape[0] * a.shape[1] * b.shape[1]
        shapes[label] = {"kind": kind, "us": t * 1e6, "gflops": flops / t / 1e9}
        step_s += t
    n = 1024 if quick else 2048
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    t = seconds_per_call(a, b, budget_s=4 * budget, samples=samples)
    flops = harness.mlp_flops_per_sample()
    step_flops = flops["training"] * harness.BATCH_SIZE
    return {
        "shapes": shapes,
        "square": {"n": n, "gflops": 2 * n**3 / t / 1e9},
        "mlp_step_matmul_ms": step_s * 1e3,
        "mlp_step_gflops": step_flops / step_s / 1e9,
        # the FLOPs are linear in the batch, so an epoch is TRAIN_SIZE / B steps of this
        "mlp_epoch_matmul_s": step_s * TRAIN_SIZE / harness.BATCH_SIZE,
        "flops_per_sample": flops,
        "epoch_gflop": flops["training"] * TRAIN_SIZE / 1e9,
        "epoch_gflop_with_input_grad": flops["training_with_input_grad"] * TRAIN_SIZE / 1e9,
    }


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return [f for f in ("avx2", "fma", "avx512f", "avx512_bf16") if f in flags]
    except OSError:
        pass
    return []


def openblas_runtime() -> dict:
    """NumPy's OpenBLAS as loaded: its thread count and the kernel it picked (best effort)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return {}
    out = {}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", "")):
            getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            corename = getattr(lib, f"{prefix}_get_corename{suffix}", None)
            if getter is not None:
                out["blas_threads"] = getter()
            if corename is not None:
                corename.restype = ctypes.c_char_p
                out["blas_core"] = corename().decode()
            if out:
                return out
    return out


def describe() -> dict:
    """The machine in one dict: CPU, cores, NumPy and its BLAS, thread settings."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "logical_cores": os.cpu_count(),
        "usable_cores": affinity,
        "os": f"{platform.system()} {platform.release()}",
        **harness.numpy_info(),
        **openblas_runtime(),
        "thread_env": {k: os.environ.get(k) for k in harness.THREAD_ENV},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    harness.emit({"script": "machine", "results": {"matmul": measure(args.quick)},
                  "errors": {}, "info": describe()})


if __name__ == "__main__":
    main()
