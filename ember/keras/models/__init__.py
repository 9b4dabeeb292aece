"""Models: Sequential, functional Model(inputs, outputs) and subclassed Model."""

from ember.keras.layers.input_layer import InputLayer
from ember.keras.models.functional import Functional  # noqa: F401
from ember.keras.models.model import Model  # noqa: F401
from ember.keras.models.sequential import Sequential
from ember.keras.saving import weights_file
from ember.keras.saving.serialization import deserialize_layer, serialize_layer


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same architecture and fresh weights (Sequential, functional, or
    subclassed through ``get_config``/``from_config``).

    ``clone_function(layer)`` (default: a new layer from ``layer.get_config()``) makes each
    layer of a Sequential model; ``input_tensors`` is not supported.
    """
    if input_tensors is not None or call_function is not None or kwargs:
        raise ValueError("clone_model supports `model` and `clone_function` (Sequential "
                         "models); `input_tensors`/`call_function` are not supported.")
    if clone_function is not None:
        if not isinstance(model, Sequential):
            raise ValueError("clone_model(clone_function=...) supports Sequential models.")
        clone = Sequential(name=None)
        if model._input_batch_shape is not None:
            clone.add(InputLayer(batch_shape=model._input_batch_shape))
        for layer in model.layers:
            clone.add(clone_function(layer))
        return clone
    config = serialize_layer(model)
    config.pop("compile_config", None)
    return deserialize_layer(config)


def save_model(model, filepath, overwrite=True, include_optimizer=True, **kwargs):
    """``keras.models.save_model(model, 'm.keras')``: the same as ``model.save``."""
    return model.save(filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                      **kwargs)


def model_from_json(json_string, custom_objects=None):
    """The (uncompiled-weights) model a ``model.to_json()`` string describes."""
    import json
    try:
        config = json.loads(json_string)
    except ValueError as e:
        raise ValueError(f"model_from_json: not valid JSON ({e}).") from None
    return deserialize_layer(config, custom_objects)


def model_from_config(config, custom_objects=None):
    """The model a config dict (``serialize_layer``/``get_config`` layout) describes."""
    return deserialize_layer(config, custom_objects)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model saved with ``model.save('m.keras')`` (by Ember or Keras 3): architecture,
    weights, compile settings and optimizer state. Never runs code from the file."""
    return weights_file.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                   safe_mode=safe_mode)
