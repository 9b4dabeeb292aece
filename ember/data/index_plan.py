"""Vectorised reading of in-memory slices: a dataset that knows its source arrays.

``from_tensor_slices(arrays)`` (and ``range``) can say "my elements are rows of these
arrays, in this order". Shuffle, take, skip, repeat, shard, cache, prefetch and zip keep
that promise by transforming the order (or joining the arrays), so ``batch`` reads a whole
batch with one gather per array (``np.take(array, indices, axis=0)``, or a view for a
contiguous run) instead of stacking single elements in Python.
"""

from __future__ import annotations

import numpy as np

from ember.data import structure


class IndexPlan:
    """Rows of ``arrays`` (flattened element structure ``spec``), visited in an order.

    ``order()`` is called once per pass over the dataset and returns either a ``slice``
    (a contiguous run of rows) or an int64 index array. ``static`` plans return the same
    slice on every call (no shuffling), so calling ``order()`` has no side effect.
    """

    __slots__ = ("arrays", "spec", "order", "static")

    def __init__(self, arrays, spec, order, static=False):
        self.arrays = arrays
        self.spec = spec
        self.order = order
        self.static = static

    def with_order(self, order, static=False) -> IndexPlan:
        return IndexPlan(self.arrays, self.spec, order, static)

    @property
    def size(self) -> int:
        return len(self.arrays[0])

    def gather(self, rows):
        """The element (or batch of elements) at ``rows``: an int, slice or index array."""
        if isinstance(rows, np.ndarray):
            flat = [np.take(a, rows, axis=0) for a in self.arrays]
        else:
            flat = [a[rows] for a in self.arrays]
        return structure.packer(self.spec)(flat)

    def elements(self, order):
        """One element per row of ``order``."""
        rows = range(order.start, order.stop) if isinstance(order, slice) else order.tolist()
        arrays, pack = self.arrays, structure.packer(self.spec)
        if len(arrays) == 1 and not structure.is_structure(self.spec):
            a = arrays[0]
            for i in rows:
                yield a[i]
            return
        for i in rows:
            yield pack([a[i] for a in arrays])


def order_length(order) -> int:
    if isinstance(order, slice):
        return max(0, order.stop - order.start)
    return len(order)


def order_part(order, start, stop):
    """Rows ``start:stop`` of an order (kept a slice when it is one)."""
    if isinstance(order, slice):
        n = order_length(order)
        start, stop = min(start, n), min(stop, n)
        return slice(order.start + start, order.start + stop)
    return order[start:stop]


def order_array(order) -> np.ndarray:
    if isinstance(order, slice):
        return np.arange(order.start, order.stop, dtype=np.int64)
    return order
