"""NumPy scalars as layer arguments (``Dense(np.max(y) + 1)``): accepted as Keras 2 did,
and stored as Python numbers so configs stay plain JSON."""

import json

import numpy as np
import pytest

from ember import keras
from ember.keras import layers

i = np.int64


@pytest.mark.parametrize("make, shape, out", [
    (lambda: layers.Dense(units=i(8)), (2, 3), (2, 8)),
    (lambda: layers.Conv2D(i(4), i(3), strides=i(1)), (1, 6, 6, 1), (1, 4, 4, 4)),
    (lambda: layers.Conv2D(4, (i(3), np.int32(3))), (1, 6, 6, 1), (1, 4, 4, 4)),
    (lambda: layers.MaxPooling2D(i(2)), (1, 4, 4, 1), (1, 2, 2, 1)),
    (lambda: layers.UpSampling2D(i(2)), (1, 2, 2, 1), (1, 4, 4, 1)),
    (lambda: layers.ZeroPadding2D(i(1)), (1, 2, 2, 1), (1, 4, 4, 1)),
    (lambda: layers.Reshape((i(2), i(2))), (3, 4), (3, 2, 2)),
    (lambda: layers.GroupNormalization(groups=i(2)), (2, 4), (2, 4)),
    (lambda: layers.Dropout(np.float32(0.5)), (2, 4), (2, 4)),
])
def test_numpy_scalars_are_accepted(make, shape, out):
    layer = make()
    assert layer(np.ones(shape, "float32")).shape == out
    json.dumps(layer.get_config())  # Python numbers, not NumPy scalars


def test_numpy_sizes_from_data_as_course_code_computes_them():
    y = np.array([0, 3, 1, 2])
    num_classes = np.max(y) + 1
    layer = layers.Dense(num_classes, activation="softmax")
    assert type(layer.units) is int and layer.units == 4
    mha = layers.MultiHeadAttention(num_heads=np.int32(2), key_dim=i(4))
    x = np.ones((1, 3, 8), "float32")
    assert mha(x, x).shape == (1, 3, 8)
    vec = layers.TextVectorization(max_tokens=i(20), output_sequence_length=i(5))
    vec.adapt(["a b c"])
    assert vec(["a b"]).shape == (1, 5)
    assert keras.Input(shape=(i(4),)).shape == (None, 4)


def test_bad_values_are_still_refused():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(i(-3))
    with pytest.raises(ValueError, match="units"):
        layers.Dense(np.float64(2.5))
