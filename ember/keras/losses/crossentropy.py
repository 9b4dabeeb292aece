"""The cross-entropies: the Keras backend's elementwise forms, the loss functions, the classes.

The backend forms (``keras.backend.binary_crossentropy`` etc.) are written as Keras 3's
TensorFlow backend writes them (``keras/src/backend/tensorflow/nn.py``):

    binary:      -[t·log(o) + (1-t)·log(1-o)],        o clipped to [ε, 1-ε]
    categorical: -Σ t·log(o / Σo),                     clipped to [ε, 1-ε] after normalising
    sparse:      -log softmax(log(clip(o)))[label]     (one fused op)

ε is ``keras.backend.epsilon()`` (1e-7), raised to the type's machine epsilon in float16
where 1e-7 is not representable (see ``convert.clip_epsilon``). When ``output`` is the
result of a softmax/sigmoid that kept its logits (``output._keras_logits``), the exact
"with logits" form is used instead, as TF does.
"""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from ember import ops
from ember.errors import InvalidArgumentError
from ember.keras.losses.convert import (
    cast_like,
    check_same_shape,
    clip_epsilon,
    float_tensor,
    shape_of,
)
from ember.keras.losses.loss import MEAN_FORMS, LossFunctionWrapper, loss_function
from ember.keras.losses.loss import squeeze_or_expand_to_same_rank as _align
from ember.ops import nn as _nn
from ember.tensor import Tensor, as_array

# ---------------------------------------------------------------------------------------
# Logits kept on a softmax/sigmoid output
# ---------------------------------------------------------------------------------------


def _logits_of(output: Tensor, kind: str):
    """The logits kept on a softmax/sigmoid output (``_keras_logits``), or None.

    They are trusted only if ``output`` really is ``kind`` of them, checked on the first row:
    a softmax output fed to binary cross-entropy (a common slip) must not silently be scored
    as if it were a sigmoid.
    """
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return None
    if not isinstance(logits, Tensor):
        logits = logits.get()
    if output._keras_activation == kind:
        return logits  # made by Ember's own sigmoid/softmax: no need to check the numbers
    o, z = as_array(output), as_array(logits)
    if o.shape != z.shape or o.size == 0:
        return None
    first = (0,) * (o.ndim - 1) if o.ndim else ()
    o0, z0 = np.atleast_1d(o[first]), np.atleast_1d(z[first])
    n = o0.shape[0]
    if n > 32:  # NumPy pays off only on long rows; short ones are cheaper in plain Python
        z0 = z0.astype(np.float64)
        if kind == "sigmoid":
            ref = 0.5 * (1.0 + np.tanh(0.5 * z0))
        else:
            e = np.exp(z0 - z0.max())
            ref = e / e.sum()
        ok = float(np.max(np.abs(o0 - ref) - 1e-3 * np.abs(ref))) <= 1e-5
    else:
        zs, os_ = z0.tolist(), o0.tolist()
        if kind == "sigmoid":
            ref = [0.5 * (1.0 + math.tanh(0.5 * v)) for v in zs]
        else:
            top = builtins.max(zs)
            e = [math.exp(v - top) for v in zs]
            total = builtins.sum(e)
            ref = [v / total for v in e]
        ok = builtins.all(builtins.abs(a - b) <= 1e-5 + 1e-3 * b for a, b in zip(os_, ref))
    return logits if ok else None


def _get_logits(output, from_logits, kind, fn_name):
    logits = _logits_of(output, kind)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(f"`{fn_name}` received `from_logits=True`, but the `output` argument was "
                      f"produced by a {kind} activation and thus does not represent logits. "
                      "Was this intended?", stacklevel=3)
    return logits, True


def _clip_probabilities(output: Tensor) -> Tensor:
    eps = clip_epsilon(as_array(output).dtype)
    return ops.clip_by_value(output, eps, 1.0 - eps)


# ---------------------------------------------------------------------------------------
# The backend forms (``keras.backend.*_crossentropy``)
# ---------------------------------------------------------------------------------------


def backend_binary_crossentropy(target, output, from_logits=False,
                                fn_name="binary_crossentropy"):
    """Elementwise -[t·log(o) + (1-t)·log(1-o)], with o clipped to [ε, 1-ε].

    Args:
        target: labels in [0, 1], the same shape as ``output``.
        output: probabilities (or logits with ``from_logits=True``).
        from_logits: whether ``output`` holds logits (default False).
        fn_name: the function named in error messages.

    Returns:
        A tensor of the same shape as ``output``.
    """
    output = float_tensor(output)
    target = cast_like(target, output)
    check_same_shape(fn_name, target, output)
    output, from_logits = _get_logits(output, from_logits, "sigmoid", fn_name)
    if from_logits:
        return _nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    o = _clip_probabilities(output)
    bce = ops.add(ops.multiply(target, ops.log(o)),
                  ops.multiply(ops.subtract(1.0, target), ops.log(ops.subtract(1.0, o))))
    return ops.negative(bce)


