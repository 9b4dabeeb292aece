"""Masks travel on tensors: a layer that makes one, layers that pass it on, one that uses it."""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.tensor import as_array


class ZeroMask(keras.layers.Layer):
    """Marks the time steps whose features are all zero as padding (as Masking does)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, mask=None):
        return tf.reduce_any(tf.not_equal(inputs, 0.0), axis=-1)


class MaskedMean(keras.layers.Layer):
    """The mean over time of the unmasked steps; records the mask it was given."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, mask=None):
        self.seen.append(None if mask is None else mask.numpy())
        if mask is None:
            return tf.reduce_mean(inputs, axis=1)
        m = tf.expand_dims(tf.cast(mask, inputs.dtype), -1)
        return tf.reduce_sum(inputs * m, axis=1) / tf.reduce_sum(m, axis=1)


def _batch():
    x = np.arange(1, 19, dtype=np.float32).reshape(2, 3, 3)
    x[0, 2] = 0  # the first sequence is padded at its last step
    return x


def _expected(x):
    return np.stack([x[0, :2].mean(axis=0), x[1].mean(axis=0)])


@pytest.mark.parametrize("build", ["eager", "sequential", "functional"])
def test_mask_made_by_one_layer_reaches_the_consumer_through_dropout(build):
    maker, consumer = ZeroMask(), MaskedMean()
    dropout = keras.layers.Dropout(0.5)
    if build == "eager":
        def run(x):
            return consumer(dropout(maker(x)))
    elif build == "sequential":
        run = keras.Sequential([keras.Input((3, 3)), maker, dropout, consumer])
    else:
        inputs = keras.Input((3, 3))
        run = keras.Model(inputs, consumer(dropout(maker(inputs))))
    consumer.seen.clear()
    x = _batch()
    out = run(x)
    np.testing.assert_allclose(as_array(out), _expected(x), rtol=1e-6)
    np.testing.assert_array_equal(consumer.seen[-1], [[True, True, False], [True, True, True]])


def test_layers_without_masking_support_drop_the_mask():
    x = _batch()
    flat = keras.layers.Flatten()(ZeroMask()(x))
    assert flat._keras_mask is None
    assert keras.layers.Dense(2)(ZeroMask()(x))._keras_mask is not None  # Dense passes it on


def test_no_mask_means_mask_argument_stays_none():
    consumer = MaskedMean()
    consumer(_batch())
    assert consumer.seen == [None]


def test_functional_graph_records_the_mask_on_keras_tensors():
    inputs = keras.Input((3, 3))
    masked = ZeroMask()(inputs)
    assert inputs._keras_mask is None
    assert masked._keras_mask is not None and masked._keras_mask.shape == (None, 3)
    assert keras.layers.Flatten()(masked)._keras_mask is None


def test_a_keras_tensor_passed_as_mask_keyword_is_replayed_in_the_functional_model():
    values = keras.Input((3, 3))
    mask = keras.Input((3,), dtype="bool")
    consumer = MaskedMean()
    model = keras.Model([values, mask], consumer(values, mask=mask))
    x = _batch()
    out = model([x, np.array([[True, True, False], [True, True, True]])])
    np.testing.assert_allclose(out.numpy(), _expected(x), rtol=1e-6)
