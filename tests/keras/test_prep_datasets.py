"""keras.datasets cifar10, cifar100, imdb, reuters, boston_housing, california_housing:
small synthetic files in Keras's exact cache layouts under a temporary KERAS_HOME."""

import io
import json
import os
import pickle  # only to WRITE synthetic files in the pickle layouts Keras's files use
import tarfile

import numpy as np
import pytest

from ember.keras.datasets import (
    DatasetFileError,
    DatasetNotFoundError,
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    imdb,
    reuters,
)

RNG = np.random.default_rng(0)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("EMBER_OFFLINE", "1")
    path = tmp_path / "datasets"
    path.mkdir()
    return path


def cifar_batch(n, label_key, seed):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    return {b"batch_label": b"synthetic", label_key.encode(): rng.integers(0, 10, n).tolist(),
            b"data": data, b"filenames": [b"x.png"] * n}


def write_pickle(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        # Protocol 3+ writes bytes as bytes, as Python 2's protocol-2 files (CIFAR's) hold
        # them; Python 3's protocol 2 would route bytes through _codecs.encode, which the
        # restricted unpickler refuses.
        pickle.dump(obj, f, protocol=4)


def cifar10_files(folder):
    batches = {f"data_batch_{i}": cifar_batch(3, "labels", i) for i in range(1, 6)}
    batches["test_batch"] = cifar_batch(2, "labels", 9)
    for name, obj in batches.items():
        write_pickle(os.path.join(folder, name), obj)
    return batches


def test_cifar10_keras3_layout(cache):
    batches = cifar10_files(cache / "cifar-10-batches-py-target" / "cifar-10-batches-py")
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (15, 32, 32, 3) and y_train.shape == (15, 1)
    assert x_test.shape == (2, 32, 32, 3) and x_train.dtype == y_train.dtype == np.uint8
    first = batches["data_batch_1"][b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(x_train[0], first)
    assert y_test[:, 0].tolist() == batches["test_batch"][b"labels"]


def test_cifar10_keras2_layout_and_archive(cache):
    cifar10_files(cache / "cifar-10-batches-py")
    (x_a, _), _ = cifar10.load_data()
    os.rename(cache / "cifar-10-batches-py", cache / "src")
    with tarfile.open(cache / "cifar-10-batches-py-target_archive", "w:gz") as tar:
        tar.add(cache / "src", arcname="cifar-10-batches-py")
    (x_b, _), _ = cifar10.load_data()
    np.testing.assert_array_equal(x_a, x_b)


def test_cifar100_label_modes(cache):
    folder = cache / "cifar-100-python-target" / "cifar-100-python"
    for name, n in (("train", 4), ("test", 2)):
        batch = cifar_batch(n, "fine_labels", n)
        batch[b"coarse_labels"] = [1] * n
        write_pickle(os.path.join(folder, name), batch)
    (_, fine), _ = cifar100.load_data()
    (_, coarse), (x_test, _) = cifar100.load_data(label_mode="coarse")
    assert fine.shape == (4, 1) and coarse[:, 0].tolist() == [1] * 4
    assert x_test.shape == (2, 32, 32, 3)
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def test_missing_data_names_url_and_cache_path(cache):
    with pytest.raises(DatasetNotFoundError) as err:
        cifar10.load_data()
    message = str(err.value)
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message
    assert str(cache / "cifar-10-batches-py-target_archive") in message
    with pytest.raises(DatasetNotFoundError, match="imdb.npz"):
        imdb.load_data()


def test_pickles_that_run_code_are_refused(cache):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    folder = cache / "cifar-10-batches-py"
    cifar10_files(folder)
    write_pickle(os.path.join(folder, "data_batch_2"), {b"data": Evil()})
    with pytest.raises(DatasetFileError, match="Refusing to load"):
        cifar10.load_data()


def ragged(rows):
    out = np.empty(len(rows), dtype=object)
    for i, r in enumerate(rows):
        out[i] = list(r)
    return out


def test_imdb_reindexing_and_word_index(cache):
    x_train = ragged([[1, 2, 3], [4, 5, 6, 7, 8], [9]])
    x_test = ragged([[2, 2], [10, 1]])
    np.savez(cache / "imdb.npz", x_train=x_train, y_train=np.array([0, 1, 0]),
             x_test=x_test, y_test=np.array([1, 0]))
    (xt, yt), (xs, ys) = imdb.load_data(seed=0)
    assert xt.dtype == object and len(xt) == 3 and sorted(yt.tolist()) == [0, 0, 1]
    lengths = sorted(len(x) for x in xt)
    assert lengths == [2, 4, 6]  # start_char added
    assert all(x[0] == 1 and min(x[1:]) >= 4 for x in xt)  # index_from=3
    (xt, _), _ = imdb.load_data(num_words=6, seed=0)
    assert all(w < 6 or w == 2 for x in xt for w in x)  # rare words -> oov_char 2
    (xt, _), _ = imdb.load_data(maxlen=5, seed=0, start_char=None, index_from=0)
    assert sorted(map(len, xt)) == [1, 3]
    (xt, _), _ = imdb.load_data(num_words=6, oov_char=None, seed=0)
    assert all(w < 6 for x in xt for w in x)
    (cache / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 2}))
    assert imdb.get_word_index() == {"the": 1, "movie": 2}
    with pytest.raises(ValueError, match="maxlen"):
        imdb.load_data(maxlen=1)


def test_reuters_split_and_labels(cache):
    xs = ragged([[i + 1] * (i + 1) for i in range(10)])
    np.savez(cache / "reuters.npz", x=xs, y=np.arange(10))
    (xt, yt), (xs_, ys) = reuters.load_data(test_split=0.2)
    assert (len(xt), len(xs_)) == (8, 2)
    assert sorted(yt.tolist() + ys.tolist()) == list(range(10))
    assert len(reuters.get_label_names()) == 46


def test_housing_data_sets(cache):
    x = RNG.normal(size=(20, 13))
    y = np.arange(20.0)
    np.savez(cache / "boston_housing.npz", x=x, y=y)
    (xt, yt), (xs, ys) = boston_housing.load_data()
    assert xt.shape == (16, 13) and xs.shape == (4, 13)
    idx = [int(np.where(y == v)[0][0]) for v in yt]
    np.testing.assert_array_equal(xt, x[idx])  # rows stay with their targets
    np.savez(cache / "california_housing.npz", x=RNG.normal(size=(700, 8)), y=np.zeros(700))
    (xt, _), (xs, _) = california_housing.load_data(version="small")
    assert len(xt) + len(xs) == 600
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)


def test_truncated_npz_is_a_clear_error(cache):
    buf = io.BytesIO()
    np.savez(buf, x=np.zeros(3))
    (cache / "reuters.npz").write_bytes(buf.getvalue()[:40])
    with pytest.raises(DatasetFileError, match="reuters.npz"):
        reuters.load_data()
