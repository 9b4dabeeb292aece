"""tape.explain: the seed's perceptron on real numbers, checked against tape.gradient."""

import numpy as np
import pytest

import ember as tf


def _perceptron():
    """The seed's student: W = [3, -2], w0 = 1, x = (4 lectures, 2 hours), passed (y = 1)."""
    layer = tf.keras.layers.Dense(1, activation="sigmoid")
    layer.build((None, 2))
    layer.set_weights([np.array([[3.0], [-2.0]], "float32"), np.array([1.0], "float32")])
    return layer


def test_perceptron_reads_as_the_seed_writes_it_and_matches_gradient():
    layer = _perceptron()
    w, w0 = layer.kernel, layer.bias
    x = tf.constant([[4.0, 2.0]])
    y = tf.constant([[1.0]])
    with tf.GradientTape() as tape:
        y_hat = layer(x)
        L = -(y * tf.math.log(y_hat) + (1 - y) * tf.math.log(1 - y_hat))
    e = tape.explain(L, [w, w0], names={"x": x, "y": y, "y_hat": y_hat, "L": L,
                                        "z": y_hat._keras_logits, "w": w, "w0": w0},
                     verbose=False)
    text = e.text
    assert "z = w₀ + w₁·x₁ + w₂·x₂ = 1 + 3·4 + (-2)·2 = 9" in text
    assert "ŷ = σ(z) = σ(9) = 0.99988" in text
    assert "∂L/∂z = ŷ·(1 - ŷ)·∂L/∂ŷ" in text
    assert "∂L/∂w₁ = x₁·∂L/∂z = 4·(-0.00012338) = -0.00049353" in text
    assert "∂L/∂w₀ = ∂L/∂z" in text
    # ∂L/∂z, as the op rules computed it, is ŷ - y.
    dz = [r for r in e.records if r["phase"] == "backward" and r["name"] == "z"]
    assert len(dz) == 1
    np.testing.assert_allclose(dz[0]["value"], y_hat.numpy() - y.numpy(), rtol=1e-3)
    # explain leaves the (non-persistent) tape usable: its numbers are gradient's.
    gw, gw0 = tape.gradient(L, [w, w0])
    np.testing.assert_array_equal(e.gradients[0].numpy(), gw.numpy())
    np.testing.assert_array_equal(e.gradients[1].numpy(), gw0.numpy())
    final = {r["name"]: r["value"] for r in e.records if r["phase"] == "gradient"}
    np.testing.assert_array_equal(final["w"], gw.numpy())


def test_names_default_to_the_callers_local_variables(capsys):
    w = tf.Variable([3.0, -2.0], name="w")
    x = tf.constant([4.0, 2.0])
    with tf.GradientTape() as tape:
        product = w * x
        total = tf.reduce_sum(product)
    e = tape.explain(total, w)
    printed = capsys.readouterr().out
    assert printed.strip() == e.text.strip()
    assert "product = w·x = [12, -4]" in e.text
    assert "total = Σ product = 8" in e.text
    np.testing.assert_array_equal(e.gradients[0].numpy(), [4.0, 2.0])


def test_two_layer_mlp_gradients_equal_tapes():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(8, activation="relu", input_shape=(5,)),
        tf.keras.layers.Dense(3, activation="softmax"),
    ])
    x = np.random.default_rng(0).normal(size=(16, 5)).astype("float32")
    y = np.arange(16) % 3
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    with tf.GradientTape(persistent=True) as tape:
        loss = loss_fn(y, model(x))
    e = tape.explain(loss, model.trainable_variables, verbose=False)
    grads = tape.gradient(loss, model.trainable_variables)
    assert len(e.gradients) == 4
    for ours, theirs in zip(e.gradients, grads):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    # Each backward record is one rule's output: the records for a weight add up to its
    # gradient.
    kernel = model.trainable_variables[0]
    name = e.records[-4]["name"]
    parts = [r["value"] for r in e.records if r["phase"] == "backward" and r["name"] == name]
    np.testing.assert_allclose(sum(parts), grads[0].numpy(), rtol=1e-6)
    assert kernel.shape == (5, 8)
    # Large tensors are summarised, never printed in full.
    assert "shape (16, 8), mean" in e.text
    assert len(e.text.splitlines()) < 40


