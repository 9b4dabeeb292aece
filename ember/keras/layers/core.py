"""Core layers without a family of their own: Lambda (any function as a layer) and Identity.

Dense lives in dense.py, Input/InputLayer in input_layer.py (Keras keeps all three in its
``layers/core/`` folder).
"""

from __future__ import annotations

from collections.abc import Callable

from ember.keras.layers.layer import Layer


class Lambda(Layer):
    """Wraps an arbitrary function of the inputs as a layer (no weights)."""

    def __init__(self, function: Callable, output_shape=None, mask=None,
                 arguments: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda expects a callable; received {function!r}.")
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape

    def call(self, inputs, training=None):
        return self.function(inputs, **self.arguments)

    def get_config(self):
        raise ValueError(f"Lambda layer '{self.name}' wraps Python code and cannot be "
                         "serialized safely; rebuild it in code instead.")


class Identity(Layer):
    """Returns its input unchanged (and its mask)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs
