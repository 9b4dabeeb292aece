"""Keras 2's ``TimeseriesGenerator``: batches of sliding windows over a series, each with
the target at the step right after its window (``keras.preprocessing.sequence``)."""

from __future__ import annotations

import numpy as np

from ember import random as _random
from ember.keras.utils.sequence import PyDataset


class TimeseriesGenerator(PyDataset):
    """Windows ``data[i - length:i:sampling_rate]`` paired with ``targets[i]``, for
    ``i`` from ``start_index + length`` to ``end_index`` (default the last step) every
    ``stride`` steps, ``batch_size`` windows per batch.

    ``shuffle=True`` draws each batch's end steps at random (with repetition, as Keras 2
    did); ``reverse=True`` returns each window in reverse time order. A ``keras.utils.
    Sequence``, so ``model.fit(generator, epochs=...)`` takes it directly.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        super().__init__()
        self.data, self.targets = data, targets
        if len(data) != len(targets):
            raise ValueError("Data and targets have to be of same length. Data length is "
                             f"{len(data)} while target length is {len(targets)}")
        for name, value in (("length", length), ("sampling_rate", sampling_rate),
                            ("stride", stride), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"TimeseriesGenerator: `{name}` should be a positive int. "
                                 f"Received: {name}={value!r}")
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > "
                             f"end_index={self.end_index}` is disallowed, as no part of the "
                             "sequence would be left to be used as current step.")
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size

    def __len__(self):
        step = self.batch_size * self.stride
        return (self.end_index - self.start_index + step) // step

    def __getitem__(self, index):
        if self.shuffle:
            rows = _random.get_global_generator().integers(
                self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            if not 0 <= index < len(self):
                raise IndexError(f"TimeseriesGenerator has {len(self)} batches; asked for "
                                 f"batch {index}.")
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1),
                             self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate]
                            for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets
