"""tf.random stateless ops, seed helpers and Generator additions: the same seed gives the same
values (TF's exact values are not reproduced), different seeds differ, shapes, dtypes, ranges
and bad seeds as in TF."""

import numpy as np
import pytest

import ember as tf


@pytest.mark.parametrize("op", [tf.random.stateless_uniform, tf.random.stateless_normal,
                                tf.random.stateless_truncated_normal])
def test_same_seed_same_values_and_global_state_untouched(op):
    tf.random.set_seed(3)
    before = tf.random.uniform([2]).numpy()
    a = op([3, 4], seed=(1, 2)).numpy()
    tf.random.set_seed(3)
    b = op([3, 4], seed=tf.constant([1, 2])).numpy()
    assert a.shape == (3, 4) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(tf.random.uniform([2]).numpy(), before)
    assert not np.array_equal(a, op([3, 4], seed=(1, 3)).numpy())
    assert op([2], seed=(1, 2), dtype=tf.float64).dtype == tf.float64


def test_stateless_value_ranges():
    u = tf.random.stateless_uniform([1000], seed=(4, 5), minval=2.0, maxval=3.0).numpy()
    assert u.min() >= 2.0 and u.max() < 3.0
    t = tf.random.stateless_truncated_normal([1000], seed=(4, 5), stddev=0.5).numpy()
    assert np.abs(t).max() <= 1.0
    n = tf.random.stateless_normal([4000], seed=(4, 5), mean=1.0, stddev=2.0).numpy()
    assert abs(n.mean() - 1.0) < 0.15 and abs(n.std() - 2.0) < 0.15
    i = tf.random.stateless_uniform([500], seed=(1, 2), minval=0, maxval=5, dtype=tf.int32)
    assert i.dtype == tf.int32 and set(i.numpy().tolist()) == {0, 1, 2, 3, 4}
    full = tf.random.stateless_uniform([3], seed=(1, 2), minval=None, maxval=None,
                                       dtype=tf.int64)
    assert full.dtype == tf.int64
    c = tf.random.stateless_categorical([[-10.0, 10.0]], 5, seed=(1, 2))
    assert c.dtype == tf.int64 and c.numpy().tolist() == [[1] * 5]


def test_seed_helpers():
    s = tf.random.split((1, 2), num=3)
    assert s.shape == (3, 2) and s.dtype == tf.int32  # the seed's dtype, as TF
    np.testing.assert_array_equal(s.numpy(), tf.random.experimental.stateless_split((1, 2),
                                                                                    3).numpy())
    f = tf.random.fold_in((1, 2), 7)
    assert f.shape == (2,) and not np.array_equal(f.numpy(), tf.random.fold_in((1, 2), 8))
    np.testing.assert_array_equal(f.numpy(), tf.random.experimental.stateless_fold_in((1, 2), 7))
    # The TF data augmentation tutorial's pattern: a seed split into new seeds.
    new_seed = tf.random.split(s[0], num=1)[0, :]
    assert tf.random.stateless_uniform([2], seed=new_seed).shape == (2,)


def test_generator_make_seeds_split_and_uniform():
    g = tf.random.Generator.from_seed(123, alg="philox")
    seeds = g.make_seeds(2)
    assert seeds.shape == (2, 2) and seeds.dtype == tf.int64
    seed = g.make_seeds(1)[:, 0]
    assert tf.random.stateless_normal([2], seed=seed).shape == (2,)
    again = tf.random.Generator.from_seed(123).make_seeds(2)
    np.testing.assert_array_equal(seeds.numpy(), again.numpy())
    children = g.split(2)
    assert len(children) == 2 and all(isinstance(c, tf.random.Generator) for c in children)
    r = g.uniform([100], maxval=10, dtype=tf.int32).numpy()
    assert r.min() >= 0 and r.max() < 10
    with pytest.raises(ValueError, match="both `None` or both non-`None`"):
        g.uniform([2], dtype=tf.int32)


def test_bad_seeds_and_arguments():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"seed must have shape \[2\], "
                                                             r"not \[3\]"):
        tf.random.stateless_uniform([2], seed=(1, 2, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"not \[\]"):
        tf.random.stateless_normal([2], seed=5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="seed must hold integers"):
        tf.random.stateless_normal([2], seed=(1.5, 2.0))
    with pytest.raises(ValueError, match="`minval` and `maxval` must be both None"):
        tf.random.stateless_uniform([2], seed=(1, 2), dtype=tf.int32)
    with pytest.raises(ValueError, match="floating"):
        tf.random.stateless_normal([2], seed=(1, 2), dtype=tf.int32)
