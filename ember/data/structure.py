"""Elements of a dataset: nested tuples/dicts of NumPy arrays inside, Ember tensors outside.

Pipelines pass NumPy values between stages (no tensor wrapping per stage); a value becomes
an Ember tensor when it reaches user code: iteration, or the argument of a ``map`` fn.
As in ``tf.data``, a Python list given as data is one tensor (``[[1, 2], [3, 4]]`` is a
2x2 tensor), while tuples and dicts are structures; a ``map`` fn returning a list gives
a tuple.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ember import dtypes, nest
from ember.tensor import Tensor, TensorShape, as_array, convert_to_tensor
from ember.tensor_spec import TensorSpec, UnknownShape


def is_structure(value) -> bool:
    """Tuples (named too) and dicts are structures; lists and arrays are values."""
    return isinstance(value, (tuple, Mapping))


def map_values(fn, element):
    """``fn`` over every value of an element (tuples and dicts descended, lists are values)."""
    if isinstance(element, Mapping):
        return type(element)((k, map_values(fn, v)) for k, v in element.items()) \
            if type(element) is not dict else {k: map_values(fn, v) for k, v in element.items()}
    if isinstance(element, tuple):
        items = [map_values(fn, v) for v in element]
        return type(element)(*items) if hasattr(element, "_fields") else tuple(items)
    return fn(element)


def flatten(element) -> list:
    """The values of an internal element (no lists inside) in ``tf.nest`` order."""
    return nest.flatten(element)


def pack_like(element, flat):
    """``flat`` values in the structure of ``element`` (inverse of ``flatten``)."""
    return nest.pack_sequence_as(element, flat)


def packer(spec):
    """A fast ``flat -> element`` function for elements shaped like ``spec``."""
    if not is_structure(spec):
        return lambda flat: flat[0]
    if type(spec) is tuple and not any(is_structure(s) for s in spec):
        return tuple
    if type(spec) is dict and not any(is_structure(s) for s in spec.values()):
        keys = nest.flatten({k: k for k in spec})
        order = list(spec)
        return lambda flat: (lambda d: {k: d[k] for k in order})(dict(zip(keys, flat)))
    return lambda flat: nest.pack_sequence_as(spec, flat)


def to_array(value, what="value") -> np.ndarray:
    """One value as a NumPy array with TF's inference (Python floats float32, ints int32,
    strings as bytes objects); tensors and arrays keep their dtype and are not copied."""
    if isinstance(value, Tensor):
        return as_array(value)
    if isinstance(value, np.generic):
        return np.asarray(value)
    if _is_dataset(value):
        return value
    if not isinstance(value, np.ndarray) and hasattr(value, "__array__") and \
            not isinstance(value, (list, tuple)):
        value = np.asarray(value)  # e.g. a pandas Series
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US":
            return as_array(convert_to_tensor(value))
        if value.dtype.kind == "O":
            return _strings(value, what)
        return value
    if isinstance(value, list) and value and all(
            isinstance(v, (np.ndarray, Tensor)) for v in value):
        # A list of arrays stacks into one tensor keeping the arrays' dtype (as TF).
        return np.stack([to_array(v, what) for v in value])
    try:
        return as_array(convert_to_tensor(value))
    except (TypeError, ValueError) as e:
        raise TypeError(f"tf.data: could not convert {what} to a tensor: {e}") from None


def _strings(array, what):
    """An object array of str/bytes as TF's string tensor (bytes objects)."""
    flat = array.reshape(-1)
    if not all(isinstance(v, (str, bytes)) for v in flat):
        bad = next(v for v in flat if not isinstance(v, (str, bytes)))
        raise TypeError(f"tf.data: could not convert {what} to a tensor: it holds Python "
                        f"objects such as {bad!r} (type {type(bad).__name__}); only numbers "
                        "and strings can be tensors.")
    out = np.empty(array.shape, dtype=object)
    out.reshape(-1)[:] = [v.encode() if isinstance(v, str) else v for v in flat]
    return out


