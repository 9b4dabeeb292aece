"""Datasets from several datasets: ``zip``, ``concatenate``, ``sample_from_datasets``,
``choose_from_datasets``."""

from __future__ import annotations

import numpy as np

from ember.data import structure
from ember.data.dataset import INFINITE, UNKNOWN, Dataset, register
from ember.data.index_plan import IndexPlan


def _datasets(datasets, what):
    flat = structure.flatten(tuple(datasets) if isinstance(datasets, list) else datasets)
    if not flat or not all(isinstance(d, Dataset) for d in flat):
        raise TypeError(f"{what} expects datasets (a tuple or dict of them); received "
                        f"{datasets!r}.")
    return flat


@register
class ZipDataset(Dataset):
    def __init__(self, datasets):
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        self._structure = datasets
        self._flat = _datasets(datasets, "Dataset.zip")

    def _compute_spec(self):
        return structure.pack_like(self._structure, [d.element_spec for d in self._flat])

    def _cardinality(self):
        counts = [d._cardinality() for d in self._flat]
        known = [c for c in counts if c >= 0]
        if known:
            return min(known)
        return UNKNOWN if UNKNOWN in counts else INFINITE

    def _index_plan(self):
        # Rows of in-memory arrays zipped in their given order are rows of all the arrays
        # together (shuffled inputs are zipped element by element instead).
        plans = [d._index_plan() for d in self._flat]
        if not plans or not all(p is not None and p.static for p in plans):
            return None
        orders = [p.order() for p in plans]
        if not all(isinstance(o, slice) and o.start == orders[0].start for o in orders):
            return None
        arrays = [a for p in plans for a in p.arrays]
        order = slice(orders[0].start, min(o.stop for o in orders))
        return IndexPlan(arrays, self.element_spec, lambda: order, static=True)

    def _iterate(self):
        plan = self._index_plan()
        if plan is not None:
            yield from plan.elements(plan.order())
            return
        iterators = [d._iterate() for d in self._flat]
        while True:
            flat = []
            for it in iterators:
                value = next(it, _END)
                if value is _END:
                    return
                flat.append(value)
            yield structure.pack_like(self._structure, flat)


_END = object()


def _check_compatible(a, b, what):
    sa, sb = a.element_spec, b.element_spec
    if not structure.same_structure(sa, sb):
        raise TypeError(f"{what}: the datasets have different element structures: {sa} vs "
                        f"{sb}.")
    for x, y in zip(structure.flatten(sa), structure.flatten(sb)):
        if x.dtype != y.dtype:
            raise TypeError(f"{what}: the datasets have different element types: {sa} vs "
                            f"{sb}.")


@register
class ConcatenateDataset(Dataset):
    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate expects a Dataset; received {type(second).__name__}.")
        _check_compatible(first, second, "concatenate")
        self._first, self._second = first, second

    def _compute_spec(self):
        return structure.relaxed_spec(self._first.element_spec, self._second.element_spec)

    def _cardinality(self):
        a, b = self._first._cardinality(), self._second._cardinality()
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b

    def _iterate(self):
        yield from self._first._iterate()
        yield from self._second._iterate()


@register
class SampleDataset(Dataset):
    def __init__(self, datasets, weights, seed, stop_on_empty_dataset):
        self._datasets = _datasets(list(datasets), "sample_from_datasets")
        for d in self._datasets[1:]:
            _check_compatible(self._datasets[0], d, "sample_from_datasets")
        n = len(self._datasets)
        w = np.full(n, 1.0 / n) if weights is None else np.asarray(
            weights.numpy() if hasattr(weights, "numpy") else weights, np.float64)
        if w.shape != (n,) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"sample_from_datasets: `weights` must be {n} non-negative numbers "
                             f"with a positive sum; received {weights!r}.")
        self._weights = w / w.sum()
        self._seed = seed
        self._stop = bool(stop_on_empty_dataset)

    def _compute_spec(self):
        spec = self._datasets[0].element_spec
        for d in self._datasets[1:]:
            spec = structure.relaxed_spec(spec, d.element_spec)
        return spec

    def _iterate(self):
        rng = np.random.default_rng(self._seed)
        iterators = [d._iterate() for d in self._datasets]
        weights = self._weights.copy()
        while weights.sum() > 0:
            i = int(rng.choice(len(iterators), p=weights / weights.sum()))
            value = next(iterators[i], _END)
            if value is _END:
                if self._stop:
                    return
                weights[i] = 0.0
                continue
            yield value


@register
class ChooseDataset(Dataset):
    def __init__(self, datasets, choice_dataset, stop_on_empty_dataset):
        self._datasets = _datasets(list(datasets), "choose_from_datasets")
        for d in self._datasets[1:]:
            _check_compatible(self._datasets[0], d, "choose_from_datasets")
        if not isinstance(choice_dataset, Dataset):
            raise TypeError("choose_from_datasets: `choice_dataset` must be a Dataset of "
                            "int64 scalars.")
        self._choices = choice_dataset
        self._stop = bool(stop_on_empty_dataset)

    def _compute_spec(self):
        return self._datasets[0].element_spec

    def _iterate(self):
        iterators = [d._iterate() for d in self._datasets]
        for choice in self._choices._iterate():
            i = int(choice)
            if not 0 <= i < len(iterators):
                raise ValueError(f"choose_from_datasets: choice {i} is out of range for "
                                 f"{len(iterators)} datasets.")
            value = next(iterators[i], _END)
            if value is _END:
                if self._stop:
                    return
                continue
            yield value
