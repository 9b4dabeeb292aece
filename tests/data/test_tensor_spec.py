"""tf.TensorSpec: shapes with unknown dimensions or rank, compatibility, equality."""

import numpy as np
import pytest

import ember as tf


def test_spec_shape_dtype_and_repr():
    spec = tf.TensorSpec([None, 3], tf.int32, name="ids")
    assert spec.shape == (None, 3) and spec.shape.as_list() == [None, 3]
    assert spec.dtype == tf.int32 and spec.name == "ids"
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tf.int32, name='ids')"
    assert tf.TensorSpec(()) == tf.TensorSpec([], tf.float32)
    assert tf.TensorSpec((2,)) != tf.TensorSpec((2,), tf.float64)
    assert len({tf.TensorSpec((2,)), tf.TensorSpec((2,))}) == 1


def test_unknown_rank_fits_everything_and_relaxes():
    spec = tf.TensorSpec(shape=None, dtype=tf.float32)
    assert repr(spec) == "TensorSpec(shape=<unknown>, dtype=tf.float32, name=None)"
    assert spec.shape.rank is None
    assert spec.is_compatible_with(np.zeros((2, 5, 1), np.float32))
    with pytest.raises(ValueError, match="unknown TensorShape"):
        spec.shape.as_list()
    known = tf.TensorSpec((4, 2))
    assert known.most_specific_compatible_shape(tf.TensorSpec((4, 3))) == (4, None)
    assert known.most_specific_compatible_shape(tf.TensorSpec((4,))).rank is None
    ds = tf.data.Dataset.from_generator(lambda: iter([np.zeros(2, np.float32)]),
                                        output_types=tf.float32)
    assert ds.element_spec == spec
    assert ds.batch(2).element_spec == spec


def test_bad_shape_is_refused():
    with pytest.raises(TypeError, match="shape"):
        tf.TensorSpec("3x4")
