"""Convolutions and the LSTM split across threads (ember.threads.run_parts) give the numbers of the
one-thread path: forward, input gradient and kernel gradient, with groups and strides."""

import numpy as np
import pytest

import ember as tf
from ember import threads


def _split_into(monkeypatch, n):
    """Every op with enough rows splits into ``n`` parts; returns the list of part counts
    that ``run_parts`` saw."""
    monkeypatch.setattr(threads, "workers", lambda: n)
    monkeypatch.setattr(threads, "PARALLEL_WORK", 1)
    calls = []
    real = threads.run_parts
    monkeypatch.setattr(threads, "run_parts", lambda fn, parts: calls.append(len(parts))
                        or real(fn, parts))
    return calls


def _conv_and_grads(x, w, b, **kw):
    x, w, b = tf.constant(x), tf.Variable(w), tf.Variable(b)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.nn.bias_add(tf.nn.conv2d(x, w, **kw), b)
        loss = tf.reduce_sum(y * y)
    return [t.numpy() for t in (y, *tape.gradient(loss, [x, w, b]))]


@pytest.mark.parametrize("kw", [{"strides": 1, "padding": "VALID"},
                                {"strides": 2, "padding": "SAME"}])
@pytest.mark.parametrize("cin", [1, 12])
def test_split_batch_equals_one_thread(monkeypatch, kw, cin):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 11, 10, cin)).astype("float32")
    w = rng.normal(size=(3, 3, cin, 5)).astype("float32")
    b = rng.normal(size=(5,)).astype("float32")
    monkeypatch.setattr(threads, "workers", lambda: 1)
    serial = _conv_and_grads(x, w, b, **kw)
    calls = _split_into(monkeypatch, 3)
    parallel = _conv_and_grads(x, w, b, **kw)
    assert max(calls) == 3  # the batch of 7 went to three threads
    for a, p in zip(serial, parallel):  # float32 sums in another blocking order
        np.testing.assert_allclose(p, a, rtol=1e-5, atol=1e-6 * np.abs(a).max())


def test_a_failing_part_raises_after_every_part_finished(monkeypatch):
    monkeypatch.setattr(threads, "workers", lambda: 2)
    done = []

    def fn(i):
        done.append(i)
        if i == 0:
            raise ValueError("part 0")
        return i

    with pytest.raises(ValueError, match="part 0"):
        threads.run_parts(fn, [(0,), (1,), (2,)])
    assert sorted(done) == [0, 1, 2]
    assert threads.run_parts(lambda i: i * 2, [(1,), (2,), (3,)]) == [2, 4, 6]


@pytest.mark.parametrize("masked", [False, True])
def test_lstm_split_by_rows_equals_one_thread(monkeypatch, masked):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 7, 3)).astype("float32")
    mask = rng.random((5, 7)) > 0.3 if masked else None

    def run():
        tf.keras.utils.set_random_seed(0)
        layer = tf.keras.layers.LSTM(4, return_sequences=True, return_state=True)
        h0, c0 = tf.constant(rng.normal(size=(5, 4)).astype("float32")), tf.zeros((5, 4))
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch([xt, h0])
            seq, h, c = layer(xt, mask=mask, initial_state=[h0, c0])
            loss = tf.reduce_sum(seq * seq) + tf.reduce_sum(h) + tf.reduce_sum(c * c)
        grads = tape.gradient(loss, [xt, h0, *layer.trainable_variables])
        return [t.numpy() for t in (seq, h, c, *grads)]

    monkeypatch.setattr(threads, "workers", lambda: 1)
    serial = run()
    rng = np.random.default_rng(1)
    rng.normal(size=(5, 7, 3))
    if masked:
        rng.random((5, 7))
    calls = _split_into(monkeypatch, 2)
    parallel = run()
    assert calls and max(calls) == 2  # forward and backward each ran on two row blocks
    for a, p in zip(serial, parallel):
        np.testing.assert_allclose(p, a, rtol=1e-5, atol=1e-6)
