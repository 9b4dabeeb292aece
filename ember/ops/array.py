"""Shape and indexing ops (reshape, transpose, concat, gather, slicing) with their gradients."""

from __future__ import annotations

import builtins

import numpy as np

from ember import dtypes
from ember.errors import InvalidArgumentError
from ember.record import apply, register_gradient
from ember.tensor import Tensor, Variable
from ember.tensor import ensure_tensor as _t

__all__ = [
    "TopKV2", "argsort", "boolean_mask", "broadcast_to", "concat", "expand_dims", "eye", "fill",
    "gather", "getitem", "identity", "linspace", "meshgrid", "one_hot", "ones", "pad",
    "range", "rank", "reshape", "reverse", "shape", "size", "sort", "split", "squeeze", "stack",
    "stop_gradient", "tile", "top_k", "transpose", "unique", "unstack", "zeros",
]


def _view(x: Tensor, value: np.ndarray) -> np.ndarray:
    # A variable's buffer is updated in place by optimizers: results must not alias it.
    return value.copy() if isinstance(x, Variable) else value


def _ints(v) -> list:
    if isinstance(v, Tensor):
        v = v._value
    if isinstance(v, (int, np.integer)):
        return [int(v)]
    return [int(d._value) if isinstance(d, Tensor) else (-1 if d is None else int(d))
            for d in v]


# -- constants --------------------------------------------------------------------------

def _dt(dtype, default=np.float32):
    return default if dtype is None else dtypes.as_dtype(dtype)._np


def zeros(shape, dtype=None, name=None):
    """A tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    return Tensor._wrap(np.zeros(_ints(shape), _dt(dtype)))


def ones(shape, dtype=None, name=None):
    """A tensor of ones (float32 unless ``dtype`` says otherwise)."""
    return Tensor._wrap(np.ones(_ints(shape), _dt(dtype)))


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with ``value`` (its dtype inferred as TF does)."""
    v = _t(value)._value
    return Tensor._wrap(np.full(_ints(dims), v, dtype=v.dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=None, name=None):
    """The identity matrix (optionally batched)."""
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns),
               dtype=_dt(dtype))
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(_ints(batch_shape)) + m.shape).copy()
    return Tensor._wrap(m)


def range(start, limit=None, delta=1, dtype=None, name="range"):
    """Like Python's range: int32 for int arguments, float32 if any is a float."""
    if limit is None:
        start, limit = 0, start
    vals = [v._value.item() if isinstance(v, Tensor) else v for v in (start, limit, delta)]
    is_float = any(isinstance(v, float) for v in vals)
    default = np.float32 if is_float else np.int32
    return Tensor._wrap(np.arange(*vals, dtype=_dt(dtype, default)))


def linspace(start, stop, num, name=None, axis=0):
    """``num`` evenly spaced values from start to stop inclusive."""
    s, e = _t(start), _t(stop)
    dt = s._value.dtype if s._value.dtype.kind == "f" else np.float32
    return Tensor._wrap(np.linspace(s._value, e._value, int(num), axis=axis).astype(dt))


def identity(x, name=None):
    """The same value as a new tensor (gradient passes through)."""
    x = _t(x)
    return apply("Identity", x._value.copy() if isinstance(x, Variable) else x._value, (x,))


@register_gradient("Identity")
def _identity_grad(g, out, x):
    return g


def stop_gradient(x, name=None):
    """The same value, but no gradient flows back through it (not recorded by any tape)."""
    x = _t(x)
    return Tensor._wrap(_view(x, x._value))


# -- shape ------------------------------------------------------------------------------

def shape(x, out_type=None, name=None):
    """The shape as an int32 tensor."""
    return Tensor._wrap(np.array(_t(x)._value.shape, dtype=_dt(out_type, np.int32)))


def size(x, out_type=None, name=None):
    return Tensor._wrap(np.array(_t(x)._value.size, dtype=_dt(out_type, np.int32)))


def rank(x, name=None):
    return Tensor._wrap(np.array(_t(x)._value.ndim, dtype=np.int32))


