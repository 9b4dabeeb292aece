"""Segment reductions and counting (``tf.math``): rows of ``data`` that share a segment id
are reduced together, and ``bincount`` counts values.

    unsorted_segment_sum(data, ids, n)[s] = Σ_{i : ids[i] = s} data[i]

``ids`` may have several axes (a prefix of ``data``'s shape); negative ids are dropped. The
``segment_*`` versions need sorted 1-D ids and make ``ids[-1] + 1`` segments. Every
reduction is built on two primitives, a segment sum and a segment max/min/prod, whose
gradients gather the upstream gradient back to each row (as TF's rules do).
"""

from __future__ import annotations

import numpy as np

from ember import dtypes
from ember.errors import InvalidArgumentError
from ember.ops.array import gather
from ember.ops.math import divide, multiply, sqrt, where
from ember.record import apply, register_gradient
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t

__all__ = [
    "bincount", "segment_max", "segment_mean", "segment_min", "segment_prod", "segment_sum",
    "unsorted_segment_max", "unsorted_segment_mean", "unsorted_segment_min",
    "unsorted_segment_prod", "unsorted_segment_sqrt_n", "unsorted_segment_sum",
]


def _ids(segment_ids, data, op) -> np.ndarray:
    ids = np.asarray(_t(segment_ids)._value)
    if ids.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: segment_ids must be an integer tensor; received "
                                   f"dtype {ids.dtype}.")
    if data.ndim < ids.ndim or data._value.shape[:ids.ndim] != ids.shape:
        raise InvalidArgumentError(f"{op}: the shape of segment_ids {ids.shape} must be a "
                                   f"prefix of the shape of data {tuple(data.shape)}.")
    return ids.astype(np.int64)


def _num_segments(num_segments, op) -> int:
    n = int(num_segments._value) if isinstance(num_segments, Tensor) else int(num_segments)
    if n < 0:
        raise InvalidArgumentError(f"{op}: num_segments must be >= 0; received {n}.")
    return n


def _rows(data, ids):
    """(data as (N, rest...), ids as (N,), kept mask): ids' axes flattened into one."""
    flat = data._value.reshape((ids.size,) + data._value.shape[ids.ndim:])
    return flat, ids.ravel()


def _check_range(ids, n, op):
    bad = ids >= n
    if bad.any():
        i = int(np.argmax(bad.ravel()))
        raise InvalidArgumentError(f"{op}: segment_ids[{i}] = {ids.ravel()[i]} is out of range "
                                   f"[0, {n}); pass a larger num_segments.")


def _gather_rows(g, ids):
    """``g[ids]`` with rows of negative (dropped) ids set to 0: the gradient's gather."""
    keep = ids >= 0
    out = gather(g, np.maximum(ids, 0))
    if keep.all():
        return out
    mask = keep.reshape(ids.shape + (1,) * (out.ndim - ids.ndim)).astype(out._value.dtype)
    return multiply(out, mask)


# -- the primitives -----------------------------------------------------------------------

def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """``out[s] = Σ data[i]`` over the rows i with ``segment_ids[i] = s`` (0 if none)."""
    x = _t(data)
    ids = _ids(segment_ids, x, "UnsortedSegmentSum")
    n = _num_segments(num_segments, "UnsortedSegmentSum")
    _check_range(ids, n, "UnsortedSegmentSum")
    flat, fids = _rows(x, ids)
    out = np.zeros((n,) + flat.shape[1:], flat.dtype)
    keep = fids >= 0
    np.add.at(out, fids[keep], flat[keep])
    return apply("UnsortedSegmentSum", out, (x,), {"ids": ids})


@register_gradient("UnsortedSegmentSum")
def _segment_sum_grad(g, out, x, ids):
    return _gather_rows(g, ids)


_REDUCERS = {"UnsortedSegmentMax": (np.maximum, "min"), "UnsortedSegmentMin": (np.minimum, "max"),
             "UnsortedSegmentProd": (np.multiply, None)}


def _extreme_value(dtype, which):
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    return info.min if which == "min" else info.max


