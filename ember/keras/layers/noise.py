"""Noise layers: GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D/3D.

Each changes its input only while training, drawing from its own generator when given a
``seed``, else from the one ``keras.utils.set_random_seed`` seeds.
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember import random as _random
from ember.keras.layers.convolutional import _data_format
from ember.keras.layers.layer import Layer


def _rate(value, layer):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"Invalid value received for argument `rate` of {layer}. Expected a "
                         f"float value between 0 and 1. Received: rate={value!r}")
    return float(value)


class _Noise(Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def _generator(self):
        return self._rng or _random.get_global_generator()

    def _dtype_of(self, x):
        dt = np.dtype(x.dtype.name)
        return dt if dt.kind == "f" else np.dtype(self.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class GaussianNoise(_Noise):
    """Adds zero-centred Gaussian noise of standard deviation ``stddev`` while training
    (``x + N(0, stddev²)``); at inference the input passes unchanged."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError("Invalid value received for argument `stddev` of GaussianNoise. "
                             f"Expected a non-negative float. Received: stddev={stddev!r}")
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        dt = self._dtype_of(inputs)
        noise = self._generator().normal(0.0, self.stddev, tuple(inputs.shape)).astype(dt)
        return ops.add(ops.cast(inputs, dt.name), ops.convert_to_tensor(noise))

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """Multiplies the input by Gaussian noise of mean 1 and standard deviation
    ``sqrt(rate / (1 - rate))`` while training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate(rate, "GaussianDropout")

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        dt = self._dtype_of(inputs)
        std = np.sqrt(self.rate / (1.0 - self.rate))
        noise = self._generator().normal(1.0, std, tuple(inputs.shape)).astype(dt)
        return ops.multiply(ops.cast(inputs, dt.name), ops.convert_to_tensor(noise))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


# SELU's constants: dropped units are set to SELU's negative saturation value
# -scale·alpha, then an affine map a·x + b restores the mean and variance.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(_Noise):
    """Dropout for self-normalising (SELU) networks: while training, a fraction ``rate`` of
    inputs is set to ``α' = -scale·alpha``, then ``a·x + b`` keeps mean and variance
    (``a = ((1 - rate)(1 + rate·α'²))^-1/2``, ``b = -a·α'·rate``)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate(rate, "AlphaDropout")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        dt = self._dtype_of(inputs)
        shape = tuple(inputs.shape) if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        kept = (self._generator().random(shape) >= self.rate).astype(dt)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        # a·(x·kept + α'·(1 - kept)) + b, with the constant parts folded into one array
        scale = ops.convert_to_tensor((a * kept).astype(dt))
        shift = ops.convert_to_tensor((a * alpha_p * (1 - kept) + b).astype(dt))
        return ops.add(ops.multiply(ops.cast(inputs, dt.name), scale), shift)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


class _SpatialDropout(_Noise):
    rank = 3

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate(rate, type(self).__name__)
        self.supports_masking = False

    def call(self, inputs, training=None):
        if inputs.ndim != self.rank:
            raise ValueError(f'Input 0 of layer "{self.name}" ({type(self).__name__}) is '
                             f"incompatible with the layer: expected ndim={self.rank}, found "
                             f"ndim={inputs.ndim}. Full shape received: {tuple(inputs.shape)}")
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return ops.zeros_like(inputs)
        dt = self._dtype_of(inputs)
        keep = self._generator().random(self._noise_shape(tuple(inputs.shape))) >= self.rate
        mask = keep.astype(dt) * dt.type(1 / (1 - self.rate))
        return ops.multiply(inputs, ops.convert_to_tensor(mask))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of sequences (batch, steps, channels) while training: each
    channel of each example is zeroed with probability ``rate``, the rest scaled by
    1/(1 - rate)."""

    rank = 3

    def _noise_shape(self, shape):
        return (shape[0], 1, shape[2])


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of volumes (batch, d1, d2, d3, channels) while training."""

    rank = 5

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = _data_format(data_format)

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1, 1)
        return (shape[0], 1, 1, 1, shape[4])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
