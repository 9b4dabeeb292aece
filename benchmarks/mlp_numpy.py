"""The floor: the seed's MLP trained by a hand-written NumPy float32 loop.

Forward, backward and Adam written out directly, with everything a NumPy framework could do and
nothing it could not: float32 throughout, one shuffled index array per epoch, batches gathered
into reused buffers, inverted dropout, the softmax + cross-entropy gradient fused into
(p - onehot) / B, and Adam updating all parameters in place as one flat array. It computes no
loss or accuracy values during training, so any framework pays at least this much per epoch.

    python benchmarks/mlp_numpy.py --task train|latency|predict [options]   # one JSON line out
"""

from __future__ import annotations

import math
import statistics
import time

import harness
import numpy as np


class NumpyMLP:
    """Dense layers with relu and inverted dropout between them, softmax output, Adam."""

    def __init__(self, layers=harness.LAYERS, *, dropout=harness.DROPOUT,
                 learning_rate=harness.LEARNING_RATE, epsilon=harness.ADAM_EPSILON, seed=0):
        self.rng = np.random.default_rng(seed)
        self.rate = dropout
        self.keep_scale = 1.0 / (1.0 - dropout)
        self.learning_rate, self.epsilon = learning_rate, epsilon
        self.beta_1, self.beta_2 = 0.9, 0.999
        self.iterations = 0

        # All parameters live in one flat array (and their gradients in another), so Adam is ten
        # whole-array operations per step instead of ten per parameter. W and b are views into it.
        shapes = []
        for fan_in, fan_out in zip(layers[:-1], layers[1:]):
            shapes += [(fan_in, fan_out), (fan_out,)]
        total = sum(math.prod(s) for s in shapes)
        self.flat = np.zeros(total, np.float32)
        self.flat_grad = np.zeros(total, np.float32)
        self.m, self.v, self.tmp = (np.zeros(total, np.float32) for _ in range(3))
        self.params, self.grads = [], []
        offset = 0
        for shape in shapes:
            size = math.prod(shape)
            self.params.append(self.flat[offset : offset + size].reshape(shape))
            self.grads.append(self.flat_grad[offset : offset + size].reshape(shape))
            offset += size
        for kernel in self.params[0::2]:  # glorot_uniform kernels, zero biases, as Keras
            limit = math.sqrt(6.0 / sum(kernel.shape))
            kernel[...] = self.rng.uniform(-limit, limit, kernel.shape)
        self._buffers = {}

    def _buffers_for(self, batch_size: int) -> dict:
        """Activation buffers reused by every step of this batch size (the last batch differs)."""
        if batch_size not in self._buffers:
            widths = [w.shape[1] for w in self.params[0::2]]
            f32 = np.float32
            self._buffers[batch_size] = {
                "x": np.empty((batch_size, self.params[0].shape[0]), f32),
                "h": [np.empty((batch_size, w), f32) for w in widths],
                "dh": [np.empty((batch_size, w), f32) for w in widths[:-1]],
                "noise": [np.empty((batch_size, w), f32) for w in widths[:-1]],
                "rows": np.arange(batch_size),
            }
        return self._buffers[batch_size]

    def train_step(self, x, y):
        """One step of SGD with Adam on the batch (x: float32 (B, 784), y: int labels (B,))."""
        batch = len(x)
        buf = self._buffers_for(batch)
        w1, b1, w2, b2, w3, b3 = self.params
        gw1, gb1, gw2, gb2, gw3, gb3 = self.grads
        h1, h2, z = buf["h"]
        dh1, dh2 = buf["dh"]

        # forward: h = dropout(relu(x W + b)); z = h2 W3 + b3
        np.matmul(x, w1, out=h1)
        h1 += b1
        np.maximum(h1, 0, out=h1)
        self._dropout(h1, buf["noise"][0])
        np.matmul(h1, w2, out=h2)
        h2 += b2
        np.maximum(h2, 0, out=h2)
        self._dropout(h2, buf["noise"][1])
        np.matmul(h2, w3, out=z)
        z += b3

        # softmax + cross-entropy, fused: dL/dz = (softmax(z) - onehot(y)) / B
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        z[buf["rows"], y] -= 1.0
        z *= 1.0 / batch

        # backward. After relu + dropout, h > 0 exactly where the unit was active and kept, so
        # the gradient through both is dh * (h > 0) * keep_scale.
        np.matmul(h2.T, z, out=gw3)
        np.sum(z, axis=0, out=gb3)
        np.matmul(z, w3.T, out=dh2)
        self._relu_dropout_grad(dh2, h2)
        np.matmul(h1.T, dh2, out=gw2)
        np.sum(dh2, axis=0, out=gb2)
        np.matmul(dh2, w2.T, out=dh1)
        self._relu_dropout_grad(dh1, h1)
        np.matmul(x.T, dh1, out=gw1)
        np.sum(dh1, axis=0, out=gb1)

        self._adam()

    def _dropout(self, h, noise):
        """Inverted dropout in place: zero a fraction `rate`, scale the rest by 1 / (1 - rate)."""
        self.rng.random(out=noise, dtype=np.float32)
        np.multiply(h, noise >= self.rate, out=h)
        h *= self.keep_scale

    def _relu_dropout_grad(self, dh, h):
        np.multiply(dh, h > 0, out=dh)
        dh *= self.keep_scale

    def _adam(self):
        """Adam (Kingma & Ba 2015) in Keras' form, in place on the flat parameter array."""
        self.iterations += 1
        t, b_1, b_2 = self.iterations, self.beta_1, self.beta_2
        alpha = self.learning_rate * math.sqrt(1 - b_2**t) / (1 - b_1**t)
        g, m, v, tmp = self.flat_grad, self.m, self.v, self.tmp
        m *= b_1  # m = b1 m + (1 - b1) g
        np.multiply(g, 1 - b_1, out=tmp)
        m += tmp
        v *= b_2  # v = b2 v + (1 - b2) g^2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b_2
        v += tmp
        np.sqrt(v, out=tmp)  # w -= alpha m / (sqrt(v) + eps)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= alpha
        self.flat -= tmp

    def fit_epoch(self, x, y, batch_size=harness.BATCH_SIZE):
        """One pass over shuffled data: one index array per epoch, batches gathered into buffers."""
        order = self.rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            xb = self._buffers_for(len(idx))["x"]
            # mode="clip": with the default mode="raise", `out=` is filled through a hidden
            # buffer (NumPy's documented behaviour), 62 µs a batch instead of 26 µs here; the
            # indices come from a permutation, so none is out of range.
            np.take(x, idx, axis=0, out=xb, mode="clip")
            self.train_step(xb, y[idx])

    def predict(self, x, batch_size=32):
        """Softmax probabilities, no dropout, batch by batch (as Keras' predict)."""
        out = np.empty((len(x), self.params[-1].shape[0]), np.float32)
        w1, b1, w2, b2, w3, b3 = self.params
        for start in range(0, len(x), batch_size):
            h = x[start : start + batch_size] @ w1
            h += b1
            np.maximum(h, 0, out=h)
            h2 = h @ w2
            h2 += b2
            np.maximum(h2, 0, out=h2)
            z = h2 @ w3
            z += b3
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
            out[start : start + batch_size] = z
        return out


