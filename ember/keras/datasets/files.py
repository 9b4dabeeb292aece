"""Dataset files: find them, read IDX and ``.npz``, download them with a SHA-256 check.

One loader serves every image data set of ``ember.keras.datasets``:

- ``.npz`` archives as Keras caches them (keys ``x_train, y_train, x_test, y_test``),
  read with ``allow_pickle=False``: a data file never runs code.
- IDX files (LeCun's MNIST format, gzipped or plain): a 4-byte magic number
  ``0x0000TTNN`` (``TT`` the element type, ``NN`` the number of dimensions), then
  ``NN`` big-endian uint32 sizes, then the elements in C order.

Reading preallocates the output with ``np.empty`` and fills it with ``readinto`` in
small chunks, so loading holds about one copy of the data, never a second full
``bytes`` object. Downloads go to a temporary file beside the target and are moved
into place with ``os.replace`` only after the SHA-256 matches, so the cache never
holds a partial or foreign file.

Settings read at call time (tests and offline machines change them):

- ``ORIGIN`` or ``$EMBER_DATASETS_ORIGIN``: base URL of the downloads.
- ``$EMBER_OFFLINE=1``: never try to download.
- ``DOWNLOAD_TIMEOUT``: seconds before an unreachable origin counts as offline.
- ``SYSTEM_DIR``: the system data folder (Debian's ``dataset-*`` packages).
- ``$KERAS_HOME`` (default ``~/.keras``): the cache lives in its ``datasets/``.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
DOWNLOAD_TIMEOUT = 5.0
SYSTEM_DIR = "/usr/share/datasets"

# Bounded read size: gzip's readinto goes through read(n), so each call makes a
# temporary of at most this many bytes.
_CHUNK = 1 << 18

_IDX_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_SPLIT_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DatasetNotFoundError(FileNotFoundError):
    """A data set is in none of the places looked, and could not be downloaded."""


class DatasetFileError(ValueError):
    """A data file exists but its content is wrong: damaged, truncated or foreign."""


# ----------------------------------------------------------------------------- places


def keras_home() -> str:
    """Return Keras's home folder: ``$KERAS_HOME`` or ``~/.keras``."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def cache_dir(subdir: str = "") -> str:
    """Return the Keras dataset cache folder, ``<keras_home>/datasets/<subdir>``."""
    base = os.path.join(keras_home(), "datasets")
    return os.path.join(base, subdir) if subdir else base


def system_dir(name: str) -> str:
    """Return the system data folder of a data set, e.g. ``/usr/share/datasets/mnist``."""
    return os.path.join(SYSTEM_DIR, name)


def origin() -> str:
    """Return the download base URL (``$EMBER_DATASETS_ORIGIN`` or ``ORIGIN``), ending in /."""
    base = os.environ.get("EMBER_DATASETS_ORIGIN") or ORIGIN
    return base if base.endswith("/") else base + "/"


