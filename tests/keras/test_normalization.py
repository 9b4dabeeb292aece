"""Normalization layers against their formulas, PyTorch and Keras's weight layout."""

import numpy as np
import pytest

import ember as tf
from ember.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    from ember.keras.layers.layer import reset_name_counters
    reset_name_counters()
    yield


_rng = np.random.default_rng(7)


def _layer_norm_ref(x, gamma, beta, axes, eps):
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


# -- LayerNormalization ----------------------------------------------------------------

def test_layer_norm_weights_and_defaults_as_keras():
    ln = layers.LayerNormalization()
    y = ln(_rng.standard_normal((4, 6)).astype(np.float32))
    assert y.shape == (4, 6) and y.dtype == tf.float32
    assert [w.name for w in ln.weights] == ["gamma", "beta"]
    assert [tuple(w.shape) for w in ln.weights] == [(6,), (6,)]
    assert all(w.trainable for w in ln.weights)
    np.testing.assert_array_equal(ln.gamma.numpy(), np.ones(6))
    np.testing.assert_array_equal(ln.beta.numpy(), np.zeros(6))
    cfg = ln.get_config()
    assert cfg["axis"] == -1 and cfg["epsilon"] == 1e-3 and cfg["center"] and cfg["scale"]
    assert layers.LayerNormalization.from_config(cfg).epsilon == 1e-3
    assert ln.count_params() == 12


def test_layer_norm_matches_the_formula_with_learned_gamma_beta():
    x = _rng.standard_normal((3, 5, 8)).astype(np.float32) * 4 + 2
    ln = layers.LayerNormalization()
    ln.build(x.shape)
    g, b = _rng.standard_normal(8), _rng.standard_normal(8)
    ln.set_weights([g, b])
    np.testing.assert_allclose(ln(x).numpy(), _layer_norm_ref(x, g, b, [-1], 1e-3),
                               rtol=1e-5, atol=1e-5)


def test_layer_norm_over_several_axes_broadcasts_gamma():
    x = _rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    ln = layers.LayerNormalization(axis=[1, 3], epsilon=1e-5)
    ln.build(x.shape)
    assert ln.gamma.shape == (3, 5)
    g, b = _rng.standard_normal((3, 5)), _rng.standard_normal((3, 5))
    ln.set_weights([g, b])
    want = _layer_norm_ref(x, g[:, None, :], b[:, None, :], [1, 3], 1e-5)
    np.testing.assert_allclose(ln(x).numpy(), want, rtol=1e-4, atol=1e-5)


def test_layer_norm_without_center_or_scale_has_fewer_weights():
    ln = layers.LayerNormalization(center=False)
    ln(np.ones((2, 3), np.float32))
    assert [w.name for w in ln.weights] == ["gamma"]
    ln = layers.LayerNormalization(scale=False, center=False)
    x = _rng.standard_normal((2, 3)).astype(np.float32)
    y = ln(x)
    assert ln.weights == []
    np.testing.assert_allclose(y.numpy(), _layer_norm_ref(x, 1, 0, [-1], 1e-3), rtol=1e-5,
                               atol=1e-6)


def test_layer_norm_gradients_by_central_differences():
    import sys
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1] / "core"))
    from gradcheck import check
    x = _rng.standard_normal((2, 3, 4))
    g, b = _rng.standard_normal(4), _rng.standard_normal(4)
    ln = layers.LayerNormalization(dtype="float64")
    ln.build(x.shape)
    ln.set_weights([g, b])
    # gamma and beta are Variables: their gradients are checked against torch below.
    check(ln, [x], ref=lambda xv: _layer_norm_ref(xv, g, b, [-1], 1e-3), rtol=1e-5, atol=1e-7)


def test_layer_norm_matches_torch_forward_and_backward():
    torch = pytest.importorskip("torch")
    x = _rng.standard_normal((4, 7, 6)).astype(np.float32)
    g, b = _rng.standard_normal(6).astype(np.float32), _rng.standard_normal(6).astype(np.float32)
    u = _rng.standard_normal(x.shape).astype(np.float32)
    ln = layers.LayerNormalization(epsilon=1e-5)
    ln.build(x.shape)
    ln.set_weights([g, b])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = ln(xt)
    gx, gg, gb = tape.gradient(y, [xt, ln.gamma, ln.beta], output_gradients=tf.constant(u))
    tx = torch.tensor(x, requires_grad=True)
    tg, tb = torch.tensor(g, requires_grad=True), torch.tensor(b, requires_grad=True)
    ty = torch.nn.functional.layer_norm(tx, (6,), tg, tb, 1e-5)
    ty.backward(torch.tensor(u))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    for ours, theirs in ((gx, tx), (gg, tg), (gb, tb)):
        np.testing.assert_allclose(ours.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_layer_norm_bad_axis_and_rank_are_named():
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis="last")
    ln = layers.LayerNormalization(axis=3)
    with pytest.raises(ValueError, match="axis 3 is out of bounds"):
        ln(np.ones((2, 3), np.float32))


def test_layer_norm_in_a_model_trains():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((5,)), layers.Dense(8),
                                 layers.LayerNormalization(), layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
    x = _rng.standard_normal((64, 5)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    h = model.fit(x, y, epochs=30, verbose=0)
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    assert len(model.trainable_weights) == 6
