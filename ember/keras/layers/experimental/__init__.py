"""``keras.layers.experimental`` (TF 2.3-2.5): where the preprocessing layers lived before
they moved to ``keras.layers``; ``experimental.preprocessing.Normalization`` is
``keras.layers.Normalization``."""

from ember.keras.layers.experimental import preprocessing  # noqa: F401
