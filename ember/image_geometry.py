"""``tf.image`` geometry: crops, pads, rotations by 90° and the random flips and crops of
data augmentation pipelines, on (height, width, channels) or (batch, height, width, channels)
images.

All are slices, reversals, transposes and pads of the input (recorded ops), so gradients
flow through them. The ``random_*`` ops draw from Ember's global generator (or an op seed,
as ``tf.random`` does); the ``stateless_random_*`` ops take a seed pair and give the same
result for the same seed.
"""

from __future__ import annotations

import numpy as np

from ember import random as _random
from ember.errors import InvalidArgumentError
from ember.ops.array import getitem, pad, reverse, stack, transpose
from ember.tensor import Tensor, convert_to_tensor

__all__ = [
    "central_crop", "crop_to_bounding_box", "pad_to_bounding_box", "random_crop",
    "random_flip_left_right", "random_flip_up_down", "resize_with_crop_or_pad", "rot90",
    "stateless_random_crop", "stateless_random_flip_left_right",
    "stateless_random_flip_up_down",
]


def _image(image, where, name="image") -> Tensor:
    x = image if isinstance(image, Tensor) else convert_to_tensor(image)
    if x.ndim not in (3, 4):
        raise ValueError(f"{where}: '{name}' (shape {tuple(x.shape)}) must have either 3 or 4 "
                         "dimensions.")
    return x


def _int(v) -> int:
    return int(v.numpy()) if isinstance(v, Tensor) else int(v)


# -- crops and pads ------------------------------------------------------------------------

