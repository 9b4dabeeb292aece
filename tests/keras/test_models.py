"""Models: Sequential, functional and subclassed; structure, summary and weights files."""

import warnings

import numpy as np
import pytest

import ember as tf
from ember.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    from ember.keras import naming
    naming.reset()
    yield


def seed_sequential():
    return tf.keras.Sequential([
        tf.keras.layers.Dense(128, activation="relu", input_shape=(784,)),
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dense(32, activation="relu"),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])


def test_seed_sequential_parameter_counts_match_keras(capsys):
    model = seed_sequential()
    assert model.built
    assert [lay.count_params() for lay in model.layers] == [100480, 8256, 2080, 330]
    assert model.count_params() == 111146
    model.summary()
    out = capsys.readouterr().out
    assert 'Model: "sequential"' in out
    assert "dense (Dense)" in out and "(None, 128)" in out and "100,480" in out
    assert "Total params: 111,146" in out
    assert "Trainable params: 111,146" in out and "Non-trainable params: 0" in out


def test_summary_before_build_says_unbuilt(capsys):
    model = tf.keras.Sequential([layers.Dense(4), layers.Dense(1)])
    assert not model.built
    model.summary()
    out = capsys.readouterr().out
    assert "unbuilt" in out
    model(np.zeros((2, 3), np.float32))
    model.summary()
    assert "Total params: 21" in capsys.readouterr().out


def test_sequential_add_pop_and_input_first():
    model = tf.keras.Sequential()
    model.add(tf.keras.Input(shape=(5,)))
    model.add(layers.Dense(3))
    model.add(layers.Dense(2))
    assert model.built and model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.units == 2 and len(model.layers) == 1
    assert model(np.zeros((4, 5), np.float32)).shape == (4, 3)


def test_sequential_rejects_duplicate_names_and_non_layers():
    model = tf.keras.Sequential([layers.Dense(2, name="a")])
    with pytest.raises(ValueError, match="unique"):
        model.add(layers.Dense(2, name="a"))
    with pytest.raises(TypeError, match="Layer"):
        model.add("dense")


def test_get_layer_by_name_and_index():
    model = seed_sequential()
    assert model.get_layer("dense_1") is model.layers[1]
    assert model.get_layer(index=-1).units == 10
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")


def test_functional_model_with_add_and_concatenate():
    inputs = tf.keras.Input(shape=(6,))
    a = layers.Dense(4, activation="relu")(inputs)
    b = layers.Dense(4)(inputs)
    s = layers.Add()([a, b])
    c = layers.Concatenate()([s, a])
    outputs = layers.Dense(2, activation="softmax")(c)
    model = tf.keras.Model(inputs=inputs, outputs=outputs)
    assert isinstance(model, tf.keras.Model)
    assert type(model.layers[0]).__name__ == "InputLayer"
    assert model.count_params() == 28 + 28 + 18
    x = np.random.default_rng(0).normal(size=(3, 6)).astype(np.float32)
    y = model(x).numpy()
    assert y.shape == (3, 2)
    np.testing.assert_allclose(y.sum(1), 1, rtol=1e-6)
    # Replaying the layers by hand gives the same numbers.
    la, lb, _, _, lout = model.layers[1:]
    ha, hb = la(x), lb(x)
    ref = lout(tf.concat([ha + hb, ha], axis=-1)).numpy()
    np.testing.assert_allclose(y, ref, rtol=1e-6)
    assert model.inputs[0].shape == (None, 6) and model.outputs[0].shape == (None, 2)


def test_functional_graph_disconnected_is_explained():
    a = tf.keras.Input(shape=(2,))
    b = tf.keras.Input(shape=(2,))
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match="disconnected"):
        tf.keras.Model(inputs=a, outputs=out)


