"""tf.saved_model in Ember's own format: variables round-trip, Sequential models predict,
and foreign or damaged directories are refused clearly."""

import json
import os

import numpy as np
import pytest

import ember as tf
from ember.errors import NotFoundError


class Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.random.normal([n_in, n_out]), name="w")
        self.b = tf.Variable(tf.zeros([n_out]), name="b", trainable=False)


class Net(tf.Module):
    def __init__(self):
        super().__init__()
        self.d1 = Dense(3, 2)
        self.scales = [tf.Variable(1.5, name="s")]


def test_module_variables_round_trip_by_list_and_attribute(tmp_path):
    net = Net()
    tf.saved_model.save(net, str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["ember_saved_model.json", "variables.npz"]
    loaded = tf.saved_model.load(str(tmp_path))
    assert [v.name for v in loaded.variables] == [v.name for v in net.variables]
    for a, b in zip(loaded.variables, net.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(loaded.d1.w.numpy(), net.d1.w.numpy())
    assert loaded.scales[0].numpy() == 1.5
    assert [v.name for v in loaded.trainable_variables] == ["s:0", "w:0"]
    with pytest.raises(TypeError, match="holds variables only"):
        loaded(tf.zeros([1, 3]))


def test_sequential_model_predicts_the_same_after_load(tmp_path):
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                                 tf.keras.layers.Dense(2)])
    x = np.random.default_rng(0).random((5, 3)).astype("float32")
    tf.saved_model.save(model, str(tmp_path / "m"))
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    description = json.loads((tmp_path / "m" / "ember_saved_model.json").read_text())
    assert description["format"] == "ember.saved_model" and len(description["variables"]) == 4


def test_no_pickle_in_the_variables_file(tmp_path):
    tf.saved_model.save(Net(), str(tmp_path))
    with np.load(tmp_path / "variables.npz", allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)


def test_foreign_missing_and_damaged_directories(tmp_path):
    with pytest.raises(NotFoundError, match="does not exist"):
        tf.saved_model.load(str(tmp_path / "nothing"))
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(ValueError, match="TensorFlow SavedModel"):
        tf.saved_model.load(str(tmp_path / "tf"))
    tf.saved_model.save(Net(), str(tmp_path / "ok"))
    (tmp_path / "ok" / "variables.npz").write_bytes(b"truncated")
    with pytest.raises(ValueError, match="cannot read the variables"):
        tf.saved_model.load(str(tmp_path / "ok"))
    (tmp_path / "ok" / "ember_saved_model.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="not an Ember SavedModel"):
        tf.saved_model.load(str(tmp_path / "ok"))


def test_unbuilt_sequential_refused(tmp_path):
    with pytest.raises(ValueError, match="not built"):
        tf.saved_model.save(tf.keras.Sequential([tf.keras.layers.Dense(2)]), str(tmp_path))
