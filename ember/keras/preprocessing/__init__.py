"""``keras.preprocessing`` (Keras 2's namespace, still used by course code):
``image.ImageDataGenerator`` and the image helpers, ``text.Tokenizer``,
``sequence.pad_sequences``, and the directory/array data set builders of ``keras.utils``."""

from ember.keras.preprocessing import image, sequence, text  # noqa: F401
from ember.keras.utils.image_dataset import image_dataset_from_directory  # noqa: F401
from ember.keras.utils.text_dataset import text_dataset_from_directory  # noqa: F401
from ember.keras.utils.timeseries import timeseries_dataset_from_array  # noqa: F401
