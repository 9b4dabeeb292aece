"""keras.utils data helpers against real Keras 3 (tensorflow-marked, not in the default run):
the same folders, arrays and seeds give the same numbers."""

import os

import numpy as np
import pytest

import ember

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("tensorflow")
    return pytest.importorskip("keras")


def _folder(root):
    from PIL import Image
    rng = np.random.default_rng(0)
    for c, name in enumerate(["ants", "bees", "wasps"]):
        os.makedirs(root / name)
        for i in range(3 + c):
            size = (5 + i, 7 + c)  # different sizes and aspect ratios
            Image.fromarray(rng.integers(0, 256, size + (3,), dtype=np.uint8)).save(
                root / name / f"{i}.png")


@pytest.mark.parametrize("options", [
    {"image_size": (4, 6)},
    {"image_size": (9, 3), "interpolation": "nearest"},
    {"image_size": (6, 6), "crop_to_aspect_ratio": True, "color_mode": "grayscale"},
    {"image_size": (3, 8), "pad_to_aspect_ratio": True, "label_mode": "categorical"},
    {"image_size": (5, 5), "data_format": "channels_first", "color_mode": "rgba",
         "label_mode": "binary", "class_names": ["bees", "wasps"]},
])
def test_image_dataset_matches_keras(keras, tmp_path, options):
    _folder(tmp_path)
    kw = dict(batch_size=4, shuffle=False, verbose=False, **options)
    ours = list(ember.keras.utils.image_dataset_from_directory(str(tmp_path), **kw))
    theirs = list(keras.utils.image_dataset_from_directory(str(tmp_path), **kw))
    assert len(ours) == len(theirs)
    for (xo, yo), (xt, yt) in zip(ours, theirs):
        # Pillow and libpng turn RGB into grey with different rounding: at most one level.
        atol = 1.01 if options.get("color_mode") == "grayscale" else 1e-3
        np.testing.assert_allclose(xo.numpy(), xt.numpy(), atol=atol)
        np.testing.assert_array_equal(yo.numpy(), yt.numpy())
        assert xo.dtype.name == xt.dtype.name and yo.dtype.name == yt.dtype.name


def test_image_split_matches_keras(keras, tmp_path):
    _folder(tmp_path)
    kw = {"validation_split": 0.25, "seed": 123, "verbose": False}
    for subset in ("training", "validation"):
        ours = ember.keras.utils.image_dataset_from_directory(str(tmp_path), subset=subset, **kw)
        theirs = keras.utils.image_dataset_from_directory(str(tmp_path), subset=subset, **kw)
        assert ours.file_paths == theirs.file_paths and ours.class_names == theirs.class_names


def test_text_dataset_matches_keras(keras, tmp_path):
    for label, texts in {"neg": ["bad", "awful film"], "pos": ["good", "great", "fine"]}.items():
        os.makedirs(tmp_path / label)
        for i, t in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(t)
    kw = {"batch_size": 2, "shuffle": False, "max_length": 5, "verbose": False}
    ours = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in
            ember.keras.utils.text_dataset_from_directory(str(tmp_path), **kw)]
    theirs = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in
              keras.utils.text_dataset_from_directory(str(tmp_path), **kw)]
    assert ours == theirs


@pytest.mark.parametrize("options", [
    {"sequence_length": 3, "batch_size": 4},
    {"sequence_length": 4, "sequence_stride": 2, "sampling_rate": 2, "batch_size": 3},
    {"sequence_length": 2, "start_index": 3, "end_index": 15, "batch_size": 5},
])
def test_timeseries_matches_keras(keras, options):
    data = np.arange(40, dtype=np.float32).reshape(20, 2)
    targets = np.arange(20) * 10
    ours = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in
            ember.keras.utils.timeseries_dataset_from_array(data, targets, **options)]
    theirs = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in
              keras.utils.timeseries_dataset_from_array(data, targets, **options)]
    assert ours == theirs


def test_pad_sequences_matches_keras(keras):
    seqs = [[1, 2, 3, 4], [], [5, 6], [7]]
    for kw in ({}, {"maxlen": 3}, {"maxlen": 2, "padding": "post", "truncating": "post"},
               {"dtype": "float32", "value": -1.5}):
        ours = ember.keras.utils.pad_sequences(seqs, **kw)
        theirs = keras.utils.pad_sequences(seqs, **kw)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


def test_split_dataset_matches_keras(keras):
    x = np.arange(12)
    for kw in ({"left_size": 0.75}, {"right_size": 5, "shuffle": True, "seed": 3}):
        ours = [sorted(int(v) for v in d.as_numpy_iterator())
                for d in ember.keras.utils.split_dataset(x, **kw)]
        theirs = [sorted(int(v) for v in d.as_numpy_iterator())
                  for d in keras.utils.split_dataset(x, **kw)]
        assert ours == theirs
