"""`fit` on a tf.data pipeline against `fit` on arrays: the seed's MLP on Fashion-MNIST.

Both variants train the same model (784-128-64-10, Dropout 0.3, Adam, batch 128) for one epoch
per measurement, shuffling every epoch:

    arrays:   model.fit(x, y, batch_size=128, shuffle=True)
    dataset:  model.fit(Dataset.from_tensor_slices((x, y)).shuffle(60000).batch(128))

The two are interleaved round by round (this kind of machine drifts), each after a warm-up
epoch. Reported: the median over rounds of dataset time / arrays time, in wall-clock time and
in process CPU time (less disturbed when other processes share the cores), and the ratio of
the fastest epochs. Prints one JSON line (as the other benchmark scripts do).

    python benchmarks/fit_dataset.py [--rounds 5] [--samples N] [--prefetch]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import harness


def build(tf):
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(128, activation='relu', input_shape=(784,)),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(64, activation='relu'),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(10, activation='softmax'),
    ])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=None,
                        help="train on the first N images only (shorter rounds on a busy "
                             "machine); default: all 60,000")
    parser.add_argument("--prefetch", action="store_true",
                        help="end the pipeline with .prefetch(tf.data.AUTOTUNE) as tutorials do")
    args = parser.parse_args(argv)

    import ember as tf
    (x, y), _ = harness.load_fashion_mnist()
    x, y = x[:args.samples], y[:args.samples]
    tf.keras.utils.set_random_seed(0)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x)).batch(harness.BATCH_SIZE)
    if args.prefetch:
        ds = ds.prefetch(tf.data.AUTOTUNE)
    models = {"arrays": build(tf), "dataset": build(tf)}
    runs = {
        "arrays": lambda m: m.fit(x, y, batch_size=harness.BATCH_SIZE, epochs=1, verbose=0),
        "dataset": lambda m: m.fit(ds, epochs=1, verbose=0),
    }
    for name, run in runs.items():  # warm-up: build, first-touch allocations
        run(models[name])
    times = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            run(models[name])
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    ratios = [d / a for d, a in zip(times["dataset"], times["arrays"])]
    cpu_ratios = [d / a for d, a in zip(cpu["dataset"], cpu["arrays"])]
    result = {
        "benchmark": "fit_dataset",
        "arrays_s_per_epoch": statistics.median(times["arrays"]),
        "dataset_s_per_epoch": statistics.median(times["dataset"]),
        "ratio_median": statistics.median(ratios),
        "cpu_ratio_median": statistics.median(cpu_ratios),
        "ratio_of_fastest": min(times["dataset"]) / min(times["arrays"]),
        "ratios": ratios,
        "cpu_ratios": cpu_ratios,
        "rounds": args.rounds,
        "samples": len(x),
        "prefetch": args.prefetch,
    }
    print(f"fit(x, y): {result['arrays_s_per_epoch']:.3f} s/epoch   fit(dataset): "
          f"{result['dataset_s_per_epoch']:.3f} s/epoch   dataset / arrays: wall "
          f"{result['ratio_median']:.3f}, CPU {result['cpu_ratio_median']:.3f}, fastest "
          f"epochs {result['ratio_of_fastest']:.3f} (medians of {args.rounds} interleaved "
          "rounds)", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
