"""``tf.io.gfile``: file system helpers on local paths (TF's own also reaches cloud
storage; Ember reads and writes local files only).

A missing file or directory raises ``tf.errors.NotFoundError`` (a ``FileNotFoundError``)
naming the path, as TF does.
"""

from __future__ import annotations

import glob as _glob
import os
import shutil

from ember.errors import NotFoundError

__all__ = ["GFile", "copy", "exists", "glob", "isdir", "join", "listdir", "makedirs", "mkdir",
           "remove", "rename", "rmtree", "stat", "walk"]


def _path(path) -> str:
    if hasattr(path, "numpy"):  # a string tensor
        path = path.numpy()
    if isinstance(path, bytes):
        path = path.decode()
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"tf.io.gfile: a path must be a string; received {type(path).__name__}.")
    return os.fspath(path)


def _not_found(path) -> NotFoundError:
    return NotFoundError(f"{path}; No such file or directory")


class GFile:
    """A file object like Python's ``open`` (``tf.io.gfile.GFile(path, mode)``).

    Modes are Python's ('r', 'w', 'a', with 'b' for bytes); reading a missing file raises
    NotFoundError. Used as a context manager or closed with ``close()``.
    """

    def __init__(self, name, mode="r"):
        self.name = _path(name)
        self.mode = mode
        try:
            # The GFile object owns the handle: close() / __exit__ close it.
            self._f = open(self.name, mode,  # noqa: SIM115
                           **({} if "b" in mode else {"encoding": "utf-8"}))
        except FileNotFoundError:
            raise _not_found(self.name) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __iter__(self):
        return iter(self._f)

    def read(self, n=-1):
        return self._f.read(n)

    def readline(self):
        return self._f.readline()

    def readlines(self):
        return self._f.readlines()

    def write(self, data):
        if isinstance(data, bytes) and "b" not in self.mode:
            data = data.decode()
        return self._f.write(data)

    def flush(self):
        self._f.flush()

    def seek(self, offset, whence=0):
        return self._f.seek(offset, whence)

    def tell(self):
        return self._f.tell()

    def size(self):
        """The file's length in bytes."""
        return os.path.getsize(self.name)

    def close(self):
        self._f.close()

    @property
    def closed(self):
        return self._f.closed


Open = GFile


def exists(path) -> bool:
    """True if the file or directory exists."""
    return os.path.exists(_path(path))


def isdir(path) -> bool:
    return os.path.isdir(_path(path))


def listdir(path) -> list:
    """The names of the entries of a directory (not their paths)."""
    p = _path(path)
    if not os.path.isdir(p):
        raise NotFoundError(f"Could not find directory {p}")
    return os.listdir(p)


def glob(pattern) -> list:
    """The paths matching ``pattern`` (``*``, ``?``, ``[...]``), sorted; a list of patterns
    gives the union."""
    patterns = pattern if isinstance(pattern, (list, tuple)) else [pattern]
    out = []
    for p in patterns:
        out += _glob.glob(_path(p))
    return sorted(set(out))


def makedirs(path) -> None:
    """Creates the directory and any missing parents (no error if it exists)."""
    os.makedirs(_path(path), exist_ok=True)


def mkdir(path) -> None:
    """Creates one directory (no error if it exists; its parent must exist)."""
    p = _path(path)
    if not os.path.isdir(p):
        try:
            os.mkdir(p)
        except FileNotFoundError:
            raise _not_found(os.path.dirname(p)) from None


def remove(path) -> None:
    """Deletes a file."""
    p = _path(path)
    try:
        os.remove(p)
    except FileNotFoundError:
        raise _not_found(p) from None


def rmtree(path) -> None:
    """Deletes a directory and everything in it."""
    p = _path(path)
    if not os.path.exists(p):
        raise _not_found(p)
    shutil.rmtree(p)


def rename(src, dst, overwrite=False) -> None:
    s, d = _path(src), _path(dst)
    if os.path.exists(d) and not overwrite:
        raise FileExistsError(f"tf.io.gfile.rename: {d} exists; pass overwrite=True.")
    if not os.path.exists(s):
        raise _not_found(s)
    os.replace(s, d)


def copy(src, dst, overwrite=False) -> None:
    s, d = _path(src), _path(dst)
    if os.path.exists(d) and not overwrite:
        raise FileExistsError(f"tf.io.gfile.copy: {d} exists; pass overwrite=True.")
    if not os.path.exists(s):
        raise _not_found(s)
    shutil.copyfile(s, d)


def join(path, *paths) -> str:
    return os.path.join(_path(path), *[_path(p) for p in paths])


def walk(top, topdown=True, onerror=None):
    """``(dirpath, dirnames, filenames)`` for each directory under ``top``, as ``os.walk``."""
    return os.walk(_path(top), topdown=topdown, onerror=onerror)


class _Stat:
    def __init__(self, st):
        self.length = st.st_size
        self.mtime_nsec = st.st_mtime_ns
        self.is_directory = False


def stat(path):
    """A record with ``length`` (bytes), ``mtime_nsec`` and ``is_directory``."""
    p = _path(path)
    try:
        out = _Stat(os.stat(p))
    except FileNotFoundError:
        raise _not_found(p) from None
    out.is_directory = os.path.isdir(p)
    return out
