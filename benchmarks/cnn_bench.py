"""The course's lab CNN on Fashion-MNIST in one framework: a training epoch or `predict`.

    Conv2D(24, 3x3, relu) -> MaxPool 2x2 -> Conv2D(36, 3x3, relu) -> MaxPool 2x2
    -> Flatten -> Dense(128, relu) -> Dense(10, softmax); Adam(1e-3), batch 64

    python benchmarks/cnn_bench.py --framework ember|tensorflow|torch --task epoch|predict
           [--examples N] [--threads T]                  # prints one JSON line

``--examples`` times an epoch over the first N training images and reports the time scaled
to the full 60,000 (the per-step cost does not depend on N). Peak memory is the process's
maximum resident set size. Each framework runs in its own process (cnn_run.py starts them).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness

BATCH = 64
FULL = 60000


def conv_flops_per_sample() -> dict:
    """Matmul FLOPs per training sample: the two convolutions and the two Dense layers.

    A convolution with P output pixels, K = kh·kw·in and F filters costs 2·P·K·F forward, as
    much again for the kernel gradient and again for the input gradient (not for the first
    layer, whose input needs none).
    """
    conv1 = 2 * 26 * 26 * (3 * 3 * 1) * 24
    conv2 = 2 * 11 * 11 * (3 * 3 * 24) * 36
    dense = 2 * 900 * 128 + 2 * 128 * 10
    return {"forward": conv1 + conv2 + dense,
            "training": 2 * conv1 + 3 * conv2 + 3 * dense,
            "conv_training": 2 * conv1 + 3 * conv2}


def data():
    (x, y), (xt, yt) = harness.load_fashion_mnist()
    return x.reshape(-1, 28, 28, 1), y.astype(np.int64), xt.reshape(-1, 28, 28, 1), yt


def run_ember(task, x, y, xt, n):
    import ember as tf
    from ember import cli
    tf.keras.utils.set_random_seed(0)
    model = cli.lab_cnn()
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if task == "predict":
        model.predict(xt[:256], batch_size=256, verbose=0)
        t0 = time.perf_counter()
        model.predict(xt, batch_size=256, verbose=0)
        return time.perf_counter() - t0
    model.fit(x[:640], y[:640], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    t0 = time.perf_counter()
    model.fit(x[:n], y[:n], batch_size=BATCH, epochs=1, verbose=0)
    return time.perf_counter() - t0


def run_tensorflow(task, x, y, xt, n):
    import tensorflow as tf
    tf.keras.utils.set_random_seed(0)
    layers = tf.keras.layers
    model = tf.keras.Sequential([
        tf.keras.Input((28, 28, 1)),
        layers.Conv2D(24, (3, 3), activation="relu"), layers.MaxPool2D((2, 2)),
        layers.Conv2D(36, (3, 3), activation="relu"), layers.MaxPool2D((2, 2)),
        layers.Flatten(), layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax")])
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if task == "predict":
        model.predict(xt[:256], batch_size=256, verbose=0)
        t0 = time.perf_counter()
        model.predict(xt, batch_size=256, verbose=0)
        return time.perf_counter() - t0
    model.fit(x[:640], y[:640], batch_size=BATCH, epochs=1, verbose=0)
    t0 = time.perf_counter()
    model.fit(x[:n], y[:n], batch_size=BATCH, epochs=1, verbose=0)
    return time.perf_counter() - t0


def run_torch(task, x, y, xt, n):
    import torch
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 24, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(24, 36, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(900, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    xs = torch.tensor(x.transpose(0, 3, 1, 2).copy())
    ys = torch.tensor(y)
    if task == "predict":
        xts = torch.tensor(xt.transpose(0, 3, 1, 2).copy())
        with torch.no_grad():
            model(xts[:256])
            t0 = time.perf_counter()
            for i in range(0, len(xts), 256):
                model(xts[i:i + 256])
        return time.perf_counter() - t0

    def epoch(count):
        order = torch.randperm(count)
        for i in range(0, count, BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xs[idx]), ys[idx]).backward()
            opt.step()
    epoch(640)
    t0 = time.perf_counter()
    epoch(n)
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--framework", choices=("ember", "tensorflow", "torch"), required=True)
    p.add_argument("--task", choices=("epoch", "predict"), default="epoch")
    p.add_argument("--examples", type=int, default=FULL)
    args = p.parse_args()
    x, y, xt, _ = data()
    n = min(args.examples, len(x))
    run = {"ember": run_ember, "tensorflow": run_tensorflow, "torch": run_torch}[args.framework]
    seconds = run(args.task, x, y, xt, n)
    out = {"framework": args.framework, "task": args.task, "examples": n,
           "seconds": seconds,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "data_mb": (x.nbytes + xt.nbytes) / 2**20}
    if args.task == "epoch":
        out["s_per_epoch"] = seconds * FULL / n
        out["flops_per_epoch"] = conv_flops_per_sample()["training"] * FULL
        out["conv_flops_per_epoch"] = conv_flops_per_sample()["conv_training"] * FULL
    print(json.dumps(out))


if __name__ == "__main__":
    main()