def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The ``target_height`` × ``target_width`` window whose top-left corner is at
    (``offset_height``, ``offset_width``)."""
    x = _image(image, "crop_to_bounding_box")
    oh, ow, th, tw = map(_int, (offset_height, offset_width, target_height, target_width))
    h, w = x.shape[-3], x.shape[-2]
    for ok, msg in ((ow >= 0, "offset_width must be >= 0."),
                    (oh >= 0, "offset_height must be >= 0."),
                    (tw > 0, "target_width must be > 0."), (th > 0, "target_height must be > 0."),
                    (w >= tw + ow, "width must be >= target + offset."),
                    (h >= th + oh, "height must be >= target + offset.")):
        if not ok:
            raise ValueError(f"crop_to_bounding_box: {msg} Received image shape "
                             f"{tuple(x.shape)}, offsets ({oh}, {ow}), target ({th}, {tw}).")
    key = (Ellipsis, slice(oh, oh + th), slice(ow, ow + tw), slice(None))
    return getitem(x, key)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """``image`` placed at (``offset_height``, ``offset_width``) on a zero canvas of
    ``target_height`` × ``target_width``."""
    x = _image(image, "pad_to_bounding_box")
    oh, ow, th, tw = map(_int, (offset_height, offset_width, target_height, target_width))
    h, w = x.shape[-3], x.shape[-2]
    after_h, after_w = th - oh - h, tw - ow - w
    for ok, msg in ((oh >= 0, "offset_height must be >= 0"),
                    (ow >= 0, "offset_width must be >= 0"),
                    (after_h >= 0, "height must be <= target - offset"),
                    (after_w >= 0, "width must be <= target - offset")):
        if not ok:
            raise ValueError(f"pad_to_bounding_box: {msg}. Received image shape "
                             f"{tuple(x.shape)}, offsets ({oh}, {ow}), target ({th}, {tw}).")
    paddings = [[0, 0]] * (x.ndim - 3) + [[oh, after_h], [ow, after_w], [0, 0]]
    return pad(x, paddings)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Crops (centred) or zero-pads (evenly) each image to ``target_height`` ×
    ``target_width``; an odd difference puts the extra row or column at the bottom/right."""
    x = _image(image, "resize_with_crop_or_pad")
    th, tw = _int(target_height), _int(target_width)
    if tw <= 0:
        raise ValueError(f"resize_with_crop_or_pad: target_width must be > 0; received {tw}.")
    if th <= 0:
        raise ValueError(f"resize_with_crop_or_pad: target_height must be > 0; received {th}.")
    h, w = x.shape[-3], x.shape[-2]
    cropped = crop_to_bounding_box(x, max((h - th) // 2, 0), max((w - tw) // 2, 0),
                                   min(th, h), min(tw, w))
    return pad_to_bounding_box(cropped, max((th - h) // 2, 0), max((tw - w) // 2, 0), th, tw)


def central_crop(image, central_fraction):
    """The central ``central_fraction`` (in (0, 1]) of each image's height and width."""
    fraction = float(central_fraction.numpy()) if isinstance(central_fraction, Tensor) \
        else float(central_fraction)
    if fraction <= 0.0 or fraction > 1.0:
        raise ValueError(f"central_crop: central_fraction must be within (0, 1]; received "
                         f"{fraction}.")
    x = image if isinstance(image, Tensor) else convert_to_tensor(image)
    if x.ndim not in (3, 4):
        raise ValueError("`image` should either be a Tensor with rank = 3 or rank = 4. Had "
                         f"rank = {x.ndim}.")
    if fraction == 1.0:
        return x
    h, w = x.shape[-3], x.shape[-2]
    top = int((h - h * fraction) / 2)
    left = int((w - w * fraction) / 2)
    return crop_to_bounding_box(x, top, left, h - 2 * top, w - 2 * left)


def rot90(image, k=1, name=None):
    """Rotates each image counter-clockwise by ``k`` × 90°."""
    x = _image(image, "rot90")
    k = _int(k) % 4
    hw = (0, 1) if x.ndim == 3 else (1, 2)
    perm = list(range(x.ndim))
    perm[hw[0]], perm[hw[1]] = perm[hw[1]], perm[hw[0]]
    if k == 1:
        return transpose(reverse(x, [hw[1]]), perm)
    if k == 2:
        return reverse(x, list(hw))
    if k == 3:
        return reverse(transpose(x, perm), [hw[1]])
    return x


# -- random flips and crops ----------------------------------------------------------------

def _flip(x, axis_in_image, draws):
    """Flips the images whose draw (uniform in [0, 1)) is < 0.5 (3-D), or whose rounded draw
    is 1 (4-D, per image), as TF's random flips decide."""
    if x.ndim == 3:
        return reverse(x, [axis_in_image]) if draws[0] < 0.5 else x
    flips = np.round(draws).astype(bool)
    flipped = reverse(x, [axis_in_image + 1])
    parts = [getitem(flipped if f else x, i) for i, f in enumerate(flips)]
    return stack(parts) if parts else x


def _draws(x, seed):
    n = 1 if x.ndim == 3 else x.shape[0]
    return _random._rng(seed).random(n)


def _stateless_draws(x, seed):
    n = 1 if x.ndim == 3 else x.shape[0]
    return _random.stateless_uniform([n], seed=seed, dtype="float64").numpy()


def random_flip_left_right(image, seed=None):
    """Mirrors the image (each image of a batch independently) with probability 1/2."""
    x = _image(image, "random_flip_left_right")
    return _flip(x, 1, _draws(x, seed))


def random_flip_up_down(image, seed=None):
    """Flips the image upside down (each image of a batch independently) with probability
    1/2."""
    x = _image(image, "random_flip_up_down")
    return _flip(x, 0, _draws(x, seed))


def stateless_random_flip_left_right(image, seed):
    """``random_flip_left_right`` decided by the seed pair ``seed``."""
    x = _image(image, "stateless_random_flip_left_right")
    return _flip(x, 1, _stateless_draws(x, seed))


def stateless_random_flip_up_down(image, seed):
    """``random_flip_up_down`` decided by the seed pair ``seed``."""
    x = _image(image, "stateless_random_flip_up_down")
    return _flip(x, 0, _stateless_draws(x, seed))


def _crop_at(value, size, where, pick):
    x = value if isinstance(value, Tensor) else convert_to_tensor(value)
    size = [int(s) for s in (size.numpy() if isinstance(size, Tensor) else size)]
    shape = list(x.shape)
    if len(size) != len(shape):
        raise InvalidArgumentError(f"{where}: size must have one entry per axis of value; "
                                   f"value has shape {shape}, size is {size}.")
    if any(s > d or s < 0 for s, d in zip(size, shape)):
        raise InvalidArgumentError(f"{where}: Need value.shape >= size, got {shape} {size}")
    limit = np.array(shape) - np.array(size) + 1
    offsets = pick(limit)
    return getitem(x, tuple(slice(int(o), int(o) + s) for o, s in zip(offsets, size)))


def random_crop(value, size, seed=None, name=None):
    """A ``size``-shaped window of ``value`` at a random offset (uniform per axis)."""
    return _crop_at(value, size, "random_crop",
                    lambda limit: _random._rng(seed).integers(0, limit))


def stateless_random_crop(value, size, seed, name=None):
    """``random_crop`` at an offset decided by the seed pair ``seed``."""
    def pick(limit):
        big = _random.stateless_uniform([len(limit)], seed=seed, minval=0,
                                        maxval=np.iinfo(np.int32).max, dtype="int32").numpy()
        return big % limit
    return _crop_at(value, size, "stateless_random_crop", pick)

