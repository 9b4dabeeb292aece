"""``tf.sparse`` basics: a ``SparseTensor`` of (indices, values, dense_shape) and the
conversions TF's tutorials use (``tf.sparse.to_dense`` builds the text generation
tutorial's mask of ``-inf`` at the ``[UNK]`` id). Ember computes with dense tensors: a
SparseTensor is converted with ``to_dense`` before any op, and ``to_dense`` carries no
gradient. Other ``tf.sparse`` operations are not supported and say so.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes
from ember.tensor import Tensor, TensorShape, convert_to_tensor


def _array(x, dtype=None):
    arr = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
    return arr if dtype is None else arr.astype(dtype)


class SparseTensor:
    """``values[i]`` at position ``indices[i]`` of a tensor of ``dense_shape``; every other
    entry is zero (or ``to_dense``'s ``default_value``)."""

    def __init__(self, indices, values, dense_shape):
        idx = _array(indices, np.int64)
        shape = _array(dense_shape, np.int64).reshape(-1)
        vals = values if isinstance(values, Tensor) else convert_to_tensor(values)
        if idx.ndim != 2 or idx.shape[1] != shape.size:
            raise ValueError(f"SparseTensor: indices must have shape (N, {shape.size}) for "
                             f"dense_shape {shape.tolist()}; received {idx.shape}.")
        if vals.shape != (idx.shape[0],):
            raise ValueError(f"SparseTensor: values must have shape ({idx.shape[0]},), one per "
                             f"index; received {tuple(vals.shape)}.")
        if idx.size and ((idx < 0).any() or (idx >= shape).any()):
            raise ValueError(f"SparseTensor: an index lies outside dense_shape "
                             f"{shape.tolist()}.")
        self.indices = convert_to_tensor(idx)
        self.values = vals
        self.dense_shape = convert_to_tensor(shape)

    @property
    def dtype(self) -> dtypes.DType:
        return self.values.dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape([int(d) for d in self.dense_shape.numpy()])

    def __repr__(self):
        return (f"SparseTensor(indices={self.indices.numpy().tolist()}, values="
                f"{self.values.numpy().tolist()}, dense_shape={self.shape.as_list()})")


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor: ``values`` at ``indices``, ``default_value`` (0) elsewhere."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"tf.sparse.to_dense expects a SparseTensor; received "
                        f"{type(sp_input).__name__}.")
    vals = sp_input.values.numpy()
    fill = 0 if default_value is None else default_value
    out = np.full(tuple(sp_input.shape.as_list()), fill, dtype=vals.dtype)
    idx = sp_input.indices.numpy()
    if validate_indices and len({tuple(i) for i in idx.tolist()}) != len(idx):
        raise ValueError("tf.sparse.to_dense: indices repeat.")
    out[tuple(idx.T)] = vals
    return convert_to_tensor(out)


def from_dense(tensor, name=None) -> SparseTensor:
    """The non-zero entries of ``tensor`` as a SparseTensor (row-major order)."""
    arr = _array(tensor)
    idx = np.argwhere(arr != 0)
    return SparseTensor(idx, convert_to_tensor(arr[tuple(idx.T)]), arr.shape)


def reorder(sp_input, name=None) -> SparseTensor:
    """The same SparseTensor with its entries in row-major order of their indices."""
    idx = sp_input.indices.numpy()
    order = np.lexsort(idx.T[::-1]) if idx.size else np.arange(0)
    return SparseTensor(idx[order], convert_to_tensor(sp_input.values.numpy()[order]),
                        sp_input.dense_shape)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"tf.sparse.{name} is not supported: Ember's sparse support is "
                         "SparseTensor, to_dense, from_dense and reorder. Convert with "
                         "tf.sparse.to_dense and use dense ops.")
