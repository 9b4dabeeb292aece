"""Tests of ember.keras.datasets: IDX and .npz reading, search order, downloads, errors."""

import functools
import gzip
import hashlib
import http.server
import os
import socket
import struct
import threading
import tracemalloc

import numpy as np
import pytest

from ember.keras.datasets import (
    DatasetFileError,
    DatasetNotFoundError,
    fashion_mnist,
    files,
    mnist,
)

IDX_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}
REAL_FASHION = "/usr/share/datasets/fashion-mnist"


# ----------------------------------------------------------------------------- helpers


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode an array as an IDX file: magic, big-endian dims, big-endian data."""
    code = IDX_CODES[array.dtype.str[1:]]
    head = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_file(path, data: bytes, *, gz: bool = False) -> str:
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)
    return path


def make_split(n_train=5, n_test=3, seed=0):
    rng = np.random.default_rng(seed)
    x_train = rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, n_train, dtype=np.uint8)
    y_test = rng.integers(0, 10, n_test, dtype=np.uint8)
    return (x_train, y_train), (x_test, y_test)


def write_idx_dir(directory, split, *, gz=True) -> list[str]:
    """Write a split as the four Fashion-MNIST/MNIST IDX files in ``directory``."""
    (x_train, y_train), (x_test, y_test) = split
    arrays = (x_train, y_train, x_test, y_test)
    return [
        write_file(os.path.join(directory, stem + (".gz" if gz else "")), idx_bytes(a), gz=gz)
        for stem, a in zip(fashion_mnist.IDX_STEMS, arrays)
    ]


def write_npz(path, split) -> str:
    (x_train, y_train), (x_test, y_test) = split
    os.makedirs(os.path.dirname(os.fspath(path)), exist_ok=True)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return os.fspath(path)


def assert_split_equal(got, want):
    (gx, gy), (gxt, gyt) = got
    (wx, wy), (wxt, wyt) = want
    for g, w in ((gx, wx), (gy, wy), (gxt, wxt), (gyt, wyt)):
        assert g.dtype == np.uint8 and g.shape == w.shape
        assert g.flags.writeable and g.flags.c_contiguous
        np.testing.assert_array_equal(g, w)


def sha256(path) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def files_under(directory) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(root, name), directory)
        for root, _, names in os.walk(directory)
        for name in names
    )


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A fresh home, Keras home and system folder; offline unless a test says otherwise."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("EMBER_OFFLINE", "1")
    monkeypatch.delenv("EMBER_DATASETS_ORIGIN", raising=False)
    monkeypatch.setattr(files, "SYSTEM_DIR", str(tmp_path / "system"))
    return tmp_path


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; a name listed in ``short`` is sent with a too-large Content-Length."""

    short: dict = {}

    def do_GET(self):
        name = self.path.lstrip("/")
        if name in self.short:
            body = self.short[name]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A local HTTP origin on 127.0.0.1 serving tmp_path/www; yields (folder, short, hits)."""
    www = tmp_path / "www"
    www.mkdir()
    short, hits = {}, []

    class Handler(_Handler):
        def do_GET(self):
            hits.append(self.path)
            super().do_GET()

    Handler.short = short
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(www))
    )
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.delenv("EMBER_OFFLINE")
    monkeypatch.setenv("EMBER_DATASETS_ORIGIN", f"http://127.0.0.1:{httpd.server_port}/")
    yield www, short, hits
    httpd.shutdown()
    httpd.server_close()


# ----------------------------------------------------------------------------- reading


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "plain"])
def test_idx_folder_roundtrip(tmp_path, gz):
    split = make_split()
    write_idx_dir(tmp_path / "data", split, gz=gz)
    assert_split_equal(fashion_mnist.load_data(path=tmp_path / "data"), split)


@pytest.mark.parametrize("dtype", ["u1", "i1", ">i2", ">i4", ">f4", ">f8"])
def test_read_idx_types_come_back_native(tmp_path, dtype):
    want = (np.arange(24).reshape(2, 3, 4) - 5).astype(np.dtype(dtype).newbyteorder("="))
    path = write_file(tmp_path / "a.idx", idx_bytes(want))
    got = files.read_idx(path)
    assert got.dtype == want.dtype and got.dtype.isnative
    np.testing.assert_array_equal(got, want)


def test_idx_dotted_names_are_accepted(tmp_path):
    split = make_split()
    paths = write_idx_dir(tmp_path / "data", split, gz=False)
    for p in paths:
        os.rename(p, p.replace("-idx", ".idx"))
    assert_split_equal(mnist.load_data(path=str(tmp_path / "data")), split)


def test_mnist_npz_explicit_cache_and_default_home(tmp_path, monkeypatch):
    split = make_split(seed=1)
    explicit = write_npz(tmp_path / "elsewhere" / "digits.npz", split)
    assert_split_equal(mnist.load_data(path=explicit), split)

    write_npz(tmp_path / "keras" / "datasets" / "mnist.npz", split)
    assert_split_equal(mnist.load_data(), split)

    monkeypatch.delenv("KERAS_HOME")
    write_npz(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz", make_split(seed=2))
    assert_split_equal(mnist.load_data(), make_split(seed=2))


def test_mnist_from_system_folder_idx(tmp_path):
    split = make_split(seed=3)
    write_idx_dir(tmp_path / "system" / "mnist", split)
    assert_split_equal(mnist.load_data(), split)


def test_fashion_cache_comes_before_system_folder(tmp_path):
    system, cached = make_split(seed=4), make_split(seed=5)
    write_idx_dir(tmp_path / "system" / "fashion-mnist", system)
    assert_split_equal(fashion_mnist.load_data(), system)
    write_idx_dir(tmp_path / "keras" / "datasets" / "fashion-mnist", cached)
    assert_split_equal(fashion_mnist.load_data(), cached)


def test_class_names():
    assert tuple("0123456789") == mnist.CLASS_NAMES
    assert len(fashion_mnist.CLASS_NAMES) == 10
    assert fashion_mnist.CLASS_NAMES[0] == "T-shirt/top"
    assert fashion_mnist.CLASS_NAMES[9] == "Ankle boot"


# ----------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "plain"])
def test_bad_magic_names_file_and_magic(tmp_path, gz):
    paths = write_idx_dir(tmp_path / "data", make_split(), gz=gz)
    data = bytearray(idx_bytes(make_split()[0][0]))
    data[2] = 0x42
    write_file(paths[0], bytes(data), gz=gz)
    with pytest.raises(DatasetFileError) as e:
        fashion_mnist.load_data(path=tmp_path / "data")
    message = str(e.value)
    assert paths[0] in message and "0x00004203" in message and "0x00000803" in message


def test_truncated_plain_idx_says_expected_and_found(tmp_path):
    path = tmp_path / "a.idx"
    data = idx_bytes(np.zeros((5, 28, 28), np.uint8))
    write_file(path, data[:-100])
    with pytest.raises(DatasetFileError) as e:
        files.read_idx(path)
    message = str(e.value)
    assert str(path) in message and "truncated" in message
    assert str(len(data)) in message and str(len(data) - 100) in message


def test_truncated_gzip_idx(tmp_path):
    path = tmp_path / "a.idx.gz"
    rng = np.random.default_rng(0)
    write_file(path, idx_bytes(rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)), gz=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetFileError, match="truncated") as e:
        files.read_idx(path)
    assert str(path) in str(e.value) and str(20 * 28 * 28) in str(e.value)


def test_gzip_with_short_data_and_trailing_bytes(tmp_path):
    data = idx_bytes(np.zeros((5, 28, 28), np.uint8))
    short = write_file(tmp_path / "short.gz", data[:-10], gz=True)
    expected = f"expected {5 * 784} data bytes.*found {5 * 784 - 10}"
    with pytest.raises(DatasetFileError, match=expected):
        files.read_idx(short)
    long = write_file(tmp_path / "long.gz", data + b"xx", gz=True)
    with pytest.raises(DatasetFileError, match="trailing bytes"):
        files.read_idx(long)
    plain = write_file(tmp_path / "long.idx", data + b"xx")
    with pytest.raises(DatasetFileError, match="trailing bytes"):
        files.read_idx(plain)


def test_swapped_images_and_labels(tmp_path):
    paths = write_idx_dir(tmp_path / "data", make_split())
    os.replace(paths[1], tmp_path / "tmp")
    os.replace(paths[0], paths[1])
    os.replace(tmp_path / "tmp", paths[0])
    expected = "expected an IDX file of 3 dimensions, found uint8 5"
    with pytest.raises(DatasetFileError, match=expected):
        fashion_mnist.load_data(path=tmp_path / "data")


def test_label_count_must_match_images(tmp_path):
    (x, y), test = make_split()
    write_idx_dir(tmp_path / "data", ((x, y[:4]), test))
    with pytest.raises(DatasetFileError, match="found 5 images in x_train but 4 labels"):
        fashion_mnist.load_data(path=tmp_path / "data")


def test_npz_errors(tmp_path):
    not_zip = write_file(tmp_path / "a.npz", b"hello world")
    with pytest.raises(DatasetFileError, match="not an .npz archive"):
        mnist.load_data(path=not_zip)

    missing = tmp_path / "b.npz"
    np.savez(missing, x_train=np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(DatasetFileError, match="missing y_train, x_test, y_test"):
        mnist.load_data(path=str(missing))

    (x, y), (xt, yt) = make_split()
    pickled = tmp_path / "c.npz"
    np.savez(pickled, x_train=x, y_train=np.array([object()] * 5), x_test=xt, y_test=yt)
    with pytest.raises(DatasetFileError, match="never unpickled"):
        mnist.load_data(path=str(pickled))

    truncated = tmp_path / "d.npz"
    write_npz(truncated, make_split())
    truncated.write_bytes(truncated.read_bytes()[:-200])
    with pytest.raises(DatasetFileError, match=str(truncated)):
        mnist.load_data(path=str(truncated))

    wrong_dtype = tmp_path / "e.npz"
    np.savez(wrong_dtype, x_train=x.astype(np.float32), y_train=y, x_test=xt, y_test=yt)
    with pytest.raises(DatasetFileError, match="x_train to be a uint8 array"):
        mnist.load_data(path=str(wrong_dtype))


# ----------------------------------------------------------------------------- not found


def test_fashion_missing_lists_every_place(tmp_path):
    cache = tmp_path / "keras" / "datasets" / "fashion-mnist"
    write_file(cache / "train-images-idx3-ubyte.gz", b"")
    with pytest.raises(DatasetNotFoundError) as e:
        fashion_mnist.load_data(path=tmp_path / "nowhere")
    assert isinstance(e.value, FileNotFoundError)
    message = str(e.value)
    for place in (
        tmp_path / "nowhere",
        cache,
        tmp_path / "system" / "fashion-mnist",
    ):
        assert str(place) in message
    assert "missing train-labels-idx1-ubyte[.gz]" in message
    assert "EMBER_OFFLINE" in message
    assert "apt-get install dataset-fashion-mnist" in message


def test_mnist_missing_says_where_to_put_it(tmp_path):
    with pytest.raises(DatasetNotFoundError) as e:
        mnist.load_data()
    message = str(e.value)
    assert str(tmp_path / "keras" / "datasets" / "mnist.npz") in message
    assert str(tmp_path / "system" / "mnist") in message
    assert "put mnist.npz" in message and str(tmp_path / "keras" / "datasets") in message


def test_unreachable_origin_fails_fast_and_leaves_nothing(tmp_path, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on: connection refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.delenv("EMBER_OFFLINE")
    monkeypatch.setenv("EMBER_DATASETS_ORIGIN", f"http://127.0.0.1:{port}")
    with pytest.raises(DatasetNotFoundError, match=f"download http://127.0.0.1:{port}/mnist.npz"):
        mnist.load_data()
    assert not (tmp_path / "keras").exists()


# ----------------------------------------------------------------------------- downloads


def test_download_good_files_are_cached_and_loaded(tmp_path, server, monkeypatch):
    www, _, hits = server
    split = make_split(seed=6)
    paths = write_idx_dir(www, split)
    hashes = {os.path.basename(p): sha256(p) for p in paths}
    monkeypatch.setattr(fashion_mnist, "FILE_HASHES", hashes)

    assert_split_equal(fashion_mnist.load_data(), split)
    cache = tmp_path / "keras" / "datasets" / "fashion-mnist"
    assert files_under(cache) == sorted(fashion_mnist.FILE_NAMES)
    assert len(hits) == 4

    assert_split_equal(fashion_mnist.load_data(), split)
    assert len(hits) == 4  # the second load reads the cache


def test_download_mnist_npz(tmp_path, server, monkeypatch):
    www, _, _ = server
    split = make_split(seed=7)
    monkeypatch.setitem(mnist.FILE_HASHES, "mnist.npz", sha256(write_npz(www / "mnist.npz", split)))
    assert_split_equal(mnist.load_data(), split)
    assert files_under(tmp_path / "keras" / "datasets") == ["mnist.npz"]


def test_download_checksum_mismatch_leaves_nothing(tmp_path, server, monkeypatch):
    www, _, _ = server
    write_npz(www / "mnist.npz", make_split())
    monkeypatch.setitem(mnist.FILE_HASHES, "mnist.npz", "0" * 64)
    with pytest.raises(DatasetFileError, match="failed its checksum: expected SHA-256 0000"):
        mnist.load_data()
    assert files_under(tmp_path / "keras") == []


def test_download_truncated_leaves_nothing(tmp_path, server, monkeypatch):
    _, short, _ = server
    body = b"\x00" * 5000
    short["mnist.npz"] = body
    monkeypatch.setitem(mnist.FILE_HASHES, "mnist.npz", hashlib.sha256(body).hexdigest())
    with pytest.raises(DatasetFileError, match="truncated: expected 6000 bytes, received 5000"):
        mnist.load_data()
    assert files_under(tmp_path / "keras") == []


def test_download_missing_on_origin_is_not_found(server):
    with pytest.raises(DatasetNotFoundError, match="404"):
        mnist.load_data()


# ----------------------------------------------------------------------------- real data


@pytest.fixture
def real_fashion(monkeypatch):
    if not os.path.isfile(os.path.join(REAL_FASHION, "train-images-idx3-ubyte.gz")):
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    monkeypatch.setattr(files, "SYSTEM_DIR", os.path.dirname(REAL_FASHION))


def test_real_fashion_mnist(real_fashion):
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8 and a.flags.writeable and a.flags.c_contiguous
    assert np.bincount(y_train, minlength=10).tolist() == [6000] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [1000] * 10
    assert x_train.max() == 255 and x_train.min() == 0


def _peak_ratio(load):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = load()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    arrays = result if isinstance(result, np.ndarray) else [a for pair in result for a in pair]
    return peak / sum(np.asarray(a).nbytes for a in arrays)


def test_peak_memory_of_gzip_idx(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (4000, 28, 28), dtype=np.uint8)
    path = write_file(tmp_path / "big.gz", idx_bytes(images), gz=True)
    assert _peak_ratio(lambda: files.read_idx(path)) <= 2.2


def test_peak_memory_of_real_fashion_mnist(real_fashion):
    assert _peak_ratio(fashion_mnist.load_data) <= 2.2
