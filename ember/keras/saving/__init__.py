"""Saving and loading (``keras.saving``): ``.keras`` model files, weights files, configs and
the registry of custom classes a file may name."""

from ember.keras.saving.config import (  # noqa: F401
    SerializationError,
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
from ember.keras.saving.safe_read import ModelFileError  # noqa: F401
from ember.keras.saving.weights_file import load_model, load_weights, save_model, save_weights  # noqa: F401
