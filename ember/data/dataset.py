"""``tf.data.Dataset``: a lazily evaluated pipeline of Python iterators over elements.

An element is a tensor or a (nested) tuple/dict of tensors. Nothing is computed until the
dataset is iterated; each ``for x in ds`` starts a fresh pass (reshuffling when asked).
Transformations return new datasets and never change the one they are called on::

    ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000).batch(32)
    for images, labels in ds: ...

Inside, elements travel as NumPy arrays and become Ember tensors when they reach user
code (iteration, ``map``/``filter`` functions). Batching in-memory slices is one gather
per batch (see ``index_plan.py``).
"""

from __future__ import annotations

import numpy as np

from ember.data import structure
from ember.data.structure import DatasetSpec  # noqa: F401 - ember.data.DatasetSpec

INFINITE = -1
UNKNOWN = -2

# The dataset classes (and ``list_files``, ``Options``) that the methods below build, by name.
# Their modules import this one and register here, and ``ember.data`` imports them all, so
# this module names none of them (no import cycle between the base and its subclasses).
_KINDS: dict = {}


def register(kind):
    """Makes ``kind`` (a class or function) available to ``Dataset``'s methods by name."""
    _KINDS[kind.__name__] = kind
    return kind


def _make(kind, *args, **kwargs):
    return _KINDS[kind](*args, **kwargs)


