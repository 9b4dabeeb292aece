"""``tf.image.convert_image_dtype``: between image dtypes, rescaling the value range.

Its own module, below ``ember.image``, so that the colour ops and the codecs can use it.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes
from ember.ops.math import cast, multiply
from ember.tensor import Tensor, convert_to_tensor


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts between image dtypes, rescaling: integers span [0, MAX], floats [0, 1).

    uint8 -> float32 divides by 255; float -> uint8 multiplies by 255.5 and truncates
    (clipping first when ``saturate``), as TF does.
    """
    x = image if isinstance(image, Tensor) else convert_to_tensor(image)
    src, dst = np.dtype(x.dtype.name), dtypes.as_dtype(dtype)._np
    if src == dst:
        return x
    if src.kind == "f" and dst.kind == "f":
        return cast(x, dst.name)
    if src.kind in "iu" and dst.kind == "f":
        return multiply(cast(x, dst.name), 1.0 / np.iinfo(src).max)
    if src.kind == "f" and dst.kind in "iu":
        v = x.numpy().astype(np.float64) * (np.iinfo(dst).max + 0.5)
        if saturate:
            v = np.clip(v, np.iinfo(dst).min, np.iinfo(dst).max)
        return convert_to_tensor(v.astype(dst))
    if src.kind in "iu" and dst.kind in "iu":
        v = x.numpy().astype(np.float64) * (np.iinfo(dst).max / np.iinfo(src).max)
        return convert_to_tensor(np.floor(v).astype(dst))
    raise TypeError(f"convert_image_dtype: cannot convert {src} images to {dst}; images are "
                    "integer or floating point.")
