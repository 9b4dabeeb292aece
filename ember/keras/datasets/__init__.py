"""Small data sets of the Keras API: ``mnist`` and ``fashion_mnist``, each with ``load_data()``.

Both look in the explicit path, the Keras cache (``~/.keras/datasets``), the system
data folder (``/usr/share/datasets``), then download with a SHA-256 check; see
``files`` for the loader they share.
"""

from . import fashion_mnist, mnist
from .files import DatasetFileError, DatasetNotFoundError

__all__ = ["DatasetFileError", "DatasetNotFoundError", "fashion_mnist", "mnist"]