def _segment_reduce(op, data, segment_ids, num_segments):
    x = _t(data)
    ids = _ids(segment_ids, x, op)
    n = _num_segments(num_segments, op)
    _check_range(ids, n, op)
    flat, fids = _rows(x, ids)
    ufunc, start = _REDUCERS[op]
    # Empty segments keep the identity TF gives them: lowest for max, highest for min, 1.
    fill = 1 if start is None else _extreme_value(flat.dtype, start)
    out = np.full((n,) + flat.shape[1:], fill, flat.dtype)
    keep = fids >= 0
    ufunc.at(out, fids[keep], flat[keep])
    return apply(op, out, (x,), {"ids": ids, "n": n})


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """``out[s] = max data[i]`` over the rows of segment s (the dtype's lowest if none)."""
    return _segment_reduce("UnsortedSegmentMax", data, segment_ids, num_segments)


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """``out[s] = min data[i]`` over the rows of segment s (the dtype's highest if none)."""
    return _segment_reduce("UnsortedSegmentMin", data, segment_ids, num_segments)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """``out[s] = Π data[i]`` over the rows of segment s (1 if none)."""
    return _segment_reduce("UnsortedSegmentProd", data, segment_ids, num_segments)


@register_gradient("UnsortedSegmentMax")
@register_gradient("UnsortedSegmentMin")
def _segment_extreme_grad(g, out, x, ids, n):
    # The gradient goes to the rows equal to their segment's result, shared between ties.
    chosen = x._value == np.take(out._value, np.maximum(ids, 0), axis=0)
    chosen &= (ids >= 0).reshape(ids.shape + (1,) * (x.ndim - ids.ndim))
    flat_chosen, fids = chosen.reshape((ids.size,) + chosen.shape[ids.ndim:]), ids.ravel()
    count = np.zeros(out._value.shape, out._value.dtype)
    np.add.at(count, fids[fids >= 0], flat_chosen[fids >= 0])
    share = divide(g, np.maximum(count, 1))
    return multiply(_gather_rows(share, ids), chosen.astype(x._value.dtype))


