"""Activation functions by name or callable (``activation='relu'`` or ``activation=tf.nn.relu``).

``softmax`` and ``sigmoid`` remember their input logits on the output tensor
(``_keras_logits``), as Keras's TensorFlow backend does, so a cross-entropy loss that
follows can use the fused, exactly stable "with logits" form.
"""

from __future__ import annotations

import difflib

from ember import ops
from ember.ops import nn as _nn


def linear(x):
    """g(z) = z."""
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """ReLU(z) = max(0, z), with Keras's optional slope, cap and threshold."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.convert_to_tensor(x)
    pos = ops.where(ops.greater(x, threshold), x, ops.zeros_like(x))
    if max_value is not None:
        pos = ops.minimum(pos, float(max_value))
    if negative_slope:
        neg = ops.where(ops.greater(x, threshold), ops.zeros_like(x),
                        ops.multiply(ops.subtract(x, threshold), negative_slope))
        return ops.add(pos, neg)
    return pos


def sigmoid(x):
    """σ(z) = 1 / (1 + e^(-z))."""
    x = ops.convert_to_tensor(x)
    out = ops.sigmoid(x)
    out._keras_logits = x
    out._keras_activation = "sigmoid"
    return out


def softmax(x, axis=-1):
    """eᶻⁱ / Σⱼ eᶻʲ over ``axis``."""
    x = ops.convert_to_tensor(x)
    out = _nn.softmax(x, axis=axis)
    if axis in (-1, x.ndim - 1):
        out._keras_logits = x
        out._keras_activation = "softmax"
    return out


def tanh(x):
    """tanh(z) = (e^z - e^(-z)) / (e^z + e^(-z))."""
    return ops.tanh(x)


def elu(x, alpha=1.0):
    return _nn.elu(x, alpha=alpha)


def selu(x):
    return _nn.selu(x)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return _nn.softsign(x)


def silu(x):
    return _nn.silu(x)


swish = silu


def gelu(x, approximate=False):
    return _nn.gelu(x, approximate=approximate)


def leaky_relu(x, negative_slope=0.2):
    return _nn.leaky_relu(x, alpha=negative_slope)


def relu6(x):
    return _nn.relu6(x)


def exponential(x):
    return ops.exp(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3's definition)."""
    return _nn.hard_sigmoid(x)


def hard_silu(x):
    return ops.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def mish(x):
    """x · tanh(softplus(x))."""
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def log_softmax(x, axis=-1):
    return _nn.log_softmax(x, axis=axis)


_BY_NAME = {f.__name__: f for f in (
    linear, relu, sigmoid, softmax, tanh, elu, selu, softplus, softsign, silu, gelu,
    leaky_relu, relu6, exponential, hard_sigmoid, hard_silu, mish, log_softmax)}
_BY_NAME.update({"swish": silu, "hard_swish": hard_silu, None: linear})


def get(identifier):
    """An activation function from a name, a callable, a dict config or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        identifier = identifier.get("config", {}).get("name", identifier.get("class_name"))
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier.lower() if identifier.lower() in _BY_NAME else identifier)
        if fn is None:
            close = difflib.get_close_matches(identifier, [k for k in _BY_NAME if k], n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"Could not interpret activation function identifier: "
                             f"'{identifier}'.{hint}")
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}. "
                     "Expected a name such as 'relu' or a callable.")


def serialize(activation) -> str:
    """The registered name of an activation function (or its __name__)."""
    for name, fn in _BY_NAME.items():
        if fn is activation and name is not None:
            return name
    return getattr(activation, "__name__", str(activation))


def deserialize(config, custom_objects=None):
    if custom_objects and config in custom_objects:
        return custom_objects[config]
    return get(config)


# Functions the fused Dense op computes itself (same math, one op instead of two).
FUSED = {relu: "relu", ops.relu: "relu", tanh: "tanh", ops.tanh: "tanh", linear: None}
