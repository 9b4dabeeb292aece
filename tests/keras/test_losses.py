"""ember.keras.losses against PyTorch 2.13 (values and gradients) and closed forms."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ember as tf
from ember.errors import InvalidArgumentError
from ember.keras import backend as K
from ember.keras import losses
from ember.ops import nn as nn_ops

EPS = 1e-7
rng = np.random.default_rng(0)


def ember_value_and_grad(loss_fn, y_true, y_pred):
    """loss_fn(y_true, p) and d/dp, with p a float64 constant watched by a tape."""
    p = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(p)
        loss = loss_fn(y_true, p)
    return loss.numpy(), tape.gradient(loss, p).numpy()


def torch_value_and_grad(loss_fn, y_true, y_pred):
    p = torch.tensor(y_pred, requires_grad=True)
    loss = loss_fn(torch.as_tensor(y_true), p)
    loss.backward()
    return loss.detach().numpy(), p.grad.numpy()


def check(ember_loss, torch_loss, y_true, y_pred, tol=1e-6):
    ev, eg = ember_value_and_grad(ember_loss, y_true, y_pred)
    tv, tg = torch_value_and_grad(torch_loss, y_true, y_pred)
    np.testing.assert_allclose(ev, tv, rtol=tol, atol=tol)
    np.testing.assert_allclose(eg, tg, rtol=tol, atol=tol)


# -- data -------------------------------------------------------------------------------

B, C = 6, 4
PROBS = rng.dirichlet(np.ones(C), size=B)  # float64 rows summing to 1
LOGITS = rng.normal(size=(B, C)) * 3
LABELS = rng.integers(0, C, size=B)
ONEHOT = np.eye(C)[LABELS]
BIN_TRUE = rng.integers(0, 2, size=(B, 3)).astype(np.float64)
BIN_PROB = rng.uniform(0.05, 0.95, size=(B, 3))
REG_TRUE = rng.normal(size=(B, 3))
REG_PRED = rng.normal(size=(B, 3)) * 2
POS_TRUE = rng.uniform(0.1, 3, size=(B, 3))
POS_PRED = rng.uniform(0.1, 3, size=(B, 3))
WEIGHTS = rng.uniform(0, 2, size=B)


def t_softmax_ce(y, z, ls=0.0):
    return F.cross_entropy(z, y, label_smoothing=ls)


CASES = {
    "mse": (losses.MeanSquaredError(), lambda y, p: F.mse_loss(p, y), REG_TRUE, REG_PRED),
    "mae": (losses.MeanAbsoluteError(), lambda y, p: F.l1_loss(p, y), REG_TRUE, REG_PRED),
    "mape": (losses.MeanAbsolutePercentageError(),
             lambda y, p: 100 * ((y - p).abs() / y.abs().clamp(min=EPS)).mean(),
             REG_TRUE, REG_PRED),
    "msle": (losses.MeanSquaredLogarithmicError(),
             lambda y, p: ((p.clamp(min=EPS) + 1).log() - (y.clamp(min=EPS) + 1).log())
             .pow(2).mean(), POS_TRUE, REG_PRED),
    "huber": (losses.Huber(delta=0.7), lambda y, p: F.huber_loss(p, y, delta=0.7),
              REG_TRUE, REG_PRED),
    "log_cosh": (losses.LogCosh(), lambda y, p: torch.log(torch.cosh(p - y)).mean(),
                 REG_TRUE, REG_PRED),
    "kld": (losses.KLDivergence(),
            lambda y, p: F.kl_div(p.clamp(EPS, 1).log(), y.clamp(EPS, 1), reduction="batchmean"),
            rng.dirichlet(np.ones(C), size=B), PROBS),
    "poisson": (losses.Poisson(),
                lambda y, p: F.poisson_nll_loss(p, y, log_input=False, full=False, eps=EPS),
                POS_TRUE, POS_PRED),
    "hinge": (losses.Hinge(), lambda y, p: (1 - (2 * y - 1) * p).clamp(min=0).mean(),
              BIN_TRUE, REG_PRED),
    "squared_hinge": (losses.SquaredHinge(),
                      lambda y, p: (1 - (2 * y - 1) * p).clamp(min=0).pow(2).mean(),
                      BIN_TRUE, REG_PRED),
    "categorical_hinge": (
        losses.CategoricalHinge(),
        lambda y, p: (((1 - y) * p).amax(-1) - (y * p).sum(-1) + 1).clamp(min=0).mean(),
        ONEHOT, LOGITS),
    "cosine": (losses.CosineSimilarity(),
               lambda y, p: -F.cosine_similarity(y, p, dim=-1).mean(), REG_TRUE, REG_PRED),
    "bce_probs": (losses.BinaryCrossentropy(), lambda y, p: F.binary_cross_entropy(p, y),
                  BIN_TRUE, BIN_PROB),
    "bce_logits": (losses.BinaryCrossentropy(from_logits=True),
                   lambda y, z: F.binary_cross_entropy_with_logits(z, y), BIN_TRUE, REG_PRED),
    "bce_smoothing": (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
                      lambda y, z: F.binary_cross_entropy_with_logits(z, y * 0.8 + 0.1),
                      BIN_TRUE, REG_PRED),
    "cce_probs": (losses.CategoricalCrossentropy(),
                  lambda y, p: -(y * (p / p.sum(-1, keepdim=True)).log()).sum(-1).mean(),
                  ONEHOT, PROBS * 1.3),
    "cce_logits": (losses.CategoricalCrossentropy(from_logits=True),
                   lambda y, z: F.cross_entropy(z, y), ONEHOT, LOGITS),
    "cce_smoothing": (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
                      lambda y, z: F.cross_entropy(z, y, label_smoothing=0.1), ONEHOT, LOGITS),
    "scce_logits": (losses.SparseCategoricalCrossentropy(from_logits=True),
                    lambda y, z: F.cross_entropy(z, y), LABELS, LOGITS),
    "scce_probs": (losses.SparseCategoricalCrossentropy(),
                   lambda y, p: F.cross_entropy(p.clamp(EPS, 1 - EPS).log(), y),
                   LABELS, PROBS),
}


@pytest.mark.parametrize("name", list(CASES))
def test_loss_class_matches_torch(name):
    loss, torch_fn, y_true, y_pred = CASES[name]
    check(loss, torch_fn, y_true, y_pred)


@pytest.mark.parametrize("name", ["mse", "bce_logits", "cce_logits", "scce_logits", "huber"])
def test_sample_weight_and_reductions(name):
    loss, torch_fn, y_true, y_pred = CASES[name]
    cfg = loss.get_config()
    per_sample = type(loss).from_config({**cfg, "reduction": None})(y_true, y_pred).numpy()
    assert per_sample.shape == (B,)
    w = WEIGHTS
    for reduction, expect in [
        ("sum_over_batch_size", (per_sample * w).sum() / B),
        ("mean", (per_sample * w).sum() / B),
        ("sum", (per_sample * w).sum()),
        ("mean_with_sample_weight", (per_sample * w).sum() / w.sum()),
    ]:
        obj = type(loss).from_config({**cfg, "reduction": reduction})
        np.testing.assert_allclose(obj(y_true, y_pred, sample_weight=w).numpy(), expect,
                                   rtol=1e-10)
    none = type(loss).from_config({**cfg, "reduction": "none"})
    np.testing.assert_allclose(none(y_true, y_pred, sample_weight=w).numpy(), per_sample * w)
    # (B, 1) weights squeeze to (B,); a scalar weight scales everything.
    obj = type(loss).from_config(cfg)
    np.testing.assert_allclose(obj(y_true, y_pred, sample_weight=w[:, None]).numpy(),
                               (per_sample * w).sum() / B, rtol=1e-10)
    np.testing.assert_allclose(obj(y_true, y_pred, sample_weight=2.0).numpy(),
                               2 * per_sample.mean(), rtol=1e-10)


def test_sample_weight_gradient_matches_torch():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    w = torch.tensor(WEIGHTS)
    check(lambda y, z: loss(y, z, sample_weight=WEIGHTS),
          lambda y, z: (F.cross_entropy(z, y, reduction="none") * w).sum() / B, LABELS, LOGITS)


def test_tf2_reduction_constants():
    assert losses.Reduction.SUM == "sum" and losses.Reduction.NONE == "none"
    auto = losses.MeanSquaredError(reduction=losses.Reduction.AUTO)
    assert auto.reduction == "sum_over_batch_size"
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_functions_give_per_sample_losses():
    assert losses.mean_squared_error(REG_TRUE, REG_PRED).shape == (B,)
    assert losses.binary_crossentropy(BIN_TRUE, BIN_PROB).shape == (B,)
    assert losses.categorical_crossentropy(ONEHOT, PROBS).shape == (B,)
    assert losses.sparse_categorical_crossentropy(LABELS, PROBS).shape == (B,)
    np.testing.assert_allclose(losses.mse(REG_TRUE, REG_PRED).numpy(),
                               ((REG_TRUE - REG_PRED) ** 2).mean(-1))
    assert losses.MSE is losses.mse is losses.mean_squared_error
    assert losses.kld is losses.kullback_leibler_divergence is losses.kl_divergence
    assert losses.logcosh is losses.log_cosh and losses.huber_loss is losses.huber


def test_keras_docstring_values():
    # The values printed in Keras 3's own docstrings.
    y_true, y_pred = [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    np.testing.assert_allclose(losses.SparseCategoricalCrossentropy()(y_true, y_pred), 1.177,
                               atol=1e-3)
    np.testing.assert_allclose(
        losses.SparseCategoricalCrossentropy()(y_true, y_pred, sample_weight=[0.3, 0.7]), 0.814,
        atol=1e-3)
    np.testing.assert_allclose(
        losses.CategoricalCrossentropy(reduction="sum")([[0, 1, 0], [0, 0, 1]], y_pred), 2.354,
        atol=1e-3)
    bce = losses.BinaryCrossentropy(from_logits=True)
    z = [[-18.6, 0.51], [2.94, -12.8]]
    np.testing.assert_allclose(bce([[0, 1], [0, 0]], z), 0.8654, atol=1e-4)
    np.testing.assert_allclose(bce([[0, 1], [0, 0]], z, sample_weight=[0.8, 0.2]), 0.243,
                               atol=1e-3)
    np.testing.assert_allclose(losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).numpy()
                               .mean(), 0.155, atol=1e-3)


def test_float32_inputs_stay_float32_and_match_torch():
    z = LOGITS.astype(np.float32)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, z)
    assert loss.dtype == tf.float32
    np.testing.assert_allclose(loss.numpy(), F.cross_entropy(torch.tensor(z),
                                                             torch.tensor(LABELS)).item(),
                               rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64, np.float32, np.float64])
def test_label_dtypes(dtype):
    expect = F.cross_entropy(torch.tensor(LOGITS), torch.tensor(LABELS)).item()
    scce = losses.SparseCategoricalCrossentropy(from_logits=True)
    labels = LABELS.astype(dtype)
    for y in (labels, labels[:, None], tf.constant(labels), labels.tolist()):
        np.testing.assert_allclose(scce(y, LOGITS).numpy(), expect, rtol=1e-10)
    cce = losses.CategoricalCrossentropy(from_logits=True)
    np.testing.assert_allclose(cce(ONEHOT.astype(dtype), LOGITS).numpy(), expect, rtol=1e-10)


def test_binary_labels_of_rank_one_against_column_predictions():
    y = rng.integers(0, 2, size=B)
    p = rng.uniform(0.1, 0.9, size=(B, 1))
    expect = F.binary_cross_entropy(torch.tensor(p[:, 0]), torch.tensor(y, dtype=torch.float64))
    np.testing.assert_allclose(losses.BinaryCrossentropy()(y, p).numpy(), expect.item(),
                               rtol=1e-10)
    np.testing.assert_allclose(losses.BinaryCrossentropy()(y.astype(bool), p).numpy(),
                               expect.item(), rtol=1e-10)
    np.testing.assert_allclose(losses.MeanSquaredError()(y, p).numpy(),
                               ((y - p[:, 0]) ** 2).mean(), rtol=1e-10)


# -- clipping and the logits shortcut ---------------------------------------------------

def test_probabilities_of_exactly_zero_and_one_give_finite_loss():
    p = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    for loss, y in [(losses.BinaryCrossentropy(), np.array([[1, 1, 0], [0, 0, 0]])),
                    (losses.CategoricalCrossentropy(), np.array([[1, 0, 0], [1, 0, 0]])),
                    (losses.SparseCategoricalCrossentropy(), np.array([0, 0]))]:
        value, grad = ember_value_and_grad(loss, y, p)
        assert np.isfinite(value) and np.all(np.isfinite(grad))
    # Clipped at ε: one wrong certain prediction costs -log(ε) = 16.118.
    bce = losses.binary_crossentropy(np.array([[1.0]]), np.array([[0.0]])).numpy()
    np.testing.assert_allclose(bce, [-np.log(EPS)], rtol=1e-6)
    scce = losses.sparse_categorical_crossentropy([0], np.array([[0.0, 1.0]])).numpy()
    np.testing.assert_allclose(scce, [-np.log(EPS / (EPS + 1 - EPS))], rtol=1e-6)


def test_epsilon_setting_is_used():
    try:
        K.set_epsilon(1e-3)
        v = losses.binary_crossentropy(np.array([[1.0]]), np.array([[0.0]])).numpy()
        np.testing.assert_allclose(v, [-np.log(1e-3)], rtol=1e-6)
    finally:
        K.set_epsilon(1e-7)


def softmax_with_logits(z):
    z = tf.constant(z)
    p = nn_ops.softmax(z)
    p._keras_logits = z
    return z, p


@pytest.mark.parametrize("kind", ["sparse", "categorical"])
def test_keras_logits_shortcut(kind):
    z = np.array([[100.0, 0.0, -100.0], [1.0, 2.0, 3.0]])
    y = np.array([2, 0])
    loss = (losses.SparseCategoricalCrossentropy() if kind == "sparse"
            else losses.CategoricalCrossentropy())
    y_arg = y if kind == "sparse" else np.eye(3)[y]
    zt, p = softmax_with_logits(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        zt2, p = zt, nn_ops.softmax(zt)
        p._keras_logits = zt2
        value = loss(y_arg, p)
    grad = tape.gradient(value, zt).numpy()
    zt_torch = torch.tensor(z, requires_grad=True)
    expect = F.cross_entropy(zt_torch, torch.tensor(y))
    expect.backward()
    # Exact: 200 nats for the first sample; clipped probabilities would give 16.1.
    np.testing.assert_allclose(value.numpy(), expect.item(), rtol=1e-12)
    np.testing.assert_allclose(grad, zt_torch.grad.numpy(), rtol=1e-10, atol=1e-12)
    # The same without the logits is the clipped value.
    plain = tf.constant(p.numpy())
    assert abs(loss(y_arg, plain).numpy() - expect.item()) > 50


def test_keras_logits_shortcut_binary_and_dense_op():
    z = np.array([[30.0], [-40.0], [0.5]])
    y = np.array([0, 1, 1])
    p = tf.sigmoid(tf.constant(z))
    p._keras_logits = tf.constant(z)
    expect = F.binary_cross_entropy_with_logits(torch.tensor(z[:, 0]),
                                                torch.tensor(y, dtype=torch.float64))
    np.testing.assert_allclose(losses.BinaryCrossentropy()(y, p).numpy(), expect.item(),
                               rtol=1e-12)
    # The fused Dense op keeps its logits on a softmax output.
    x = tf.constant(rng.normal(size=(4, 3)))
    w = tf.constant(rng.normal(size=(3, 5)) * 20)
    out = nn_ops.dense(x, w, None, "softmax")
    logits = torch.tensor(x.numpy() @ w.numpy())
    labels = np.array([0, 1, 2, 3])
    np.testing.assert_allclose(
        losses.SparseCategoricalCrossentropy()(labels, out).numpy(),
        F.cross_entropy(logits, torch.tensor(labels)).item(), rtol=1e-10)


def test_softmax_logits_are_not_used_for_binary_crossentropy():
    # A softmax output scored with binary cross-entropy is scored on its probabilities.
    zt, p = softmax_with_logits(np.array([[2.0, -1.0], [0.0, 3.0]]))
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    probs = p.numpy()
    expect = -(y * np.log(probs) + (1 - y) * np.log(1 - probs)).mean(-1)
    np.testing.assert_allclose(losses.binary_crossentropy(y, p).numpy(), expect, rtol=1e-10)


def test_from_logits_true_on_a_softmax_output_warns_and_uses_the_logits():
    zt, p = softmax_with_logits(LOGITS)
    with pytest.warns(UserWarning, match="from_logits=True"):
        v = losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, p)
    np.testing.assert_allclose(v.numpy(), F.cross_entropy(torch.tensor(LOGITS),
                                                          torch.tensor(LABELS)).item(), rtol=1e-10)


# -- ignore_class -------------------------------------------------------------------------

def test_ignore_class_matches_torch_ignore_index():
    y = LABELS.copy()
    y[[1, 4]] = -1
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    check(loss, lambda yt, z: F.cross_entropy(z, yt, ignore_index=-1), y, LOGITS)
    per = losses.sparse_categorical_crossentropy(y, LOGITS, from_logits=True, ignore_class=-1)
    assert per.numpy()[1] == 0 and per.numpy()[4] == 0
    total = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                                 reduction="sum")(y, LOGITS)
    np.testing.assert_allclose(total.numpy(), per.numpy().sum())


# -- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("from_logits", [True, False])
def test_label_out_of_range(from_logits):
    y = np.array([0, 3, 10, 1])
    p = rng.dirichlet(np.ones(10), size=4)
    with pytest.raises(InvalidArgumentError) as e:
        losses.SparseCategoricalCrossentropy(from_logits=from_logits)(y, p)
    msg = str(e.value)
    assert "10" in msg and "[0, 10)" in msg and "10 units" in msg
    assert "sparse_categorical_crossentropy" in msg
    with pytest.raises(InvalidArgumentError, match=r"-1 .*\[0, 10\)"):
        losses.sparse_categorical_crossentropy(np.array([-1, 0, 0, 0]), p)


def test_one_hot_labels_to_sparse_loss_is_a_clear_error():
    y = np.eye(10)[rng.integers(0, 10, size=32)]
    p = rng.dirichlet(np.ones(10), size=32)
    with pytest.raises(ValueError) as e:
        losses.SparseCategoricalCrossentropy()(y, p)
    msg = str(e.value)
    assert "sparse_categorical_crossentropy" in msg and "(32, 10)" in msg
    assert "categorical_crossentropy'" in msg


def test_integer_labels_to_categorical_loss_is_a_clear_error():
    y = rng.integers(0, 10, size=32)
    p = rng.dirichlet(np.ones(10), size=32)
    with pytest.raises(ValueError) as e:
        losses.CategoricalCrossentropy()(y, p)
    msg = str(e.value)
    assert "categorical_crossentropy" in msg and "(32,)" in msg and "(32, 10)" in msg
    assert "sparse_categorical_crossentropy" in msg
    with pytest.raises(ValueError, match="binary_crossentropy.*sparse_categorical"):
        losses.binary_crossentropy(y, p)


def test_categorical_with_one_unit_warns():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy(np.ones((3, 1)), np.full((3, 1), 0.5))


# -- look-up and (de)serialisation ----------------------------------------------------------

def test_get():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("sparse_categorical_crossentropy") is losses.sparse_categorical_crossentropy
    assert isinstance(losses.get("SparseCategoricalCrossentropy"),
                      losses.SparseCategoricalCrossentropy)
    obj = losses.Huber(delta=2.0)
    assert losses.get(obj) is obj
    assert losses.get(None) is None
    assert isinstance(losses.get(losses.Hinge), losses.Hinge)
    fn = lambda y, p: y
    assert losses.get(fn) is fn
    cfg = {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
    assert losses.get(cfg).from_logits is True


def test_get_suggests_the_closest_name():
    with pytest.raises(ValueError) as e:
        losses.get("sparse_categorical_crossentropyy")
    assert "Could not interpret loss identifier: 'sparse_categorical_crossentropyy'" in str(e.value)
    assert "Did you mean 'sparse_categorical_crossentropy'?" in str(e.value)
    with pytest.raises(ValueError, match="Did you mean 'mean_squared_error'"):
        losses.get("mean_squared_eror")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get(42)


def test_serialize_round_trip():
    for obj in [losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3),
                losses.BinaryCrossentropy(label_smoothing=0.1, reduction="sum"),
                losses.Huber(delta=0.5), losses.CosineSimilarity(axis=0),
                losses.LossFunctionWrapper(losses.hinge, name="h")]:
        back = losses.deserialize(losses.serialize(obj))
        assert type(back) is type(obj)
        assert back.get_config() == obj.get_config()
    assert losses.deserialize(losses.serialize(losses.mse)) is losses.mean_squared_error
    assert losses.serialize("mse") == "mse"
    with pytest.raises(ValueError, match="Did you mean 'BinaryCrossentropy'"):
        losses.deserialize({"class_name": "BinaryCrossEntropy", "config": {}})


def test_get_loss_resolves_crossentropy_and_wraps_functions():
    scce = losses.get_loss("crossentropy", np.zeros(4), np.zeros((4, 10)))
    assert scce.fn is losses.sparse_categorical_crossentropy and scce.name == "crossentropy"
    assert losses.get_loss("ce", np.zeros((4, 1)), np.zeros((4, 1))).fn \
        is losses.binary_crossentropy
    assert losses.get_loss("CE", np.zeros((4, 10)), np.zeros((4, 10))).fn \
        is losses.categorical_crossentropy
    mse = losses.get_loss("mse")
    assert isinstance(mse, losses.LossFunctionWrapper) and mse.name == "mse"
    np.testing.assert_allclose(mse(REG_TRUE, REG_PRED).numpy(), ((REG_TRUE - REG_PRED) ** 2).mean())
    obj = losses.BinaryCrossentropy()
    assert losses.get_loss(obj) is obj


def test_custom_loss_subclass():
    class Scaled(losses.Loss):
        def call(self, y_true, y_pred):
            return tf.reduce_mean(tf.square(y_pred - y_true), axis=-1) * 2.0

    loss = Scaled()
    assert loss.name == "scaled"
    assert Scaled().name == "scaled_1"
    v, g = ember_value_and_grad(loss, REG_TRUE, REG_PRED)
    np.testing.assert_allclose(v, 2 * ((REG_TRUE - REG_PRED) ** 2).mean())
    np.testing.assert_allclose(g, 4 * (REG_PRED - REG_TRUE) / REG_PRED.size)
    with pytest.raises(TypeError):
        losses.Loss()(REG_TRUE, REG_PRED)


def test_ignore_class_through_a_function_wrapper():
    y = LABELS.copy()
    y[0] = 255
    wrapped = losses.LossFunctionWrapper(losses.sparse_categorical_crossentropy, from_logits=True,
                                         ignore_class=255)
    expect = F.cross_entropy(torch.tensor(LOGITS), torch.tensor(y), ignore_index=255).item()
    np.testing.assert_allclose(wrapped(y[:, None], LOGITS).numpy(), expect, rtol=1e-10)


# The loss classes are LossFunctionWrapper configured in a line: their configs and attributes.
CLASS_CONFIG_KEYS = {
    losses.MeanSquaredError: (), losses.MeanAbsoluteError: (),
    losses.MeanAbsolutePercentageError: (), losses.MeanSquaredLogarithmicError: (),
    losses.CosineSimilarity: ("axis",), losses.Huber: ("delta",), losses.LogCosh: (),
    losses.Hinge: (), losses.SquaredHinge: (), losses.CategoricalHinge: (),
    losses.KLDivergence: (), losses.Poisson: (),
    losses.BinaryCrossentropy: ("from_logits", "label_smoothing", "axis"),
    losses.BinaryFocalCrossentropy: ("apply_class_balancing", "alpha", "gamma", "from_logits",
                                     "label_smoothing", "axis"),
    losses.CategoricalCrossentropy: ("from_logits", "label_smoothing", "axis"),
    losses.CategoricalFocalCrossentropy: ("alpha", "gamma", "from_logits", "label_smoothing",
                                          "axis"),
    losses.SparseCategoricalCrossentropy: ("from_logits", "ignore_class"),
}


@pytest.mark.parametrize("cls", list(CLASS_CONFIG_KEYS), ids=lambda c: c.__name__)
def test_loss_class_config_keys_and_attributes(cls):
    obj = cls()
    cfg = obj.get_config()
    assert set(cfg) == {"name", "reduction", *CLASS_CONFIG_KEYS[cls]}
    for key in CLASS_CONFIG_KEYS[cls]:
        assert getattr(obj, key) == cfg[key]
    back = cls.from_config(cfg)
    assert back.get_config() == cfg and back.fn is obj.fn


def test_loss_function_wrapper_config_names_its_function():
    wrapper = losses.LossFunctionWrapper(losses.huber, name="h", delta=2.0)
    cfg = wrapper.get_config()
    assert cfg["fn"]["config"] == "huber" and cfg["delta"] == 2.0 and wrapper.delta == 2.0
    back = losses.LossFunctionWrapper.from_config(cfg)
    assert back.fn is losses.huber and back.get_config() == cfg
    y, p = np.array([[0.0, 3.0]]), np.array([[1.0, 0.0]])
    np.testing.assert_allclose(back(y, p).numpy(), losses.Huber(delta=2.0)(y, p).numpy())