def task_train(args, data, results, errors):
    (x_train, y_train), (x_test, y_test) = data

    def run():
        model = NumpyMLP(seed=args.seed)
        warmup_s, _ = harness.timed(model.fit_epoch, x_train, y_train)
        epoch_s = [harness.timed(model.fit_epoch, x_train, y_train)[0] for _ in range(args.epochs)]
        accuracy = float((model.predict(x_test, 1024).argmax(axis=1) == y_test).mean())
        return {"epoch_s": epoch_s, "warmup_s": warmup_s, "test_acc": accuracy,
                "epochs_trained": 1 + args.epochs}

    harness.attempt(results, errors, "numpy", run)


def task_latency(args, data, results, errors):
    (x_train, y_train), _ = data

    def run():
        model = NumpyMLP(seed=args.seed)
        out = {}
        for batch_size in harness.int_list(args.batches):
            batch_at = harness.cycling_batches(x_train, y_train, batch_size)
            out[str(batch_size)] = harness.step_latency(
                model.train_step, batch_at, steps=args.steps, warmup=args.warmup_steps)
        return out

    harness.attempt(results, errors, "numpy_step", run)


def task_predict(args, data, results, errors):
    _, (x_test, _) = data

    def run():
        model = NumpyMLP(seed=args.seed)
        out = {}
        for batch_size in harness.int_list(args.predict_batches):
            model.predict(x_test, batch_size)
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                model.predict(x_test, batch_size)
                times.append(time.perf_counter() - t0)
            out[str(batch_size)] = {"median_s": statistics.median(times), "n": len(x_test)}
        return out

    harness.attempt(results, errors, "numpy_forward", run)


def main():
    args = harness.base_parser(__doc__.splitlines()[0]).parse_args()
    data = harness.load_fashion_mnist()
    results, errors = {}, {}
    {"train": task_train, "latency": task_latency, "predict": task_predict}[args.task](
        args, data, results, errors)
    harness.emit({"script": "mlp_numpy", "task": args.task, "results": results, "errors": errors,
                  "info": harness.numpy_info()})


if __name__ == "__main__":
    main()