def to_arrays(element, what="element"):
    """An element given by the user (or returned by a map fn) as a structure of arrays."""
    if isinstance(element, list) and element and all(_is_dataset(v) for v in element):
        element = tuple(element)
    return map_values(lambda v: to_array(v, what), element)


def to_map_output(element):
    """A ``map`` fn's return value: a top-level list becomes a tuple (TF's rule)."""
    if isinstance(element, list):
        element = tuple(element)
    return to_arrays(element, "the value returned by the map function")


def as_np(v) -> np.ndarray:
    """An internal value as an ndarray (a bytes scalar as a 0-d string array)."""
    if isinstance(v, np.ndarray):
        return v
    if isinstance(v, bytes):
        return np.array(v, dtype=object)
    return np.asarray(v)


def to_tensors(element):
    """An internal element as Ember tensors (datasets inside windows stay datasets)."""
    return map_values(lambda v: v if _is_dataset(v) else convert_to_tensor(as_np(v)), element)


def to_numpy(element):
    """An internal element as ``as_numpy_iterator`` gives it: arrays, NumPy scalars for rank 0
    (bytes for strings)."""
    def one(v):
        if isinstance(v, bytes) or _is_dataset(v):
            return v
        v = np.asarray(v)
        return v[()] if v.ndim == 0 else v
    return map_values(one, element)


def _is_dataset(v) -> bool:
    return getattr(type(v), "_is_dataset", False)


class DatasetSpec:
    """The ``element_spec`` entry of a nested dataset (the windows of ``window``)."""

    def __init__(self, element_spec):
        self.element_spec = element_spec

    def __eq__(self, other):
        return isinstance(other, DatasetSpec) and other.element_spec == self.element_spec

    def __hash__(self):
        return hash(repr(self))

    def __repr__(self):
        return f"DatasetSpec({self.element_spec}, TensorShape([]))"


def spec_of(element):
    """The ``element_spec`` of one concrete element."""
    def one(v):
        if _is_dataset(v):
            return DatasetSpec(v.element_spec)
        v = as_np(v)
        return TensorSpec(v.shape, dtypes.from_numpy(v.dtype))
    return map_values(one, element)


def batched_spec(spec, batch_size):
    """Each spec with a leading batch dimension (``None`` when the last batch may be short)."""
    def one(s):
        if isinstance(s.shape, UnknownShape):
            return s
        return TensorSpec((batch_size,) + tuple(s.shape), s.dtype)
    return map_values(one, spec)


def unbatched_spec(spec, what="unbatch"):
    def one(s):
        if isinstance(s.shape, UnknownShape):
            return s
        if len(s.shape) == 0:
            raise ValueError(f"{what}: every component must have rank >= 1 (a batch "
                             f"dimension to split); received a scalar component {s}.")
        return TensorSpec(TensorShape(s.shape)[1:], s.dtype)
    return map_values(one, spec)


def relaxed_spec(a, b):
    """The spec that fits two specs of one structure: dimensions that differ become None."""
    fa, fb = flatten(a), flatten(b)
    out = []
    for x, y in zip(fa, fb):
        out.append(TensorSpec(x.most_specific_compatible_shape(y), x.dtype))
    return pack_like(a, out)


def same_structure(a, b) -> bool:
    try:
        nest.assert_same_structure(a, b)
    except (ValueError, TypeError):
        return False
    return True


def describe(element) -> str:
    """A short description of an element's structure for error messages."""
    if isinstance(element, Mapping):
        return "a dict with keys " + str(sorted(element, key=str))
    if isinstance(element, tuple):
        return f"a tuple of {len(element)} values"
    if isinstance(element, list):
        return f"a list of {len(element)} values"
    arr = as_np(element) if not _is_dataset(element) else None
    if arr is None:
        return "a dataset"
    return f"a value of shape {arr.shape} and dtype {dtypes.from_numpy(arr.dtype).name}"
