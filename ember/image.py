"""``tf.image``: resize, flips, dtype conversion and grayscale for (batch,) height, width,
channels images."""

from __future__ import annotations

import numpy as np

from ember.image_adjust import convert_image_dtype
from ember.ops.image import flip_left_right, flip_up_down, resize
from ember.ops.math import multiply
from ember.ops.reduce import reduce_sum
from ember.tensor import Tensor, convert_to_tensor


class ResizeMethod:
    """The names ``tf.image.resize`` accepts for ``method``."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"


def rgb_to_grayscale(images, name=None):
    """Luma ``0.2989 R + 0.5870 G + 0.1140 B``, keeping a last axis of size 1."""
    x = images if isinstance(images, Tensor) else convert_to_tensor(images)
    if x.shape[-1] != 3:
        raise ValueError(f"rgb_to_grayscale: the last axis must hold 3 channels (RGB); "
                         f"received shape {tuple(x.shape)}.")
    kind = np.dtype(x.dtype.name).kind
    xf = convert_image_dtype(x, "float32") if kind in "iu" else x
    weights = np.array([0.2989, 0.5870, 0.1140], np.dtype(xf.dtype.name))
    gray = reduce_sum(multiply(xf, weights), axis=-1, keepdims=True)
    return convert_image_dtype(gray, x.dtype.name) if kind in "iu" else gray


__all__ = ["resize", "flip_left_right", "flip_up_down", "convert_image_dtype",
           "rgb_to_grayscale", "ResizeMethod"]

# Adjustments, crops and random augmentations (the data augmentation tutorial's calls).
from ember.image_adjust import (  # noqa: E402
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    central_crop,
    crop_to_bounding_box,
    grayscale_to_rgb,
    pad_to_bounding_box,
    per_image_standardization,
    random_brightness,
    random_contrast,
    random_crop,
    random_flip_left_right,
    random_flip_up_down,
    random_hue,
    random_saturation,
    resize_with_crop_or_pad,
    rot90,
    stateless_random_brightness,
    stateless_random_contrast,
    stateless_random_crop,
    stateless_random_flip_left_right,
    stateless_random_flip_up_down,
    stateless_random_hue,
    stateless_random_saturation,
)

__all__ += ["adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation",
            "central_crop", "crop_to_bounding_box", "grayscale_to_rgb", "pad_to_bounding_box",
            "per_image_standardization", "random_brightness", "random_contrast",
            "random_crop", "random_flip_left_right", "random_flip_up_down", "random_hue",
            "random_saturation", "resize_with_crop_or_pad", "rot90",
            "stateless_random_brightness", "stateless_random_contrast",
            "stateless_random_crop", "stateless_random_flip_left_right",
            "stateless_random_flip_up_down", "stateless_random_hue",
            "stateless_random_saturation"]
