"""tf.summary and keras.callbacks.TensorBoard: the event files read back with the
``tensorboard`` package's own event reader."""

import glob
import importlib.util
import os
import sys
import types

import numpy as np
import pytest

import ember as tf

if importlib.util.find_spec("tensorboardX") is None:  # not imported here: ember does that
    pytest.skip("tensorboardX (the tensorboard extra) is not installed", allow_module_level=True)
# tensorboard reads event files with its own TF stub when `tensorboard.compat.notf` exists
# (how it runs without TensorFlow); this keeps it from importing TensorFlow (seconds).
sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator")


def _read(folder):
    files = glob.glob(os.path.join(folder, "events.out.tfevents.*"))
    assert files, f"no event file in {folder}"
    acc = event_accumulator.EventAccumulator(folder, size_guidance={"scalars": 0,
                                                                    "histograms": 0})
    acc.Reload()
    return acc


def test_summary_scalars_and_histograms(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        for step in range(3):
            assert tf.summary.scalar("loss", tf.constant(1.0 / (step + 1)), step=step)
        tf.summary.histogram("w", np.arange(100.0), step=0)
    writer.close()
    acc = _read(str(tmp_path))
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in loss], [1.0, 0.5, 1 / 3], rtol=1e-6)
    hist = acc.Histograms("w")[0].histogram_value
    assert hist.num == 100 and hist.min == 0.0 and hist.max == 99.0


def test_summary_rules_as_tf(tmp_path):
    assert tf.summary.scalar("x", 1.0, step=0) is False  # no default writer: nothing recorded
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)
        tf.summary.experimental.set_step(5)
        try:
            assert tf.summary.scalar("x", 2.0)
        finally:
            tf.summary.experimental.set_step(None)
        with tf.summary.record_if(False):
            assert tf.summary.scalar("skipped", 1.0, step=0) is False
        with pytest.raises(ValueError, match="scalar"):
            tf.summary.scalar("v", [1.0, 2.0], step=0)
    writer.close()
    acc = _read(str(tmp_path))
    assert [(e.step, e.value) for e in acc.Scalars("x")] == [(5, 2.0)]
    assert "skipped" not in acc.Tags()["scalars"]


def test_tensorboard_callback_writes_keras_tags(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((64, 4)).astype("float32")
    y = (x.sum(1) > 2).astype("int32")
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                                 tf.keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    cb = tf.keras.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1)
    history = model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[cb])
    train = _read(str(tmp_path / "train"))
    tags = set(train.Tags()["scalars"])
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= tags
    losses = [e.value for e in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-6)
    assert [e.step for e in train.Scalars("epoch_loss")] == [0, 1]
    hist_tags = train.Tags()["histograms"]
    assert len(hist_tags) == 4 and all(t.endswith("/histogram") for t in hist_tags)
    val = _read(str(tmp_path / "validation"))
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_loss")],
                               history.history["val_loss"], rtol=1e-6)


def test_tensorboard_callback_bad_options():
    with pytest.raises(ValueError, match="histogram_freq"):
        tf.keras.callbacks.TensorBoard(histogram_freq=-1)
    with pytest.raises(ValueError, match="profiler"):
        tf.keras.callbacks.TensorBoard(profile_batch=(10, 20))
    with pytest.raises(ValueError, match="update_freq"):
        tf.keras.callbacks.TensorBoard(update_freq="sometimes")
