"""Normalization, Discretization, CategoryEncoding, Hashing, and the image preprocessing
layers Resizing, CenterCrop, RandomCrop, RandomBrightness, RandomHeight, RandomWidth."""

import numpy as np
import pytest

import ember as tf
from ember.keras import layers

RNG = np.random.default_rng(0)
FEATURES = RNG.normal(5.0, 3.0, size=(64, 9)).astype("float32")
IMAGES = RNG.uniform(0, 255, size=(2, 8, 6, 3)).astype("float32")


def roundtrip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def test_normalization_adapt_as_in_the_regression_tutorial():
    normalizer = layers.Normalization(axis=-1)
    normalizer.adapt(np.array(FEATURES))
    np.testing.assert_allclose(normalizer.mean.numpy()[0], FEATURES.mean(0), rtol=1e-5)
    y = normalizer(FEATURES[:3]).numpy()
    expected = (FEATURES[:3] - FEATURES.mean(0)) / FEATURES.std(0)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    assert [w.name for w in normalizer.weights] == ["mean", "variance", "count"]
    assert int(normalizer.count.numpy()) == 64
    model = tf.keras.Sequential([normalizer, layers.Dense(1)])
    model.compile(tf.keras.optimizers.Adam(0.1), "mean_absolute_error")
    hist = model.fit(FEATURES, FEATURES[:, 0], epochs=5, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_normalization_dataset_adapt_equals_array_adapt_and_axis_none():
    a, b = layers.Normalization(), layers.Normalization()
    a.adapt(FEATURES)
    b.adapt(tf.data.Dataset.from_tensor_slices(FEATURES).batch(10))
    np.testing.assert_allclose(a.variance.numpy(), b.variance.numpy(), rtol=1e-5)
    c = layers.Normalization()
    c.adapt(tf.data.Dataset.from_tensor_slices((FEATURES, FEATURES[:, 0])).batch(7))
    np.testing.assert_allclose(a.mean.numpy(), c.mean.numpy(), rtol=1e-5)
    whole = layers.Normalization(axis=None)
    whole.adapt(FEATURES)
    assert whole.adapt_mean.shape == ()
    np.testing.assert_allclose(whole(FEATURES).numpy().std(), 1.0, rtol=1e-4)


def test_normalization_given_statistics_invert_and_errors():
    layer = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0])
    x = np.array([[3.0, 10.0]], "float32")
    np.testing.assert_allclose(layer(x).numpy(), [[1.0, 2.0]])
    inverse = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0], invert=True)
    np.testing.assert_allclose(inverse(layer(x)).numpy(), x)
    assert layer.weights == []
    clone = roundtrip(layer)
    assert clone.get_config()["mean"] == [1.0, 2.0]
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=[1.0])
    with pytest.raises(ValueError, match="cannot also be adapted"):
        layer.adapt(x)
    built = layers.Normalization()
    built.adapt(FEATURES)
    with pytest.raises(ValueError, match="incompatible shape"):
        built.adapt(np.ones((4, 3), "float32"))


def test_discretization_boundaries_adapt_and_modes():
    layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    y = layer(np.array([[-1.5, 0.0, 0.5, 1.0, 2.5]])).numpy()
    np.testing.assert_array_equal(y, [[0, 1, 1, 2, 3]])
    assert y.dtype == np.int32
    hot = layers.Discretization([0.0, 1.0], output_mode="one_hot")(np.array([-1.0, 0.5, 3.0]))
    np.testing.assert_array_equal(hot.numpy(), np.eye(3))
    adapted = layers.Discretization(num_bins=4)
    adapted.adapt(np.arange(100.0))
    assert adapted.bin_boundaries == [24.0, 49.0, 74.0]
    assert roundtrip(adapted).bin_boundaries == [24.0, 49.0, 74.0]
    with pytest.raises(ValueError, match="bin_boundaries"):
        layers.Discretization(num_bins=3)(np.array([1.0]))


def test_category_encoding_modes_and_range_error():
    ids = np.array([[0, 1, 1], [3, 3, 2]])
    np.testing.assert_array_equal(layers.CategoryEncoding(4)(ids).numpy(),
                                  [[1, 1, 0, 0], [0, 0, 1, 1]])
    counts = layers.CategoryEncoding(4, output_mode="count")(ids).numpy()
    np.testing.assert_array_equal(counts, [[1, 2, 0, 0], [0, 0, 1, 2]])
    weighted = layers.CategoryEncoding(4, output_mode="count")(
        ids, count_weights=np.array([[0.5, 1.0, 2.0], [1, 1, 1]]))
    np.testing.assert_allclose(weighted.numpy()[0], [0.5, 3.0, 0, 0])
    one_hot = layers.CategoryEncoding(4, output_mode="one_hot")
    assert one_hot(np.array([[0], [2]])).shape == (2, 4)
    assert one_hot.compute_output_shape((None, 1)) == (None, 4)
    roundtrip(one_hot)
    with pytest.raises(ValueError, match="0 <= values < num_tokens"):
        layers.CategoryEncoding(4)(np.array([[0, 5]]))


