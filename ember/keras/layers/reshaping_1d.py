"""1-D reshaping layers for sequences (batch, steps, channels): UpSampling1D, ZeroPadding1D,
Cropping1D."""

from __future__ import annotations

from ember import ops
from ember.keras.layers.convolutional import _data_format
from ember.keras.layers.layer import Layer


def _pair(value, name, layer):
    """An int n as (n, n); a pair of non-negative ints as itself."""
    try:
        pair = (value, value) if isinstance(value, int) else tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                 for v in pair):
        raise ValueError(f"`{name}` of {layer} should be a non-negative int or a tuple of 2 "
                         f"non-negative ints. Received: {name}={value!r}")
    return pair


def _check_sequences(layer, x):
    if x.ndim != 3:
        raise ValueError(f'Input 0 of layer "{layer.name}" ({type(layer).__name__}) is '
                         f"incompatible with the layer: expected ndim=3 (batch, steps, "
                         f"channels), found ndim={x.ndim}. Full shape received: "
                         f"{tuple(x.shape)}")


class UpSampling1D(Layer):
    """Repeats each step ``size`` times along the time axis: (n, s, c) -> (n, s·size, c)."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError("`size` of UpSampling1D should be a positive int. Received: "
                             f"size={size!r}")
        self.size = size

    def call(self, inputs):
        _check_sequences(self, inputs)
        n, s, c = inputs.shape
        x = ops.reshape(inputs, (-1, s, 1, c))
        x = ops.broadcast_to(x, (x.shape[0], s, self.size, c))
        return ops.reshape(x, (-1, s * self.size, c))

    def compute_output_shape(self, input_shape):
        n, s, c = input_shape
        return (n, None if s is None else s * self.size, c)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class ZeroPadding1D(Layer):
    """Adds ``padding`` zero steps at the start and end of each sequence: an int, or a pair
    (before, after)."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pair(padding, "padding", "ZeroPadding1D")
        self.data_format = _data_format(data_format)

    def _axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def call(self, inputs):
        _check_sequences(self, inputs)
        pads = [[0, 0], [0, 0], [0, 0]]
        pads[self._axis()] = list(self.padding)
        return ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        a = self._axis()
        shape[a] = None if shape[a] is None else shape[a] + sum(self.padding)
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


class Cropping1D(Layer):
    """Removes ``cropping`` steps from the start and end of each sequence: an int, or a pair
    (start, end)."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pair(cropping, "cropping", "Cropping1D")

    def _check(self, shape):
        if shape[1] is not None and sum(self.cropping) >= shape[1]:
            raise ValueError(f"Layer '{self.name}' (Cropping1D): cropping {self.cropping} "
                             f"leaves nothing of an input of shape {tuple(shape)}.")

    def call(self, inputs):
        _check_sequences(self, inputs)
        self._check(tuple(inputs.shape))
        a, b = self.cropping
        return inputs[:, a:inputs.shape[1] - b, :]

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        n, s, c = input_shape
        return (n, None if s is None else s - sum(self.cropping), c)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}
