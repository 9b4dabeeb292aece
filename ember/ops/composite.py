"""Ops composed of Ember primitives (no gradient code of their own):
``tf.math.divide_no_nan``, ``tf.roll`` and ``tf.repeat``. (Norm clipping is in
``ember/ops/clip.py``, ``tf.meshgrid`` in ``ember/ops/array.py``.)
"""

from __future__ import annotations

import numpy as np

from ember.ops.array import gather, reshape
from ember.ops.math import divide, where
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t


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


__all__ = ["divide_no_nan", "repeat", "roll"]
