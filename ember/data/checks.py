"""``tf.data.experimental.assert_cardinality``: a declared element count, checked."""

from __future__ import annotations

from ember.data.caching import PassThroughDataset
from ember.data.dataset import INFINITE


class AssertCardinalityDataset(PassThroughDataset):
    def __init__(self, input_dataset, expected):
        super().__init__(input_dataset, "AssertCardinalityDataset")
        self._expected = expected

    def _cardinality(self):
        return self._expected

    def _iterate(self):
        n = 0
        for element in self._input._iterate():
            n += 1
            if self._expected != INFINITE and n > self._expected:
                raise ValueError(f"Input dataset was expected to contain {self._expected} "
                                 "elements but contained at least "
                                 f"{n} elements.")
            yield element
        if self._expected == INFINITE or n < self._expected:
            raise ValueError(f"Input dataset was expected to contain {self._expected} elements "
                             f"but contained only {n} elements.")
