"""``keras.utils``: helpers named by purpose, one module each (``progbar.py``, ...)."""

# Model files (issue 11): Keras keeps the custom-object registry under keras.utils too.
from ember.keras.saving.config import (  # noqa: F401
    deserialize_keras_object,
    serialize_keras_object,
)
from ember.keras.saving.object_registration import (  # noqa: F401
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from ember.keras.utils.labels import normalize, to_categorical  # noqa: F401
from ember.keras.utils.model_plot import plot_model  # noqa: F401  (issue 14)
from ember.keras.utils.progbar import Progbar  # noqa: F401
from ember.keras.utils.seeding import set_random_seed  # noqa: F401
from ember.keras.utils.sequence import PyDataset, Sequence  # noqa: F401

# -- data helpers (issue 13: tf.data and the Keras loaders) --------------------------------
# isort: split
from ember.keras.utils.dataset_utils import split_dataset  # noqa: F401
from ember.keras.utils.file_utils import get_file  # noqa: F401
from ember.keras.utils.image_dataset import image_dataset_from_directory  # noqa: F401
from ember.keras.utils.image_utils import (  # noqa: F401
    array_to_img,
    img_to_array,
    load_img,
    save_img,
)
from ember.keras.utils.sequence_utils import pad_sequences  # noqa: F401
from ember.keras.utils.text_dataset import text_dataset_from_directory  # noqa: F401
from ember.keras.utils.timeseries import timeseries_dataset_from_array  # noqa: F401

# Keras utilities Ember does not have yet, and what to use instead.
_NOT_SUPPORTED: dict = {}


def __getattr__(name):
    if name in _NOT_SUPPORTED:
        raise AttributeError(f"ember.keras.utils.{name} is not supported yet: "
                             f"{_NOT_SUPPORTED[name]}.")
    raise AttributeError(f"module 'ember.keras.utils' has no attribute {name!r}")
