"""CIFAR-10: 50,000 training and 10,000 test colour images of 32x32 pixels, 10 classes."""

from __future__ import annotations

import numpy as np

from . import cifar

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
               "ship", "truck")
URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Load CIFAR-10, as ``keras.datasets.cifar10.load_data`` does, from the Keras cache
    (``~/.keras/datasets/cifar-10-batches-py-target/cifar-10-batches-py/``, Keras 2's
    ``~/.keras/datasets/cifar-10-batches-py/``, or the downloaded archive), downloading the
    archive when it is absent and the network allows.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: uint8 images (n, 32, 32, 3) (channels
        first if ``keras.backend.image_data_format()`` says so) and uint8 labels (n, 1),
        0-9 (names in ``CLASS_NAMES``).
    Raises:
        DatasetNotFoundError: not in the cache and not downloadable; names the URL and path.
        DatasetFileError: a batch file is damaged (or asks to run code: refused).
    """
    read = cifar.batch_reader("cifar-10-batches-py-target", "cifar-10-batches-py", URL, SHA256,
                              "CIFAR-10")
    parts = [cifar.load_batch(read, f"data_batch_{i}", "labels") for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([np.asarray(p[1]) for p in parts])
    x_test, y_test = cifar.load_batch(read, "test_batch", "labels")
    return cifar.finish(x_train, y_train, x_test, y_test)
