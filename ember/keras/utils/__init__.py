"""``keras.utils``: helpers named by purpose, one module each (``progbar.py``, ...)."""

from ember.keras.utils.labels import normalize, to_categorical  # noqa: F401
from ember.keras.utils.model_plot import plot_model  # noqa: F401  (issue 14)
from ember.keras.utils.progbar import Progbar  # noqa: F401
from ember.keras.utils.seeding import set_random_seed  # noqa: F401
from ember.keras.utils.sequence import PyDataset, Sequence  # noqa: F401

# Keras utilities Ember does not have yet, and what to use instead.
_NOT_SUPPORTED: dict = {}


def __getattr__(name):
    if name in _NOT_SUPPORTED:
        raise AttributeError(f"ember.keras.utils.{name} is not supported yet: "
                             f"{_NOT_SUPPORTED[name]}.")
    raise AttributeError(f"module 'ember.keras.utils' has no attribute {name!r}")
