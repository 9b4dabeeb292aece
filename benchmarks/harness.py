"""Shared plumbing of the benchmark scripts: the data, the MLP's shape, timing, one JSON line out.

Every measurement script (mlp_numpy.py, mlp_torch.py, mlp_keras.py, machine.py) runs as its own
subprocess and prints exactly one JSON line on stdout; run.py collects those lines. This module
must not import ember, torch or tensorflow: each script imports only the framework it measures.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import resource
import statistics
import sys
import time
import traceback
from pathlib import Path

import numpy as np

FASHION_DIR = Path(os.environ.get("EMBER_BENCH_DATA", "/usr/share/datasets/fashion-mnist"))

# The seed's MLP: 784 -> Dense 128 relu -> Dropout 0.3 -> Dense 64 relu -> Dropout 0.3
# -> Dense 10 softmax, Adam(lr=1e-3), sparse categorical cross-entropy, batch 128.
LAYERS = (784, 128, 64, 10)
DROPOUT = 0.3
LEARNING_RATE = 1e-3
ADAM_EPSILON = 1e-7  # Keras' default; torch's is 1e-8, so the torch script passes this one
BATCH_SIZE = 128

# Environment variables that decide how many threads the BLAS / OpenMP / TF / torch pools use.
# run.py leaves them as they are (no pinning) and records them.
THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "TF_ENABLE_ONEDNN_OPTS",
)


# ----------------------------------------------------------------------------- data


def _read_idx(path: Path, *, magic: int, offset: int) -> np.ndarray:
    """The payload of one gzipped IDX file as uint8, after checking its magic number."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise ValueError(f"{path}: not an IDX file of this kind (magic {found}, expected {magic})")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset)


def load_fashion_mnist(directory: Path = FASHION_DIR):
    """Fashion-MNIST as the seed prepares it: x reshaped to (N, 784), float32 / 255; y uint8.

    Read straight from the IDX gz files (images: 16-byte header, labels: 8-byte header), so the
    benchmark does not depend on any framework's dataset loader.
    """
    directory = Path(directory)

    def images(name):
        flat = _read_idx(directory / f"{name}-images-idx3-ubyte.gz", magic=2051, offset=16)
        return flat.reshape(-1, 784).astype("float32") / 255.0

    def labels(name):
        return _read_idx(directory / f"{name}-labels-idx1-ubyte.gz", magic=2049, offset=8)

    return (images("train"), labels("train")), (images("t10k"), labels("t10k"))


# ----------------------------------------------------------------------------- arithmetic


def mlp_flops_per_sample(layers=LAYERS) -> dict:
    """Matmul FLOPs per training sample of the MLP (elementwise work is not counted).

    A Dense layer in -> out costs 2*in*out forward; backward costs 2*in*out for dW = X^T dY and
    2*in*out for dX = dY W^T. The first layer's dX (the gradient of the input images) is needed by
    nobody, so `training` leaves it out; `training_with_input_grad` is the plain 3x-forward count.
    """
    dense = [2 * fan_in * fan_out for fan_in, fan_out in zip(layers[:-1], layers[1:])]
    forward = sum(dense)
    backward_dw = sum(dense)
    backward_dx = sum(dense[1:])
    return {
        "forward": forward,
        "training": forward + backward_dw + backward_dx,
        "training_with_input_grad": 3 * forward,
    }


# ----------------------------------------------------------------------------- timing


def summarize_seconds(times) -> dict:
    """Median and spread of per-call times, in milliseconds."""
    ms = sorted(t * 1e3 for t in times)
    return {
        "median_ms": statistics.median(ms),
        "p10_ms": ms[len(ms) // 10],
        "p90_ms": ms[(9 * len(ms)) // 10],
        "steps": len(ms),
    }


def step_latency(step, batch_at, *, steps: int, warmup: int) -> dict:
    """Times `step(*batch_at(k))` call by call; the batch is fetched outside the timed region."""
    for k in range(warmup):
        step(*batch_at(k))
    times = []
    clock = time.perf_counter
    for k in range(steps):
        args = batch_at(k)
        t0 = clock()
        step(*args)
        times.append(clock() - t0)
    return summarize_seconds(times)


def cycling_batches(x, y, batch_size: int):
    """k -> the k-th consecutive batch (x, y), wrapping around the data."""
    n_batches = len(x) // batch_size

    def batch_at(k):
        i = (k % n_batches) * batch_size
        return x[i : i + batch_size], y[i : i + batch_size]

    return batch_at


def timed(fn, *args, **kwargs):
    """(seconds, result) of one call."""
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


def peak_rss_mb() -> float:
    """This process' peak resident memory (ru_maxrss; kilobytes on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


# ----------------------------------------------------------------------------- protocol


def base_parser(description: str) -> argparse.ArgumentParser:
    """The options every measurement script understands (run.py passes them)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--task", choices=("train", "latency", "predict"), required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs after 1 warm-up epoch")
    p.add_argument("--steps", type=int, default=1000, help="timed steps per batch size")
    p.add_argument("--warmup-steps", type=int, default=20)
    p.add_argument("--batches", default="1,32,128", help="batch sizes for --task latency")
    p.add_argument("--predict-batches", default="32,1024", help="batch sizes for predict")
    p.add_argument("--repeats", type=int, default=5, help="timed predict passes")
    return p


def int_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def numpy_info() -> dict:
    blas = {}
    with contextlib.suppress(Exception):  # older NumPy: no dict mode; the name is then unknown
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return {
        "numpy": np.__version__,
        "blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(),
        "python": platform.python_version(),
    }


def error_text(exc: BaseException) -> str:
    """One line naming the exception and where in the benchmark script it surfaced."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(frames):
        if "benchmarks" in frame.filename:
            where = f" (at {Path(frame.filename).name}:{frame.lineno})"
            break
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}"[:400]


def attempt(results: dict, errors: dict, name: str, fn) -> None:
    """Runs one measurement; a failure is recorded under its name and the others go on."""
    try:
        results[name] = fn()
    except Exception as exc:  # a benchmark records what broke and carries on
        errors[name] = error_text(exc)
        traceback.print_exc(file=sys.stderr)


def emit(payload: dict) -> None:
    """Prints the one JSON line run.py reads (the last line on stdout starting with '{')."""
    payload.setdefault("peak_rss_mb", peak_rss_mb())
    sys.stdout.flush()
    print(json.dumps(payload, default=float), flush=True)
