"""Reading arrays from files that may be damaged or hostile, without trusting them.

``read_h5(source, filename)`` and ``read_npz(source, filename)`` return ``{path: ndarray}``
or raise one ``ModelFileError`` naming the file and what is wrong. They:

- never unpickle (object arrays are refused) and accept only bool, integer and float
  arrays (no complex, datetime, strings or structured records);
- refuse HDF5 external links, soft links, external storage and virtual datasets (each can
  make a read open another file on the machine);
- check the size a header declares against the bytes the file holds *before* allocating
  (a lying header would otherwise ask for gigabytes);
- turn every library error (bad CRC, truncated data, unsupported compression, HDF5
  errors) into the one error type.
"""

from __future__ import annotations

import contextlib
import io
import zipfile

import numpy as np

# Generous bounds on what one weights file may hold; they only stop absurd headers.
MAX_OBJECTS = 200_000
MAX_ARRAY_BYTES = 1 << 34  # 16 GiB declared for one array
# A stored array may be compressed: allow this ratio of declared bytes to stored bytes.
MAX_EXPANSION = 1000
SMALL = 1 << 20  # arrays this small are never rejected for their ratio


class ModelFileError(ValueError):
    """A model or weights file that cannot be read: the message names the file."""


def _check_dtype(dtype, filename, key):
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise ModelFileError(f"{filename}: entry '{key}' holds {dtype} data; weights files hold "
                             "only bool, integer and float arrays.")


def _check_size(shape, itemsize, stored, filename, key):
    declared = int(np.prod(shape, dtype=object)) * itemsize
    if declared > MAX_ARRAY_BYTES or (declared > SMALL and declared > MAX_EXPANSION * stored):
        raise ModelFileError(f"{filename}: entry '{key}' declares shape {tuple(shape)} "
                             f"({declared} bytes) but only {stored} bytes are stored; the file "
                             "is damaged or crafted.")
    return declared


def read_h5(source, filename) -> dict:
    """``{path: array}`` for every dataset of an HDF5 file (a path or a file-like object)."""
    try:
        import h5py
    except ImportError:
        raise ImportError(f"Reading {filename} needs h5py: pip install 'ember[h5]'.") from None
    try:
        f = h5py.File(source, "r")
    except Exception as e:
        raise ModelFileError(f"{filename}: not a readable HDF5 file ({_reason(e)}).") from None
    try:
        return _walk_h5(h5py, f, filename)
    except ModelFileError:
        raise
    except Exception as e:
        raise ModelFileError(f"{filename}: the HDF5 data is damaged ({_reason(e)}).") from None
    finally:
        with contextlib.suppress(Exception):  # closing a damaged file may fail too; the
            f.close()                           # error above already says enough


def _walk_h5(h5py, root, filename):
    out, count = {}, 0
    total_stored = 0
    stack = [("", root)]
    while stack:
        prefix, group = stack.pop()
        for name in list(group.keys()):
            count += 1
            if count > MAX_OBJECTS:
                raise ModelFileError(f"{filename}: more than {MAX_OBJECTS} objects.")
            path = f"{prefix}/{name}" if prefix else name
            link = group.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise ModelFileError(f"{filename}: '{path}' is a {type(link).__name__}; links "
                                     "to other objects or files are not allowed.")
            obj = group.get(name)
            if isinstance(obj, h5py.Group):
                stack.append((path, obj))
                continue
            if not isinstance(obj, h5py.Dataset):
                raise ModelFileError(f"{filename}: '{path}' is neither a group nor a dataset.")
            if obj.external:
                raise ModelFileError(f"{filename}: dataset '{path}' keeps its data in external "
                                     f"files {[e[0] for e in obj.external]}; not allowed.")
            if obj.is_virtual:
                raise ModelFileError(f"{filename}: dataset '{path}' is a virtual dataset (it reads "
                                     "other files); not allowed.")
            _check_dtype(obj.dtype, filename, path)
            stored = obj.id.get_storage_size()
            shape = obj.shape if obj.shape is not None else ()
            declared = _check_size(shape, obj.dtype.itemsize, stored, filename, path)
            total_stored += declared
            value = np.array(obj[()]) if declared or not shape else np.zeros(shape, obj.dtype)
            if value.shape != tuple(shape):
                raise ModelFileError(f"{filename}: dataset '{path}' read with the wrong shape.")
            out[path] = value
    return out


def _reason(e) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}"[:300]


def read_npz(source, filename) -> dict:
    """``{name: array}`` from a NumPy ``.npz`` archive (a path or a file-like object)."""
    try:
        if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
            with open(source, "rb") as fh:
                data = fh.read()
        else:
            data = source.read()
    except OSError as e:
        raise ModelFileError(f"{filename}: cannot be read ({_reason(e)}).") from None
    if data[:6] == b"\x93NUMPY":
        raise ModelFileError(f"{filename}: this is a single .npy array, not an .npz archive of "
                             "named weights.")
    if data[:4] != b"PK\x03\x04" and data[:4] != b"PK\x05\x06":
        raise ModelFileError(f"{filename}: not an .npz archive (no zip header).")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as e:
        raise ModelFileError(f"{filename}: the archive is damaged ({_reason(e)}).") from None
    out = {}
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_OBJECTS:
            raise ModelFileError(f"{filename}: more than {MAX_OBJECTS} entries.")
        for info in infos:
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ModelFileError(f"{filename}: entry '{key}' uses compression method "
                                     f"{info.compress_type}; only stored and deflate are read.")
            if info.file_size > MAX_ARRAY_BYTES or (
                    info.file_size > SMALL and info.file_size > MAX_EXPANSION * max(
                        info.compress_size, 1)):
                raise ModelFileError(f"{filename}: entry '{key}' declares {info.file_size} bytes "
                                     f"from {info.compress_size} stored; damaged or crafted.")
            try:
                raw = zf.read(info)
            except Exception as e:
                raise ModelFileError(f"{filename}: entry '{key}' is damaged "
                                     f"({_reason(e)}).") from None
            out[key] = _parse_npy(raw, filename, key)
    return out


def _parse_npy(raw, filename, key):
    buf = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(buf)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(buf)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(buf)
        else:
            raise ValueError(f"unknown .npy version {version}")
    except Exception as e:
        raise ModelFileError(f"{filename}: entry '{key}' has no valid .npy header "
                             f"({_reason(e)}).") from None
    _check_dtype(dtype, filename, key)
    remaining = len(raw) - buf.tell()
    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if declared != remaining:
        raise ModelFileError(f"{filename}: entry '{key}' declares shape {shape} of {dtype} "
                             f"({declared} bytes) but holds {remaining} bytes.")
    array = np.frombuffer(raw, dtype=dtype, count=int(np.prod(shape, dtype=object)),
                          offset=buf.tell())
    array = array.reshape(shape, order="F" if fortran else "C")
    return np.array(array)