@register_gradient("UnsortedSegmentProd")
def _segment_prod_grad(g, out, x, ids, n):
    # Π of the other rows: out / x, except at a zero (the product of the segment's non-zero
    # rows when it is the only zero, else 0), as TF's rule.
    xv = x._value
    is_zero = xv == 0
    flat_zero = is_zero.reshape((ids.size,) + xv.shape[ids.ndim:]).astype(np.int64)
    fids = ids.ravel()
    zeros_per = np.zeros(out._value.shape, np.int64)
    np.add.at(zeros_per, fids[fids >= 0], flat_zero[fids >= 0])
    g = where(zeros_per > 1, np.zeros_like(g._value), g)
    non_zero_prod = unsorted_segment_prod(where(is_zero, np.ones_like(xv), x), ids, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_element = divide(_gather_rows(out, ids), where(is_zero, np.ones_like(xv), x))
    partial = where(is_zero, _gather_rows(non_zero_prod, ids), by_element)
    return multiply(_gather_rows(g, ids), partial)


# -- composites -----------------------------------------------------------------------------

def _counts(data, segment_ids, num_segments, op):
    x = _t(data)
    ids = _ids(segment_ids, x, op)
    n = _num_segments(num_segments, op)
    fids = ids.ravel()
    c = np.bincount(fids[fids >= 0], minlength=n)[:n].astype(x._value.dtype)
    return np.maximum(c, 1).reshape((n,) + (1,) * (x.ndim - ids.ndim))


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of each segment's rows (0 for an empty segment)."""
    total = unsorted_segment_sum(data, segment_ids, num_segments)
    return divide(total, _counts(data, segment_ids, num_segments, "UnsortedSegmentMean"))


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Each segment's sum divided by √(its number of rows) (0 for an empty segment)."""
    total = unsorted_segment_sum(data, segment_ids, num_segments)
    return divide(total, sqrt(_t(_counts(data, segment_ids, num_segments,
                                         "UnsortedSegmentSqrtN"))))


def _sorted(data, segment_ids, op):
    x = _t(data)
    ids = np.asarray(_t(segment_ids)._value)
    if ids.ndim != 1:
        raise InvalidArgumentError(f"{op}: segment_ids must be 1-D; received shape {ids.shape}.")
    if x.ndim == 0 or ids.shape[0] != x._value.shape[0]:
        raise InvalidArgumentError(f"{op}: segment_ids should be the same size as dimension 0 "
                                   f"of input; received {ids.shape[0]} ids for data of shape "
                                   f"{tuple(x.shape)}.")
    if ids.size and (ids[0] < 0 or np.any(np.diff(ids) < 0)):
        raise InvalidArgumentError(f"{op}: segment ids are not increasing (and >= 0); "
                                   f"received {ids.tolist()}.")
    return x, ids, int(ids[-1]) + 1 if ids.size else 0


def segment_sum(data, segment_ids, name=None):
    """Sum of each segment's rows; ``segment_ids`` sorted, ``ids[-1] + 1`` segments."""
    x, ids, n = _sorted(data, segment_ids, "SegmentSum")
    return unsorted_segment_sum(x, ids, n)


def segment_mean(data, segment_ids, name=None):
    """Mean of each segment's rows (0 for an id that does not occur)."""
    x, ids, n = _sorted(data, segment_ids, "SegmentMean")
    return unsorted_segment_mean(x, ids, n)


def segment_prod(data, segment_ids, name=None):
    """Product of each segment's rows (1 for an id that does not occur)."""
    x, ids, n = _sorted(data, segment_ids, "SegmentProd")
    return unsorted_segment_prod(x, ids, n)


def _zero_empty(result, ids, n):
    present = np.bincount(ids, minlength=n)[:n] > 0
    if present.all():
        return result
    mask = present.reshape((n,) + (1,) * (result.ndim - 1))
    return where(mask, result, np.zeros_like(result._value))


def segment_max(data, segment_ids, name=None):
    """Max of each segment's rows (0 for an id that does not occur)."""
    x, ids, n = _sorted(data, segment_ids, "SegmentMax")
    return _zero_empty(unsorted_segment_max(x, ids, n), ids, n)


def segment_min(data, segment_ids, name=None):
    """Min of each segment's rows (0 for an id that does not occur)."""
    x, ids, n = _sorted(data, segment_ids, "SegmentMin")
    return _zero_empty(unsorted_segment_min(x, ids, n), ids, n)


# -- counting ----------------------------------------------------------------------------

def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False):
    """How often each value 0, 1, 2, ... occurs in ``arr`` (or the sum of its ``weights``).

    The length is ``max(arr) + 1``, at least ``minlength`` and at most ``maxlength``
    (larger values are not counted). ``axis=-1`` counts each row of a 2-D ``arr``;
    ``binary_output`` gives 1 where a value occurs. The result has ``weights``' dtype when
    weights are given, else ``dtype``.
    """
    a = np.asarray(_t(arr)._value)
    if a.dtype.kind not in "iuf":
        raise InvalidArgumentError(f"bincount: arr must hold integers; received dtype "
                                   f"{a.dtype}.")
    a = a.astype(np.int64)
    if a.size and a.min() < 0:
        raise InvalidArgumentError("bincount: Input arr must be non-negative! Received "
                                   f"a minimum of {int(a.min())}.")
    if axis not in (None, 0, -1):
        raise InvalidArgumentError(f"bincount: axis must be None, 0 or -1; received {axis}.")
    if axis == -1 and a.ndim != 2:
        raise InvalidArgumentError(f"bincount: axis=-1 counts the rows of a 2-D arr; received "
                                   f"shape {a.shape}.")
    w = None
    if weights is not None:
        w = np.asarray(_t(weights)._value)
        if w.shape != a.shape:
            raise InvalidArgumentError(f"bincount: weights must have the shape of arr "
                                       f"{a.shape}; received {w.shape}.")
    length = int(a.max()) + 1 if a.size else 0
    if minlength is not None:
        length = max(length, int(minlength))
    if maxlength is not None:
        length = min(length, int(maxlength))
    out_dtype = w.dtype if w is not None else dtypes.as_dtype(dtype)._np
    if axis == -1:
        rows = [_count(r, None if w is None else w[i], length, binary_output, out_dtype)
                for i, r in enumerate(a)]
        return Tensor._wrap(np.stack(rows) if rows else np.zeros((0, length), out_dtype))
    a = a.ravel()
    return Tensor._wrap(_count(a, None if w is None else w.ravel(), length, binary_output,
                               out_dtype))


def _count(a, w, length, binary, dtype):
    keep = a < length
    out = np.bincount(a[keep], None if w is None or binary else w[keep], minlength=length)
    if binary:
        out = (out > 0)
    return out[:length].astype(dtype)

