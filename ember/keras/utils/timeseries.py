"""``keras.utils.timeseries_dataset_from_array``: sliding windows over a sequence as a dataset.

Only the window start positions are sliced and batched; each batch gathers its windows from
the data with one fancy index, so no copy of every window is ever held in memory.
"""

from __future__ import annotations

import numpy as np


def _check(name, value, length, allow_none=True):
    if value is None and allow_none:
        return
    if not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
    if value >= length:
        raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                         f"{name}={value}, for data of length {length}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Windows ``data[i : i + sequence_length * sampling_rate : sampling_rate]`` for every
    ``sequence_stride``-th start ``i`` (from ``start_index`` up to ``end_index``), each paired
    with ``targets[i]`` when ``targets`` is given.

    Returns:
        A ``Dataset`` of ``(batch_of_sequences, batch_of_targets)`` batches (sequences only
        when ``targets`` is None; single windows when ``batch_size`` is None).
    """
    from ember.data import Dataset
    data = np.asarray(data.numpy() if hasattr(data, "numpy") else data)
    if data.ndim == 0:
        raise ValueError("`data` must be an array with a time axis first; received a scalar.")
    n = len(data)
    if start_index is not None:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index is not None:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    _check("sampling_rate", sampling_rate, n, allow_none=False)
    _check("sequence_stride", sequence_stride, n, allow_none=False)
    if not isinstance(sequence_length, (int, np.integer)) or sequence_length <= 0:
        raise ValueError(f"`sequence_length` must be a positive integer. Received: "
                         f"sequence_length={sequence_length}")
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                   or batch_size <= 0):
        raise ValueError(f"`batch_size` must be a positive integer or None. Received: "
                         f"batch_size={batch_size}")
    start = 0 if start_index is None else int(start_index)
    end = n if end_index is None else int(end_index)
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets.numpy() if hasattr(targets, "numpy") else targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride,
                          dtype="int32" if num_seqs < 2**31 - 1 else "int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)  # Keras's order for the same seed
    offsets = np.arange(sequence_length) * sampling_rate

    def windows(p):
        p = start + np.asarray(p.numpy(), dtype=np.int64)
        x = data[p[..., None] + offsets]
        return x if targets is None else (x, targets[p])

    ds = Dataset.from_tensor_slices(positions)
    if batch_size is not None:
        if shuffle:
            ds = ds.shuffle(buffer_size=batch_size * 8, seed=seed)
        ds = ds.batch(batch_size)
    return ds.map(windows).prefetch(-1)
