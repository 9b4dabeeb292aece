"""What a model does to its inputs before the first layer, as Keras 3: the Input's dtype
is kept (a string or integer Input in a Sequential), a rank off by a trailing 1 is fixed,
and text reaches models that start with TextVectorization, in fit/evaluate/predict."""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import layers


def test_sequential_keeps_a_string_or_int_input_dtype():
    model = keras.Sequential([keras.Input(shape=(3,), dtype="int32"), layers.Embedding(10, 2)])
    assert model.inputs[0].dtype == tf.int32
    vec = layers.TextVectorization(max_tokens=10, output_sequence_length=4)
    vec.adapt(["a b c", "b c d"])
    model = keras.Sequential([keras.Input(shape=(1,), dtype="string"), vec])
    assert model.inputs[0].dtype == tf.string
    out = model.predict(np.array([["a b"], ["d"]]), verbose=0)
    np.testing.assert_array_equal(out, [[5, 3, 0, 0], [4, 0, 0, 0]])  # as TF 2.21


def test_fit_evaluate_predict_on_strings_with_text_vectorization_first():
    texts = np.array(["good fine great", "bad awful poor", "great good", "poor bad"] * 8)
    labels = np.array([1, 0, 1, 0] * 8)
    vec = layers.TextVectorization(output_sequence_length=3)
    vec.adapt(texts)
    model = keras.Sequential([vec, layers.Embedding(10, 4), layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(texts, labels, epochs=15, batch_size=8, verbose=0)
    assert model.inputs[0].dtype == tf.string
    assert model.evaluate(texts, labels, verbose=0)[1] == 1.0
    ds = tf.data.Dataset.from_tensor_slices((texts, labels)).batch(8)
    assert model.evaluate(ds, verbose=0)[1] == 1.0
    probs = model.predict(tf.constant(["fine good", "awful"]), verbose=0)
    assert probs[0, 0] > 0.5 > probs[1, 0]


def test_rank_is_adjusted_by_a_trailing_axis_of_one():
    inputs = keras.Input(shape=(1,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    assert model(np.ones(5, "float32")).shape == (5, 2)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])
    assert model(np.ones((5, 4, 1), "float32")).shape == (5, 2)
    with pytest.raises(ValueError, match="incompatible shape"):
        model(np.ones((5, 4, 2, 2), "float32"))


def test_strings_to_a_numeric_model_name_the_model_and_x():
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
    with pytest.raises(TypeError, match="strings") as e:
        model.predict(np.array([["a", "b"]]), verbose=0)
    assert "expects numeric input" in str(e.value) and model.name in str(e.value)
