"""The data set pickle reader rebuilds what Keras's files hold, without the pickle module
(pickle is used here only to WRITE the files), and refuses everything else."""

import io
import pickle

import numpy as np
import pytest

from ember.keras.datasets.files import DatasetFileError
from ember.keras.datasets.safe_pickle import load_pickle

OBJECTS = [
    {b"data": np.arange(12, dtype=np.uint8).reshape(3, 4), b"labels": [1, 2, 3]},
    np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    np.arange(5, dtype=">i4"),
    np.array([[1, 2], [3, 4, 5], []], dtype=object),
    {"a": (1, 2.5, None, True), "b": "text", "c": [b"x", -(2**70)]},
]


def _same(got, want):
    if isinstance(want, np.ndarray):
        assert got.shape == want.shape and got.dtype.str[1:] == want.dtype.str[1:]
        assert got.flags.f_contiguous == want.flags.f_contiguous
        for a, b in zip(got.ravel(), want.ravel()):
            assert np.array_equal(np.asarray(a), np.asarray(b))
    elif isinstance(want, dict):
        assert got.keys() == want.keys()
        for k in want:
            _same(got[k], want[k])
    else:
        assert got == want


@pytest.mark.parametrize("protocol", range(6))
@pytest.mark.parametrize("index", range(len(OBJECTS)))
def test_every_protocol_rebuilds_arrays_and_containers(protocol, index):
    data = pickle.dumps(OBJECTS[index], protocol=protocol)
    _same(load_pickle(io.BytesIO(data), "f", encoding="latin1"), pickle.loads(data))


class _Evil:
    def __reduce__(self):
        return (print, ("ran code",))


def test_calls_of_other_globals_are_refused_by_name(capsys):
    with pytest.raises(DatasetFileError, match="Refusing to load `builtins.print`"):
        load_pickle(io.BytesIO(pickle.dumps({b"data": _Evil()})), "batch_1")
    assert "ran code" not in capsys.readouterr().out


def test_truncated_and_garbage_files_name_the_file():
    data = pickle.dumps(OBJECTS[0], protocol=2)
    for bad in (data[: len(data) // 2], b"\x80\x02garbage", b""):
        with pytest.raises(DatasetFileError, match="batch_1"):
            load_pickle(io.BytesIO(bad), "batch_1")
