"""tf.train.Checkpoint / CheckpointManager / latest_checkpoint, as TF's tutorials use them
(the DCGAN tutorial: two models, two optimizers, a custom training step)."""

import os

import numpy as np
import pytest

import ember as tf

RNG = np.random.default_rng(0)
X = RNG.random((8, 4)).astype("float32")


def models():
    gen = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    disc = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    return gen, disc, tf.keras.optimizers.Adam(1e-2), tf.keras.optimizers.Adam(1e-2)


def step(gen, disc, g_opt, d_opt):
    with tf.GradientTape() as gt, tf.GradientTape() as dt:
        fake = gen(X, training=True)
        out = disc(fake, training=True)
        g_loss = tf.reduce_mean(tf.square(out - 1.0))
        d_loss = tf.reduce_mean(tf.square(out))
    g_opt.apply_gradients(zip(gt.gradient(g_loss, gen.trainable_variables),
                              gen.trainable_variables))
    d_opt.apply_gradients(zip(dt.gradient(d_loss, disc.trainable_variables),
                              disc.trainable_variables))
    return float(g_loss.numpy())


def test_save_restore_latest_and_training_continues(tmp_path):
    gen, disc, g_opt, d_opt = models()
    ckpt = tf.train.Checkpoint(generator_optimizer=g_opt, discriminator_optimizer=d_opt,
                               generator=gen, discriminator=disc)
    prefix = os.path.join(tmp_path, "ckpt")
    for _ in range(3):
        step(gen, disc, g_opt, d_opt)
    assert ckpt.save(file_prefix=prefix) == prefix + "-1"
    step(gen, disc, g_opt, d_opt)
    assert ckpt.save(file_prefix=prefix) == prefix + "-2"
    assert tf.train.latest_checkpoint(tmp_path) == prefix + "-2"
    saved = [w.copy() for w in gen.get_weights()]
    expected = [step(gen, disc, g_opt, d_opt) for _ in range(2)]

    # A fresh process's view: new models and optimizers that have never taken a step.
    gen2, disc2, g2, d2 = models()
    ckpt2 = tf.train.Checkpoint(generator_optimizer=g2, discriminator_optimizer=d2,
                                generator=gen2, discriminator=disc2)
    status = ckpt2.restore(tf.train.latest_checkpoint(tmp_path))
    status.assert_existing_objects_matched()
    assert int(g2.iterations.numpy()) == 4 and int(ckpt2.save_counter.numpy()) == 2
    for a, b in zip(gen2.get_weights(), saved):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(AssertionError, match="waiting"):
        status.assert_consumed()
    got = [step(gen2, disc2, g2, d2) for _ in range(2)]  # slots arrive on the first step
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    status.assert_consumed()


def test_manager_keeps_max_to_keep_and_restore_none(tmp_path):
    gen, disc, g_opt, _ = models()
    gen(X)
    ckpt = tf.train.Checkpoint(model=gen, optimizer=g_opt)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path / "ckpts"), max_to_keep=2)
    assert manager.latest_checkpoint is None
    assert ckpt.restore(manager.latest_checkpoint) is not None  # None restores nothing
    paths = [manager.save() for _ in range(4)]
    assert manager.checkpoints == paths[-2:]
    assert sorted(os.listdir(tmp_path / "ckpts")) == sorted(
        ["checkpoint"] + [os.path.basename(p) + ext for p in paths[-2:]
                          for ext in (".npz", ".index.json")])
    again = tf.train.CheckpointManager(ckpt, str(tmp_path / "ckpts"), max_to_keep=2)
    assert again.latest_checkpoint == paths[-1] == tf.train.latest_checkpoint(tmp_path / "ckpts")


def test_restore_checks_shapes_before_assigning(tmp_path):
    gen, _, _, _ = models()
    path = tf.train.Checkpoint(model=gen).save(str(tmp_path / "c"))
    other = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(5)])
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(ValueError, match=r"c-1.npz.*\(4, 3\).*\(4, 5\)"):
        tf.train.Checkpoint(model=other).restore(path)
    for a, b in zip(other.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="No checkpoint"):
        tf.train.Checkpoint(model=other).restore(str(tmp_path / "missing-3"))
    with pytest.raises(ValueError, match="cannot track"):
        tf.train.Checkpoint(thing="text")


def test_checkpoint_tracks_a_tf_module_and_lists_its_variables(tmp_path):
    # TF's "Introduction to modules" guide: Checkpoint(model=<tf.Module>), write, restore,
    # tf.train.list_variables.
    import ember as tf

    class Lin(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(tf.random.normal([3, 2]))
            self.b = tf.Variable(tf.zeros([2]))

    a, b = Lin(), Lin()
    path = tf.train.Checkpoint(model=a).write(str(tmp_path / "ckpt"))
    # tf.Module orders variables by attribute name: b, then w.
    assert [s for _, s in tf.train.list_variables(path) if _ != "save_counter"] == [[2], [3, 2]]
    tf.train.Checkpoint(model=b).restore(path).assert_consumed()
    np.testing.assert_array_equal(b.w.numpy(), a.w.numpy())
    np.testing.assert_array_equal(tf.train.load_variable(path, "model/vars/1"), a.w.numpy())
