"""Small data sets of the Keras API: ``mnist`` and ``fashion_mnist``, each with ``load_data()``.

Both look in the explicit path, the Keras cache (``~/.keras/datasets``), the system
data folder (``/usr/share/datasets``), then download with a SHA-256 check; see
``files`` for the loader they share.
"""

from . import fashion_mnist, mnist
from .files import DatasetFileError, DatasetNotFoundError

# prep: the other Keras data sets (CIFAR-10/100, IMDB, Reuters, Boston/California housing)
# isort: split
from . import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    imdb,
    reuters,
)

__all__ = ["DatasetFileError", "DatasetNotFoundError", "boston_housing", "california_housing",
           "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters"]
