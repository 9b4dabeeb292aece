"""Reductions (sum, mean, max, logsumexp, ...) and ``unbroadcast``, with their gradients."""

from __future__ import annotations

import numpy as np

from ember.errors import InvalidArgumentError
from ember.ops.array import broadcast_to, reshape
from ember.ops.math import abs as abs_
from ember.ops.math import (
    divide,
    exp,
    maximum,
    multiply,
    rsqrt,
    sqrt,
    square,
    subtract,
    where,
    zeros_like,
)
from ember.record import apply, register_gradient
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t

__all__ = [
    "argmax", "argmin", "count_nonzero", "cumsum", "l2_normalize", "moments", "norm",
    "reduce_all", "reduce_any", "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min",
    "reduce_prod", "reduce_std", "reduce_sum", "reduce_variance", "unbroadcast",
]


def _axes(axis, ndim, op):
    """``axis`` as a sorted tuple of non-negative ints (None: every axis)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Tensor):
        axis = axis._value.tolist()
    if isinstance(axis, (int, np.integer)):
        axis = [axis]
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise InvalidArgumentError(f"{op}: axis {a} is out of range for a tensor of rank "
                                       f"{ndim}; expected an axis in [{-ndim}, {ndim}).")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _expand_back(g, x, axes, keepdims):
    """Reshapes a reduced gradient so it broadcasts against x."""
    if keepdims or not axes or g._value.ndim == 0:
        return g
    return reshape(g, _kept_shape(x._value.shape, axes))


def unbroadcast(g: Tensor, shape) -> Tensor:
    """Sums ``g`` down to ``shape``: the gradient rule of NumPy broadcasting, applied once."""
    shape = tuple(shape)
    lead = g._value.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, d in enumerate(shape) if d == 1 and g._value.shape[i + lead] != 1)
    if axes:
        g = reduce_sum(g, axis=axes, keepdims=True)
    if g._value.shape != shape:
        g = reshape(g, shape)
    return g


def _int_dtype(v: np.ndarray):
    # NumPy widens int32 sums and products to int64; TF keeps the input's dtype.
    return v.dtype if v.dtype.kind in "iu" else None


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Σ over ``axis`` (every axis when None)."""
    x = _t(input_tensor)
    axes = _axes(axis, x.ndim, "Sum")
    value = x._value.sum(axis=axes, keepdims=keepdims, dtype=_int_dtype(x._value))
    return apply("Sum", value, (x,),
                 {"axes": axes, "keepdims": keepdims})


@register_gradient("Sum")
def _sum_grad(g, out, x, axes, keepdims):
    return broadcast_to(_expand_back(g, x, axes, keepdims), x._value.shape)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over ``axis``; integer tensors give an integer (truncated) mean, as TF does."""
    x = _t(input_tensor)
    axes = _axes(axis, x.ndim, "Mean")
    if x._value.dtype.kind in "iu":
        s = np.sum(x._value, axis=axes, keepdims=keepdims)
        n = max(int(np.prod([x._value.shape[a] for a in axes])), 1)
        return Tensor._wrap((s // n).astype(x._value.dtype))
    with np.errstate(invalid="ignore", divide="ignore"):
        value = x._value.mean(axis=axes, keepdims=keepdims)
    return apply("Mean", np.asarray(value, dtype=x._value.dtype), (x,),
                 {"axes": axes, "keepdims": keepdims})


@register_gradient("Mean")
def _mean_grad(g, out, x, axes, keepdims):
    shape = x._value.shape
    n = 1
    for a in axes:
        n *= shape[a]
    return broadcast_to(multiply(_expand_back(g, x, axes, keepdims), 1.0 / max(n, 1)), shape)


def _extreme(name, fn):
    def reduce(input_tensor, axis=None, keepdims=False, name=None):
        x = _t(input_tensor)
        axes = _axes(axis, x.ndim, op_name)
        if x._value.size == 0:
            raise InvalidArgumentError(f"{op_name}: cannot reduce an empty tensor of shape "
                                       f"{tuple(x.shape)}.")
        return apply(op_name, fn(x._value, axis=axes, keepdims=keepdims), (x,),
                     {"axes": axes, "keepdims": keepdims})
    op_name = name
    reduce.__doc__ = f"{name} over ``axis``; ties share the gradient equally."
    return reduce


reduce_max = _extreme("Max", np.max)
reduce_min = _extreme("Min", np.min)


def _extreme_grad(g, out, x, axes, keepdims):
    o = out._value if keepdims else out._value.reshape(_kept_shape(x._value.shape, axes))
    hit = x._value == o
    share = hit.astype(g._value.dtype)
    share /= share.sum(axis=axes, keepdims=True)
    # Selected before the share multiplies it, so an infinite incoming gradient gives 0,
    # not NaN, where x is not the extreme.
    picked = where(hit, _expand_back(g, x, axes, keepdims), zeros_like(x))
    return multiply(picked, Tensor._wrap(share))


register_gradient("Max")(_extreme_grad)
register_gradient("Min")(_extreme_grad)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Π over ``axis``."""
    x = _t(input_tensor)
    axes = _axes(axis, x.ndim, "Prod")
    value = np.prod(x._value, axis=axes, keepdims=keepdims, dtype=_int_dtype(x._value))
    return apply("Prod", value, (x,),
                 {"axes": axes, "keepdims": keepdims})


