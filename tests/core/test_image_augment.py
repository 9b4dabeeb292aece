"""tf.image geometry, colour and random augmentation ops: TF 2.21's values (computed with TF
and written here), gradients by central differences, determinism of the stateless ops."""

import numpy as np
import pytest
from gradcheck import check, rand

import ember as tf

IMG = (np.arange(18).reshape(2, 3, 3) % 7 / 7).astype(np.float32)
U8 = (np.arange(18).reshape(2, 3, 3) * 14).astype(np.uint8)

TF_VALUES = {  # tf.image.<op>(IMG or U8, arg) in TF 2.21
    ("adjust_saturation", 0.5): [
        [[0.1428571, 0.2142857, 0.2857143], [0.5714286, 0.6428572, 0.7142857],
         [0.8571429, 0.4285714, 0.5000001]],
        [[0.4285715, 0.5000001, 0.5714286], [0.7857143, 0.8571429, 0.4285714],
         [0.2857143, 0.3571429, 0.4285714]]],
    ("adjust_hue", 0.25): [
        [[0.2857143, 0.0, 0.2857143], [0.7142857, 0.4285714, 0.7142857],
         [0.5714284, 0.8571429, 0.0]],
        [[0.5714286, 0.2857143, 0.5714286], [0.0, 0.8571429, 0.5714284],
         [0.4285714, 0.1428571, 0.4285714]]],
    ("adjust_contrast", 1.5): [
        [[-0.202381, 0.0238095, 0.25], [0.4404762, 0.6666667, 0.8928571],
         [1.0833334, -0.1904762, 0.0357143]],
        [[0.2261905, 0.452381, 0.6785715], [0.8690476, 1.0952381, -0.1785714],
         [0.0119047, 0.2380952, 0.4642857]]],
    ("per_image_standardization", None): [
        [[-1.3719888, -0.857493, -0.3429972], [0.1714986, 0.6859944, 1.2004902],
         [1.714986, -1.3719888, -0.857493]],
        [[-0.3429972, 0.1714986, 0.6859944], [1.2004902, 1.714986, -1.3719888],
         [-0.857493, -0.3429972, 0.1714986]]],
    ("rgb_to_hsv", None): [
        [[0.5833334, 1.0, 0.2857143], [0.5833334, 0.4, 0.7142857], [0.9722222, 1.0, 0.8571429]],
        [[0.5833334, 0.5, 0.5714286], [0.1944444, 1.0, 0.8571429],
         [0.5833334, 0.6666666, 0.4285714]]],
}
TF_UINT8 = {
    ("adjust_brightness", 0.1): [[[25, 39, 53], [67, 81, 95], [109, 123, 137]],
                                 [[151, 165, 179], [193, 207, 221], [235, 249, 255]]],
    ("adjust_contrast", 2.0): [[[0, 0, 0], [0, 0, 7], [63, 77, 91]],
                               [[147, 161, 175], [231, 245, 255], [255, 255, 255]]],
    ("adjust_saturation", 2.0): [[[0, 14, 28], [14, 42, 70], [56, 84, 112]],
                                 [[98, 126, 154], [140, 168, 196], [182, 210, 238]]],
}


@pytest.mark.parametrize("op, arg", list(TF_VALUES))
def test_float_colour_ops_match_tf(op, arg):
    fn = getattr(tf.image, op)
    out = fn(IMG) if arg is None else fn(IMG, arg)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), TF_VALUES[(op, arg)], atol=2e-6)


@pytest.mark.parametrize("op, arg", list(TF_UINT8))
def test_uint8_images_round_trip_as_tf(op, arg):
    out = getattr(tf.image, op)(U8, arg)
    assert out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy(), TF_UINT8[(op, arg)])


def test_hsv_round_trip_and_brightness_gamma():
    np.testing.assert_allclose(tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(IMG)).numpy(), IMG,
                               atol=1e-6)
    np.testing.assert_allclose(tf.image.adjust_brightness(IMG, 0.3).numpy(), IMG + 0.3)
    np.testing.assert_allclose(tf.image.adjust_gamma(IMG, 2.0, 0.5).numpy(), 0.5 * IMG ** 2,
                               rtol=1e-6)
    assert tf.image.grayscale_to_rgb(IMG[..., :1]).shape == (2, 3, 3)


def test_geometry_matches_tf():
    img = np.arange(4 * 5).reshape(4, 5, 1).astype(np.float32)
    np.testing.assert_array_equal(tf.image.central_crop(img, 0.5).numpy()[..., 0],
                                  [[6, 7, 8], [11, 12, 13]])
    assert tf.image.central_crop(np.zeros((7, 9, 1)), 0.3).shape == (3, 3, 1)
    r = tf.image.resize_with_crop_or_pad(img, 3, 7).numpy()[..., 0]
    np.testing.assert_array_equal(r, [[0, 0, 1, 2, 3, 4, 0], [0, 5, 6, 7, 8, 9, 0],
                                      [0, 10, 11, 12, 13, 14, 0]])
    assert tf.image.resize_with_crop_or_pad(img[None], 6, 2).shape == (1, 6, 2, 1)
    np.testing.assert_array_equal(tf.image.rot90(img).numpy()[..., 0], np.rot90(img[..., 0]))
    np.testing.assert_array_equal(tf.image.rot90(img[None], 3).numpy()[0, ..., 0],
                                  np.rot90(img[..., 0], 3))
    np.testing.assert_array_equal(tf.image.crop_to_bounding_box(img, 1, 2, 2, 2).numpy()[..., 0],
                                  [[7, 8], [12, 13]])
    np.testing.assert_array_equal(
        tf.image.pad_to_bounding_box(img[:2, :2], 1, 0, 3, 3).numpy()[..., 0],
        [[0, 0, 0], [0, 1, 0], [5, 6, 0]])


