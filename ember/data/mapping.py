"""Per-element functions: ``map``, ``filter``, ``flat_map``, ``interleave``, ``take_while``,
``unique``.

The functions receive Ember tensors (a tuple element is unpacked into arguments, TF's
rule) and may use any Ember op; what they return is turned back into NumPy values.
"""

from __future__ import annotations

import os

import numpy as np

from ember.data import structure
from ember.data.dataset import UNKNOWN, Dataset, register
from ember.tensor import as_array
from ember.tensor_spec import TensorSpec


def call_with_element(fn, element):
    """``fn(*element)`` for a plain tuple, ``fn(element)`` otherwise (as tf.data does)."""
    tensors = structure.to_tensors(element)
    if type(tensors) is tuple:
        return fn(*tensors)
    return fn(tensors)


def _scalar_bool(value, what):
    arr = as_array(value)
    if arr.shape != () or arr.dtype.kind != "b":
        raise ValueError(f"{what} must return a scalar boolean; it returned a value of shape "
                         f"{arr.shape} and dtype {arr.dtype}.")
    return bool(arr)


@register
class MapDataset(Dataset):
    def __init__(self, input_dataset, map_func):
        if not callable(map_func):
            raise TypeError(f"map: `map_func` must be callable; received {map_func!r}.")
        self._input = input_dataset
        self._fn = map_func

    def _cardinality(self):
        return self._input._cardinality()

    def _compute_spec(self):
        # TF traces the function; Ember runs it on the first two elements instead: a
        # dimension that differs between them is unknown (None), and so is a leading
        # dimension equal to the input's unknown batch dimension.
        inputs = self._input._iterate()
        first = next(inputs, None)
        if first is None:
            raise ValueError("map: cannot tell the element_spec of a map over an empty "
                             "dataset (Ember learns it from the first element).")
        spec = structure.spec_of(structure.to_map_output(call_with_element(self._fn, first)))
        second = next(inputs, None)
        if second is not None:
            other = structure.spec_of(structure.to_map_output(
                call_with_element(self._fn, second)))
            if structure.same_structure(spec, other):
                spec = structure.relaxed_spec(spec, other)
        batch_dims = {structure.as_np(v).shape[0] for v, s in zip(
            structure.flatten(first), structure.flatten(self._input.element_spec))
            if len(s.shape or ()) and s.shape[0] is None and np.ndim(v)}

        def relax(spec):
            if isinstance(spec, TensorSpec) and spec.shape.rank and \
                    spec.shape[0] in batch_dims:
                return TensorSpec((None, *tuple(spec.shape[1:])), spec.dtype)
            return spec
        return structure.map_values(relax, spec)

    def _iterate(self):
        fn, convert = self._fn, structure.to_map_output
        for element in self._input._iterate():
            yield convert(call_with_element(fn, element))


@register
class FilterDataset(Dataset):
    def __init__(self, input_dataset, predicate):
        if not callable(predicate):
            raise TypeError(f"filter: `predicate` must be callable; received {predicate!r}.")
        self._input = input_dataset
        self._fn = predicate

    def _compute_spec(self):
        return self._input.element_spec

    def _iterate(self):
        for element in self._input._iterate():
            if _scalar_bool(call_with_element(self._fn, element), "filter: `predicate`"):
                yield element


@register
class TakeWhileDataset(FilterDataset):
    def _iterate(self):
        for element in self._input._iterate():
            if not _scalar_bool(call_with_element(self._fn, element), "take_while: `predicate`"):
                return
            yield element


def _as_dataset(value, what):
    if not isinstance(value, Dataset):
        raise TypeError(f"{what}: `map_func` must return a Dataset; it returned "
                        f"{type(value).__name__}.")
    return value


@register
class FlatMapDataset(Dataset):
    def __init__(self, input_dataset, map_func):
        self._input = input_dataset
        self._fn = map_func

    def _compute_spec(self):
        for element in self._input._iterate():
            return _as_dataset(call_with_element(self._fn, element), "flat_map").element_spec
        raise ValueError("flat_map: cannot tell the element_spec of a flat_map over an empty "
                         "dataset (Ember learns it from the first element).")

    def _iterate(self):
        for element in self._input._iterate():
            yield from _as_dataset(call_with_element(self._fn, element), "flat_map")._iterate()


@register
class InterleaveDataset(FlatMapDataset):
    """Cycles through ``cycle_length`` open datasets, ``block_length`` elements from each;
    an exhausted one is replaced by the next input's dataset when its turn comes."""

    def __init__(self, input_dataset, map_func, cycle_length, block_length):
        super().__init__(input_dataset, map_func)
        # TF picks the cycle length from the number of CPU cores when it is not given.
        self._cycle = int(cycle_length) if cycle_length not in (None, -1) else \
            (os.cpu_count() or 1)
        self._block = 1 if block_length is None else int(block_length)
        if self._cycle < 1 or self._block < 1:
            raise ValueError("interleave: `cycle_length` and `block_length` must be positive; "
                             f"received {cycle_length!r} and {block_length!r}.")

    def _iterate(self):
        inputs = self._input._iterate()
        slots = [None] * self._cycle
        inputs_done = False
        i = 0
        while True:
            if slots[i] is None and not inputs_done:
                element = next(inputs, None)
                if element is None:
                    inputs_done = True
                else:
                    slots[i] = _as_dataset(call_with_element(self._fn, element),
                                           "interleave")._iterate()
            if slots[i] is not None:
                for _ in range(self._block):
                    value = next(slots[i], _END)
                    if value is _END:
                        slots[i] = None
                        break
                    yield value
            if inputs_done and all(s is None for s in slots):
                return
            i = (i + 1) % self._cycle


_END = object()


@register
class UniqueDataset(Dataset):
    def __init__(self, input_dataset):
        spec = input_dataset.element_spec
        if not isinstance(spec, TensorSpec) or spec.shape.rank != 0 or spec.dtype.is_floating:
            raise TypeError("unique: elements must be integer or string scalars; received "
                            f"element_spec={spec}.")
        self._input = input_dataset

    def _compute_spec(self):
        return self._input.element_spec

    def _cardinality(self):
        return UNKNOWN

    def _iterate(self):
        seen = set()
        for element in self._input._iterate():
            key = structure.as_np(element).item()
            if key not in seen:
                seen.add(key)
                yield element
