"""What the two house-price data sets share: ``x``/``y`` arrays in an ``.npz`` (read with
``allow_pickle=False``), shuffled with a seed and split at ``1 - test_split``."""

from __future__ import annotations

import numpy as np

from . import files
from .cached import cached_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def load_split(path, file_name, sha256, what, test_split, seed, first=None):
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float)) or \
            not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")
    location = cached_file(path, ORIGIN + file_name, sha256, what=what)
    try:
        with open(location, "rb") as f, np.load(f, allow_pickle=False) as data:
            x, y = data["x"], data["y"]
    except (OSError, ValueError, KeyError, EOFError) as e:
        raise files.DatasetFileError(f"{location}: expected an .npz archive with arrays 'x' "
                                     f"and 'y' ({e}).") from e
    if len(x) != len(y):
        raise files.DatasetFileError(f"{location}: {len(x)} samples in 'x' but {len(y)} "
                                     "targets in 'y'.")
    if first is not None:
        x, y = x[:first], y[:first]
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