def test_gradients_through_geometry_and_intensity():
    check(lambda x: tf.image.rot90(x, 1), [rand((3, 2, 1))])
    check(lambda x: tf.image.resize_with_crop_or_pad(x, 2, 4), [rand((3, 3, 2))])
    check(lambda x: tf.image.central_crop(x, 0.5), [rand((1, 4, 4, 1))])
    # float64 images are adjusted in float32, as in TF; contrast is linear, so a wide step
    # is exact.
    check(lambda x: tf.image.adjust_contrast(x, 1.7), [rand((2, 2, 3))], eps=0.1, rtol=1e-4,
          atol=1e-5)
    # The result is float32 (as in TF), so the differences take a wider step.
    check(lambda x: tf.cast(tf.image.per_image_standardization(x), tf.float64),
          [rand((2, 3, 2))], eps=1e-2, rtol=2e-3, atol=2e-4)


def test_random_ops_respect_shapes_and_ranges():
    tf.random.set_seed(0)
    img = tf.constant(np.random.default_rng(0).random((8, 6, 3)).astype(np.float32))
    seen = set()
    for _ in range(20):
        out = tf.image.random_flip_left_right(img).numpy()
        assert np.array_equal(out, img.numpy()) or np.array_equal(out, img.numpy()[:, ::-1])
        seen.add(np.array_equal(out, img.numpy()))
    assert seen == {True, False}
    batch = tf.stack([img] * 16)
    flipped = tf.image.random_flip_up_down(batch).numpy()
    per_image = [np.array_equal(f, img.numpy()[::-1]) for f in flipped]
    assert 0 < sum(per_image) < 16  # each image of a batch decides on its own
    crop = tf.image.random_crop(img, [5, 4, 3]).numpy()
    assert any(np.array_equal(crop, img.numpy()[i:i + 5, j:j + 4]) for i in range(4)
               for j in range(3))
    b = tf.image.random_brightness(img, 0.2).numpy() - img.numpy()
    assert np.allclose(b, b.flat[0], atol=1e-6) and abs(b.flat[0]) <= 0.2
    assert tf.image.random_contrast(img, 0.2, 0.5).shape == img.shape
    assert tf.image.random_saturation(img, 0.5, 1.5).shape == img.shape
    assert tf.image.random_hue(img, 0.2).shape == img.shape


def test_stateless_ops_are_deterministic_per_seed():
    img = np.random.default_rng(1).random((6, 6, 3)).astype(np.float32)
    for op, kwargs in [("stateless_random_crop", {"size": [3, 3, 3]}),
                       ("stateless_random_brightness", {"max_delta": 0.5}),
                       ("stateless_random_contrast", {"lower": 0.1, "upper": 0.9}),
                       ("stateless_random_saturation", {"lower": 0.1, "upper": 0.9}),
                       ("stateless_random_hue", {"max_delta": 0.3}),
                       ("stateless_random_flip_left_right", {}),
                       ("stateless_random_flip_up_down", {})]:
        fn = getattr(tf.image, op)
        a = fn(img, seed=(1, 2), **kwargs).numpy()
        np.testing.assert_array_equal(a, fn(img, seed=(1, 2), **kwargs).numpy())
    results = {tf.image.stateless_random_brightness(img, 0.5, seed=(i, 0)).numpy()[0, 0, 0]
               for i in range(5)}
    assert len(results) == 5


def test_bad_input_names_the_argument():
    img = np.zeros((4, 5, 3), np.float32)
    with pytest.raises(ValueError, match="height must be >= target \\+ offset"):
        tf.image.crop_to_bounding_box(img, 3, 2, 2, 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need value.shape >= size"):
        tf.image.random_crop(img, [5, 5, 3])
    with pytest.raises(ValueError, match="max_delta must be non-negative"):
        tf.image.random_brightness(img, -1.0)
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.random_contrast(img, 0.5, 0.4)
    with pytest.raises(ValueError, match="max_delta must be <= 0.5"):
        tf.image.random_hue(img, 0.6)
    with pytest.raises(ValueError, match="central_fraction must be within"):
        tf.image.central_crop(img, 1.5)
    with pytest.raises(ValueError, match="'image' \\(shape \\(5, 3\\)\\) must have either 3"):
        tf.image.random_flip_left_right(img[0])
    with pytest.raises(ValueError, match="3 channels"):
        tf.image.adjust_saturation(img[..., :2], 2.0)
