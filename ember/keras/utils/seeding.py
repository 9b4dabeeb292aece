"""``keras.utils.set_random_seed``: one seed for Python, NumPy and Ember's generators."""

from __future__ import annotations

import random

import numpy as np

from ember import random as ember_random


def set_random_seed(seed):
    """Seeds Python's ``random``, NumPy's global state and ``ember.random``: after this the
    same program gives bit-identical weights, dropout masks, shuffles and History."""
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} "
                         f"(of type {type(seed).__name__})")
    random.seed(int(seed))
    np.random.seed(int(seed) % (2**32))
    ember_random.set_seed(int(seed))
