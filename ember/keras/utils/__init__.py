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
from ember.keras.utils.progbar import Progbar  # noqa: F401
from ember.keras.utils.seeding import set_random_seed  # noqa: F401
from ember.keras.utils.sequence import PyDataset, Sequence  # noqa: F401

# Keras utilities Ember does not have yet, and what to use instead.
_NOT_SUPPORTED = {
    "plot_model": "Ember draws no model graphs yet; model.summary() prints the layers, and "
    "ember.plot draws training curves and weights",
}


def __getattr__(name):
    if name in _NOT_SUPPORTED:
        raise AttributeError(f"ember.keras.utils.{name} is not supported yet: "
                             f"{_NOT_SUPPORTED[name]}.")
    raise AttributeError(f"module 'ember.keras.utils' has no attribute {name!r}")