def test_hashing_is_deterministic_with_mask_and_salt():
    words = np.array([["cat"], ["dog"], ["cat"], ["bird"]])
    a = layers.Hashing(num_bins=8)(words).numpy()
    b = layers.Hashing(num_bins=8)(words).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.int64 and a[0, 0] == a[2, 0] and a.max() < 8
    masked = layers.Hashing(num_bins=3, mask_value="")(np.array(["a", "", "b"])).numpy()
    assert masked[1] == 0 and masked[0] >= 1 and masked[2] >= 1
    salted = layers.Hashing(num_bins=1000, salt=7)(np.array(["cat", "dog", "bird"])).numpy()
    plain = layers.Hashing(num_bins=1000)(np.array(["cat", "dog", "bird"])).numpy()
    assert (salted != plain).any()
    ints = layers.Hashing(num_bins=5)(np.array([[1, 2, 3]])).numpy()
    assert ints.shape == (1, 3) and ints.max() < 5
    hot = layers.Hashing(num_bins=4, output_mode="one_hot")(np.array(["a", "b"])).numpy()
    assert hot.shape == (2, 4) and (hot.sum(1) == 1).all()
    assert roundtrip(layers.Hashing(4, salt=[1, 2])).salt == [1, 2]


def test_resizing_and_center_crop():
    y = layers.Resizing(4, 3)(IMAGES)
    assert y.shape == (2, 4, 3, 3)
    # Halving a constant image keeps it constant.
    flat = np.full((1, 8, 8, 1), 7.0, "float32")
    np.testing.assert_allclose(layers.Resizing(4, 4)(flat).numpy(), 7.0)
    cropped = layers.Resizing(4, 4, crop_to_aspect_ratio=True)(IMAGES)
    assert cropped.shape == (2, 4, 4, 3)
    near = layers.Resizing(4, 3, interpolation="nearest")(IMAGES).numpy()
    np.testing.assert_array_equal(near, IMAGES[:, 1::2, 1::2])  # half-pixel centres
    centre = layers.CenterCrop(4, 2)(IMAGES).numpy()
    np.testing.assert_array_equal(centre, IMAGES[:, 2:6, 2:4])
    assert layers.CenterCrop(10, 10)(IMAGES).shape == (2, 10, 10, 3)
    assert layers.CenterCrop(3, 3)(IMAGES[0]).shape == (3, 3, 3)
    roundtrip(layers.Resizing(2, 2, pad_to_aspect_ratio=True))
    with pytest.raises(ValueError, match="interpolation"):
        layers.Resizing(2, 2, interpolation="bicubic")


def test_random_crop_brightness_height_width():
    crop = layers.RandomCrop(4, 4, seed=1)
    out = crop(IMAGES, training=True).numpy()
    assert out.shape == (2, 4, 4, 3)
    # Some window of the input, the same for the whole batch.
    found = [(i, j) for i in range(5) for j in range(3)
             if np.array_equal(IMAGES[:, i:i + 4, j:j + 4], out)]
    assert found
    assert crop(IMAGES).shape == (2, 4, 4, 3)  # inference: centre crop + resize
    bright = layers.RandomBrightness(0.2, seed=0)
    x = np.full((3, 2, 2, 1), 100.0, "float32")
    y = bright(x, training=True).numpy()
    deltas = y[:, 0, 0, 0] - 100.0
    assert (np.abs(deltas) <= 0.2 * 255 + 1e-3).all() and np.ptp(deltas) > 0
    assert (y == y[:, :1, :1, :]).all()
    np.testing.assert_array_equal(bright(x).numpy(), x)
    assert layers.RandomBrightness(1.0, seed=0)(x * 2.5, training=True).numpy().max() <= 255
    height = layers.RandomHeight((0.5, 0.5), seed=0)
    assert height(IMAGES, training=True).shape == (2, 12, 6, 3)
    width = layers.RandomWidth((-0.5, -0.5), seed=0)
    assert width(IMAGES, training=True).shape == (2, 8, 3, 3)
    assert width(IMAGES).shape == IMAGES.shape
    assert width.compute_output_shape((None, 8, 6, 3)) == (None, 8, None, 3)
    for layer in (crop, bright, height, width):
        roundtrip(layer)
    with pytest.raises(ValueError, match="range"):
        layers.RandomBrightness(1.5)


def test_experimental_preprocessing_aliases():
    exp = tf.keras.layers.experimental.preprocessing
    assert exp.Normalization is layers.Normalization
    assert exp.Rescaling is layers.Rescaling and exp.RandomFlip is layers.RandomFlip
    assert exp.TextVectorization is layers.TextVectorization


def _all_prep_layers():
    return [
        layers.PReLU(shared_axes=[1, 2]), layers.GaussianNoise(0.2, seed=1),
        layers.GaussianDropout(0.2), layers.AlphaDropout(0.1, noise_shape=(None, 1)),
        layers.ActivityRegularization(0.1, 0.2), layers.UnitNormalization([1]),
        layers.SpatialDropout1D(0.3), layers.SpatialDropout3D(0.3, data_format="channels_first"),
        layers.Conv1DTranspose(3, 2, strides=2, output_padding=1, activation="relu"),
        layers.UpSampling1D(3), layers.ZeroPadding1D((1, 2)), layers.Cropping1D(2),
        layers.Normalization(axis=(1, 2)), layers.Normalization(mean=2.0, variance=3.0),
        layers.Resizing(3, 4, crop_to_aspect_ratio=True), layers.CenterCrop(2, 3),
        layers.RandomCrop(2, 2, seed=3), layers.RandomBrightness((-0.1, 0.2), value_range=(0, 1)),
        layers.RandomHeight(0.2), layers.RandomWidth((0.1, 0.3), interpolation="nearest"),
        layers.CategoryEncoding(5, "count"), layers.Hashing(7, salt=3, mask_value="x"),
        layers.Discretization(num_bins=3), layers.Discretization([0.5, 1.5]),
    ]


def test_every_prep_layer_config_survives_json():
    import json
    for layer in _all_prep_layers():
        config = json.loads(json.dumps(layer.get_config()))
        clone = type(layer).from_config(config)
        assert json.loads(json.dumps(clone.get_config())) == config, type(layer).__name__
