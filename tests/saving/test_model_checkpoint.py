"""ModelCheckpoint writing real files: .keras, .weights.h5 and .weights.npz targets,
formatted names, best-only, and targets refused when the callback is built."""

import os

import numpy as np
import pytest

import ember  # noqa: F401
from ember import keras

RNG = np.random.default_rng(0)
X = RNG.random((32, 4)).astype("float32")
Y = RNG.integers(0, 2, 32)


def model():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return m


@pytest.mark.parametrize("name,weights_only", [("e{epoch:02d}-{val_loss:.2f}.keras", False),
                                               ("e{epoch:02d}.weights.h5", True),
                                               ("e{epoch:02d}.weights.npz", True)])
def test_targets_are_written_and_load_back(tmp_path, name, weights_only):
    m = model()
    check = keras.callbacks.ModelCheckpoint(str(tmp_path / name), save_weights_only=weights_only)
    h = m.fit(X, Y, epochs=2, validation_split=0.25, callbacks=[check], verbose=0)
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 2 and files[1].startswith("e02")
    if not weights_only:
        assert files[1] == f"e02-{h.history['val_loss'][1]:.2f}.keras"
        again = keras.models.load_model(tmp_path / files[1])
    else:
        again = model()
        again(X[:1])
        again.load_weights(tmp_path / files[1])
    np.testing.assert_array_equal(again.predict(X, verbose=0), m.predict(X, verbose=0))


def test_best_only_keeps_the_best_epoch(tmp_path):
    m = model()
    path = tmp_path / "best.keras"
    check = keras.callbacks.ModelCheckpoint(str(path), monitor="loss", mode="min",
                                            save_best_only=True)
    m.fit(X, Y, epochs=3, callbacks=[check], verbose=0)
    assert path.exists() and check.best is not None


def test_unwritable_targets_are_refused_when_built(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "file" / "m.keras"))
    with pytest.raises(ValueError, match=r"\.keras"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.h5"))
    with pytest.raises(ValueError, match=r"\.weights\.npz"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_weights_only=True)
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(PermissionError, match="not writable"):
            keras.callbacks.ModelCheckpoint(str(locked / "{epoch}.keras"))
    finally:
        os.chmod(locked, 0o700)
