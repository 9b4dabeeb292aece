"""Label helpers: one-hot encoding and normalisation."""

from __future__ import annotations

import numpy as np

from ember.tensor import as_array


def to_categorical(x, num_classes=None):
    """Integer class labels -> one-hot float32 rows (``num_classes`` inferred if None)."""
    y = as_array(x)
    if y.dtype.kind == "f":
        if not np.all(np.mod(y, 1) == 0):
            raise ValueError("to_categorical expects integer class labels; received "
                             "non-integer values.")
        y = y.astype(np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0; found {int(y.min())}.")
    n = int(num_classes) if num_classes is not None else int(y.max(initial=-1)) + 1
    if y.size and y.max() >= n:
        raise ValueError(f"to_categorical: label {int(y.max())} is out of range for "
                         f"num_classes={n}.")
    out = np.zeros(y.shape + (n,), np.float32)
    np.put_along_axis(out, y[..., None], 1.0, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    """Scales rows to unit ``order``-norm along ``axis``."""
    a = np.asarray(as_array(x), dtype=np.float32)
    n = np.linalg.norm(a, ord=order, axis=axis, keepdims=True)
    n[n == 0] = 1
    return a / n