def offline() -> bool:
    """Return True when ``$EMBER_OFFLINE`` asks never to download."""
    return os.environ.get("EMBER_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def idx_names(stem: str) -> tuple[str, ...]:
    """Return the file names an IDX file goes by: gzipped or not, ``-idx`` or ``.idx``.

    Example: ``train-images-idx3-ubyte`` -> ``train-images-idx3-ubyte.gz``,
    ``train-images-idx3-ubyte``, ``train-images.idx3-ubyte.gz``, ``train-images.idx3-ubyte``.
    """
    dotted = stem.replace("-idx", ".idx")
    return (stem + ".gz", stem, dotted + ".gz", dotted)


def find_idx_files(directory: str, stems, looked: list[str]) -> list[str] | None:
    """Return the path of each IDX file named by ``stems`` in ``directory``, or None.

    Args:
        directory: folder to look in.
        stems: IDX names without ``.gz`` (see ``idx_names``).
        looked: list that gets one line saying what was missing, when something was.
    Returns:
        One path per stem, in order, or None when any is missing.
    """
    if not os.path.isdir(directory):
        looked.append(f"{directory}: no such directory")
        return None
    found, missing = [], []
    for stem in stems:
        hits = [os.path.join(directory, n) for n in idx_names(stem)]
        hits = [p for p in hits if os.path.isfile(p)]
        if hits:
            found.append(hits[0])
        else:
            missing.append(stem + "[.gz]")
    if missing:
        looked.append(f"{directory}: missing {', '.join(missing)}")
        return None
    return found


def load_split(place: str, *, stems, looked: list[str], npz_name: str | None = None):
    """Load ``((x_train, y_train), (x_test, y_test))`` from a file or folder, or None.

    A file is read as ``.npz``; a folder must hold ``npz_name`` (when given) or the
    four IDX files named by ``stems`` (train images, train labels, test images, test
    labels). A place that exists but holds damaged data raises rather than being skipped.

    Args:
        place: a ``.npz`` file or a folder.
        stems: the four IDX names, in the order above.
        looked: list that gets a line for each place that did not have the data.
        npz_name: name of an ``.npz`` archive to look for inside a folder.
    Returns:
        The split, or None when ``place`` does not have the data.
    Raises:
        DatasetFileError: a file there is damaged, truncated or of the wrong kind.
    """
    if not os.path.exists(place):
        looked.append(f"{place}: not found")
        return None
    if os.path.isfile(place):
        return read_npz_split(place)
    if npz_name and os.path.isfile(os.path.join(place, npz_name)):
        return read_npz_split(os.path.join(place, npz_name))
    paths = find_idx_files(place, stems, looked)
    if paths is None:
        if npz_name and os.path.isdir(place):
            looked[-1] += f" (and no {npz_name})"
        return None
    return read_idx_split(paths)


def not_found(what: str, looked: list[str], hint: str) -> DatasetNotFoundError:
    """Build the one error that says where ``what`` was looked for and how to get it."""
    places = "\n".join(f"  - {line}" for line in looked)
    return DatasetNotFoundError(f"{what} not found. Looked in:\n{places}\n{hint}")


# ----------------------------------------------------------------------------- reading


def _fill(stream, view: memoryview) -> int:
    """Read into ``view`` until it is full or the stream ends; return bytes read."""
    pos, size = 0, len(view)
    while pos < size:
        got = stream.readinto(view[pos : pos + _CHUNK])
        if not got:
            break
        pos += got
    return pos


def _describe(code: int, dims) -> str:
    kind = _IDX_TYPES[code].name if code in _IDX_TYPES else f"type 0x{code:02X}"
    return f"{kind} {'x'.join(map(str, dims))}"


def read_idx(path, *, ndim: int | None = None, dtype=None) -> np.ndarray:
    """Read one IDX file, gzipped or plain, into a new writable C-contiguous array.

    Args:
        path: the file; gzip is recognised by its content, not its name.
        ndim: number of dimensions the file must have (None: any).
        dtype: element type the file must have, e.g. ``np.uint8`` (None: any).
    Returns:
        The array, in native byte order.
    Raises:
        DatasetFileError: bad magic number, unexpected type or rank, or a length that
            does not match the header (truncated or with trailing bytes).
    """
    path = os.fspath(path)
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        size = None if is_gzip else os.fstat(raw.fileno()).st_size
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if is_gzip else raw
        # deflate expands at most ~1032x: a header claiming more than that is a lie
        state = {"read": 0, "expected": None,
                 "limit": 1100 * os.fstat(raw.fileno()).st_size + (1 << 20) if is_gzip else None}
        try:
            return _read_idx(stream, path, size, ndim, dtype, state)
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            where = (
                f" after {state['read']} of {state['expected']} data bytes"
                if state["expected"] is not None
                else " before the end of its IDX header"
            )
            raise DatasetFileError(
                f"{path}: the gzip stream is truncated or damaged{where} ({e}). "
                "Replace the file (delete a cached copy to download it again)."
            ) from e


def _read_idx(stream, path, size, ndim, dtype, state) -> np.ndarray:
    head = stream.read(4)
    if len(head) < 4:
        raise DatasetFileError(
            f"{path}: expected a 4-byte IDX magic number, found a file of {len(head)} bytes."
        )
    code, rank = head[2], head[3]
    if head[:2] != b"\0\0" or code not in _IDX_TYPES or rank == 0:
        raise DatasetFileError(
            f"{path}: not an IDX file: expected a magic number 0x0000TTNN with TT one of "
            f"{', '.join(f'{c:02X}' for c in _IDX_TYPES)} and NN >= 1 "
            f"(e.g. 0x00000803 for images, 0x00000801 for labels), found 0x{head.hex().upper()}."
        )
    raw_dims = stream.read(4 * rank)
    if len(raw_dims) < 4 * rank:
        raise DatasetFileError(
            f"{path}: truncated header: expected {4 * rank} bytes of dimension sizes for "
            f"{rank} dimensions, found {len(raw_dims)}."
        )
    dims = struct.unpack(f">{rank}I", raw_dims)
    file_type = _IDX_TYPES[code]
    want = []
    if ndim is not None and rank != ndim:
        want.append(f"{ndim} dimensions")
    if dtype is not None and file_type != np.dtype(dtype).newbyteorder(file_type.byteorder):
        want.append(f"{np.dtype(dtype).name} elements")
    if want:
        raise DatasetFileError(
            f"{path}: expected an IDX file of {' and '.join(want)}, "
            f"found {_describe(code, dims)} (magic 0x{head.hex().upper()})."
        )
    nbytes = math.prod(dims) * file_type.itemsize
    header = 4 + 4 * rank
    state["expected"] = nbytes
    if state.get("limit") is not None and nbytes > state["limit"]:
        raise DatasetFileError(
            f"{path}: its header says {_describe(code, dims)} ({nbytes} bytes), but a gzip file "
            f"of this size holds at most {state['limit']} bytes; the header is damaged."
        )
    if size is not None and size != header + nbytes:
        problem = "truncated" if size < header + nbytes else "has trailing bytes"
        raise DatasetFileError(
            f"{path}: file is {problem}: its header says {_describe(code, dims)}, so expected "
            f"{header + nbytes} bytes ({header} header + {nbytes} data), found {size} bytes."
        )
    try:
        out = np.empty(dims, dtype=file_type)
    except (MemoryError, ValueError) as e:
        raise DatasetFileError(
            f"{path}: its header says {_describe(code, dims)} ({nbytes} bytes), which cannot "
            f"be allocated ({e}); the file is probably damaged."
        ) from e
    view = memoryview(out).cast("B")
    state["read"] = got = _fill(stream, view)
    if got < nbytes:
        raise DatasetFileError(
            f"{path}: file is truncated: its header says {_describe(code, dims)}, so expected "
            f"{nbytes} data bytes after the {header}-byte header, found {got}."
        )
    if stream.read(1):
        raise DatasetFileError(
            f"{path}: file has trailing bytes: its header says {_describe(code, dims)} "
            f"({nbytes} data bytes), but the data goes on past that."
        )
    if not file_type.isnative:
        out = out.byteswap(inplace=True).view(file_type.newbyteorder("="))
    return out


def read_idx_split(paths) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Read train images, train labels, test images, test labels from four IDX files.

    Args:
        paths: the four files in that order (images: uint8 of 3 dims, labels: uint8 of 1).
    Returns:
        ``((x_train, y_train), (x_test, y_test))``, uint8 arrays.
    Raises:
        DatasetFileError: a file is damaged, or the images and labels do not pair up.
    """
    arrays = {}
    for key, path in zip(_SPLIT_KEYS, paths):
        arrays[key] = read_idx(path, ndim=3 if key.startswith("x") else 1, dtype=np.uint8)
    _check_split(arrays, ", ".join(map(str, paths)))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def read_npz_split(path) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Read ``x_train, y_train, x_test, y_test`` from a Keras ``.npz`` archive.

    Never unpickles: an archive holding object arrays is refused.

    Args:
        path: the ``.npz`` file.
    Returns:
        ``((x_train, y_train), (x_test, y_test))``, writable C-contiguous uint8 arrays.
    Raises:
        DatasetFileError: not a zip archive, damaged, missing keys or wrong shapes.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":
        raise DatasetFileError(
            f"{path}: not an .npz archive: expected a zip file starting with b'PK\\x03\\x04', "
            f"found {magic!r}."
        )
    arrays = {}
    try:
        # Our own handle: np.load leaks the one it opens when the archive is damaged.
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as data:
            missing = [k for k in _SPLIT_KEYS if k not in data.files]
            if missing:
                raise DatasetFileError(
                    f"{path}: expected arrays {', '.join(_SPLIT_KEYS)}, found "
                    f"{', '.join(data.files) or 'none'} (missing {', '.join(missing)})."
                )
            for key in _SPLIT_KEYS:
                arrays[key] = np.require(data[key], requirements=["C", "W"])
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as e:
        if isinstance(e, DatasetFileError):
            raise
        raise DatasetFileError(
            f"{path}: damaged or truncated .npz archive, or one holding objects "
            f"(which are never unpickled): {e}"
        ) from e
    _check_split(arrays, path)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _check_split(arrays: dict, source: str) -> None:
    """Raise DatasetFileError unless the split is uint8 images (n, h, w) with n labels."""
    for key, value in arrays.items():
        rank = 3 if key.startswith("x") else 1
        if value.dtype != np.uint8 or value.ndim != rank:
            raise DatasetFileError(
                f"{source}: expected {key} to be a uint8 array of {rank} dimensions, "
                f"found {value.dtype} of shape {value.shape}."
            )
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if len(x) != len(y):
            raise DatasetFileError(
                f"{source}: expected one label per image, found {len(x)} images in "
                f"x_{part} but {len(y)} labels in y_{part}."
            )


# ----------------------------------------------------------------------------- download


def download(url: str, dest: str, sha256: str, *, timeout: float | None = None) -> str:
    """Download ``url`` to ``dest`` atomically, accepting it only if its SHA-256 matches.

    The bytes go to a temporary file beside ``dest``, which replaces ``dest`` only
    once complete and verified; on any failure the temporary file is removed.

    Args:
        url: where to download from.
        dest: the file to create (its folder is created if needed).
        sha256: expected hex digest of the whole file.
        timeout: seconds to wait on the network (default ``DOWNLOAD_TIMEOUT``).
    Returns:
        ``dest``.
    Raises:
        DatasetFileError: the download was truncated or its checksum does not match.
        OSError: the origin could not be reached (``urllib.error.URLError``, timeouts).
    """
    # Connect before touching the disk, so an unreachable origin leaves nothing behind.
    with urllib.request.urlopen(url, timeout=timeout or DOWNLOAD_TIMEOUT) as response:
        length = response.headers.get("Content-Length")
        directory = os.path.dirname(os.path.abspath(dest))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{os.path.basename(dest)}.", suffix=".part", dir=directory
        )
        try:
            digest, received = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
            if length is not None and received != int(length):
                raise DatasetFileError(
                    f"Download of {url} was truncated: expected {int(length)} bytes, received "
                    f"{received}. Nothing was written to {dest}; try again."
                )
            if digest.hexdigest() != sha256.lower():
                raise DatasetFileError(
                    f"Download of {url} failed its checksum: expected SHA-256 {sha256}, found "
                    f"{digest.hexdigest()} ({received} bytes). Nothing was written to {dest}."
                )
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; a cache file is plain data
            os.replace(tmp, dest)
            return dest
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


def fetch(targets: dict, hashes: dict, *, looked: list[str], what: str, hint: str) -> list[str]:
    """Make sure each target file exists, downloading the missing ones from the origin.

    Args:
        targets: ``{name: path}``; ``name`` is downloaded from ``origin() + name`` to ``path``.
        hashes: expected SHA-256 of each name.
        looked: places already looked, for the error when the download is impossible.
        what: the data set's name, for that error.
        hint: how to get the files, for that error.
    Returns:
        The path of each target, in order.
    Raises:
        DatasetNotFoundError: offline (``$EMBER_OFFLINE``) or the origin unreachable.
        DatasetFileError: a download was truncated or failed its checksum.
    """
    for name, dest in targets.items():
        if os.path.isfile(dest):
            continue
        url = origin() + name
        if offline():
            looked.append(f"download {url}: skipped because EMBER_OFFLINE is set")
            raise not_found(what, looked, hint)
        try:
            download(url, dest, hashes[name])
        except OSError as e:  # URLError, timeouts and refused connections are all OSErrors
            if isinstance(e, urllib.error.HTTPError):
                e.close()  # it holds the response open
            http_error = isinstance(e, urllib.error.HTTPError)
            reason = e if http_error else getattr(e, "reason", None) or e
            looked.append(f"download {url}: failed ({reason})")
            raise not_found(what, looked, hint) from e
    return list(targets.values())
