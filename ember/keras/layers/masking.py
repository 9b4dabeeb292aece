"""Masking: marks the time steps whose features all equal ``mask_value`` as padding."""

from __future__ import annotations

from ember import ops
from ember.keras.layers.layer import Layer


class Masking(Layer):
    """Skips padded time steps in the layers that follow (RNNs, attention, losses).

    A step is masked when every feature equals ``mask_value`` (default 0.0); those steps
    are also zeroed in the output, as Keras does. The mask (batch, timesteps) travels with
    the output.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs):
        return ops.reduce_any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.expand_dims(self._keep(inputs), -1)
        return inputs * ops.cast(keep, inputs.dtype)

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
