"""``tf.keras.preprocessing.sequence``: ``pad_sequences`` (the ``keras.utils`` function)."""

from ember.keras.utils.sequence_utils import pad_sequences  # noqa: F401
