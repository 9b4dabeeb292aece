"""Regularization layers: Dropout, SpatialDropout1D, GaussianNoise, GaussianDropout and
ActivityRegularization."""

from __future__ import annotations

import numpy as np

from ember import ops
from ember import random as _random
from ember.keras import regularizers
from ember.keras.layers.layer import Layer
from ember.ops import nn as nn_ops
from ember.tensor import as_array, convert_to_tensor


class Dropout(Layer):
    """Randomly sets a fraction ``rate`` of inputs to 0 while training, scaling the rest by
    1/(1 - rate) (inverted dropout) so inference needs no change. Seeded by
    ``keras.utils.set_random_seed`` or its own ``seed``.
    """

    def __init__(self, rate: float, noise_shape: tuple | None = None, seed: int | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.supports_masking = True
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return ops.zeros_like(inputs)
        if self._rng is None:
            return nn_ops.dropout(inputs, self.rate, noise_shape=self.noise_shape)
        shape = inputs.shape if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        dtype = as_array(inputs).dtype
        keep = self._rng.random(shape, dtype=np.float32) >= np.float32(self.rate)
        mask = keep.astype(dtype) * dtype.type(1 / (1 - self.rate))
        return ops.multiply(inputs, convert_to_tensor(mask))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


def _check_rate(rate):
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError("Invalid value received for argument `rate`. Expected a float value "
                         f"between 0 and 1. Received: rate={rate}")
    return float(rate)


class _Noise(Layer):
    """Active only while training; draws from its own generator when given a ``seed``."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def _generator(self):
        return self._rng or _random.get_global_generator()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class SpatialDropout1D(_Noise):
    """Dropout of whole channels of sequences (batch, steps, channels): while training each
    channel of each example is zeroed with probability ``rate``, the rest scaled by
    1/(1 - rate)."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(rate)

    def call(self, inputs, training=None):
        if inputs.ndim != 3:
            raise ValueError(f"Layer '{self.name}' (SpatialDropout1D) expects inputs of shape "
                             f"(batch, steps, channels); received {tuple(inputs.shape)}.")
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return ops.zeros_like(inputs)
        shape = (inputs.shape[0], 1, inputs.shape[2])
        dt = np.dtype(inputs.dtype.name)
        keep = self._generator().random(shape, dtype=np.float32) >= np.float32(self.rate)
        return ops.multiply(inputs, convert_to_tensor(keep.astype(dt) / dt.type(1 - self.rate)))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` while training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError("Invalid value received for argument `stddev`. Expected a "
                             f"non-negative float. Received: stddev={stddev}")
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        dt = np.dtype(inputs.dtype.name)
        noise = self._generator().normal(0.0, self.stddev, inputs.shape).astype(dt)
        return ops.add(inputs, convert_to_tensor(noise))

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """Multiplies inputs by Gaussian noise of mean 1 and variance rate / (1 - rate) while
    training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(rate)

    def call(self, inputs, training=None):
        if not training or self.rate == 0 or self.rate >= 1:
            return inputs
        dt = np.dtype(inputs.dtype.name)
        std = np.sqrt(self.rate / (1.0 - self.rate))
        noise = self._generator().normal(1.0, std, inputs.shape).astype(dt)
        return ops.multiply(inputs, convert_to_tensor(noise))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """Passes inputs through and adds ``l1·Σ|x| + l2·Σx²`` (divided by the batch size, as
    every activity regularizer in Keras 3) to the model's losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1, self.l2 = float(l1), float(l2)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = {**super().get_config(), "l1": self.l1, "l2": self.l2}
        config.pop("activity_regularizer", None)
        return config
