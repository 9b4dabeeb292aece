"""``tf.io``: reading and writing files (``read_file``, ``write_file``, ``tf.io.gfile``) and
image codecs (``decode_png``, ``encode_jpeg``, ...; Pillow, the ``image`` extra).

Files are local paths. TFRecord files, ``tf.train.Example`` parsing and
``serialize_tensor`` are not supported; using one raises one clear error.
"""

from __future__ import annotations

import os

import numpy as np

from ember.errors import NotFoundError
from ember.io import gfile
from ember.io.codecs import *  # noqa: F403
from ember.io.codecs import __all__ as _codecs_all
from ember.tensor import Tensor

__all__ = ["gfile", "read_file", "write_file", *_codecs_all]

_NOT_SUPPORTED = ("TFRecordWriter", "TFRecordOptions", "parse_example", "parse_single_example",
                  "parse_tensor", "serialize_tensor", "FixedLenFeature", "VarLenFeature",
                  "FixedLenSequenceFeature", "decode_raw", "decode_csv", "decode_proto",
                  "encode_proto", "parse_sequence_example")


def read_file(filename, name=None):
    """The whole file's bytes as a scalar string tensor."""
    path = gfile._path(filename)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise NotFoundError(f"read_file: {path}; No such file or directory") from None
    except IsADirectoryError:
        raise NotFoundError(f"read_file: {path} is a directory, not a file") from None
    return Tensor._wrap(np.array(data, dtype=object))


def write_file(filename, contents, name=None):
    """Writes ``contents`` (a string scalar, bytes or str) to ``filename``, creating missing
    parent directories, as TF does."""
    path = gfile._path(filename)
    v = contents.numpy() if isinstance(contents, Tensor) else contents
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v.item()
    if isinstance(v, str):
        v = v.encode()
    if not isinstance(v, (bytes, np.bytes_)):
        raise TypeError(f"write_file: contents must be a string scalar or bytes; received "
                        f"{type(v).__name__}.")
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(path, "wb") as f:
        f.write(bytes(v))


def __getattr__(name):
    if name in _NOT_SUPPORTED:
        raise AttributeError(f"tf.io.{name} is not supported by Ember: TFRecord files and "
                             "protocol buffers are TensorFlow formats. Use tf.data with numpy "
                             "arrays, tf.io.read_file or np.save/np.load instead.")
    raise AttributeError(f"module 'ember.io' has no attribute '{name}'")
