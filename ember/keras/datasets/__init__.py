"""Small data sets of the Keras API: ``mnist`` and ``fashion_mnist``, each with ``load_data()``.

Both look in the explicit path, the Keras cache (``~/.keras/datasets``), the system
data folder (``/usr/share/datasets``), then download with a SHA-256 check; see
``files`` for the loader they share.
"""

from . import fashion_mnist, mnist
from .files import DatasetFileError, DatasetNotFoundError

__all__ = ["DatasetFileError", "DatasetNotFoundError", "fashion_mnist", "mnist"]

# Keras data sets Ember cannot read, and why (each is a pickled or object-array file).
_NOT_SUPPORTED = {
    "cifar10": "its files are Python pickles, which Ember never loads",
    "cifar100": "its files are Python pickles, which Ember never loads",
    "imdb": "its .npz holds object arrays, which need pickle to load",
    "reuters": "its .npz holds object arrays, which need pickle to load",
    "boston_housing": "not provided yet",
}


def __getattr__(name):
    if name in _NOT_SUPPORTED:
        raise AttributeError(f"keras.datasets.{name} is not supported by Ember: "
                             f"{_NOT_SUPPORTED[name]}. Load the data with NumPy (or "
                             "tf.keras.utils.*_dataset_from_directory) and pass arrays to fit.")
    raise AttributeError(f"module 'ember.keras.datasets' has no attribute {name!r}")
