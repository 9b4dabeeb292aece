"""Models: Sequential, functional Model(inputs, outputs) and subclassed Model."""

from ember.keras.layers.input_layer import InputLayer
from ember.keras.models.functional import Functional  # noqa: F401
from ember.keras.models.model import Model  # noqa: F401
from ember.keras.models.sequential import Sequential
from ember.keras.saving import weights_file
from ember.keras.saving.serialization import deserialize_layer, serialize_layer


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and fresh weights (Sequential models)."""
    if isinstance(model, Sequential):
        layers = [deserialize_layer(serialize_layer(lay)) for lay in model.layers]
        clone = Sequential(name=None)
        if model._input_batch_shape is not None:
            clone.add(InputLayer(batch_shape=model._input_batch_shape))
        for lay in layers:
            clone.add(lay)
        return clone
    raise ValueError("clone_model supports Sequential models; rebuild functional and "
                     "subclassed models in code.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Whole-model files (``.keras``, ``.h5``) are not supported yet: raises a ValueError
    naming what is (weights files, read by ``model.load_weights``)."""
    return weights_file.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                   safe_mode=safe_mode)
