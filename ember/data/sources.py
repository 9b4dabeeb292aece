"""Where elements come from: in-memory tensors, ranges, generators, text files, file lists."""

from __future__ import annotations

import glob
import gzip
import os
import zlib
from collections.abc import Mapping

import numpy as np

from ember import dtypes
from ember.data import structure
from ember.data.dataset import UNKNOWN, Dataset, register
from ember.data.index_plan import IndexPlan
from ember.errors import NotFoundError
from ember.tensor_spec import TensorSpec, UnknownShape


@register
class TensorSliceDataset(Dataset):
    """One element per row of the given arrays (``Dataset.from_tensor_slices``).

    The arrays are not copied: NumPy arrays are read in place.
    """

    def __init__(self, tensors):
        if isinstance(tensors, Dataset):
            raise TypeError("from_tensor_slices expects arrays or tensors, not a Dataset.")
        element = structure.to_arrays(tensors, "the argument of from_tensor_slices")
        flat = structure.flatten(element)
        if not flat:
            raise ValueError("from_tensor_slices needs at least one tensor; received an empty "
                             "structure.")
        for i, a in enumerate(flat):
            if isinstance(a, Dataset) or np.ndim(a) == 0:
                what = "a Dataset" if isinstance(a, Dataset) else f"a scalar ({a!r})"
                raise ValueError("from_tensor_slices: every component must have rank >= 1 "
                                 f"(it is sliced along its first dimension); component {i} "
                                 f"is {what}.")
        sizes = [len(a) for a in flat]
        if len(set(sizes)) > 1:
            parts = ", ".join(f"component {i} has {n} (shape {tuple(a.shape)})"
                              for i, (n, a) in enumerate(zip(sizes, flat)))
            raise ValueError("from_tensor_slices: all components must have the same size in "
                             f"their first dimension, but {parts}.")
        self._element = element
        self._flat = flat
        self._n = sizes[0]

    def _compute_spec(self):
        return structure.unbatched_spec(structure.spec_of(self._element), "from_tensor_slices")

    def _cardinality(self):
        return self._n

    def _index_plan(self):
        n = self._n
        return IndexPlan(self._flat, self.element_spec, lambda: slice(0, n), static=True)

    def _iterate(self):
        plan = self._index_plan()
        return plan.elements(plan.order())


@register
class TensorDataset(Dataset):
    """A single element (``Dataset.from_tensors``)."""

    def __init__(self, tensors):
        self._element = structure.to_arrays(tensors, "the argument of from_tensors")

    def _compute_spec(self):
        return structure.spec_of(self._element)

    def _cardinality(self):
        return 1

    def _iterate(self):
        yield self._element


@register
class RangeDataset(Dataset):
    """``Dataset.range``: int64 scalars like Python's ``range``."""

    _PLAN_LIMIT = 10_000_000  # beyond this, materialising the indices costs too much memory

    def __init__(self, *args, dtype=None):
        if not 1 <= len(args) <= 3:
            raise TypeError(f"range() takes 1 to 3 positional arguments ({len(args)} given).")
        values = []
        for a in args:
            if hasattr(a, "numpy"):
                a = a.numpy()
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
                raise TypeError(f"Dataset.range expects integers; received {a!r}.")
            values.append(int(a))
        self._range = range(*values)
        self._dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)

    def _compute_spec(self):
        return TensorSpec((), self._dtype)

    def _cardinality(self):
        return len(self._range)

    def _index_plan(self):
        r = self._range
        if len(r) > self._PLAN_LIMIT:
            return None
        values = np.arange(r.start, r.stop, r.step, dtype=self._dtype._np)
        n = len(values)
        return IndexPlan([values], self.element_spec, lambda: slice(0, n), static=True)

    def _iterate(self):
        cast = self._dtype._np.type
        for i in self._range:
            yield cast(i)


def _signature(output_types, output_shapes, output_signature):
    if output_signature is not None:
        if output_types is not None or output_shapes is not None:
            raise TypeError("from_generator: pass either `output_signature` or "
                            "`output_types`/`output_shapes`, not both.")
        sig = _lists_to_tuples(output_signature)
        for s in structure.flatten(sig):
            if not isinstance(s, TensorSpec):
                raise TypeError("from_generator: `output_signature` must be a structure of "
                                f"tf.TensorSpec; it contains {s!r}.")
        return sig
    if output_types is None:
        raise TypeError("from_generator: the `output_signature` argument (a structure of "
                        "tf.TensorSpec) is required, e.g. output_signature=tf.TensorSpec("
                        "shape=(None,), dtype=tf.float32).")
    types = _lists_to_tuples(output_types)
    if output_shapes is None:
        return structure.map_values(lambda t: TensorSpec(None, t), types)
    shapes = _lists_to_tuples(output_shapes, shapes=True)
    flat_t, flat_s = structure.flatten(types), structure.flatten(shapes)
    if len(flat_t) != len(flat_s):
        raise ValueError("from_generator: `output_shapes` must have the structure of "
                         f"`output_types` ({len(flat_t)} entries); it has {len(flat_s)}.")
    return structure.pack_like(types, [TensorSpec(s.dims, t) for t, s in zip(flat_t, flat_s)])


