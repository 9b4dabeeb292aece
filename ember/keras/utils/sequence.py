"""``keras.utils.PyDataset`` (Keras 2: ``Sequence``): a batch source indexed by batch number."""

from __future__ import annotations

import warnings


class PyDataset:
    """Base class for batch sources: define ``__len__`` (batches per epoch) and
    ``__getitem__(i)`` returning ``(x, y)`` or ``(x, y, sample_weight)``; ``fit`` iterates it
    each epoch and calls ``on_epoch_end`` after each.

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for Keras compatibility and
            kept as attributes, but Ember loads every batch in the thread that calls ``fit``:
            ``workers > 1`` or ``use_multiprocessing=True`` warns that they are ignored.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        if workers > 1 or use_multiprocessing:
            warnings.warn(
                f"{type(self).__name__}(workers={workers}, use_multiprocessing="
                f"{use_multiprocessing}): Ember loads batches in the calling thread, so "
                "`workers` and `use_multiprocessing` are ignored.", UserWarning, stacklevel=2)
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def on_epoch_end(self):
        """Called after every epoch (e.g. to reshuffle)."""


Sequence = PyDataset  # Keras 2's name