def reshape(x, shape, name=None):
    """The same values in a new shape; one dimension may be -1 (inferred)."""
    x = _t(x)
    dims = _ints(shape)
    try:
        value = x._value.reshape(dims)
    except ValueError:
        raise InvalidArgumentError(
            f"Reshape: cannot reshape a tensor with {x._value.size} elements (shape "
            f"{tuple(x.shape)}) to shape {tuple(dims)}.") from None
    return apply("Reshape", _view(x, value), (x,))


@register_gradient("Reshape")
def _reshape_grad(g, out, x):
    return reshape(g, x._value.shape)


def squeeze(x, axis=None, name=None):
    """Removes size-1 axes (all of them, or those in ``axis``)."""
    x = _t(x)
    if axis is not None:
        axes = [a % x.ndim for a in _ints(axis)]
        for a in axes:
            if x._value.shape[a] != 1:
                raise InvalidArgumentError(f"Squeeze: cannot squeeze axis {a} of shape "
                                           f"{tuple(x.shape)}: its size is not 1.")
        new = [d for i, d in enumerate(x._value.shape) if i not in axes]
    else:
        new = [d for d in x._value.shape if d != 1]
    return reshape(x, new)


def expand_dims(x, axis, name=None):
    """Inserts a size-1 axis at ``axis`` (negative counts from the end of the result)."""
    x = _t(x)
    a = int(axis)
    if a < 0:
        a += x.ndim + 1
    if not 0 <= a <= x.ndim:
        raise InvalidArgumentError(f"ExpandDims: axis {axis} is out of range for a tensor of "
                                   f"rank {x.ndim}.")
    new = list(x._value.shape)
    new.insert(a, 1)
    return reshape(x, new)


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permutes axes (reverses them when ``perm`` is None)."""
    a = _t(a)
    perm = list(builtins.range(a.ndim))[::-1] if perm is None else _ints(perm)
    if sorted(p % max(a.ndim, 1) for p in perm) != list(builtins.range(a.ndim)):
        raise InvalidArgumentError(f"Transpose: perm {perm} is not a permutation of the "
                                   f"{a.ndim} axes of shape {tuple(a.shape)}.")
    return apply("Transpose", _view(a, np.transpose(a._value, perm)), (a,), {"perm": perm})


@register_gradient("Transpose")
def _transpose_grad(g, out, x, perm):
    return transpose(g, list(np.argsort(perm)))


def broadcast_to(x, shape, name=None):
    """Broadcasts ``x`` to ``shape``; the gradient sums back over the broadcast axes."""
    x = _t(x)
    dims = _ints(shape)
    try:
        value = np.broadcast_to(x._value, dims)
    except ValueError:
        raise InvalidArgumentError(f"BroadcastTo: cannot broadcast shape {tuple(x.shape)} to "
                                   f"{tuple(dims)}.") from None
    return apply("BroadcastTo", _view(x, value), (x,))


@register_gradient("BroadcastTo")
def _broadcast_to_grad(g, out, x):
    return g  # the tape's unbroadcast sums it back to x's shape


def concat(values, axis, name="concat"):
    """Joins tensors along an existing axis."""
    ts = [_t(v) for v in values]
    if not ts:
        raise ValueError("concat: values must be a non-empty list of tensors.")
    dt = ts[0]._value.dtype
    for t in ts:
        if t._value.dtype != dt:
            raise InvalidArgumentError(f"ConcatV2: all inputs must have the same dtype; got "
                                       f"{[x.dtype.name for x in ts]}.")
    try:
        value = np.concatenate([t._value for t in ts], axis=int(axis))
    except ValueError as e:
        raise InvalidArgumentError(f"ConcatV2: shapes {[tuple(t.shape) for t in ts]} cannot be "
                                   f"joined along axis {axis} ({e}).") from None
    sizes = [t._value.shape[int(axis)] for t in ts]
    return apply("ConcatV2", value, tuple(ts), {"axis": int(axis), "sizes": sizes})


@register_gradient("ConcatV2")
def _concat_grad(g, out, *inputs, axis, sizes):
    return tuple(split(g, sizes, axis=axis))


def stack(values, axis=0, name="stack"):
    """Stacks tensors of the same shape along a new axis."""
    ts = [_t(v) for v in values]
    if not ts:
        raise ValueError("stack: values must be a non-empty list of tensors.")
    shapes = {t._value.shape for t in ts}
    if len(shapes) > 1:
        raise InvalidArgumentError(f"Pack: shapes of all inputs must match; got "
                                   f"{[tuple(t.shape) for t in ts]}.")
    return concat([expand_dims(t, axis) for t in ts], axis if axis >= 0 else axis)


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits a tensor into a list along ``axis`` (that axis is removed)."""
    x = _t(value)
    n = x._value.shape[axis]
    return [squeeze(p, axis) for p in split(x, n, axis=axis)]


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits into equal parts (an int) or parts of the given sizes (a list)."""
    x = _t(value)
    axis = int(axis)
    dim = x._value.shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        n = int(num_or_size_splits)
        if n <= 0 or dim % n:
            raise InvalidArgumentError(f"Split: dimension {axis} of size {dim} cannot be split "
                                       f"into {n} equal parts.")
        sizes = [dim // n] * n
    else:
        sizes = _ints(num_or_size_splits)
        if -1 in sizes:
            sizes[sizes.index(-1)] = dim - (builtins.sum(sizes) + 1)
        if builtins.sum(sizes) != dim:
            raise InvalidArgumentError(f"Split: sizes {sizes} do not add up to dimension "
                                       f"{axis} of size {dim}.")
    out, start = [], 0
    for s in sizes:
        idx = [slice(None)] * x.ndim
        idx[axis] = slice(start, start + s)
        out.append(getitem(x, tuple(idx)))
        start += s
    return out


def tile(input, multiples, name=None):
    """Repeats the tensor ``multiples[i]`` times along axis i."""
    x = _t(input)
    reps = _ints(multiples)
    if len(reps) != x.ndim:
        raise InvalidArgumentError(f"Tile: multiples has {len(reps)} entries but the input "
                                   f"has rank {x.ndim}.")
    return apply("Tile", np.tile(x._value, reps), (x,), {"reps": reps})


@register_gradient("Tile")
def _tile_grad(g, out, x, reps):
    return _untile(g, reps, x._value.shape)


def _untile(g, reps, shape):
    """Sums the ``reps`` copies of each block back into ``shape``: Tile's backward as one op.

    Its own gradient is ``tile`` again (each copy received the same value), so this module
    needs no reduction op and second derivatives stay exact.
    """
    split_shape = []
    for r, d in zip(reps, shape):
        split_shape += [r, d]
    value = g._value.reshape(split_shape).sum(axis=tuple(builtins.range(0, 2 * len(reps), 2)))
    return apply("TileGrad", value, (g,), {"reps": reps})


@register_gradient("TileGrad")
def _untile_grad(gg, out, g, reps):
    return tile(gg, reps)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads with ``constant_values`` (mode CONSTANT) or reflects (REFLECT/SYMMETRIC)."""
    x = _t(tensor)
    p = [tuple(_ints(r)) for r in (paddings._value if isinstance(paddings, Tensor) else paddings)]
    if mode.upper() == "CONSTANT":
        value = np.pad(x._value, p, constant_values=constant_values)
    else:
        value = np.pad(x._value, p, mode={"REFLECT": "reflect",
                                          "SYMMETRIC": "symmetric"}[mode.upper()])
        if x._value.dtype.kind == "f":
            raise InvalidArgumentError("pad: gradients of REFLECT/SYMMETRIC padding are not "
                                       "supported; use mode='CONSTANT'.")
    return apply("Pad", value, (x,), {"paddings": p})