def backend_categorical_crossentropy(target, output, from_logits=False, axis=-1,
                                     fn_name="categorical_crossentropy"):
    """-Σ t·log(o) over ``axis``, with o normalised to sum to 1 and clipped to [ε, 1-ε].

    Args:
        target: one-hot (or soft) labels, the same shape as ``output``.
        output: probabilities (or logits with ``from_logits=True``).
        from_logits: whether ``output`` holds logits (default False).
        axis: the class axis (default -1).
        fn_name: the function named in error messages.

    Returns:
        A tensor with ``axis`` removed.
    """
    output = float_tensor(output)
    target = cast_like(target, output)
    if output.ndim < 1:
        raise ValueError(f"{fn_name}: y_pred (output) must be at least rank 1. Received: "
                         f"output.shape={tuple(output.shape)}")
    check_same_shape(fn_name, target, output)
    output, from_logits = _get_logits(output, from_logits, "softmax", fn_name)
    if from_logits:
        return _nn.softmax_cross_entropy_with_logits(labels=target, logits=output, axis=axis)
    o = _clip_probabilities(ops.divide(output, ops.reduce_sum(output, axis=axis, keepdims=True)))
    return ops.negative(ops.reduce_sum(ops.multiply(target, ops.log(o)), axis=axis))


def _sparse_labels(target, output_shape, fn_name) -> np.ndarray:
    labels = as_array(target)
    n = len(output_shape)
    if labels.ndim == n and n and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.shape != tuple(output_shape[:-1]):
        ts = tuple(shape_of(target))
        advice = (f"It expects one integer class index per sample: y_true of shape "
                  f"{tuple(output_shape[:-1])} or {tuple(output_shape[:-1]) + (1,)}.")
        if len(ts) == n and ts == tuple(output_shape):
            advice += (" Your labels look one-hot encoded: use loss='categorical_crossentropy' "
                       "(or convert them with np.argmax(y, axis=-1)).")
        raise ValueError(f"{fn_name}: y_true (target) has shape {ts} but y_pred (output) has "
                         f"shape {tuple(output_shape)}. {advice}")
    return labels


def backend_sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1,
                                            fn_name="sparse_categorical_crossentropy"):
    """-log p[label] per sample: one fused softmax cross-entropy op on the logits.

    With probabilities (``from_logits=False``), the logits are log(clip(o, ε, 1-ε)).

    Args:
        target: integer class indices, shape ``output.shape[:-1]`` (or with a trailing 1).
        output: probabilities (or logits with ``from_logits=True``), classes on ``axis``.
        from_logits: whether ``output`` holds logits (default False).
        axis: the class axis (default -1).
        fn_name: the function named in error messages.

    Returns:
        A tensor of shape ``target``'s (without the trailing 1).

    Raises:
        InvalidArgumentError: a label outside [0, number of classes).
        ValueError: shapes that do not fit.
    """
    output = float_tensor(output)
    if output.ndim < 1:
        raise ValueError(f"{fn_name}: y_pred (output) must be at least rank 1. Received: "
                         f"output.shape={tuple(output.shape)}")
    if axis not in (-1, output.ndim - 1):
        perm = [i for i in range(output.ndim) if i != axis % output.ndim] + [axis % output.ndim]
        output = ops.transpose(output, perm)
    labels = _sparse_labels(target, shape_of(output), fn_name)
    output, from_logits = _get_logits(output, from_logits, "softmax", fn_name)
    if not from_logits:
        output = ops.log(_clip_probabilities(output))
    try:
        return _nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=output)
    except InvalidArgumentError as e:
        raise InvalidArgumentError(
            str(e).replace("sparse_softmax_cross_entropy_with_logits", fn_name)) from None


# ---------------------------------------------------------------------------------------
# The loss functions (``keras.losses.*_crossentropy``)
# ---------------------------------------------------------------------------------------


def _smooth_binary(y_true, label_smoothing):
    if not label_smoothing:
        return y_true
    return ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)


def _smooth_categorical(y_true, label_smoothing):
    if not label_smoothing:
        return y_true
    num_classes = shape_of(y_true)[-1]
    return ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)


