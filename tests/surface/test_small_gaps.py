"""The small gaps teaching programs hit, each against TF 2.21 / Keras 3's documented results:
f-strings of tensors, metric objects called as functions, sliced variable assignment,
complex tensors, ``name=''``, per-output compile metrics, name scopes on variables."""

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError


def test_f_strings_of_tensors_as_tf():
    acc = tf.constant(0.87654)
    assert f"{acc:0.4f}, {acc * 100:0.2f}" == "0.8765, 87.65"
    assert f"{tf.constant(3, tf.int32):03d}" == "003"
    assert f"{tf.constant([1.5, 2.0])}" == "[1.5 2. ]"  # TF: the NumPy value's text
    assert f"{tf.constant('ab')}" == "b'ab'"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{tf.constant([1.5, 2.0]):>5}"
    assert f"{tf.Variable([1.0])}".startswith("<tf.Variable 'Variable:0' shape=(1,)")


def test_metric_objects_called_as_functions():
    loss = tf.keras.metrics.Mean(name="train_loss")
    loss(tf.constant(2.0))
    loss(4.0)
    acc = tf.keras.metrics.SparseCategoricalAccuracy()
    acc(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))
    assert f"{loss.result():0.4f} {acc.result() * 100:0.2f}" == "3.0000 50.00"


def test_sliced_variable_assignment_as_tf_strided_slice_assign():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    assert v[0, 0].assign(5.0) is v
    v[:, 1].assign([7.0, 8.0])
    np.testing.assert_array_equal(v.numpy(), [[5.0, 7.0], [3.0, 8.0]])
    v[::-1, 0].assign([0.0, 1.0])
    v[1].assign(9.0)  # broadcast over the slice
    np.testing.assert_array_equal(v.numpy(), [[1.0, 7.0], [9.0, 9.0]])
    with pytest.raises(InvalidArgumentError, match=r"input shape \[3\] into final shape \[2\]"):
        v[:, 1].assign([1.0, 2.0, 3.0])
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute 'assign'"):
        tf.constant([1.0, 2.0])[0].assign(1.0)
    with pytest.raises(AttributeError, match="assign_add"):
        v[0].assign_add([1.0, 1.0])  # TF's slices have assign only
    w = tf.Variable(np.zeros((2, 3), np.float32))
    snapshot = w[0]
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w[0] * 2.0)
    np.testing.assert_array_equal(tape.gradient(y, w).numpy(), [[2, 2, 2], [0, 0, 0]])
    w[0].assign([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(snapshot.numpy(), [0, 0, 0])  # a read stays a snapshot


def test_complex_tensors_basics():
    z = tf.constant(1 + 2j)
    assert z.dtype == tf.complex128 and z.numpy() == 1 + 2j
    c = tf.constant([1 + 2j, 3 - 1j], dtype=tf.complex64)
    assert c.dtype == tf.complex64 and c.dtype.is_complex
    np.testing.assert_allclose((c * c).numpy(), [-3 + 4j, 8 - 6j])
    np.testing.assert_allclose((c + 1.0).numpy(), [2 + 2j, 4 - 1j])
    re, im = tf.math.real(c), tf.math.imag(c)
    assert re.dtype == tf.float32 and re.numpy().tolist() == [1.0, 3.0]
    assert im.numpy().tolist() == [2.0, -1.0]
    np.testing.assert_allclose(tf.math.abs(c).numpy(), [np.sqrt(5), np.sqrt(10)], rtol=1e-6)
    assert tf.math.abs(c).dtype == tf.float32
    np.testing.assert_array_equal(tf.math.conj(c).numpy(), [1 - 2j, 3 + 1j])
    made = tf.complex(tf.constant([1.0]), tf.constant([2.0]))
    assert made.dtype == tf.complex64 and made.numpy()[0] == 1 + 2j
    assert tf.reduce_mean(c).numpy() == 2 + 0.5j
    assert tf.cast(c, tf.float32).numpy().tolist() == [1.0, 3.0]  # TF keeps the real part
    np.testing.assert_allclose(tf.math.angle(tf.constant([-1.0, 2.0])).numpy(), [np.pi, 0])
    with pytest.raises(InvalidArgumentError, match="complex64"):
        tf.constant([1.0, 2.0]) + c
    with pytest.raises(InvalidArgumentError, match="tf.complex"):
        tf.complex(tf.constant([1.0]), tf.constant([2], tf.int32))


def test_empty_names_accepted_as_keras_3_and_slash_refused():
    assert tf.keras.Model(name="").name == ""
    assert tf.keras.Sequential(name="").name == ""
    assert tf.keras.layers.Dense(2, name="").name == ""
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        tf.keras.layers.Dense(2, name="a/b")


def test_compile_metrics_one_list_per_output():
    a = tf.keras.Input((3,))
    r = tf.keras.layers.Dense(1, name="r")(a)
    c = tf.keras.layers.Dense(2, activation="softmax", name="c")(a)
    model = tf.keras.Model(a, [r, c])
    rng = np.random.default_rng(0)
    x = rng.random((16, 3)).astype("float32")
    y = [rng.random((16, 1)).astype("float32"), rng.integers(0, 2, 16)]
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics=[["mae"], ["accuracy"]])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    pr, pc = model.predict(x, verbose=0)
    assert logs["r_mae"] == pytest.approx(np.abs(pr - y[0]).mean(), rel=1e-5)
    assert logs["c_accuracy"] == pytest.approx((pc.argmax(1) == y[1]).mean())
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics={"c": ["accuracy"]})
    assert set(model.evaluate(x, y, verbose=0, return_dict=True)) >= {"c_accuracy"}
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"], metrics=[["mae"]])
    with pytest.raises(ValueError, match="1 metric lists for a model with 2 outputs"):
        model.evaluate(x, y, verbose=0)


