"""Embedding lookup: rows of a table picked by integer ids; the gradient adds into those rows.

    out[b, t, :] = params[ids[b, t], :]

The backward pass is a scatter-add of the output gradient into the rows that were used
(sorted ids, one ``np.add.reduceat`` over runs of equal ids), never a one-hot matmul:
its cost grows with the number of ids looked up, not with the vocabulary size.
"""

from __future__ import annotations

import numpy as np

from ember.errors import InvalidArgumentError
from ember.record import apply, register_gradient
from ember.tensor import Tensor, ensure_tensor


def _ids(ids, n, where):
    v = np.asarray(ids._value if isinstance(ids, Tensor) else ids)
    if v.dtype.kind not in "iu":
        if v.dtype.kind == "f" and np.all(np.mod(v, 1) == 0):
            v = v.astype(np.int64)
        else:
            raise InvalidArgumentError(f"{where}: ids must be integers; received dtype "
                                       f"{v.dtype}.")
    if v.size:
        lo, hi = int(v.min()), int(v.max())
        if hi >= n:
            raise InvalidArgumentError(
                f"{where}: token id {hi} is out of range: ids must be in [0, {n}) for a "
                f"vocabulary of size {n} (input_dim={n}); the largest id received is {hi}.")
        if lo < 0:
            raise InvalidArgumentError(f"{where}: token id {lo} is negative: ids must be in "
                                       f"[0, {n}).")
    return v


def embedding_lookup(params, ids, name=None):
    """``params[ids]``: the rows of ``params`` (vocabulary, dim) at ``ids`` (any shape).

    Ids outside ``[0, vocabulary)`` raise ``InvalidArgumentError`` naming the largest id and
    the vocabulary size (as TF on CPU raises).
    """
    table = ensure_tensor(params)
    tv = table._value
    if tv.ndim != 2:
        raise InvalidArgumentError(f"embedding_lookup: params must be a 2-D table (vocabulary, "
                                   f"dim); received shape {tuple(tv.shape)}.")
    idx = _ids(ids, tv.shape[0], name or "embedding_lookup")
    return apply("EmbeddingLookup", tv[idx], (table,), {"ids": idx})


@register_gradient("EmbeddingLookup")
def _embedding_lookup_grad(g, out, table, ids):
    return embedding_scatter_add(g, ids, table._value.shape[0])


def embedding_scatter_add(g, ids, num_rows):
    """A (num_rows, dim) table of zeros with each row ``g[..., :]`` added at ``ids``."""
    gv = g._value
    dim = gv.shape[-1]
    flat_ids = ids.reshape(-1)
    rows = gv.reshape(-1, dim)
    out = np.zeros((num_rows, dim), gv.dtype)
    if flat_ids.size:
        order = np.argsort(flat_ids, kind="stable")
        sorted_ids = flat_ids[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
        out[sorted_ids[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return apply("EmbeddingScatterAdd", out, (g,), {"ids": ids})


@register_gradient("EmbeddingScatterAdd")
def _embedding_scatter_add_grad(gg, out, g, ids):
    # Linear in g: its adjoint is the lookup itself, so second derivatives work.
    return embedding_lookup(gg, ids)


__all__ = ["embedding_lookup"]
