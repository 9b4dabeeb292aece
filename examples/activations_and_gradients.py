"""Vanishing gradients, seen: the same deep network with sigmoid and with ReLU.

The seed says sigmoid "can suffer from vanishing gradients" and that ReLU "addresses
vanishing gradient problem". Backpropagation multiplies, layer after layer, by the
activation's slope: σ'(z) ≤ 1/4, so through n sigmoid layers the gradient reaching the
first layer shrinks roughly like (1/4)ⁿ, while ReLU's slope is 1 wherever a unit is on.

This program trains two networks of ``--depth`` Dense layers on a 2-D problem (points
inside a circle or not) with ``LayerStatistics`` recording, for each layer, the norm of
∂loss/∂kernel and the mean |activation|, and draws:

- ``gradients_by_depth.png``: gradient norm against depth before training, both networks;
- ``layers_sigmoid.png``, ``layers_relu.png``: each layer's gradient norm and activations
  epoch by epoch.

Run:  python examples/activations_and_gradients.py [--out DIR] [--depth 6] [--epochs 10]
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import ember as tf


def circle_data(n=400, seed=0):
    """Points (n, 2) from N(0, 1); label 1 inside the unit circle, 0 outside."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)).astype("float32")
    y = ((x ** 2).sum(axis=1) < 1.0).astype("float32")[:, None]
    return x, y


def deep_network(activation, depth=6, width=16, seed=0):
    """``depth`` hidden Dense layers of ``activation``, then one sigmoid unit."""
    tf.keras.utils.set_random_seed(seed)
    hidden = [tf.keras.layers.Dense(width, activation=activation, input_shape=(2,))]
    hidden += [tf.keras.layers.Dense(width, activation=activation) for _ in range(depth - 1)]
    model = tf.keras.Sequential(hidden + [tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def run(out=".", depth=6, epochs=10, seed=0, n=400):
    """Trains both networks on ``n`` points, prints the gradient norms, draws the pictures."""
    os.makedirs(out, exist_ok=True)
    x, y = circle_data(n, seed=seed)
    runs, accuracy = {}, {}
    for activation in ("sigmoid", "relu"):
        stats = tf.plot.LayerStatistics(x[:128], y[:128])
        history = deep_network(activation, depth, seed=seed).fit(
            x, y, epochs=epochs, batch_size=32, verbose=0, callbacks=[stats])
        runs[activation] = stats
        accuracy[activation] = history.history["accuracy"][-1]
    files = [os.path.join(out, "gradients_by_depth.png")]
    tf.plot.plot_gradients_by_depth(runs, path=files[0])
    for activation, stats in runs.items():
        files.append(os.path.join(out, f"layers_{activation}.png"))
        tf.plot.plot_layer_statistics(stats, title=f"{depth} {activation} layers",
                                      path=files[-1])
    ratio = {}
    print("‖∂loss/∂kernel‖ before training, layer 1 (input side) to the output layer:")
    for activation, stats in runs.items():
        norms = [stats.gradient_norms[n][0] for n in stats.layer_names]
        ratio[activation] = norms[0] / norms[-1]
        print(f"  {activation:>7}: " + "  ".join(f"{v:.2e}" for v in norms))
        print(f"           first / last = {ratio[activation]:.2e}; accuracy after {epochs} "
              f"epochs: {accuracy[activation]:.3f}")
    print("Pictures: " + ", ".join(files))
    return {"ratio": ratio, "accuracy": accuracy, "files": files, "runs": runs}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=".", help="folder for the pictures (default: here)")
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run(args.out, args.depth, args.epochs, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
