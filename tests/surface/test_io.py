"""tf.io: read_file / write_file, tf.io.gfile, and the image codecs (Pillow), with TF 2.21's
results (computed with TF and written here) and errors."""

import numpy as np
import pytest

import ember as tf

pytest.importorskip("PIL")

IMG = (np.arange(4 * 5 * 3).reshape(4, 5, 3) * 3 % 256).astype(np.uint8)


def test_read_and_write_file(tmp_path):
    path = str(tmp_path / "sub" / "a.txt")
    assert tf.io.write_file(path, "hello") is None  # creates sub/, as TF does
    t = tf.io.read_file(path)
    assert t.dtype == tf.string and t.shape == () and t.numpy() == b"hello"
    tf.io.write_file(path, tf.constant(b"\x00\x01"))
    assert tf.io.read_file(tf.constant(path)).numpy() == b"\x00\x01"
    with pytest.raises(tf.errors.NotFoundError, match="nope.txt; No such file"):
        tf.io.read_file(str(tmp_path / "nope.txt"))
    with pytest.raises(FileNotFoundError):  # NotFoundError is also a FileNotFoundError
        tf.io.read_file(str(tmp_path / "nope.txt"))


def test_gfile_basics(tmp_path):
    d = str(tmp_path)
    gfile = tf.io.gfile
    gfile.makedirs(d + "/x/y")
    gfile.makedirs(d + "/x/y")  # no error when it exists
    assert gfile.isdir(d + "/x/y") and gfile.exists(d + "/x")
    with gfile.GFile(d + "/g.txt", "w") as f:
        f.write("line1\nline2\n")
    with gfile.GFile(d + "/g.txt") as f:
        assert f.read() == "line1\nline2\n"
    with gfile.GFile(d + "/g.txt", "rb") as f:
        assert f.read() == b"line1\nline2\n"
    with tf.io.gfile.GFile(d + "/g.txt") as f:
        assert list(f) == ["line1\n", "line2\n"] and f.size() == 12
    assert sorted(gfile.listdir(d)) == ["g.txt", "x"]
    assert gfile.glob(d + "/*.txt") == [d + "/g.txt"]
    assert gfile.stat(d + "/g.txt").length == 12
    assert gfile.join("a", "b") == "a/b"
    gfile.remove(d + "/g.txt")
    assert not gfile.exists(d + "/g.txt")
    gfile.rmtree(d + "/x")
    with pytest.raises(tf.errors.NotFoundError, match="Could not find directory"):
        gfile.listdir(d + "/nope")
    with pytest.raises(tf.errors.NotFoundError, match="No such file or directory"):
        gfile.remove(d + "/nope")
    with pytest.raises(tf.errors.NotFoundError, match="No such file or directory"):
        gfile.GFile(d + "/nope.txt").read()


def test_png_round_trip_and_decode_options():
    png = tf.io.encode_png(IMG)
    assert png.dtype == tf.string and png.shape == ()
    np.testing.assert_array_equal(tf.io.decode_png(png).numpy(), IMG)
    np.testing.assert_array_equal(tf.image.decode_png(png).numpy(), IMG)
    # TF 2.21's values: grayscale luma, RGBA, float scaling.
    assert tf.io.decode_png(png, channels=1).numpy()[0, :3, 0].tolist() == [2, 11, 20]
    assert tf.io.decode_png(png, channels=4).shape == (4, 5, 4)
    np.testing.assert_allclose(tf.io.decode_image(png, dtype=tf.float32).numpy()[0, 0],
                               [0.0, 0.01176471, 0.02352941], rtol=1e-6)
    r = tf.image.decode_image(png, channels=3, expand_animations=False)
    assert r.dtype == tf.uint8 and r.shape == (4, 5, 3)
    gray = tf.io.decode_png(tf.io.encode_png(IMG[..., :1]), channels=3).numpy()
    assert gray[0, 1].tolist() == [9, 9, 9]


def test_sixteen_bit_png_as_tf():
    g16 = (np.arange(6).reshape(2, 3, 1) * 10000).astype(np.uint16)
    p16 = tf.io.encode_png(g16)
    assert tf.io.decode_png(p16, dtype=tf.uint16).numpy().ravel().tolist() == [
        0, 10000, 20000, 30000, 40000, 50000]
    assert tf.io.decode_png(p16).numpy().ravel().tolist() == [0, 39, 78, 117, 156, 195]
    np.testing.assert_allclose(tf.io.decode_image(p16, dtype=tf.float32).numpy().ravel(),
                               np.arange(6) * 10000 / 65535, rtol=1e-6)


def test_jpeg_and_gif(tmp_path):
    jpg = tf.io.encode_jpeg(IMG, quality=95)
    assert bool(tf.io.is_jpeg(jpg)) and not bool(tf.io.is_jpeg(tf.io.encode_png(IMG)))
    decoded = tf.io.decode_jpeg(jpg).numpy()
    assert decoded.shape == (4, 5, 3) and np.abs(decoded.astype(int) - IMG).max() <= 12
    assert tf.io.decode_jpeg(jpg, ratio=2).shape == (2, 3, 3)
    assert tf.image.decode_image(jpg).shape == (4, 5, 3)
    from PIL import Image
    frames = [Image.fromarray(np.full((3, 4, 3), v, np.uint8)) for v in (0, 255)]
    path = tmp_path / "a.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    data = tf.io.read_file(str(path))
    assert tf.io.decode_gif(data).shape == (2, 3, 4, 3)
    assert tf.io.decode_image(data).shape == (2, 3, 4, 3)
    assert tf.io.decode_image(data, expand_animations=False).shape == (3, 4, 3)


def test_codec_errors_name_the_problem():
    png = tf.io.encode_png(IMG)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        tf.io.decode_png(b"garbage")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        tf.io.decode_image(b"garbage")
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be 3-D"):
        tf.io.encode_png(IMG[..., 0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="uint8 or uint16"):
        tf.io.encode_png(IMG.astype(np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="channels"):
        tf.io.encode_jpeg(np.zeros((2, 2, 4), np.uint8))
    with pytest.raises(tf.errors.InvalidArgumentError, match="`channels` must be 0, 1, 3 or 4"):
        tf.io.decode_png(png, channels=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Trying to decode PNG format"):
        tf.io.decode_bmp(png)
    with pytest.raises(AttributeError, match="tf.io.TFRecordWriter is not supported"):
        tf.io.TFRecordWriter  # noqa: B018


def test_decoders_say_when_pillow_is_missing(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("no PIL")
        return real_import(name, *args, **kwargs)

    png = tf.io.encode_png(IMG)
    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match="pip install 'ember\\[image\\]'"):
        tf.io.decode_png(png)


def test_a_tf_data_pipeline_reads_and_augments_files(tmp_path):
    for i in range(3):
        tf.io.write_file(str(tmp_path / f"{i}.png"), tf.io.encode_png(IMG))
    files = tf.io.gfile.glob(str(tmp_path / "*.png"))

    def load(path):
        image = tf.image.decode_png(tf.io.read_file(path), channels=3)
        image = tf.image.convert_image_dtype(image, tf.float32)
        image = tf.image.resize_with_crop_or_pad(image, 6, 6)
        image = tf.image.stateless_random_crop(image, size=[4, 4, 3], seed=(1, 2))
        return tf.image.random_flip_left_right(image)

    batches = list(tf.data.Dataset.from_tensor_slices(files).map(load).batch(3))
    assert len(batches) == 1 and batches[0].shape == (3, 4, 4, 3)
