"""Images as arrays: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``, and the
resizing the directory loader uses.

Decoding and encoding use Pillow (``pip install 'ember[image]'``). ``resize_image`` with
``"bilinear"`` or ``"nearest"`` computes what ``tf.image.resize`` computes (half-pixel
centres, no antialiasing), so loaded images hold the same numbers as in Keras.
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np

PIL_INTERPOLATION = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Reading and writing images needs Pillow: pip install 'ember[image]' "
                          "(or pip install pillow).") from None
    return Image


def _resampling(name):
    image = pil_image()
    methods = getattr(image, "Resampling", image)
    table = {"nearest": methods.NEAREST, "bilinear": methods.BILINEAR,
             "bicubic": methods.BICUBIC, "hamming": methods.HAMMING, "box": methods.BOX,
             "lanczos": methods.LANCZOS, "area": methods.BOX, "lanczos3": methods.LANCZOS,
             "lanczos5": methods.LANCZOS}
    if name not in table:
        raise ValueError(f"Invalid interpolation method {name!r}. Supported: "
                         f"{', '.join(sorted(table))}.")
    return table[name]


def _channels_first(data_format):
    from ember.keras import backend
    fmt = data_format or backend.image_data_format()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"`data_format` must be 'channels_last' or 'channels_first'; received "
                         f"data_format={data_format!r}.")
    return fmt == "channels_first"


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Loads an image file (or file-like object) as a PIL image.

    Args:
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        target_size: ``(height, width)`` to resize to, or None.
        interpolation: Pillow's ``"nearest"`` (default), ``"bilinear"``, ``"bicubic"``,
            ``"hamming"``, ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.
    """
    image = pil_image()
    if isinstance(path, io.BytesIO):
        source = path
    elif isinstance(path, (str, bytes, os.PathLike)):
        if isinstance(path, bytes):
            path = path.decode()
        with open(path, "rb") as f:
            source = io.BytesIO(f.read())
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    try:
        img = image.open(source)
        img.load()
    except Exception as e:  # Pillow raises several types for a bad file
        raise ValueError(f"Could not read the image file {path}: {e}") from None
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            if interpolation not in PIL_INTERPOLATION:
                raise ValueError(f"Invalid interpolation method {interpolation} specified. "
                                 f"Supported methods are {', '.join(PIL_INTERPOLATION)}")
            resample = _resampling(interpolation)
            if keep_aspect_ratio:
                width, height = img.size
                target_w, target_h = width_height
                crop_h = min(height, (width * target_h) // target_w)
                crop_w = min(width, (height * target_w) // target_h)
                top, left = (height - crop_h) // 2, (width - crop_w) // 2
                img = img.crop((left, top, left + crop_w, top + crop_h))
            img = img.resize(width_height, resample)
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a float32 array of shape (height, width, channels)."""
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x.transpose(2, 0, 1) if _channels_first(data_format) else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """An array of shape (height, width, channels) as a PIL image; ``scale`` stretches the
    values to 0..255 first."""
    image = pil_image()
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if _channels_first(data_format):
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    if channels == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit signed integer grayscale
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an array as an image file (format from ``file_format`` or the file name)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format == "jpg" or file_format == "jpeg" or (
            file_format is None and str(path).lower().endswith((".jpg", ".jpeg")))):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    if file_format == "jpg":
        file_format = "jpeg"
    img.save(path, format=file_format, **kwargs)


# -- resizing as tf.image.resize does ----------------------------------------------------

def _source_coords(out_size, in_size):
    scale = in_size / out_size
    return (np.arange(out_size, dtype=np.float64) + 0.5) * scale - 0.5


def resize_image(x, size, interpolation="bilinear"):
    """Resizes an (h, w, c) float array to ``size`` = (height, width).

    ``"bilinear"`` and ``"nearest"`` follow ``tf.image.resize`` (half-pixel centres, no
    antialiasing); other methods go through Pillow one channel at a time.
    """
    h, w = x.shape[:2]
    out_h, out_w = int(size[0]), int(size[1])
    if interpolation == "nearest":
        # Picks pixels, so keeps the dtype (uint8 images stay uint8, as in TF).
        rows = np.minimum(np.floor((np.arange(out_h) + 0.5) * (h / out_h)).astype(int), h - 1)
        cols = np.minimum(np.floor((np.arange(out_w) + 0.5) * (w / out_w)).astype(int), w - 1)
        return x[rows][:, cols]
    x = x.astype(np.float32, copy=False)
    if (h, w) == (out_h, out_w):
        return x
    if interpolation == "bilinear":
        ys = np.clip(_source_coords(out_h, h), 0, h - 1)
        xs = np.clip(_source_coords(out_w, w), 0, w - 1)
        y0 = np.floor(ys).astype(int)
        x0 = np.floor(xs).astype(int)
        y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
        dy = (ys - y0)[:, None, None]
        dx = (xs - x0)[None, :, None]
        top = x[y0][:, x0] * (1 - dx) + x[y0][:, x1] * dx
        bottom = x[y1][:, x0] * (1 - dx) + x[y1][:, x1] * dx
        return (top * (1 - dy) + bottom * dy).astype(np.float32)
    image = pil_image()
    resample = _resampling(interpolation)
    channels = [np.asarray(image.fromarray(x[:, :, c].astype(np.float32), "F").resize(
        (out_w, out_h), resample)) for c in range(x.shape[2])]
    return np.stack(channels, axis=-1).astype(np.float32)


def crop_to_aspect(x, size):
    """The centre crop of an (h, w, c) image with ``size``'s aspect ratio (Keras's
    ``smart_resize`` crop)."""
    h, w = x.shape[:2]
    th, tw = size
    ch = max(min(h, int(float(w * th) / tw)), 1)
    cw = max(min(w, int(float(h * tw) / th)), 1)
    top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
    return x[top:top + ch, left:left + cw]


def resize_with_pad(x, size, interpolation="bilinear"):
    """Resizes keeping the aspect ratio to fit ``size``, then pads with zeros around it
    (``tf.image.resize_with_pad``)."""
    h, w = x.shape[:2]
    th, tw = int(size[0]), int(size[1])
    ratio = max(w / tw, h / th)
    rh, rw = h / ratio, w / ratio
    resized = resize_image(x, (int(np.floor(rh)), int(np.floor(rw))), interpolation)
    top = max(0, int(np.floor((th - rh) / 2)))
    left = max(0, int(np.floor((tw - rw) / 2)))
    out = np.zeros((th, tw) + x.shape[2:], resized.dtype)
    out[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
    return out
