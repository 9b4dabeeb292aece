"""``tf.TensorSpec``: the shape and dtype a tensor must have (``None`` for a free dimension).

``Dataset.element_spec`` describes its elements with these, and ``from_generator``'s
``output_signature`` checks generated values against them.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes
from ember.tensor import Tensor, TensorShape


class UnknownShape(TensorShape):
    """A shape whose rank is not known (``TensorSpec(shape=None)``): fits every shape."""

    @property
    def rank(self):
        return None

    @property
    def ndims(self):
        return None

    def as_list(self):
        raise ValueError("as_list() is not defined on an unknown TensorShape.")

    def is_fully_defined(self) -> bool:
        return False

    def is_compatible_with(self, other) -> bool:
        return True

    def __repr__(self):
        return "TensorShape(None)"

    def __str__(self):
        return "<unknown>"


class TensorSpec:
    """Describes a tensor: ``TensorSpec(shape=(None, 28, 28), dtype=tf.float32)``."""

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        if shape is not None and not isinstance(shape, (tuple, list, TensorShape, int)):
            raise TypeError("TensorSpec: `shape` must be a tuple or list of ints/None; "
                            f"received shape={shape!r}.")
        self._shape = UnknownShape() if shape is None or isinstance(shape, UnknownShape) \
            else TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def name(self):
        return self._name

    @classmethod
    def from_tensor(cls, tensor, name=None) -> TensorSpec:
        """The spec of a tensor or array (its exact shape and dtype)."""
        if isinstance(tensor, Tensor):
            return cls(tensor.shape, tensor.dtype, name)
        arr = np.asarray(tensor)
        return cls(arr.shape, dtypes.from_numpy(arr.dtype), name)

    @classmethod
    def from_spec(cls, spec, name=None) -> TensorSpec:
        return cls(spec.shape, spec.dtype, name if name is not None else spec.name)

    def is_compatible_with(self, other) -> bool:
        """True when ``other`` (a spec, tensor or array) has this dtype and a fitting shape."""
        if not isinstance(other, TensorSpec):
            other = TensorSpec.from_tensor(other)
        if self._dtype != other.dtype:
            return False
        if isinstance(other.shape, UnknownShape):
            return True
        return self._shape.is_compatible_with(other.shape)

    def most_specific_compatible_shape(self, other) -> TensorShape:
        """The shape that fits both: dimensions that differ become ``None``."""
        a, b = self._shape, TensorShape(other.shape if isinstance(other, TensorSpec) else other)
        if isinstance(a, UnknownShape) or isinstance(b, UnknownShape) or len(a) != len(b):
            return UnknownShape()
        return TensorShape(x if x == y else None for x, y in zip(a, b))

    def __eq__(self, other):
        if not isinstance(other, TensorSpec):
            return NotImplemented
        return (type(self._shape) is type(other.shape) and tuple(self._shape) == tuple(
            other.shape) and self._dtype == other.dtype and self._name == other.name)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash((tuple(self._shape), self._dtype.name, self._name))

    def __repr__(self):
        name = "None" if self._name is None else repr(self._name)
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={name})"
