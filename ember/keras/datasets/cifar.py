"""What CIFAR-10 and CIFAR-100 share: finding the python batches in the Keras cache and
reading them.

Accepted layouts under ``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``):

- Keras 3: ``<name>-target/<inner>/`` (its ``get_file(..., extract=True)`` result);
- Keras 2: ``<inner>/`` (``get_file(..., untar=True)``);
- the downloaded archive itself, ``<name>-target_archive`` (Keras 3) or ``<inner>.tar.gz``
  (Keras 2), read in place without extracting.

A batch is a pickled dict (bytes keys) with ``data`` (n, 3072) uint8 rows in
channel-major order and a label list; it is read with the restricted unpickler.
"""

from __future__ import annotations

import io
import os
import tarfile

import numpy as np

from ember.keras import settings

from . import files
from .cached import cached_file
from .safe_pickle import load_pickle


def _folder_source(folder):
    def read(member):
        path = os.path.join(folder, member)
        if not os.path.isfile(path):
            raise files.DatasetFileError(f"{folder}: missing the CIFAR batch file {member!r}.")
        with open(path, "rb") as f:
            return load_pickle(f, path)
    return read


def _archive_source(archive, inner):
    """Reads every batch of the archive in one pass (a .tar.gz can only be read in order),
    never extracting anything to disk."""
    batches = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if member.isfile() and os.path.dirname(member.name) == inner:
                    raw = tar.extractfile(member).read()
                    name = os.path.basename(member.name)
                    batches[name] = load_pickle(io.BytesIO(raw), f"{archive}:{member.name}")
    except (tarfile.TarError, OSError, EOFError) as e:
        raise files.DatasetFileError(f"{archive}: damaged or not a tar archive ({e}).") from e

    def read(member):
        if member not in batches:
            raise files.DatasetFileError(f"{archive}: missing {inner}/{member}.")
        return batches[member]
    return read


def batch_reader(target, inner, url, sha256, what):
    """A function reading one batch file by name, from whichever layout is in the cache."""
    cache = files.cache_dir()
    for folder in (os.path.join(cache, target, inner), os.path.join(cache, inner)):
        if os.path.isdir(folder):
            return _folder_source(folder)
    archive = cached_file(f"{target}_archive", url, sha256, what=what,
                          alternatives=(f"{inner}.tar.gz",))
    return _archive_source(archive, inner)


def load_batch(read, member, label_key):
    """(data (n, 3, 32, 32) uint8, labels list) of one batch."""
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v
         for k, v in read(member).items()}
    if "data" not in d or label_key not in d:
        raise files.DatasetFileError(f"CIFAR batch {member!r}: expected keys 'data' and "
                                     f"{label_key!r}, found {sorted(d)}.")
    data = np.asarray(d["data"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise files.DatasetFileError(f"CIFAR batch {member!r}: expected uint8 data of shape "
                                     f"(n, 3072), found {data.dtype} {data.shape}.")
    labels = list(d[label_key])
    if len(labels) != len(data):
        raise files.DatasetFileError(f"CIFAR batch {member!r}: {len(data)} images but "
                                     f"{len(labels)} labels.")
    return data.reshape(-1, 3, 32, 32), labels


def finish(x_train, y_train, x_test, y_test):
    """Labels as (n, 1) uint8 columns and images channels-last unless the Keras image data
    format is channels_first, as Keras returns them."""
    y_train = np.asarray(y_train, np.uint8).reshape(-1, 1)
    y_test = np.asarray(y_test, np.uint8).reshape(-1, 1)
    if settings.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (np.ascontiguousarray(x_train), y_train), (np.ascontiguousarray(x_test), y_test)
