"""Hinge losses (margin classifiers): labels in {-1, 1}, or {0, 1} converted."""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.keras.losses.convert import cast_like, float_tensor
from ember.keras.losses.loss import LossFunctionWrapper, loss_function
from ember.tensor import as_array, convert_to_tensor


def convert_binary_labels_to_hinge(y_true):
    """Labels in {0, 1} become {-1, 1}; other labels are returned unchanged."""
    v = as_array(y_true)
    if np.all((v == 0) | (v == 1)):
        return convert_to_tensor((2 * v - 1).astype(v.dtype))
    return y_true


def _margin(y_true, y_pred):
    """max(1 - y·ŷ, 0) with y in {-1, 1}."""
    y_pred = float_tensor(y_pred)
    y_true = convert_binary_labels_to_hinge(cast_like(y_true, y_pred))
    return ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)


@loss_function
def hinge(y_true, y_pred):
    """mean(max(1 - y·ŷ, 0)) over the last axis; labels in {0, 1} are taken as {-1, 1}."""
    return ops.reduce_mean(_margin(y_true, y_pred), axis=-1)


@loss_function
def squared_hinge(y_true, y_pred):
    """mean(max(1 - y·ŷ, 0)²) over the last axis; labels in {0, 1} are taken as {-1, 1}."""
    return ops.reduce_mean(ops.square(_margin(y_true, y_pred)), axis=-1)


@loss_function
def categorical_hinge(y_true, y_pred):
    """max(neg - pos + 1, 0) with pos = Σ y·ŷ and neg = max((1 - y)·ŷ)."""
    y_pred = float_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    pos = ops.reduce_sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.reduce_max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


class Hinge(LossFunctionWrapper):
    """mean(max(1 - y·ŷ, 0)), labels in {-1, 1} (or {0, 1}, converted)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "hinge",
                 dtype: str | None = None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(LossFunctionWrapper):
    """mean(max(1 - y·ŷ, 0)²)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "squared_hinge", dtype: str | None = None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(LossFunctionWrapper):
    """max(neg - pos + 1, 0) with pos = Σ y·ŷ and neg = max((1 - y)·ŷ)."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_hinge", dtype: str | None = None):
        super().__init__(categorical_hinge, reduction, name, dtype)
