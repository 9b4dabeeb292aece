"""keras.utils data helpers: directory loaders on folders the tests write, image arrays,
pad_sequences, timeseries windows, get_file from the cache, split_dataset, PyDataset."""

import os

import numpy as np
import pytest

import ember as tf

utils = tf.keras.utils
Image = pytest.importorskip("PIL.Image")


def _write_images(root, counts, size=(6, 4)):
    """PNG files root/<class>/<i>.png, pixel value 10 * class index + i (grey)."""
    for c, (name, n) in enumerate(counts.items()):
        os.makedirs(root / name, exist_ok=True)
        for i in range(n):
            value = 10 * c + i
            pixels = np.full(size + (3,), value, np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")


def test_image_dataset_from_directory_classes_batches_and_labels(tmp_path):
    _write_images(tmp_path, {"cat": 3, "dog": 4})
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = utils.image_dataset_from_directory(tmp_path, image_size=(5, 3), batch_size=4,
                                            shuffle=False, verbose=False)
    assert ds.class_names == ["cat", "dog"]
    batches = list(ds)
    assert [tuple(x.shape) for x, _ in batches] == [(4, 5, 3, 3), (3, 5, 3, 3)]
    images = np.concatenate([x.numpy() for x, _ in batches])
    labels = np.concatenate([y.numpy() for _, y in batches])
    assert batches[0][0].dtype == tf.float32 and batches[0][1].dtype == tf.int32
    assert labels.tolist() == [0, 0, 0, 1, 1, 1, 1]
    # constant images stay constant through the resize: the value says which file it was
    assert images[:, 0, 0, 0].tolist() == [0, 1, 2, 10, 11, 12, 13]
    cat = utils.image_dataset_from_directory(tmp_path, image_size=(2, 2), batch_size=None,
                                             label_mode="categorical", color_mode="grayscale",
                                             shuffle=False, verbose=False)
    x, y = next(iter(cat))
    assert x.shape == (2, 2, 1) and y.numpy().tolist() == [1.0, 0.0]
    binary = utils.image_dataset_from_directory(tmp_path, image_size=(2, 2), shuffle=False,
                                                label_mode="binary", verbose=False)
    assert next(iter(binary))[1].shape == (7, 1)
    only = utils.image_dataset_from_directory(tmp_path, image_size=(2, 2), labels=None,
                                              shuffle=False, verbose=False)
    assert next(iter(only)).shape == (7, 2, 2, 3)


def test_image_dataset_validation_split_is_disjoint_and_seeded(tmp_path):
    _write_images(tmp_path, {"a": 5, "b": 5})
    kwargs = {"image_size": (2, 2), "batch_size": 3, "validation_split": 0.3, "seed": 42,
                  "verbose": False}
    train = utils.image_dataset_from_directory(tmp_path, subset="training", **kwargs)
    val = utils.image_dataset_from_directory(tmp_path, subset="validation", **kwargs)
    assert len(train.file_paths) == 7 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    both = utils.image_dataset_from_directory(tmp_path, subset="both", **kwargs)
    assert both[0].file_paths == train.file_paths and both[1].file_paths == val.file_paths
    seen = sorted(v for x, _ in train for v in x.numpy()[:, 0, 0, 0].tolist())
    assert len(seen) == 7
    with pytest.raises(ValueError, match="seed"):
        utils.image_dataset_from_directory(tmp_path, validation_split=0.2, subset="training")


def test_image_dataset_matches_keras_file_order_for_a_seed(tmp_path):
    """Keras shuffles the file list with NumPy's RandomState(seed): the same seed, the same
    files in training and validation."""
    _write_images(tmp_path, {"a": 4, "b": 4})
    paths = sorted(str(tmp_path / c / f"{i}.png") for c in "ab" for i in range(4))
    expected = list(paths)
    np.random.RandomState(7).shuffle(expected)
    val = utils.image_dataset_from_directory(tmp_path, validation_split=0.25,
                                             subset="validation", seed=7, verbose=False)
    assert val.file_paths == expected[-2:]


def test_image_dataset_bad_input(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"No images found in directory .*empty"):
        utils.image_dataset_from_directory(tmp_path / "empty")
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(flat / "x.png")
    with pytest.raises(ValueError, match=r"No images found .*flat.*subfolder per class"):
        utils.image_dataset_from_directory(flat)
    bad = tmp_path / "bad"
    (bad / "c").mkdir(parents=True)
    (bad / "c" / "broken.png").write_bytes(b"this is not a png")
    ds = utils.image_dataset_from_directory(bad, image_size=(2, 2), shuffle=False,
                                            verbose=False)
    with pytest.raises(ValueError, match=r"Could not read the image file .*broken\.png"):
        list(ds)
    with pytest.raises(ValueError, match="does not exist"):
        utils.image_dataset_from_directory(tmp_path / "missing")
    with pytest.raises(ValueError, match="exactly 2"):
        _write_images(tmp_path / "three", {"a": 1, "b": 1, "c": 1})
        utils.image_dataset_from_directory(tmp_path / "three", label_mode="binary",
                                           verbose=False)


def test_resize_follows_tf_image_resize():
    from ember.keras.utils.image_utils import resize_image
    x = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    up = resize_image(x, (8, 8), "bilinear")[:, :, 0]
    # half-pixel centres: output pixel 1 samples input 0.25 of the way from pixel 0 to 1
    assert up[0, 0] == 0.0 and up[0, 1] == pytest.approx(0.25) and up[1, 1] == pytest.approx(
        1.25)
    down = resize_image(x, (2, 2), "bilinear")[:, :, 0]
    np.testing.assert_allclose(down, [[2.5, 4.5], [10.5, 12.5]])
    near = resize_image(x, (2, 2), "nearest")[:, :, 0]
    np.testing.assert_array_equal(near, [[5, 7], [13, 15]])


def test_image_array_round_trip(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype(np.float32)
    path = tmp_path / "img.png"
    utils.save_img(path, x, scale=False)
    img = utils.load_img(path)
    assert img.size == (7, 5)
    back = utils.img_to_array(img)
    assert back.dtype == np.float32 and back.shape == (5, 7, 3)
    np.testing.assert_array_equal(back, x)
    small = utils.img_to_array(utils.load_img(path, color_mode="grayscale", target_size=(2, 3)))
    assert small.shape == (2, 3, 1)
    scaled = utils.img_to_array(utils.array_to_img(np.array([[[0.0], [0.5]], [[1.0], [1.0]]])))
    assert scaled[:, :, 0].tolist() == [[0.0, 127.0], [255.0, 255.0]]
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))


