"""tf.io: read_file / write_file, decoding and encoding images with Pillow, gfile."""

import numpy as np
import pytest

import ember as tf

pytest.importorskip("PIL")


def test_png_round_trip_and_channels(tmp_path):
    img = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    encoded = tf.io.encode_png(img)
    assert encoded.dtype == tf.string and encoded.shape == ()
    path = str(tmp_path / "x.png")
    tf.io.write_file(path, encoded)
    contents = tf.io.read_file(path)
    decoded = tf.io.decode_png(contents)
    assert decoded.dtype == tf.uint8 and decoded.shape == (5, 7, 3)
    np.testing.assert_array_equal(decoded.numpy(), img)
    gray = tf.io.decode_image(contents, channels=1)
    assert gray.shape == (5, 7, 1)
    as_float = tf.io.decode_image(contents, dtype=tf.float32)
    np.testing.assert_allclose(as_float.numpy(), img / 255, rtol=1e-6)
    rgba = tf.io.decode_png(contents, channels=4)
    assert rgba.shape == (5, 7, 4) and (rgba.numpy()[..., 3] == 255).all()


def test_jpeg_decodes_close_to_its_pixels(tmp_path):
    img = np.full((16, 16, 3), (200, 30, 90), np.uint8)
    decoded = tf.io.decode_jpeg(tf.io.encode_jpeg(img, quality=95), channels=3)
    assert decoded.shape == (16, 16, 3)
    assert np.abs(decoded.numpy().astype(int) - img).max() <= 3


def test_errors_and_gfile(tmp_path):
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.read_file(str(tmp_path / "missing.jpg"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="decodable"):
        tf.io.decode_jpeg(tf.constant(b"not an image"))
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.txt").write_text("hi")
    assert tf.io.gfile.exists(str(tmp_path / "a" / "f.txt"))
    assert tf.io.gfile.listdir(str(tmp_path / "a")) == ["f.txt"]
    assert tf.io.gfile.glob(str(tmp_path / "*" / "*.txt")) == [str(tmp_path / "a" / "f.txt")]
    with tf.io.gfile.GFile(str(tmp_path / "a" / "f.txt")) as f:
        assert f.read() == "hi"