@register_gradient("Pad")
def _pad_grad(g, out, x, paddings):
    idx = tuple(slice(lo, lo + d) for (lo, _), d in zip(paddings, x._value.shape))
    return getitem(g, idx)


# -- indexing ---------------------------------------------------------------------------

def _key(key):
    """Tensors inside an index become plain ints/arrays."""
    if isinstance(key, tuple):
        return tuple(_key(k) for k in key)
    if isinstance(key, Tensor):
        v = key._value
        return v.item() if v.ndim == 0 else v
    if isinstance(key, list):
        return np.asarray(key)
    return key


def getitem(x, key):
    """``x[key]`` with ints, slices (negative steps too), Ellipsis, None/newaxis or index arrays."""
    x = _t(x)
    key = _key(key)
    try:
        value = x._value[key]
    except IndexError as e:
        raise InvalidArgumentError(f"slicing a tensor of shape {tuple(x.shape)} with {key!r}: "
                                   f"{e}") from None
    # One element of a string tensor comes out as bytes; keep it an object (string) array.
    value = np.asarray(value, dtype=object if x._value.dtype == object else None)
    basic = _is_basic(key)
    if basic:
        value = _view(x, value)
    return apply("StridedSlice", value, (x,), {"key": key, "basic": basic})


def _is_basic(key) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice))
               for k in keys)