@register_gradient("Prod")
def _prod_grad(g, out, x, axes, keepdims):
    g_full = broadcast_to(_expand_back(g, x, axes, keepdims), x._value.shape)
    if np.all(x._value != 0):
        # d/dx_i Π x = Π / x_i, written in ops so a tape watching this rule differentiates again.
        return multiply(g_full, divide(_expand_back(out, x, axes, keepdims), x))
    # With a zero factor: Π_{j≠i} x_j from exclusive cumulative products (first order only).
    moved = np.moveaxis(x._value, axes, range(len(axes)))
    flat = moved.reshape((-1,) + moved.shape[len(axes):])
    left = np.cumprod(np.concatenate([np.ones_like(flat[:1]), flat[:-1]]), axis=0)
    right = np.cumprod(np.concatenate([np.ones_like(flat[:1]), flat[::-1][:-1]]), axis=0)[::-1]
    others = (left * right).reshape(moved.shape)
    others = np.moveaxis(others, range(len(axes)), axes)
    return multiply(g_full, Tensor._wrap(np.ascontiguousarray(others)))


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log Σ exp(x), stable by subtracting the max first (no overflow for large x)."""
    x = _t(input_tensor)
    axes = _axes(axis, x.ndim, "LogSumExp")
    v = x._value
    m = np.max(v, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        value = np.log(np.sum(np.exp(v - m), axis=axes, keepdims=True)) + m
    if not keepdims:
        value = value.reshape([d for i, d in enumerate(v.shape) if i not in axes])
    return apply("LogSumExp", value.astype(v.dtype), (x,), {"axes": axes, "keepdims": keepdims})


@register_gradient("LogSumExp")
def _lse_grad(g, out, x, axes, keepdims):
    o = _expand_back(out, x, axes, keepdims)
    return multiply(_expand_back(g, x, axes, keepdims), exp(subtract(x, o)))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance E[(x - E[x])²] over ``axis``."""
    x = _t(input_tensor)
    mean = reduce_mean(x, axis=axis, keepdims=True)
    return reduce_mean(square(subtract(x, mean)), axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation over ``axis``."""
    return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    x = _t(input_tensor)
    return Tensor._wrap(np.any(x._value, axis=_axes(axis, x.ndim, "Any"), keepdims=keepdims))


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    x = _t(input_tensor)
    return Tensor._wrap(np.all(x._value, axis=_axes(axis, x.ndim, "All"), keepdims=keepdims))


def count_nonzero(input, axis=None, keepdims=False, dtype=None, name=None):
    x = _t(input)
    c = np.count_nonzero(x._value, axis=_axes(axis, x.ndim, "CountNonzero"), keepdims=keepdims)
    return Tensor._wrap(np.asarray(c, dtype=np.int64))


def argmax(input, axis=None, output_type=None, name=None):
    """Index of the largest value along ``axis`` (default 0, as TF), int64."""
    x = _t(input)
    a = 0 if axis is None else int(axis)
    dt = np.int64 if output_type is None else np.dtype(str(getattr(output_type, "name",
                                                                   output_type)))
    return Tensor._wrap(np.argmax(x._value, axis=a).astype(dt))


def argmin(input, axis=None, output_type=None, name=None):
    """Index of the smallest value along ``axis`` (default 0, as TF), int64."""
    x = _t(input)
    a = 0 if axis is None else int(axis)
    dt = np.int64 if output_type is None else np.dtype(str(getattr(output_type, "name",
                                                                   output_type)))
    return Tensor._wrap(np.argmin(x._value, axis=a).astype(dt))


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along ``axis``."""
    x = _t(x)
    v = np.flip(x._value, axis) if reverse else x._value
    c = np.cumsum(v, axis=axis, dtype=_int_dtype(v))
    if exclusive:
        c = c - v
    if reverse:
        c = np.flip(c, axis)
    return apply("Cumsum", np.ascontiguousarray(c), (x,),
                 {"axis": axis, "exclusive": exclusive, "reverse": reverse})


@register_gradient("Cumsum")
def _cumsum_grad(g, out, x, axis, exclusive, reverse):
    return cumsum(g, axis=axis, exclusive=exclusive, reverse=not reverse)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """Vector norm over ``axis`` (all elements when None): euclidean (2), 1 or inf."""
    x = _t(tensor)
    keep = bool(keepdims)
    if ord in ("euclidean", 2, 2.0, "fro"):
        return sqrt(reduce_sum(square(x), axis=axis, keepdims=keep))
    if ord in (1, 1.0):
        return reduce_sum(abs_(x), axis=axis, keepdims=keep)
    if ord in (np.inf, "inf"):
        return reduce_max(abs_(x), axis=axis, keepdims=keep)
    raise ValueError(f"norm: ord must be 'euclidean', 1, 2 or np.inf; received {ord!r}.")


def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    x = _t(x)
    sq = reduce_sum(square(x), axis=axis, keepdims=True)
    return multiply(x, rsqrt(maximum(sq, epsilon)))


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) over ``axes``, as ``tf.nn.moments``."""
    mean = reduce_mean(x, axis=axes, keepdims=True)
    var = reduce_mean(square(subtract(x, mean)), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = reduce_mean(x, axis=axes, keepdims=False)
    return mean, var

