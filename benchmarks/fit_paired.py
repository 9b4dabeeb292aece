"""Ember's `fit` epoch against the hand-written NumPy floor's, paired in one process.

The training table of run.py times each implementation in its own subprocess, round after
round. On a shared machine the noise comes in bursts of seconds (the floor's epochs on the
2-core EPYC ranged 0.35-0.77 s within one run), so two medians taken minutes apart compare
the bursts as much as the code. Here the arms alternate epoch by epoch in one process, on
the same arrays, the order swapped every pair, and each pair gives one ratio: a burst
slows one pair, and the median over pairs sets it aside.

    floor     mlp_numpy.NumpyMLP().fit_epoch(x, y): the floor of run.py's table, on BLAS's
              own thread count (threadpoolctl restores it around each floor epoch, since
              Ember's policy sets the process's BLAS pool to one thread between its
              matmuls; the floor in its own process has the default)
    arrays    model.fit(x, y, batch_size=128, epochs=1): the seed's MLP, as run.py's
    dataset   model.fit(Dataset.from_tensor_slices((x, y)).shuffle(60000).batch(128))

Reported: for each Ember arm, the median over pairs of its epoch ÷ the floor's epoch next to
it, the quartiles, and the ratio of the fastest epochs. One JSON line, as the other scripts.

    python benchmarks/fit_paired.py [--pairs 12] [--samples N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time

import harness
import mlp_keras
import mlp_numpy


def _blas_default() -> int | None:
    """NumPy's BLAS thread count before any Ember matmul set it (None without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [i.get("num_threads") for i in threadpool_info() if i.get("user_api") == "blas"]
    return max((c for c in counts if c), default=None)


def _quartiles(values):
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return q[0], q[2]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--samples", type=int, default=None,
                        help="train on the first N images only; default: all 60,000")
    parser.add_argument("--no-dataset", action="store_true", help="leave out the tf.data arm")
    args = parser.parse_args(argv)

    default_threads = _blas_default()
    tf = mlp_keras.import_framework("ember")
    (x, y), _ = harness.load_fashion_mnist()
    x, y = x[:args.samples], y[:args.samples]
    mlp_keras.seed_everything(tf, 0)
    floor = mlp_numpy.NumpyMLP(seed=0)

    def floor_threads():  # entered outside the timed region
        if default_threads is None:
            return contextlib.nullcontext()
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=default_threads, user_api="blas")

    def floor_epoch():
        floor.fit_epoch(x, y)

    arrays_model = mlp_keras.compiled_model(tf)
    arms = {"floor": floor_epoch,
            "arrays": lambda: arrays_model.fit(x, y, batch_size=harness.BATCH_SIZE, epochs=1,
                                               verbose=0)}
    if not args.no_dataset:
        dataset_model = mlp_keras.compiled_model(tf)
        ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x)).batch(
            harness.BATCH_SIZE)
        arms["dataset"] = lambda: dataset_model.fit(ds, epochs=1, verbose=0)
    def around(name):
        return floor_threads() if name == "floor" else contextlib.nullcontext()

    for name, run in arms.items():  # warm-up: builds, calibrations, first-touch allocations
        with around(name):
            run()
    times = {name: [] for name in arms}
    names = list(arms)
    for i in range(args.pairs):
        for name in (names if i % 2 == 0 else names[::-1]):  # no arm always first
            with around(name):
                t0 = time.perf_counter()
                arms[name]()
                times[name].append(time.perf_counter() - t0)
    result = {"benchmark": "fit_paired", "pairs": args.pairs, "samples": len(x),
              "blas_threads_floor": default_threads,
              "s_per_epoch": {k: statistics.median(v) for k, v in times.items()},
              "times": times}
    for name in names[1:]:
        ratios = [e / f for e, f in zip(times[name], times["floor"])]
        low, high = _quartiles(ratios)
        result[name] = {"ratio_median": statistics.median(ratios), "ratio_q1": low,
                        "ratio_q3": high,
                        "ratio_of_fastest": min(times[name]) / min(times["floor"]),
                        "ratios": ratios}
        print(f"fit({name}) / floor: median {result[name]['ratio_median']:.3f} (quartiles "
              f"{low:.3f}-{high:.3f}), fastest epochs "
              f"{result[name]['ratio_of_fastest']:.3f} over {args.pairs} pairs",
              file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
