"""Dataset loaders: an explicit path that holds nothing is an error naming it (never
another copy), and a gzip header claiming more than the file can hold is caught."""

import gzip
import os
import struct

import pytest

from ember.keras.datasets import fashion_mnist, files, mnist


def test_fashion_mnist_explicit_missing_path_is_named(tmp_path):
    with pytest.raises(files.DatasetNotFoundError, match=r"/typo.*not found"):
        fashion_mnist.load_data(path=str(tmp_path / "typo"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(files.DatasetNotFoundError, match="empty.*missing"):
        fashion_mnist.load_data(path=str(tmp_path / "empty"))


def test_mnist_explicit_missing_path_is_not_answered_by_the_system_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    with pytest.raises(files.DatasetNotFoundError, match="typo.npz"):
        mnist.load_data(path=str(tmp_path / "typo.npz"))


def test_gzip_header_claiming_absurd_size_is_caught_before_allocating(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"\0\0\x08\x03" + struct.pack(">3I", 1 << 30, 1 << 12, 1 << 12) + b"\0" * 100)
    with pytest.raises(files.DatasetFileError, match=r"t10k-images.*header says.*at most"):
        files.read_idx(path)


def test_half_truncated_gzip_names_file_and_byte_counts(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"\0\0\x08\x01" + struct.pack(">I", 10000) + os.urandom(10000))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(files.DatasetFileError, match=r"t10k-labels.*truncated.*of 10000"):
        files.read_idx(path)
