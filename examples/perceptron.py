"""The seed's perceptron: one student's pass/fail by hand, then a perceptron that learns.

Part 1 is the seed's worked example. With weights W = [3, -2] and bias w0 = 1, a
student who attended x1 = 4 lectures and procrastinated x2 = 2 hours gets

    z = w0 + X^T W = 1 + 3*4 + (-2)*2 = 9,    y_hat = sigmoid(9) ~ 0.9999,

and the line w0 + w1*x1 + w2*x2 = 0 splits the plane into "pass" and "fail".

Part 2 makes that the truth: students are labelled by the same line, and a
perceptron (a Dense(1, activation='sigmoid') layer trained with binary
cross-entropy) learns a boundary from the examples alone.

Run:  python examples/perceptron.py [--out DIR] [--epochs N] [--seed S]
Writes perceptron_student.png and perceptron_trained.png to DIR (default: here).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import ember as tf

# The seed's student example.
W = (3.0, -2.0)  # w1 per lecture attended, w2 per hour procrastinated
W0 = 1.0  # the bias
STUDENT = (4.0, 2.0)  # 4 lectures, 2 hours


def forward(x=STUDENT, weights=W, bias=W0):
    """One perceptron forward pass with Ember ops: ``z = w0 + X^T W``, ``y_hat = sigmoid(z)``.

    Returns:
        ``(z, y_hat)`` as Python floats.
    """
    x, weights, bias = tf.constant(x), tf.constant(weights), tf.constant(bias)
    z = bias + tf.reduce_sum(x * weights)
    y_hat = tf.nn.sigmoid(z)
    return float(z.numpy()), float(y_hat.numpy())


def make_students(n=200, margin=1.0, weights=W, bias=W0):
    """Students labelled by the seed's line: pass (1) where ``w0 + w1*x1 + w2*x2 > 0``.

    Lectures and hours are drawn uniformly from [0, 10] with NumPy's global generator
    (seed it with ``tf.keras.utils.set_random_seed``). Students with
    ``|w0 + w1*x1 + w2*x2| < margin`` are dropped, so the two classes are separated by
    a gap and a perceptron can classify all of them.

    Returns:
        ``x`` float32 (n, 2) and ``y`` float32 (n, 1) of 0/1 labels.
    """
    xs = []
    while sum(len(a) for a in xs) < n:
        candidates = np.random.uniform(0.0, 10.0, size=(2 * n, 2))
        z = bias + candidates @ np.asarray(weights)
        xs.append(candidates[np.abs(z) >= margin])
    x = np.concatenate(xs)[:n].astype("float32")
    y = (bias + x @ np.asarray(weights, dtype="float32") > 0).astype("float32")[:, None]
    return x, y


def train_perceptron(x, y, epochs=100, learning_rate=0.05, seed=0, verbose=0):
    """Fit a perceptron, ``y_hat = sigmoid(w0 + x1*w1 + x2*w2)``, as a learner would in Keras.

    Returns:
        ``(model, history)``; ``history.history['accuracy'][-1]`` is the final accuracy.
    """
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(1, activation="sigmoid", input_shape=(2,)),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=32, verbose=verbose)
    return model, history


def accuracy(model, x, y):
    """Fraction of points on the right side of the learned boundary."""
    p = model.predict(x, verbose=0)
    return float(np.mean((np.asarray(p) > 0.5) == (np.asarray(y) > 0.5)))


def draw_student(path, x=None, y=None):
    """The seed's line ``1 + 3*x1 - 2*x2 = 0`` over the plane, the seed's student starred."""
    from ember import plot

    fig = plot.plot_line_boundary(W, W0, x=x, y=y)
    ax = fig.axes[0]
    ax.scatter([STUDENT[0]], [STUDENT[1]], marker="*", s=400, c="gold", edgecolors="k",
               zorder=4, label="the seed's student: z = 9, pass")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("pass (red) / fail (blue): w0 + w1·x1 + w2·x2 = 0")
    ax.set_xlabel("x1 = lectures attended")
    ax.set_ylabel("x2 = hours procrastinated")
    fig.savefig(path)
    return fig


def _equation(w0, w1, w2):
    return f"{w0:.2f} {'-' if w1 < 0 else '+'} {abs(w1):.2f}·x1 " \
           f"{'-' if w2 < 0 else '+'} {abs(w2):.2f}·x2 = 0"


def run(out=".", n=200, epochs=100, seed=0):
    """Both parts, printed and drawn. Returns a dict of the numbers and the files written."""
    from ember import plot

    os.makedirs(out, exist_ok=True)
    z, y_hat = forward()
    print(f"Student: {STUDENT[0]:g} lectures, {STUDENT[1]:g} hours procrastinated")
    print(f"  z = w0 + X^T W = {W0:g} + ({W[0]:g} x {STUDENT[0]:g}) + ({W[1]:g} x "
          f"{STUDENT[1]:g}) = {z:g}")
    print(f"  y_hat = sigmoid({z:g}) = {y_hat:.4f}  (very likely to pass)")

    tf.keras.utils.set_random_seed(seed)
    x, y = make_students(n)
    student_png = os.path.join(out, "perceptron_student.png")
    draw_student(student_png, x, y)

    model, history = train_perceptron(x, y, epochs=epochs, seed=seed)
    acc = accuracy(model, x, y)
    kernel, bias = model.layers[0].get_weights()
    (w1, w2), b = kernel[:, 0], float(bias[0])
    print(f"\nTrained a perceptron on {n} students for {epochs} epochs:")
    print(f"  learned boundary:  {_equation(b, w1, w2)}")
    if w1 > 0:  # the same line times any positive number: scale it to w1 = 3 to compare
        k = W[0] / w1
        print(f"  scaled to w1 = 3:  {_equation(b * k, 3.0, w2 * k)}   "
              f"(truth: {_equation(W0, *W)})")
    print(f"  accuracy: {acc:.4f}")
    trained_png = os.path.join(out, "perceptron_trained.png")
    plot.plot_decision_boundary(model, x, y, path=trained_png)
    print(f"\nPictures: {student_png}, {trained_png}")
    return {"z": z, "y_hat": y_hat, "accuracy": acc, "final_loss": history.history["loss"][-1],
            "weights": (b, float(w1), float(w2)), "files": [student_png, trained_png]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=".", help="folder for the pictures (default: here)")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--n", type=int, default=200, help="number of generated students")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run(out=args.out, n=args.n, epochs=args.epochs, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
