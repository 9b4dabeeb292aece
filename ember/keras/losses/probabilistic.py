"""Losses between distributions and counts: KL divergence and Poisson."""

from __future__ import annotations

from ember import ops
from ember.keras.losses.convert import cast_like, float_tensor
from ember.keras.losses.loss import LossFunctionWrapper, loss_function
from ember.keras.settings import epsilon


@loss_function
def kl_divergence(y_true, y_pred):
    """Σ y·log(y/ŷ) over the last axis, both clipped to [ε, 1]."""
    y_pred = float_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    eps = epsilon()
    y_true = ops.clip_by_value(y_true, eps, 1.0)
    y_pred = ops.clip_by_value(y_pred, eps, 1.0)
    return ops.reduce_sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


@loss_function
def poisson(y_true, y_pred):
    """mean(ŷ - y·log(ŷ + ε)) over the last axis."""
    y_pred = float_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    return ops.reduce_mean(
        ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, epsilon())))),
        axis=-1)


class KLDivergence(LossFunctionWrapper):
    """Σ y·log(y/ŷ): how far ŷ is from the distribution y."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "kl_divergence", dtype: str | None = None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(LossFunctionWrapper):
    """mean(ŷ - y·log ŷ)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "poisson",
                 dtype: str | None = None):
        super().__init__(poisson, reduction, name, dtype)
