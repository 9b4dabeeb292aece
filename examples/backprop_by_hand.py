"""Backpropagation by hand on the seed's perceptron: explain, one gradient step, then fit.

The seed's student attended x1 = 4 lectures and procrastinated x2 = 2 hours; with
W = [3, -2] and w0 = 1 the perceptron says z = 1 + 3·4 + (-2)·2 = 9, ŷ = σ(9) ≈ 0.99988:
"pass". Here the student failed (y = 0), so the loss L = -[y·log ŷ + (1-y)·log(1-ŷ)] is
large, and the gradient says how to change each weight.

1. ``tape.explain`` prints every op forward with its numbers, then the chain rule backward:
   ∂L/∂z (which σ and the cross-entropy simplify to ŷ - y), ∂L/∂w₁ = x₁·∂L/∂z, ...
2. One step of gradient descent by hand: w ← w - η·∂L/∂w; the loss goes down.
3. The same step with Keras: ``fit`` with SGD(η) on this one student, batch size 1, gives
   the very same weights.

Run:  python examples/backprop_by_hand.py [--lr 0.1]
"""

from __future__ import annotations

import argparse

import numpy as np

import ember as tf

W = [[3.0], [-2.0]]  # w1 per lecture attended, w2 per hour procrastinated
W0 = [1.0]  # the bias
STUDENT = [[4.0, 2.0]]  # 4 lectures, 2 hours
FAILED = [[0.0]]


def perceptron(weights=W, bias=W0):
    """The seed's perceptron, ``Dense(1, activation='sigmoid')``, with the seed's weights."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid",
                                                       input_shape=(2,))])
    model.layers[0].set_weights([np.array(weights, "float32"), np.array(bias, "float32")])
    return model


def bce(y, y_hat):
    """L = -[y·log ŷ + (1-y)·log(1-ŷ)], written out as the seed writes it."""
    return -(y * tf.math.log(y_hat) + (1 - y) * tf.math.log(1 - y_hat))


def _v(a) -> str:
    return "[" + ", ".join(f"{v:.5g}" for v in np.ravel(a)) + "]"


def run(lr=0.1):
    """All three parts, printed. Returns the numbers (for the tests)."""
    model = perceptron()
    w, w0 = model.layers[0].kernel, model.layers[0].bias
    x = tf.constant(STUDENT)
    y = tf.constant(FAILED)

    print("1. Forward and backward, op by op\n")
    with tf.GradientTape() as tape:
        y_hat = model(x)
        L = bce(y, y_hat)
    # Tensors are named after these local variables (y_hat prints as ŷ, w0 as w₀); the
    # weighted sum feeding the sigmoid is the seed's z.
    explanation = tape.explain(L, [w, w0])
    gw, gw0 = tape.gradient(L, [w, w0])
    p, t = float(y_hat.numpy()[0, 0]), float(y.numpy()[0, 0])
    print(f"\n   σ and the cross-entropy simplify together: ∂L/∂z = ŷ - y = {p:.5g} - {t:g} "
          f"= {p - t:.5g}, the number the chain rule found above.")

    print(f"\n2. One gradient-descent step by hand, η = {lr}: w ← w - η·∂L/∂w\n")
    new_w = w.numpy() - lr * gw.numpy()
    new_w0 = w0.numpy() - lr * gw0.numpy()
    after = float(bce(y, perceptron(new_w, new_w0)(x)).numpy()[0, 0])
    print(f"   w = {_v(w.numpy())} - {lr}·{_v(gw.numpy())} = {_v(new_w)}")
    print(f"   w₀ = {_v(w0.numpy())} - {lr}·{_v(gw0.numpy())} = {_v(new_w0)}")
    print(f"   L: {float(L.numpy()[0, 0]):.5g} → {after:.5g}")

    print("\n3. The same step with Keras: compile(SGD), fit one epoch on this one student\n")
    keras_model = perceptron()
    keras_model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=lr),
                        loss="binary_crossentropy")
    keras_model.fit(np.array(STUDENT, "float32"), np.array(FAILED, "float32"), epochs=1,
                    batch_size=1, verbose=0)
    fit_w, fit_w0 = keras_model.layers[0].get_weights()
    print(f"   fit's weights: w = {_v(fit_w)}, w₀ = {_v(fit_w0)}")
    print(f"   the same as by hand: {np.allclose(fit_w, new_w, atol=1e-5)}")
    return {"explanation": explanation, "grads": (gw.numpy(), gw0.numpy()),
            "hand": (new_w, new_w0), "fit": (fit_w, fit_w0),
            "loss_before": float(L.numpy()[0, 0]), "loss_after": after}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate η")
    run(parser.parse_args(argv).lr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
