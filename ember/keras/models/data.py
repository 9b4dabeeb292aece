"""How ``fit``/``evaluate``/``predict`` see data: checked once, then sliced into batches.

Arrays are validated and converted once per call (float64 -> float32, tensors -> NumPy),
then each batch is one fancy-index of a shuffled index array: no per-batch conversion of
whole arrays. Generators, ``Sequence``-like objects (``__len__`` + ``__getitem__``) and
``ember.data.Dataset`` yield ready-made batches.
"""

from __future__ import annotations

import math
import warnings
import weakref

import numpy as np

from ember import nest
from ember import random as _random
from ember.tensor import Tensor, as_array


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch given as x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found a tuple of {len(data)} elements.")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _to_array(v, what):
    """One array (or a structure of arrays) in NumPy form, floats as float32. Inputs (``x``)
    may hold strings, for models that start with TextVectorization or StringLookup."""
    if v is None:
        return None
    if isinstance(v, dict):
        return {k: _to_array(a, f"{what}['{k}']") for k, a in v.items()}
    if isinstance(v, Tensor):
        v = as_array(v)
    if isinstance(v, (list, tuple)) and v and all(
            isinstance(a, (np.ndarray, Tensor)) and np.ndim(a) >= 1 for a in v):
        # As Keras: a list of arrays is one array per model input (or output), e.g.
        # y=[labels (N,), values (N, 1)]; nested Python lists are one array.
        return [_to_array(a, f"{what}[{i}]") for i, a in enumerate(v)]
    if not isinstance(v, np.ndarray):
        try:
            v = np.asarray(v)
        except ValueError as e:
            raise ValueError(f"Could not convert `{what}` to an array: its nested lists have "
                             f"different lengths ({e}).") from None
    if v.dtype.kind in "OUS" and not (what.startswith("x") and holds_text(v)):
        raise TypeError(f"`{what}` must hold numbers, but it has dtype {v.dtype} (strings or "
                        "Python objects). Convert it to a numeric array first.")
    if v.dtype == np.float64 or v.dtype == np.float16:
        v = v.astype(np.float32)
    if v.ndim == 0:
        raise ValueError(f"`{what}` must have a batch dimension; received a scalar.")
    return v


def holds_text(v) -> bool:
    """Whether ``v`` (an array or tensor) holds strings."""
    if isinstance(v, Tensor):
        return v.dtype.name == "string"
    v = np.asarray(v) if not isinstance(v, np.ndarray) else v
    return v.dtype.kind in "US" or (v.size > 0 and isinstance(v.flat[0], (str, bytes)))


def _take(v, idx):
    if isinstance(v, dict):
        return {k: _take(a, idx) for k, a in v.items()}
    if isinstance(v, list):
        return [_take(a, idx) for a in v]
    if isinstance(idx, np.ndarray):
        return np.take(v, idx, axis=0)  # faster than v[idx] for a gather along axis 0
    return v[idx]


def _length(v):
    return len(nest.flatten(v)[0])


def check_arrays(x, y, sample_weight, check_finite=False):
    """Converts and validates x/y/sample_weight; returns them as arrays."""
    if x is None:
        raise ValueError("No input data: `x` is None. Pass the inputs as an array, a tensor, "
                         "a list of arrays (one per model input) or a generator/Sequence.")
    x = _to_array(x, "x")
    y = _to_array(y, "y")
    sample_weight = _to_array(sample_weight, "sample_weight")
    sizes = {name: [len(a) for a in nest.flatten(v)]
             for name, v in (("x", x), ("y", y), ("sample_weight", sample_weight))
             if v is not None}
    flat = {n for v in sizes.values() for n in v}
    if len(flat) > 1:
        msg = " ".join(f"'{k}' sizes: {', '.join(map(str, v))}" for k, v in sizes.items())
        raise ValueError("Data cardinality is ambiguous. Make sure all arrays contain the same "
                         f"number of samples. {msg}")
    if x is not None and _length(x) == 0:
        raise ValueError("Expected input data to be non-empty: `x` has 0 samples.")
    # One float32 sum finds NaN/inf cheaply (a sum that overflows is re-checked exactly).
    for a in nest.flatten(x) if check_finite else ():
        if a.dtype.kind != "f" or _known_finite(a):
            continue
        if np.isfinite(a.sum()) or np.isfinite(a).all():
            _remember_finite(a)
        else:
            warnings.warn("The input data `x` contains NaN or infinite values; the loss "
                          "will likely become NaN. Clean the data (e.g. np.nan_to_num) or "
                          "use callbacks.TerminateOnNaN.", RuntimeWarning, stacklevel=3)
    return x, y, sample_weight


