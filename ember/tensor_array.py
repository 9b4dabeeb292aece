"""``tf.TensorArray``: a list of same-dtype tensors written one index at a time and stacked,
as ``tf.function`` loops collect their outputs (``ta = ta.write(i, x)`` ... ``ta.stack()``).

Ember runs eagerly, so a TensorArray is a Python list of tensors: ``write`` stores the tensor
itself, and ``stack``/``gather``/``concat`` are Ember ops, so gradients flow from the stacked
result to what was written. ``write`` returns the array itself, so both TF's functional
style (``ta = ta.write(...)``) and a bare ``ta.write(...)`` work.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes
from ember.errors import InvalidArgumentError
from ember.tensor import Tensor, convert_to_tensor


class TensorArray:
    """Tensors of one ``dtype`` at indices 0..size-1; ``dynamic_size`` lets writes grow it."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = dtypes.as_dtype(dtype)
        n = 0 if size is None else int(size.numpy() if isinstance(size, Tensor) else size)
        if n < 0:
            raise ValueError(f"TensorArray: size must be non-negative; received {n}.")
        self._items: list = [None] * n
        self._dynamic = bool(dynamic_size)
        self._infer_shape = infer_shape
        self._element_shape = None if element_shape is None else tuple(element_shape)

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def element_shape(self):
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic

    def size(self, name=None) -> Tensor:
        return convert_to_tensor(np.int32(len(self._items)))

    def _index(self, index) -> int:
        i = int(index.numpy() if isinstance(index, Tensor) else index)
        if i < 0:
            raise InvalidArgumentError(f"TensorArray: index {i} is negative.")
        return i

    def write(self, index, value, name=None) -> TensorArray:
        i = self._index(index)
        t = value if isinstance(value, Tensor) else convert_to_tensor(value, dtype=self._dtype)
        if t.dtype != self._dtype:
            raise InvalidArgumentError(f"TensorArray of dtype {self._dtype.name}: cannot write "
                                       f"a {t.dtype.name} tensor at index {i}.")
        if i >= len(self._items):
            if not self._dynamic:
                raise InvalidArgumentError(f"TensorArray: index {i} is out of range for a "
                                           f"TensorArray of size {len(self._items)} (pass "
                                           "dynamic_size=True to let it grow).")
            self._items.extend([None] * (i + 1 - len(self._items)))
        shape = tuple(t.shape)
        if self._infer_shape and self._element_shape is not None and \
                len(self._element_shape) == len(shape) and any(
                    a is not None and a != b for a, b in zip(self._element_shape, shape)):
            raise InvalidArgumentError(f"TensorArray: element of shape {shape} does not match "
                                       f"the shape of the others, {self._element_shape}.")
        if self._infer_shape and self._element_shape is None:
            self._element_shape = shape
        self._items[i] = t
        return self

    def read(self, index, name=None) -> Tensor:
        i = self._index(index)
        if i >= len(self._items) or self._items[i] is None:
            raise InvalidArgumentError(f"TensorArray: index {i} has not been written.")
        return self._items[i]

    def _all(self):
        missing = [i for i, t in enumerate(self._items) if t is None]
        if missing and self._element_shape is None:
            raise InvalidArgumentError(f"TensorArray: indices {missing[:5]} were never written "
                                       "and the element shape is unknown.")
        zero = None if not missing else convert_to_tensor(
            np.zeros(self._element_shape, self._dtype.as_numpy_dtype))
        return [zero if t is None else t for t in self._items]

    def stack(self, name=None) -> Tensor:
        """Every element stacked along a new first axis."""
        from ember.ops.array import stack
        items = self._all()
        if not items:
            shape = (0,) + tuple(d or 0 for d in (self._element_shape or ()))
            return convert_to_tensor(np.zeros(shape, self._dtype.as_numpy_dtype))
        return stack(items)

    def gather(self, indices, name=None) -> Tensor:
        from ember.ops.array import stack
        idx = np.asarray(indices.numpy() if isinstance(indices, Tensor) else indices)
        return stack([self.read(i) for i in idx.reshape(-1).tolist()])

    def concat(self, name=None) -> Tensor:
        """Every element joined along its first axis."""
        from ember.ops.array import concat
        return concat(self._all(), axis=0)

    def unstack(self, value, name=None) -> TensorArray:
        """Writes ``value[i]`` at index i for every i of its first axis."""
        t = value if isinstance(value, Tensor) else convert_to_tensor(value, dtype=self._dtype)
        n = t.shape[0]
        if n > len(self._items):
            if not self._dynamic and len(self._items):
                raise InvalidArgumentError(f"TensorArray: cannot unstack {n} elements into a "
                                           f"TensorArray of size {len(self._items)}.")
            self._items.extend([None] * (n - len(self._items)))
        for i in range(n):
            self.write(i, t[i])
        return self

    def scatter(self, indices, value, name=None) -> TensorArray:
        t = value if isinstance(value, Tensor) else convert_to_tensor(value, dtype=self._dtype)
        idx = np.asarray(indices.numpy() if isinstance(indices, Tensor) else indices)
        for k, i in enumerate(idx.reshape(-1).tolist()):
            self.write(i, t[k])
        return self

    def close(self, name=None):
        self._items = []

    def __repr__(self):
        return f"<TensorArray dtype={self._dtype.name} size={len(self._items)}>"
