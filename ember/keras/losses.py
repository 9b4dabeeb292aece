"""Loss functions and ``Loss`` classes (``keras.losses``): how wrong the predictions are.

Each function returns one loss per sample (reduced over the last axis where Keras does);
a ``Loss`` object reduces those to the scalar that training minimises. The default
reduction, 'sum_over_batch_size', is Keras 3's: ``Σ loss·sample_weight / number of losses``.

    mean_squared_error:   mean((y - ŷ)²)
    binary_crossentropy:  mean(-[y·log ŷ + (1-y)·log(1-ŷ)])
    categorical_crossentropy:         -Σ y·log ŷ
    sparse_categorical_crossentropy:  -log ŷ[label]

Everything that must be differentiable is written in Ember ops, so ``GradientTape`` sees
it. Probabilities are clipped to [ε, 1-ε] (ε = ``keras.backend.epsilon()`` = 1e-7); when
the predictions come from a softmax or sigmoid that kept its logits
(``y_pred._keras_logits``), the cross-entropies use the exact fused "with logits" form
instead, as Keras's TensorFlow backend does.

Where Ember differs from Keras 3, deliberately: a float64 ``y_pred`` Tensor is not cast
to float32 (so float64 checks are exact), integer labels are never turned into floats,
and sample weights of lower rank than the losses broadcast over the trailing axes.
"""

from __future__ import annotations

import difflib
import inspect
import warnings

import numpy as np

from ember import ops
from ember.keras import backend as K
from ember.tensor import Tensor

# ---------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------


class Reduction:
    """TF 2's names for the reductions (``tf.keras.losses.Reduction.SUM``, ...)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
    MEAN = "mean"
    MEAN_WITH_SAMPLE_WEIGHT = "mean_with_sample_weight"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE, cls.MEAN,
                cls.MEAN_WITH_SAMPLE_WEIGHT)

    @classmethod
    def validate(cls, key):
        standardize_reduction(key)


_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    """Checks a reduction name; TF 2's 'auto' means 'sum_over_batch_size'."""
    if reduction == "auto":
        return "sum_over_batch_size"
    if reduction not in _REDUCTIONS:
        raise ValueError("Invalid value for argument `reduction`. Expected one of "
                         f"{list(_REDUCTIONS)}. Received: reduction={reduction!r}")
    return reduction


def _shape(x):
    return x._value.shape if isinstance(x, Tensor) else np.shape(x)


def _reshape(x, shape):
    """Reshapes a Tensor (keeping its ``_keras_logits`` in step) or an array."""
    if not isinstance(x, Tensor):
        return np.reshape(x, shape)
    out = ops.reshape(x, shape)
    logits = x._keras_logits
    if logits is not None:
        if not isinstance(logits, Tensor):
            logits = logits.get()
        out._keras_logits = ops.reshape(logits, shape)
        out._keras_activation = x._keras_activation
    return out


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeezes or expands a trailing size-1 axis when the ranks differ by exactly one.

    (B,) with (B, 1) gives (B, 1) and (B, 1); (B, T, 1) with (B, T) gives (B, T) twice.
    """
    s1, s2 = _shape(x1), _shape(x2)
    r1, r2 = len(s1), len(s2)
    if r1 == r2 + 1 and s1[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _reshape(x2, tuple(s2) + (1,))
        else:
            x1 = _reshape(x1, tuple(s1[:-1]))
    elif r2 == r1 + 1 and s2[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _reshape(x1, tuple(s1) + (1,))
        else:
            x2 = _reshape(x2, tuple(s2[:-1]))
    return x1, x2


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sums the (already weighted) losses, then divides as ``reduction`` says."""
    shape = values._value.shape
    if reduction is None or reduction == "none" or shape == () or shape == (0,):
        return values
    if reduction == "sum":
        return ops.reduce_sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        total = float(np.sum(sample_weight._value if isinstance(sample_weight, Tensor)
                             else sample_weight))
        return ops.multiply(ops.reduce_sum(values), 1.0 / total if total else 0.0)
    return ops.reduce_mean(values)  # Σ / number of elements


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size"):
    """Weights the per-sample losses by ``sample_weight`` (and ``mask``), then reduces them."""
    reduction = standardize_reduction(reduction)
    values = values if isinstance(values, Tensor) else K._float_tensor(values)
    if mask is not None:
        m = np.asarray(mask, dtype=values._value.dtype)
        if reduction in ("mean", "sum_over_batch_size"):
            # Σ(loss·m·total/valid)/total = Σ(loss·m)/valid: the mean over valid entries.
            valid = m.sum()
            m = m * (m.size / valid) if valid else m * 0
        if sample_weight is None:
            sample_weight = m
        else:
            sw = np.asarray(sample_weight._value if isinstance(sample_weight, Tensor)
                            else sample_weight, dtype=values._value.dtype)
            m, sw = squeeze_or_expand_to_same_rank(m, sw)
            sample_weight = sw * m
    if sample_weight is not None:
        sw = K._like(sample_weight, values)
        values, sw = squeeze_or_expand_to_same_rank(values, sw)
        if sw.ndim < values.ndim:
            sw = ops.reshape(sw, tuple(sw._value.shape) + (1,) * (values.ndim - sw.ndim))
        try:
            values = ops.multiply(values, sw)
        except ValueError:
            raise ValueError(f"sample_weight of shape {tuple(sw.shape)} does not fit the losses "
                             f"of shape {tuple(values.shape)}: give one weight per sample, "
                             f"shape ({values._value.shape[0]},).") from None
        sample_weight = sw
    return reduce_values(values, sample_weight, reduction)


