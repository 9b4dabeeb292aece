"""Ember's Keras: layers, models, losses, metrics, optimizers and callbacks (``tf.keras``)."""

import importlib as _importlib

from ember.keras import activations, constraints, initializers, layers, regularizers  # noqa: F401
from ember.keras.layers import Input, Layer  # noqa: F401
from ember.keras.models import Model, Sequential  # noqa: F401

_LAZY = {name: f"ember.keras.{name}" for name in (
    "losses", "metrics", "optimizers", "callbacks", "backend", "datasets", "utils", "saving",
    "models")}
# keras.ops and keras.random (issue 14)
_LAZY.update({"ops": "ember.keras.ops", "random": "ember.keras.random"})
# tf.keras.preprocessing: the Keras 2 names TF 2.21 still carries
_LAZY["preprocessing"] = "ember.keras.preprocessing"
_LAZY["mixed_precision"] = "ember.keras.mixed_precision"
# Keras namespaces Ember does not have, and what to do instead.
_NOT_SUPPORTED = {"applications": "pretrained models are downloaded weights and Ember ships "
                  "none: build the model from layers, or load a Keras 3 .keras file with "
                  "keras.models.load_model"}


def __getattr__(name):
    if name in _LAZY:
        module = _importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    if name in _NOT_SUPPORTED:
        raise AttributeError(f"keras.{name} is not supported by Ember: {_NOT_SUPPORTED[name]}.")
    raise AttributeError(f"module 'ember.keras' has no attribute '{name}'")
