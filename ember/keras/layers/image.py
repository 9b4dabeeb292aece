"""Image layers: padding, cropping and upsampling of feature maps, SpatialDropout2D,
Rescaling, and the augmentation layers (RandomFlip, RandomRotation, RandomZoom,
RandomTranslation, RandomContrast), which change images only while training.

Augmentations draw from their own generator when given a ``seed``, else from the one
``keras.utils.set_random_seed`` seeds, so a seeded run repeats exactly.
"""

from __future__ import annotations

import math

import numpy as np

from ember import ops
from ember import random as _random
from ember.keras.layers.convolutional import _data_format
from ember.keras.layers.layer import Layer
from ember.ops import image as image_ops


def _pairs(value, name):
    """Keras's int / (a, b) / ((top, bottom), (left, right)) forms as two pairs."""
    try:
        if isinstance(value, int):
            pairs = ((value, value), (value, value))
        elif all(isinstance(v, int) for v in value) and len(value) == 2:
            pairs = ((value[0], value[0]), (value[1], value[1]))
        else:
            pairs = tuple(tuple(int(x) for x in v) for v in value)
    except TypeError:
        pairs = ()
    if len(pairs) != 2 or any(len(p) != 2 or min(p) < 0 for p in pairs):
        raise ValueError(f"`{name}` should be an int, a tuple of 2 ints or a tuple of 2 tuples "
                         f"of 2 non-negative ints. Received: {name}={value!r}")
    return pairs


def _check_images(layer, x, rank=4):
    if x.ndim != rank:
        hint = " Add the channel axis, e.g. np.expand_dims(x, -1)." if x.ndim == rank - 1 \
            else ""
        raise ValueError(f'Input 0 of layer "{layer.name}" ({type(layer).__name__}) is '
                         f"incompatible with the layer: expected ndim={rank}, found "
                         f"ndim={x.ndim}. Full shape received: {tuple(x.shape)}.{hint}")


def _hw_axes(layer):
    return (1, 2) if layer.data_format == "channels_last" else (2, 3)