# Arrays already found finite, by id: (weak reference, data address, shape, strides, dtype).
# The check's sum streams the whole array (23 ms for Fashion-MNIST's 60,000 x 784 floats: 6%
# of an epoch of the seed MLP), and course code often calls fit(epochs=1) in a loop on the
# same array, so each array is checked once. The price: a NaN written in place into an
# array that already passed goes unwarned (Keras warns about none; the loss still shows it,
# and TerminateOnNaN still stops).
_FINITE: dict = {}


def _identity(a: np.ndarray) -> tuple:
    return (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype)


def _known_finite(a: np.ndarray) -> bool:
    """Whether ``a`` (this very array, unmoved) was found finite by an earlier fit."""
    entry = _FINITE.get(id(a))
    return entry is not None and entry[0]() is a and entry[1:] == _identity(a)


def _remember_finite(a: np.ndarray) -> None:
    if len(_FINITE) >= 8:
        _FINITE.clear()
    _FINITE[id(a)] = (weakref.ref(a), *_identity(a))


def split_validation(x, y, sample_weight, validation_split):
    """Takes the last ``validation_split`` fraction (before any shuffling), as Keras does."""
    if not isinstance(validation_split, (int, float)) or not 0 <= validation_split < 1:
        raise ValueError("`validation_split` must be a float in [0, 1); received "
                         f"validation_split={validation_split!r}.")
    n = _length(x)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split "
                         f"it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or "
                         "a different value for the `validation_split` argument.")
    head, tail = slice(0, split_at), slice(split_at, None)
    part = lambda v, s: None if v is None else _take(v, s)
    return ((part(x, head), part(y, head), part(sample_weight, head)),
            (part(x, tail), part(y, tail), part(sample_weight, tail)))