def test_unconnected_source_and_ember_explain_finds_the_tape():
    a = tf.Variable(2.0, name="a")
    b = tf.Variable(5.0, name="b")
    with tf.GradientTape() as tape:
        c = a * a
    e = tf.explain(c, [a, b], verbose=False)
    assert "c = a·a = 2·2 = 4" in e.text
    assert "∂c/∂a += " in e.text  # a is used twice: the two paths add up
    assert e.gradients[0].numpy() == 4.0 and e.gradients[1] is None
    assert "∂c/∂b = None" in e.text
    assert tape.gradient(c, a).numpy() == 4.0


def test_empty_tape_says_what_to_watch():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    with pytest.raises(ValueError, match="tape.watch"):
        tape.explain(y, x)


def test_used_tape_says_to_explain_first():
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = v * 3.0
    tape.gradient(y, v)
    with pytest.raises(RuntimeError, match="before tape.gradient"):
        tape.explain(y, v)


def test_huge_computation_is_summarised_with_the_number_skipped():
    v = tf.Variable(1.0, name="v")
    with tf.GradientTape() as tape:
        y = v
        for _ in range(300):
            y = y * 1.001
    e = tape.explain(y, v, verbose=False, max_ops=20)
    assert e.ops == 300 and e.skipped == 2 * 280
    assert "280 ops skipped" in e.text
    assert len(e.text.splitlines()) < 60
    assert sum(r["phase"] == "forward" for r in e.records) == 300
    np.testing.assert_allclose(e.gradients[0].numpy(), 1.001 ** 300, rtol=1e-4)


def test_an_op_without_a_written_formula_is_still_explained_by_its_rule():
    a = tf.Variable(np.arange(6, dtype="float32").reshape(2, 3), name="a")
    b = tf.Variable(np.ones((3, 2), "float32"), name="b")
    with tf.GradientTape(persistent=True) as tape:
        c = tf.einsum("ij,jk->ik", a, b)
        s = tf.reduce_sum(tf.nn.softplus(c))
    e = tape.explain(s, [a, b], verbose=False)
    assert "c = Einsum(a, b)" in e.text
    assert "∂s/∂a = the Einsum rule applied to ∂s/∂c" in e.text
    for ours, theirs in zip(e.gradients, tape.gradient(s, [a, b])):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_keras_loss_path_shows_the_paths_adding_up_to_y_hat_minus_y():
    # Keras's binary cross-entropy on a sigmoid output works on the logits z; z is used
    # four times in that formula, and its four gradients add up to ŷ - y.
    layer = _perceptron()
    x = tf.constant([[4.0, 2.0]])
    y = tf.constant([[0.0]])
    with tf.GradientTape() as tape:
        y_hat = layer(x)
        loss = tf.keras.losses.binary_crossentropy(y, y_hat)
    z = y_hat._keras_logits
    e = tape.explain(loss, layer.kernel, names={"z": z, "x": x, "y": y, "y_hat": y_hat,
                                                "L": loss, "w": layer.kernel,
                                                "w0": layer.bias}, verbose=False)
    assert "∂L/∂z = 0 + 0 + (-0.00012339) + 1 = 0.99988  (z was used 4 times" in e.text
    assert "where(True, 1, 0)" in e.text
    np.testing.assert_array_equal(e.gradients[0].numpy(),
                                  tape.gradient(loss, layer.kernel).numpy())


def test_conv_layer_gradients_equal_tapes():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 2)),
        tf.keras.layers.MaxPooling2D(2),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(3, activation="softmax"),
    ])
    x = np.random.default_rng(0).normal(size=(5, 8, 8, 2)).astype("float32")
    y = np.array([0, 1, 2, 1, 0])
    with tf.GradientTape() as tape:
        loss = tf.keras.losses.sparse_categorical_crossentropy(y, model(x))
    e = tape.explain(loss, model.trainable_variables, verbose=False)
    assert "Conv2D" in e.text and "⊛" in e.text
    assert "shape (5, 6, 6, 4), mean" in e.text  # the feature maps, summarised
    for ours, theirs in zip(e.gradients, tape.gradient(loss, model.trainable_variables)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
