"""Normalization layers: LayerNormalization (per example), BatchNormalization (per batch,
with moving statistics for inference), GroupNormalization (per example, per channel group).

Each standardises ``x̂ = (x - mean) / sqrt(var + epsilon)`` over its own axes, then scales and
shifts it with learned ``gamma`` and ``beta``: ``y = gamma · x̂ + beta``.
"""

from __future__ import annotations

from ember import ops
from ember.keras import constraints, initializers, regularizers
from ember.keras.layers.layer import Layer
from ember.tensor import as_array


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
        self.axis = sorted(axes)  # Keras 3 keeps a list once built: get_config has [-1]
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


class BatchNormalization(Layer):
    """Normalizes each channel over the batch (Ioffe & Szegedy, 2015, arXiv:1502.03167).

    Training (``fit``, or a call with ``training=True``): ``x̂`` uses the batch's mean and
    biased variance over every axis but ``axis``, and the moving statistics follow them,
    ``moving = moving · momentum + batch · (1 - momentum)``. Inference uses the moving
    statistics: ``y = gamma · (x - moving_mean) / sqrt(moving_variance + epsilon) + beta``.
    A layer with ``trainable = False`` always runs in inference mode, as in Keras 3.

    Args:
        axis: the channel axis (default -1). momentum: default 0.99. epsilon: default 1e-3.
        center, scale: learn beta / gamma (default True).
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: default 'zeros', 'ones', 'zeros', 'ones'.
    Weights, in Keras's order: gamma, beta (trainable), moving_mean, moving_variance (not).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 synchronized=False, **kwargs):
        kwargs.pop("fused", None)  # Keras 2's flag: there is one implementation here
        kwargs.pop("virtual_batch_size", None)
        kwargs.pop("adjustment", None)
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"Layer '{self.name}' (BatchNormalization): axis must be one "
                                 f"int. Received: axis={axis!r}")
            axis = axis[0]
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"Layer '{self.name}' (BatchNormalization): axis must be an int. "
                            f"Received: axis={axis!r}")
        if renorm:
            raise ValueError(f"Layer '{self.name}': BatchNormalization(renorm=True) is not "
                             "supported by Ember; use renorm=False.")
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"Layer '{self.name}': momentum must be in [0, 1]. Received: "
                             f"momentum={momentum}")
        if not float(epsilon) > 0:
            raise ValueError(f"Layer '{self.name}': epsilon must be > 0. Received: "
                             f"epsilon={epsilon}")
        self.axis = axis
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.synchronized = bool(synchronized)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        [self._channel] = _normalized_axes([self.axis], ndim, self)
        shape = _param_shape(input_shape, [self._channel], self)
        self.gamma = self.add_weight(
            name="gamma", shape=shape, initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
            trainable=True) if self.scale else None
        self.beta = self.add_weight(
            name="beta", shape=shape, initializer=self.beta_initializer,
            regularizer=self.beta_regularizer, constraint=self.beta_constraint,
            trainable=True) if self.center else None
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self._ndim, self._channels = ndim, shape[0]
        self._reduce = [a for a in range(ndim) if a != self._channel]
        self.built = True

    def call(self, inputs, training=None):
        x = inputs
        if x.dtype != self.dtype:
            x = ops.cast(x, self.dtype)
        shape = tuple(x.shape)
        if len(shape) != self._ndim or shape[self._channel] != self._channels:
            raise ValueError(f"Layer '{self.name}' (BatchNormalization) was built for inputs of "
                             f"rank {self._ndim} with {self._channels} channels on axis "
                             f"{self.axis}; received shape {shape}.")
        axes, ch = self._reduce, [self._channel]
        if training and self.trainable:
            mean, var = ops.moments(x, axes)
            m = self.momentum
            # Keras's rule, with the biased batch variance: moving = moving·m + batch·(1 - m)
            self.moving_mean.assign(as_array(self.moving_mean) * m + as_array(mean) * (1 - m))
            self.moving_variance.assign(as_array(self.moving_variance) * m
                                        + as_array(var) * (1 - m))
        else:
            mean, var = self.moving_mean, self.moving_variance
        mean = _broadcastable(mean, ch, x.ndim)
        inv = ops.rsqrt(ops.add(_broadcastable(var, ch, x.ndim), self.epsilon))
        if self.gamma is not None:
            inv = ops.multiply(inv, _broadcastable(self.gamma, ch, x.ndim))
        shift = ops.negative(ops.multiply(mean, inv))
        if self.beta is not None:
            shift = ops.add(shift, _broadcastable(self.beta, ch, x.ndim))
        return ops.add(ops.multiply(x, inv), shift)

    def compute_output_shape(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{tuple(input_shape)}. Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": _ser(regularizers, self.beta_regularizer),
            "gamma_regularizer": _ser(regularizers, self.gamma_regularizer),
            "beta_constraint": _ser(constraints, self.beta_constraint),
            "gamma_constraint": _ser(constraints, self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": False,
            "renorm_clipping": None,
            "renorm_momentum": 0.99,
        })
        return config


class GroupNormalization(Layer):
    """Normalizes each example over groups of channels (Wu & He, 2018, arXiv:1803.08494):
    the channels split into ``groups``; mean and variance are taken per example and group
    over the other axes. ``groups=-1`` is instance normalization, ``groups=1`` layer
    normalization over all but the batch axis.

    Args:
        groups: default 32 (must divide the channels). axis: the channel axis (default -1).
        epsilon: default 1e-3. center, scale, initializers, regularizers, constraints: as
        LayerNormalization. Weights: gamma, beta of shape (channels,).
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0
                                                                       and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a "
                             "positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups}")
        super().__init__(**kwargs)
        self.groups, self.axis, self.epsilon = groups, axis, float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        [self._channel] = _normalized_axes([self.axis], ndim, self)
        dim = input_shape[self._channel]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Layer '{self.name}': number of groups ({self.groups}) cannot be "
                             f"more than the number of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"Layer '{self.name}': the number of channels ({dim}) must be a "
                             f"multiple of the number of groups ({self.groups}).")
        self.gamma = self.add_weight(
            name="gamma", shape=(dim,), initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
        ) if self.scale else None
        self.beta = self.add_weight(
            name="beta", shape=(dim,), initializer=self.beta_initializer,
            regularizer=self.beta_regularizer, constraint=self.beta_constraint,
        ) if self.center else None
        self._ndim, self._dim = ndim, dim
        self.built = True

    def call(self, inputs):
        x = inputs
        if x.dtype != self.dtype:
            x = ops.cast(x, self.dtype)
        shape = tuple(x.shape)
        if len(shape) != self._ndim or shape[self._channel] != self._dim:
            raise ValueError(f"Layer '{self.name}' (GroupNormalization) was built for inputs of "
                             f"rank {self._ndim} with {self._dim} channels; received shape "
                             f"{shape}.")
        c, g = self._channel, self.groups
        grouped = list(shape[:c]) + [g, self._dim // g] + list(shape[c + 1:])
        xg = ops.reshape(x, [-1] + grouped[1:])
        axes = [a for a in range(1, len(grouped)) if a != c]
        mean, var = ops.moments(xg, axes, keepdims=True)
        inv = ops.rsqrt(ops.add(var, self.epsilon))
        bshape = [1] * len(grouped)
        bshape[c], bshape[c + 1] = g, self._dim // g
        if self.gamma is not None:
            inv = ops.multiply(inv, ops.reshape(self.gamma, bshape))
        shift = ops.negative(ops.multiply(mean, inv))
        if self.beta is not None:
            shift = ops.add(shift, ops.reshape(self.beta, bshape))
        return ops.reshape(ops.add(ops.multiply(xg, inv), shift), [-1] + list(shape[1:]))

    def compute_output_shape(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{tuple(input_shape)}. Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": _ser(regularizers, self.beta_regularizer),
            "gamma_regularizer": _ser(regularizers, self.gamma_regularizer),
            "beta_constraint": _ser(constraints, self.beta_constraint),
            "gamma_constraint": _ser(constraints, self.gamma_constraint),
        })
        return config
