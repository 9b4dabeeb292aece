"""Image layers: padding, cropping, upsampling, spatial dropout, rescaling and the
augmentation layers (active only in training, seeded)."""

import numpy as np
import pytest

import ember as tf
from ember.keras import layers

_rng = np.random.default_rng(9)


def imgs(*shape):
    return _rng.uniform(0, 255, shape).astype(np.float32)


def test_zero_padding_cropping_upsampling_shapes_and_values():
    x = imgs(2, 4, 5, 3)
    y = layers.ZeroPadding2D(((1, 2), (0, 3)))(x).numpy()
    assert y.shape == (2, 7, 8, 3)
    np.testing.assert_array_equal(y[:, 1:5, 0:5], x)
    assert y[:, 0].sum() == 0 and y[:, 5:].sum() == 0
    c = layers.Cropping2D(((1, 1), (2, 0)))(x)
    np.testing.assert_array_equal(c.numpy(), x[:, 1:3, 2:])
    u = layers.UpSampling2D((2, 3))(x).numpy()
    np.testing.assert_array_equal(u, x.repeat(2, axis=1).repeat(3, axis=2))
    b = layers.UpSampling2D(interpolation="bilinear")(x)
    np.testing.assert_allclose(b.numpy(), tf.image.resize(x, (8, 10)).numpy())
    assert layers.ZeroPadding2D(2).compute_output_shape((None, 4, 5, 3)) == (None, 8, 9, 3)
    with pytest.raises(ValueError, match="leaves nothing"):
        layers.Cropping2D(2)(x)
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D((1, 2, 3))


def test_upsampling_gradient_sums_the_copies():
    x = tf.constant(imgs(1, 2, 2, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layers.UpSampling2D(3)(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.full((1, 2, 2, 1), 9.0))


def test_spatial_dropout_drops_whole_channels_only_in_training():
    x = np.ones((4, 5, 5, 8), np.float32)
    layer = layers.SpatialDropout2D(0.5, seed=1)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    per_map = y.reshape(4, 25, 8)
    assert np.all(per_map.min(axis=1) == per_map.max(axis=1))  # each map all 0 or all 2
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1


def test_rescaling():
    x = np.array([[0, 127.5, 255]], np.float32)
    np.testing.assert_allclose(layers.Rescaling(1 / 127.5, offset=-1)(x).numpy(), [[-1, 0, 1]])
    assert layers.Rescaling(1 / 255)(np.array([[255]], np.uint8)).dtype == tf.float32


AUGMENTATIONS = [
    lambda s: layers.RandomFlip(seed=s),
    lambda s: layers.RandomRotation(0.2, seed=s),
    lambda s: layers.RandomZoom(0.3, seed=s),
    lambda s: layers.RandomTranslation(0.2, 0.2, seed=s),
    lambda s: layers.RandomContrast(0.5, seed=s),
]


@pytest.mark.parametrize("make", AUGMENTATIONS)
def test_augmentation_is_identity_in_inference_and_seeded_in_training(make):
    x = imgs(6, 8, 8, 3)
    layer = make(3)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    a = layer(x, training=True).numpy()
    assert a.shape == x.shape and not np.allclose(a, x)
    np.testing.assert_array_equal(make(3)(x, training=True).numpy(), a)  # same seed, same draw
    assert layer(x[0], training=True).shape == (8, 8, 3)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_augmentations_preserve_content_as_specified():
    x = imgs(3, 6, 6, 1)
    flipped = layers.RandomFlip("horizontal", seed=0)(x, training=True).numpy()
    for a, b in zip(flipped, x):
        assert np.array_equal(a, b) or np.array_equal(a, b[:, ::-1])
    shifted = layers.RandomTranslation((0.5, 0.5), (0, 0), fill_mode="constant",
                                       interpolation="nearest")(x, training=True).numpy()
    np.testing.assert_array_equal(shifted[:, 3:], x[:, :3])  # moved down by 3 rows
    np.testing.assert_array_equal(shifted[:, :3], 0)
    full_turn = layers.RandomRotation((0.5, 0.5), fill_mode="constant")(x, training=True)
    np.testing.assert_allclose(full_turn.numpy(), x[:, ::-1, ::-1], atol=1e-3)  # 180 degrees
    same = layers.RandomZoom((0, 0))(x, training=True)
    np.testing.assert_allclose(same.numpy(), x, atol=1e-3)
    c = layers.RandomContrast((0.5, 0.5), value_range=(-1e9, 1e9))(x, training=True).numpy()
    ratio = c.std(axis=(1, 2, 3)) / x.std(axis=(1, 2, 3))
    assert np.all((ratio > 0.5 - 1e-4) & (ratio < 1.5 + 1e-4))


def test_augmentation_in_a_model_runs_in_fit_not_in_predict():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([
        tf.keras.Input((8, 8, 1)), layers.Rescaling(1 / 255), layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1), layers.Conv2D(2, 3, activation="relu"),
        layers.GlobalAveragePooling2D(), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = imgs(16, 8, 8, 1), _rng.integers(0, 2, 16)
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_resizing_layer_matches_tf_image_resize_and_crops_to_aspect():
    # The data augmentation tutorial's first layer: Resizing(IMG_SIZE, IMG_SIZE).
    import ember as tf
    from ember.keras import layers as L

    images = np.random.default_rng(0).uniform(0, 255, (2, 40, 30, 3)).astype("float32")
    out = L.Resizing(20, 10)(images)
    np.testing.assert_allclose(out.numpy(), tf.image.resize(images, (20, 10)).numpy())
    crop = L.Resizing(10, 10, crop_to_aspect_ratio=True)(images)
    np.testing.assert_allclose(crop.numpy(),
                               tf.image.resize(images[:, 5:35], (10, 10)).numpy(), rtol=1e-6)
    uint8 = L.Resizing(8, 8, interpolation="nearest")(images.astype("uint8"))
    assert uint8.dtype == tf.float32 and uint8.shape == (2, 8, 8, 3)
    assert L.Resizing(8, 6).compute_output_shape((None, 40, 30, 3)) == (None, 8, 6, 3)
    with pytest.raises(ValueError, match="interpolation"):
        L.Resizing(8, 8, interpolation="lanczos7")


def test_center_crop_and_random_crop():
    from ember.keras import layers as L
    x = np.arange(2 * 6 * 8 * 3, dtype="float32").reshape(2, 6, 8, 3)
    np.testing.assert_array_equal(L.CenterCrop(4, 4)(x).numpy(), x[:, 1:5, 2:6])
    np.testing.assert_array_equal(L.CenterCrop(3, 5)(x[0]).numpy(), x[0, 1:4, 1:6])
    assert L.CenterCrop(10, 10)(x).shape == (2, 10, 10, 3)  # smaller: resized, as Keras
    assert L.CenterCrop(2, 2)(x.astype("uint8")).dtype == "float32"
    crop = L.RandomCrop(4, 4, seed=1)
    out = crop(x, training=True).numpy()
    assert out.shape == (2, 4, 4, 3)
    found = [(t, lf) for t in range(3) for lf in range(5)
             if np.array_equal(out, x[:, t:t + 4, lf:lf + 4])]
    assert len(found) == 1  # one window of the input, the same for the whole batch
    assert crop(x, training=False).shape == (2, 4, 4, 3)
    model = tf.keras.Sequential([tf.keras.Input((6, 8, 3)), L.RandomCrop(4, 4),
                                 L.Flatten(), L.Dense(2)])
    assert model(x, training=True).shape == model(x).shape == (2, 2)
