"""``tf.io``: whole files as string tensors, image decoding and encoding, and ``gfile``, as
TensorFlow's "Load and preprocess images" tutorial uses them:

    img = tf.io.read_file(file_path)
    img = tf.io.decode_jpeg(img, channels=3)   # uint8 (height, width, 3)

Images are decoded and encoded with Pillow (the ``image`` extra); JPEG pixels may differ
from TensorFlow's decoder by a level or two (libjpeg versions and IDCT settings differ).
"""

from __future__ import annotations

import glob as _glob
import io as _io
import os
import shutil
import types

import numpy as np

from ember.errors import InvalidArgumentError, NotFoundError
from ember.tensor import Tensor, convert_to_tensor


def _text(value, what) -> str:
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"`{what}` must be a string (a file path); received {value!r}.")
    return value


def _bytes(value, what) -> bytes:
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, str):
        value = value.encode()
    if not isinstance(value, bytes):
        raise TypeError(f"`{what}` must be a scalar string tensor or bytes; received "
                        f"{type(value).__name__}.")
    return value


def read_file(filename, name=None):
    """The contents of ``filename`` as a scalar string tensor."""
    path = _text(filename, "filename")
    try:
        with open(path, "rb") as f:
            return convert_to_tensor(np.array(f.read(), dtype=object))
    except FileNotFoundError:
        raise NotFoundError(f"{path}; No such file or directory") from None


def write_file(filename, contents, name=None):
    """Writes the bytes of ``contents`` to ``filename`` (creating the folder as TF does not:
    the folder must exist)."""
    path = _text(filename, "filename")
    with open(path, "wb") as f:
        f.write(_bytes(contents, "contents"))


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Decoding images needs Pillow: pip install 'ember[image]' (or pip "
                          "install pillow).") from None
    return Image


_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _decode(contents, channels, what, dtype=np.uint8):
    data = _bytes(contents, "contents")
    image_mod = _pil()
    try:
        img = image_mod.open(_io.BytesIO(data))
        img.load()
    except Exception as e:  # Pillow raises several kinds for corrupt data
        raise InvalidArgumentError(f"{what}: the contents are not a decodable image ({e}).") \
            from None
    channels = int(channels or 0)
    if channels not in (0, 1, 2, 3, 4):
        raise ValueError(f"{what}: `channels` must be 0, 1, 2, 3 or 4; received {channels}.")
    if channels:
        img = img.convert(_MODES[channels])
    elif img.mode not in _MODES.values() and img.mode not in ("I;16", "I"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    arr = np.asarray(img)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if dtype == np.uint16:
        arr = arr.astype(np.uint16) * (257 if arr.dtype == np.uint8 else 1)
    elif arr.dtype != np.uint8:
        arr = (arr.astype(np.float64) / 257).round().astype(np.uint8)
    return convert_to_tensor(np.ascontiguousarray(arr))


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True,
                try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                name=None):
    """A JPEG's pixels as uint8 (height, width, channels); ``channels`` 0 keeps the file's."""
    if ratio != 1:
        raise ValueError("decode_jpeg: only ratio=1 is supported by Ember.")
    return _decode(contents, channels, "decode_jpeg")


def decode_png(contents, channels=0, dtype="uint8", name=None):
    """A PNG's pixels as uint8 (or uint16) (height, width, channels)."""
    want = np.dtype(getattr(dtype, "name", dtype))
    if want not in (np.uint8, np.uint16):
        raise ValueError(f"decode_png: dtype must be uint8 or uint16; received {dtype}.")
    return _decode(contents, channels, "decode_png", want.type)


def decode_image(contents, channels=None, dtype="uint8", name=None, expand_animations=True):
    """Any image Pillow reads (JPEG, PNG, BMP, GIF's first frame) as (height, width,
    channels); a float ``dtype`` scales to [0, 1) as ``convert_image_dtype``."""
    want = np.dtype(getattr(dtype, "name", dtype))
    img = _decode(contents, channels, "decode_image")
    if want == np.uint8:
        return img
    if want.kind == "f":
        from ember.ops.math import cast, multiply
        return multiply(cast(img, want.name), 1.0 / 255)
    raise ValueError(f"decode_image: dtype must be uint8 or a float dtype; received {dtype}.")


decode_bmp = decode_image
decode_gif = decode_image


def _encode(image, fmt, **options):
    arr = image.numpy() if isinstance(image, Tensor) else np.asarray(image)
    if arr.ndim != 3 or arr.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"encode_{fmt.lower()}: image must be (height, width, channels) with "
                         f"1 to 4 channels; received shape {arr.shape}.")
    if arr.dtype != np.uint8:
        raise ValueError(f"encode_{fmt.lower()}: image must be uint8; received {arr.dtype}.")
    img = _pil().fromarray(arr[:, :, 0] if arr.shape[-1] == 1 else arr,
                           _MODES[arr.shape[-1]])
    buf = _io.BytesIO()
    img.save(buf, fmt, **options)
    return convert_to_tensor(np.array(buf.getvalue(), dtype=object))


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """uint8 (height, width, 1 or 3) pixels as JPEG bytes (a scalar string tensor)."""
    return _encode(image, "JPEG", quality=int(quality), progressive=progressive)


def encode_png(image, compression=-1, name=None):
    """uint8 (height, width, channels) pixels as PNG bytes (a scalar string tensor)."""
    return _encode(image, "PNG", compress_level=6 if compression < 0 else int(compression))


# -- tf.io.gfile: file system helpers ------------------------------------------------------
def _glob_paths(pattern):
    return sorted(_glob.glob(_text(pattern, "pattern")))


def _listdir(path):
    path = _text(path, "path")
    if not os.path.isdir(path):
        raise NotFoundError(f"Could not find directory {path}")
    return sorted(os.listdir(path))


def _rmtree(path):
    shutil.rmtree(_text(path, "path"))


def _copy(src, dst, overwrite=False):
    dst = _text(dst, "dst")
    if os.path.exists(dst) and not overwrite:
        raise FileExistsError(f"{dst} exists; pass overwrite=True to replace it.")
    shutil.copyfile(_text(src, "src"), dst)


def _makedirs(path):
    os.makedirs(_text(path, "path"), exist_ok=True)


def _mkdir(path):
    os.mkdir(_text(path, "path"))


def _open(name, mode="r"):
    return open(_text(name, "name"), mode)


gfile = types.SimpleNamespace(
    exists=lambda path: os.path.exists(_text(path, "path")),
    glob=_glob_paths,
    isdir=lambda path: os.path.isdir(_text(path, "path")),
    listdir=_listdir,
    makedirs=_makedirs,
    mkdir=_mkdir,
    remove=lambda path: os.remove(_text(path, "path")),
    rmtree=_rmtree,
    rename=lambda src, dst, overwrite=False: os.replace(_text(src, "src"), _text(dst, "dst")),
    copy=_copy,
    walk=lambda top, topdown=True, onerror=None: os.walk(_text(top, "top"), topdown, onerror),
    GFile=_open,
    join=os.path.join,
)
