"""The ``Loss`` base class, ``LossFunctionWrapper`` and the reductions.

A ``Loss`` object's ``call`` gives one loss per sample; ``__call__`` weights them by
``sample_weight`` (and a mask) and reduces them to the scalar that training minimises. The
default reduction, 'sum_over_batch_size', is Keras 3's: ``Σ loss·sample_weight / number of
losses``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ember import ops
from ember.keras.losses.convert import cast_like, float_tensor, shape_of
from ember.keras.naming import auto_name
from ember.keras.settings import floatx
from ember.tensor import Tensor, as_array

# The per-sample loss functions by name, for ``LossFunctionWrapper.from_config`` and
# ``keras.losses.get``. Each function module files its functions with ``@loss_function``.
LOSS_FUNCTIONS: dict[str, Callable] = {}


def loss_function(fn: Callable) -> Callable:
    """Files ``fn`` under its name in ``LOSS_FUNCTIONS``; use it right above the function."""
    LOSS_FUNCTIONS[fn.__name__] = fn
    return fn


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
    s1, s2 = shape_of(x1), shape_of(x2)
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
    shape = shape_of(values)
    if reduction is None or reduction == "none" or shape == () or shape == (0,):
        return values
    if reduction == "sum":
        return ops.reduce_sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        total = float(np.sum(as_array(sample_weight)))
        return ops.multiply(ops.reduce_sum(values), 1.0 / total if total else 0.0)
    return ops.reduce_mean(values)  # Σ / number of elements


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size"):
    """Weights the per-sample losses by ``sample_weight`` (and ``mask``), then reduces them."""
    reduction = standardize_reduction(reduction)
    values = values if isinstance(values, Tensor) else float_tensor(values)
    dtype = as_array(values).dtype
    if mask is not None:
        m = np.asarray(mask, dtype=dtype)
        if reduction in ("mean", "sum_over_batch_size"):
            # Σ(loss·m·total/valid)/total = Σ(loss·m)/valid: the mean over valid entries.
            valid = m.sum()
            m = m * (m.size / valid) if valid else m * 0
        if sample_weight is None:
            sample_weight = m
        else:
            sw = np.asarray(as_array(sample_weight), dtype=dtype)
            m, sw = squeeze_or_expand_to_same_rank(m, sw)
            sample_weight = sw * m
    if sample_weight is not None:
        sw = cast_like(sample_weight, values)
        values, sw = squeeze_or_expand_to_same_rank(values, sw)
        if sw.ndim < values.ndim:
            sw = ops.reshape(sw, tuple(shape_of(sw)) + (1,) * (values.ndim - sw.ndim))
        try:
            values = ops.multiply(values, sw)
        except ValueError:
            raise ValueError(f"sample_weight of shape {tuple(sw.shape)} does not fit the losses "
                             f"of shape {tuple(values.shape)}: give one weight per sample, "
                             f"shape ({shape_of(values)[0]},).") from None
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

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype: str | None = None):
        self.name = name or auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtype or floatx()

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss: a scalar tensor (per-sample losses with reduction 'none')."""
        if not isinstance(y_pred, Tensor):
            y_pred = float_tensor(np.asarray(y_pred, dtype=self._dtype)
                                  if not isinstance(y_pred, np.ndarray) else y_pred)
        elif as_array(y_pred).dtype.kind != "f":
            y_pred = ops.cast(y_pred, self._dtype)
        y_true = self._convert_true(y_true, y_pred)
        losses = self.call(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight, self._mask(y_true, y_pred),
                                      self.reduction)

    def _convert_true(self, y_true, y_pred):
        # Keras converts targets to the loss's dtype; y_pred's keeps float64 checks exact.
        return cast_like(y_true, y_pred)

    def _mask(self, y_true, y_pred):
        # A mask on the predictions (Embedding(mask_zero=True), Masking) drops those steps
        # from both the sum and the count, as Keras does.
        return _keras_mask_of(y_pred)

    def call(self, y_true, y_pred):
        """The per-sample losses; subclasses implement it."""
        raise TypeError(f"{type(self).__name__} must implement `call(y_true, y_pred)`.")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _keras_mask_of(y_pred):
    mask = getattr(y_pred, "_keras_mask", None)
    return None if mask is None else as_array(mask).astype(bool)


def serialize_function(fn: Callable) -> dict:
    """A loss function as Keras 3's config dict (by name)."""
    return {"module": "keras.losses", "class_name": "function", "config": fn.__name__,
            "registered_name": "function"}


# A loss function -> its batch mean as one fused op: ``mean_form(y_true, y_pred, **fn_kwargs)``
# returns the scalar loss, or None where only the general path (per-sample losses, then
# ``reduce_weighted_values``) applies. Used when there are no sample weights and no mask and
# the reduction is Keras's default "sum_over_batch_size"; the numbers are the same.
MEAN_FORMS: dict = {}


class LossFunctionWrapper(Loss):
    """A ``Loss`` made from a per-sample function ``fn(y_true, y_pred, **fn_kwargs)``.

    The loss classes are this wrapper configured with their function and keyword
    arguments, which also become attributes (``BinaryCrossentropy().from_logits``) and
    entries of ``get_config``. Before calling ``fn`` it aligns the ranks of ``y_true`` and
    ``y_pred`` when they differ by a trailing axis of size 1 (labels (B,), predictions (B, 1)).
    """

    def __init__(self, fn: Callable, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: str | None = None, **fn_kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = fn_kwargs
        for key, value in fn_kwargs.items():
            setattr(self, key, value)

    def __call__(self, y_true, y_pred, sample_weight=None):
        mean_form = MEAN_FORMS.get(self.fn)
        if (mean_form is not None and sample_weight is None and isinstance(y_pred, Tensor)
                and self.reduction == "sum_over_batch_size"
                and getattr(y_pred, "_keras_mask", None) is None):
            value = mean_form(self._convert_true(y_true, y_pred), y_pred, **self._fn_kwargs)
            if value is not None:
                return value
        return super().__call__(y_true, y_pred, sample_weight)

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
        mask = _keras_mask_of(y_pred)
        if ignore is None or self.fn is not LOSS_FUNCTIONS["sparse_categorical_crossentropy"]:
            return mask
        labels = as_array(y_true)
        if labels.ndim == y_pred.ndim and labels.ndim and labels.shape[-1] == 1:
            labels = labels.reshape(labels.shape[:-1])
        keep = labels != ignore
        return keep if mask is None else keep & mask

    def get_config(self) -> dict:
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is LossFunctionWrapper:  # the subclasses imply their function
            config["fn"] = serialize_function(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = _function_from_config(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, " \
               f"kwargs={self._fn_kwargs})>"


def _function_from_config(fn):
    if isinstance(fn, dict):
        fn = fn.get("config")
    if callable(fn):
        return fn
    if fn not in LOSS_FUNCTIONS:
        raise ValueError(f"Could not interpret loss function {fn!r}: known functions are "
                         f"{', '.join(sorted(LOSS_FUNCTIONS))}.")
    return LOSS_FUNCTIONS[fn]


__all__ = ["Loss", "LossFunctionWrapper", "Reduction", "reduce_values",
           "reduce_weighted_values", "squeeze_or_expand_to_same_rank", "standardize_reduction"]
