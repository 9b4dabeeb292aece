"""Regression losses: squared, absolute, percentage, logarithmic, cosine, Huber, log-cosh.

    mean_squared_error:  mean((y - ŷ)²) over the last axis
    mean_absolute_error: mean(|y - ŷ|)
    huber:               ½e² where |e| ≤ δ, else δ|e| - ½δ²  (e = ŷ - y)
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.keras.losses.convert import cast_like, float_tensor
from ember.keras.losses.loss import LossFunctionWrapper, loss_function
from ember.keras.losses.loss import squeeze_or_expand_to_same_rank as _align
from ember.keras.settings import epsilon


def _pair(y_true, y_pred):
    """(y_true, y_pred) as tensors of y_pred's float dtype with matching ranks."""
    y_pred = float_tensor(y_pred)
    return _align(cast_like(y_true, y_pred), y_pred)


@loss_function
def mean_squared_error(y_true, y_pred):
    """mean((y - ŷ)²) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.reduce_mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


@loss_function
def mean_absolute_error(y_true, y_pred):
    """mean(|y - ŷ|) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.reduce_mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


@loss_function
def mean_absolute_percentage_error(y_true, y_pred):
    """100 · mean(|y - ŷ| / max(|y|, ε)) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred),
                              ops.maximum(ops.abs(y_true), epsilon())))
    return ops.multiply(ops.reduce_mean(diff, axis=-1), 100.0)


@loss_function
def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(ŷ, ε) + 1) - log(max(y, ε) + 1))²) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = epsilon()
    first = ops.log(ops.add(ops.maximum(y_pred, eps), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, eps), 1.0))
    return ops.reduce_mean(ops.square(ops.subtract(first, second)), axis=-1)


def _l2_normalize(x, axis):
    # Keras's x · min(1/‖x‖, 1/ε), written so a zero vector gets a zero (not NaN) gradient.
    eps = epsilon()
    sq = ops.reduce_sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(sq, eps * eps)))


@loss_function
def cosine_similarity(y_true, y_pred, axis=-1):
    """-Σ (y/‖y‖)·(ŷ/‖ŷ‖) along ``axis``: -1 when they point the same way, 0 if orthogonal."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.negative(ops.reduce_sum(
        ops.multiply(_l2_normalize(y_true, axis), _l2_normalize(y_pred, axis)), axis=axis))


@loss_function
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


@loss_function
def log_cosh(y_true, y_pred):
    """mean(log(cosh(ŷ - y))) over the last axis, as x + softplus(-2x) - log 2 (no overflow)."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    return ops.reduce_mean(
        ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), float(np.log(2.0))),
        axis=-1)


class MeanSquaredError(LossFunctionWrapper):
    """mean((y - ŷ)²): the regression loss."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_squared_error", dtype: str | None = None):
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """mean(|y - ŷ|)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_absolute_error", dtype: str | None = None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """100 · mean(|y - ŷ| / |y|)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_absolute_percentage_error", dtype: str | None = None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """mean((log(ŷ + 1) - log(y + 1))²)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_squared_logarithmic_error", dtype: str | None = None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class CosineSimilarity(LossFunctionWrapper):
    """-Σ (y/‖y‖)·(ŷ/‖ŷ‖) along ``axis`` (default -1)."""

    def __init__(self, axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str = "cosine_similarity", dtype: str | None = None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class Huber(LossFunctionWrapper):
    """½e² for |e| ≤ δ, δ|e| - ½δ² beyond (``delta`` default 1.0)."""

    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size",
                 name: str = "huber_loss", dtype: str | None = None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """mean(log(cosh(ŷ - y)))."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "log_cosh",
                 dtype: str | None = None):
        super().__init__(log_cosh, reduction, name, dtype)
