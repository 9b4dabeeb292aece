"""keras.preprocessing.image: ImageDataGenerator.flow / flow_from_directory / fit, the
affine transform maths, and training from its iterators."""

import os

import numpy as np
import pytest

import ember as tf
from ember.keras.preprocessing import image as kimage
from ember.keras.preprocessing.image_transforms import (
    affine_matrix,
    apply_affine_transform,
    transform_matrix_offset_center,
)

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 255, size=(10, 8, 8, 3)).astype("float32")
Y = np.arange(10) % 2


def test_flow_batches_rescale_and_subsets():
    gen = kimage.ImageDataGenerator(rescale=1 / 255.0, validation_split=0.2)
    train = gen.flow(X, Y, batch_size=4, shuffle=False, subset="training")
    val = gen.flow(X, Y, batch_size=4, shuffle=False, subset="validation")
    assert (train.n, len(train), val.n) == (8, 2, 2)
    bx, by = train[0]
    np.testing.assert_allclose(bx, X[2:6] / 255.0, rtol=1e-6)  # first 20% is validation
    np.testing.assert_array_equal(by, Y[2:6])
    np.testing.assert_allclose(next(val)[0], X[:2] / 255.0, rtol=1e-6)
    assert gen.flow(X, batch_size=3)[3].shape == (1, 8, 8, 3)  # x only, last partial batch
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(X[..., 0], Y)
    with pytest.raises(ValueError, match="same length"):
        gen.flow(X, Y[:3])
    with pytest.raises(ValueError, match="validation_split"):
        kimage.ImageDataGenerator().flow(X, Y, subset="training")


def test_flow_augments_reproducibly_with_a_seed():
    gen = kimage.ImageDataGenerator(rotation_range=30, width_shift_range=0.2,
                                    height_shift_range=0.2, shear_range=10, zoom_range=0.2,
                                    horizontal_flip=True, fill_mode="nearest")
    a = gen.flow(X, Y, batch_size=5, seed=3)[0][0]
    b = gen.flow(X, Y, batch_size=5, seed=3)[0][0]
    np.testing.assert_array_equal(a, b)
    plain = kimage.ImageDataGenerator().flow(X, Y, batch_size=5, seed=3)[0][0]
    assert not np.allclose(a, plain)
    assert a.min() >= X.min() - 1e-3 and a.max() <= X.max() + 1e-3  # 'nearest' fill


def test_flips_and_preprocessing_function_order():
    gen = kimage.ImageDataGenerator(horizontal_flip=True, rescale=2.0,
                                    preprocessing_function=lambda im: im + 1.0)
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    flipped = gen.apply_transform(x[0].copy(), {"flip_horizontal": True})
    np.testing.assert_array_equal(flipped, x[0, :, ::-1])
    # preprocessing_function first, then rescale (Keras 2's order).
    np.testing.assert_array_equal(gen.standardize(x[0].copy()), (x[0] + 1.0) * 2.0)


def test_fit_computes_featurewise_statistics():
    gen = kimage.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(X)
    assert gen.mean.shape == (1, 1, 3) and gen.std.shape == (1, 1, 3)
    batch = gen.flow(X, batch_size=10, shuffle=False)[0]
    np.testing.assert_allclose(batch.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(batch.std(axis=(0, 1, 2)), 1, atol=1e-4)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        kimage.ImageDataGenerator(featurewise_center=True).standardize(X[0].copy())


def test_affine_transform_matches_keras2_scipy_maths():
    ndimage = pytest.importorskip("scipy.ndimage")
    x = RNG.uniform(0, 255, (9, 7, 3)).astype("float32")
    params = {"theta": 10, "tx": 1.5, "ty": -1, "shear": 5, "zx": 1.1, "zy": 0.9}
    m = transform_matrix_offset_center(affine_matrix(**params), 9, 7)
    for mode in ("nearest", "reflect"):
        ref = np.stack([ndimage.affine_transform(x[..., c], m[:2, :2], m[:2, 2], order=1,
                                                 mode=mode) for c in range(3)], -1)
        out = apply_affine_transform(x, fill_mode=mode, **params)
        np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-3)
    shifted = apply_affine_transform(x, tx=2, fill_mode="constant", cval=-1)
    np.testing.assert_allclose(shifted[:7], x[2:], rtol=1e-6)  # row r reads input r + 2
    assert (shifted[7:] == -1).all()


@pytest.fixture
def image_folder(tmp_path):
    image_mod = pytest.importorskip("PIL.Image")
    for c, cls in enumerate(["cats", "dogs"]):
        os.makedirs(tmp_path / cls)
        for i in range(5):
            pixels = np.full((12, 10, 3), 40 + 150 * c, np.uint8)
            pixels[::2] = 255 * c  # stripes: dogs bright, cats dark
            image_mod.fromarray(pixels).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    return str(tmp_path)


