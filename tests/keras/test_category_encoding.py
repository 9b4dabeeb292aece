"""keras.layers.CategoryEncoding: one-hot, multi-hot and count vectors (values as Keras
3.15 gives them), and its use after a lookup layer in a functional model."""

import numpy as np
import pytest

from ember import keras
from ember.keras import layers


@pytest.mark.parametrize("mode, ids, want", [
    ("one_hot", [3, 2, 0, 1], [[0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]),
    ("one_hot", [[3], [2]], [[0, 0, 0, 1], [0, 0, 1, 0]]),
    ("one_hot", [[3, 1]], [[[0, 0, 0, 1], [0, 1, 0, 0]]]),
    ("multi_hot", [0, 1, 1], [1, 1, 0, 0]),
    ("multi_hot", [[0, 1], [0, 0], [1, 2], [3, 1]],
     [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]]),
    ("count", [[0, 1], [0, 0], [1, 2], [3, 1]],
     [[1, 1, 0, 0], [2, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]]),
])
def test_encodings_match_keras(mode, ids, want):
    out = layers.CategoryEncoding(4, mode)(ids)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(out.numpy(), want)
    assert layers.CategoryEncoding(4, mode).compute_output_shape(np.shape(ids)) == \
        np.shape(want)


def test_count_weights_and_checks():
    out = layers.CategoryEncoding(4, "count")([[0, 1], [0, 0]],
                                              count_weights=np.array([[.1, .2], [.1, .4]]))
    np.testing.assert_allclose(out.numpy(), [[0.1, 0.2, 0, 0], [0.5, 0, 0, 0]], rtol=1e-6)
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(4)([0], count_weights=[1.0])
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="output_mode"):
        layers.CategoryEncoding(3, "tf_idf")


def test_after_a_lookup_in_a_functional_model():
    index = layers.StringLookup()
    index.adapt(np.array([["cat"], ["dog"], ["cat"]]))
    encoder = layers.CategoryEncoding(num_tokens=index.vocabulary_size())
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, encoder(index(inputs)))
    assert model.output_shape == (None, 3)
    out = model.predict(np.array([["dog"], ["bird"]]), verbose=0)
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0]])
