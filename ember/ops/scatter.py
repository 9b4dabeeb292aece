"""N-dimensional gathers and scatters: ``gather_nd``, ``scatter_nd`` and the
``tensor_scatter_nd_*`` family, with their gradients.

``indices`` has shape (..., K): each row of its last axis addresses the first K axes of a
tensor, so an index picks an element (K = rank) or a whole slice (K < rank)::

    gather_nd(params, indices)[i...]       = params[indices[i..., 0], ..., indices[i..., K-1]]
    scatter_nd(indices, updates, shape)    = zeros(shape), updates[i...] added at indices[i...]
    tensor_scatter_nd_update(t, idx, upd)  = t with those places replaced (last one wins)

Each gradient is the other direction: a gather's gradient scatters (duplicates add), a
scatter's gradient gathers.
"""

from __future__ import annotations

import numpy as np

from ember.errors import InvalidArgumentError
from ember.ops.math import cast, divide, equal, multiply, negative
from ember.record import apply, register_gradient
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t

__all__ = [
    "gather_nd", "scatter_nd", "tensor_scatter_nd_add", "tensor_scatter_nd_max",
    "tensor_scatter_nd_min", "tensor_scatter_nd_sub", "tensor_scatter_nd_update",
]


def _indices(indices, shape, op) -> np.ndarray:
    """``indices`` as an int64 array of shape (..., K), checked against ``shape``."""
    idx = np.asarray(_t(indices)._value)
    if idx.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: indices must be an integer tensor (int32 or int64); "
                                   f"received dtype {idx.dtype}.")
    if idx.ndim == 0:
        raise InvalidArgumentError(f"{op}: indices must have rank >= 1 (its last axis holds "
                                   f"the coordinates); received a scalar.")
    k = idx.shape[-1]
    if k > len(shape):
        raise InvalidArgumentError(f"{op}: indices address {k} axes (last dimension of indices) "
                                   f"but the tensor has shape {tuple(shape)}.")
    if idx.size:
        bounds = np.asarray(shape[:k])
        bad = (idx < 0) | (idx >= bounds)
        if bad.any():
            at = [int(i) for i in np.argwhere(bad.any(axis=-1))[0]]
            raise InvalidArgumentError(f"{op}: indices{at} = {idx[tuple(at)].tolist()} "
                                       f"does not index into shape {list(shape)}.")
    return idx.astype(np.int64)


def _key(idx):
    return tuple(np.moveaxis(idx, -1, 0))


def _check_updates(idx, updates, shape, op):
    expected = idx.shape[:-1] + tuple(shape[idx.shape[-1]:])
    if tuple(updates.shape) != expected:
        raise InvalidArgumentError(
            f"{op}: updates must have shape indices.shape[:-1] + shape[K:] = {expected} "
            f"(indices {idx.shape}, tensor shape {tuple(shape)}); received updates of shape "
            f"{tuple(updates.shape)}.")


def _same_dtype(t, updates, op):
    if t._value.dtype != updates._value.dtype:
        raise InvalidArgumentError(f"{op}: updates must have the tensor's dtype "
                                   f"{t.dtype.name}; received {updates.dtype.name}.")


# -- gather_nd --------------------------------------------------------------------------

def gather_nd(params, indices, batch_dims=0, name=None):
    """``params[indices[..., 0], ..., indices[..., K-1]]``: elements or slices by index rows."""
    x = _t(params)
    if batch_dims:
        raise InvalidArgumentError("gather_nd: batch_dims is not supported by Ember; add the "
                                   "batch index as the first coordinate of indices instead.")
    idx = _indices(indices, x._value.shape, "GatherNd")
    return apply("GatherNd", np.asarray(x._value[_key(idx)]), (x,), {"idx": idx})


@register_gradient("GatherNd")
def _gather_nd_grad(g, out, x, idx):
    return scatter_nd(idx, g, x._value.shape)


# -- scatter_nd -------------------------------------------------------------------------

def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of ``shape`` with ``updates`` added at ``indices`` (duplicates add up)."""
    u = _t(updates)
    dims = tuple(int(d) for d in (shape._value if isinstance(shape, Tensor) else shape))
    idx = _indices(indices, dims, "ScatterNd")
    _check_updates(idx, u, dims, "ScatterNd")
    out = np.zeros(dims, u._value.dtype)
    np.add.at(out, _key(idx), u._value)
    return apply("ScatterNd", out, (u,), {"idx": idx})


@register_gradient("ScatterNd")
def _scatter_nd_grad(g, out, u, idx):
    return gather_nd(g, idx)


# -- tensor_scatter_nd_* ----------------------------------------------------------------

def _tensor_scatter(op, tensor, indices, updates, combine):
    t, u = _t(tensor), _t(updates)
    _same_dtype(t, u, op)
    idx = _indices(indices, t._value.shape, op)
    _check_updates(idx, u, t._value.shape, op)
    out = t._value.copy()
    combine(out, _key(idx), u._value)
    return apply(op, out, (t, u), {"idx": idx})


def _assign(out, key, values):
    out[key] = values


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """``tensor`` with the places at ``indices`` replaced by ``updates`` (the last of
    duplicate indices wins)."""
    return _tensor_scatter("TensorScatterUpdate", tensor, indices, updates, _assign)


@register_gradient("TensorScatterUpdate")
def _update_grad(g, out, t, u, idx):
    return tensor_scatter_nd_update(g, idx, _zeros(u)), gather_nd(g, idx)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` added at ``indices`` (duplicates add up)."""
    return _tensor_scatter("TensorScatterAdd", tensor, indices, updates, np.add.at)


@register_gradient("TensorScatterAdd")
def _add_grad(g, out, t, u, idx):
    return g, gather_nd(g, idx)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` subtracted at ``indices`` (duplicates add up)."""
    return _tensor_scatter("TensorScatterSub", tensor, indices, updates, np.subtract.at)


@register_gradient("TensorScatterSub")
def _sub_grad(g, out, t, u, idx):
    return g, negative(gather_nd(g, idx))


def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """``tensor`` with each place at ``indices`` set to the max of it and its updates."""
    return _tensor_scatter("TensorScatterMax", tensor, indices, updates, np.maximum.at)


def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """``tensor`` with each place at ``indices`` set to the min of it and its updates."""
    return _tensor_scatter("TensorScatterMin", tensor, indices, updates, np.minimum.at)


@register_gradient("TensorScatterMax")
@register_gradient("TensorScatterMin")
def _min_max_grad(g, out, t, u, idx):
    # As TF: the gradient goes to every value equal to the result, shared between ties.
    x_ind = cast(equal(t, out), g.dtype)
    u_ind = cast(equal(u, gather_nd(out, idx)), g.dtype)
    ind = x_ind + scatter_nd(idx, u_ind, t._value.shape)
    return multiply(divide(g, ind), x_ind), multiply(gather_nd(divide(g, ind), idx), u_ind)


def _zeros(u):
    return Tensor._wrap(np.zeros(u._value.shape, u._value.dtype))
