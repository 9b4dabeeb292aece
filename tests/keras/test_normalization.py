"""Normalization layers against their formulas, PyTorch and Keras's weight layout."""

import numpy as np
import pytest

import ember as tf
from ember.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    from ember.keras import naming
    naming.reset()
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
    # Keras 3's build turns axis=-1 into [-1], and its get_config then says [-1].
    assert cfg["axis"] == [-1] and cfg["epsilon"] == 1e-3 and cfg["center"] and cfg["scale"]
    assert layers.LayerNormalization().get_config()["axis"] == -1  # before build
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


# -- BatchNormalization --------------------------------------------------------------------

def test_batch_norm_weights_in_keras_order_and_trainability():
    bn = layers.BatchNormalization()
    bn(_rng.standard_normal((4, 5, 5, 3)).astype(np.float32))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    assert bn.count_params() == 12
    cfg = bn.get_config()
    assert (cfg["momentum"], cfg["epsilon"], cfg["axis"]) == (0.99, 1e-3, -1)
    assert layers.BatchNormalization.from_config(cfg).momentum == 0.99


def test_batch_norm_inference_is_the_formula_with_moving_statistics():
    x = _rng.standard_normal((6, 4, 3)).astype(np.float32)
    bn = layers.BatchNormalization()
    bn.build(x.shape)
    g, b = _rng.standard_normal(3), _rng.standard_normal(3)
    mm, mv = _rng.standard_normal(3), _rng.uniform(0.5, 2, 3)
    bn.set_weights([g, b, mm, mv])
    want = g * (x - mm) / np.sqrt(mv + 1e-3) + b
    for y in (bn(x), bn(x, training=False)):
        np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm, rtol=1e-6)  # untouched


def test_batch_norm_training_call_uses_batch_stats_and_updates_moving_ones():
    x = (_rng.standard_normal((8, 5, 2)) * 3 + 1).astype(np.float32)
    bn = layers.BatchNormalization(momentum=0.9)
    y = bn(x, training=True).numpy()
    mean, var = x.mean(axis=(0, 1)), x.var(axis=(0, 1))  # biased variance, as Keras
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    bn.trainable = False  # Keras 3: a frozen BatchNormalization runs in inference mode
    before = bn.moving_mean.numpy().copy()
    bn(x, training=True)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)


def test_batch_norm_moving_statistics_after_fit_follow_keras_rule():
    x = (_rng.standard_normal((40, 3)) * 2 + 5).astype(np.float32)
    y = np.zeros((40, 3), np.float32)
    model = tf.keras.Sequential([tf.keras.Input((3,)), layers.BatchNormalization()])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.0), loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    mm, mv = np.zeros(3), np.ones(3)
    for _ in range(2):
        for i in range(0, 40, 8):
            batch = x[i:i + 8].astype(np.float64)
            mm = mm * 0.99 + batch.mean(0) * 0.01
            mv = mv * 0.99 + batch.var(0) * 0.01
    bn = model.layers[-1]
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), mv, rtol=1e-5)
    # predict and evaluate run in inference mode: they leave the statistics alone
    model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm, rtol=1e-5)


