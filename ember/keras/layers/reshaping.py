"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, and the 1-D UpSampling1D,
ZeroPadding1D and Cropping1D."""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.keras.layers.layer import Layer


class Flatten(Layer):
    """Flattens every axis but the batch axis: (batch, 28, 28) -> (batch, 784)."""

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = ops.transpose(x, [0] + list(range(2, x.ndim)) + [1])
        if x.ndim == 1:
            return ops.expand_dims(x, -1)
        return ops.reshape(x, (x.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else int(np.prod(rest))
        return (input_shape[0], n)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes every example to ``target_shape`` (the batch axis stays)."""

    def __init__(self, target_shape: tuple, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs):
        n = int(np.prod(inputs.shape[1:]))
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        if (-1 not in self.target_shape and known != n) or (
                -1 in self.target_shape and (known == 0 or n % known)):
            raise ValueError(f"Layer '{self.name}': total size of the input "
                             f"{tuple(inputs.shape[1:])} ({n}) does not fit target_shape "
                             f"{self.target_shape}.")
        return ops.reshape(inputs, (inputs.shape[0],) + self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)

    def call(self, inputs):
        return ops.tile(ops.expand_dims(inputs, 1), [1, self.n, 1])


class Permute(Layer):
    """Permutes the non-batch axes: ``Permute((2, 1))``."""

    def __init__(self, dims: tuple, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)


def _pair_1d(value, name):
    """An int or a pair of non-negative ints: (before, after) along the steps axis."""
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        a, b = (int(v) for v in pair)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` should be an int or a tuple of 2 ints. Received: "
                         f"{name}={value!r}") from None
    if a < 0 or b < 0:
        raise ValueError(f"`{name}` must be non-negative. Received: {name}={value!r}")
    return a, b


def _check_steps(layer, inputs):
    if inputs.ndim != 3:
        raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) expects inputs of "
                         f"shape (batch, steps, features); received {tuple(inputs.shape)}.")


class UpSampling1D(Layer):
    """Repeats each step ``size`` times along the steps axis."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"`size` must be a positive integer. Received: size={size!r}")
        self.size = size

    def call(self, inputs):
        _check_steps(self, inputs)
        from ember.ops.composite import repeat
        return repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        n = input_shape[1]
        return (input_shape[0], None if n is None else n * self.size, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class ZeroPadding1D(Layer):
    """Adds ``padding`` zero steps at the start and end of each sequence (an int for both,
    or (start, end))."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pair_1d(padding, "padding")

    def call(self, inputs):
        _check_steps(self, inputs)
        return ops.pad(inputs, [[0, 0], list(self.padding), [0, 0]])

    def compute_output_shape(self, input_shape):
        n = input_shape[1]
        return (input_shape[0], None if n is None else n + sum(self.padding), input_shape[2])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


class Cropping1D(Layer):
    """Removes ``cropping`` steps from the start and end of each sequence (an int for both,
    or (start, end))."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pair_1d(cropping, "cropping")

    def call(self, inputs):
        _check_steps(self, inputs)
        a, b = self.cropping
        if a + b >= inputs.shape[1]:
            raise ValueError(f"Layer '{self.name}' (Cropping1D): cropping {self.cropping} "
                             f"leaves nothing of {inputs.shape[1]} steps.")
        return inputs[:, a:inputs.shape[1] - b, :]

    def compute_output_shape(self, input_shape):
        n = input_shape[1]
        return (input_shape[0], None if n is None else n - sum(self.cropping), input_shape[2])

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}
