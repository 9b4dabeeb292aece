"""Atomic file writes: write to a temporary file beside the target, then rename it.

A crash or an error half-way never leaves a truncated file under the real name, and
the finished file gets the permissions ``open`` would give it (``mkstemp`` alone makes
files readable only by their owner).
"""

from __future__ import annotations

import contextlib
import os
import tempfile


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yields a temporary path in ``path``'s folder; on success it replaces ``path``.

    On any exception the temporary file is removed and ``path`` is left as it was.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=suffix + ".part",
                               dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, _default_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
