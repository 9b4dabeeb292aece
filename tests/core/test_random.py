"""tf.random: shapes, dtypes, ranges, seeding, shuffle, categorical."""

import numpy as np
import pytest

import ember as tf


@pytest.fixture(autouse=True)
def _reset_seed():
    yield
    tf.random.set_seed(None)


def test_normal_shape_dtype_and_moments():
    tf.random.set_seed(0)
    x = tf.random.normal([200, 50], mean=2.0, stddev=3.0)
    assert x.shape == (200, 50) and x.dtype == tf.float32
    assert abs(float(tf.reduce_mean(x)) - 2.0) < 0.1
    assert abs(float(tf.math.reduce_std(x)) - 3.0) < 0.1
    assert tf.random.normal([3], dtype=tf.float64).dtype == tf.float64
    assert tf.random.normal((2,)).shape == (2,) and tf.random.normal(4).shape == (4,)
    assert tf.random.normal(tf.constant([2, 3])).shape == (2, 3)


def test_uniform_range_and_dtypes():
    tf.random.set_seed(0)
    x = tf.random.uniform([10000], minval=-2.0, maxval=5.0)
    v = x.numpy()
    assert x.dtype == tf.float32 and v.min() >= -2.0 and v.max() < 5.0
    assert v.min() < -1.9 and v.max() > 4.9
    u = tf.random.uniform([1000]).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0
    i = tf.random.uniform([1000], minval=3, maxval=7, dtype=tf.int32)
    assert i.dtype == tf.int32 and set(np.unique(i.numpy())) == {3, 4, 5, 6}
    with pytest.raises(ValueError, match="maxval"):
        tf.random.uniform([2], dtype=tf.int32)


def test_truncated_normal_stays_within_two_stddev():
    tf.random.set_seed(0)
    x = tf.random.truncated_normal([5000], mean=1.0, stddev=0.5).numpy()
    assert x.dtype == np.float32 and x.shape == (5000,)
    assert x.min() >= 0.0 and x.max() <= 2.0
    assert x.min() < 0.1 and x.max() > 1.9  # it really reaches the edges
    assert abs(x.std() - 0.5 * 0.88) < 0.03  # truncation at 2σ shrinks the std to 0.88σ


def test_set_seed_reproducible():
    tf.random.set_seed(42)
    a = [tf.random.normal([3]).numpy(), tf.random.uniform([3]).numpy()]
    tf.random.set_seed(42)
    b = [tf.random.normal([3]).numpy(), tf.random.uniform([3]).numpy()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    tf.random.set_seed(43)
    assert not np.array_equal(tf.random.normal([3]).numpy(), a[0])


def test_successive_calls_differ():
    tf.random.set_seed(1)
    assert not np.array_equal(tf.random.normal([5]).numpy(), tf.random.normal([5]).numpy())


def test_op_seed_reproducible_and_advancing():
    tf.random.set_seed(7)
    a1, a2 = tf.random.normal([3], seed=1).numpy(), tf.random.normal([3], seed=1).numpy()
    tf.random.set_seed(7)
    b1, b2 = tf.random.normal([3], seed=1).numpy(), tf.random.normal([3], seed=1).numpy()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)


def test_shuffle_is_a_permutation_of_rows():
    tf.random.set_seed(3)
    x = tf.reshape(tf.range(20), [10, 2])
    s = tf.random.shuffle(x)
    assert s.shape == (10, 2) and s.dtype == tf.int32
    rows = sorted(map(tuple, s.numpy().tolist()))
    assert rows == sorted(map(tuple, x.numpy().tolist()))
    assert not np.array_equal(s.numpy(), x.numpy())
    tf.random.set_seed(3)
    np.testing.assert_array_equal(tf.random.shuffle(x).numpy(), s.numpy())


def test_categorical_follows_the_softmax():
    tf.random.set_seed(0)
    logits = tf.math.log(tf.constant([[0.1, 0.6, 0.3], [1.0, 0.0, 0.0]]) + 1e-30)
    s = tf.random.categorical(logits, 4000)
    assert s.shape == (2, 4000) and s.dtype == tf.int64
    freq = np.bincount(s.numpy()[0], minlength=3) / 4000
    np.testing.assert_allclose(freq, [0.1, 0.6, 0.3], atol=0.03)
    assert set(np.unique(s.numpy()[1])) == {0}
    assert tf.random.categorical(logits, 2, dtype=tf.int32).dtype == tf.int32


