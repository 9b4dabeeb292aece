"""Activation layers: Activation, ReLU, LeakyReLU, PReLU, Softmax, ELU."""

from __future__ import annotations

from collections.abc import Callable

from ember import ops
from ember.keras import activations
from ember.keras.layers.layer import Layer
from ember.ops import nn as nn_ops


class Activation(Layer):
    """Applies an activation function: ``Activation('relu')``."""

    def __init__(self, activation: str | Callable, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Softmax(Layer):
    """Softmax over ``axis`` (default -1); masked positions (mask False) get probability 0."""

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = ops.add(inputs, ops.multiply(1.0 - ops.cast(mask, inputs.dtype), -1e9))
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ReLU(Layer):
    """max(0, z), with optional ``max_value``, ``negative_slope`` and ``threshold``."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be negative. Received: "
                             f"max_value={max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be negative. Received: "
                             f"negative_slope={negative_slope}")
        self.supports_masking = True
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(Layer):
    """z for z > 0, ``negative_slope``·z otherwise (Keras 3 default 0.3; ``alpha`` accepted)."""

    def __init__(self, negative_slope: float = 0.3, alpha: float | None = None, **kwargs):
        super().__init__(**kwargs)
        if alpha is not None:
            negative_slope = alpha
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or "
                             f"negative. Received: negative_slope={negative_slope}")
        self.supports_masking = True
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return nn_ops.leaky_relu(inputs, alpha=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """z for z > 0, ``alpha``·(exp(z) - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = alpha

    def call(self, inputs):
        return nn_ops.elu(inputs, alpha=self.alpha)


class PReLU(Layer):
    """Parametric ReLU: ``max(x, 0) - alpha · max(-x, 0)`` with a learnt ``alpha`` per
    position (shared along ``shared_axes``), initialised by ``alpha_initializer``
    (zeros)."""

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        from ember.keras import constraints, initializers, regularizers
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"Layer '{self.name}' (PReLU) needs every non-batch axis known "
                             f"or listed in shared_axes; received input shape "
                             f"{tuple(input_shape)}.")
        self.alpha = self.add_weight(shape=tuple(shape), name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)

    def call(self, inputs):
        pos = nn_ops.relu(inputs)
        neg = ops.multiply(self.alpha, nn_ops.relu(ops.negative(inputs)))
        return ops.subtract(pos, neg)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        from ember.keras import constraints, initializers, regularizers
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": None if self.alpha_regularizer is None else
                regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": None if self.alpha_constraint is None else
                constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}
