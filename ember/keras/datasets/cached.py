"""Finding a data set file in the Keras cache (``$KERAS_HOME/datasets``, default
``~/.keras/datasets``), downloading it there when allowed and possible."""

from __future__ import annotations

import os
import urllib.error

from . import files


def cached_file(name, url, sha256=None, *, what, alternatives=()):
    """The path of ``name`` in the cache, downloaded from ``url`` if missing.

    Args:
        name: file name (or absolute path, as Keras's ``path=`` arguments allow).
        url: where Keras downloads it from.
        sha256: the digest a download must match; None means the file is never
            downloaded (Keras checks those with MD5, which Ember's downloader does not do).
        what: the data set's name, for errors.
        alternatives: other cache-relative paths that hold the same data (older Keras
            layouts); the first that exists is returned.
    Raises:
        DatasetNotFoundError: absent and not downloadable (offline, or the origin
            unreachable); names the URL and the cache path.
    """
    name = os.path.expanduser(os.fspath(name))
    dest = name if os.path.isabs(name) else os.path.join(files.cache_dir(), name)
    looked = []
    for path in (dest,) + tuple(os.path.join(files.cache_dir(), a) for a in alternatives):
        if os.path.exists(path):
            return path
        looked.append(path)
    hint = f"To get it, download {url} and put it at {dest}."
    if sha256 is None:
        looked.append(f"download {url}: not attempted (Ember downloads only files with a "
                      "known SHA-256)")
        raise files.not_found(what, looked, hint)
    if files.offline():
        looked.append(f"download {url}: skipped because EMBER_OFFLINE is set")
        raise files.not_found(what, looked, hint)
    try:
        files.download(url, dest, sha256)
    except OSError as e:
        if isinstance(e, urllib.error.HTTPError):
            e.close()
        looked.append(f"download {url}: failed ({getattr(e, 'reason', None) or e})")
        raise files.not_found(what, looked, hint) from e
    return dest
