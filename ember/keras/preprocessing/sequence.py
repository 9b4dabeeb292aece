"""``keras.preprocessing.sequence`` (Keras 2): ``pad_sequences`` (the ``keras.utils`` one)
and ``TimeseriesGenerator``."""

from ember.keras.preprocessing.timeseries_generator import TimeseriesGenerator  # noqa: F401
from ember.keras.utils.sequence_utils import pad_sequences  # noqa: F401
