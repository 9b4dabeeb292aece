"""Reuters newswires: 11,228 newswires as word-index sequences in 46 topics."""

from __future__ import annotations

import numpy as np

from . import word_sequences as ws
from .cached import cached_file

SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"

LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Load Reuters, as ``keras.datasets.reuters.load_data`` does, from
    ``~/.keras/datasets/reuters.npz``: shuffled with ``seed``, re-indexed as ``imdb``, then
    the last ``test_split`` fraction is the test set.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: object arrays of lists of ints, and
        int topic labels (names in ``get_label_names()``).
    """
    ws.check_args(num_words, skip_top, maxlen)
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")
    location = cached_file(path, ws.ORIGIN + "reuters.npz", SHA256, what="Reuters")
    xs, labels = ws.read_arrays(location, ("x", "y"))
    xs, labels = ws.shuffled(np.random.RandomState(seed), xs, labels)
    xs = ws.reindex(xs, start_char, index_from)
    labels = list(labels)
    if maxlen:
        xs, labels = ws.drop_long(maxlen, xs, labels)
    xs = ws.limit_words(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return ((ws.as_object_array(xs[:idx]), np.array(labels[:idx])),
            (ws.as_object_array(xs[idx:]), np.array(labels[idx:])))


def get_word_index(path="reuters_word_index.json"):
    """The word -> index dict of Reuters (the data's indices are these plus 3)."""
    return ws.word_index(path, "reuters_word_index.json", "Reuters word index")


def get_label_names():
    """The 46 topic names, in label order."""
    return LABEL_NAMES
