"""``keras.ops``: Keras 3's NumPy-like op namespace, over Ember's differentiable ops.

Every float result comes from an Ember op, so a ``GradientTape`` sees it. Keras's dtype
rules apply where they differ from TF's: mixed dtypes are promoted (``int32 + float32``
is float32), a Python float makes an integer tensor float32, and ``mean``, ``sqrt``,
``exp``, ``divide``... of integers are float32. ``shape`` gives a tuple of ints and
``convert_to_numpy`` an ``np.ndarray``.

A name Keras has and Ember does not raises one ``AttributeError`` naming it.
``ops.image.resize`` wraps ``ember.image.resize`` when that module is present.
"""

from __future__ import annotations

import builtins
import types

import numpy as np

from ember import dtypes as _dtypes
from ember import ops as _ops
from ember.ops import composite as _composite
from ember.ops import special as _special
from ember.tensor import Tensor, as_array
from ember.tensor import convert_to_tensor as _to_tensor

_FLOATX = "float32"
_FLOAT_ORDER = ("float16", "float32", "float64")
_PY = (bool, int, float)


# -- conversion and Keras's type promotion ----------------------------------------------

def _strong_dtype(x):
    if isinstance(x, Tensor):
        return x.dtype.name
    if isinstance(x, (np.ndarray, np.generic)):
        return _dtypes.as_dtype(x.dtype).name
    return None


