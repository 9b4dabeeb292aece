"""``tf.image`` colour and intensity: brightness, contrast, gamma, saturation, hue,
per-image standardisation, HSV conversion and their random versions.

As in TF, integer images are converted to float32 in [0, 1] for the arithmetic and back to
their dtype (saturating) afterwards; float16/float32 images are adjusted directly.
Brightness, contrast, gamma and standardisation are built from recorded ops (gradients flow
through them); saturation, hue and the HSV conversions are computed on the arrays, without
a gradient, as TF gives them none.

    adjust_brightness(x, δ)     = x + δ
    adjust_contrast(x, f)       = (x - mean) · f + mean      (mean per image and channel)
    per_image_standardization   = (x - mean) / max(std, 1/√N) (N values per image)
"""

from __future__ import annotations

import numpy as np

from ember import random as _random
from ember.image_convert import convert_image_dtype
from ember.ops.array import tile
from ember.ops.math import add, cast, divide, maximum, multiply, pow, subtract
from ember.ops.reduce import reduce_mean, reduce_std
from ember.tensor import Tensor, convert_to_tensor

__all__ = [
    "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue", "adjust_saturation",
    "grayscale_to_rgb", "hsv_to_rgb", "per_image_standardization", "random_brightness",
    "random_contrast", "random_hue", "random_saturation", "rgb_to_hsv",
    "stateless_random_brightness", "stateless_random_contrast", "stateless_random_hue",
    "stateless_random_saturation",
]


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _to_float(x):
    """(float image, function turning a float result back into x's dtype)."""
    if x.dtype.name in ("float16", "float32"):
        return x, lambda y, saturate=True: y
    return (convert_image_dtype(x, "float32"),
            lambda y, saturate=True: convert_image_dtype(y, x.dtype, saturate=saturate))


def _at_least_3d(x, where):
    if x.ndim < 3:
        raise ValueError(f"{where}: 'image' (shape {tuple(x.shape)}) must be at least "
                         "three-dimensional (height, width, channels).")


def _scalar(v) -> float:
    return float(v.numpy()) if isinstance(v, Tensor) else float(v)


# -- brightness, contrast, gamma, standardisation (differentiable) -------------------------

def adjust_brightness(image, delta):
    """Adds ``delta`` to every value (in [0, 1] units for integer images)."""
    x = _t(image)
    flt, back = _to_float(x)
    return back(add(flt, np.asarray(_scalar(delta), flt._value.dtype)))


def adjust_contrast(images, contrast_factor):
    """``(x - mean) · contrast_factor + mean``, the mean taken per image and channel over
    height and width."""
    x = _t(images)
    _at_least_3d(x, "adjust_contrast")
    flt, back = _to_float(x)
    mean = reduce_mean(flt, axis=[-3, -2], keepdims=True)
    f = np.asarray(_scalar(contrast_factor), flt._value.dtype)
    return back(add(multiply(subtract(flt, mean), f), mean))


def adjust_gamma(image, gamma=1, gain=1):
    """``gain · x ** gamma`` (``gamma`` must be >= 0)."""
    if _scalar(gamma) < 0:
        raise ValueError(f"adjust_gamma: Gamma should be a non-negative real number; received "
                         f"gamma={_scalar(gamma)}.")
    x = _t(image)
    flt, back = _to_float(x)
    dt = flt._value.dtype
    return back(multiply(pow(flt, np.asarray(_scalar(gamma), dt)), np.asarray(_scalar(gain), dt)))


def per_image_standardization(image):
    """Each image scaled to mean 0 and variance 1: ``(x - mean) / max(std, 1/√N)`` over
    its N = height · width · channels values; the result is float32."""
    x = _t(image)
    _at_least_3d(x, "per_image_standardization")
    flt = cast(x, "float32")
    n = int(np.prod(x.shape[-3:]))
    mean = reduce_mean(flt, axis=[-1, -2, -3], keepdims=True)
    std = reduce_std(flt, axis=[-1, -2, -3], keepdims=True)
    adjusted = maximum(std, np.float32(1.0 / np.sqrt(n)))
    return divide(subtract(flt, mean), adjusted)


def grayscale_to_rgb(images, name=None):
    """Repeats the single channel three times."""
    x = _t(images)
    if x.ndim < 2 or x.shape[-1] != 1:
        raise ValueError(f"grayscale_to_rgb: the last axis of images must have size 1; "
                         f"received shape {tuple(x.shape)}.")
    return tile(x, [1] * (x.ndim - 1) + [3])


# -- HSV: saturation and hue (no gradient, as in TF) ----------------------------------------