# ---------------------------------------------------------------------------------------
# The base classes
# ---------------------------------------------------------------------------------------


class Loss:
    """Base class of losses: ``call(y_true, y_pred)`` gives per-sample losses, ``__call__``
    weights and reduces them to a scalar.

    Args:
        name: the loss's name (default: the class name in snake_case).
        reduction: 'sum_over_batch_size' (default: Σ loss·w / number of losses), 'sum',
            'mean' (the same as 'sum_over_batch_size'), 'mean_with_sample_weight'
            (Σ loss·w / Σ w), or 'none'/None (no reduction).
        dtype: the float type used for non-tensor inputs (default ``backend.floatx()``).

    Subclass it and implement ``call``::

        class MeanSquaredError(Loss):
            def call(self, y_true, y_pred):
                return tf.reduce_mean(tf.square(y_pred - y_true), axis=-1)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or K.auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtype or K.floatx()

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss: a scalar tensor (per-sample losses with reduction 'none')."""
        if not isinstance(y_pred, Tensor):
            y_pred = K._float_tensor(np.asarray(y_pred, dtype=self._dtype)
                                     if not isinstance(y_pred, np.ndarray) else y_pred)
        elif y_pred._value.dtype.kind != "f":
            y_pred = ops.cast(y_pred, self._dtype)
        y_true = self._convert_true(y_true, y_pred)
        losses = self.call(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight, self._mask(y_true, y_pred),
                                      self.reduction)

    def _convert_true(self, y_true, y_pred):
        # Keras converts targets to the loss's dtype; y_pred's keeps float64 checks exact.
        return K._like(y_true, y_pred)

    def _mask(self, y_true, y_pred):
        return None

    def call(self, y_true, y_pred):
        """The per-sample losses; subclasses implement it."""
        raise TypeError(f"{type(self).__name__} must implement `call(y_true, y_pred)`.")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` made from a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Before calling ``fn`` it aligns the ranks of ``y_true`` and ``y_pred`` when they differ
    by a trailing axis of size 1 (labels of shape (B,) against predictions (B, 1)).
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def _convert_true(self, y_true, y_pred):
        # Labels stay as they are (integer class indices stay integers); fn converts.
        if isinstance(y_true, (Tensor, np.ndarray)):
            return y_true
        return np.asarray(y_true)

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _mask(self, y_true, y_pred):
        # Samples labelled ``ignore_class`` count neither in the sum nor in the batch size.
        ignore = self._fn_kwargs.get("ignore_class")
        if ignore is None or self.fn is not sparse_categorical_crossentropy:
            return None
        labels = y_true._value if isinstance(y_true, Tensor) else np.asarray(y_true)
        if labels.ndim == y_pred.ndim and labels.ndim and labels.shape[-1] == 1:
            labels = labels.reshape(labels.shape[:-1])
        return labels != ignore

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, " \
               f"kwargs={self._fn_kwargs})>"


# ---------------------------------------------------------------------------------------
# Per-sample loss functions
# ---------------------------------------------------------------------------------------


def _pair(y_true, y_pred):
    """(y_true, y_pred) as tensors of y_pred's float dtype with matching ranks."""
    y_pred = K._float_tensor(y_pred)
    y_true = K._like(y_true, y_pred)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    """mean((y - ŷ)²) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.reduce_mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y - ŷ|) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.reduce_mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 · mean(|y - ŷ| / max(|y|, ε)) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred),
                              ops.maximum(ops.abs(y_true), K.epsilon())))
    return ops.multiply(ops.reduce_mean(diff, axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(ŷ, ε) + 1) - log(max(y, ε) + 1))²) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = K.epsilon()
    first = ops.log(ops.add(ops.maximum(y_pred, eps), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, eps), 1.0))
    return ops.reduce_mean(ops.square(ops.subtract(first, second)), axis=-1)


def _l2_normalize(x, axis):
    # Keras's x · min(1/‖x‖, 1/ε), written so a zero vector gets a zero (not NaN) gradient.
    eps = K.epsilon()
    sq = ops.reduce_sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(sq, eps * eps)))


def cosine_similarity(y_true, y_pred, axis=-1):
    """-Σ (y/‖y‖)·(ŷ/‖ŷ‖) along ``axis``: -1 when they point the same way, 0 if orthogonal."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.negative(ops.reduce_sum(
        ops.multiply(_l2_normalize(y_true, axis), _l2_normalize(y_pred, axis)), axis=axis))


def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of ½e² where |e| ≤ δ, else δ|e| - ½δ² (e = ŷ - y)."""
    y_true, y_pred = _pair(y_true, y_pred)
    delta = float(delta)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(ops.square(error), 0.5)
    linear = ops.subtract(ops.multiply(abs_error, delta), 0.5 * delta * delta)
    return ops.reduce_mean(ops.where(ops.less_equal(abs_error, delta), quadratic, linear),
                           axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(ŷ - y))) over the last axis, as x + softplus(-2x) - log 2 (no overflow)."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    return ops.reduce_mean(
        ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), float(np.log(2.0))),
        axis=-1)


def kl_divergence(y_true, y_pred):
    """Σ y·log(y/ŷ) over the last axis, both clipped to [ε, 1]."""
    y_pred = K._float_tensor(y_pred)
    y_true = K._like(y_true, y_pred)
    eps = K.epsilon()
    y_true = ops.clip_by_value(y_true, eps, 1.0)
    y_pred = ops.clip_by_value(y_pred, eps, 1.0)
    return ops.reduce_sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    """mean(ŷ - y·log(ŷ + ε)) over the last axis."""
    y_pred = K._float_tensor(y_pred)
    y_true = K._like(y_true, y_pred)
    return ops.reduce_mean(
        ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, K.epsilon())))),
        axis=-1)


def convert_binary_labels_to_hinge(y_true):
    """Labels in {0, 1} become {-1, 1}; other labels are returned unchanged."""
    v = y_true._value
    if np.all((v == 0) | (v == 1)):
        return Tensor._wrap((2 * v - 1).astype(v.dtype))
    return y_true


def hinge(y_true, y_pred):
    """mean(max(1 - y·ŷ, 0)) over the last axis; labels in {0, 1} are taken as {-1, 1}."""
    y_pred = K._float_tensor(y_pred)
    y_true = convert_binary_labels_to_hinge(K._like(y_true, y_pred))
    return ops.reduce_mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0),
                           axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y·ŷ, 0)²) over the last axis; labels in {0, 1} are taken as {-1, 1}."""
    y_pred = K._float_tensor(y_pred)
    y_true = convert_binary_labels_to_hinge(K._like(y_true, y_pred))
    return ops.reduce_mean(
        ops.square(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(neg - pos + 1, 0) with pos = Σ y·ŷ and neg = max((1 - y)·ŷ)."""
    y_pred = K._float_tensor(y_pred)
    y_true = K._like(y_true, y_pred)
    pos = ops.reduce_sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.reduce_max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over ``axis`` of -[y·log ŷ + (1-y)·log(1-ŷ)].

    Args:
        y_true: labels in [0, 1] (any numeric dtype), shaped like ``y_pred``.
        y_pred: probabilities, or logits with ``from_logits=True``.
        from_logits: whether ``y_pred`` holds logits (default False).
        label_smoothing: in [0, 1]; labels become y·(1 - s) + s/2 (default 0).
        axis: the axis the mean runs over (default -1).
    """
    y_pred = K._float_tensor(y_pred)
    y_true = K._like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    bce = K._binary_crossentropy(y_true, y_pred, from_logits, "binary_crossentropy")
    return ops.reduce_mean(bce, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by (1 - p_t)^γ (Lin et al., 2018), mean over ``axis``."""
    y_pred = K._float_tensor(y_pred)
    y_true = K._like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = K._binary_crossentropy(y_true, y_pred, False, "binary_focal_crossentropy")
    p_t = ops.add(ops.multiply(y_true, y_pred),
                  ops.multiply(ops.subtract(1.0, y_true), ops.subtract(1.0, y_pred)))
    focal = ops.multiply(ops.pow(ops.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha),
                         ops.multiply(ops.subtract(1.0, y_true), 1.0 - alpha))
        focal = ops.multiply(weight, focal)
    return ops.reduce_mean(focal, axis=axis)


def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type "
                         f"{type(axis)}")


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-Σ y·log ŷ over ``axis`` (labels one-hot, the same shape as ``y_pred``).

    Args:
        y_true: one-hot (or soft) labels. For integer labels use
            ``sparse_categorical_crossentropy``.
        y_pred: probabilities, or logits with ``from_logits=True``.
        from_logits: whether ``y_pred`` holds logits (default False).
        label_smoothing: in [0, 1]; labels become y·(1 - s) + s/num_classes (default 0).
        axis: the class axis (default -1).
    """
    _check_axis(axis)
    y_pred = K._float_tensor(y_pred)
    y_true = K._like(y_true, y_pred)
    if y_pred.ndim and y_pred._value.shape[-1] == 1:
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be "
                      "(batch_size, num_classes) with num_classes > 1. Received: "
                      f"y_pred.shape={tuple(y_pred.shape)}. Consider using "
                      "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning,
                      stacklevel=2)
    if label_smoothing:
        num_classes = y_true._value.shape[-1]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing),
                         label_smoothing / num_classes)
    return K._categorical_crossentropy(y_true, y_pred, from_logits, axis,
                                       "categorical_crossentropy")


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Σ α·(1 - ŷ)^γ · (-y·log ŷ) over ``axis`` (Lin et al., 2018)."""
    _check_axis(axis)
    y_pred = K._float_tensor(y_pred)
    y_true = K._like(y_true, y_pred)
    K._check_same_shape("categorical_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        num_classes = y_true._value.shape[-1]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing),
                         label_smoothing / num_classes)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    eps = K.epsilon()
    out = ops.divide(y_pred, ops.reduce_sum(y_pred, axis=axis, keepdims=True))
    out = ops.clip_by_value(out, eps, 1.0 - eps)
    cce = ops.negative(ops.multiply(y_true, ops.log(out)))
    weight = ops.multiply(ops.pow(ops.subtract(1.0, out), float(gamma)), alpha)
    return ops.reduce_sum(ops.multiply(weight, cce), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """-log ŷ[label] per sample, from integer labels (one fused op on the logits).

    Args:
        y_true: integer class indices of shape (B,) or (B, 1) (floats holding integers work).
        y_pred: probabilities of shape (B, num_classes), or logits with ``from_logits=True``.
        from_logits: whether ``y_pred`` holds logits (default False).
        ignore_class: a label value whose samples get loss 0 (e.g. -1 or 255 for "void").
        axis: the class axis (default -1).

    Raises:
        InvalidArgumentError: a label outside [0, num_classes).
        ValueError: y_true of a shape that does not fit (e.g. one-hot labels).
    """
    y_pred = K._float_tensor(y_pred)
    labels = y_true._value if isinstance(y_true, Tensor) else np.asarray(y_true)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
    res = K._sparse_categorical_crossentropy(labels, y_pred, from_logits, axis,
                                             "sparse_categorical_crossentropy")
    if valid is not None:
        valid = valid.reshape(res._value.shape)
        res = ops.where(valid, res, ops.zeros_like(res))
    return res


# ---------------------------------------------------------------------------------------
# Loss classes
# ---------------------------------------------------------------------------------------


class MeanSquaredError(LossFunctionWrapper):
    """mean((y - ŷ)²): the regression loss."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """mean(|y - ŷ|)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """100 · mean(|y - ŷ| / |y|)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """mean((log(ŷ + 1) - log(y + 1))²)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class CosineSimilarity(LossFunctionWrapper):
    """-Σ (y/‖y‖)·(ŷ/‖ŷ‖) along ``axis`` (default -1)."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "axis": self.axis}


class Huber(LossFunctionWrapper):
    """½e² for |e| ≤ δ, δ|e| - ½δ² beyond (``delta`` default 1.0)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta

    def get_config(self):
        return {**Loss.get_config(self), "delta": self.delta}


class LogCosh(LossFunctionWrapper):
    """mean(log(cosh(ŷ - y)))."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class Hinge(LossFunctionWrapper):
    """mean(max(1 - y·ŷ, 0)), labels in {-1, 1} (or {0, 1}, converted)."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class SquaredHinge(LossFunctionWrapper):
    """mean(max(1 - y·ŷ, 0)²)."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class CategoricalHinge(LossFunctionWrapper):
    """max(neg - pos + 1, 0) with pos = Σ y·ŷ and neg = max((1 - y)·ŷ)."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class KLDivergence(LossFunctionWrapper):
    """Σ y·log(y/ŷ): how far ŷ is from the distribution y."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class Poisson(LossFunctionWrapper):
    """mean(ŷ - y·log ŷ)."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy for 0/1 labels: -[y·log ŷ + (1-y)·log(1-ŷ)].

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities (default False).
        label_smoothing: in [0, 1]; squeezes labels towards 0.5 (default 0).
        axis: the axis the mean runs over (default -1).
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy scaled by (1 - p_t)^γ, focusing on hard examples."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.apply_class_balancing = apply_class_balancing
        self.alpha, self.gamma = alpha, gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis,
                "apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                "gamma": self.gamma}


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels: -Σ y·log ŷ.

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities (default False).
        label_smoothing: in [0, 1]; labels become y·(1 - s) + s/num_classes (default 0).
        axis: the class axis (default -1).
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy scaled by α·(1 - ŷ)^γ, focusing on hard examples."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.alpha, self.gamma = alpha, gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis,
                "alpha": self.alpha, "gamma": self.gamma}


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer labels: -log ŷ[label].

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities (default False).
        ignore_class: a label value to leave out (its samples count neither in the sum nor in
            the number of samples), e.g. -1 or 255 for a "void" class.
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class}


# ---------------------------------------------------------------------------------------
# Aliases, look-up and (de)serialisation
# ---------------------------------------------------------------------------------------

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber
bce = BCE = binary_crossentropy

_FUNCTIONS = (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, kl_divergence, poisson,
    hinge, squared_hinge, categorical_hinge, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
)
_CLASSES = (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
)
ALL_OBJECTS = set(_FUNCTIONS) | set(_CLASSES)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in (*_FUNCTIONS, *_CLASSES)}
ALL_OBJECTS_DICT.update({
    "mse": mse, "MSE": mse, "mae": mae, "MAE": mae, "mape": mape, "MAPE": mape,
    "msle": msle, "MSLE": msle, "kld": kld, "KLD": kld,
    "kullback_leibler_divergence": kl_divergence, "logcosh": log_cosh, "huber_loss": huber,
    "bce": bce, "BCE": bce,
})


def _unknown(kind, identifier, names):
    msg = f"Could not interpret {kind} identifier: {identifier!r}."
    if isinstance(identifier, str):
        lowered = {}
        for n in sorted(names, key=lambda n: n != n.lower()):  # prefer 'mse' to 'MSE'
            lowered.setdefault(n.lower(), n)
        close = difflib.get_close_matches(identifier.lower(), list(lowered), n=1, cutoff=0.6)
        if close:
            msg += f" Did you mean '{lowered[close[0]]}'?"
        else:
            msg += f" Known names include: {', '.join(sorted(n for n in names if n.islower()))}."
    return ValueError(msg)


def serialize(loss):
    """A loss as a config dict (Keras 3's layout); a string stays a string."""
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    if inspect.isfunction(loss):
        return {"module": "keras.losses", "class_name": "function", "config": loss.__name__,
                "registered_name": "function"}
    raise ValueError(f"Cannot serialize loss {loss!r}: expected a Loss instance, a loss "
                     "function or a name.")


def deserialize(name, custom_objects=None):
    """The loss function or ``Loss`` instance that ``serialize`` described."""
    objects = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    if isinstance(name, str):
        if name not in objects:
            raise _unknown("loss", name, objects)
        obj = objects[name]
        return obj() if inspect.isclass(obj) else obj
    if isinstance(name, dict):
        class_name, config = name.get("class_name"), name.get("config")
        if class_name == "function":
            return deserialize(config, custom_objects)
        cls = objects.get(class_name)
        if cls is None or not inspect.isclass(cls):
            raise _unknown("loss", class_name, [k for k, v in objects.items()
                                                if inspect.isclass(v)])
        return cls.from_config(config or {})
    raise ValueError(f"Could not interpret serialized loss: {name!r}")


def get(identifier):
    """The loss for ``identifier``: a name, a config dict, a function or a ``Loss``.

    Snake-case names give the function ('mse' -> ``mean_squared_error``); class names give
    an instance ('SparseCategoricalCrossentropy'). An unknown name raises a ValueError that
    suggests the closest known one.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            raise _unknown("loss", identifier, ALL_OBJECTS_DICT)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Expected a loss "
                     "name, a function, a Loss instance or a config dict.")


def is_binary_or_sparse_categorical(y_true, y_pred):
    """(is_binary, is_sparse_categorical) from the shapes, as Keras 3's compile decides."""
    ts, ps = _shape(y_true), _shape(y_pred)
    t_last = ts[-1] if len(ts) else None
    p_last = ps[-1] if len(ps) else None
    is_binary = p_last == 1
    is_sparse = len(ts) < len(ps) or (t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def _object_name(obj):
    if hasattr(obj, "name") and isinstance(obj.name, str):
        return obj.name
    if hasattr(obj, "__name__"):
        return obj.__name__
    return K.to_snake_case(type(obj).__name__)


def get_loss(identifier, y_true=None, y_pred=None):
    """The ``Loss`` object ``compile(loss=identifier)`` trains with (Keras 3's rules).

    'crossentropy'/'ce' pick binary, sparse or categorical cross-entropy from the shapes of
    ``y_true``/``y_pred`` (needed only then). A function is wrapped in a
    ``LossFunctionWrapper`` named after the identifier the user gave.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        if y_true is None or y_pred is None:
            raise ValueError(f"loss={identifier!r} is resolved from the shapes of the labels "
                             "and predictions: pass y_true and y_pred.")
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            loss_obj = binary_crossentropy
        elif is_sparse:
            loss_obj = sparse_categorical_crossentropy
        else:
            loss_obj = categorical_crossentropy
    else:
        loss_obj = get(identifier)
    if not isinstance(loss_obj, Loss):
        name = identifier if isinstance(identifier, str) else _object_name(loss_obj)
        loss_obj = LossFunctionWrapper(loss_obj, name=name)
    return loss_obj