def test_text_dataset_from_directory(tmp_path):
    for label, texts in {"neg": ["bad", "awful"], "pos": ["good film", "great"]}.items():
        (tmp_path / label).mkdir()
        for i, t in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(t)
    ds = utils.text_dataset_from_directory(tmp_path, batch_size=3, shuffle=False,
                                           max_length=4, verbose=False)
    assert ds.class_names == ["neg", "pos"]
    (texts, labels), (texts2, labels2) = list(ds)
    assert texts.dtype == tf.string and texts.numpy().tolist() == [b"bad", b"awfu", b"good"]
    assert labels.numpy().tolist() == [0, 0, 1] and labels2.numpy().tolist() == [1]
    shuffled = utils.text_dataset_from_directory(tmp_path, seed=1, verbose=False)
    assert sorted(t for b, _ in shuffled for t in b.numpy().tolist()) == \
        [b"awful", b"bad", b"good film", b"great"]
    assert len(list(utils.text_dataset_from_directory(tmp_path / "neg", labels=None,
                                                      verbose=False).unbatch())) == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No text files found in directory .*empty"):
        utils.text_dataset_from_directory(tmp_path / "empty")


def test_timeseries_dataset_from_array():
    data = np.arange(10)
    ds = utils.timeseries_dataset_from_array(data, data * 100, sequence_length=3,
                                             sampling_rate=2, batch_size=2)
    batches = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds]
    assert batches == [([[0, 2, 4], [1, 3, 5]], [0, 100]),
                       ([[2, 4, 6], [3, 5, 7]], [200, 300]),
                       ([[4, 6, 8], [5, 7, 9]], [400, 500])]
    strided = utils.timeseries_dataset_from_array(data, None, 4, sequence_stride=3,
                                                  start_index=1, batch_size=None)
    assert [w.numpy().tolist() for w in strided] == [[1, 2, 3, 4], [4, 5, 6, 7]]
    shuffled = utils.timeseries_dataset_from_array(data, data, 2, shuffle=True, seed=3,
                                                   batch_size=4)
    pairs = [(x[0], y) for xb, yb in shuffled for x, y in zip(xb.numpy().tolist(),
                                                               yb.numpy().tolist())]
    assert sorted(pairs) == [(i, i) for i in range(9)]
    with pytest.raises(ValueError, match="sampling_rate"):
        utils.timeseries_dataset_from_array(data, None, 3, sampling_rate=0)


