"""IMDB movie reviews: 25,000 training and 25,000 test reviews as word-index sequences,
labelled positive (1) or negative (0)."""

from __future__ import annotations

import numpy as np

from . import word_sequences as ws
from .cached import cached_file

SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Load IMDB, as ``keras.datasets.imdb.load_data`` does, from
    ``~/.keras/datasets/imdb.npz`` (downloaded there when absent and the network allows).

    Words are indexed by frequency (1 = most frequent) plus ``index_from``; each review
    starts with ``start_char``; words of index >= ``num_words`` or < ``skip_top`` become
    ``oov_char`` (dropped when None); reviews of ``maxlen`` words or more are dropped.
    Training and test sets are each shuffled with ``seed``.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: object arrays of lists of ints, and
        int labels.
    """
    if "nb_words" in kwargs:
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    ws.check_args(num_words, skip_top, maxlen)
    location = cached_file(path, ws.ORIGIN + "imdb.npz", SHA256, what="IMDB")
    x_train, y_train, x_test, y_test = ws.read_arrays(
        location, ("x_train", "y_train", "x_test", "y_test"))
    rng = np.random.RandomState(seed)
    x_train, y_train = ws.shuffled(rng, x_train, y_train)
    x_test, y_test = ws.shuffled(rng, x_test, y_test)
    x_train = ws.reindex(x_train, start_char, index_from)
    x_test = ws.reindex(x_test, start_char, index_from)
    if maxlen:
        x_train, y_train = ws.drop_long(maxlen, x_train, y_train)
        x_test, y_test = ws.drop_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             "sequence was kept. Increase maxlen.")
    xs = ws.limit_words(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(y_train), np.asarray(y_test)])
    n = len(x_train)
    return ((ws.as_object_array(xs[:n]), labels[:n]),
            (ws.as_object_array(xs[n:]), labels[n:]))


def get_word_index(path="imdb_word_index.json"):
    """The word -> index dict of IMDB, from ``~/.keras/datasets/imdb_word_index.json``
    (the data's indices are these plus ``index_from``, 3 by default)."""
    return ws.word_index(path, "imdb_word_index.json", "IMDB word index")
