"""Tensor (an immutable value) and Variable (mutable, trainable), with TensorFlow's semantics.

A Tensor wraps one ``np.ndarray``. This module imports no ops: ``ember/ops/operators.py``
binds the operators (``+``, ``==``, ``x[i]``, ``.T``) and ``Variable.read_value`` onto these
classes, so they are ops that any active ``GradientTape`` records.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ember import dtypes
from ember.errors import InvalidArgumentError

# What ``convert_to_tensor`` accepts: tensors, arrays, Python scalars and nested lists.
TensorLike = Union["Tensor", np.ndarray, float, int, bool, str, bytes, Sequence]
DTypeLike = Union[dtypes.DType, str, type, np.dtype, None]  # noqa: UP007 - as TensorLike


class TensorShape(tuple):
    """The shape of a tensor: a tuple of ints (``None`` where unknown) with TF's helpers."""

    def __new__(cls, dims: Sequence[int | None] | int | None = ()) -> TensorShape:
        if dims is None:
            dims = ()
        if isinstance(dims, int):
            dims = (dims,)
        return super().__new__(cls, (None if d is None else int(d) for d in dims))

    @property
    def rank(self) -> int:
        return len(self)

    @property
    def ndims(self) -> int:
        return len(self)

    @property
    def dims(self) -> list:
        return list(self)

    def as_list(self) -> list:
        """The dimensions as a Python list, e.g. ``[2, 3]``."""
        return list(self)

    def num_elements(self) -> int | None:
        """The product of the dimensions, or None if any is unknown."""
        if any(d is None for d in self):
            return None
        n = 1
        for d in self:
            n *= d
        return n

    def is_fully_defined(self) -> bool:
        return all(d is not None for d in self)

    def is_compatible_with(self, other: Sequence[int | None]) -> bool:
        other = TensorShape(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def __getitem__(self, key):
        r = super().__getitem__(key)
        return TensorShape(r) if isinstance(key, slice) else r

    def __eq__(self, other):
        if isinstance(other, (list, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__

    def __repr__(self):
        return f"TensorShape({list(self)})"

    def __str__(self):
        if len(self) == 1:
            return f"({self[0]},)"
        return "(" + ", ".join(str(d) for d in self) + ")"


class Tensor:
    """An immutable multi-dimensional array with a dtype, like ``tf.Tensor``.

    Create tensors with ``ember.constant`` or ``ember.convert_to_tensor``; every op
    returns one. ``.numpy()`` gives the NumPy value.
    """

    # ``_slice_of`` is set only on a slice of a Variable (see ``Variable.__getitem__``).
    __slots__ = ("_value", "_keras_logits", "_keras_activation", "_keras_mask", "_slice_of",
                 "__weakref__")
    # Makes ``ndarray + tensor`` call ``Tensor.__radd__`` (a Tensor comes back, as in TF).
    __array_priority__ = 100

    def __init__(self, value: TensorLike, dtype: DTypeLike = None):
        t = convert_to_tensor(value, dtype=dtype)
        self._value = t._value
        self._keras_logits = None
        self._keras_activation = None
        self._keras_mask = None

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """Wraps an ndarray without copying or checking: the fast path every op uses."""
        if type(array) is not np.ndarray:
            # NumPy gives scalars (np.float32) for 0-d results; __array__ must return arrays.
            array = np.asarray(array)
        t = object.__new__(cls)
        t._value = array
        t._keras_logits = None
        t._keras_activation = None
        t._keras_mask = None
        return t

    # -- value and metadata ---------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def rank(self) -> int:
        return self._value.ndim

    @property
    def name(self) -> str:
        return "Tensor"

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def numpy(self) -> Any:
        """The value as a NumPy array (a NumPy scalar for a rank-0 tensor)."""
        v = self._value
        return v[()] if v.ndim == 0 else v

    def get_shape(self) -> TensorShape:
        return self.shape

    def set_shape(self, shape: Sequence[int | None]) -> None:
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with {shape}.")

    def ref(self) -> _Ref:
        """A hashable reference to this tensor (tensors compare elementwise, so are unhashable)."""
        return _Ref(self)

    def __array__(self, dtype=None, copy=None):
        v = self._value
        if dtype is not None and v.dtype != dtype:
            return v.astype(dtype)
        if copy:
            return v.copy()
        return v

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._value.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(self._value.shape[0]):
            yield self[i]

    def __bool__(self) -> bool:
        if self._value.size != 1:
            raise ValueError(
                f"The truth value of a tensor of shape {self.shape} is ambiguous. "
                "Use tf.reduce_any or tf.reduce_all.")
        return bool(self._value.reshape(()))

    def __float__(self) -> float:
        return float(self._one_value("float"))

    def __int__(self) -> int:
        return int(self._one_value("int"))

    def _one_value(self, what):
        # A tensor of one element of any rank converts, as TF's (``"%.1f" % prob`` with
        # prob of shape (1,) in the structured-data tutorial); NumPy 2 only warns for it.
        if self._value.size != 1:
            raise TypeError(f"only a tensor of one element converts to {what}; this one has "
                            f"shape {tuple(self._value.shape)}.")
        return self._value.reshape(())

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iu":
            raise TypeError(f"Only integer tensors can be used as an index, got {self.dtype.name}.")
        return int(self._value)

    def __format__(self, spec):
        # As TF: a scalar formats as its number (f'{loss:0.4f}'); any other tensor as its
        # NumPy value, which takes no format spec (NumPy raises TypeError for one).
        if self._value.ndim == 0:
            return format(self._value[()], spec)
        return format(self._value, spec)

    def _numpy_text(self):
        v = self.numpy()
        if self._value.ndim == 0:
            return repr(v) if self._value.dtype == object else str(v)
        return np.array2string(v, separator=" ") if v.dtype != object else str(v)

    def __str__(self):
        return f"tf.Tensor({self._numpy_text()}, shape={self.shape}, dtype={self.dtype.name})"

    def __repr__(self):
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_numpy_repr(self.numpy())}>")

    # Arithmetic, comparison and indexing operators (``+``, ``==``, ``x[i]``, ``.T``, ...)
    # are ops: ``ember/ops/operators.py`` binds them onto this class when the ops load.
    # Declared here for type checkers and editors only.
    if TYPE_CHECKING:
        __add__: Callable[[Tensor, TensorLike], Tensor]
        __radd__: Callable[[Tensor, TensorLike], Tensor]
        __sub__: Callable[[Tensor, TensorLike], Tensor]
        __rsub__: Callable[[Tensor, TensorLike], Tensor]
        __mul__: Callable[[Tensor, TensorLike], Tensor]
        __rmul__: Callable[[Tensor, TensorLike], Tensor]
        __truediv__: Callable[[Tensor, TensorLike], Tensor]
        __rtruediv__: Callable[[Tensor, TensorLike], Tensor]
        __floordiv__: Callable[[Tensor, TensorLike], Tensor]
        __rfloordiv__: Callable[[Tensor, TensorLike], Tensor]
        __mod__: Callable[[Tensor, TensorLike], Tensor]
        __rmod__: Callable[[Tensor, TensorLike], Tensor]
        __pow__: Callable[[Tensor, TensorLike], Tensor]
        __rpow__: Callable[[Tensor, TensorLike], Tensor]
        __matmul__: Callable[[Tensor, TensorLike], Tensor]
        __rmatmul__: Callable[[Tensor, TensorLike], Tensor]
        __and__: Callable[[Tensor, TensorLike], Tensor]
        __rand__: Callable[[Tensor, TensorLike], Tensor]
        __or__: Callable[[Tensor, TensorLike], Tensor]
        __ror__: Callable[[Tensor, TensorLike], Tensor]
        __xor__: Callable[[Tensor, TensorLike], Tensor]
        __rxor__: Callable[[Tensor, TensorLike], Tensor]
        __lt__: Callable[[Tensor, TensorLike], Tensor]
        __le__: Callable[[Tensor, TensorLike], Tensor]
        __gt__: Callable[[Tensor, TensorLike], Tensor]
        __ge__: Callable[[Tensor, TensorLike], Tensor]
        __neg__: Callable[[Tensor], Tensor]
        __pos__: Callable[[Tensor], Tensor]
        __abs__: Callable[[Tensor], Tensor]
        __invert__: Callable[[Tensor], Tensor]
        __getitem__: Callable[[Tensor, Any], Tensor]

        def __eq__(self, other: object) -> Any: ...  # a bool Tensor (False for None)

        def __ne__(self, other: object) -> Any: ...

        @property
        def T(self) -> Tensor: ...

    __hash__ = None  # elementwise __eq__, as TF: use ``tensor.ref()`` as a dict key

    def __getattr__(self, name: str):
        # Reached only for names a Tensor lacks. A slice of a Variable (``v[0, 0]``, made by
        # Variable.__getitem__) answers TF's sliced assignment: ``v[0, 0].assign(1.)``.
        if name == "assign":  # TF's slices have assign only (no assign_add / assign_sub)
            try:
                target = object.__getattribute__(self, "_slice_of")
            except AttributeError:
                target = None
            if target is not None:
                variable, key = target
                return lambda value, use_locking=None, name=None, read_value=True: \
                    variable._assign_slice(key, value)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __copy__(self) -> Tensor:
        return self

    def __deepcopy__(self, memo):
        return Tensor._wrap(self._value.copy())


class _Ref:
    """Hashable handle on a tensor, keyed by identity (``tensor.ref()``)."""

    __slots__ = ("_t",)

    def __init__(self, t):
        self._t = t

    def deref(self) -> Tensor:
        return self._t

    def __hash__(self):
        return id(self._t)

    def __eq__(self, other):
        return isinstance(other, _Ref) and other._t is self._t


_variable_names = itertools.count()


def name_scope_prefix() -> str:
    """The current ``tf.name_scope`` (``'outer/inner/'``); ``ember/module.py`` installs it."""
    return ""


# Bumped whenever a Variable's ``trainable`` flag is set: Keras layers cache their list of
# trainable variables until either this or their structure changes.
TRAINABLE_FLAGS = [0]


class Variable(Tensor):
    """A mutable tensor whose value persists across calls: the weights a model learns.

    ``assign``, ``assign_add`` and ``assign_sub`` change it in place; it can be used
    wherever a tensor can, and a ``GradientTape`` watches it automatically when
    ``trainable``.
    """

    __slots__ = ("_trainable", "_name", "constraint", "_path")

    def __init__(self, initial_value: TensorLike | Callable[[], TensorLike] | None = None,
                 trainable: bool = True, name: str | None = None, dtype: DTypeLike = None,
                 shape: Sequence[int | None] | None = None,
                 constraint: Callable[[Tensor], Tensor] | None = None, **kwargs):
        if initial_value is None:
            raise ValueError("Variable needs an `initial_value`; received None.")
        if callable(initial_value):
            initial_value = initial_value()
        t = convert_to_tensor(initial_value, dtype=dtype)
        value = np.array(t._value, copy=True, order="C")
        if shape is not None and not TensorShape(value.shape).is_compatible_with(shape):
            raise ValueError(f"Variable initial value has shape {value.shape}, "
                             f"which does not match shape={tuple(shape)}.")
        self._value = value
        self._keras_logits = None
        self._keras_activation = None
        self._keras_mask = None
        self._trainable = bool(trainable)
        self._name = name_scope_prefix() + (name if name is not None else "Variable")
        self._path = None
        self.constraint = constraint

    @property
    def name(self) -> str:
        return self._name if ":" in self._name or self._path is not None else self._name + ":0"

    @property
    def path(self) -> str:
        return self._path or self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        TRAINABLE_FLAGS[0] += 1  # lists of trainable variables cached on layers are stale

    def numpy(self) -> Any:
        # A copy, as TF gives: later in-place updates must not change what the user holds.
        v = self._value
        return v[()] if v.ndim == 0 else v.copy()

    @property
    def storage(self) -> np.ndarray:
        """The live ndarray holding the value (Ember-internal, for in-place updates).

        Optimizers write into it with NumPy ``out=`` arguments; setting it rebinds the
        variable onto another buffer of the same shape and dtype (the optimizer's pool).
        """
        return self._value

    @storage.setter
    def storage(self, array: np.ndarray) -> None:
        if array.shape != self._value.shape or array.dtype != self._value.dtype:
            raise ValueError(f"Variable '{self._name}' storage must keep shape "
                             f"{self._value.shape} and dtype {self._value.dtype}; received "
                             f"{array.shape} {array.dtype}.")
        self._value = array

    if TYPE_CHECKING:  # bound by ember/ops/operators.py (each read is an Identity op)
        def read_value(self) -> Tensor: ...

        def value(self) -> Tensor: ...

    def _checked(self, value, what):
        t = convert_to_tensor(value, dtype=self.dtype)
        v = t._value
        if v.shape != self._value.shape:
            if v.size == self._value.size == 1 or (what != "assign" and _broadcasts(v.shape,
                                                                                    self._value.shape)):
                return v
            raise InvalidArgumentError(
                f"Cannot {what} a value of shape {tuple(v.shape)} to variable '{self._name}' "
                f"of shape {tuple(self._value.shape)}: the shapes must match.")
        return v

    def _assign_slice(self, key, value: TensorLike) -> Variable:
        """``self[key] = value`` in place: TF's strided-slice assign (``v[0, 0].assign(1.)``)."""
        region = self._value[key]
        v = convert_to_tensor(value, dtype=self.dtype)._value
        try:
            fits = np.broadcast_shapes(v.shape, region.shape) == region.shape
        except ValueError:
            fits = False
        if not fits:
            raise InvalidArgumentError(
                f"Cannot assign a value of shape {tuple(v.shape)} to a slice of shape "
                f"{tuple(region.shape)} of variable '{self._name}': cannot broadcast input "
                f"shape {list(v.shape)} into final shape {list(region.shape)}.")
        self._value[key] = v
        return self

    def assign(self, value: TensorLike, use_locking=None, name=None,
               read_value: bool = True) -> Variable:
        """Sets the variable's value in place; the shape and dtype must match."""
        v = self._checked(value, "assign")
        np.copyto(self._value, v)
        return self

    def assign_add(self, delta: TensorLike, use_locking=None, name=None,
                   read_value: bool = True) -> Variable:
        """Adds ``delta`` to the variable in place."""
        self._value += self._checked(delta, "assign_add")
        return self

    def assign_sub(self, delta: TensorLike, use_locking=None, name=None,
                   read_value: bool = True) -> Variable:
        """Subtracts ``delta`` from the variable in place."""
        self._value -= self._checked(delta, "assign_sub")
        return self

    def __repr__(self):
        return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={_numpy_repr(self.numpy())}>")

    __str__ = __repr__

    def __format__(self, spec):
        # f'{v}' is the repr, as TF; a scalar variable also takes a number's format spec.
        if not spec:
            return repr(self)
        return Tensor.__format__(self, spec)

    def __deepcopy__(self, memo):
        return Variable(self._value.copy(), trainable=self._trainable, name=self._name)


def _broadcasts(src, dst):
    try:
        return np.broadcast_shapes(src, dst) == tuple(dst)
    except ValueError:
        return False


def _numpy_repr(v):
    # NumPy 2 writes scalars as np.float32(4.0); TF's repr shows numpy=4.0.
    if isinstance(v, np.generic):
        return str(v)
    return repr(v)


# -- conversion -----------------------------------------------------------------------

def _infer_array(value) -> np.ndarray:
    """Python values to an ndarray with TF's inference: floats float32, ints int32."""
    try:
        arr = np.asarray(value)
    except ValueError as e:
        raise ValueError(
            "Can't convert non-rectangular Python sequence to Tensor: the nested lists "
            f"have different lengths ({e}).") from None
    kind = arr.dtype.kind
    if kind == "f":
        if isinstance(value, np.generic):
            return arr
        return arr.astype(np.float32)
    if kind in "iu":
        if isinstance(value, np.generic):
            return arr
        if arr.size and (arr.max() > 2**31 - 1 or arr.min() < -(2**31)):
            return arr.astype(np.int64)
        return arr.astype(np.int32)
    if kind in "US":
        return np.vectorize(lambda s: s.encode() if isinstance(s, str) else s,
                            otypes=[object])(arr) if arr.ndim else np.array(
            arr[()].encode() if kind == "U" else arr[()], dtype=object)
    if kind == "O":
        if arr.ndim == 0 and isinstance(arr[()], (str, bytes)):
            s = arr[()]
            return np.array(s.encode() if isinstance(s, str) else s, dtype=object)
        # Nested lists holding tensors or arrays: convert each element and stack.
        if isinstance(value, (list, tuple)):
            parts = [_infer_array(v) for v in value]
            shapes = {p.shape for p in parts}
            if len(shapes) > 1:
                raise ValueError(
                    "Can't convert non-rectangular Python sequence to Tensor: elements "
                    f"have shapes {sorted(shapes)}.")
            return np.stack(parts) if parts else np.zeros((0,), np.float32)
        raise TypeError(f"Cannot convert {value!r} (type {type(value).__name__}) to a Tensor.")
    return arr  # complex: Python complex numbers are complex128, as in TF


def convert_to_tensor(value: TensorLike, dtype: DTypeLike = None, dtype_hint: DTypeLike = None,
                      name: str | None = None) -> Tensor:
    """Converts a Tensor, NumPy array, Python scalar or (nested) list to a Tensor.

    Python floats become float32 and ints int32 (TF's rule); NumPy arrays keep their
    dtype unless ``dtype`` is given. A Variable is returned as it is, so the tape sees it.
    """
    if isinstance(value, Tensor):
        if dtype is not None:
            want = dtypes.as_dtype(dtype)
            if want != value.dtype:
                raise InvalidArgumentError(
                    f"Tensor conversion requested dtype {want.name} for a Tensor with dtype "
                    f"{value.dtype.name}. Use tf.cast(x, tf.{want.name}) to change it.")
        return value
    if dtype is not None:
        want = dtypes.as_dtype(dtype)
        if want is dtypes.string:
            return Tensor._wrap(_infer_array(value))
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "OUS":
                raise TypeError(f"Cannot convert a string array to a {want.name} tensor.")
            return Tensor._wrap(value.astype(want._np, copy=False))
        arr = _infer_array(value)
        if arr.dtype == np.float32 and want._np.kind in "fc" and want._np.itemsize > 4:
            # Python floats asked for as float64 keep all their digits (not float32's).
            with contextlib.suppress(TypeError, ValueError):
                arr = np.asarray(value, dtype=np.float64)
        if arr.dtype.kind == "O":
            raise TypeError(f"Cannot convert {value!r} to a {want.name} tensor.")
        if want.is_integer and arr.dtype.kind == "f" and not np.all(np.equal(np.mod(arr, 1), 0)):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {want.name}: "
                            "it has fractional values.")
        return Tensor._wrap(arr.astype(want._np, copy=False))
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US":
            return Tensor._wrap(_infer_array(value))
        return Tensor._wrap(value)
    if hasattr(value, "__array__") and not isinstance(value, (list, tuple)):
        return Tensor._wrap(np.asarray(value))
    arr = _infer_array(value)
    if dtype_hint is not None and arr.dtype.kind in "fiu":
        hint = dtypes.as_dtype(dtype_hint)
        if hint.is_floating or arr.dtype.kind in "iu":
            arr = arr.astype(hint._np)
    return Tensor._wrap(arr)


def constant(value: TensorLike, dtype: DTypeLike = None,
             shape: Sequence[int] | None = None, name: str | None = None) -> Tensor:
    """Creates a constant tensor: ``tf.constant([[1, 2.]])`` is float32, ``tf.constant(15)`` int32.

    Unlike ``convert_to_tensor``, it copies NumPy arrays and may cast or reshape.
    """
    if isinstance(value, Tensor):
        arr = value._value.copy() if dtype is None else _cast_copy(value, dtype)
    elif dtype is not None:
        want = dtypes.as_dtype(dtype)
        if want is dtypes.string:
            arr = _infer_array(value)
        else:
            if isinstance(value, np.ndarray):
                arr = np.array(value, dtype=want._np)
            else:  # refuses fractional floats for an integer dtype, as convert_to_tensor does
                arr = np.array(convert_to_tensor(value, dtype=want)._value, copy=True)
    else:
        arr = np.array(convert_to_tensor(value)._value, copy=True)
    if shape is not None:
        shape = tuple(shape)
        if arr.size == 1:
            arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
        else:
            try:
                arr = arr.reshape(shape)
            except ValueError:
                raise TypeError(f"Eager execution of tf.constant with unsupported shape: value "
                                f"has {arr.size} elements, shape={shape} needs "
                                f"{int(np.prod(shape))}.") from None
    return Tensor._wrap(arr)


def _cast_copy(t: Tensor, dtype) -> np.ndarray:
    # tf.constant(tensor, dtype) copies, so no gradient flows: a plain NumPy cast with
    # ``tf.cast``'s rules (floats truncate toward zero; strings convert to nothing else).
    want = dtypes.as_dtype(dtype)
    v = t._value
    if v.dtype == want._np:
        return v.copy()
    if want is dtypes.string or v.dtype.kind == "O":
        raise InvalidArgumentError(f"Cast: cannot cast {t.dtype.name} to {want.name}.")
    if want.is_integer and v.dtype.kind == "f":
        return np.trunc(v).astype(want._np)
    return v.astype(want._np)


def ensure_tensor(x: TensorLike) -> Tensor:
    """``x`` itself if it is a Tensor, else ``convert_to_tensor(x)``: the ops' operand fast path."""
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def as_array(x: TensorLike) -> np.ndarray:
    """The ndarray behind a Tensor or Variable, without copying (other values: ``np.asarray``).

    The one accessor Keras code uses to read values (metrics, callbacks, summaries). Treat
    the result as read-only: a Tensor's array may be shared with the tensors built from it.
    """
    if isinstance(x, Tensor):
        return x._value
    return np.asarray(x)


def is_tensor(x: object) -> bool:
    return isinstance(x, Tensor)

