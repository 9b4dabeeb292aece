"""Fashion-MNIST: 60,000 training and 10,000 test images of 28x28 pixels, 10 kinds of clothing.

The copyright is held by Zalando SE; the data set is under the MIT license.
"""

from __future__ import annotations

import os

from . import files

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# The files in Keras's order and layout: ~/.keras/datasets/fashion-mnist/<name>.
FILE_NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

# SHA-256 of the archives as published (Keras's keras/src/datasets/fashion_mnist.py and
# Zalando's); a download must match. Debian's package recompresses them, so its files
# have other digests and are checked by their IDX structure instead.
FILE_HASHES = {
    "train-images-idx3-ubyte.gz": (
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
    ),
    "train-labels-idx1-ubyte.gz": (
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
    ),
}

IDX_STEMS = tuple(name.removesuffix(".gz") for name in FILE_NAMES)


def load_data(path=None):
    """Load Fashion-MNIST, as ``keras.datasets.fashion_mnist.load_data`` does.

    Looks, in order, at:

    1. ``path`` when given (an Ember extension): a folder holding the four IDX files
       (gzipped or not), or an ``.npz`` archive with Keras's keys;
    2. the Keras cache, ``$KERAS_HOME/datasets/fashion-mnist/`` (default ``~/.keras/...``);
    3. the system data folder ``/usr/share/datasets/fashion-mnist/`` (Debian's
       ``dataset-fashion-mnist`` package);
    4. a download of the missing files from Keras's origin into the cache, each
       checked against its SHA-256 (skipped when ``$EMBER_OFFLINE=1``).

    Args:
        path: optional folder or ``.npz`` file to read first; default None.
    Returns:
        ``((x_train, y_train), (x_test, y_test))``: uint8 arrays of shapes
        ``(60000, 28, 28)``, ``(60000,)``, ``(10000, 28, 28)``, ``(10000,)``; pixels
        0-255, labels 0-9 (names in ``CLASS_NAMES``).
    Raises:
        DatasetNotFoundError: found nowhere and not downloadable; says where it looked.
        DatasetFileError: a file found or downloaded is damaged or truncated.
    """
    cache = files.cache_dir("fashion-mnist")
    system = files.system_dir("fashion-mnist")
    places = [os.path.expanduser(os.fspath(path))] if path is not None else []
    looked: list[str] = []
    if path is not None:
        # An explicit path= is the data asked for: holding nothing is an error naming it,
        # never an answer from another copy (a typo would silently load the system's files).
        split = files.load_split(places[0], stems=IDX_STEMS, looked=looked)
        if split is None:
            raise files.DatasetNotFoundError(
                f"fashion_mnist.load_data(path={path!r}): no Fashion-MNIST data there "
                f"({looked[-1]}). Pass a folder holding {', '.join(FILE_NAMES)} or an .npz "
                "archive, or leave path=None to use the cache or the system copy.")
        return split
    for place in dict.fromkeys(places + [cache, system]):
        split = files.load_split(place, stems=IDX_STEMS, looked=looked)
        if split is not None:
            return split
    hint = (
        f"To get it: sudo apt-get install dataset-fashion-mnist (installs {system}{os.sep}), "
        f"or put {', '.join(FILE_NAMES)} in {cache}{os.sep}."
    )
    targets = {name: os.path.join(cache, name) for name in FILE_NAMES}
    paths = files.fetch(targets, FILE_HASHES, looked=looked, what="Fashion-MNIST", hint=hint)
    return files.read_idx_split(paths)
