"""clip_by_norm / clip_by_global_norm / tf.linalg.global_norm: TF 2.21's values (computed
once with TF and written here) and gradients against central differences."""

import numpy as np
import pytest
from gradcheck import check, rand

import ember as tf

W = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)


def test_clip_by_norm_matches_tf():
    x = tf.constant([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(tf.clip_by_norm(x, 2.0).numpy(), [[1.2, 1.6], [0, 0]], 1e-6)
    np.testing.assert_allclose(tf.clip_by_norm(x, 2.0, axes=[1]).numpy(), [[1.2, 1.6], [0, 0]],
                               1e-6)
    np.testing.assert_array_equal(tf.clip_by_norm(x, -1.0).numpy(), np.zeros((2, 2)))
    # Under the limit: unchanged.
    np.testing.assert_allclose(tf.clip_by_norm(x, 10.0).numpy(), x.numpy())


def test_clip_by_norm_gradient_matches_tf():
    v = tf.Variable([[3.0, 4.0], [1.0, 2.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.clip_by_norm(v, 2.0) * W)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(),
                               [[-0.438178, -0.34080505], [0.8276696, 0.9250426]], rtol=1e-5)


def test_clip_by_global_norm_matches_tf_and_keeps_none():
    x = tf.constant([[3.0, 4.0], [0.0, 0.0]])
    clipped, norm = tf.clip_by_global_norm([x, None, tf.constant([1.0, 2.0])], 1.0)
    assert clipped[1] is None and isinstance(clipped, list)
    np.testing.assert_allclose(norm.numpy(), 5.4772257804870605, rtol=1e-6)
    np.testing.assert_allclose(clipped[0].numpy(), [[0.5477226, 0.73029673], [0, 0]], 1e-6)
    np.testing.assert_allclose(clipped[2].numpy(), [0.18257418, 0.36514837], 1e-6)
    np.testing.assert_allclose(tf.linalg.global_norm([x, None]).numpy(), 5.0)


def test_clip_by_global_norm_gradient_matches_tf():
    v = tf.Variable([[3.0, 4.0], [1.0, 2.0]])
    with tf.GradientTape() as tape:
        (a, b), norm = tf.clip_by_global_norm([v, v * 2], 2.0)
        y = tf.reduce_sum(a * W) + tf.reduce_sum(b)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(),
                               [[-0.19595917, -0.26127893], [0.5878775, 0.5225578]], rtol=1e-5)
    np.testing.assert_allclose(norm.numpy(), 12.247449, rtol=1e-6)


def test_infinite_global_norm_gives_nan_as_tf():
    clipped, norm = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.isinf(norm.numpy()) and np.isnan(clipped[0].numpy()).all()


@pytest.mark.parametrize("clip", [0.5, 5.0])
def test_clip_gradients_by_finite_differences(clip):
    check(lambda t: tf.clip_by_norm(t, clip, axes=[1]), [rand((2, 3), away=0.1)])
    check(lambda a, b: tf.clip_by_global_norm([a, b], clip)[0],
          [rand((2, 3), away=0.1), rand((3,), away=0.1)])


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="t_list"):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)
    with pytest.raises(TypeError, match="clip_by_norm: t must be a floating"):
        tf.clip_by_norm(tf.constant([1, 2]), 1.0)
    with pytest.raises(TypeError, match="clip_norm"):
        tf.clip_by_norm(tf.constant([1.0]), [1.0, 2.0])
