"""Image decoding and encoding (``tf.io.decode_png``, ``tf.io.encode_jpeg``, ... and their
``tf.image`` names), through Pillow (the ``image`` extra: ``pip install 'ember[image]'``).

Decoded images are uint8 (height, width, channels) tensors (uint16 for 16-bit PNGs decoded
with ``dtype=tf.uint16``; 4-D frames for GIFs). PNG, GIF and BMP pixels are exact; JPEG
pixels come from Pillow's libjpeg and can differ from TF's decoder by a few levels.
"""

from __future__ import annotations

import io

import numpy as np

from ember import dtypes
from ember.errors import InvalidArgumentError
from ember.image_convert import convert_image_dtype
from ember.tensor import Tensor, convert_to_tensor

__all__ = ["decode_bmp", "decode_gif", "decode_image", "decode_jpeg", "decode_png",
           "encode_jpeg", "encode_png", "is_jpeg"]

_MAGIC = (("jpeg", b"\xff\xd8\xff"), ("png", b"\x89PNG\r\n\x1a\n"), ("gif", b"GIF8"),
          ("bmp", b"BM"))


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Decoding and encoding images needs Pillow: pip install "
                          "'ember[image]' (or pip install Pillow).") from None
    return Image


def _bytes(contents, op) -> bytes:
    v = contents.numpy() if isinstance(contents, Tensor) else contents
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v.item()
    if isinstance(v, str):
        v = v.encode("latin-1")
    if not isinstance(v, (bytes, np.bytes_)):
        raise InvalidArgumentError(f"{op}: contents must be a scalar string tensor holding the "
                                   f"encoded image (e.g. from tf.io.read_file); received "
                                   f"{type(v).__name__}.")
    return bytes(v)


def _format(data: bytes) -> str | None:
    for name, magic in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _channels(channels, op) -> int:
    c = 0 if channels is None else int(channels)
    if c not in (0, 1, 3, 4):
        raise InvalidArgumentError(f"{op}: `channels` must be 0, 1, 3 or 4 but got {c}")
    return c


def _open(data, op, gray_jpeg=False):
    try:
        im = _pil().open(io.BytesIO(data))
        if gray_jpeg:  # libjpeg's own luma, as TF's decoder gives for channels=1
            im.draft("L", im.size)
        im.load()
    except (OSError, ValueError, SyntaxError) as e:
        raise InvalidArgumentError(f"{op}: the image data could not be decoded ({e}).") from None
    return im


def _pixels(im, channels) -> np.ndarray:
    """(H, W, C) array of a Pillow frame: uint8, or uint16 for 16-bit grayscale."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I") and channels in (0, 1):
        a = np.asarray(im)
        return a.astype(np.uint16)[..., None] if a.dtype != np.uint16 else a[..., None]
    if channels == 0:
        if im.mode == "P":
            mode = "RGBA" if "transparency" in im.info else "RGB"
        elif im.mode in ("L", "LA", "RGB", "RGBA"):
            mode = im.mode
        elif im.mode == "1":
            mode = "L"
        else:
            mode = "RGB"
    elif channels == 1 and im.mode not in ("L", "LA", "1"):
        return _libpng_gray(np.asarray(im.convert("RGB"), dtype=np.uint8))
    else:
        mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    a = np.asarray(im.convert(mode) if im.mode != mode else im, dtype=np.uint8)
    return a[..., None] if a.ndim == 2 else a


def _libpng_gray(rgb: np.ndarray) -> np.ndarray:
    """Luma as libpng computes it for TF (0.299 R + 0.587 G + 0.114 B in 15-bit fixed point,
    truncated), so grayscale decodes of colour PNGs equal TF's exactly."""
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    y = ((9797 * r + 19234 * g + 3737 * b) >> 15).astype(np.uint8)
    y = np.where((r == g) & (r == b), r.astype(np.uint8), y)
    return y[..., None]


def _to_dtype(a: np.ndarray, dtype, op):
    dt = dtypes.as_dtype(dtype)
    if dt._np == np.uint16 and a.dtype == np.uint8:
        return Tensor._wrap(a.astype(np.uint16) * 257)
    if dt._np == np.uint8 and a.dtype == np.uint16:
        return Tensor._wrap((a >> 8).astype(np.uint8))
    t = Tensor._wrap(a)
    if dt._np == a.dtype:
        return t
    return convert_image_dtype(t, dt)


