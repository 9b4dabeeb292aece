"""Image preprocessing layers: Resizing and CenterCrop (always on), and the augmentations
RandomCrop, RandomBrightness, RandomHeight, RandomWidth (random only while training).

Images are (batch, height, width, channels) or one image (height, width, channels);
``data_format='channels_first'`` moves channels to axis 1. Outputs are float32 (integer
images are cast), as Keras computes them. Resizing uses ``tf.image.resize``'s maths
(``ember.ops.image.resize``, half-pixel centres).
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.keras.layers.convolutional import _data_format
from ember.keras.layers.image import _Augmentation, _range
from ember.keras.layers.layer import Layer
from ember.ops import image as image_ops

_INTERPOLATIONS = ("bilinear", "nearest")


def _size(value, name, layer):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"`{name}` of {layer} should be a positive int. Received: "
                         f"{name}={value!r}")
    return value


def _interpolation(value, layer):
    if value not in _INTERPOLATIONS:
        raise ValueError(f"`interpolation` of {layer}: Ember supports {list(_INTERPOLATIONS)}. "
                         f"Received: interpolation={value!r}")
    return value


def _as_nhwc(layer, inputs):
    """(x as a float 4-D channels-last tensor, a function undoing the layout changes)."""
    x = inputs
    if x.ndim not in (3, 4):
        raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) expects images of "
                         "shape (batch, height, width, channels) or (height, width, channels); "
                         f"received shape {tuple(x.shape)}.")
    if not x.dtype.is_floating:
        x = ops.cast(x, layer.dtype)
    single = x.ndim == 3
    if single:
        x = ops.expand_dims(x, 0)
    channels_first = layer.data_format == "channels_first"
    if channels_first:
        x = ops.transpose(x, (0, 2, 3, 1))

    def undo(y):
        if channels_first:
            y = ops.transpose(y, (0, 3, 1, 2))
        return ops.squeeze(y, 0) if single else y
    return x, undo


def _crop_box(h, w, th, tw):
    """The centred window of aspect ratio th:tw that fits in h x w (Keras's rule)."""
    ch = max(min(h, int(w * th / tw)), 1)
    cw = max(min(w, int(h * tw / th)), 1)
    return (h - ch) // 2, (w - cw) // 2, ch, cw


def _smart_resize(x, th, tw, interpolation="bilinear"):
    """Crops x (N, H, W, C) to the aspect ratio th:tw about its centre, then resizes."""
    h, w = x.shape[1:3]
    top, left, ch, cw = _crop_box(h, w, th, tw)
    x = x[:, top:top + ch, left:left + cw, :]
    return image_ops.resize(x, (th, tw), method=interpolation)


def _hw_shape(shape, data_format, h, w):
    shape = list(shape)
    if len(shape) == 3:
        hi, wi = (0, 1) if data_format == "channels_last" else (1, 2)
    else:
        hi, wi = (1, 2) if data_format == "channels_last" else (2, 3)
    shape[hi], shape[wi] = h, w
    return tuple(shape)


class Resizing(Layer):
    """Resizes images to ``(height, width)``.

    ``crop_to_aspect_ratio=True`` first crops the largest centred window of the target
    aspect ratio (no distortion); ``pad_to_aspect_ratio=True`` instead pads with
    ``fill_value`` to that ratio. ``interpolation``: 'bilinear' (default) or 'nearest'.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = _size(height, "height", "Resizing")
        self.width = _size(width, "width", "Resizing")
        self.interpolation = _interpolation(interpolation, "Resizing")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can "
                             "be True in Resizing.")
        if fill_mode != "constant":
            raise ValueError("`fill_mode` of Resizing only supports 'constant'. Received: "
                             f"fill_mode={fill_mode!r}")
        if antialias:
            raise ValueError("Resizing(antialias=True) is not supported by Ember; use "
                             "antialias=False.")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value, self.antialias = fill_mode, float(fill_value), False
        self.data_format = _data_format(data_format)

    def call(self, inputs):
        x, undo = _as_nhwc(self, inputs)
        th, tw = self.height, self.width
        if self.crop_to_aspect_ratio:
            return undo(_smart_resize(x, th, tw, self.interpolation))
        if self.pad_to_aspect_ratio:
            h, w = x.shape[1:3]
            ph, pw = max(h, int(w * th / tw)), max(w, int(h * tw / th))
            top, left = (ph - h) // 2, (pw - w) // 2
            x = ops.pad(x, [[0, 0], [top, ph - h - top], [left, pw - w - left], [0, 0]],
                        constant_values=self.fill_value)
        return undo(image_ops.resize(x, (th, tw), method=self.interpolation))

    def compute_output_shape(self, input_shape):
        return _hw_shape(input_shape, self.data_format, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


class CenterCrop(Layer):
    """Crops the centre ``height`` x ``width`` of each image, in training and inference. An
    image smaller than that is first cropped to the target aspect ratio and resized up, as
    Keras does."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = _size(height, "height", "CenterCrop")
        self.width = _size(width, "width", "CenterCrop")
        self.data_format = _data_format(data_format)

    def call(self, inputs):
        x, undo = _as_nhwc(self, inputs)
        h, w = x.shape[1:3]
        th, tw = self.height, self.width
        if h < th or w < tw:
            return undo(_smart_resize(x, th, tw))
        top, left = (h - th) // 2, (w - tw) // 2
        return undo(x[:, top:top + th, left:left + tw, :])

    def compute_output_shape(self, input_shape):
        return _hw_shape(input_shape, self.data_format, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "height": self.height, "width": self.width}


class RandomCrop(_Augmentation):
    """While training, crops a random ``height`` x ``width`` window (one position for the
    whole batch, as Keras 3 draws it); at inference, the centred window of that aspect
    ratio resized to the target size, as Keras 2 did. An image smaller than the target is
    resized up in both cases."""

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = _size(height, "height", "RandomCrop")
        self.width = _size(width, "width", "RandomCrop")

    def call(self, inputs, training=True):
        x, undo = _as_nhwc(self, inputs)
        h, w = x.shape[1:3]
        th, tw = self.height, self.width
        if training and h >= th and w >= tw:
            rng = self._generator()
            top, left = int(rng.integers(0, h - th + 1)), int(rng.integers(0, w - tw + 1))
            return undo(x[:, top:top + th, left:left + tw, :])
        if (h, w) == (th, tw):
            return undo(x)
        return undo(_smart_resize(x, th, tw))

    def compute_output_shape(self, input_shape):
        return _hw_shape(input_shape, self.data_format, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class RandomBrightness(_Augmentation):
    """While training, adds to each image one random delta drawn from
    ``factor · (value_range[1] - value_range[0])`` (a float f means [-f, f]; factors lie
    in [-1, 1]), then clips to ``value_range`` (default (0, 255))."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        lo, hi = _range(factor, "factor")
        if lo < -1 or hi > 1:
            raise ValueError("The `factor` argument of RandomBrightness should be a number (or "
                             f"a list of two numbers) in the range [-1.0, 1.0]. Received: "
                             f"factor={factor!r}")
        self.factor, self._lo, self._hi = (lo, hi), lo, hi
        try:
            vlo, vhi = (float(v) for v in value_range)
        except (TypeError, ValueError):
            vlo = vhi = None
        if vlo is None or vlo >= vhi:
            raise ValueError("The `value_range` argument of RandomBrightness should be a list "
                             f"of two numbers (low < high). Received: value_range={value_range!r}")
        self.value_range = list(value_range)
        self._span = (vlo, vhi)

    def _augment(self, x):
        if not x.dtype.is_floating:
            x = ops.cast(x, self.dtype)
        lo, hi = self._span
        n = x.shape[0]
        delta = self._generator().uniform(self._lo, self._hi, (n, 1, 1, 1)) * (hi - lo)
        y = ops.add(x, ops.convert_to_tensor(delta.astype(np.dtype(x.dtype.name))))
        return ops.clip_by_value(y, lo, hi)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range}


class _RandomSide(_Augmentation):
    """RandomHeight / RandomWidth (Keras 2 layers, dropped from Keras 3): while training,
    resizes one side by a random factor drawn once per batch."""

    _axis = 1

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        lo, hi = _range(factor, "factor")
        if lo < -1.0 or hi < -1.0:
            raise ValueError(f"`factor` of {type(self).__name__} must have values larger than "
                             f"-1. Received: factor={factor!r}")
        self._lo, self._hi = lo, hi
        self.interpolation = _interpolation(interpolation, type(self).__name__)

    def _augment(self, x):
        if not x.dtype.is_floating:
            x = ops.cast(x, self.dtype)
        size = list(x.shape[1:3])
        scale = self._generator().uniform(1.0 + self._lo, 1.0 + self._hi)
        size[self._axis - 1] = max(int(size[self._axis - 1] * scale), 1)
        return image_ops.resize(x, size, method=self.interpolation)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axis = self._axis + (len(shape) == 4) - 1 + (self.data_format == "channels_first")
        shape[axis] = None
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "interpolation": self.interpolation}


class RandomHeight(_RandomSide):
    """While training, scales the image height by ``1 + u``, u drawn from ``factor`` (a
    float f means [-f, f]); the width is kept. Inference passes images unchanged."""

    _axis = 1


class RandomWidth(_RandomSide):
    """While training, scales the image width by ``1 + u``, u drawn from ``factor`` (a float
    f means [-f, f]); the height is kept. Inference passes images unchanged."""

    _axis = 2
