"""The per-image transforms of Keras 2's ``ImageDataGenerator``, on NumPy arrays.

``apply_affine_transform`` composes rotation, shift, shear and zoom into one 3x3 matrix in
(row, column) coordinates about the image centre, as Keras 2 did with
``scipy.ndimage.affine_transform``, and resamples with Ember's image op
(``ember.ops.image.transform``, bilinear or nearest): no SciPy needed. Inside the image
and with fill modes 'nearest' (the default) and 'reflect' the result equals Keras 2's; at
the border, 'constant' and 'wrap' follow Keras's preprocessing layers (TF's grid
semantics) rather than SciPy's older edge rules.

Angles are in degrees; ``tx`` shifts rows (down is negative content motion, as in Keras 2:
the output pixel (r, c) reads input (r + tx, c + ty)).
"""

from __future__ import annotations

import numpy as np

from ember.ops import image as image_ops

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def transform_matrix_offset_center(matrix, x, y):
    """``matrix`` (3x3, row/column coordinates) applied about the centre of an x-by-y image."""
    o_x, o_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset @ matrix @ reset


def affine_matrix(theta=0, tx=0, ty=0, shear=0, zx=1, zy=1):
    """The 3x3 (row, column) matrix mapping output to input coordinates, or None for the
    identity: rotation · shift · shear · zoom, as Keras 2 composes them."""
    matrix = None

    def then(m):
        nonlocal matrix
        matrix = m if matrix is None else matrix @ m
    if theta != 0:
        t = np.deg2rad(theta)
        then(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        then(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        then(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        then(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    return matrix


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1,
                           channel_axis=2, fill_mode="nearest", cval=0.0, order=1):
    """One image ``x`` rotated by ``theta`` degrees, shifted by (tx, ty) pixels, sheared by
    ``shear`` degrees and zoomed by (zx, zy) (zoom > 1 shows more of the image, smaller),
    as ``keras.preprocessing.image.apply_affine_transform``. ``order`` 1 is bilinear,
    0 nearest."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"`fill_mode` should be one of {list(FILL_MODES)}. Received: "
                         f"fill_mode={fill_mode!r}")
    if order not in (0, 1):
        raise ValueError("`interpolation_order` (order) must be 0 (nearest) or 1 (bilinear) in "
                         f"Ember. Received: {order!r}")
    matrix = affine_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    x = np.asarray(x)
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, h, w)
    # Ember's transform takes (x=column, y=row) coordinates: swap rows and columns.
    swap = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    xy = (swap @ matrix @ swap)[:2][None].astype(np.float64)
    hwc = np.moveaxis(x, (row_axis, col_axis, channel_axis), (0, 1, 2))
    out = image_ops.transform(hwc[None].astype(np.float32, copy=False), xy,
                              "bilinear" if order == 1 else "nearest", fill_mode, float(cval))
    out = np.asarray(out.numpy()[0], dtype=x.dtype if x.dtype.kind == "f" else np.float32)
    return np.moveaxis(out, (0, 1, 2), (row_axis, col_axis, channel_axis))


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds ``intensity`` to every channel, clipped to the image's own [min, max]."""
    x = np.asarray(x)
    lo, hi = np.min(x), np.max(x)
    return np.clip(x + intensity, lo, hi).astype(x.dtype, copy=False)


def apply_brightness_shift(x, brightness, scale=True):
    """Multiplies brightness by ``brightness``, clipped to [0, 255], as Keras 2 does through
    PIL's ``ImageEnhance.Brightness`` (values outside [0, 255] are first mapped into that
    range and mapped back afterwards unless ``scale``); without the uint8 rounding of PIL."""
    x = np.asarray(x, dtype=np.float32)
    lo, hi = float(np.min(x)), float(np.max(x))
    local = lo < 0 or hi > 255
    y = (x - lo) / max(hi - lo, 1e-12) * 255.0 if (local or scale) else x
    y = np.clip(y * brightness, 0.0, 255.0)
    if not scale and local:
        y = y / 255.0 * (hi - lo) + lo
    return y


def flip_axis(x, axis):
    return np.flip(np.asarray(x), axis).copy()