@loss_function
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over ``axis`` of -[y·log ŷ + (1-y)·log(1-ŷ)].

    Args:
        y_true: labels in [0, 1] (any numeric dtype), shaped like ``y_pred``.
        y_pred: probabilities, or logits with ``from_logits=True``.
        from_logits: whether ``y_pred`` holds logits (default False).
        label_smoothing: in [0, 1]; labels become y·(1 - s) + s/2 (default 0).
        axis: the axis the mean runs over (default -1).
    """
    y_pred = float_tensor(y_pred)
    y_true, y_pred = _align(cast_like(y_true, y_pred), y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    bce = backend_binary_crossentropy(y_true, y_pred, from_logits, "binary_crossentropy")
    return ops.reduce_mean(bce, axis=axis)


@loss_function
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by (1 - p_t)^γ (Lin et al., 2018), mean over ``axis``."""
    y_pred = float_tensor(y_pred)
    y_true, y_pred = _align(cast_like(y_true, y_pred), y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = backend_binary_crossentropy(y_true, y_pred, False, "binary_focal_crossentropy")
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


@loss_function
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
    y_pred = float_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    if y_pred.ndim and shape_of(y_pred)[-1] == 1:
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be "
                      "(batch_size, num_classes) with num_classes > 1. Received: "
                      f"y_pred.shape={tuple(y_pred.shape)}. Consider using "
                      "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning,
                      stacklevel=2)
    y_true = _smooth_categorical(y_true, label_smoothing)
    return backend_categorical_crossentropy(y_true, y_pred, from_logits, axis,
                                            "categorical_crossentropy")


@loss_function
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Σ α·(1 - ŷ)^γ · (-y·log ŷ) over ``axis`` (Lin et al., 2018)."""
    _check_axis(axis)
    y_pred = float_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    check_same_shape("categorical_focal_crossentropy", y_true, y_pred)
    y_true = _smooth_categorical(y_true, label_smoothing)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    out = _clip_probabilities(ops.divide(y_pred, ops.reduce_sum(y_pred, axis=axis,
                                                                keepdims=True)))
    cce = ops.negative(ops.multiply(y_true, ops.log(out)))
    weight = ops.multiply(ops.pow(ops.subtract(1.0, out), float(gamma)), alpha)
    return ops.reduce_sum(ops.multiply(weight, cce), axis=axis)


@loss_function
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
    y_pred = float_tensor(y_pred)
    labels = as_array(y_true)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
    res = backend_sparse_categorical_crossentropy(labels, y_pred, from_logits, axis,
                                                  "sparse_categorical_crossentropy")
    if valid is not None:
        valid = valid.reshape(shape_of(res))
        res = ops.where(valid, res, ops.zeros_like(res))
    return res


def _sparse_categorical_crossentropy_mean(y_true, y_pred, from_logits=False,
                                          ignore_class=None, axis=-1):
    """The batch mean of ``sparse_categorical_crossentropy`` as one fused op (its registered
    mean form, see ``loss.MEAN_FORMS``), or None where only the general path applies: a
    softmax output (or logits) of shape (batch, classes), no ``ignore_class``."""
    if ignore_class is not None or axis not in (-1, 1) or y_pred.ndim != 2:
        return None
    logits = _logits_of(y_pred, "softmax")
    if logits is None:
        if not from_logits:
            return None
        logits = y_pred
    elif from_logits:
        return None  # the general path warns about it
    if as_array(logits).dtype not in (np.float32, np.float64):
        return None
    labels = _sparse_labels(y_true, shape_of(y_pred), "sparse_categorical_crossentropy")
    try:
        return _nn.sparse_softmax_cross_entropy_mean(labels, logits)
    except InvalidArgumentError as e:
        raise InvalidArgumentError(str(e).replace("sparse_softmax_cross_entropy_with_logits",
                                                  "sparse_categorical_crossentropy")) from None


MEAN_FORMS[sparse_categorical_crossentropy] = _sparse_categorical_crossentropy_mean


# ---------------------------------------------------------------------------------------
# Loss classes
# ---------------------------------------------------------------------------------------


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy for 0/1 labels: -[y·log ŷ + (1-y)·log(1-ŷ)].

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities (default False).
        label_smoothing: in [0, 1]; squeezes labels towards 0.5 (default 0).
        axis: the axis the mean runs over (default -1).
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "binary_crossentropy", dtype: str | None = None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy scaled by (1 - p_t)^γ, focusing on hard examples."""

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str = "binary_focal_crossentropy", dtype: str | None = None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels: -Σ y·log ŷ.

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities (default False).
        label_smoothing: in [0, 1]; labels become y·(1 - s) + s/num_classes (default 0).
        axis: the class axis (default -1).
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_crossentropy", dtype: str | None = None):
        super().__init__(categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy scaled by α·(1 - ŷ)^γ, focusing on hard examples."""

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_focal_crossentropy", dtype: str | None = None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer labels: -log ŷ[label].

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities (default False).
        ignore_class: a label value to leave out (its samples count neither in the sum nor in
            the number of samples), e.g. -1 or 255 for a "void" class.
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "sparse_categorical_crossentropy", dtype: str | None = None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class)
