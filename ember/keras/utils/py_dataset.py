"""``keras.utils.PyDataset`` (``Sequence`` in Keras 2): a Python batch source for ``fit``.

Subclass it, define ``__len__`` (batches per epoch) and ``__getitem__(index)`` returning
one batch (``x``, ``(x, y)`` or ``(x, y, sample_weight)``); ``fit`` asks for batches
``0 .. len - 1`` in order each epoch and calls ``on_epoch_begin`` / ``on_epoch_end``
around it (reshuffle there).
"""

from __future__ import annotations


class PyDataset:
    """Base class for batch sources given to ``fit``/``evaluate``/``predict``.

    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted as in Keras;
    Ember asks for the batches in the training thread, one at a time.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        for name, value in (("workers", workers), ("max_queue_size", max_queue_size)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: "
                                 f"{name}={value!r}")
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index), "
                                  "returning the batch at that index.")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__(), the number "
                                  "of batches per epoch.")

    @property
    def num_batches(self):
        """The number of batches per epoch (``len(self)``)."""
        return len(self)

    def on_epoch_begin(self):
        """Called before every epoch."""

    def on_epoch_end(self):
        """Called after every epoch (e.g. to reshuffle)."""


Sequence = PyDataset
