"""``tf.keras.preprocessing``: the Keras 2 names that TF 2.21 still carries and course code
still imports (``from tensorflow.keras.preprocessing.sequence import pad_sequences``,
``preprocessing.text.Tokenizer``, ``preprocessing.image_dataset_from_directory``). They are
the ``keras.utils`` functions under their old names, plus the legacy ``Tokenizer``.

``ImageDataGenerator`` and the other legacy image iterators are not provided: asking for
one raises an error that names the replacement.
"""

from ember.keras.preprocessing import image, sequence, text  # noqa: F401
from ember.keras.utils.image_dataset import image_dataset_from_directory  # noqa: F401
from ember.keras.utils.text_dataset import text_dataset_from_directory  # noqa: F401
from ember.keras.utils.timeseries import timeseries_dataset_from_array  # noqa: F401