def _check_count(value, what, allow_negative_one=False, minimum=0):
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{what}` must be an integer; received {what}={value!r}.")
    value = int(value)
    if value < minimum and not (allow_negative_one and value == -1):
        raise ValueError(f"`{what}` must be >= {minimum}"
                         + (" (or -1 for all)" if allow_negative_one else "")
                         + f"; received {what}={value}.")
    return value


class Dataset:
    """A sequence of elements built from sources and transformations (``tf.data.Dataset``).

    Build one with ``from_tensor_slices``, ``from_tensors``, ``from_generator``, ``range``,
    ``zip``, ``list_files`` or ``TextLineDataset``, then chain transformations.
    """

    _spec_cache = None
    _is_dataset = True  # how lower modules recognise a dataset without importing this one

    # -- what a subclass provides ---------------------------------------------------------
    def _iterate(self):
        """A fresh iterator over the elements (internal form: NumPy values)."""
        raise TypeError(f"{type(self).__name__} is an abstract dataset.")

    def _cardinality(self) -> int:
        return UNKNOWN

    def _compute_spec(self):
        raise TypeError(f"{type(self).__name__} is an abstract dataset.")

    def _index_plan(self):
        """An ``IndexPlan`` when the elements are rows of in-memory arrays, else None."""

    # -- the public surface ---------------------------------------------------------------
    @property
    def element_spec(self):
        """The structure of ``TensorSpec`` s that every element matches."""
        if self._spec_cache is None:
            self._spec_cache = self._compute_spec()
        return self._spec_cache

    def __iter__(self):
        to_tensors = structure.to_tensors
        for element in self._iterate():
            yield to_tensors(element)

    def as_numpy_iterator(self):
        """Iterates the elements as NumPy values (arrays; NumPy scalars for rank 0; bytes
        for strings)."""
        to_numpy = structure.to_numpy
        for element in self._iterate():
            yield to_numpy(element)

    def cardinality(self):
        """The number of elements as an int64 tensor: ``-1`` (``tf.data.INFINITE_CARDINALITY``)
        if infinite, ``-2`` (``UNKNOWN_CARDINALITY``) if it cannot be known without
        iterating (after ``filter``, ``from_generator``, ...)."""
        from ember.tensor import convert_to_tensor
        return convert_to_tensor(np.int64(self._cardinality()))

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True

    def __repr__(self):
        return f"<_{type(self).__name__} element_spec={self.element_spec}>"

    # -- sources --------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None) -> Dataset:
        """One element per row of ``tensors`` (an array, or a tuple/dict of arrays with the
        same first dimension). A Python list is one tensor, as in TF."""
        return _make("TensorSliceDataset", tensors)

    @staticmethod
    def from_tensors(tensors, name=None) -> Dataset:
        """A dataset with ``tensors`` as its single element."""
        return _make("TensorDataset", tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None) -> Dataset:
        """Elements from ``generator()`` (called afresh on each pass), checked against
        ``output_signature`` (a structure of ``tf.TensorSpec``) or ``output_types`` /
        ``output_shapes``."""
        return _make("GeneratorDataset", generator, output_types, output_shapes, args,
                     output_signature)

    @staticmethod
    def range(*args, dtype=None, name=None) -> Dataset:
        """``range(stop)``, ``range(start, stop[, step])`` as int64 scalars."""
        return _make("RangeDataset", *args, dtype=dtype)

    @staticmethod
    def zip(*datasets, name=None) -> Dataset:
        """Elements of several datasets side by side: ``zip(a, b)`` or ``zip((a, b))`` gives
        tuples, ``zip({'x': a, 'y': b})`` dicts; stops at the shortest."""
        if len(datasets) == 1 and not isinstance(datasets[0], Dataset):
            datasets = datasets[0]
        return _make("ZipDataset", datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None) -> Dataset:
        """The file names matching a glob pattern (or list of patterns), as strings;
        shuffled unless ``shuffle=False`` (then sorted)."""
        return _make("list_files", file_pattern, shuffle, seed)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None,
                             stop_on_empty_dataset=False) -> Dataset:
        """Elements drawn at random from ``datasets`` with probabilities ``weights``."""
        return _make("SampleDataset", datasets, weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True) -> Dataset:
        """Elements from ``datasets[i]`` for each ``i`` that ``choice_dataset`` yields."""
        return _make("ChooseDataset", datasets, choice_dataset, stop_on_empty_dataset)

    # -- transformations ------------------------------------------------------------------
    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None) -> Dataset:
        """Consecutive elements stacked into batches of ``batch_size`` (the last one smaller
        unless ``drop_remainder=True``)."""
        return _make("BatchDataset", self, _check_count(batch_size, "batch_size", minimum=1),
                            bool(drop_remainder))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None) -> Dataset:
        """Batches of elements padded to a common shape (the longest in the batch, or
        ``padded_shapes``) with ``padding_values`` (0 or b'' by default)."""
        return _make("PaddedBatchDataset", self, _check_count(batch_size, "batch_size", minimum=1),
                                  padded_shapes, padding_values, bool(drop_remainder))

    def unbatch(self, name=None) -> Dataset:
        """Splits each element's first dimension into separate elements."""
        return _make("UnbatchDataset", self)

    def rebatch(self, batch_size, drop_remainder=False, name=None) -> Dataset:
        """The same elements in batches of ``batch_size`` (``unbatch().batch(...)``)."""
        return self.unbatch().batch(batch_size, drop_remainder)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None) -> Dataset:
        """Windows of ``size`` elements, each a dataset (a tuple/dict of datasets for
        structured elements), starting every ``shift`` elements."""
        size = _check_count(size, "size", minimum=1)
        shift = size if shift is None else _check_count(shift, "shift", minimum=1)
        return _make("WindowDataset", self, size, shift, _check_count(stride, "stride", minimum=1),
                             bool(drop_remainder))

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True,
                name=None) -> Dataset:
        """Randomly shuffles with a buffer of ``buffer_size`` elements: filled in order, one
        picked at random, its place refilled from the input. A buffer at least as large as
        the data gives a uniform permutation; ``-1`` means the whole dataset."""
        buffer_size = _check_count(buffer_size, "buffer_size", allow_negative_one=True,
                                   minimum=1)
        return _make("ShuffleDataset", self, buffer_size, seed, reshuffle_each_iteration)

    def map(self, map_func, num_parallel_calls=None, deterministic=None,
            name=None) -> Dataset:
        """``map_func`` applied to each element (tuples unpacked into arguments). The
        function receives Ember tensors and may use any Ember op."""
        return _make("MapDataset", self, map_func)

    def filter(self, predicate, name=None) -> Dataset:
        """The elements for which ``predicate`` returns True."""
        return _make("FilterDataset", self, predicate)

    def flat_map(self, map_func, name=None) -> Dataset:
        """``map_func`` maps each element to a dataset; their elements are concatenated."""
        return _make("FlatMapDataset", self, map_func)

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        """Like ``flat_map`` but cycling through ``cycle_length`` of the produced datasets,
        ``block_length`` elements from each in turn."""
        return _make("InterleaveDataset", self, map_func, cycle_length, block_length)

    def repeat(self, count=None, name=None) -> Dataset:
        """The dataset ``count`` times over (forever when ``count`` is None or -1)."""
        count = -1 if count is None else _check_count(count, "count", allow_negative_one=True)
        return _make("RepeatDataset", self, count)

    def take(self, count, name=None) -> Dataset:
        """The first ``count`` elements (all of them for -1)."""
        return _make("TakeDataset", self, _check_count(count, "count", allow_negative_one=True))

    def skip(self, count, name=None) -> Dataset:
        """All but the first ``count`` elements (-1 skips everything)."""
        return _make("SkipDataset", self, _check_count(count, "count", allow_negative_one=True))

    def take_while(self, predicate, name=None) -> Dataset:
        """Elements up to (not including) the first for which ``predicate`` is False."""
        return _make("TakeWhileDataset", self, predicate)

    def shard(self, num_shards, index, name=None) -> Dataset:
        """Every ``num_shards``-th element starting at ``index``."""
        num_shards = _check_count(num_shards, "num_shards", minimum=1)
        index = _check_count(index, "index")
        if index >= num_shards:
            raise ValueError(f"`index` must be < num_shards={num_shards}; received "
                             f"index={index}.")
        return _make("ShardDataset", self, num_shards, index)

    def enumerate(self, start=0, name=None) -> Dataset:
        """``(i, element)`` pairs, ``i`` an int64 counting from ``start``."""
        return _make("EnumerateDataset", self, _check_count(start, "start", minimum=-(2**62)))

    def concatenate(self, dataset, name=None) -> Dataset:
        """This dataset's elements followed by ``dataset``'s (same structure and dtypes)."""
        return _make("ConcatenateDataset", self, dataset)

    def cache(self, filename="", name=None) -> Dataset:
        """Keeps the elements of the first complete pass in memory and replays them.
        A ``filename`` is accepted for compatibility; the cache is still kept in memory."""
        return _make("CacheDataset", self)

    def prefetch(self, buffer_size, name=None) -> Dataset:
        """The same elements. Ember produces elements on demand in the consuming thread,
        so there is nothing to overlap; kept so that TF pipelines run unchanged."""
        _check_count(buffer_size, "buffer_size", allow_negative_one=True)
        return _make("PassThroughDataset", self, "PrefetchDataset")

    def with_options(self, options, name=None) -> Dataset:
        """The same elements; ``tf.data.Options`` only tune TF's threading, which Ember
        does not use, and are kept for ``options()``."""
        out = _make("PassThroughDataset", self, "OptionsDataset")
        out._options = options
        return out

    def options(self):
        return getattr(self, "_options", None) or _make("Options")

    def apply(self, transformation_func) -> Dataset:
        """``transformation_func(self)``, which must return a dataset."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError("`transformation_func` must return a Dataset; it returned "
                            f"{type(out).__name__}.")
        return out

    def unique(self, name=None) -> Dataset:
        """The elements (scalars) with repeats removed, in first-seen order."""
        return _make("UniqueDataset", self)

    # -- consuming ------------------------------------------------------------------------
    def reduce(self, initial_state, reduce_func):
        """Folds the elements: ``state = reduce_func(state, element)`` from
        ``initial_state``; returns the final state (as tensors)."""
        state = structure.to_tensors(structure.to_arrays(initial_state))
        for element in self._iterate():
            out = reduce_func(state, structure.to_tensors(element))
            state = structure.to_tensors(structure.to_map_output(out))
        return state

    def get_single_element(self, name=None):
        """The one element of a dataset that has exactly one."""
        it = self._iterate()
        try:
            first = next(it)
        except StopIteration:
            raise ValueError("get_single_element: the dataset is empty; it must have exactly "
                             "one element.") from None
        for _ in it:
            raise ValueError("get_single_element: the dataset has more than one element; it "
                             "must have exactly one.")
        return structure.to_tensors(first)