def test_name_scopes_prefix_variable_names_as_tf():
    with tf.name_scope("a"), tf.name_scope("b"):
        assert tf.Variable(1.0, name="x").name == "a/b/x:0"
        assert tf.Variable(1.0).name == "a/b/Variable:0"
    assert tf.Variable(1.0, name="y").name == "y:0"


def test_python_floats_asked_for_as_float64_keep_their_digits():
    assert tf.constant(0.1, tf.float64).numpy() == 0.1
    assert tf.convert_to_tensor(3.14159265, dtype=tf.float64).numpy() == 3.14159265


@pytest.mark.tensorflow
def test_small_gaps_match_real_tensorflow():
    real = pytest.importorskip("tensorflow")
    for lib in (tf, real):
        v = lib.Variable([[1.0, 2.0], [3.0, 4.0]])
        v[0, 0].assign(5.0)
        v[:, 1].assign([7.0, 8.0])
        assert v.numpy().tolist() == [[5.0, 7.0], [3.0, 8.0]]
        t = lib.constant(0.87654)
        assert f"{t:0.4f} {t * 100:0.2f} {lib.constant([1.5, 2.0])}" == "0.8765 87.65 [1.5 2. ]"
        c = lib.constant([1 + 2j, 3 - 1j], dtype=lib.complex64)
        assert lib.math.real(c).numpy().tolist() == [1.0, 3.0]
        assert lib.math.abs(c).dtype == lib.float32
        with lib.name_scope("a"):
            assert lib.Variable(1.0, name="x").name == "a/x:0"


def test_multi_output_logs_each_output_loss_as_keras_3():
    a = tf.keras.Input((3,))
    model = tf.keras.Model(a, [tf.keras.layers.Dense(1, name="r")(a),
                               tf.keras.layers.Dense(2, activation="softmax", name="c")(a)])
    rng = np.random.default_rng(1)
    x = rng.random((16, 3)).astype("float32")
    y = [rng.random((16, 1)).astype("float32"), rng.integers(0, 2, 16)]
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 2.0], metrics=[["mae"], ["accuracy"]])
    history = model.fit(x, y, epochs=1, verbose=0, validation_split=0.25)
    # The key set Keras 3.15 gives for this model (checked with the TF backend).
    assert sorted(history.history) == [
        "c_accuracy", "c_loss", "loss", "r_loss", "r_mae",
        "val_c_accuracy", "val_c_loss", "val_loss", "val_r_loss", "val_r_mae"]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["r_loss"] + 2.0 * logs["c_loss"], rel=1e-5)
    pr, _ = model.predict(x, verbose=0)
    assert logs["r_loss"] == pytest.approx(((pr - y[0]) ** 2).mean(), rel=1e-5)
