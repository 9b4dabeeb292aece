"""``tf.image``: resize, flips, dtype conversion and grayscale for (batch,) height, width,
channels images."""

from __future__ import annotations

import numpy as np

from ember.image_convert import convert_image_dtype
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

# -- tfops: geometry, colour and random augmentation ops; decoders and encoders -----------
from ember.image_color import *  # noqa: E402,F403
from ember.image_color import __all__ as _color_all  # noqa: E402
from ember.image_geometry import *  # noqa: E402,F403
from ember.image_geometry import __all__ as _geometry_all  # noqa: E402

__all__ += _color_all + _geometry_all
from ember.io.codecs import (  # noqa: E402
    decode_bmp,
    decode_gif,
    decode_image,
    decode_jpeg,
    decode_png,
    encode_jpeg,
    encode_png,
    is_jpeg,
)

__all__ += ["decode_bmp", "decode_gif", "decode_image", "decode_jpeg", "decode_png",
            "encode_jpeg", "encode_png", "is_jpeg"]