def class_weights_to_sample_weights(y, class_weight, sample_weight=None):
    """Per-sample weights ``class_weight[label]`` (times any given sample weights)."""
    labels = np.asarray(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
    table = np.ones(max(max(class_weight) + 1, int(labels.max()) + 1), np.float32)
    for k, w in class_weight.items():
        table[int(k)] = w
    w = table[labels]
    return w if sample_weight is None else w * np.asarray(sample_weight, np.float32)


class ArrayBatches:
    """Batches of in-memory arrays: one shuffled index array per epoch, sliced per step."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 steps=None):
        if batch_size is None:
            batch_size = 32
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer; received "
                             f"batch_size={batch_size!r}.")
        self.x, self.y, self.sw = x, y, sample_weight
        self.n = _length(x)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.steps = int(steps) if steps is not None else math.ceil(self.n / self.batch_size)
        self._one_array = isinstance(x, np.ndarray)
        self._cursor = 0
        self._order = None
        # Set by fit while its planned step runs (which keeps no batch past its step): x's
        # shuffled batches are then gathered into one reused buffer per batch size instead
        # of a new array each step (measured on the seed MLP at batch 128: 2% of the step).
        self.reuse_buffers = False
        self._buffers = {}

    def __iter__(self):
        """Yields (x, y, sample_weight) for one epoch of ``self.steps`` batches."""
        bs, n = self.batch_size, self.n
        for _ in range(self.steps):
            if self._cursor == 0:
                if self.shuffle == "batch":
                    starts = np.random.default_rng(_seed()).permutation(
                        math.ceil(n / bs)) * bs
                    self._order = np.concatenate([np.arange(s, min(s + bs, n)) for s in starts])
                elif self.shuffle:
                    self._order = _global_rng().permutation(n)
                else:
                    self._order = None
            start = self._cursor
            stop = min(start + bs, n)
            self._cursor = 0 if stop >= n else stop
            idx = slice(start, stop) if self._order is None else self._order[start:stop]
            if self.reuse_buffers and self._one_array and self._order is not None:
                x = self._gather_into_buffer(idx)
            else:
                x = _take(self.x, idx)
            yield (x, None if self.y is None else _take(self.y, idx),
                   None if self.sw is None else _take(self.sw, idx))

    def _gather_into_buffer(self, idx):
        size = len(idx)
        buf = self._buffers.get(size)
        if buf is None:
            buf = self._buffers[size] = np.empty((size,) + self.x.shape[1:], self.x.dtype)
        # mode="clip": with the default "raise", NumPy gathers through a hidden temporary
        # when given out=; the indices come from a permutation of range(n), all in range.
        return np.take(self.x, idx, axis=0, out=buf, mode="clip")


def _global_rng():
    return _random.get_global_generator()


def _seed():
    return int(_global_rng().integers(2**31))


class IterableBatches:
    """Batches from a generator, a ``Sequence``-like object or an ``ember.data.Dataset``."""

    def __init__(self, source, steps=None, class_weight=None):
        self.source = source
        self.class_weight = class_weight
        self.is_sequence = hasattr(source, "__getitem__") and hasattr(source, "__len__") and \
            not isinstance(source, (list, tuple, np.ndarray))
        self.is_generator = not self.is_sequence and iter(source) is source
        if steps is not None:
            self.steps = int(steps)
        elif self.is_sequence:
            self.steps = len(source)
        elif hasattr(source, "cardinality"):
            c = int(source.cardinality())
            if c == -1:  # tf.data.INFINITE_CARDINALITY: an epoch would never end
                raise ValueError("The dataset is infinite (it repeats forever): pass "
                                 "`steps_per_epoch` to fit() (`validation_steps` for the "
                                 "validation data, `steps` to evaluate() and predict()) so "
                                 "that each pass ends.")
            self.steps = c if c >= 0 else None
        else:
            self.steps = None
        self._iter = None
        self._peeked = None

    def _unpack(self, batch):
        x, y, sw = unpack_x_y_sample_weight(batch)
        if self.class_weight is not None and y is not None:
            # As Keras: each batch's labels pick their class weights (times any sample weights).
            sw = class_weights_to_sample_weights(np.asarray(y), self.class_weight,
                                                 None if sw is None else np.asarray(sw))
        return x, y, sw

    def peek(self):
        """The first batch as (x, y, sample_weight), or None when there is none.

        ``fit`` builds an unbuilt model from it before the first step (as Keras does), so
        the optimizer sees every weight. A generator's peeked batch is still yielded first.
        """
        if self.is_sequence:
            return unpack_x_y_sample_weight(self.source[0]) if len(self.source) else None
        if self.is_generator:
            if self._peeked is None:
                try:
                    self._peeked = next(self.source)
                except StopIteration:
                    return None
            return unpack_x_y_sample_weight(self._peeked)
        for batch in self.source:
            return unpack_x_y_sample_weight(batch)
        return None

    def __iter__(self):
        if self.is_sequence:
            n = len(self.source)
            if hasattr(self.source, "on_epoch_begin"):  # keras.utils.PyDataset
                self.source.on_epoch_begin()
            for i in range(self.steps if self.steps is not None else n):
                yield self._unpack(self.source[i % n])
            if hasattr(self.source, "on_epoch_end"):
                self.source.on_epoch_end()
            return
        if self.is_generator:
            it = self.source
        else:
            # With a step count, a dataset keeps its position from one epoch to the next
            # (steps_per_epoch smaller than a pass); otherwise each epoch is a fresh pass.
            if self._iter is None or self.steps is None:
                self._iter = iter(self.source)
            it = self._iter
        count, restarted = 0, False
        while self.steps is None or count < self.steps:
            if self._peeked is not None and self.is_generator:
                batch, self._peeked = self._peeked, None
                count += 1
                yield self._unpack(batch)
                continue
            try:
                batch = next(it)
            except StopIteration:
                self._iter = None
                if not self.is_generator and self.steps is not None and count == 0 and \
                        not restarted:
                    # The last epoch ended exactly at the end of a pass: start the next one
                    # (once: an empty dataset must not loop forever).
                    it = self._iter = iter(self.source)
                    restarted = True
                    continue
                if self.steps is not None and count < self.steps:
                    warnings.warn(
                        f"Your input ran out of data after {count} of {self.steps} steps. "
                        "Make sure that your dataset or generator can generate at least "
                        "`steps_per_epoch * epochs` batches (e.g. with dataset.repeat()); "
                        + ("training stops here." if self.is_generator else
                           "the next epoch starts a new pass."), stacklevel=2)
                return
            count += 1
            yield self._unpack(batch)


def is_batch_source(x) -> bool:
    """True for generators, Sequence-likes and datasets (data that arrives in batches)."""
    if x is None or isinstance(x, (np.ndarray, Tensor, list, tuple, dict)):
        return False
    if hasattr(x, "__array__"):
        return False
    return hasattr(x, "__iter__") or hasattr(x, "__getitem__") and hasattr(x, "__len__")
