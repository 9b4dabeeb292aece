"""Tensor's operators as ops: ``x + y`` is ``add(x, y)``, ``x[i]`` is ``getitem(x, i)``.

``ember/tensor.py`` defines Tensor and Variable without importing any op (the ops import
it). This module, the one place that does it, binds the Python operators and the methods
that are ops onto those classes, as TensorFlow's ``math_ops`` overrides ``tf.Tensor``'s
operators. ``ember.ops`` imports it, so every tensor has its operators once the ops load.
"""

from __future__ import annotations

from ember.ops import array, math
from ember.tensor import Tensor, Variable


def _eq(self, other):
    return False if other is None else math.equal(self, other)


def _ne(self, other):
    return True if other is None else math.not_equal(self, other)


def _pos(self):
    return self


def _variable_getitem(self, key):
    # The slice remembers where it came from, so ``v[0, 0].assign(1.)`` writes into ``v``.
    t = array.getitem(self, key)
    t._slice_of = (self, array._key(key))
    return t


class _CallableValue(Tensor):
    """A Variable's value read through ``.value``: a tensor that also answers ``()``."""

    __slots__ = ()

    def __call__(self):
        return self


def _value(self):
    """The current value as a tensor snapshot. Keras 3 reads it as a property
    (``self.true_positives.value``), TF as a method (``v.value()``): both work."""
    t = array.identity(self)
    t.__class__ = _CallableValue
    return t


def _swap(fn):
    """The reflected operator: ``other - self`` for ``__rsub__``."""
    def reflected(self, other):
        return fn(other, self)
    return reflected


# name -> op, called as op(self, other) (or op(self) for the unary ones).
_OPERATORS = {
    "__add__": math.add, "__sub__": math.subtract, "__mul__": math.multiply,
    "__truediv__": math.divide, "__floordiv__": math.floordiv, "__mod__": math.floormod,
    "__pow__": math.pow, "__matmul__": math.matmul,
    "__and__": math.logical_and, "__or__": math.logical_or, "__xor__": math.logical_xor,
    "__lt__": math.less, "__le__": math.less_equal,
    "__gt__": math.greater, "__ge__": math.greater_equal,
    "__neg__": math.negative, "__abs__": math.abs, "__invert__": math.logical_not,
    "__getitem__": array.getitem,
}
_REFLECTED = {"__radd__": "__add__", "__rsub__": "__sub__", "__rmul__": "__mul__",
              "__rtruediv__": "__truediv__", "__rfloordiv__": "__floordiv__",
              "__rmod__": "__mod__", "__rpow__": "__pow__", "__rmatmul__": "__matmul__",
              "__rand__": "__and__", "__ror__": "__or__", "__rxor__": "__xor__"}


def bind() -> None:
    """Installs the operators on Tensor (Variable inherits them) and Variable's reads."""
    for name, op in _OPERATORS.items():
        setattr(Tensor, name, op)
    for name, forward in _REFLECTED.items():
        setattr(Tensor, name, _swap(_OPERATORS[forward]))
    Tensor.__eq__ = _eq
    Tensor.__ne__ = _ne
    Tensor.__pos__ = _pos
    # Setting __eq__ after the class body does not reset __hash__; keep it unhashable
    # (elementwise ==, as TF): ``tensor.ref()`` is the dict key.
    Tensor.__hash__ = None
    Tensor.T = property(array.transpose, doc="The transpose (axes reversed), as NumPy's .T.")
    # A read is a snapshot (an Identity op), so later in-place updates do not show in it.
    Variable.__getitem__ = _variable_getitem
    Variable.read_value = array.identity
    Variable.value = property(_value, doc=_value.__doc__)


bind()
