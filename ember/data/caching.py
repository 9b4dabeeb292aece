"""``cache`` (replay the first complete pass from memory) and the pass-through stages
(``prefetch``, ``with_options``)."""

from __future__ import annotations

from ember.data import structure
from ember.data.batching import stack
from ember.data.dataset import Dataset, register
from ember.data.index_plan import IndexPlan


@register
class PassThroughDataset(Dataset):
    """The input's elements unchanged (named after the TF stage it stands for)."""

    def __init__(self, input_dataset, kind):
        self._input = input_dataset
        self._kind = kind

    def _compute_spec(self):
        return self._input.element_spec

    def _cardinality(self):
        return self._input._cardinality()

    def _index_plan(self):
        return self._input._index_plan()

    def _iterate(self):
        return self._input._iterate()

    def __repr__(self):
        return f"<_{self._kind} element_spec={self.element_spec}>"


@register
class CacheDataset(PassThroughDataset):
    """After one complete pass, later passes replay the elements from memory (as stacked
    arrays when the elements share one shape, so that ``shuffle``/``batch`` downstream read
    them by index). Over in-memory slices there is nothing to cache."""

    def __init__(self, input_dataset):
        super().__init__(input_dataset, "CacheDataset")
        self._elements = None
        self._plan = None

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is not None or self._elements is None:
            return plan
        if self._plan is None and self._elements:
            try:
                spec = self.element_spec
                arrays = structure.flatten(stack(self._elements, spec, "cache"))
            except (ValueError, TypeError):
                return None  # ragged elements: replayed one by one
            n = len(self._elements)
            self._plan = IndexPlan(arrays, spec, lambda: slice(0, n), static=True)
        return self._plan

    def _iterate(self):
        if self._elements is not None:
            yield from self._elements
            return
        if self._input._index_plan() is not None:
            yield from self._input._iterate()
            return
        seen = []
        for element in self._input._iterate():
            seen.append(element)
            yield element
        # Only a complete pass is kept: a partial one would replay a truncated dataset.
        self._elements = seen
