"""``tf.keras.preprocessing.image``: the image file helpers of ``keras.utils``.

The legacy generators (``ImageDataGenerator`` and its iterators) are not provided; the
error says what replaces them.
"""

from ember.keras.utils.image_utils import (  # noqa: F401
    array_to_img,
    img_to_array,
    load_img,
    save_img,
)

_REPLACED = ("ImageDataGenerator", "DirectoryIterator", "NumpyArrayIterator", "Iterator")


def __getattr__(name):
    if name in _REPLACED:
        raise AttributeError(
            f"tf.keras.preprocessing.image.{name} (deprecated in Keras) is not supported by "
            "Ember: load images with tf.keras.utils.image_dataset_from_directory and augment "
            "them with layers such as RandomFlip, RandomRotation and RandomZoom.")
    raise AttributeError(f"module 'ember.keras.preprocessing.image' has no attribute {name!r}")
