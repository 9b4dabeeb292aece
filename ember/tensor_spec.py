"""``tf.TensorSpec``: the shape and dtype a value must have (``None`` for any size of a dim).

``tf.function(input_signature=[...])`` checks its arguments against specs; ``tf.data``'s
``element_spec`` describes elements with them.
"""

from __future__ import annotations

from ember import dtypes
from ember.tensor import Tensor, TensorShape, convert_to_tensor


class TensorSpec:
    """Describes a tensor: ``TensorSpec(shape=[None, 28, 28], dtype=tf.float32)``.

    Args:
        shape: a list or tuple of ints, ``None`` for a dimension of any size; ``None``
            (the whole shape) for any rank. Default: a scalar.
        dtype: the element type; default ``tf.float32``.
        name: an optional name (kept, shown in messages).
    """

    __slots__ = ("_shape", "_dtype", "name")

    def __init__(self, shape=(), dtype=dtypes.float32, name=None):
        self._shape = None if shape is None else TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None) -> TensorSpec:
        t = convert_to_tensor(tensor)
        return cls(t.shape, t.dtype, name)

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    def is_compatible_with(self, other) -> bool:
        """True when ``other`` (a spec or a tensor) has this dtype and a shape that fits."""
        if isinstance(other, (TensorSpec, Tensor)):
            shape, dtype = other.shape, other.dtype
        else:
            return False
        if dtype != self._dtype:
            return False
        if self._shape is None or shape is None:
            return True
        return self._shape.is_compatible_with(shape)

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self._shape == other._shape
                and self._dtype == other._dtype and self.name == other.name)

    def __hash__(self):
        return hash((self._shape, self._dtype.name, self.name))

    def __repr__(self):
        shape = "<unknown>" if self._shape is None else str(self._shape)
        name = "None" if self.name is None else repr(self.name)
        return f"TensorSpec(shape={shape}, dtype={self._dtype!r}, name={name})"
