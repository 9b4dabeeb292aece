"""``keras.utils.get_file``: a file from the Keras cache, downloaded there when missing.

The cache is ``$KERAS_HOME`` or ``~/.keras`` (``/tmp/.keras`` when that is not writable),
subfolder ``cache_subdir`` (``datasets``), exactly where Keras keeps it, so files Keras
already downloaded are found without a network. Without a network and without the file,
the error names the URL and the cache path to put the file at.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile


def keras_home() -> str:
    return os.path.expanduser(os.environ.get("KERAS_HOME", os.path.join("~", ".keras")))


def _hasher(algorithm, file_hash=None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError("`hash_algorithm` must be 'auto', 'sha256' or 'md5'; received "
                     f"hash_algorithm={algorithm!r}.")


def hash_file(fpath, algorithm="sha256", chunk_size=65535) -> str:
    """The hex digest of a file (``sha256`` or ``md5``)."""
    hasher = _hasher(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535) -> bool:
    """True when the file's hash equals ``file_hash`` (sha256 if 64 hex digits, else md5)."""
    hasher = _hasher(algorithm, file_hash)
    name = "sha256" if hasher.name == "sha256" else "md5"
    return hash_file(fpath, name, chunk_size) == str(file_hash)


def _inside(root, name):
    target = os.path.realpath(os.path.join(root, name))
    return target == os.path.realpath(root) or target.startswith(os.path.realpath(root) + os.sep)


def extract_archive(file_path, path=".", archive_format="auto") -> bool:
    """Extracts a tar (also .tar.gz/.tar.bz2) or zip archive into ``path``; False when the
    file is none of the formats asked for. Members that would land outside ``path`` (absolute
    paths, ``..``, links) are refused."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                members = [m for m in archive.getmembers()
                           if _inside(path, m.name) and not (m.issym() or m.islnk())]
                _extract_or_clean(lambda a=archive, m=members: a.extractall(path, members=m),
                                  path)
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                names = [n for n in archive.namelist() if _inside(path, n)]
                _extract_or_clean(lambda a=archive, m=names: a.extractall(path, members=m),
                                  path)
            return True
        if kind not in ("tar", "zip"):
            raise ValueError(f"`archive_format` must be 'auto', 'tar', 'zip' or None; received "
                             f"{kind!r}.")
    return False


def _extract_or_clean(extract, path):
    try:
        extract()
    except (tarfile.TarError, zipfile.BadZipFile, RuntimeError, KeyboardInterrupt):
        # Nothing half-written stays behind.
        if os.path.isfile(path):
            os.remove(path)
        elif os.path.isdir(path):
            shutil.rmtree(path)
        raise


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """The local path of ``origin``'s file in the Keras cache, downloading it if needed.

    Args:
        fname: file name in the cache (default: the URL's last path part).
        origin: the URL.
        file_hash: expected sha256 (or md5) hex digest; a cached file that does not match is
            downloaded again. ``md5_hash`` is the old name.
        cache_subdir: subfolder of the cache dir (default ``"datasets"``).
        extract / untar: unpack a tar or zip archive; returns the extracted folder.
        cache_dir: the cache folder (default ``$KERAS_HOME`` or ``~/.keras``).
        force_download: download even when the file is cached.

    Returns:
        The path of the file (or of the extracted folder).
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if untar and extract:
        raise ValueError("`untar` and `extract` cannot both be True: `untar` is the older name "
                         "of `extract`.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir) if cache_dir is not None else keras_home()
    if not _can_create(base):
        base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    given = os.fspath(fname) if fname is not None else ""
    name = given or os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                         "Please specify the `fname` argument.")
    if os.sep in given:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the "
                         f"file's parent directory, use the `cache_dir` argument. Received: "
                         f"fname={given}")
    unpack = extract or untar
    if unpack and given and "." in name:
        target = os.path.join(datadir, name)
        extraction_dir = os.path.join(datadir, name[:name.find(".")] + "_extracted")
    elif unpack:
        target = os.path.join(datadir, name + "_archive")
        extraction_dir = os.path.join(datadir, name)
    else:
        target = os.path.join(datadir, name)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                     hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because the "
              f"file hash does not match the original value of {file_hash} so we will "
              "re-download the data.")
        download = True
    if download:
        _download(origin, target)
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            raise ValueError("Incomplete or corrupted file detected. The file hash does not "
                             f"match the provided value of {file_hash}: {target}")
    if unpack:
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            raise ValueError(f"get_file: {target} is not a tar or zip archive, so it cannot be "
                             "extracted.")
        return extraction_dir
    return target


def _can_create(path) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def _download(origin, target):
    print(f"Downloading data from {origin}")
    partial = target + ".part"
    try:
        with urllib.request.urlopen(origin, timeout=60) as response, open(partial, "wb") as f:
            shutil.copyfileobj(response, f)
    except (urllib.error.URLError, OSError, ValueError) as e:
        if os.path.exists(partial):
            os.remove(partial)
        reason = getattr(e, "reason", e)
        raise OSError(f"URL fetch failure on {origin}: {reason}. The file is not in the cache "
                      f"either: {target}. If this machine is offline, download the file "
                      "elsewhere and copy it to that path.") from None
    os.replace(partial, target)  # a failed download never leaves a truncated file in the cache
