"""Atomic, durable file writes: write a temporary file beside the target, flush and fsync
it, rename it over the target, then fsync the folder.

A crash, a kill or an error half-way never leaves a truncated file under the real name:
readers see the old file or the new one. The temporary file is named
``.<name>.<pid>.<random>.part``; it is removed when the write fails, and one left by a
killed process (its pid no longer running) is removed by the next write of the same file.
The finished file gets the permissions ``open`` would give it (``mkstemp`` alone makes
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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


def remove_stale_temporaries(path) -> list:
    """Removes ``path``'s temporary files left by processes that are no longer running;
    returns the removed paths."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(path)}."
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".part")):
            continue
        pid = name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(directory, name))
                removed.append(os.path.join(directory, name))
    return removed


def _fsync_path(path, directory=False):
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:  # some platforms cannot open folders; the rename is still atomic
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yields a temporary path in ``path``'s folder; when the block finishes, the file
    written there is fsynced and replaces ``path`` (and the folder is fsynced).

    On any exception the temporary file is removed and ``path`` is left as it was.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.{os.getpid()}.",
                               suffix=suffix + ".part", dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, _default_mode())
        _fsync_path(tmp)
        os.replace(tmp, path)
        _fsync_path(directory, directory=True)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_bytes(path, data: bytes) -> None:
    """Writes ``data`` to ``path`` atomically and durably."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
