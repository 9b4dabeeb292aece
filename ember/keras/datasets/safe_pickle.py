"""Reading the pickles inside Keras's data files without running code.

CIFAR's python batches are pickled dicts, and ``imdb.npz`` / ``reuters.npz`` hold ragged
sequences as NumPy object arrays, which NumPy can only store as pickles. Pickle can call
any importable function while loading, so a tampered file could run code; this unpickler
refuses every global except the three NumPy needs to rebuild an array (``ndarray``,
``dtype`` and ``_reconstruct``). Dicts, lists, tuples, strings, bytes and numbers are
pickle's own opcodes and need no global. Numeric ``.npy`` members are read with
``allow_pickle=False``.
"""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np

from .files import DatasetFileError

_ALLOWED = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),   # files written by NumPy < 2
    ("numpy._core.multiarray", "_reconstruct"),  # files written by NumPy >= 2
})


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only rebuilds builtin containers and NumPy arrays."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load `{module}.{name}` from a data set file: only NumPy arrays and "
            "builtin containers are allowed. The file may be corrupted or malicious.")


def load_pickle(stream, source, encoding="bytes"):
    """One pickled object from ``stream`` (``source`` names it in errors)."""
    try:
        return RestrictedUnpickler(stream, encoding=encoding).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError) as e:
        raise DatasetFileError(f"{source}: damaged or not a data set pickle ({e}).") from e


def _read_member(raw: io.BytesIO, source):
    try:
        return np.lib.format.read_array(raw, allow_pickle=False)
    except ValueError:
        pass  # an object array: its data is a pickle stream after the header
    raw.seek(0)
    version = np.lib.format.read_magic(raw)
    if version[0] == 1:
        np.lib.format.read_array_header_1_0(raw)
    elif version[0] in (2, 3):  # 3.0 differs from 2.0 only in the header's text encoding
        np.lib.format.read_array_header_2_0(raw)
    else:
        raise DatasetFileError(f"{source}: unsupported .npy version {version}.")
    return load_pickle(raw, source, encoding="latin1")


def load_npz(path) -> dict:
    """The arrays of an ``.npz`` archive, object arrays included (restricted unpickling)."""
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    raw = io.BytesIO(archive.read(member))
                    arrays[member[:-4]] = _read_member(raw, f"{path}:{member}")
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DatasetFileError(f"{path}: damaged or truncated .npz archive ({e}).") from e
    return arrays
