"""Normalization layers: LayerNormalization (per example), BatchNormalization (per batch,
with moving statistics for inference), GroupNormalization (per example, per channel group).

Each standardises ``x̂ = (x - mean) / sqrt(var + epsilon)`` over its own axes, then scales and
shifts it with learned ``gamma`` and ``beta``: ``y = gamma · x̂ + beta``.
"""

from __future__ import annotations

from ember import ops
from ember.keras import constraints, initializers, regularizers
from ember.keras.layers.layer import Layer


def _ser(module, obj):
    return None if obj is None else module.serialize(obj)


def _axes_list(axis, where):
    if isinstance(axis, (list, tuple)):
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            raise TypeError(f"{where}: expected an int or a list/tuple of ints for the argument "
                            f"'axis', but received: {axis!r}")
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(f"{where}: expected an int or a list/tuple of ints for the argument 'axis', "
                    f"but received: {axis!r}")


def _normalized_axes(axes, ndim, layer):
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"Layer '{layer.name}': axis {a} is out of bounds for an input of "
                             f"rank {ndim}. Received: axis={layer.axis}")
        out.append(a % ndim)
    return sorted(out)


def _param_shape(input_shape, axes, layer):
    shape = tuple(input_shape[a] for a in axes)
    if any(d is None for d in shape):
        raise ValueError(f"Layer '{layer.name}': the input's size along the normalized axes "
                         f"{axes} must be known; received input_shape={tuple(input_shape)}.")
    return shape


def _broadcastable(v, axes, ndim):
    """``v`` (the sizes of ``axes``) reshaped to broadcast against an input of rank ``ndim``."""
    if axes == [ndim - 1]:
        return v
    shape = [1] * ndim
    for a, d in zip(axes, v.shape):
        shape[a] = d
    return ops.reshape(v, shape)


class LayerNormalization(Layer):
    """Normalizes each example over ``axis`` (Ba et al., 2016, arXiv:1607.06450).

    ``y = gamma · (x - mean) / sqrt(var + epsilon) + beta`` with mean and (biased) variance
    taken per example over ``axis``; the same in training and inference.

    Args:
        axis: int or list of ints, the axes to normalize (default -1, the features).
        epsilon: added to the variance (default 1e-3, Keras's).
        center: learn ``beta`` (default True). scale: learn ``gamma`` (default True).
        beta_initializer / gamma_initializer: default 'zeros' / 'ones'.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: optional.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        super().__init__(**kwargs)
        self.axis = _axes_list(axis, f"LayerNormalization '{self.name}'")
        if not float(epsilon) >= 0:
            raise ValueError(f"Layer '{self.name}': epsilon must be >= 0. Received: "
                             f"epsilon={epsilon}")
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        # Keras's deprecated flag: x / sqrt(var + eps) · gamma, no centering.
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        self._axes = _normalized_axes(axes, len(input_shape), self)
        self.axis = sorted(axes) if isinstance(self.axis, list) else self.axis
        shape = _param_shape(input_shape, self._axes, self)
        self.gamma = self.add_weight(
            name="gamma", shape=shape, initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
            trainable=True) if (self.scale or self.rms_scaling) else None
        self.beta = self.add_weight(
            name="beta", shape=shape, initializer=self.beta_initializer,
            regularizer=self.beta_regularizer, constraint=self.beta_constraint,
            trainable=True) if (self.center and not self.rms_scaling) else None
        self._ndim = len(input_shape)
        self.built = True

    def call(self, inputs):
        x = inputs
        if x.dtype != self.dtype:
            x = ops.cast(x, self.dtype)
        if x.ndim != self._ndim:
            raise ValueError(f"Layer '{self.name}' (LayerNormalization) was built for inputs "
                             f"of rank {self._ndim}; received shape {tuple(x.shape)}.")
        axes = self._axes
        gamma = None if self.gamma is None else _broadcastable(self.gamma, axes, x.ndim)
        beta = None if self.beta is None else _broadcastable(self.beta, axes, x.ndim)
        if self.rms_scaling:
            _, var = ops.moments(x, axes, keepdims=True)
            out = ops.multiply(x, ops.rsqrt(ops.add(var, self.epsilon)))
            return out if gamma is None else ops.multiply(out, gamma)
        mean, var = ops.moments(x, axes, keepdims=True)
        inv = ops.rsqrt(ops.add(var, self.epsilon))
        if gamma is not None:
            inv = ops.multiply(inv, gamma)
        shift = ops.negative(ops.multiply(mean, inv))
        if beta is not None:
            shift = ops.add(shift, beta)
        return ops.add(ops.multiply(x, inv), shift)

    def compute_output_shape(self, input_shape):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -len(input_shape) <= a < len(input_shape):
                raise ValueError(f"Axis {a} is out of bounds for input shape {input_shape}. "
                                 f"Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": _ser(regularizers, self.beta_regularizer),
            "gamma_regularizer": _ser(regularizers, self.gamma_regularizer),
            "beta_constraint": _ser(constraints, self.beta_constraint),
            "gamma_constraint": _ser(constraints, self.gamma_constraint),
        })
        return config
