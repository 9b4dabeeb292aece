"""tf.image adjustments, crops and augmentations. The expected numbers are what TF 2.21
gives for the same inputs (first values and sums)."""

import numpy as np
import pytest

import ember as tf

rng = np.random.default_rng(0)
F = rng.uniform(size=(2, 5, 6, 3)).astype("float32")
U = (rng.uniform(size=(5, 6, 3)) * 255).astype("uint8")


@pytest.mark.parametrize("name, fn, shape, head, total", [
    ("bright_u8", lambda: tf.image.adjust_brightness(U, 0.2), (5, 6, 3),
     [255.0, 114.0, 87.0, 221.0, 233.0, 93.0], 15886.0),
    ("contrast", lambda: tf.image.adjust_contrast(F, 1.7), (2, 5, 6, 3),
     [0.7237, 0.0806, -0.2965, -0.331, 1.0046, 1.1855], 97.45),
    ("contrast_u8", lambda: tf.image.adjust_contrast(U, 0.5), (5, 6, 3),
     [176.0, 99.0, 79.0, 152.0, 159.0, 82.0], 11737.0),
    ("sat", lambda: tf.image.adjust_saturation(F, 3), (2, 5, 6, 3),
     [0.637, 0.2445, 0.0, 0.0, 0.8114, 0.9128], 75.89),
    ("sat_u8", lambda: tf.image.adjust_saturation(U, 0.3), (5, 6, 3),
     [219.0, 172.0, 164.0, 178.0, 182.0, 140.0], 16142.0),
    ("hue", lambda: tf.image.adjust_hue(F, 0.2), (2, 5, 6, 3),
     [0.289, 0.637, 0.041, 0.2953, 0.0165, 0.9128], 95.18),
    ("cc", lambda: tf.image.central_crop(F[0], 0.5), (3, 4, 3),
     [0.1243, 0.6706, 0.6472, 0.6154, 0.3837, 0.9972], 17.82),
    ("rot3b", lambda: tf.image.rot90(F, k=3), (2, 6, 5, 3),
     [0.4404, 0.9546, 0.4999, 0.3361, 0.1503, 0.4503], 97.45),
    ("rcp", lambda: tf.image.resize_with_crop_or_pad(F[0], 3, 9), (3, 9, 3),
     [0.0, 0.0, 0.0, 0.2997, 0.4227, 0.0283], 26.21),
    ("pis_u8", lambda: tf.image.per_image_standardization(U), (5, 6, 3),
     [1.1868, -0.9094, -1.2722, 0.5284, 0.6896, -1.1916], 0.0),
])
def test_matches_tensorflow(name, fn, shape, head, total):
    out = fn().numpy().astype(np.float64)
    assert out.shape == shape
    np.testing.assert_allclose(out.ravel()[:6], head, atol=1e-3)
    assert round(float(out.sum()), 2) == pytest.approx(total, abs=0.02)


def test_gradients_flow_through_contrast_and_standardization():
    x = tf.Variable(F[:1])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.image.adjust_contrast(x, 2.0) ** 2)
        z = tf.reduce_sum(tf.image.per_image_standardization(x) * F[:1])
    for g in tape.gradient([y, z], [x, x]):
        assert g.shape == x.shape and np.isfinite(g.numpy()).all()


def test_random_and_stateless_augmentations():
    seed = (1, 2)
    a = tf.image.stateless_random_brightness(F[0], max_delta=0.5, seed=seed)
    b = tf.image.stateless_random_brightness(F[0], max_delta=0.5, seed=seed)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    delta = a.numpy() - F[0]
    assert np.allclose(delta, delta.flat[0]) and abs(delta.flat[0]) <= 0.5
    flips = [tf.image.stateless_random_flip_left_right(F[0], seed=(i, 0)).numpy()
             for i in range(8)]
    assert all(np.array_equal(f, F[0]) or np.array_equal(f, F[0][:, ::-1]) for f in flips)
    assert len({f.tobytes() for f in flips}) == 2
    crop = tf.image.random_crop(F, size=[2, 3, 3, 3], seed=4)
    assert crop.shape == (2, 3, 3, 3)
    with pytest.raises(ValueError, match="size"):
        tf.image.random_crop(F, size=[2, 9, 3, 3])
    batch = tf.image.random_flip_up_down(F)
    assert batch.shape == F.shape
