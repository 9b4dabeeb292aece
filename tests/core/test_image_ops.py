"""tf.image ops: resize (nearest, bilinear) and flips against torch and finite differences;
the resampling primitive's gradient and its transpose."""

import numpy as np
import pytest
from gradcheck import check, check_second_order

import ember as tf
from ember.ops import image as image_ops

_rng = np.random.default_rng(5)


@pytest.mark.parametrize("size", [(8, 6), (3, 2), (5, 9)])
def test_resize_bilinear_and_nearest_match_torch_half_pixel_rules(size):
    torch = pytest.importorskip("torch")
    x = _rng.standard_normal((2, 4, 5, 3)).astype(np.float32)
    tx = torch.tensor(x.transpose(0, 3, 1, 2).copy())
    for ours, mode in (("bilinear", "bilinear"), ("nearest", "nearest-exact")):
        kw = {"align_corners": False} if mode == "bilinear" else {}
        want = torch.nn.functional.interpolate(tx, size=size, mode=mode, **kw).numpy()
        got = tf.image.resize(x, size, method=ours).numpy()
        np.testing.assert_allclose(got, want.transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-6)


def test_resize_gradients_by_central_differences():
    x = _rng.standard_normal((1, 3, 4, 2))
    for method in ("bilinear", "nearest"):
        check(lambda t, m=method: tf.image.resize(t, (5, 3), method=m), [x])
        check_second_order(lambda t, m=method: tf.image.resize(t, (5, 7), method=m), [x])


def test_resize_keeps_single_images_and_converts_integers():
    img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    y = tf.image.resize(img, (4, 4), method="nearest")
    assert y.shape == (4, 4, 3) and y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy()[::2, ::2], img)
    with pytest.raises(ValueError, match="method"):
        tf.image.resize(img, (4, 4), method="bicubic")


def test_flips_and_grayscale_and_dtype_conversion():
    x = _rng.standard_normal((2, 3, 4, 3))
    np.testing.assert_array_equal(tf.image.flip_left_right(x).numpy(), x[:, :, ::-1])
    np.testing.assert_array_equal(tf.image.flip_up_down(x[0]).numpy(), x[0, ::-1])
    check(tf.image.flip_left_right, [x], ref=lambda a: a[:, :, ::-1])
    gray = tf.image.rgb_to_grayscale(x).numpy()
    np.testing.assert_allclose(gray[..., 0], x @ [0.2989, 0.5870, 0.1140], rtol=1e-12)
    u8 = np.array([[[0, 128, 255]]], np.uint8)
    f = tf.image.convert_image_dtype(u8, tf.float32)
    np.testing.assert_allclose(f.numpy(), u8 / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(tf.image.convert_image_dtype(f, tf.uint8).numpy(), u8)


def test_affine_transform_identity_shift_and_its_gradient():
    x = _rng.standard_normal((2, 5, 6, 1))
    eye = np.tile(np.array([[1.0, 0, 0], [0, 1.0, 0]]), (2, 1, 1))
    np.testing.assert_allclose(image_ops.transform(x, eye).numpy(), x, atol=1e-12)
    shift = eye.copy()
    shift[:, 0, 2] = -1.0  # output column j reads input column j - 1: the image moves right
    y = image_ops.transform(x, shift, fill_mode="constant").numpy()
    np.testing.assert_allclose(y[:, :, 1:], x[:, :, :-1], atol=1e-12)
    np.testing.assert_array_equal(y[:, :, 0], 0)
    half = eye.copy()
    half[:, 1, 2] = 0.5
    check(lambda t: image_ops.transform(t, half, fill_mode="nearest"), [x])


@pytest.mark.tensorflow
def test_resize_matches_tensorflow():
    real = pytest.importorskip("tensorflow")
    x = _rng.standard_normal((2, 5, 7, 3)).astype(np.float32)
    for size in ((10, 14), (3, 4), (8, 5)):
        for method in ("bilinear", "nearest"):
            np.testing.assert_allclose(tf.image.resize(x, size, method=method).numpy(),
                                       real.image.resize(x, size, method=method).numpy(),
                                       rtol=1e-5, atol=1e-6)