def test_subclassed_model_with_its_own_keyword():
    class MyModel(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense1 = layers.Dense(4, activation="relu")
            self.dense2 = layers.Dense(3)

        def call(self, inputs, training=None, isidentity=False):
            x = self.dense1(inputs)
            return x if isidentity else self.dense2(x)

    m = MyModel()
    x = np.ones((2, 5), np.float32)
    assert m(x).shape == (2, 3)
    assert m(x, isidentity=True).shape == (2, 4)
    assert m.name == "my_model"
    assert len(m.trainable_variables) == 4
    assert [lay.name for lay in m.layers] == ["dense", "dense_1"]


@pytest.mark.parametrize("suffix", [".weights.npz", ".weights.h5"])
def test_save_and_load_weights_round_trip(tmp_path, suffix):
    if suffix.endswith("h5"):
        pytest.importorskip("h5py")
    model = seed_sequential()
    path = tmp_path / f"m{suffix}"
    model.save_weights(path)
    other = seed_sequential()
    assert not np.array_equal(other.get_weights()[0], model.get_weights()[0])
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp files left


def test_loading_weights_into_a_different_model_is_refused(tmp_path):
    path = tmp_path / "m.weights.npz"
    seed_sequential().save_weights(path)
    small = tf.keras.Sequential([layers.Dense(3, input_shape=(784,))])
    with pytest.raises(ValueError):
        small.load_weights(path)
    (tmp_path / "bad.weights.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="bad.weights.npz.*not an .npz archive"):
        small.load_weights(tmp_path / "bad.weights.npz")


def test_model_layers_and_weights_are_in_creation_order():
    model = seed_sequential()
    names = [w.path for w in model.weights]
    assert names[:4] == ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]


def test_layer_output_cuts_a_sequential_model_into_a_feature_extractor():
    model = seed_sequential()
    features = tf.keras.Model(inputs=model.input, outputs=model.layers[-2].output)
    x = np.random.default_rng(0).normal(size=(3, 784)).astype(np.float32)
    h = features.predict(x, verbose=0)
    assert h.shape == (3, 32)
    ref = x
    for layer in model.layers[:-1]:
        ref = layer(ref)
    np.testing.assert_allclose(h, ref.numpy(), rtol=1e-5)
    assert model.output.shape == (None, 10)
    with pytest.raises(AttributeError, match="never been called"):
        _ = layers.Dense(2).output


def test_class_weight_with_sample_weight_and_zero_batch_size_are_refused():
    model = tf.keras.Sequential([layers.Dense(2, activation="softmax", input_shape=(3,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = np.ones((4, 3), np.float32), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="class_weight"):
        model.fit(x, y, class_weight={0: 1.0, 1: 2.0}, sample_weight=np.ones(4), verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(x, y, batch_size=0, verbose=0)


def test_arithmetic_on_keras_tensors_records_operations_not_layers(capsys):
    inputs = tf.keras.Input((3,))
    dense = layers.Dense(2, kernel_initializer="ones")
    y = dense(inputs)
    model = tf.keras.Model(inputs, -(y * 2.0 + y)[:, :1])
    assert [type(lay).__name__ for lay in model.layers] == ["InputLayer", "Dense"]
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    np.testing.assert_allclose(model(x).numpy(), [[-18.0]])
    model.summary()
    rows = [line.split("│")[1].strip() for line in capsys.readouterr().out.splitlines()
            if line.startswith("│")]
    assert rows == ["input_layer (InputLayer)", "dense (Dense)", "multiply (Multiply)",
                    "add (Add)", "get_item (GetItem)", "negative (Negative)"]


def test_legacy_h5_model_files_are_refused_naming_the_formats(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"\.keras.*\.weights\.h5.*\.weights\.npz"):
        model.save(tmp_path / "m.h5")
    assert not (tmp_path / "m.h5").exists()
    with pytest.raises(ValueError, match=r"\.keras"):
        tf.keras.models.load_model(tmp_path / "m.h5")
    model.save(tmp_path / "m.keras")  # whole-model files: tests/saving covers them
    model.save(tmp_path / "m.weights.npz")
    assert (tmp_path / "m.keras").exists() and (tmp_path / "m.weights.npz").exists()


def test_py_dataset_warns_that_workers_are_ignored():
    class Batches(tf.keras.utils.PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return np.ones((2, 3), np.float32), np.ones((2, 1), np.float32)

    with pytest.warns(UserWarning, match="workers.*ignored"):
        data = Batches(workers=4, use_multiprocessing=True)
    assert data.workers == 4 and data.use_multiprocessing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Batches()
    assert tf.keras.utils.Sequence is tf.keras.utils.PyDataset


def test_subclass_calling_super_init_with_self_as_keras_2_allowed():
    # TF's text generation tutorial: ``super().__init__(self)``.
    class Tiny(tf.keras.Model):
        def __init__(self):
            super().__init__(self)
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)

    assert Tiny()(np.ones((1, 3), "float32")).shape == (1, 2)
    with pytest.raises(TypeError, match="unexpected arguments"):
        tf.keras.Model(3)