def _decode(contents, channels, dtype, op, expect=None, animated=False):
    data = _bytes(contents, op)
    fmt = _format(data)
    if fmt is None:
        raise InvalidArgumentError(f"{op}: Unknown image file format. One of JPEG, PNG, GIF, "
                                   "BMP, WebP required.")
    if expect is not None and fmt != expect:
        raise InvalidArgumentError(f"{op}: Trying to decode {fmt.upper()} format using {op} op. "
                                   "Use `decode_png` or `decode_image` instead.")
    c = _channels(channels, op)
    im = _open(data, op, gray_jpeg=(fmt == "jpeg" and c == 1))
    if fmt == "gif" and animated:
        frames = []
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append(_pixels(im.convert("RGB"), 0 if c == 0 else c))
        return _to_dtype(np.stack(frames), dtype, op)
    if fmt == "gif":
        im = im.convert("RGB")
    return _to_dtype(_pixels(im, c), dtype, op)


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None,
                 expand_animations=True):
    """Decodes a JPEG, PNG, GIF, BMP or WebP image (the format read from the bytes).

    ``channels``: None/0 keeps the file's, 1 grayscale, 3 RGB, 4 RGBA. ``dtype`` uint8
    (default), uint16, or a float dtype (values scaled to [0, 1]). An animated GIF gives
    (frames, height, width, 3) unless ``expand_animations=False`` (its first frame).
    """
    return _decode(contents, channels, dtype, "DecodeImage", animated=expand_animations)


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """Decodes a PNG (any format ``decode_image`` reads, as TF's op does) to (H, W, C);
    ``dtype=tf.uint16`` keeps 16-bit grayscale PNGs exact."""
    return _decode(contents, channels, dtype, "DecodePng")


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True,
                try_recover_truncated=False, acceptable_fraction=1, dct_method="", name=None):
    """Decodes a JPEG (any format ``decode_image`` reads, as TF's op does) to uint8
    (H, W, C); ``ratio`` (1, 2, 4 or 8) shrinks it by that factor."""
    if int(ratio) not in (1, 2, 4, 8):
        raise InvalidArgumentError(f"DecodeJpeg: ratio must be 1, 2, 4 or 8; received {ratio}.")
    image = _decode(contents, channels, dtypes.uint8, "DecodeJpeg")
    if int(ratio) == 1:
        return image
    Image = _pil()
    a = image.numpy()
    pil = Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a)
    small = np.asarray(pil.reduce(int(ratio)))
    return Tensor._wrap(small[..., None] if small.ndim == 2 else small)


def decode_gif(contents, name=None):
    """Decodes every frame of a GIF: uint8 (frames, height, width, 3)."""
    return _decode(contents, 3, dtypes.uint8, "DecodeGif", animated=True)


def decode_bmp(contents, channels=0, name=None):
    """Decodes a BMP image (only BMP, as TF's op) to uint8 (H, W, C)."""
    return _decode(contents, channels, dtypes.uint8, "DecodeBmp", expect="bmp")


def _image_array(image, op, allowed_dtypes, allowed_channels) -> np.ndarray:
    t = image if isinstance(image, Tensor) else convert_to_tensor(image)
    a = t.numpy()
    if a.dtype not in allowed_dtypes:
        raise InvalidArgumentError(f"{op}: image must be {' or '.join(map(str, allowed_dtypes))}; "
                                   f"received {a.dtype}. Use tf.image.convert_image_dtype first.")
    if a.ndim != 3:
        raise InvalidArgumentError(f"{op}: image must be 3-D (height, width, channels); "
                                   f"received shape {list(a.shape)}.")
    if a.shape[-1] not in allowed_channels:
        raise InvalidArgumentError(f"{op}: image must have {allowed_channels} channels; "
                                   f"received shape {list(a.shape)}.")
    return a


def _encoded(pil, fmt, **options) -> Tensor:
    buf = io.BytesIO()
    pil.save(buf, format=fmt, **options)
    return Tensor._wrap(np.array(buf.getvalue(), dtype=object))


def encode_png(image, compression=-1, name=None):
    """Encodes a uint8 or uint16 (H, W, C) image, C in 1..4, as PNG bytes (a string
    scalar); ``compression`` 0-9, -1 for the default."""
    a = _image_array(image, "EncodePng", (np.dtype(np.uint8), np.dtype(np.uint16)), (1, 2, 3, 4))
    Image = _pil()
    level = 6 if int(compression) < 0 else min(int(compression), 9)
    if a.dtype == np.uint16:
        if a.shape[-1] != 1:
            raise InvalidArgumentError("EncodePng: Ember writes 16-bit PNGs with 1 channel only "
                                       f"(Pillow's limit); received shape {list(a.shape)}.")
        return _encoded(Image.fromarray(a[..., 0]), "PNG", compress_level=level)
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[a.shape[-1]]
    pil = Image.fromarray(a[..., 0] if mode == "L" else a, mode=mode)
    return _encoded(pil, "PNG", compress_level=level)


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """Encodes a uint8 (H, W, 1 or 3) image as JPEG bytes (a string scalar)."""
    a = _image_array(image, "EncodeJpeg", (np.dtype(np.uint8),), (1, 3))
    if not 0 <= int(quality) <= 100:
        raise InvalidArgumentError(f"EncodeJpeg: quality must be in [0, 100]; received "
                                   f"{quality}.")
    Image = _pil()
    pil = Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a)
    return _encoded(pil, "JPEG", quality=int(quality), progressive=bool(progressive),
                    optimize=bool(optimize_size), subsampling=2 if chroma_downsampling else 0,
                    dpi=(int(x_density), int(y_density)))


def is_jpeg(contents, name=None):
    """True if the bytes start like a JPEG file."""
    return Tensor._wrap(np.array(_format(_bytes(contents, "is_jpeg")) == "jpeg"))
