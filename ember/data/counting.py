"""Transformations that count elements: ``repeat``, ``take``, ``skip``, ``shard``,
``enumerate``. Over in-memory slices they act on the row order (see ``index_plan.py``)."""

from __future__ import annotations

import itertools

import numpy as np

from ember import dtypes
from ember.data.dataset import INFINITE, UNKNOWN, Dataset, register
from ember.data.index_plan import order_array, order_length, order_part
from ember.tensor_spec import TensorSpec


class _Unary(Dataset):
    def __init__(self, input_dataset, count):
        self._input = input_dataset
        self._count = count

    def _compute_spec(self):
        return self._input.element_spec


@register
class RepeatDataset(_Unary):
    def _cardinality(self):
        n, count = self._input._cardinality(), self._count
        if count == 0 or n == 0:
            return 0
        if count == -1:
            return INFINITE  # as TF, even when the input's count is unknown
        return n * count if n >= 0 else n

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None or self._count == -1:
            return None
        inner, count = plan.order, self._count

        def order():
            if count == 1:
                return inner()
            parts = [order_array(inner()) for _ in range(count)]
            return np.concatenate(parts) if parts else np.zeros(0, np.int64)

        return plan.with_order(order)

    def _iterate(self):
        passes = itertools.count() if self._count == -1 else range(self._count)
        for _ in passes:
            empty = True
            for element in self._input._iterate():
                empty = False
                yield element
            if empty:  # repeating nothing forever would never return
                return


@register
class TakeDataset(_Unary):
    def _cardinality(self):
        n, count = self._input._cardinality(), self._count
        if count == -1:
            return n
        if n == INFINITE:
            return count
        if n == UNKNOWN:
            return UNKNOWN
        return min(n, count)

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None or self._count == -1:
            return plan
        inner, count = plan.order, self._count
        return plan.with_order(lambda: order_part(inner(), 0, count), plan.static)

    def _iterate(self):
        if self._count == -1:
            return self._input._iterate()
        if self._count == 0:
            return iter(())
        return itertools.islice(self._input._iterate(), self._count)


@register
class SkipDataset(_Unary):
    def _cardinality(self):
        n, count = self._input._cardinality(), self._count
        if n < 0:
            return n
        return 0 if count == -1 else max(n - count, 0)

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None:
            return None
        inner, count = plan.order, self._count

        def order():
            rows = inner()
            n = order_length(rows)
            return order_part(rows, n if count == -1 else count, n)

        return plan.with_order(order, plan.static)

    def _iterate(self):
        if self._count == -1:
            for _ in self._input._iterate():
                pass
            return iter(())
        return itertools.islice(self._input._iterate(), self._count, None)


@register
class ShardDataset(Dataset):
    def __init__(self, input_dataset, num_shards, index):
        self._input = input_dataset
        self._num, self._index = num_shards, index

    def _compute_spec(self):
        return self._input.element_spec

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        return n // self._num + (1 if self._index < n % self._num else 0)

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None:
            return None
        inner, num, index = plan.order, self._num, self._index
        return plan.with_order(lambda: order_array(inner())[index::num])

    def _iterate(self):
        return itertools.islice(self._input._iterate(), self._index, None, self._num)


@register
class EnumerateDataset(Dataset):
    def __init__(self, input_dataset, start):
        self._input = input_dataset
        self._start = start

    def _compute_spec(self):
        return (TensorSpec((), dtypes.int64), self._input.element_spec)

    def _cardinality(self):
        return self._input._cardinality()

    def _iterate(self):
        for i, element in enumerate(self._input._iterate(), self._start):
            yield (np.int64(i), element)
