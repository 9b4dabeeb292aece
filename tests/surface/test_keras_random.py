"""keras.random: shapes, dtypes, ranges and Keras 3's seeding rules."""

import numpy as np
import pytest

import ember as tf
from ember.keras import random


def test_int_seed_repeats_and_seed_generator_advances():
    a = random.normal((3, 2), seed=7).numpy()
    np.testing.assert_array_equal(a, random.normal((3, 2), seed=7).numpy())
    gen = random.SeedGenerator(1)
    x, y = random.uniform((4,), seed=gen).numpy(), random.uniform((4,), seed=gen).numpy()
    assert not np.array_equal(x, y)
    gen2 = random.SeedGenerator(1)
    np.testing.assert_array_equal(random.uniform((4,), seed=gen2).numpy(), x)


def test_global_seed_makes_unseeded_calls_repeat():
    tf.keras.utils.set_random_seed(3)
    first = [random.normal((2,)).numpy(), random.randint((3,), 0, 10).numpy()]
    tf.keras.utils.set_random_seed(3)
    again = [random.normal((2,)).numpy(), random.randint((3,), 0, 10).numpy()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_distributions_shapes_dtypes_and_ranges():
    u = random.uniform((1000,), minval=2.0, maxval=3.0, seed=0)
    assert u.dtype == tf.float32 and u.numpy().min() >= 2.0 and u.numpy().max() < 3.0
    n = random.normal((20000,), mean=1.0, stddev=2.0, seed=0).numpy()
    assert abs(n.mean() - 1.0) < 0.05 and abs(n.std() - 2.0) < 0.05
    t = random.truncated_normal((5000,), stddev=1.0, seed=0).numpy()
    assert np.abs(t).max() <= 2.0
    r = random.randint((500,), 3, 6, seed=0)
    assert r.dtype == tf.int32 and set(np.unique(r.numpy())) == {3, 4, 5}
    assert random.normal((2,), dtype="float64", seed=0).dtype == tf.float64


def test_categorical_follows_the_logits():
    logits = np.log(np.array([[0.1, 0.9], [0.999, 0.001]], np.float32))
    s = random.categorical(logits, 2000, seed=0)
    assert s.dtype == tf.int32 and tuple(s.shape) == (2, 2000)
    assert abs(s.numpy()[0].mean() - 0.9) < 0.03 and s.numpy()[1].mean() < 0.01


def test_dropout_scales_kept_values_and_passes_gradients():
    x = tf.Variable(np.ones((100, 100), np.float32))
    with tf.GradientTape() as tape:
        y = random.dropout(x, 0.25, seed=1)
        s = tf.reduce_sum(y)
    vals = np.unique(y.numpy())
    np.testing.assert_allclose(vals, [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((y.numpy() == 0).mean() - 0.25) < 0.02
    np.testing.assert_allclose(tape.gradient(s, x).numpy(), y.numpy())
    with pytest.raises(ValueError, match="rate"):
        random.dropout(x, 1.0)


def test_shuffle_permutes_along_axis():
    x = np.arange(12).reshape(3, 4)
    s = random.shuffle(x, axis=1, seed=0).numpy()
    assert sorted(s[0].tolist()) == [0, 1, 2, 3] and (s == x[:, s[0]]).all()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="randint"):
        random.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="seed"):
        random.normal((2,), seed="abc")
    assert tf.keras.random is random
