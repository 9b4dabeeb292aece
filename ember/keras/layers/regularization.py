"""Regularization layers: Dropout."""

from __future__ import annotations

import numpy as np

from ember import ops
from ember import random as _random
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
        keep = _random.keep_mask(shape, self.rate, rng=self._rng)
        mask = keep.astype(dtype) * dtype.type(1 / (1 - self.rate))
        return ops.multiply(inputs, convert_to_tensor(mask))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}
