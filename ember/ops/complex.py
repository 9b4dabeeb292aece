"""Complex numbers: ``tf.complex`` and ``tf.math.real/imag/conj/angle``.

Complex tensors (complex64, complex128) support creation, arithmetic and these ops, as the
TF guides use them; they carry no gradients (the tape records float results only).
"""

from __future__ import annotations

import numpy as np

from ember import dtypes
from ember.errors import InvalidArgumentError
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t

__all__ = ["angle", "complex", "conj", "imag", "real"]


def complex(real, imag, name=None):
    """``real + i·imag``: float32 parts give complex64, float64 parts complex128."""
    re, im = _t(real), _t(imag)
    if re.dtype != im.dtype or re.dtype not in (dtypes.float32, dtypes.float64):
        raise InvalidArgumentError(
            "tf.complex: real and imag must both be float32 or both float64; received "
            f"{re.dtype.name} and {im.dtype.name}.")
    kind = np.complex64 if re.dtype == dtypes.float32 else np.complex128
    out = np.empty(np.broadcast_shapes(re.shape, im.shape), dtype=kind)
    out.real, out.imag = re._value, im._value
    return Tensor._wrap(out)


def real(input, name=None):
    """The real part (float32 of complex64, float64 of complex128); a real tensor as it is."""
    x = _t(input)
    return Tensor._wrap(np.real(x._value).copy()) if x.dtype.is_complex else x


def imag(input, name=None):
    """The imaginary part; zeros of the same dtype for a real tensor."""
    x = _t(input)
    if x.dtype.is_complex:
        return Tensor._wrap(np.imag(x._value).copy())
    return Tensor._wrap(np.zeros_like(x._value))


def conj(x, name=None):
    """The complex conjugate; a real tensor is returned as it is (as TF)."""
    x = _t(x)
    return Tensor._wrap(np.conj(x._value)) if x.dtype.is_complex else x


def angle(input, name=None):
    """The argument atan2(imag, real) of each element (0 or π for real tensors)."""
    x = _t(input)
    value = np.angle(x._value)
    return Tensor._wrap(value.astype(x.dtype.real_dtype._np if x.dtype.is_complex
                                     else x._value.dtype))
