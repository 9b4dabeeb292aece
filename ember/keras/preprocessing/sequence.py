"""``keras.preprocessing.sequence`` (Keras 2): ``pad_sequences``, ``TimeseriesGenerator``
is not provided (use ``timeseries_dataset_from_array``)."""

from ember.keras.utils.sequence_utils import pad_sequences  # noqa: F401