class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around each feature map:
    ``padding`` = int, (rows, cols) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, "padding")
        self.data_format = _data_format(data_format)

    def call(self, inputs):
        _check_images(self, inputs)
        pads = [[0, 0]] * 4
        h, w = _hw_axes(self)
        pads[h], pads[w] = list(self.padding[0]), list(self.padding[1])
        return ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(_hw_axes(self), self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + a + b
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


class Cropping2D(Layer):
    """Removes rows and columns from the edges: ``cropping`` = int, (rows, cols) or
    ((top, bottom), (left, right))."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, "cropping")
        self.data_format = _data_format(data_format)

    def _check(self, shape):
        for axis, (a, b) in zip(_hw_axes(self), self.cropping):
            if shape[axis] is not None and a + b >= shape[axis]:
                raise ValueError(f"Layer '{self.name}' (Cropping2D): cropping {self.cropping} "
                                 f"leaves nothing of an input of shape {tuple(shape)}.")

    def call(self, inputs):
        _check_images(self, inputs)
        self._check(inputs.shape)
        key = [slice(None)] * 4
        for axis, (a, b) in zip(_hw_axes(self), self.cropping):
            key[axis] = slice(a, inputs.shape[axis] - b)
        return inputs[tuple(key)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        shape = list(input_shape)
        for axis, (a, b) in zip(_hw_axes(self), self.cropping):
            shape[axis] = None if shape[axis] is None else shape[axis] - a - b
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


class UpSampling2D(Layer):
    """Repeats rows and columns ``size`` times ('nearest', default) or interpolates them
    ('bilinear', as ``tf.image.resize``)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        from ember.keras.layers.convolutional import _tuple
        self.size = _tuple(size, 2, "size")
        self.data_format = _data_format(data_format)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError("`interpolation` argument should be one of: 'nearest', "
                             f"'bilinear'. Received: interpolation={interpolation!r}")
        self.interpolation = interpolation

    def call(self, inputs):
        _check_images(self, inputs)
        x = inputs
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        n, h, w, c = x.shape
        sh, sw = self.size
        if self.interpolation == "nearest":
            x = ops.reshape(x, (-1, h, 1, w, 1, c))
            x = ops.broadcast_to(x, (x.shape[0], h, sh, w, sw, c))
            x = ops.reshape(x, (-1, h * sh, w * sw, c))
        else:
            x = image_ops.resize(x, (h * sh, w * sw), method="bilinear")
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 3, 1, 2))
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, s in zip(_hw_axes(self), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * s
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


class SpatialDropout2D(Layer):
    """Dropout of whole feature maps: while training each channel of each example is zeroed
    with probability ``rate`` (the rest scaled by 1/(1 - rate))."""

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.seed = float(rate), seed
        self.data_format = _data_format(data_format)
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def call(self, inputs, training=None):
        _check_images(self, inputs)
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return ops.zeros_like(inputs)
        shape = list(inputs.shape)
        for axis in _hw_axes(self):
            shape[axis] = 1
        rng = self._rng or _random.get_global_generator()
        keep = _random.keep_mask(shape, self.rate, rng=rng)
        dt = np.dtype(inputs.dtype.name)
        mask = keep.astype(dt) * dt.type(1 / (1 - self.rate))
        return ops.multiply(inputs, ops.convert_to_tensor(mask))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        base = {k: v for k, v in super().get_config().items() if k != "trainable"}
        return {**base, "rate": self.rate, "seed": self.seed, "data_format": self.data_format}


class Rescaling(Layer):
    """``x · scale + offset``, e.g. ``Rescaling(1/255)`` maps pixels to [0, 1]."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        x = inputs
        if np.dtype(x.dtype.name).kind != "f":
            x = ops.cast(x, self.dtype)
        dt = np.dtype(x.dtype.name)
        y = ops.multiply(x, np.asarray(self.scale, dt))
        return ops.add(y, np.asarray(self.offset, dt)) if np.any(self.offset) else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


# -- augmentation -----------------------------------------------------------------------

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _range(factor, name):
    """A float f as (-f, f); a pair as itself."""
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        lo, hi = -abs(factor), abs(factor)
    else:
        try:
            lo, hi = (float(v) for v in factor)
        except (TypeError, ValueError):
            raise ValueError(f"`{name}` should be a float or a tuple of 2 floats. Received: "
                             f"{name}={factor!r}") from None
    if lo > hi:
        raise ValueError(f"`{name}` lower bound must not exceed the upper bound. Received: "
                         f"{name}={factor!r}")
    return float(lo), float(hi)


class _Augmentation(Layer):
    """Active only while training; images (batch, h, w, c) or one image (h, w, c)."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.data_format = _data_format(data_format)
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def _generator(self):
        return self._rng or _random.get_global_generator()

    def call(self, inputs, training=True):
        if not training:
            return inputs
        x = inputs
        if x.ndim not in (3, 4):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects images of "
                             f"shape (batch, height, width, channels) or (height, width, "
                             f"channels); received shape {tuple(x.shape)}.")
        single = x.ndim == 3
        if single:
            x = ops.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        y = self._augment(x)
        if self.data_format == "channels_first":
            y = ops.transpose(y, (0, 3, 1, 2))
        return ops.squeeze(y, 0) if single else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "data_format": self.data_format}


