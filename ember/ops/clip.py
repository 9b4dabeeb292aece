"""Clipping by norm: ``clip_by_norm``, ``clip_by_global_norm`` and ``global_norm``.

Composites of primitives (multiply, sqrt, maximum, where), written as TF writes them so the
values and the gradients through the norm agree with TF's:

    clip_by_norm(t, c)            = t · c / max(‖t‖₂, c)
    clip_by_global_norm(ts, c)[i] = ts[i] · c / max(√(Σⱼ ‖tsⱼ‖₂²), c)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ember.ops.array import stack
from ember.ops.math import add, cast, divide, maximum, minimum, multiply, sqrt, subtract, where
from ember.ops.nn import l2_loss
from ember.ops.reduce import reduce_sum
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t

# global_norm is exported by tf.linalg only (TF 2 has no top-level tf.global_norm).
__all__ = ["clip_by_global_norm", "clip_by_norm"]


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales ``t`` so that its L2 norm (over ``axes``, default all) is at most
    ``clip_norm``: ``t · clip_norm / max(‖t‖₂, clip_norm)``.

    A negative ``clip_norm`` counts as 0 (the result is zeros), as in TF.
    """
    values = _t(t)
    if values.dtype.is_integer or values._value.dtype.kind not in "fc":
        raise TypeError(f"clip_by_norm: t must be a floating-point tensor; received dtype "
                        f"{values.dtype.name}.")
    if isinstance(clip_norm, Tensor):
        c = cast(maximum(clip_norm, 0), values.dtype)
    else:
        if not np.isscalar(clip_norm):
            raise TypeError(f"clip_by_norm: clip_norm must be a scalar; received "
                            f"{clip_norm!r}.")
        c = max(float(clip_norm), 0.0)
    l2sum = reduce_sum(multiply(values, values), axes, keepdims=True)
    pred = l2sum._value > 0
    # sqrt only where the sum is positive, so the gradient at an all-zero t is 0, not NaN.
    safe = where(pred, l2sum, np.ones_like(l2sum._value))
    l2norm = where(pred, sqrt(safe), l2sum)
    return divide(multiply(values, c), maximum(l2norm, c))


def _tensor_list(t_list, where_):
    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError(f"{where_}: `t_list` should be a sequence of tensors. Received "
                        f"{type(t_list)}.")
    return [None if t is None else _t(t) for t in t_list]


def global_norm(t_list, name=None):
    """``√(Σᵢ ‖tᵢ‖₂²)`` over the tensors of ``t_list`` (None entries are skipped)."""
    values = [v for v in _tensor_list(t_list, "global_norm") if v is not None]
    if not values:
        raise ValueError("global_norm: t_list holds no tensors (every entry is None).")
    half_squared = reduce_sum(stack([l2_loss(v) for v in values]))
    return sqrt(multiply(half_squared, 2.0))


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor of ``t_list`` by ``clip_norm / max(global_norm, clip_norm)``.

    Returns ``(list_clipped, global_norm)``; None entries stay None. With ``use_norm``
    given, that norm is used instead of computing it. An infinite norm makes every value
    NaN, as in TF.
    """
    values = _tensor_list(t_list, "clip_by_global_norm")
    norm = global_norm(values) if use_norm is None else _t(use_norm)
    clip = _t(clip_norm if isinstance(clip_norm, Tensor)
              else np.asarray(clip_norm, norm._value.dtype))
    # clip · min(1 / norm, 1 / clip) = clip / max(norm, clip); adding (norm - norm) turns
    # an infinite norm into NaN instead of a silent scale of 0.
    scale = multiply(clip, minimum(divide(1.0, norm), divide(1.0, clip)))
    with np.errstate(invalid="ignore"):  # inf - inf is the NaN wanted here
        scale = add(scale, subtract(norm, norm))
    clipped = [None if v is None else multiply(v, cast(scale, v.dtype)) for v in values]
    return clipped, norm

