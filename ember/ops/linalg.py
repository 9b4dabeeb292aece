"""Linear algebra beyond matmul: inverse, determinant, diagonals."""

from __future__ import annotations

import numpy as np

from ember.errors import InvalidArgumentError
from ember.ops.array import expand_dims, getitem, transpose
from ember.ops.math import matmul, multiply, negative
from ember.ops.reduce import reduce_sum
from ember.record import apply, register_gradient
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t

__all__ = ["det", "diag", "diag_part", "inv", "trace"]


def _square(x, op):
    x = _t(x)
    if x.ndim < 2 or x._value.shape[-1] != x._value.shape[-2]:
        raise InvalidArgumentError(f"{op}: expected square matrices (..., n, n); got shape "
                                   f"{tuple(x.shape)}.")
    return x


def _mT(x):
    return transpose(x, list(range(x.ndim - 2)) + [x.ndim - 1, x.ndim - 2])


def inv(input, adjoint=False, name=None):
    """Matrix inverse A⁻¹ (batched)."""
    x = _square(input, "MatrixInverse")
    try:
        value = np.linalg.inv(x._value)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError("MatrixInverse: input is not invertible.") from None
    return apply("MatrixInverse", value.astype(x._value.dtype), (x,))


@register_gradient("MatrixInverse")
def _inv_grad(g, out, x):
    # d(A^-1) = -A^-1 dA A^-1  =>  grad_A = -A^-T G A^-T
    return negative(matmul(matmul(_mT(out), g), _mT(out)))


def det(input, name=None):
    """Determinant (batched)."""
    x = _square(input, "MatrixDeterminant")
    return apply("MatrixDeterminant", np.asarray(np.linalg.det(x._value), x._value.dtype), (x,))


@register_gradient("MatrixDeterminant")
def _det_grad(g, out, x):
    # d det(A) / dA = det(A) A^-T
    coef = expand_dims(expand_dims(multiply(g, out), -1), -1)
    return multiply(coef, _mT(inv(x)))


def diag_part(input, k=0, name=None):
    """The main diagonal of each matrix."""
    x = _t(input)
    n = min(x._value.shape[-2:])
    idx = np.arange(n)
    return getitem(x, (Ellipsis, idx, idx))


def diag(diagonal, name=None):
    """A matrix with ``diagonal`` on its main diagonal."""
    d = _t(diagonal)
    n = d._value.shape[-1]
    eye = np.eye(n, dtype=d._value.dtype)
    return multiply(expand_dims(d, -1), Tensor._wrap(eye))


def trace(x, name=None):
    return reduce_sum(diag_part(x), axis=-1)