def result_type(*xs) -> str:
    """Keras's result dtype: tensors' dtypes decide; Python scalars are weak, except that a
    Python float makes an integer or bool result ``float32``."""
    strong = [d for d in (_strong_dtype(x) for x in xs) if d is not None]
    weak_float = builtins.any(isinstance(x, float) for x in xs)
    weak_int = builtins.any(isinstance(x, int) and not isinstance(x, bool) for x in xs)
    floats = [d for d in strong if d in _FLOAT_ORDER]
    if floats:
        return builtins.max(floats, key=_FLOAT_ORDER.index)
    ints = [d for d in strong if d != "bool"]
    if ints:
        return _FLOATX if weak_float else str(np.result_type(*ints))
    if strong:  # only bools
        return _FLOATX if weak_float else ("int32" if weak_int else "bool")
    return _FLOATX if weak_float else ("int32" if weak_int else "bool")


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A tensor of ``x`` (NumPy arrays keep their dtype, Python floats are float32)."""
    t = _to_tensor(x)
    if dtype is not None and t.dtype != _dtypes.as_dtype(dtype):
        t = _ops.cast(t, dtype)
    return t


def _as(x, dtype):
    t = _to_tensor(x) if not isinstance(x, Tensor) else x
    return t if t.dtype == dtype else _ops.cast(t, dtype)


def _promote(*xs):
    dt = result_type(*xs)
    return [_as(x, dt) for x in xs]


def _floating(x):
    t = convert_to_tensor(x)
    return t if t.dtype.is_floating else _ops.cast(t, _FLOATX)


def convert_to_numpy(x) -> np.ndarray:
    """The value as a NumPy array (a copy for variables, whose buffer changes in place)."""
    return np.array(as_array(x)) if isinstance(x, Tensor) else np.asarray(x)


def cast(x, dtype):
    return _ops.cast(convert_to_tensor(x), dtype)


def shape(x) -> tuple:
    """The static shape as a tuple of ints."""
    return tuple(convert_to_tensor(x).shape)


def ndim(x) -> int:
    return convert_to_tensor(x).ndim


def size(x):
    return int(np.prod(shape(x), dtype=np.int64))


def dtype(x) -> str:
    return convert_to_tensor(x).dtype.name


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def stop_gradient(x):
    return _ops.stop_gradient(x)


# -- elementwise ------------------------------------------------------------------------

def _binary(op):
    def f(x1, x2):
        return op(*_promote(x1, x2))
    f.__name__ = op.__name__
    f.__doc__ = f"Elementwise ``{op.__name__}`` with Keras's dtype promotion."
    return f


add = _binary(_ops.add)
subtract = _binary(_ops.subtract)
multiply = _binary(_ops.multiply)
maximum = _binary(_ops.maximum)
minimum = _binary(_ops.minimum)
equal = _binary(_ops.equal)
not_equal = _binary(_ops.not_equal)
greater = _binary(_ops.greater)
greater_equal = _binary(_ops.greater_equal)
less = _binary(_ops.less)
less_equal = _binary(_ops.less_equal)
logical_and = _binary(_ops.logical_and)
logical_or = _binary(_ops.logical_or)
logical_xor = _binary(_ops.logical_xor)
floor_divide = _binary(_ops.floordiv)
mod = _binary(_ops.floormod)


def power(x1, x2):
    return _ops.pow(*_promote(x1, x2))


def divide(x1, x2):
    """True division; integers divide to float32 (Keras's rule)."""
    a, b = _promote(x1, x2)
    if not a.dtype.is_floating:
        a, b = _ops.cast(a, _FLOATX), _ops.cast(b, _FLOATX)
    return _ops.divide(a, b)


true_divide = divide


def _unary_float(op, name):
    def f(x):
        return op(_floating(x))
    f.__name__ = name
    f.__doc__ = f"Elementwise ``{name}``; integer inputs are computed in float32."
    return f


sqrt = _unary_float(_ops.sqrt, "sqrt")
rsqrt = _unary_float(_ops.rsqrt, "rsqrt")
exp = _unary_float(_ops.exp, "exp")
expm1 = _unary_float(_ops.expm1, "expm1")
log = _unary_float(_ops.log, "log")
log1p = _unary_float(_ops.log1p, "log1p")
sin = _unary_float(_ops.sin, "sin")
cos = _unary_float(_ops.cos, "cos")
tan = _unary_float(_ops.tan, "tan")
tanh = _unary_float(_ops.tanh, "tanh")
reciprocal = _unary_float(_ops.reciprocal, "reciprocal")
erf = _unary_float(_special.erf, "erf")


def log2(x):
    return _ops.divide(log(x), float(np.log(2.0)))


def log10(x):
    return _ops.divide(log(x), float(np.log(10.0)))


def square(x):
    return _ops.square(convert_to_tensor(x))


def abs(x):
    return _ops.abs(convert_to_tensor(x))


absolute = abs


def negative(x):
    return _ops.negative(convert_to_tensor(x))


def sign(x):
    return _ops.sign(convert_to_tensor(x))


def floor(x):
    return _ops.floor(_floating(x))


def ceil(x):
    return _ops.ceil(_floating(x))


def round(x, decimals=0):
    x = convert_to_tensor(x)
    if decimals == 0:
        return _ops.round(x)
    scale = float(10 ** decimals)
    return _ops.divide(_ops.round(_ops.multiply(x, scale)), scale)


def clip(x, x_min, x_max):
    x = convert_to_tensor(x)
    return _ops.clip_by_value(x, x_min, x_max)


def logical_not(x):
    return _ops.logical_not(convert_to_tensor(x))


def isnan(x):
    return _ops.is_nan(_floating(x))


def isinf(x):
    return _ops.is_inf(_floating(x))


def isfinite(x):
    return _ops.is_finite(_floating(x))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return _to_tensor(np.isclose(as_array(convert_to_tensor(x1)), as_array(convert_to_tensor(x2)),
                                 rtol=rtol, atol=atol, equal_nan=equal_nan))


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` else ``x2``; with only ``condition``, the indices (a list
    with one int32 tensor per axis, as Keras's TF backend gives)."""
    cond = _ops.cast(convert_to_tensor(condition), "bool")
    if x1 is None and x2 is None:
        return [_to_tensor(i.astype(np.int32)) for i in np.nonzero(as_array(cond))]
    if x1 is None or x2 is None:
        raise ValueError("where: give both `x1` and `x2`, or neither.")
    a, b = _promote(x1, x2)
    return _ops.where(cond, a, b)


def nonzero(x):
    return tuple(_to_tensor(i.astype(np.int32)) for i in np.nonzero(as_array(convert_to_tensor(x))))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        return x
    big = np.finfo(x.dtype.as_numpy_dtype)
    x = _ops.where(_ops.is_nan(x), _ops.zeros_like(x) + nan, x)
    x = _ops.where(_ops.greater(x, big.max), _ops.zeros_like(x) + (
        big.max if posinf is None else posinf), x)
    return _ops.where(_ops.less(x, big.min), _ops.zeros_like(x) + (
        big.min if neginf is None else neginf), x)


# -- reductions -------------------------------------------------------------------------

def _axis(axis):
    return list(axis) if isinstance(axis, tuple) else axis


def sum(x, axis=None, keepdims=False):
    return _ops.reduce_sum(convert_to_tensor(x), axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """The mean; integers average to float32 (Keras's rule)."""
    return _ops.reduce_mean(_floating(x), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):
    out = _ops.reduce_max(convert_to_tensor(x), axis=_axis(axis), keepdims=keepdims)
    return out if initial is None else maximum(out, initial)


def min(x, axis=None, keepdims=False, initial=None):
    out = _ops.reduce_min(convert_to_tensor(x), axis=_axis(axis), keepdims=keepdims)
    return out if initial is None else minimum(out, initial)


amax, amin = max, min


def prod(x, axis=None, keepdims=False, dtype=None):
    x = convert_to_tensor(x, dtype)
    return _ops.reduce_prod(x, axis=_axis(axis), keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return _ops.reduce_variance(_floating(x), axis=_axis(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return _ops.reduce_std(_floating(x), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return _ops.reduce_any(cast(x, "bool"), axis=_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    return _ops.reduce_all(cast(x, "bool"), axis=_axis(axis), keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    return _ops.reduce_logsumexp(_floating(x), axis=_axis(axis), keepdims=keepdims)


def average(x, axis=None, weights=None):
    x = _floating(x)
    if weights is None:
        return mean(x, axis=axis)
    w = _as(weights, x.dtype)
    if axis is not None and w.ndim == 1 and x.ndim > 1:
        shape_ = [1] * x.ndim
        shape_[axis] = -1
        w = _ops.reshape(w, shape_)
    return _ops.divide(_ops.reduce_sum(x * w, axis=axis), _ops.reduce_sum(w * _ops.ones_like(x),
                                                                          axis=axis))


def argmax(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    out = _ops.argmax(_ops.reshape(x, [-1]) if axis is None else x,
                      axis=0 if axis is None else axis, output_type="int32")
    return _ops.expand_dims(out, axis if axis is not None else 0) if keepdims else out


def argmin(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    out = _ops.argmin(_ops.reshape(x, [-1]) if axis is None else x,
                      axis=0 if axis is None else axis, output_type="int32")
    return _ops.expand_dims(out, axis if axis is not None else 0) if keepdims else out


def cumsum(x, axis=None, dtype=None):
    x = convert_to_tensor(x, dtype)
    if axis is None:
        return _ops.cumsum(_ops.reshape(x, [-1]), axis=0)
    return _ops.cumsum(x, axis=axis)


def count_nonzero(x, axis=None):
    return _ops.cast(_ops.count_nonzero(convert_to_tensor(x), axis=_axis(axis)), "int32")


def norm(x, ord=None, axis=None, keepdims=False):
    return _ops.norm(_floating(x), ord="euclidean" if ord is None else ord, axis=axis,
                     keepdims=keepdims)


# -- creation ---------------------------------------------------------------------------

def zeros(shape, dtype=None):
    return _ops.zeros(shape, dtype=dtype or _FLOATX)


def ones(shape, dtype=None):
    return _ops.ones(shape, dtype=dtype or _FLOATX)


def full(shape, fill_value, dtype=None):
    value = convert_to_tensor(fill_value, dtype)
    return _ops.broadcast_to(value, shape)


def zeros_like(x, dtype=None):
    return _ops.zeros_like(convert_to_tensor(x), dtype=dtype)


def ones_like(x, dtype=None):
    return _ops.ones_like(convert_to_tensor(x), dtype=dtype)


def full_like(x, fill_value, dtype=None):
    x = convert_to_tensor(x)
    return full(x.shape, fill_value, dtype or x.dtype)


def arange(start, stop=None, step=1, dtype=None):
    """``[start, stop)`` by ``step``: int32 for ints, float32 if any argument is a float."""
    return _ops.range(start, stop, step, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    values = np.linspace(as_array(convert_to_tensor(start)), as_array(convert_to_tensor(stop)),
                         int(num), endpoint=endpoint, retstep=retstep, axis=axis)
    if retstep:
        values, step = values
    out = _to_tensor(np.asarray(values, dtype=_dtypes.as_dtype(dtype or _FLOATX).as_numpy_dtype))
    return (out, step) if retstep else out


def eye(N, M=None, k=0, dtype=None):
    return _to_tensor(np.eye(N, M, k, dtype=_dtypes.as_dtype(dtype or _FLOATX).as_numpy_dtype))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    return _to_tensor(np.tri(N, M, k, dtype=_dtypes.as_dtype(dtype or _FLOATX).as_numpy_dtype))


def array(x, dtype=None):
    return convert_to_tensor(x, dtype)


def copy(x):
    return _ops.identity(convert_to_tensor(x))


# -- shapes and indexing ----------------------------------------------------------------

def reshape(x, newshape):
    return _ops.reshape(convert_to_tensor(x), newshape)


def transpose(x, axes=None):
    return _ops.transpose(convert_to_tensor(x), perm=axes)


def expand_dims(x, axis):
    x = convert_to_tensor(x)
    for a in sorted(axis) if isinstance(axis, (list, tuple)) else [axis]:
        x = _ops.expand_dims(x, a)
    return x


def squeeze(x, axis=None):
    return _ops.squeeze(convert_to_tensor(x), axis=axis)


def ravel(x):
    return _ops.reshape(convert_to_tensor(x), [-1])


def concatenate(xs, axis=0):
    return _ops.concat(_promote(*xs), axis=axis)


def stack(x, axis=0):
    return _ops.stack(_promote(*x), axis=axis)


def hstack(xs):
    xs = _promote(*xs)
    return _ops.concat(xs, axis=0 if xs[0].ndim == 1 else 1)


def vstack(xs):
    """Joins along the first axis (1-D inputs too, as Keras's TF backend does)."""
    return _ops.concat(_promote(*xs), axis=0)


def split(x, indices_or_sections, axis=0):
    x = convert_to_tensor(x)
    if isinstance(indices_or_sections, int):
        return _ops.split(x, indices_or_sections, axis=axis)
    bounds = [0, *indices_or_sections, x.shape[axis]]
    return _ops.split(x, [b - a for a, b in zip(bounds, bounds[1:])], axis=axis)


def tile(x, repeats):
    x = convert_to_tensor(x)
    reps = [repeats] if isinstance(repeats, int) else list(repeats)
    reps = [1] * (x.ndim - len(reps)) + reps
    return _ops.tile(x, reps)


def broadcast_to(x, shape):
    return _ops.broadcast_to(convert_to_tensor(x), shape)


def pad(x, pad_width, mode="constant", constant_values=None):
    x = convert_to_tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2)).tolist()
    return _ops.pad(x, widths, mode=mode.upper(), constant_values=constant_values or 0)


def flip(x, axis=None):
    x = convert_to_tensor(x)
    axes = list(range(x.ndim)) if axis is None else axis
    return _ops.reverse(x, axes if isinstance(axes, (list, tuple)) else [axes])


def moveaxis(x, source, destination):
    x = convert_to_tensor(x)
    src = [a % x.ndim for a in (source if isinstance(source, (list, tuple)) else [source])]
    dst = [a % x.ndim for a in (destination if isinstance(destination, (list, tuple))
                                else [destination])]
    rest = [a for a in range(x.ndim) if a not in src]
    perm = [None] * x.ndim
    for s_, d_ in zip(src, dst):
        perm[d_] = s_
    perm = [p if p is not None else rest.pop(0) for p in perm]
    return _ops.transpose(x, perm)


def swapaxes(x, axis1, axis2):
    x = convert_to_tensor(x)
    perm = list(range(x.ndim))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return _ops.transpose(x, perm)


def roll(x, shift, axis=None):
    x = convert_to_tensor(x)
    if axis is None:  # Keras rolls the flattened tensor, then restores the shape
        return _ops.reshape(_composite.roll(_ops.reshape(x, [-1]), shift, 0), x.shape)
    return _composite.roll(x, shift, axis)


def repeat(x, repeats, axis=None):
    return _composite.repeat(convert_to_tensor(x), repeats, axis)


def take(x, indices, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = _ops.reshape(x, [-1]), 0
    return _ops.gather(x, convert_to_tensor(indices), axis=axis)


def take_along_axis(x, indices, axis=None):
    x = convert_to_tensor(x)
    idx = as_array(convert_to_tensor(indices))
    if axis is None:
        return _ops.reshape(x, [-1])[idx]
    axis = axis % x.ndim
    grids = np.ogrid[tuple(builtins.slice(d) for d in idx.shape)]
    key = tuple(idx if a == axis else grids[a] for a in range(x.ndim))
    return x[key]


def tril(x, k=0):
    x = convert_to_tensor(x)
    mask = np.tri(x.shape[-2], x.shape[-1], k, dtype=bool)
    return _ops.where(mask, x, _ops.zeros_like(x))


def triu(x, k=0):
    x = convert_to_tensor(x)
    mask = ~np.tri(x.shape[-2], x.shape[-1], k - 1, dtype=bool)
    return _ops.where(mask, x, _ops.zeros_like(x))


def diff(a, n=1, axis=-1):
    a = convert_to_tensor(a)
    for _ in range(n):
        hi = [builtins.slice(None)] * a.ndim
        lo = [builtins.slice(None)] * a.ndim
        hi[axis], lo[axis] = builtins.slice(1, None), builtins.slice(None, -1)
        a = a[tuple(hi)] - a[tuple(lo)]
    return a


def slice(inputs, start_indices, shape):
    x = convert_to_tensor(inputs)
    key = tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))
    return x[key]


def sort(x, axis=-1):
    return _ops.sort(convert_to_tensor(x), axis=axis)


def argsort(x, axis=-1):
    return _ops.argsort(convert_to_tensor(x), axis=axis, stable=True)


def top_k(x, k, sorted=True):
    """The ``k`` largest values along the last axis and their int32 indices."""
    return _ops.top_k(convert_to_tensor(x), k=k, sorted=sorted)


def meshgrid(*x, indexing="xy"):
    grids = np.meshgrid(*[as_array(convert_to_tensor(v)) for v in x], indexing=indexing)
    return [_to_tensor(g) for g in grids]


# -- linear algebra ---------------------------------------------------------------------

def matmul(x1, x2):
    a, b = _promote(x1, x2)
    if b.ndim == 1:
        return _ops.squeeze(_ops.matmul(a, _ops.expand_dims(b, -1)), -1)
    if a.ndim == 1:
        return _ops.squeeze(_ops.matmul(_ops.expand_dims(a, 0), b), -2)
    return _ops.matmul(a, b)


def dot(x1, x2):
    a, b = _promote(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return _ops.tensordot(a, b, axes=[[a.ndim - 1], [builtins.max(b.ndim - 2, 0)]])


def tensordot(x1, x2, axes=2):
    return _ops.tensordot(*_promote(x1, x2), axes=axes)


def outer(x1, x2):
    a, b = _promote(x1, x2)
    return _ops.reshape(a, [-1, 1]) * _ops.reshape(b, [1, -1])


def vdot(x1, x2):
    a, b = _promote(x1, x2)
    return _ops.reduce_sum(_ops.reshape(a, [-1]) * _ops.reshape(b, [-1]))


def einsum(subscripts, *operands):
    return _ops.einsum(subscripts, *_promote(*operands))


def trace(x, offset=0, axis1=0, axis2=1):
    x = convert_to_tensor(x)
    if (offset, axis1, axis2) != (0, 0, 1) or x.ndim != 2:
        raise ValueError("keras.ops.trace in Ember supports 2-D inputs with offset=0, "
                         f"axis1=0, axis2=1; received shape {tuple(x.shape)}, offset={offset}, "
                         f"axis1={axis1}, axis2={axis2}.")
    return _ops.trace(x)


# -- neural-network ops (keras.ops.nn, also at the top level) ----------------------------

def relu(x):
    return _ops.relu(convert_to_tensor(x))


def relu6(x):
    return _ops.relu6(convert_to_tensor(x))


def sigmoid(x):
    return _ops.sigmoid(_floating(x))


def softplus(x):
    return _ops.softplus(_floating(x))


def softsign(x):
    return _ops.softsign(_floating(x))


def silu(x):
    return _ops.silu(_floating(x))


swish = silu


def log_sigmoid(x):
    return _ops.log_sigmoid(_floating(x))


def leaky_relu(x, negative_slope=0.2):
    return _ops.leaky_relu(_floating(x), alpha=negative_slope)


def hard_sigmoid(x):
    return _ops.hard_sigmoid(_floating(x))


def elu(x, alpha=1.0):
    return _ops.elu(_floating(x), alpha=alpha)


def selu(x):
    return _ops.selu(_floating(x))


def gelu(x, approximate=True):
    """GELU; Keras's default is the tanh approximation (TF's ``tf.nn.gelu`` is exact)."""
    return _ops.gelu(_floating(x), approximate=approximate)


def softmax(x, axis=-1):
    return _ops.softmax(_floating(x), axis=axis)


def log_softmax(x, axis=-1):
    return _ops.log_softmax(_floating(x), axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise ValueError("keras.ops.one_hot: Ember has no sparse tensors; use sparse=False.")
    return _ops.one_hot(cast(x, "int32"), num_classes, axis=axis, dtype=dtype or _FLOATX)


def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False):
    hot = one_hot(inputs, num_classes, axis=-1, dtype=dtype)
    out = _ops.reduce_max(hot, axis=-2 if hot.ndim > 1 else 0)
    return out if axis == -1 else moveaxis(out, -1, axis)


def moments(x, axes, keepdims=False, synchronized=False):
    return _ops.moments(_floating(x), axes=axes, keepdims=keepdims)


def normalize(x, axis=-1, order=2, epsilon=None):
    if order != 2:
        raise ValueError(f"keras.ops.normalize in Ember supports order=2; received {order}.")
    return _ops.l2_normalize(_floating(x), axis=axis, epsilon=epsilon or 1e-12)


_EPSILON = 1e-7


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no mean over the last axis, unlike the loss)."""
    target, output = _promote(target, output)
    if from_logits:
        return _ops.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    output = _ops.clip_by_value(output, _EPSILON, 1.0 - _EPSILON)
    return -(target * _ops.log(output) + (1.0 - target) * _ops.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy along ``axis`` between one-hot ``target`` and probabilities (or logits)."""
    target, output = _promote(target, output)
    if from_logits:
        return _ops.softmax_cross_entropy_with_logits(target, output, axis=axis)
    output = output / _ops.reduce_sum(output, axis=axis, keepdims=True)
    output = _ops.clip_by_value(output, _EPSILON, 1.0 - _EPSILON)
    return -_ops.reduce_sum(target * _ops.log(output), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer labels and probabilities (or logits) along ``axis``."""
    output = _floating(output)
    if axis not in (-1, output.ndim - 1):
        raise ValueError("keras.ops.sparse_categorical_crossentropy in Ember supports the "
                         f"class axis last (axis=-1); received axis={axis}.")
    labels = cast(target, "int32")
    if labels.ndim == output.ndim:
        labels = _ops.squeeze(labels, -1)
    if from_logits:
        return _ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=output)
    return categorical_crossentropy(one_hot(labels, output.shape[-1], dtype=output.dtype), output,
                                    axis=-1)


nn = types.SimpleNamespace(**{name: globals()[name] for name in (
    "relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid",
    "leaky_relu", "hard_sigmoid", "elu", "selu", "gelu", "softmax", "log_softmax", "one_hot",
    "multi_hot", "moments", "normalize", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy")})


# -- more NumPy-like ops, composed of differentiable ones -------------------------------

def sinh(x):
    x = _floating(x)
    return (_ops.exp(x) - _ops.exp(-x)) * 0.5


def cosh(x):
    x = _floating(x)
    return (_ops.exp(x) + _ops.exp(-x)) * 0.5


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), computed stably."""
    a, b = _promote(_floating(x1), _floating(x2))
    hi = _ops.maximum(a, b)
    return hi + _ops.log1p(_ops.exp(-_ops.abs(a - b)))


def cumprod(x, axis=None, dtype=None):
    """Running products along ``axis`` (flattened when None), one multiply per step."""
    x = convert_to_tensor(x, dtype)
    if axis is None:
        x, axis = _ops.reshape(x, [-1]), 0
    axis = axis % x.ndim
    parts = _ops.unstack(x, axis=axis)
    out = [parts[0]]
    for p in parts[1:]:
        out.append(out[-1] * p)
    return _ops.stack(out, axis=axis)


def in_top_k(targets, predictions, k):
    """Whether each target's score is among the ``k`` largest of its row (ties count in)."""
    p = np.asarray(as_array(convert_to_tensor(predictions)))
    t = np.asarray(as_array(convert_to_tensor(targets))).astype(np.int64)
    score = p[np.arange(len(t)), t]
    return _to_tensor((p > score[:, None]).sum(axis=1) < k)


def bincount(x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("keras.ops.bincount: Ember has no sparse tensors; use sparse=False.")
    v = np.asarray(as_array(convert_to_tensor(x))).astype(np.int64)
    w = None if weights is None else np.asarray(as_array(convert_to_tensor(weights)))
    out = np.bincount(v, weights=w, minlength=minlength)
    return _to_tensor(out.astype(np.int32) if w is None else out.astype(w.dtype))


def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (repeated indices add up)."""
    idx = np.asarray(as_array(convert_to_tensor(indices))).astype(np.int64)
    v = convert_to_tensor(values)
    out = np.zeros(tuple(shape), dtype=np.asarray(as_array(v)).dtype)
    np.add.at(out, tuple(idx.T), np.asarray(as_array(v)))
    return _to_tensor(out)


def scatter_update(inputs, indices, updates):
    """A copy of ``inputs`` with the entries at ``indices`` replaced by ``updates``."""
    out = np.array(as_array(convert_to_tensor(inputs)))
    idx = np.asarray(as_array(convert_to_tensor(indices))).astype(np.int64)
    out[tuple(idx.T)] = np.asarray(as_array(convert_to_tensor(updates)))
    return _to_tensor(out)


def slice_update(inputs, start_indices, updates):
    """A copy of ``inputs`` with ``updates`` written from ``start_indices`` on."""
    out = np.array(as_array(convert_to_tensor(inputs)))
    upd = np.asarray(as_array(convert_to_tensor(updates)))
    key = tuple(builtins.slice(int(s), int(s) + n) for s, n in zip(start_indices, upd.shape))
    out[key] = upd
    return _to_tensor(out)


def vectorized_map(function, elements):
    """``function`` applied to each slice along the first axis, results stacked."""
    if isinstance(elements, (list, tuple)):
        rows = zip(*[_ops.unstack(convert_to_tensor(e)) for e in elements])
        return _ops.stack([function(type(elements)(r)) for r in rows])
    return _ops.stack([function(r) for r in _ops.unstack(convert_to_tensor(elements))])


def map(f, xs):
    return vectorized_map(f, xs)


# -- control flow (eager: plain Python loops) -------------------------------------------

def cond(pred, true_fn, false_fn):
    return true_fn() if bool(pred) else false_fn()


def fori_loop(lower, upper, body_fun, init_val):
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    n = 0
    while bool(cond(*state)) and (maximum_iterations is None or n < maximum_iterations):
        out = body(*state)
        state = (out,) if single else tuple(out)
        n += 1
    return state[0] if single else state


# -- names Keras has that Ember lacks ---------------------------------------------------

def _image_namespace():
    try:
        from ember import image as _image
    except ImportError:
        raise AttributeError("keras.ops.image needs ember.image (tf.image), which this Ember "
                             "does not have yet.") from None

    def resize(images, size, interpolation="bilinear", antialias=False,
               crop_to_aspect_ratio=False, data_format=None, **kwargs):
        """Resizes (H, W, C) or (N, H, W, C) images to ``size`` = (height, width)."""
        if crop_to_aspect_ratio or data_format not in (None, "channels_last"):
            raise ValueError("keras.ops.image.resize in Ember supports channels_last images "
                             "without crop_to_aspect_ratio.")
        return _image.resize(images, size, method=interpolation, antialias=antialias)

    return types.SimpleNamespace(resize=resize)


def __getattr__(name):
    if name == "image":
        image = _image_namespace()
        globals()["image"] = image
        return image
    raise AttributeError(f"keras.ops.{name} is not in Ember's keras.ops. Ember has: "
                         f"{', '.join(sorted(n for n in globals() if not n.startswith('_')))}.")