@register_gradient("StridedSlice")
def _getitem_grad(g, out, x, key, basic):
    return _slice_grad(g, key, x._value.shape, basic)


def _slice_grad(g, key, shape, basic):
    """Zeros of ``shape`` with ``g`` placed at ``key`` (summed where advanced indices repeat)."""
    z = np.zeros(shape, g._value.dtype)
    if basic:
        z[key] = g._value
    else:
        np.add.at(z, key, g._value)
    return apply("SliceGrad", z, (g,), {"key": key})


@register_gradient("SliceGrad")
def _slice_grad_grad(gg, out, g, key):
    return getitem(gg, key)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Picks slices of ``params`` along ``axis`` at ``indices``; gradient scatters back."""
    x = _t(params)
    idx = np.asarray(_t(indices)._value)
    axis = 0 if axis is None else int(axis) % x.ndim
    if batch_dims:
        raise InvalidArgumentError("gather: batch_dims is not supported by Ember; use "
                                   "tf.gather_nd or reshape first.")
    n = x._value.shape[axis]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].ravel()[0]
        raise InvalidArgumentError(f"GatherV2: indices contains {bad}, which is not in "
                                   f"[0, {n}) for axis {axis} of shape {tuple(x.shape)}.")
    return apply("GatherV2", np.take(x._value, idx, axis=axis), (x,),
                 {"idx": idx, "axis": axis})


@register_gradient("GatherV2")
def _gather_grad(g, out, x, idx, axis):
    key = (slice(None),) * axis + (idx,)
    return _slice_grad(g, key, x._value.shape, basic=False)


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D coordinate vectors, one output per input.

    ``indexing='xy'`` (default, Cartesian) gives outputs of shape (len(y), len(x), ...) for
    inputs x, y, ...; ``indexing='ij'`` (matrix) gives (len(x), len(y), ...). Each input is
    flattened first; all must share a dtype.
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}; only "
                        "'indexing' and 'name' are accepted.")
    if indexing not in ("xy", "ij"):
        raise ValueError("Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"{indexing!r}")
    xs = [reshape(_t(a), [-1]) for a in args]
    if not xs:
        return []
    if len({x._value.dtype for x in xs}) > 1:
        raise InvalidArgumentError(f"meshgrid: all inputs must have the same dtype; received "
                                   f"{[x.dtype.name for x in xs]}.")
    sizes = [x._value.shape[0] for x in xs]
    if indexing == "xy" and len(xs) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, x in enumerate(xs):
        axis = i if indexing == "ij" or len(xs) == 1 or i > 1 else 1 - i
        shape = [1] * len(xs)
        shape[axis] = -1
        out.append(broadcast_to(reshape(x, shape), sizes))
    return out


def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The elements where ``mask`` is true (flattened over the mask's axes)."""
    m = np.asarray(_t(mask)._value, dtype=bool)
    return getitem(tensor, m)


