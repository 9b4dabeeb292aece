"""ember.keras.backend: settings, the Keras-2 tensor functions and the cross-entropies."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ember as tf
from ember.errors import InvalidArgumentError
from ember.keras import backend as K

rng = np.random.default_rng(2)


def test_settings():
    assert K.epsilon() == 1e-7
    assert K.floatx() == "float32"
    assert K.image_data_format() == "channels_last"
    try:
        K.set_epsilon(1e-5)
        K.set_floatx("float64")
        K.set_image_data_format("channels_first")
        assert (K.epsilon(), K.floatx(), K.image_data_format()) == (
            1e-5, "float64", "channels_first")
        assert K.constant(1).dtype == tf.float64
    finally:
        K.set_epsilon(1e-7)
        K.set_floatx("float32")
        K.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="floatx"):
        K.set_floatx("int8")
    with pytest.raises(ValueError, match="channels_last"):
        K.set_image_data_format("NHWC")


def test_clear_session_resets_names():
    from ember.keras import metrics
    metrics.Precision()
    K.clear_session()
    assert metrics.Precision().name == "precision"
    assert K.get_uid("x") == 1 and K.get_uid("x") == 2
    K.clear_session()
    assert K.get_uid("x") == 1


def test_cross_entropies_match_torch():
    z = rng.normal(size=(5, 4)) * 3
    y = rng.integers(0, 4, size=5)
    p = torch.softmax(torch.tensor(z), -1).numpy()
    expect = F.cross_entropy(torch.tensor(z), torch.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(K.sparse_categorical_crossentropy(y, z, from_logits=True).numpy(),
                               expect, rtol=1e-10)
    np.testing.assert_allclose(K.sparse_categorical_crossentropy(y[:, None], p).numpy(), expect,
                               rtol=1e-6)
    np.testing.assert_allclose(K.categorical_crossentropy(np.eye(4)[y], p).numpy(), expect,
                               rtol=1e-6)
    np.testing.assert_allclose(
        K.categorical_crossentropy(np.eye(4)[y], z, from_logits=True).numpy(), expect, rtol=1e-10)
    # Class axis first.
    np.testing.assert_allclose(
        K.sparse_categorical_crossentropy(y, z.T, from_logits=True, axis=0).numpy(), expect,
        rtol=1e-10)
    t = rng.integers(0, 2, size=(5, 4)).astype(np.float64)
    bce = F.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(K.binary_crossentropy(t, z, from_logits=True).numpy(),
                               bce.numpy(), rtol=1e-10)
    sig = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(K.binary_crossentropy(t, sig).numpy(),
                               -(t * np.log(np.clip(sig, 1e-7, 1 - 1e-7))
                                 + (1 - t) * np.log(np.clip(1 - sig, 1e-7, 1 - 1e-7))),
                               rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match=r"\[0, 4\)"):
        K.sparse_categorical_crossentropy(np.array([4, 0, 0, 0, 0]), z, from_logits=True)


def test_reductions_and_elementwise():
    x = tf.constant([[1.0, -2.0], [3.0, 4.0]])
    assert K.mean(x).numpy() == 1.5
    np.testing.assert_allclose(K.mean(x, axis=1, keepdims=True).numpy(), [[-0.5], [3.5]])
    assert K.sum(x).numpy() == 6.0 and K.max(x).numpy() == 4.0 and K.min(x).numpy() == -2.0
    assert K.mean(tf.constant([True, False, True, True])).numpy() == 0.75
    np.testing.assert_allclose(K.sum(x, axis=(0, 1)).numpy(), 6.0)
    np.testing.assert_allclose(K.square(x).numpy(), x.numpy() ** 2)
    np.testing.assert_allclose(K.sqrt(x).numpy(), np.sqrt(np.maximum(x.numpy(), 0)))
    np.testing.assert_allclose(K.abs(x).numpy(), np.abs(x.numpy()))
    np.testing.assert_allclose(K.exp(x).numpy(), np.exp(x.numpy()), rtol=1e-6)
    np.testing.assert_allclose(K.log(K.abs(x)).numpy(), np.log(np.abs(x.numpy())), rtol=1e-6)
    np.testing.assert_allclose(K.clip(x, 0.0, 3.0).numpy(), [[1, 0], [3, 3]])
    np.testing.assert_allclose(K.clip(x, None, 0.0).numpy(), [[0, -2], [0, 0]])
    np.testing.assert_allclose(K.clip(x, 2.0, 1.0).numpy(), [[2, 2], [2, 2]])
    assert K.argmax(x).numpy().tolist() == [0, 1]
    assert K.cast(x, "int32").dtype == tf.int32


def test_dot_and_shapes():
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(K.dot(a, b).numpy(), a @ b)
    c, d = rng.normal(size=(2, 3, 4)), rng.normal(size=(5, 4, 6))
    out = K.dot(c, d)
    assert K.int_shape(out) == (2, 3, 5, 6)
    np.testing.assert_allclose(out.numpy(), np.tensordot(c, d, axes=[[2], [1]]))
    x = tf.constant(c)
    assert K.int_shape(x) == (2, 3, 4) and K.ndim(x) == 3
    assert K.shape(x).numpy().tolist() == [2, 3, 4]
    assert K.int_shape(K.reshape(x, (6, 4))) == (6, 4)
    assert K.int_shape(K.concatenate([x, x])) == (2, 3, 8)
    assert K.int_shape(K.concatenate([x, x], axis=0)) == (4, 3, 4)
    assert K.int_shape(K.batch_flatten(x)) == (2, 12)
    assert K.count_params(x) == 24


def test_constants_variables_and_values():
    c = K.constant([1, 2])
    assert c.dtype == tf.float32
    v = K.variable(np.ones((2, 2)))
    assert isinstance(v, tf.Variable) and v.dtype == tf.float32
    K.set_value(v, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(K.get_value(v), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(K.eval(v * 2.0), [[2, 4], [6, 8]])
    z = K.zeros((2, 3))
    assert isinstance(z, tf.Variable) and z.numpy().sum() == 0
    assert K.ones(3).numpy().tolist() == [1, 1, 1]
    with pytest.raises(TypeError, match="Variable"):
        K.set_value(c, [0, 0])


def test_random():
    a = K.random_normal((1000,), mean=2.0, stddev=0.5, seed=3)
    assert a.dtype == tf.float32 and a.shape == (1000,)
    assert abs(a.numpy().mean() - 2.0) < 0.1 and abs(a.numpy().std() - 0.5) < 0.1
    u = K.random_uniform((2, 500), minval=-1.0, maxval=1.0)
    assert u.numpy().min() >= -1 and u.numpy().max() < 1
    tf.random.set_seed(7)
    first = K.random_uniform((3,), seed=1).numpy()
    tf.random.set_seed(7)
    np.testing.assert_array_equal(first, K.random_uniform((3,), seed=1).numpy())


def test_activations():
    x = tf.constant([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(K.relu(x).numpy(), [0, 0, 0.5, 3])
    np.testing.assert_allclose(K.relu(x, alpha=0.1).numpy(), [-0.2, -0.05, 0.5, 3])
    np.testing.assert_allclose(K.relu(x, max_value=1.0).numpy(), [0, 0, 0.5, 1])
    np.testing.assert_allclose(K.relu(x, threshold=1.0).numpy(), [0, 0, 0, 3])
    np.testing.assert_allclose(K.sigmoid(x).numpy(), 1 / (1 + np.exp(-x.numpy())), rtol=1e-6)
    np.testing.assert_allclose(K.tanh(x).numpy(), np.tanh(x.numpy()), rtol=1e-6)
    s = K.softmax(tf.constant([[1.0, 2.0, 3.0]])).numpy()
    np.testing.assert_allclose(s, np.exp([[1, 2, 3]]) / np.exp([1, 2, 3]).sum(), rtol=1e-6)
    w = tf.Variable([1.0, -1.0])
    with tf.GradientTape() as tape:
        y = K.sum(K.relu(w * 2.0))
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [2.0, 0.0])


def test_shim_losses_metrics_optimizers_reach_arrays_through_the_named_api():
    """No private tensor buffer (``._value``), ``Tensor._wrap`` or private ``K._...`` here:
    arrays go through ops, ``as_array``/``numpy()`` and ``Variable.storage``."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "ember" / "keras"
    files = [root / "backend.py", root / "metrics.py", root / "settings.py",
             *(root / "losses").glob("*.py"), *(root / "optimizers").glob("*.py")]
    bad = re.compile(r"\._value\b|Tensor\._wrap|\bK\._|_tape\._recording")
    found = [f"{f.name}:{i}" for f in files
             for i, line in enumerate(f.read_text().splitlines(), 1) if bad.search(line)]
    assert len(files) > 15 and found == []
