"""``Dataset.shuffle`` with TensorFlow's buffer semantics.

A buffer of ``buffer_size`` elements is filled in input order; each output is a uniform
pick from the buffer, whose place the next input element takes. So the element at output
position ``k`` comes from the first ``k + buffer_size`` inputs, and only a buffer that holds
the whole dataset gives a uniform permutation. When the input is exhausted the rest of the
buffer comes out in random order.

Each pass draws from its own generator, seeded from ``(seed, pass number)`` (always pass 0
with ``reshuffle_each_iteration=False``), so a seeded pipeline repeats exactly. Without a
seed, the seed is drawn from Ember's global generator when the dataset is built, which
``tf.random.set_seed`` / ``keras.utils.set_random_seed`` make reproducible. The random
draws are Ember's, not TF's: the same seed gives a different (equally random) order.
"""

from __future__ import annotations

import itertools

import numpy as np

from ember.data.dataset import Dataset, register
from ember.data.index_plan import order_array, order_length


def buffer_shuffle(items, buffer_size, rng):
    """Yields ``items`` shuffled through a buffer of ``buffer_size`` (-1: all of them)."""
    it = iter(items)
    buf = list(it) if buffer_size == -1 else list(itertools.islice(it, buffer_size))
    pending = _NONE if buffer_size == -1 or len(buf) < buffer_size else next(it, _NONE)
    if pending is not _NONE:
        draws = _uniforms(rng)
        while True:
            j = int(next(draws) * len(buf))
            out = buf[j]
            buf[j] = pending
            yield out
            pending = next(it, _NONE)
            if pending is _NONE:
                break
    # The input is exhausted: every order of what is left is equally likely.
    for j in rng.permutation(len(buf)).tolist():
        yield buf[j]


_NONE = object()


def _uniforms(rng, chunk=4096):
    # Draws in chunks: one rng call per element would dominate the loop.
    while True:
        yield from rng.random(chunk).tolist()


@register
class ShuffleDataset(Dataset):
    def __init__(self, input_dataset, buffer_size, seed, reshuffle_each_iteration):
        self._input = input_dataset
        self._buffer = buffer_size
        self._reshuffle = bool(reshuffle_each_iteration)
        if hasattr(seed, "numpy"):
            seed = seed.numpy()
        if seed is None:
            from ember import random as _random
            seed = int(_random.get_global_generator().integers(2**63))
        self._seed = int(seed) % 2**63
        self._passes = 0

    def _compute_spec(self):
        return self._input.element_spec

    def _cardinality(self):
        return self._input._cardinality()

    def _next_rng(self) -> np.random.Generator:
        n = self._passes if self._reshuffle else 0
        self._passes += 1
        return np.random.default_rng([self._seed, n])

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None:
            return None
        inner, buffer_size = plan.order, self._buffer

        def order():
            rows = inner()
            rng = self._next_rng()
            n = order_length(rows)
            if buffer_size == -1 or buffer_size >= n:
                perm = rng.permutation(n)
                # Same draws as buffer_shuffle when the buffer holds everything.
                return perm + rows.start if isinstance(rows, slice) else rows[perm]
            return np.fromiter(buffer_shuffle(order_array(rows).tolist(), buffer_size, rng),
                               dtype=np.int64, count=n)

        return plan.with_order(order)

    def _iterate(self):
        plan = self._index_plan()
        if plan is not None:
            yield from plan.elements(plan.order())
            return
        yield from buffer_shuffle(self._input._iterate(), self._buffer, self._next_rng())
