"""Dense: every input connects to every output, ``y = g(x @ W + b)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ember import ops
from ember.keras import activations, constraints, initializers, regularizers
from ember.keras.layers.layer import InputSpec, Layer
from ember.ops import nn as nn_ops
from ember.tensor import Tensor, as_array


class Dense(Layer):
    """A fully connected layer: ``output = activation(inputs @ kernel + bias)``.

    For each unit this is the perceptron ``z = w0 + Σ xᵢ wᵢ`` followed by ``g(z)``.
    Matmul, bias and a relu/tanh activation run as one fused op with one gradient rule;
    sigmoid and softmax run as a second op that remembers its logits for the loss.

    Args:
        units: positive int, the output size.
        activation: name or callable (default None: linear).
        use_bias: whether to add a bias vector (default True).
        kernel_initializer: default 'glorot_uniform'. bias_initializer: default 'zeros'.
        kernel_regularizer, bias_regularizer, activity_regularizer: optional penalties.
        kernel_constraint, bias_constraint: optional projections after each update.
    """

    def __init__(self, units: int, activation: str | Callable | None = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, lora_rank: int | None = None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, float) and units.is_integer():
            units = int(units)
        # Keras 2 took int(units): TF's autoencoder tutorial passes
        # `tf.math.reduce_prod(shape).numpy()`, a NumPy integer (Keras 3 rejects it).
        if isinstance(units, np.integer):
            units = int(units)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        if lora_rank is not None:
            raise ValueError("Dense(lora_rank=...) is not supported by Ember; leave it None.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self._fused = _fused_name(self.activation)

    def build(self, input_shape):
        if isinstance(input_shape, dict) or (isinstance(input_shape, list) and input_shape
                                             and isinstance(input_shape[0], (tuple, list))):
            raise TypeError(f"Layer '{self.name}' (Dense) expects one tensor of shape (batch, "
                            f"..., features); received several inputs with shapes "
                            f"{input_shape}. A dict or list of inputs needs a functional model "
                            "with one Input per entry.")
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Layer '{self.name}': the last dimension of the inputs to Dense "
                             f"must be defined. Received input_shape={tuple(input_shape)}.")
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        x = inputs
        if not isinstance(x, Tensor):
            raise TypeError(f"Layer '{self.name}' (Dense) expects one tensor of shape (batch, "
                            f"..., features); received a {type(x).__name__}. A dict or list of "
                            "inputs needs a functional model with one Input per entry.")
        if as_array(x).dtype != as_array(self.kernel).dtype:
            x = ops.cast(x, self.kernel.dtype)
        lead = None
        if x.ndim > 2:  # Dense acts on the last axis: fold leading axes into one batch
            lead = tuple(x.shape[:-1])
            x = ops.reshape(x, (-1, x.shape[-1]))
        if self._fused is not False:
            y = nn_ops.dense(x, self.kernel, self.bias, self._fused)
        else:
            y = self.activation(nn_ops.dense(x, self.kernel, self.bias, None))
        if lead is not None:
            logits = y._keras_logits
            y = ops.reshape(y, lead + (self.units,))
            if logits is not None:
                y._keras_logits = ops.reshape(logits, lead + (self.units,))
                y._keras_activation = self._fused
        return y

    def _call_with_dropout(self, x, rate):
        """``Dropout(rate)(self(x), training=True)`` as one fused op, for ``Sequential`` (which
        checks first that nothing else of either layer's call applies: a 2-D tensor of the
        kernel's dtype without a mask, a relu or linear activation, no activity
        regularizer)."""
        if self.input_spec is not None:
            self._check_input_spec(x)
        return nn_ops.dense(x, self.kernel, self.bias, self._fused, dropout=rate)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _ser(regularizers, self.kernel_regularizer),
            "bias_regularizer": _ser(regularizers, self.bias_regularizer),
            "kernel_constraint": _ser(constraints, self.kernel_constraint),
            "bias_constraint": _ser(constraints, self.bias_constraint),
        })
        return config


def _ser(module, obj):
    return None if obj is None else module.serialize(obj)


def _fused_name(fn):
    """The name the fused dense op knows this activation by, or False if it must run apart."""
    if fn is activations.sigmoid or fn is ops.sigmoid:
        return "sigmoid"
    if fn is activations.softmax or fn is nn_ops.softmax:
        return "softmax"
    return activations.FUSED.get(fn, False)