def reverse(tensor, axis, name=None):
    x = _t(tensor)
    key = [slice(None)] * x.ndim
    for a in _ints(axis):
        key[a] = slice(None, None, -1)
    return getitem(x, tuple(key))


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encodes integer labels (an index out of range gives an all-off row, as TF)."""
    idx = np.asarray(_t(indices)._value)
    if idx.dtype.kind not in "iu":
        raise InvalidArgumentError(f"one_hot: indices must be integers, got {idx.dtype}.")
    dt = _dt(dtype)
    if on_value is None and off_value is None:
        # Rows of the identity matrix; the extra all-zero row serves out-of-range labels.
        table = np.eye(int(depth) + 1, int(depth), dtype=dt)
        value = table[np.where((idx >= 0) & (idx < depth), idx, depth)]
    else:
        on = 1 if on_value is None else on_value
        off = 0 if off_value is None else off_value
        value = np.where(idx[..., None] == np.arange(int(depth)), on, off).astype(dt)
    if axis is not None and axis != -1:
        value = np.moveaxis(value, -1, axis)
    return Tensor._wrap(value)


# -- sorting ----------------------------------------------------------------------------

def sort(values, axis=-1, direction="ASCENDING", name=None):
    """Sorted values along ``axis``; the gradient goes back to where each value came from."""
    x = _t(values)
    order = argsort(x, axis=axis, direction=direction)._value
    return _take_along(x, order, axis)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    v = _t(values)._value
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"direction must be 'ASCENDING' or 'DESCENDING'; received {direction!r}.")
    order = np.argsort(-v if direction == "DESCENDING" else v, axis=axis, kind="stable")
    return Tensor._wrap(order.astype(np.int32))


def _take_along(x, order, axis):
    return apply("TakeAlong", np.take_along_axis(x._value, order, axis=axis), (x,),
                 {"order": order, "axis": axis})


@register_gradient("TakeAlong")
def _take_along_grad(g, out, x, order, axis):
    inverse = np.argsort(order, axis=axis)
    return _take_along(g, inverse, axis) if order.shape == x._value.shape else \
        _scatter_along(g, order, axis, x._value.shape)


def _scatter_along(g, order, axis, shape):
    z = np.zeros(shape, g._value.dtype)
    np.put_along_axis(z, order, g._value, axis=axis)
    return apply("ScatterAlong", z, (g,), {"order": order, "axis": axis})


@register_gradient("ScatterAlong")
def _scatter_along_grad(gg, out, g, order, axis):
    return _take_along(gg, order, axis)


class TopKV2(tuple):
    """``(values, indices)`` of ``top_k``, also reachable as ``.values`` and ``.indices``."""

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def top_k(input, k=1, sorted=True, name=None):
    """The k largest entries of the last axis and their indices (values carry a gradient)."""
    x = _t(input)
    n = x._value.shape[-1]
    if not 0 <= int(k) <= n:
        raise InvalidArgumentError(f"top_k: k={k} is out of range for a last axis of size {n}.")
    order = np.argsort(-x._value, axis=-1, kind="stable")[..., : int(k)]
    values = _take_along(x, order, -1)
    return TopKV2((values, Tensor._wrap(order.astype(np.int32))))


def unique(x, out_idx=None, name=None):
    v = _t(x)._value
    vals, first, inv = np.unique(v, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank_of = np.empty_like(order)
    rank_of[order] = np.arange(len(order))
    return UniqueResult(Tensor._wrap(vals[order]),
                        Tensor._wrap(rank_of[inv].reshape(-1).astype(np.int32)))


class UniqueResult(tuple):
    """``tf.unique``'s (y, idx) pair, readable by position or by name."""

    def __new__(cls, y, idx):
        return super().__new__(cls, (y, idx))

    @property
    def y(self):
        return self[0]

    @property
    def idx(self):
        return self[1]

