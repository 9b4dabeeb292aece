"""``keras.utils``: helpers named by purpose, one module each (``progbar.py``, ...)."""

from ember.keras.utils.labels import normalize, to_categorical  # noqa: F401
from ember.keras.utils.progbar import Progbar  # noqa: F401
from ember.keras.utils.seeding import set_random_seed  # noqa: F401


class Sequence:
    """Base class for batch sources: define ``__len__`` (batches per epoch) and
    ``__getitem__(i)`` returning ``(x, y)``; ``fit`` iterates it each epoch."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        pass

    def on_epoch_end(self):
        """Called after every epoch (e.g. to reshuffle)."""


PyDataset = Sequence


def plot_model(model, to_file="model.png", **kwargs):
    """Draws the model's layer stack as a picture (needs matplotlib)."""
    from ember.plot import plot_model as _plot_model
    return _plot_model(model, to_file=to_file, **kwargs)
