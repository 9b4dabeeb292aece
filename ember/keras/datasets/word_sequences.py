"""What ``imdb`` and ``reuters`` share: ragged word-index sequences read from an ``.npz``
and re-indexed as Keras does (``start_char``, ``oov_char``, ``index_from``, ``num_words``,
``skip_top``, ``maxlen``), and the word-index JSON."""

from __future__ import annotations

import json

import numpy as np

from . import files
from .cached import cached_file
from .safe_pickle import load_npz

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def read_arrays(path, keys):
    arrays = load_npz(path)
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise files.DatasetFileError(f"{path}: expected arrays {', '.join(keys)}, found "
                                     f"{', '.join(sorted(arrays)) or 'none'}.")
    return [arrays[k] for k in keys]


def shuffled(rng, *arrays):
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [a[indices] for a in arrays]


def reindex(xs, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w + index_from for w in x] for x in xs]


def drop_long(maxlen, xs, labels):
    """Keeps sequences shorter than ``maxlen`` (Keras's ``remove_long_seq``)."""
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_words(xs, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def as_object_array(xs):
    """Sequences as a 1-D object array of lists (Keras's type: ragged rows)."""
    out = np.empty(len(xs), dtype=object)
    for i, x in enumerate(xs):
        out[i] = x
    return out


def check_args(num_words, skip_top, maxlen):
    if num_words is not None and (isinstance(num_words, bool) or not isinstance(
            num_words, int) or num_words < 1):
        raise ValueError(f"`num_words` must be a positive int or None. Received: "
                         f"num_words={num_words!r}")
    if isinstance(skip_top, bool) or not isinstance(skip_top, int) or skip_top < 0:
        raise ValueError(f"`skip_top` must be a non-negative int. Received: "
                         f"skip_top={skip_top!r}")
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, int)
                               or maxlen < 1):
        raise ValueError(f"`maxlen` must be a positive int or None. Received: maxlen={maxlen!r}")


def word_index(path, json_name, what):
    """The word -> index dict of ``json_name`` (indices start at 1; the data's are offset
    by ``index_from``)."""
    url = ORIGIN + json_name
    # Keras checks this file with MD5; Ember downloads only SHA-256-checked files, so it
    # must be in the cache already (cached_file names the URL and the place otherwise).
    location = cached_file(path, url, None, what=what)
    try:
        with open(location, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        raise files.DatasetFileError(f"{location}: damaged word index JSON ({e}).") from e
    if not isinstance(index, dict):
        raise files.DatasetFileError(f"{location}: expected a JSON object mapping words to "
                                     f"indices, found {type(index).__name__}.")
    return index