def _lists_to_tuples(value, shapes=False):
    # A shape is written as a list or tuple of dims; anything else that is a list is a
    # structure here.
    if shapes and isinstance(value, (list, tuple)) and all(
            d is None or isinstance(d, (int, np.integer)) for d in value):
        return _Shape(value)
    if isinstance(value, Mapping):
        return {k: _lists_to_tuples(v, shapes) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return tuple(_lists_to_tuples(v, shapes) for v in value)
    return value


class _Shape:
    """A shape inside ``output_shapes`` (kept whole, not descended into)."""

    def __init__(self, dims):
        self.dims = tuple(dims)

    def __iter__(self):
        return iter(self.dims)


@register
class GeneratorDataset(Dataset):
    """Elements yielded by ``generator(*args)``, checked against the signature."""

    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("from_generator: `generator` must be a callable that returns an "
                            "iterator (e.g. a generator function), not "
                            f"{type(generator).__name__}.")
        self._generator = generator
        self._args = () if args is None else tuple(args)
        self._signature = _signature(output_types, output_shapes, output_signature)

    def _compute_spec(self):
        return self._signature

    def _iterate(self):
        args = [structure.to_numpy(structure.to_arrays(a, "an `args` entry"))
                for a in self._args]
        for index, value in enumerate(self._generator(*args)):
            yield _conform(value, self._signature, index)


def _conform(value, signature, index):
    """One generated value as arrays matching ``signature``, or a clear error."""
    where = f"from_generator: element {index} yielded by the generator"
    if isinstance(value, list) and isinstance(signature, tuple):
        value = tuple(value)
    if not structure.same_structure(_mark_leaves(value), _mark_leaves(signature)):
        raise TypeError(f"{where} does not match `output_signature`: expected "
                        f"{_describe_spec(signature)} ({signature}), received "
                        f"{structure.describe(value)}.")
    out = []
    for v, spec in zip(structure.flatten(_mark_leaves(value)), structure.flatten(signature)):
        v = v.value
        try:
            arr = structure.to_array(v) if spec.dtype == dtypes.string else \
                np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=spec.dtype._np)
        except (TypeError, ValueError):
            raise TypeError(f"{where} could not be converted to the expected dtype "
                            f"{spec.dtype.name}: received {v!r}.") from None
        if dtypes.from_numpy(arr.dtype) != spec.dtype:
            raise TypeError(f"{where} has dtype {dtypes.from_numpy(arr.dtype).name} where "
                            f"`output_signature` expects {spec.dtype.name}.")
        if not isinstance(spec.shape, UnknownShape) and \
                not spec.shape.is_compatible_with(arr.shape):
            raise ValueError(f"{where} has shape {arr.shape} where `output_signature` "
                             f"expects {spec.shape}.")
        out.append(arr)
    return structure.pack_like(signature, out)


class _Value:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _mark_leaves(element):
    return structure.map_values(lambda v: _Value(v), element)


def _describe_spec(signature):
    if isinstance(signature, Mapping):
        return "a dict with keys " + str(sorted(signature, key=str))
    if isinstance(signature, tuple):
        return f"a tuple of {len(signature)} values"
    return "a single tensor"


def _filenames(filenames, what):
    if isinstance(filenames, Dataset):
        names = list(filenames.as_numpy_iterator())
    else:
        arr = structure.to_array(filenames, f"`{what}`")
        names = arr.reshape(-1).tolist()
    out = []
    for n in names:
        if isinstance(n, bytes):
            n = n.decode()
        if not isinstance(n, str):
            raise TypeError(f"`{what}` must be strings (file paths); received {n!r}.")
        out.append(n)
    return out


class TextLineDataset(Dataset):
    """The lines of one or more text files, as string scalars without their line endings
    (``tf.data.TextLineDataset``). ``compression_type`` may be ``"GZIP"`` or ``"ZLIB"``."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        self._files = _filenames(filenames, "filenames")
        ctype = (compression_type or "").upper()
        if ctype not in ("", "GZIP", "ZLIB"):
            raise ValueError("TextLineDataset: `compression_type` must be None, '', 'GZIP' or "
                             f"'ZLIB'; received {compression_type!r}.")
        self._compression = ctype

    def _compute_spec(self):
        return TensorSpec((), dtypes.string)

    def _cardinality(self):
        return UNKNOWN

    def _read(self, path):
        try:
            if self._compression == "GZIP":
                with gzip.open(path, "rb") as f:
                    return f.read()
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise NotFoundError(f"TextLineDataset: {path}; No such file or directory") from None
        except OSError as e:
            raise NotFoundError(f"TextLineDataset: could not read {path}: {e}") from None
        return zlib.decompress(data) if self._compression == "ZLIB" else data

    def _iterate(self):
        for path in self._files:
            yield from _lines(self._read(path))


def _lines(data: bytes):
    # A final newline ends the last line; it does not start an empty one (as in TF).
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [p[:-1] if p.endswith(b"\r") else p for p in parts]


@register
def list_files(file_pattern, shuffle=None, seed=None):
    patterns = _filenames(file_pattern, "file_pattern")
    names = sorted({n for p in patterns for n in glob.glob(p)})
    if not names:
        raise NotFoundError(f"list_files: no files matched pattern: {', '.join(patterns)}")
    ds = TensorSliceDataset(np.array([os.fsencode(n) for n in names], dtype=object))
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(names), seed=seed)
    return ds