def test_pad_sequences_as_keras():
    seqs = [[1, 2, 3], [4, 5], [6]]
    assert utils.pad_sequences(seqs).tolist() == [[1, 2, 3], [0, 4, 5], [0, 0, 6]]
    assert utils.pad_sequences(seqs, padding="post").tolist() == [[1, 2, 3], [4, 5, 0],
                                                                  [6, 0, 0]]
    assert utils.pad_sequences(seqs, maxlen=2).tolist() == [[2, 3], [4, 5], [0, 6]]
    assert utils.pad_sequences(seqs, maxlen=2, truncating="post", value=-1).tolist() == \
        [[1, 2], [4, 5], [-1, 6]]
    assert utils.pad_sequences(seqs).dtype == np.int32
    assert utils.pad_sequences([[], [1.5]], dtype="float32").tolist() == [[0.0], [1.5]]
    with pytest.raises(ValueError, match="Padding type"):
        utils.pad_sequences(seqs, padding="middle")
    with pytest.raises(ValueError, match="non-iterable"):
        utils.pad_sequences([1, 2])


def test_to_categorical_and_normalize_still_exported():
    assert utils.to_categorical([0, 2], 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    assert np.allclose(np.linalg.norm(utils.normalize(np.array([[3.0, 4.0]])), axis=-1), 1)


def test_get_file_reads_the_cache_and_explains_offline(tmp_path):
    cached = tmp_path / "datasets" / "data.csv"
    cached.parent.mkdir()
    cached.write_text("a,b\n1,2\n")
    got = utils.get_file("data.csv", origin="http://example.invalid/data.csv",
                         cache_dir=str(tmp_path))
    assert got == str(cached)
    from ember.keras.utils.file_utils import hash_file
    assert utils.get_file(origin="http://example.invalid/data.csv", cache_dir=str(tmp_path),
                          file_hash=hash_file(cached)) == str(cached)
    with pytest.raises(OSError, match=r"http://example\.invalid/missing\.zip.*" +
                       str(tmp_path / "datasets" / "missing.zip").replace(".", r"\.")):
        utils.get_file(origin="http://example.invalid/missing.zip", cache_dir=str(tmp_path))
    assert not (tmp_path / "datasets" / "missing.zip").exists()
    import zipfile
    with zipfile.ZipFile(tmp_path / "datasets" / "pack.zip", "w") as z:
        z.writestr("pack/readme.txt", "hi")
    folder = utils.get_file("pack.zip", origin="http://example.invalid/pack.zip",
                            cache_dir=str(tmp_path), extract=True)
    with open(os.path.join(folder, "pack", "readme.txt")) as f:
        assert f.read() == "hi"


def test_split_dataset():
    x, y = np.arange(10), np.arange(10) * 2
    left, right = utils.split_dataset((x, y), left_size=0.8)
    assert [int(a) for a, _ in left] == list(range(8)) and len(list(right)) == 2
    left, right = utils.split_dataset(tf.data.Dataset.from_tensor_slices(x).batch(3),
                                      right_size=4, shuffle=True, seed=1)
    got = sorted(v for b in left for v in b.numpy().tolist()) + \
        sorted(v for b in right for v in b.numpy().tolist())
    assert sorted(got) == list(range(10)) and len(list(right)) == 2  # batches of 3: 3 + 1
    samples = list(zip(x.tolist()))
    import random
    random.Random(1).shuffle(samples)
    assert sorted(v for b in right for v in b.numpy().tolist()) == sorted(
        s[0] for s in samples[-4:])
    with pytest.raises(ValueError, match="At least one"):
        utils.split_dataset(x)


def test_py_dataset_in_fit():
    class Batches(utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epochs_ended = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            x = np.full((4, 2), i, np.float32)
            return x, x.sum(axis=1, keepdims=True)

        def on_epoch_end(self):
            self.epochs_ended += 1

    data = Batches()
    assert data.num_batches == 3 and utils.Sequence is utils.PyDataset
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    history = model.fit(data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and data.epochs_ended == 2