def test_flow_from_directory_iterator_attributes(image_folder, capsys):
    gen = kimage.ImageDataGenerator(rescale=1 / 255.0, validation_split=0.4)
    train = gen.flow_from_directory(image_folder, target_size=(6, 6), batch_size=4,
                                    class_mode="binary", subset="training", seed=0)
    val = gen.flow_from_directory(image_folder, target_size=(6, 6), batch_size=4,
                                  class_mode="categorical", subset="validation", shuffle=False)
    assert "Found 6 images belonging to 2 classes." in capsys.readouterr().out
    assert train.class_indices == {"cats": 0, "dogs": 1}
    assert (train.samples, train.n, val.samples, train.batch_size) == (6, 6, 4, 4)
    assert val.filenames == [os.path.join("cats", "0.png"), os.path.join("cats", "1.png"),
                             os.path.join("dogs", "0.png"), os.path.join("dogs", "1.png")]
    np.testing.assert_array_equal(val.classes, [0, 0, 1, 1])
    bx, by = val[0]
    assert bx.shape == (4, 6, 6, 3) and by.tolist() == [[1, 0], [1, 0], [0, 1], [0, 1]]
    np.testing.assert_allclose(bx[:, 0, 0, 0], [40 / 255, 40 / 255, 190 / 255, 190 / 255],
                               rtol=1e-5)
    sparse = gen.flow_from_directory(image_folder, target_size=(4, 4), class_mode="sparse",
                                     color_mode="grayscale", shuffle=False)
    sx, sy = sparse[0]
    assert sx.shape == (10, 4, 4, 1) and sy.tolist() == [0.0] * 5 + [1.0] * 5
    only_x = gen.flow_from_directory(image_folder, target_size=(4, 4), class_mode=None)
    assert only_x[0].shape == (10, 4, 4, 3)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gen.flow_from_directory(os.path.join(image_folder, "missing"))
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(image_folder, class_mode="multi")


def test_model_fit_on_generators(image_folder):
    tf.keras.utils.set_random_seed(0)
    gen = kimage.ImageDataGenerator(rescale=1 / 255.0, horizontal_flip=True,
                                    validation_split=0.4)
    train = gen.flow_from_directory(image_folder, target_size=(6, 6), batch_size=3,
                                    class_mode="binary", subset="training", seed=1)
    val = gen.flow_from_directory(image_folder, target_size=(6, 6), batch_size=2,
                                  class_mode="binary", subset="validation")
    model = tf.keras.Sequential([tf.keras.layers.Input((6, 6, 3)), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(tf.keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(train, epochs=10, steps_per_epoch=2, validation_data=val, verbose=0)
    assert history.history["val_accuracy"][-1] == 1.0
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_image_helpers_are_the_utils_ones():
    assert kimage.load_img is tf.keras.utils.load_img
    assert kimage.img_to_array is tf.keras.utils.img_to_array
    prep = tf.keras.preprocessing
    assert prep.image_dataset_from_directory is tf.keras.utils.image_dataset_from_directory
    assert prep.sequence.pad_sequences is tf.keras.utils.pad_sequences
    assert prep.timeseries_dataset_from_array is tf.keras.utils.timeseries_dataset_from_array
    resized = kimage.smart_resize(np.ones((10, 20, 3), "float32"), (5, 5))
    assert resized.shape == (5, 5, 3)


def test_brightness_channel_shift_and_augmented_fit():
    gen = kimage.ImageDataGenerator(brightness_range=(0.5, 0.5), channel_shift_range=0.0)
    x = np.full((4, 4, 3), 100.0, "float32")
    x[0, 0] = 200.0
    out = gen.apply_transform(x.copy(), gen.get_random_transform(x.shape, seed=0))
    np.testing.assert_allclose(out, x * 0.5, rtol=1e-6)
    shift = kimage.ImageDataGenerator(channel_shift_range=50.0)
    shifted = shift.apply_transform(x.copy(), {"channel_shift_intensity": 30.0})
    assert shifted.max() == 200.0 and shifted[1, 1, 0] == 130.0  # clipped to the image's range
    aug = kimage.ImageDataGenerator(featurewise_center=True, rotation_range=90)
    aug.fit(X, augment=True, rounds=2, seed=0)
    assert aug.mean.shape == (1, 1, 3) and not np.allclose(aug.mean, X.mean((0, 1, 2)))
    with pytest.raises(ValueError, match="brightness_range"):
        kimage.ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(ValueError, match="fill_mode"):
        kimage.ImageDataGenerator(fill_mode="mirror")
