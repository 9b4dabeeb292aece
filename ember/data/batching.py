"""Grouping elements: ``batch``, ``padded_batch``, ``unbatch`` and ``window``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ember import dtypes
from ember.data import structure
from ember.data.dataset import INFINITE, UNKNOWN, Dataset, register
from ember.data.index_plan import order_length, order_part
from ember.data.structure import DatasetSpec
from ember.tensor_spec import TensorSpec, UnknownShape


def _batch_count(n, batch_size, drop_remainder):
    if n < 0:
        return n
    return n // batch_size if drop_remainder else -(-n // batch_size)


def stack(elements, spec, what="batch"):
    """Stacks same-shaped elements into one batch (one array per component)."""
    flats = [structure.flatten(e) for e in elements]
    out = []
    for k in range(len(flats[0])):
        values = [structure.as_np(f[k]) for f in flats]
        try:
            out.append(np.stack(values))
        except ValueError:
            first = values[0].shape
            i = next(i for i, v in enumerate(values) if v.shape != first)
            raise ValueError(
                f"{what}: cannot batch tensors with different shapes in component {k}. First "
                f"element had shape {list(first)} and element {i} had shape "
                f"{list(values[i].shape)}. Use padded_batch() to pad them to one shape, or "
                "map() them to one shape first.") from None
    return structure.packer(spec)(out)


@register
class BatchDataset(Dataset):
    def __init__(self, input_dataset, batch_size, drop_remainder):
        self._input = input_dataset
        self._batch_size = batch_size
        self._drop = drop_remainder

    def _compute_spec(self):
        return structure.batched_spec(self._input.element_spec,
                                      self._batch_size if self._drop else None)

    def _cardinality(self):
        return _batch_count(self._input._cardinality(), self._batch_size, self._drop)

    def _iterate(self):
        b, drop = self._batch_size, self._drop
        plan = self._input._index_plan()
        if plan is not None:
            # In-memory rows: one gather per batch.
            order = plan.order()
            n = order_length(order)
            for start in range(0, n, b):
                if drop and start + b > n:
                    return
                yield plan.gather(order_part(order, start, start + b))
            return
        spec = self._input.element_spec
        pending = []
        for element in self._input._iterate():
            pending.append(element)
            if len(pending) == b:
                yield stack(pending, spec)
                pending = []
        if pending and not drop:
            yield stack(pending, spec)


def _padded_shapes(padded_shapes, spec):
    """One target shape (tuple with None for "longest in batch") per component."""
    flat_spec = structure.flatten(spec)
    if padded_shapes is None:
        shapes = [None if isinstance(s.shape, UnknownShape) else tuple(s.shape)
                  for s in flat_spec]
        return [s if s is None else tuple(None for _ in s) for s in shapes]

    def as_shape(s):
        if hasattr(s, "numpy"):
            s = s.numpy().tolist()
        return tuple(None if d is None or d == -1 else int(d) for d in s)

    if structure.is_structure(spec):
        if isinstance(spec, Mapping):
            if not isinstance(padded_shapes, Mapping) or set(padded_shapes) != set(spec):
                raise ValueError("padded_batch: `padded_shapes` must be a dict with the "
                                 f"element's keys {sorted(spec)}; received {padded_shapes!r}.")
        elif not isinstance(padded_shapes, (tuple, list)) or len(padded_shapes) != len(spec):
            raise ValueError(f"padded_batch: `padded_shapes` must have one shape per component "
                             f"of the element ({len(spec)}); received {padded_shapes!r}.")
        flat = structure.flatten(_shapes_as_structure(padded_shapes, spec))
        shapes = [as_shape(b.shape) for b in flat]
    else:
        shapes = [as_shape(padded_shapes)]
    for shape, s in zip(shapes, flat_spec):
        if not isinstance(s.shape, UnknownShape) and len(shape) != len(s.shape):
            raise ValueError(f"padded_batch: padded shape {list(shape)} has rank {len(shape)} "
                             f"but the component has shape {s.shape} (rank {len(s.shape)}).")
    return shapes


class _ShapeBox:
    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape


def _shapes_as_structure(padded_shapes, spec):
    # Shapes are lists/tuples themselves: box them where the element has a component.
    if isinstance(spec, Mapping):
        return {k: _shapes_as_structure(padded_shapes[k], spec[k]) for k in spec}
    if isinstance(spec, tuple):
        return tuple(_shapes_as_structure(p, s) for p, s in zip(padded_shapes, spec))
    return _ShapeBox(padded_shapes)


def _padding_values(padding_values, spec):
    flat_spec = structure.flatten(spec)
    if padding_values is None:
        return [b"" if s.dtype == dtypes.string else 0 for s in flat_spec]
    if not structure.is_structure(padding_values):
        return [padding_values] * len(flat_spec)
    flat = structure.flatten(padding_values)
    if len(flat) != len(flat_spec):
        raise ValueError("padded_batch: `padding_values` must have the element's structure "
                         f"({len(flat_spec)} components); received {padding_values!r}.")
    return flat


@register
class PaddedBatchDataset(Dataset):
    def __init__(self, input_dataset, batch_size, padded_shapes, padding_values,
                 drop_remainder):
        self._input = input_dataset
        self._batch_size = batch_size
        self._drop = drop_remainder
        spec = input_dataset.element_spec
        self._shapes = _padded_shapes(padded_shapes, spec)
        self._values = _padding_values(padding_values, spec)

    def _compute_spec(self):
        flat = []
        lead = self._batch_size if self._drop else None
        for s, shape in zip(structure.flatten(self._input.element_spec), self._shapes):
            if shape is None:
                flat.append(s)
            else:
                # A dimension padded to the longest in the batch is as static as the input's.
                known = tuple(s.shape) if not isinstance(s.shape, UnknownShape) else \
                    (None,) * len(shape)
                dims = tuple(k if d is None else d for d, k in zip(shape, known))
                flat.append(TensorSpec((lead, *dims), s.dtype))
        return structure.pack_like(self._input.element_spec, flat)

    def _cardinality(self):
        return _batch_count(self._input._cardinality(), self._batch_size, self._drop)

    def _pad(self, elements):
        spec = self._input.element_spec
        flats = [structure.flatten(e) for e in elements]
        out = []
        for k, (shape, value) in enumerate(zip(self._shapes, self._values)):
            values = [structure.as_np(f[k]) for f in flats]
            ranks = {v.ndim for v in values}
            if len(ranks) > 1:
                raise ValueError(f"padded_batch: component {k} has elements of different "
                                 f"ranks {sorted(ranks)}.")
            longest = tuple(max(v.shape[i] for v in values) for i in range(values[0].ndim))
            target = longest if shape is None else tuple(
                m if d is None else d for d, m in zip(shape, longest))
            for v in values:
                if any(a > t for a, t in zip(v.shape, target)):
                    raise ValueError(f"padded_batch: an element of component {k} has shape "
                                     f"{list(v.shape)}, larger than the padded shape "
                                     f"{list(target)}.")
            batch = np.full((len(values),) + target, value, dtype=values[0].dtype)
            for i, v in enumerate(values):
                batch[(i,) + tuple(slice(0, d) for d in v.shape)] = v
            out.append(batch)
        return structure.pack_like(spec, out)

    def _iterate(self):
        pending = []
        for element in self._input._iterate():
            pending.append(element)
            if len(pending) == self._batch_size:
                yield self._pad(pending)
                pending = []
        if pending and not self._drop:
            yield self._pad(pending)


@register
class UnbatchDataset(Dataset):
    def __init__(self, input_dataset):
        self._input = input_dataset

    def _compute_spec(self):
        return structure.unbatched_spec(self._input.element_spec)

    def _cardinality(self):
        n = self._input._cardinality()
        leads = {None if isinstance(s.shape, UnknownShape) or not len(s.shape) else s.shape[0]
                 for s in structure.flatten(self._input.element_spec)}
        if n < 0 and n != INFINITE:
            return UNKNOWN
        if len(leads) != 1 or None in leads:
            return UNKNOWN if n != INFINITE else INFINITE
        return n * leads.pop() if n >= 0 else n

    def _iterate(self):
        self.element_spec  # noqa: B018 - raises for scalar components before iterating
        pack = structure.packer(self._input.element_spec)
        for element in self._input._iterate():
            flat = [structure.as_np(v) for v in structure.flatten(element)]
            sizes = {len(v) for v in flat}
            if len(sizes) > 1:
                raise ValueError("unbatch: the components of an element have different first "
                                 f"dimensions {sorted(sizes)}.")
            for i in range(sizes.pop()):
                yield pack([v[i] for v in flat])


@register
class WindowDataset(Dataset):
    def __init__(self, input_dataset, size, shift, stride, drop_remainder):
        self._input = input_dataset
        self._size, self._shift, self._stride = size, shift, stride
        self._drop = drop_remainder

    def _compute_spec(self):
        return structure.map_values(DatasetSpec, self._input.element_spec)

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        if not self._drop:
            return -(-n // self._shift)
        span = (self._size - 1) * self._stride + 1
        return 0 if n < span else (n - span) // self._shift + 1

    def _window(self, elements):
        flat = stack(elements, self._input.element_spec, "window")
        return structure.map_values(Dataset.from_tensor_slices, flat)

    def _iterate(self):
        size, shift, stride = self._size, self._shift, self._stride
        span = (size - 1) * stride + 1
        it = self._input._iterate()
        buf, base, start, exhausted = [], 0, 0, False
        while True:
            while not exhausted and base + len(buf) < start + span:
                nxt = next(it, _END)
                if nxt is _END:
                    exhausted = True
                else:
                    buf.append(nxt)
                if base < start and buf:  # elements before this window are not needed
                    cut = min(start - base, len(buf))
                    del buf[:cut]
                    base += cut
            end = base + len(buf)
            if start >= end:
                return
            rows = range(start, min(start + span, end), stride)
            if len(rows) < size and self._drop:
                return
            yield self._window([buf[i - base] for i in rows])
            start += shift


_END = object()
