"""The tfops names against real TensorFlow 2.21, side by side (``pytest -m tensorflow``):
the same code runs with ``ember`` and with ``tensorflow`` and the values (and gradients)
must agree."""

import numpy as np
import pytest

import ember

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def real():
    return pytest.importorskip("tensorflow")


def _same(real, fn, rtol=1e-5, atol=1e-6):
    ours, theirs = fn(ember), fn(real)
    ours, theirs = ember.nest.flatten(ours), real.nest.flatten(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        a = a.numpy() if hasattr(a, "numpy") else np.asarray(a)
        b = b.numpy() if hasattr(b, "numpy") else np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, (a, b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


X = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
W = np.random.default_rng(1).normal(size=(4, 3)).astype(np.float32)


def test_clipping(real):
    def run(tf):
        v = tf.Variable(X)
        with tf.GradientTape() as tape:
            a = tf.clip_by_norm(v, 1.5, axes=[1])
            (b, c), n = tf.clip_by_global_norm([v, v * 3.0], 2.0)
            y = tf.reduce_sum(a * W) + tf.reduce_sum(b * c)
        return a, b, c, n, tape.gradient(y, v)
    _same(real, run)


def test_control_flow_and_maps(real):
    def run(tf):
        v = tf.Variable(1.5)
        x = tf.constant(X)
        with tf.GradientTape() as tape:
            c = tf.cond(v > 1.0, lambda: v * v, lambda: -v)
            w = tf.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, a * v + 1.0), (0, 1.0))[1]
            m = tf.map_fn(lambda r: tf.reduce_sum(r * v), x)
            s = tf.scan(lambda a, r: a * v + r, x)
            f = tf.foldl(lambda a, r: a + r * v, x)
            vm = tf.vectorized_map(lambda r: r * v, x)
            y = c + w + tf.reduce_sum(m) + tf.reduce_sum(s) + tf.reduce_sum(f) + tf.reduce_sum(vm)
        return c, w, m, s, f, vm, tape.gradient(y, v)
    _same(real, run)


def test_custom_gradient(real):
    def run(tf):
        @tf.custom_gradient
        def clip_grad(y):
            return y, lambda dy: tf.clip_by_norm(dy, 0.5)

        @tf.custom_gradient
        def log1pexp(x):
            e = tf.exp(x)
            return tf.math.log(1 + e), lambda dy: dy * (1 - 1 / (1 + e))

        x = tf.constant(X)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            a = tf.reduce_sum(clip_grad(x * x))
            b = tf.reduce_sum(log1pexp(x) * W)
        return tape.gradient(a, x), tape.gradient(b, x)
    _same(real, run)


def test_scatter_and_segments(real):
    def run(tf):
        x = tf.constant(X)
        idx = tf.constant([[2], [0], [2]])
        ids = tf.constant([1, 0, 1, 3])
        with tf.GradientTape() as tape:
            tape.watch(x)
            outs = [tf.tensor_scatter_nd_update(x, idx, x[:3] * 2),
                    tf.tensor_scatter_nd_add(x, idx, x[:3]),
                    tf.scatter_nd(idx, x[:3], [5, 3]),
                    tf.gather_nd(x, [[1, 2], [3, 0]]),
                    tf.math.unsorted_segment_sum(x, ids, 4),
                    tf.math.unsorted_segment_mean(x, ids, 4),
                    tf.math.unsorted_segment_max(x, ids, 4),
                    tf.math.unsorted_segment_prod(x, ids, 4),
                    tf.math.segment_sum(x, [0, 0, 1, 1]),
                    tf.math.segment_max(x, [0, 0, 2, 2])]
            y = sum(tf.reduce_sum(tf.tanh(o)) for o in outs)
        return outs + [tape.gradient(y, x), tf.math.bincount([3, 1, 1, 0], minlength=5)]
    _same(real, run)


def test_meshgrid(real):
    _same(real, lambda tf: tf.meshgrid(tf.range(3), tf.range(4), tf.range(2)))
    _same(real, lambda tf: tf.meshgrid(tf.range(3), tf.range(4), indexing="ij"))


def test_image_ops(real):
    rng = np.random.default_rng(2)
    img = rng.random((2, 6, 7, 3)).astype(np.float32)
    u8 = (img * 255).astype(np.uint8)

    def run(tf):
        return [tf.image.central_crop(img, 0.6), tf.image.resize_with_crop_or_pad(img, 5, 9),
                tf.image.rot90(img, 3), tf.image.adjust_brightness(u8, -0.2),
                tf.image.adjust_contrast(img, 0.4), tf.image.adjust_contrast(u8, 1.7),
                tf.image.adjust_saturation(img, 1.8), tf.image.adjust_hue(img, -0.4),
                tf.image.adjust_gamma(u8, 0.7, 1.2), tf.image.per_image_standardization(u8),
                tf.image.rgb_to_hsv(img), tf.image.hsv_to_rgb(img),
                tf.image.adjust_saturation(u8, 0.3), tf.image.adjust_hue(u8, 0.1)]
    _same(real, run, rtol=1e-5, atol=2e-6)


def test_png_codec(real):
    img = (np.random.default_rng(3).random((5, 4, 3)) * 255).astype(np.uint8)

    def run(tf):
        data = tf.io.encode_png(img)
        return [tf.io.decode_png(data, channels=c) for c in (0, 1, 3, 4)]
    _same(real, run)
