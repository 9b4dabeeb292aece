"""MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels."""

from __future__ import annotations

import os

from . import files

CLASS_NAMES = tuple(str(digit) for digit in range(10))

# SHA-256 of Keras's archive (keras/src/datasets/mnist.py); a download must match it.
FILE_HASHES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
}

# The original IDX files, accepted in a folder instead of mnist.npz.
IDX_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def load_data(path="mnist.npz"):
    """Load the MNIST digits, as ``keras.datasets.mnist.load_data`` does.

    Looks, in order, at:

    1. ``path`` itself when it is absolute or exists: an ``.npz`` archive, or a folder
       holding ``mnist.npz`` or the four IDX files (an Ember extension);
    2. the Keras cache, ``$KERAS_HOME/datasets/<path>`` (default ``~/.keras/datasets/mnist.npz``);
    3. the system data folder ``/usr/share/datasets/mnist/`` (``mnist.npz`` or IDX files);
    4. a download of ``mnist.npz`` from Keras's origin, checked against its SHA-256 and
       saved in the cache (skipped when ``$EMBER_OFFLINE=1``).

    Args:
        path: file name of the archive in the cache (default ``"mnist.npz"``), or an
            absolute path; as in Keras, an absolute path is also where a download goes.
    Returns:
        ``((x_train, y_train), (x_test, y_test))``: uint8 arrays of shapes
        ``(60000, 28, 28)``, ``(60000,)``, ``(10000, 28, 28)``, ``(10000,)``; pixels
        0-255, labels 0-9 (names in ``CLASS_NAMES``).
    Raises:
        DatasetNotFoundError: found nowhere and not downloadable; says where it looked.
        DatasetFileError: a file found or downloaded is damaged or truncated.
    """
    path = os.path.expanduser(os.fspath(path))
    cached = os.path.join(files.cache_dir(), path)  # an absolute path stays itself, as in Keras
    places = [path] if os.path.isabs(path) or os.path.exists(path) else []
    places.append(cached)
    if path == "mnist.npz":
        # Only for the default name: an explicit path= that holds nothing must not be
        # answered with another copy (a typo would silently load the system's files).
        places.append(files.system_dir("mnist"))
    looked: list[str] = []
    for place in dict.fromkeys(places):
        split = files.load_split(place, stems=IDX_STEMS, npz_name="mnist.npz", looked=looked)
        if split is not None:
            return split
    dest = os.path.join(cached, "mnist.npz") if os.path.isdir(cached) else cached
    hint = (
        f"To get it, put mnist.npz (from {files.origin()}mnist.npz) in "
        f"{files.cache_dir()}{os.sep}, or the four MNIST IDX files "
        f"({', '.join(s + '.gz' for s in IDX_STEMS)}) in {files.system_dir('mnist')}{os.sep}."
    )
    (dest,) = files.fetch({"mnist.npz": dest}, FILE_HASHES, looked=looked, what="MNIST", hint=hint)
    return files.read_npz_split(dest)
