"""Functional graphs as the Keras guides build them: a layer called with two positional
tensors (``LogisticEndpoint(...)(targets, logits)``), a Conv1D on a time axis of unknown
length, and a metric reading ``variable.value`` as Keras 3 does."""

import numpy as np

import ember as tf
from ember import keras
from ember.keras import layers, ops


class Endpoint(layers.Layer):
    def call(self, targets, logits):
        self.add_loss(ops.mean(ops.square(targets - logits)))
        return ops.softmax(logits)


def test_layer_called_with_two_positional_tensors_trains_on_its_added_loss():
    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(4,), name="targets")
    logits = layers.Dense(4)(inputs)
    predictions = Endpoint(name="predictions")(targets, logits)
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    rng = np.random.default_rng(0)
    data = {"inputs": rng.random((16, 3)), "targets": rng.random((16, 4))}
    history = model.fit(data, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    out = model.predict(data, verbose=0)
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-5)


def test_conv1d_on_a_time_axis_of_unknown_length():
    inputs = keras.Input(shape=(None, 10))
    assert layers.MaxPooling1D(2)(inputs).shape == (None, None, 10)  # was (None, 1, 10)
    x = layers.Conv1D(3, 5)(inputs)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(2, 3)(x)
    assert x.shape == (None, None, 2)
    model = keras.Model(inputs, layers.GlobalMaxPooling1D()(x))
    assert model(np.zeros((1, 20, 10), "float32")).shape == (1, 2)


def test_variable_value_is_a_property_and_a_method():
    v = tf.Variable([1.0, 2.0])
    np.testing.assert_array_equal(v.value.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(v.value().numpy(), [1.0, 2.0])
    snapshot = v.value
    v.assign_add([1.0, 1.0])
    np.testing.assert_array_equal(snapshot.numpy(), [1.0, 2.0])  # a snapshot, as TF's
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v.value * 3.0)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [3.0, 3.0])