def test_generator_from_seed():
    g1, g2 = tf.random.Generator.from_seed(5), tf.random.Generator.from_seed(5)
    np.testing.assert_array_equal(g1.normal([3]).numpy(), g2.normal([3]).numpy())
    assert g1.uniform([2], dtype=tf.float64).dtype == tf.float64


def test_random_ops_are_not_differentiable_sources_of_nan():
    tf.random.set_seed(0)
    w = tf.Variable(tf.random.normal([3, 2]))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.matmul(tf.random.uniform([4, 3]), w))
    g = tape.gradient(y, w)
    assert g.shape == (3, 2) and np.all(np.isfinite(g.numpy()))


def test_op_seed_without_global_seed_is_reproducible_across_runs():
    # TF: with only an op seed, the sequence is still fixed from run to run.
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = "import ember as tf; print(tf.random.normal([3], seed=5).numpy().tolist())"
    env = dict(os.environ, PYTHONPATH=root)
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].startswith("[")


def test_stateless_ops_depend_on_their_seed_alone():
    # The data augmentation tutorial's stateless path: stateless_split, then seeded ops.
    import ember as tf
    seed = tf.random.experimental.stateless_split((1, 2), num=1)[0, :]
    assert seed.shape == (2,) and seed.dtype == tf.int32  # the seed's dtype, as TF
    a = tf.random.stateless_uniform([4], seed=seed)
    tf.random.uniform([10])  # the global stream does not matter
    b = tf.random.stateless_uniform([4], seed=seed)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), tf.random.stateless_uniform([4], seed=(1, 3)).numpy())
    ints = tf.random.stateless_uniform([50], seed=(1, 2), minval=0, maxval=10, dtype=tf.int32)
    assert ints.dtype == tf.int32 and ints.numpy().min() >= 0 and ints.numpy().max() < 10
    z = tf.random.stateless_normal([2000], seed=(5, 6), mean=1.0, stddev=2.0).numpy()
    assert abs(z.mean() - 1) < 0.2 and abs(z.std() - 2) < 0.2
    with pytest.raises(ValueError, match="shape \\[2\\]"):
        tf.random.stateless_uniform([2], seed=3)


# -- dropout's keep mask (16-bit draws, four per 64-bit word) ----------------------------

@pytest.mark.parametrize("rate", [0.1, 0.2, 0.5, 0.9])
def test_keep_mask_keeps_one_minus_rate(rate):
    from ember import random as ember_random
    tf.random.set_seed(0)
    keep = ember_random.keep_mask((1000, 1000), rate)
    assert keep.dtype == np.bool_ and keep.shape == (1000, 1000)
    # 10^6 draws: the kept fraction within 5 standard deviations of 1 - rate.
    sd = np.sqrt(rate * (1 - rate) / keep.size)
    assert abs(keep.mean() - (1 - rate)) < 5 * sd


def test_keep_mask_any_shape_reproducible_and_advancing():
    from ember import random as ember_random
    for shape in [(), (0,), (3,), (5, 7), (2, 3, 5)]:  # sizes not a multiple of 4 too
        tf.random.set_seed(4)
        a = ember_random.keep_mask(shape, 0.5)
        b = ember_random.keep_mask(shape, 0.5)
        tf.random.set_seed(4)
        assert a.shape == shape and np.array_equal(ember_random.keep_mask(shape, 0.5), a)
        if a.size >= 15:
            assert not np.array_equal(a, b)  # the generator advances
    rng1, rng2 = np.random.default_rng(9), np.random.default_rng(9)  # a layer's own
    assert np.array_equal(ember_random.keep_mask((64,), 0.3, rng=rng1),
                          ember_random.keep_mask((64,), 0.3, rng=rng2))


def test_keep_mask_a_tiny_rate_still_drops_and_a_large_one_still_keeps():
    from ember import random as ember_random
    tf.random.set_seed(1)
    # The rate rounds to a multiple of 1/65536 but never to 0 or 1: 2^22 draws at the
    # smallest level drop ~64 values and keep ~64.
    assert 0 < (~ember_random.keep_mask((1 << 22,), 1e-9)).sum() < 200
    assert 0 < ember_random.keep_mask((1 << 22,), 1 - 1e-9).sum() < 200


def test_dropout_layer_drops_its_rate_with_its_own_seed():
    layer = tf.keras.layers.Dropout(0.25, seed=3)
    x = tf.ones([400, 500])
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 5 * np.sqrt(0.25 * 0.75 / y.size)
    again = tf.keras.layers.Dropout(0.25, seed=3)(x, training=True).numpy()
    assert np.array_equal(y, again)