def _rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    value = rgb.max(-1)
    chroma = value - rgb.min(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sat = np.where(value > 0, chroma / value, 0.0)
        safe = np.where(chroma > 0, chroma, 1.0)
        hue = np.where(r == value, (g - b) / safe,
                       np.where(g == value, 2.0 + (b - r) / safe, 4.0 + (r - g) / safe))
    hue = np.where(chroma > 0, hue / 6.0, 0.0)
    hue = np.where(hue < 0, hue + 1.0, hue)
    return np.stack([hue, sat, value], -1).astype(rgb.dtype)


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    dh = np.mod(h, 1.0) * 6.0
    # Each channel is v minus the chroma times its distance from its hue sector, clipped.
    r = np.clip(np.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    g = np.clip(2.0 - np.abs(dh - 2.0), 0.0, 1.0)
    b = np.clip(2.0 - np.abs(dh - 4.0), 0.0, 1.0)
    rgb = np.stack([r, g, b], -1)
    return (((rgb - 1.0) * s[..., None] + 1.0) * v[..., None]).astype(hsv.dtype)


def _rgb_image(x, where):
    if x.ndim < 1 or x.shape[-1] != 3:
        raise ValueError(f"{where}: the last axis of image must hold 3 channels (RGB); "
                         f"received shape {tuple(x.shape)}.")


def rgb_to_hsv(images, name=None):
    """RGB in [0, 1] to hue, saturation, value, each in [0, 1] (float images)."""
    x = _t(images)
    _rgb_image(x, "rgb_to_hsv")
    if x._value.dtype.kind != "f":
        raise TypeError(f"rgb_to_hsv: images must be floating point; received "
                        f"{x.dtype.name}. Use tf.image.convert_image_dtype first.")
    return Tensor._wrap(_rgb_to_hsv(x.numpy()))


def hsv_to_rgb(images, name=None):
    """Hue, saturation, value in [0, 1] back to RGB (float images)."""
    x = _t(images)
    _rgb_image(x, "hsv_to_rgb")
    if x._value.dtype.kind != "f":
        raise TypeError(f"hsv_to_rgb: images must be floating point; received "
                        f"{x.dtype.name}.")
    return Tensor._wrap(_hsv_to_rgb(x.numpy()))


def adjust_saturation(image, saturation_factor, name=None):
    """Multiplies the saturation (in HSV) by ``saturation_factor``, clipped to [0, 1]."""
    x = _t(image)
    _rgb_image(x, "adjust_saturation")
    flt, back = _to_float(x)
    hsv = _rgb_to_hsv(flt.numpy())
    hsv[..., 1] = np.clip(hsv[..., 1] * _scalar(saturation_factor), 0.0, 1.0)
    return back(Tensor._wrap(_hsv_to_rgb(hsv)), saturate=False)


def adjust_hue(image, delta, name=None):
    """Rotates the hue (in HSV) by ``delta`` of a full turn, ``delta`` in [-1, 1]."""
    d = _scalar(delta)
    if d < -1 or d > 1:
        raise ValueError(f"adjust_hue: delta must be in the interval [-1, 1]; received {d}.")
    x = _t(image)
    _rgb_image(x, "adjust_hue")
    flt, back = _to_float(x)
    hsv = _rgb_to_hsv(flt.numpy())
    hsv[..., 0] = np.mod(hsv[..., 0] + d, 1.0)
    return back(Tensor._wrap(_hsv_to_rgb(hsv)), saturate=False)


# -- random versions -------------------------------------------------------------------------

def _check_range(lower, upper):
    if upper <= lower:
        raise ValueError(f"upper must be > lower. Received lower={lower}, upper={upper}.")
    if lower < 0:
        raise ValueError(f"lower must be non-negative. Received lower={lower}.")


def _check_delta(max_delta, hue=False):
    if hue and max_delta > 0.5:
        raise ValueError(f"max_delta must be <= 0.5. Received max_delta={max_delta}.")
    if max_delta < 0:
        raise ValueError(f"max_delta must be non-negative. Received max_delta={max_delta}.")


def _draw(lo, hi, seed):
    return float(_random._rng(seed).uniform(lo, hi))


def _stateless_draw(lo, hi, seed):
    return float(_random.stateless_uniform([], seed=seed, minval=lo, maxval=hi,
                                           dtype="float32").numpy())


def random_brightness(image, max_delta, seed=None):
    """``adjust_brightness`` by a delta drawn uniformly from [-max_delta, max_delta)."""
    _check_delta(max_delta)
    return adjust_brightness(image, _draw(-max_delta, max_delta, seed))


def random_contrast(image, lower, upper, seed=None):
    """``adjust_contrast`` by a factor drawn uniformly from [lower, upper)."""
    _check_range(lower, upper)
    return adjust_contrast(image, _draw(lower, upper, seed))


def random_saturation(image, lower, upper, seed=None):
    """``adjust_saturation`` by a factor drawn uniformly from [lower, upper)."""
    _check_range(lower, upper)
    return adjust_saturation(image, _draw(lower, upper, seed))


def random_hue(image, max_delta, seed=None):
    """``adjust_hue`` by a delta drawn uniformly from [-max_delta, max_delta), max_delta in
    [0, 0.5]."""
    _check_delta(max_delta, hue=True)
    return adjust_hue(image, _draw(-max_delta, max_delta, seed))


def stateless_random_brightness(image, max_delta, seed):
    """``random_brightness`` with the delta decided by the seed pair ``seed``."""
    _check_delta(max_delta)
    return adjust_brightness(image, _stateless_draw(-max_delta, max_delta, seed))


def stateless_random_contrast(image, lower, upper, seed):
    """``random_contrast`` with the factor decided by the seed pair ``seed``."""
    _check_range(lower, upper)
    return adjust_contrast(image, _stateless_draw(lower, upper, seed))


def stateless_random_saturation(image, lower, upper, seed=None):
    """``random_saturation`` with the factor decided by the seed pair ``seed``."""
    _check_range(lower, upper)
    return adjust_saturation(image, _stateless_draw(lower, upper, seed))


def stateless_random_hue(image, max_delta, seed):
    """``random_hue`` with the delta decided by the seed pair ``seed``."""
    _check_delta(max_delta, hue=True)
    return adjust_hue(image, _stateless_draw(-max_delta, max_delta, seed))
