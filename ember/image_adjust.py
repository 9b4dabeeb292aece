"""``tf.image``'s adjustments, crops and random augmentations, as TensorFlow's data
augmentation tutorial calls them: ``adjust_brightness``, ``adjust_contrast``,
``adjust_saturation``, ``adjust_hue``, ``central_crop``, ``rot90``,
``resize_with_crop_or_pad``, ``per_image_standardization``, ``grayscale_to_rgb`` and the
``random_*`` / ``stateless_random_*`` versions.

Brightness, contrast, crops, rotations and standardisation are built from Ember ops, so
gradients flow through them. Saturation and hue go through HSV in NumPy and, as in TF, have
no gradient. Random choices come from Ember's seeded generators (``tf.random.set_seed``);
the stateless versions from their ``seed`` pair alone. The random streams are Ember's own:
the same seed does not give TensorFlow's numbers.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes, ops
from ember import random as _random
from ember.ops.math import cast, multiply
from ember.tensor import Tensor, convert_to_tensor


def _t(image) -> Tensor:
    return image if isinstance(image, Tensor) else convert_to_tensor(image)


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


def _in_float(image, fn):
    """``fn`` applied in float32 to integer images (converted to [0, 1] and back, clipped),
    as TF adjusts uint8 images."""
    x = _t(image)
    if x.dtype.is_floating:
        return fn(x)
    return convert_image_dtype(fn(convert_image_dtype(x, "float32")), x.dtype, saturate=True)


def adjust_brightness(image, delta):
    """``image + delta`` (integer images in [0, 1] units, clipped)."""
    return _in_float(image, lambda x: ops.add(x, np.asarray(delta, x.dtype.as_numpy_dtype)))


def adjust_contrast(images, contrast_factor):
    """``(x - mean) · factor + mean`` with each image's per-channel mean over height and
    width."""
    def fn(x):
        mean = ops.reduce_mean(x, axis=(-3, -2), keepdims=True)
        f = np.asarray(contrast_factor, x.dtype.as_numpy_dtype)
        return ops.add(ops.multiply(ops.subtract(x, mean), f), mean)
    return _in_float(images, fn)


def _rgb_to_hsv(rgb):
    mx, mn = rgb.max(-1), rgb.min(-1)
    diff = mx - mn
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(mx > 0, diff / mx, 0.0)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        h = np.where(mx == r, (g - b) / diff, np.where(mx == g, 2 + (b - r) / diff,
                                                        4 + (r - g) / diff))
    h = np.where(diff > 0, (h / 6) % 1.0, 0.0)
    return np.stack([h, s, mx], -1)


def _hsv_to_rgb(hsv):
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    i = np.floor(h * 6) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    choices = [np.stack(c, -1) for c in ((v, t, p), (q, v, p), (p, v, t), (p, q, v),
                                         (t, p, v), (v, p, q))]
    return np.select([(i == k)[..., None] for k in range(6)], choices)


def _hsv_adjust(image, fn, what):
    def apply(x):
        if x.shape[-1] != 3:
            raise ValueError(f"{what}: the last axis must hold 3 channels (RGB); received "
                             f"shape {tuple(x.shape)}.")
        hsv = _rgb_to_hsv(x.numpy().astype(np.float64))
        return convert_to_tensor(_hsv_to_rgb(fn(hsv)).astype(x.dtype.as_numpy_dtype))
    return _in_float(image, apply)


def adjust_saturation(image, saturation_factor, name=None):
    """Scales the saturation (HSV's S, clipped to [0, 1]) by ``saturation_factor``."""
    def fn(hsv):
        hsv[..., 1] = np.clip(hsv[..., 1] * float(saturation_factor), 0, 1)
        return hsv
    return _hsv_adjust(image, fn, "adjust_saturation")


def adjust_hue(image, delta, name=None):
    """Rotates the hue (HSV's H, in turns) by ``delta`` in [-1, 1]."""
    if not -1 <= float(delta) <= 1:
        raise ValueError(f"adjust_hue: delta must be in [-1, 1]; received {delta}.")

    def fn(hsv):
        hsv[..., 0] = (hsv[..., 0] + float(delta)) % 1.0
        return hsv
    return _hsv_adjust(image, fn, "adjust_hue")


def grayscale_to_rgb(images, name=None):
    """Repeats a last axis of size 1 three times."""
    x = _t(images)
    if x.shape[-1] != 1:
        raise ValueError(f"grayscale_to_rgb: the last axis must have size 1; received shape "
                         f"{tuple(x.shape)}.")
    return ops.concat([x, x, x], axis=-1)


def central_crop(image, central_fraction):
    """The centred ``central_fraction`` of height and width (TF's rounding)."""
    x = _t(image)
    f = float(central_fraction)
    if not 0 < f <= 1:
        raise ValueError(f"central_crop: central_fraction must be in (0, 1]; received {f}.")
    if f == 1:
        return x
    h, w = x.shape[-3], x.shape[-2]
    top, left = int((h - h * f) / 2), int((w - w * f) / 2)
    return x[..., top:h - top, left:w - left, :]


def rot90(image, k=1, name=None):
    """Rotates by 90° counter-clockwise ``k`` times (height and width axes)."""
    x = _t(image)
    k = int(k.numpy() if isinstance(k, Tensor) else k) % 4
    hw = (x.ndim - 3, x.ndim - 2)
    perm = list(range(x.ndim))
    perm[hw[0]], perm[hw[1]] = hw[1], hw[0]
    for _ in range(k):
        x = ops.reverse(ops.transpose(x, perm), [hw[0]])
    return x


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    x = _t(image)
    return x[..., offset_height:offset_height + target_height,
             offset_width:offset_width + target_width, :]


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    x = _t(image)
    h, w = x.shape[-3], x.shape[-2]
    if target_height < h + offset_height or target_width < w + offset_width:
        raise ValueError("pad_to_bounding_box: the target box must hold the image at the "
                         f"offset; received image {h}x{w}, offset ({offset_height}, "
                         f"{offset_width}), target {target_height}x{target_width}.")
    pads = [[0, 0]] * (x.ndim - 3) + [[offset_height, target_height - h - offset_height],
                                      [offset_width, target_width - w - offset_width], [0, 0]]
    return ops.pad(x, pads)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centre-crops or zero-pads height and width to the target size."""
    x = _t(image)
    h, w = x.shape[-3], x.shape[-2]
    top = max((h - target_height) // 2, 0)
    left = max((w - target_width) // 2, 0)
    x = crop_to_bounding_box(x, top, left, min(h, target_height), min(w, target_width))
    h, w = x.shape[-3], x.shape[-2]
    return pad_to_bounding_box(x, max((target_height - h) // 2, 0),
                               max((target_width - w) // 2, 0), target_height, target_width)


def per_image_standardization(image):
    """``(x - mean) / max(std, 1/√N)`` per image over height, width and channels."""
    x = _t(image)
    if not x.dtype.is_floating:
        x = ops.cast(x, "float32")
    axes = (-3, -2, -1)
    n = x.shape[-3] * x.shape[-2] * x.shape[-1]
    mean = ops.reduce_mean(x, axis=axes, keepdims=True)
    std = ops.sqrt(ops.reduce_mean(ops.square(ops.subtract(x, mean)), axis=axes,
                                   keepdims=True))
    floor = np.asarray(1.0 / np.sqrt(n), x.dtype.as_numpy_dtype)
    return ops.divide(ops.subtract(x, mean), ops.maximum(std, floor))


# -- random augmentations -------------------------------------------------------------------
def _stateless_rng(seed):
    s = seed.numpy() if isinstance(seed, Tensor) else seed
    values = [int(v) % 2**32 for v in np.ravel(s)]
    if len(values) != 2:
        raise ValueError(f"stateless ops take a seed of two integers; received {seed!r}.")
    return np.random.default_rng(values)


def _flip(image, rng, axis_from_end):
    x = _t(image)
    axis = x.ndim - axis_from_end
    if x.ndim == 4:  # each image of a batch decides on its own
        keep = rng.uniform(size=x.shape[0]) < 0.5
        flipped = ops.reverse(x, [axis])
        mask = keep.reshape(-1, 1, 1, 1)
        return ops.where(np.broadcast_to(mask, x.shape), flipped, x)
    return ops.reverse(x, [axis]) if rng.uniform() < 0.5 else x


def random_flip_left_right(image, seed=None):
    return _flip(image, _random._rng(seed), 2)


def random_flip_up_down(image, seed=None):
    return _flip(image, _random._rng(seed), 3)


def stateless_random_flip_left_right(image, seed):
    return _flip(image, _stateless_rng(seed), 2)


def stateless_random_flip_up_down(image, seed):
    return _flip(image, _stateless_rng(seed), 3)


def random_brightness(image, max_delta, seed=None):
    if max_delta < 0:
        raise ValueError("random_brightness: max_delta must be non-negative.")
    return adjust_brightness(image, _random._rng(seed).uniform(-max_delta, max_delta))


def stateless_random_brightness(image, max_delta, seed):
    if max_delta < 0:
        raise ValueError("stateless_random_brightness: max_delta must be non-negative.")
    return adjust_brightness(image, _stateless_rng(seed).uniform(-max_delta, max_delta))


def _check_range(lower, upper, what):
    if not 0 <= lower < upper:
        raise ValueError(f"{what}: expected 0 <= lower < upper; received lower={lower}, "
                         f"upper={upper}.")


def random_contrast(image, lower, upper, seed=None):
    _check_range(lower, upper, "random_contrast")
    return adjust_contrast(image, _random._rng(seed).uniform(lower, upper))


def stateless_random_contrast(image, lower, upper, seed):
    _check_range(lower, upper, "stateless_random_contrast")
    return adjust_contrast(image, _stateless_rng(seed).uniform(lower, upper))


def random_saturation(image, lower, upper, seed=None):
    _check_range(lower, upper, "random_saturation")
    return adjust_saturation(image, _random._rng(seed).uniform(lower, upper))


def stateless_random_saturation(image, lower, upper, seed):
    _check_range(lower, upper, "stateless_random_saturation")
    return adjust_saturation(image, _stateless_rng(seed).uniform(lower, upper))


def random_hue(image, max_delta, seed=None):
    if not 0 <= max_delta <= 0.5:
        raise ValueError("random_hue: max_delta must be in [0, 0.5].")
    return adjust_hue(image, _random._rng(seed).uniform(-max_delta, max_delta))


def stateless_random_hue(image, max_delta, seed):
    if not 0 <= max_delta <= 0.5:
        raise ValueError("stateless_random_hue: max_delta must be in [0, 0.5].")
    return adjust_hue(image, _stateless_rng(seed).uniform(-max_delta, max_delta))


def _crop(value, size, rng, what):
    x = _t(value)
    size = [int(s) for s in (size.numpy() if isinstance(size, Tensor) else size)]
    if len(size) != x.ndim or any(s > d for s, d in zip(size, x.shape)):
        raise ValueError(f"{what}: size {size} must have one entry per axis of the value's "
                         f"shape {tuple(x.shape)}, none larger.")
    starts = [int(rng.integers(0, d - s + 1)) for s, d in zip(size, x.shape)]
    return x[tuple(slice(b, b + s) for b, s in zip(starts, size))]


def random_crop(value, size, seed=None, name=None):
    """A random window of ``size`` (one entry per axis) taken from ``value``."""
    return _crop(value, size, _random._rng(seed), "random_crop")


def stateless_random_crop(value, size, seed, name=None):
    return _crop(value, size, _stateless_rng(seed), "stateless_random_crop")
