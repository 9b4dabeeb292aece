"""Universal approximation: one hidden layer fits sin(x), better the more units it has.

A network with one hidden layer of ReLU units,

    y_hat(x) = b2 + sum_j v_j * relu(w_j * x + b_j),   j = 1..n,

is a sum of n hinges: a piecewise-linear curve that can bend at n places. The
universal approximation theorem says that enough units get as close as you like to
any continuous function on an interval. Here n = 2, 8 and 64 units fit sin(x) on
[-pi, pi] with Adam and mean squared error (full batch): two hinges make a rough
zig-zag, eight already follow the curve, sixty-four are hard to tell from it.

Run:  python examples/universal_approximation.py [--out DIR] [--epochs N] [--seed S]
Writes universal_approximation.png to DIR (default: here) and prints each width's MSE.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import ember as tf

WIDTHS = (2, 8, 64)


def sine_data(n=200):
    """``n`` evenly spaced points of sin(x) on [-pi, pi], as float32 columns (n, 1)."""
    x = np.linspace(-np.pi, np.pi, n, dtype="float32")[:, None]
    return x, np.sin(x)


def fit_width(units, x, y, epochs=1000, batch_size=None, learning_rate=0.02, seed=0,
              activation="relu"):
    """Fit ``Dense(units, activation) -> Dense(1)`` to (x, y); return (model, final MSE).

    ``batch_size=None`` trains on the whole data set at each step (full batch).
    """
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(units, activation=activation, input_shape=(1,)),
        tf.keras.layers.Dense(1),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    model.fit(x, y, epochs=epochs, batch_size=batch_size or len(x), verbose=0)
    mse = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    return model, mse


def draw_fits(x, y, predictions, path):
    """The true curve and one fitted curve per width, in one picture."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(x[:, 0], y[:, 0], "k-", linewidth=4, alpha=0.25, label="sin(x)")
    for units, (p, mse) in predictions.items():
        ax.plot(x[:, 0], p[:, 0], linewidth=1.8, label=f"{units} hidden units (MSE {mse:.2g})")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("one hidden layer fitting sin(x)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.savefig(path)
    return fig


def run(out=".", widths=WIDTHS, n=200, epochs=1000, batch_size=None, seed=1):
    """Fit every width, print its MSE and draw the fits; return {units: mse} and the file."""
    os.makedirs(out, exist_ok=True)
    x, y = sine_data(n)
    predictions = {}
    for units in widths:
        model, mse = fit_width(units, x, y, epochs=epochs, batch_size=batch_size, seed=seed)
        predictions[units] = (model.predict(x, verbose=0), mse)
        print(f"{units:3d} hidden units: MSE {mse:.5f}")
    path = os.path.join(out, "universal_approximation.png")
    draw_fits(x, y, predictions, path)
    print(f"Picture: {path}")
    return {"mse": {u: m for u, (_, m) in predictions.items()}, "file": path}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=".", help="folder for the picture (default: here)")
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: the whole data set (full batch)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    run(out=args.out, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