def test_batch_norm_training_matches_torch_forward_and_backward():
    torch = pytest.importorskip("torch")
    x = _rng.standard_normal((6, 5, 4, 3)).astype(np.float32)
    g, b = _rng.standard_normal(3).astype(np.float32), _rng.standard_normal(3).astype(np.float32)
    u = _rng.standard_normal(x.shape).astype(np.float32)
    bn = layers.BatchNormalization(epsilon=1e-5, momentum=0.9)
    bn.build(x.shape)
    bn.set_weights([g, b, np.zeros(3), np.ones(3)])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = bn(xt, training=True)
    gx, gg, gb = tape.gradient(y, [xt, bn.gamma, bn.beta], output_gradients=tf.constant(u))
    tx = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    tg, tb = torch.tensor(g, requires_grad=True), torch.tensor(b, requires_grad=True)
    rm, rv = torch.zeros(3), torch.ones(3)
    ty = torch.nn.functional.batch_norm(tx, rm, rv, tg, tb, training=True, momentum=0.1,
                                        eps=1e-5)
    ty.backward(torch.tensor(u.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy().transpose(0, 2, 3, 1),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gx.numpy(), tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(gg.numpy(), tg.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gb.numpy(), tb.grad.numpy(), rtol=1e-4, atol=1e-4)
    # torch keeps the unbiased variance in its running average; Keras the biased one
    np.testing.assert_allclose(bn.moving_mean.numpy(), rm.numpy(), rtol=1e-5, atol=1e-6)
    n = x.size // 3
    np.testing.assert_allclose(bn.moving_variance.numpy(),
                               0.9 + (rv.numpy() - 0.9) * (n - 1) / n, rtol=1e-5)


def test_batch_norm_gradients_by_central_differences_and_channels_first():
    import sys
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1] / "core"))
    from gradcheck import check
    x = _rng.standard_normal((4, 3, 2))
    bn = layers.BatchNormalization(axis=1, dtype="float64")
    bn.build(x.shape)
    bn.set_weights([np.array([1.5, -0.5, 2.0]), np.array([0.1, 0.2, 0.3]), np.zeros(3),
                    np.ones(3)])

    def ref(xv):
        mean, var = xv.mean(axis=(0, 2), keepdims=True), xv.var(axis=(0, 2), keepdims=True)
        return (np.array([1.5, -0.5, 2.0])[:, None] * (xv - mean) / np.sqrt(var + 1e-3)
                + np.array([0.1, 0.2, 0.3])[:, None])
    check(lambda t: bn(t, training=True), [x], ref=ref, rtol=1e-5, atol=1e-7)


def test_batch_norm_in_a_cnn_trains_and_predicts_in_inference_mode():
    tf.keras.utils.set_random_seed(2)
    x = _rng.standard_normal((64, 8, 8, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.int64)
    model = tf.keras.Sequential([
        tf.keras.Input((8, 8, 1)), layers.Conv2D(4, 3, use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(), layers.Flatten(),
        layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    h = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert np.isfinite(h.history["loss"]).all()
    p1, p2 = model.predict(x[:5], verbose=0), model.predict(x[:5], verbose=0)
    np.testing.assert_array_equal(p1, p2)
    assert len(model.non_trainable_weights) == 2


# -- GroupNormalization ---------------------------------------------------------------------

def test_group_norm_matches_torch():
    torch = pytest.importorskip("torch")
    x = _rng.standard_normal((3, 5, 4, 6)).astype(np.float32)
    gn = layers.GroupNormalization(groups=3, epsilon=1e-5)
    gn.build(x.shape)
    g, b = _rng.standard_normal(6).astype(np.float32), _rng.standard_normal(6).astype(np.float32)
    gn.set_weights([g, b])
    u = _rng.standard_normal(x.shape).astype(np.float32)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = gn(xt)
    gx, gg = tape.gradient(y, [xt, gn.gamma], output_gradients=tf.constant(u))
    tx = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
    tg, tb = torch.tensor(g, requires_grad=True), torch.tensor(b)
    ty = torch.nn.functional.group_norm(tx, 3, tg, tb, 1e-5)
    ty.backward(torch.tensor(u.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(gx.numpy(), tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(gg.numpy(), tg.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_group_norm_checks_groups():
    with pytest.raises(ValueError, match="groups=0"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="multiple"):
        layers.GroupNormalization(groups=4)(np.ones((2, 6), np.float32))
    inst = layers.GroupNormalization(groups=-1)
    inst(np.ones((2, 3, 6), np.float32))
    assert inst.groups == 6 and [w.shape for w in inst.weights] == [(6,), (6,)]


@pytest.mark.tensorflow
def test_batch_norm_fit_matches_keras_weights_and_moving_statistics():
    keras = pytest.importorskip("keras")
    x = (_rng.standard_normal((48, 6, 6, 2)) * 2 + 1).astype(np.float32)
    y = _rng.standard_normal((48, 3)).astype(np.float32)

    def build(lib):
        model = lib.Sequential([lib.Input((6, 6, 2)), lib.layers.Conv2D(4, 3),
                                lib.layers.BatchNormalization(momentum=0.9),
                                lib.layers.GlobalAveragePooling2D(), lib.layers.Dense(3)])
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse")
        return model
    ours, theirs = build(tf.keras), build(keras)
    theirs.set_weights(ours.get_weights())
    ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)
