"""Ops composed of Ember primitives (no gradient code of their own): gradient clipping by
norm (``tf.clip_by_norm``, ``tf.clip_by_global_norm``, as RL and RNN training loops clip),
``tf.math.divide_no_nan``, ``tf.roll``, ``tf.repeat`` and ``tf.meshgrid``.
"""

from __future__ import annotations

import numpy as np

from ember.ops.array import broadcast_to, gather, reshape
from ember.ops.math import cast, divide, maximum, multiply, sqrt, square, where
from ember.ops.reduce import reduce_sum
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``t · clip_norm / max(‖t‖₂, clip_norm)``: rescaled so its L2 norm (over ``axes``, all
    by default) is at most ``clip_norm``."""
    x = _t(t)
    norm = sqrt(reduce_sum(square(x), axis=axes, keepdims=True))
    c = cast(_t(clip_norm), x.dtype) if isinstance(clip_norm, Tensor) else \
        np.asarray(clip_norm, x.dtype.as_numpy_dtype)
    return divide(multiply(x, c), maximum(norm, c))


def global_norm(t_list, name=None):
    """√(Σ ‖t‖₂²) over every tensor of ``t_list`` (None entries skipped)."""
    parts = [reduce_sum(square(_t(t))) for t in t_list if t is not None]
    if not parts:
        return _t(np.float32(0.0))
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Every tensor of ``t_list`` scaled by ``clip_norm / max(global_norm, clip_norm)``;
    returns (the clipped list, the global norm before clipping). None entries stay None."""
    if isinstance(t_list, Tensor) or not hasattr(t_list, "__iter__"):
        raise TypeError("clip_by_global_norm expects a list of tensors (e.g. gradients); "
                        f"received {type(t_list).__name__}.")
    t_list = list(t_list)
    norm = global_norm(t_list) if use_norm is None else _t(use_norm)
    c = np.asarray(float(clip_norm), norm.dtype.as_numpy_dtype)
    scale = divide(c, maximum(norm, c))
    return [None if t is None else multiply(_t(t), cast(scale, _t(t).dtype))
            for t in t_list], norm


def divide_no_nan(x, y, name=None):
    """``x / y``, and 0 where ``y`` is 0 (also in the gradient)."""
    x, y = _t(x), _t(y)
    zero = y == 0
    safe = where(zero, np.ones((), y.dtype.as_numpy_dtype), y)
    return where(zero, np.zeros((), x.dtype.as_numpy_dtype), divide(x, safe))


def roll(input, shift, axis, name=None):
    """Shifts elements along ``axis`` by ``shift`` (wrapping around); ints or lists."""
    x = _t(input)
    shifts = np.atleast_1d(np.asarray(shift.numpy() if isinstance(shift, Tensor) else shift))
    axes = np.atleast_1d(np.asarray(axis.numpy() if isinstance(axis, Tensor) else axis))
    if shifts.shape != axes.shape:
        raise ValueError(f"roll: shift and axis must have the same length; received "
                         f"{shifts.tolist()} and {axes.tolist()}.")
    for s, a in zip(shifts.tolist(), axes.tolist()):
        n = x.shape[a]
        x = gather(x, (np.arange(n) - s) % n, axis=a)
    return x


def repeat(input, repeats, axis=None, name=None):
    """Repeats each element ``repeats`` times (an int, or one count per element) along
    ``axis``; the input is flattened first when ``axis`` is None."""
    x = _t(input)
    if axis is None:
        x, axis = reshape(x, [-1]), 0
    r = np.asarray(repeats.numpy() if isinstance(repeats, Tensor) else repeats)
    n = x.shape[axis]
    return gather(x, np.repeat(np.arange(n), r), axis=axis)


def meshgrid(*args, indexing="xy", name=None):
    """Coordinate grids from 1-D tensors: 'xy' (Cartesian, the first two axes swapped) or
    'ij' (matrix) indexing."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij'; received {indexing!r}.")
    vecs = [reshape(_t(a), [-1]) for a in args]
    sizes = [v.shape[0] for v in vecs]
    if indexing == "xy" and len(vecs) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, v in enumerate(vecs):
        where_i = i if indexing == "ij" or len(vecs) < 2 else {0: 1, 1: 0}.get(i, i)
        shape = [1] * len(vecs)
        shape[where_i] = v.shape[0]
        out.append(broadcast_to(reshape(v, shape), sizes))
    return out


__all__ = ["clip_by_global_norm", "clip_by_norm", "divide_no_nan", "global_norm", "meshgrid",
           "repeat", "roll"]
