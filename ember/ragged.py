"""``tf.ragged``: a small RaggedTensor of rank 2 (rows of different lengths).

Enough for what ``tf.strings.split`` / ``unicode_split`` return on a vector of strings and
for ``tf.ragged.constant([[1, 2], [3]])``: rows, ``to_list``, ``to_tensor``,
``row_lengths``, ``values``. Ragged arithmetic and deeper nesting are not supported and
say so.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes
from ember.tensor import Tensor, TensorShape, as_array, convert_to_tensor


class RaggedTensor:
    """A batch of 1-D rows of one dtype and different lengths (``ragged_rank=1``)."""

    def __init__(self, rows: list):
        self._rows = [np.asarray(as_array(r) if isinstance(r, Tensor) else r) for r in rows]

    @classmethod
    def from_row_lengths(cls, values, row_lengths, validate=True):
        v = np.asarray(as_array(convert_to_tensor(values)))
        lengths = [int(n) for n in np.asarray(as_array(convert_to_tensor(row_lengths)))]
        if sum(lengths) != len(v):
            raise ValueError(f"row_lengths sum to {sum(lengths)} but values has {len(v)} rows.")
        bounds = np.cumsum([0, *lengths])
        return cls([v[a:b] for a, b in zip(bounds[:-1], bounds[1:])])

    @property
    def dtype(self) -> dtypes.DType:
        return self.values.dtype

    @property
    def shape(self) -> TensorShape:
        lengths = {len(r) for r in self._rows}
        return TensorShape([len(self._rows), lengths.pop() if len(lengths) == 1 else None])

    @property
    def ragged_rank(self) -> int:
        return 1

    @property
    def values(self) -> Tensor:
        """All rows concatenated."""
        if not self._rows:
            return convert_to_tensor(np.zeros((0,), np.float32))
        return convert_to_tensor(np.concatenate(self._rows))

    def row_lengths(self) -> Tensor:
        return convert_to_tensor(np.array([len(r) for r in self._rows], np.int64))

    def nrows(self) -> Tensor:
        return convert_to_tensor(np.array(len(self._rows), np.int64))

    def to_list(self) -> list:
        return [r.tolist() for r in self._rows]

    def numpy(self) -> np.ndarray:
        out = np.empty(len(self._rows), dtype=object)
        for i, r in enumerate(self._rows):
            out[i] = r
        return out

    def to_tensor(self, default_value=None, shape=None) -> Tensor:
        """A dense tensor, short rows padded with ``default_value`` (0 or ``b''``)."""
        width = max((len(r) for r in self._rows), default=0)
        rows = len(self._rows)
        if shape is not None:
            rows = rows if shape[0] is None else int(shape[0])
            width = width if shape[1] is None else int(shape[1])
        kind = self.values.dtype
        fill = default_value if default_value is not None else (b"" if kind == dtypes.string
                                                                else 0)
        out = np.full((rows, width), fill, dtype=object if kind == dtypes.string else kind._np)
        for i, r in enumerate(self._rows[:rows]):
            out[i, :min(len(r), width)] = r[:width]
        return convert_to_tensor(out)

    def __len__(self):
        return len(self._rows)

    def __getitem__(self, i):
        if isinstance(i, (int, np.integer)):
            return convert_to_tensor(self._rows[i])
        if isinstance(i, slice):
            return RaggedTensor(self._rows[i])
        raise TypeError("RaggedTensor in Ember supports indexing by a row number or a slice "
                        f"of rows; received {i!r}.")

    def __iter__(self):
        return (convert_to_tensor(r) for r in self._rows)

    def __repr__(self):
        return f"<tf.RaggedTensor {self.to_list()!r}>"

    def _unsupported(self, *args):
        raise TypeError("Ember's RaggedTensor has no arithmetic; use .to_tensor() first.")

    __add__ = __sub__ = __mul__ = __truediv__ = __radd__ = __rmul__ = _unsupported


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None,
             row_splits_dtype=None) -> RaggedTensor:
    """A RaggedTensor from a list of lists: ``tf.ragged.constant([[1, 2], [3]])``."""
    if not isinstance(pylist, (list, tuple)) or not all(isinstance(r, (list, tuple))
                                                        for r in pylist):
        raise ValueError("tf.ragged.constant in Ember takes a list of lists (rank 2); "
                         f"received {pylist!r}.")
    if any(isinstance(v, (list, tuple)) for r in pylist for v in r):
        raise ValueError("tf.ragged.constant in Ember supports rank 2 only (a list of lists "
                         "of scalars).")
    flat = convert_to_tensor([v for r in pylist for v in r], dtype=dtype) if any(pylist) \
        else convert_to_tensor(np.zeros((0,), dtypes.as_dtype(dtype or "float32")._np))
    return RaggedTensor.from_row_lengths(flat, [len(r) for r in pylist])
