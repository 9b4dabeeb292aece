"""DType objects (``tf.float32``, ``tf.string``, ...) and the rules that infer them.

TensorFlow's inference differs from NumPy's, and course code depends on it:
``tf.constant(1.5)`` is float32 (NumPy would say float64) and ``tf.constant(15)``
is int32 (NumPy: int64). NumPy arrays keep their own dtype.
"""

from __future__ import annotations

import numpy as np


class DType:
    """A tensor element type; compares equal to its name, NumPy dtype or another DType."""

    __slots__ = ("name", "_np")

    def __init__(self, name: str, np_dtype):
        self.name = name
        self._np = np.dtype(np_dtype)

    @property
    def as_numpy_dtype(self):
        """The NumPy scalar type (``np.float32`` for ``tf.float32``)."""
        return self._np.type

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_numeric(self) -> bool:
        return self._np.kind in "fiub"

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self):
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def __eq__(self, other):
        if isinstance(other, DType):
            return self.name == other.name
        try:
            return self.name == as_dtype(other).name
        except TypeError:
            return False

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"


float16 = half = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = double = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)
string = DType("string", object)  # elements are Python bytes, as TF's .numpy() gives

_BY_NAME = {
    d.name: d
    for d in (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32,
              uint64, bool, string)
}
_BY_NAME.update({"half": float16, "double": float64, "float": float32, "int": int32,
                 "bool_": bool, "str": string, "object": string})
_BY_NP = {d._np: d for d in _BY_NAME.values() if d is not string}


def as_dtype(value) -> DType:
    """Converts a DType, a name ('float32'), a NumPy dtype or a Python type to a DType."""
    if isinstance(value, DType):
        return value
    if value is None:  # np.dtype(None) would silently mean float64
        raise TypeError("Cannot convert None to an Ember DType.")
    if isinstance(value, str):
        if value in _BY_NAME:
            return _BY_NAME[value]
        raise TypeError(f"Cannot convert {value!r} to an Ember DType. Expected one of "
                        f"{sorted(d for d in _BY_NAME)}.")
    if value is float:
        return float32
    if value is int:
        return int32
    try:
        npd = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to an Ember DType.") from None
    if npd.kind in "OSU":
        return string
    if npd in _BY_NP:
        return _BY_NP[npd]
    raise TypeError(f"Cannot convert {value!r} (NumPy {npd}) to an Ember DType.")


def from_numpy(npd: np.dtype) -> DType:
    """The DType of a NumPy array's dtype (fast path used by every tensor)."""
    d = _BY_NP.get(npd)
    if d is None:
        return as_dtype(npd)
    return d