class RandomFlip(_Augmentation):
    """Flips each image left-right and/or up-down with probability 1/2 while training.

    ``mode``: 'horizontal', 'vertical' or 'horizontal_and_vertical' (default)."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError("RandomFlip layer mode must be one of 'horizontal', 'vertical' or "
                             f"'horizontal_and_vertical'. Received: mode={mode!r}")
        self.mode = mode

    def _augment(self, x):
        n = x.shape[0]
        rng = self._generator()
        for axis, on in ((2, "horizontal" in self.mode), (1, "vertical" in self.mode)):
            if not on:
                continue
            flip = (rng.random(n) < 0.5).reshape(n, 1, 1, 1)
            x = ops.where(flip, ops.reverse(x, [axis]), x)
        return x

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class _Affine(_Augmentation):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if fill_mode not in _FILL_MODES:
            raise ValueError(
                f"Unknown `fill_mode` {fill_mode!r}. Expected one of {list(_FILL_MODES)}.")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError("`interpolation` should be 'bilinear' or 'nearest'. Received: "
                             f"interpolation={interpolation!r}")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = float(fill_value)

    def _augment(self, x):
        n, h, w = x.shape[:3]
        return image_ops.transform(x, self._matrices(n, h, w), self.interpolation,
                                   self.fill_mode, self.fill_value)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


def _about_centre(a, h, w):
    """(N, 2, 3) matrices mapping output (x, y) to input coordinates for a linear map ``a``
    (N, 2, 2) applied about the image centre."""
    cx, cy = (w - 1) / 2, (h - 1) / 2
    centre = np.array([cx, cy])
    offset = centre - a @ centre
    return np.concatenate([a, offset[:, :, None]], axis=2)


class RandomRotation(_Affine):
    """Rotates each image by a random angle while training: ``factor`` is a fraction of a
    full turn, a float f meaning [-f·2π, f·2π] or a pair (lower, upper)."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self._lo, self._hi = _range(factor, "factor")
        self.factor = (self._lo, self._hi)  # as Keras 3 keeps (and saves) it

    def _matrices(self, n, h, w):
        angle = self._generator().uniform(self._lo, self._hi, n) * 2 * math.pi
        cos, sin = np.cos(angle), np.sin(angle)
        # output -> input: rotate the output coordinates back by the angle
        a = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], 1)
        return _about_centre(a, h, w)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_Affine):
    """Zooms each image by a random amount while training: a positive factor zooms out
    (the image shrinks), a negative one zooms in. ``height_factor`` f means [-f, f];
    ``width_factor`` None keeps the aspect ratio."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _range(height_factor, "height_factor")
        self._w = None if width_factor is None else _range(width_factor, "width_factor")
        if self._h[0] < -1 or (self._w is not None and self._w[0] < -1):
            raise ValueError("Zoom factors must be >= -1 (a zoom in of at most 100%). "
                             f"Received: height_factor={height_factor}, "
                             f"width_factor={width_factor}")

    def _matrices(self, n, h, w):
        rng = self._generator()
        zy = 1.0 + rng.uniform(self._h[0], self._h[1], n)
        zx = zy if self._w is None else 1.0 + rng.uniform(self._w[0], self._w[1], n)
        zero = np.zeros(n)
        a = np.stack([np.stack([zx, zero], -1), np.stack([zero, zy], -1)], 1)
        return _about_centre(a, h, w)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomTranslation(_Affine):
    """Shifts each image by a random fraction of its size while training (positive: down /
    right); ``height_factor`` f means [-f, f]·height."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _range(height_factor, "height_factor")
        self._w = _range(width_factor, "width_factor")

    def _matrices(self, n, h, w):
        rng = self._generator()
        dy = rng.uniform(self._h[0], self._h[1], n) * h
        dx = rng.uniform(self._w[0], self._w[1], n) * w
        m = np.zeros((n, 2, 3))
        m[:, 0, 0] = m[:, 1, 1] = 1.0
        m[:, 0, 2], m[:, 1, 2] = -dx, -dy
        return m

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomContrast(_Augmentation):
    """Scales each image's deviation from its per-channel mean by a random factor while
    training, then clips to ``value_range`` (default (0, 255)).

    A pair ``(lower, upper)`` draws the factor from [1 - lower, 1 + upper]; a single float f,
    as Keras 3 does it (its lower bound is clipped at 0), from [1, 1 + f].
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor, self.value_range = factor, tuple(value_range)
        if isinstance(factor, (int, float)) and not isinstance(factor, bool):
            lo, hi = 0.0, abs(float(factor))
        else:
            lo, hi = _range(factor, "factor")
        if not (0 <= lo <= 1 and 0 <= hi <= 1):
            raise ValueError("The `factor` argument should be a number (or a list of two "
                             f"numbers) in the range [0, 1]. Received: factor={factor!r}")
        self._lo, self._hi = lo, hi
        self.factor = (lo, hi)  # as Keras 3 keeps (and saves) it: 0.2 -> (0, 0.2)

    def _augment(self, x):
        n = x.shape[0]
        dt = np.dtype(x.dtype.name)
        f = self._generator().uniform(1 - self._lo, 1 + self._hi, (n, 1, 1, 1)).astype(dt)
        mean = ops.reduce_mean(x, axis=[1, 2], keepdims=True)
        y = ops.add(ops.multiply(ops.subtract(x, mean), ops.convert_to_tensor(f)), mean)
        return ops.clip_by_value(y, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range}
