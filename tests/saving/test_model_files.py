"""``.keras`` files, weights files and configs within Ember: round trips, training on
after a load, configs and clones, and what a bad file or config gets."""

import json
import os
import zipfile

import numpy as np
import pytest

import ember  # noqa: F401
from ember import keras
from ember.keras.saving import ModelFileError

L = keras.layers
RNG = np.random.default_rng(0)
X = RNG.random((16, 4)).astype("float32")
X2 = RNG.random((16, 2)).astype("float32")
Y = RNG.integers(0, 3, 16)


def mlp(optimizer="adam"):
    m = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"),
                          L.Dense(3, activation="softmax")])
    m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def functional():
    a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
    h = L.Concatenate()([L.Dense(5, activation="tanh")(a), b])
    shared = L.Dense(3, name="shared")
    out1 = L.Dense(1, name="out1")(shared(h))
    out2 = L.Dense(3, activation="softmax", name="out2")(shared(L.Dense(7)(h)))
    m = keras.Model([a, b], [out1, out2])
    m.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
              loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[0.5, 1.0])
    return m


@keras.saving.register_keras_serializable(package="tests")
class Residual(keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.inner = L.Dense(units, activation="relu")
        self.blocks = [L.Dense(units), L.Dense(3, activation="softmax")]

    def call(self, x):
        h = self.inner(x)
        return self.blocks[1](self.blocks[0](h) + h)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_sequential_round_trip_keeps_weights_compile_and_optimizer(tmp_path):
    m = mlp()
    m.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    m.save(tmp_path / "m.keras")
    r = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(r.predict(X, verbose=0), m.predict(X, verbose=0))
    assert type(r.optimizer).__name__ == "Adam"
    assert int(r.optimizer.iterations.numpy()) == 4
    for a, b in zip(r.optimizer.variables, m.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Training on from the file gives the losses of an uninterrupted run.
    ours = m.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0).history["loss"]
    theirs = r.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0).history["loss"]
    assert ours == theirs


def test_functional_two_in_two_out_round_trip_and_train_on(tmp_path):
    m = functional()
    ys = [X[:, :1], Y]
    m.fit([X, X2], ys, epochs=1, batch_size=8, verbose=0)
    m.save(tmp_path / "f.keras")
    r = keras.models.load_model(tmp_path / "f.keras")
    assert [lay.name for lay in r.layers] == [lay.name for lay in m.layers]
    for a, b in zip(r.predict([X, X2], verbose=0), m.predict([X, X2], verbose=0)):
        np.testing.assert_array_equal(a, b)
    ours = m.fit([X, X2], ys, epochs=2, batch_size=16, shuffle=False, verbose=0).history["loss"]
    theirs = r.fit([X, X2], ys, epochs=2, batch_size=16, shuffle=False,
                   verbose=0).history["loss"]
    np.testing.assert_allclose(theirs, ours, rtol=1e-6)


def test_subclassed_registered_model_round_trip(tmp_path):
    m = Residual(4)
    m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    m.fit(X, Y, epochs=1, verbose=0)
    m.save(tmp_path / "s.keras")
    r = keras.models.load_model(tmp_path / "s.keras")
    assert isinstance(r, Residual) and r.units == 4
    np.testing.assert_array_equal(r.predict(X, verbose=0), m.predict(X, verbose=0))
    with zipfile.ZipFile(tmp_path / "s.keras") as z:
        config = json.loads(z.read("config.json"))
    assert config["registered_name"] == "tests>Residual"


def test_load_without_compile(tmp_path):
    m = mlp()
    m.fit(X, Y, epochs=1, verbose=0)
    m.save(tmp_path / "m.keras")
    r = keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert not r.compiled
    np.testing.assert_array_equal(r.predict(X, verbose=0), m.predict(X, verbose=0))


def test_keras_file_layout(tmp_path):
    m = mlp()
    m.fit(X, Y, epochs=1, verbose=0)
    m.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        assert z.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        config = json.loads(z.read("config.json"))
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    first, dense = config["config"]["layers"][:2]
    assert first["class_name"] == "InputLayer" and first["config"]["batch_shape"] == [None, 4]
    assert dense["module"] == "keras.layers" and dense["build_config"] == {"input_shape": [None, 4]}
    assert dense["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    h5py = pytest.importorskip("h5py")
    import io
    with zipfile.ZipFile(tmp_path / "m.keras") as z, \
            h5py.File(io.BytesIO(z.read("model.weights.h5"))) as f:
        assert f["layers/dense/vars/0"].shape == (4, 8)
        assert f["layers/dense_1/vars/1"].shape == (3,)
        assert f["optimizer/vars/0"][()] == 1 and f["optimizer/vars"].attrs["name"] == "adam"
        assert len(f["optimizer/vars"]) == 2 + 2 * 4


def test_to_json_model_from_json_and_get_config_round_trips():
    m = functional()
    r = keras.models.model_from_json(m.to_json())
    assert [lay.name for lay in r.layers] == [lay.name for lay in m.layers]
    assert [w.shape for w in r.get_weights()] == [w.shape for w in m.get_weights()]
    r.set_weights(m.get_weights())
    for a, b in zip(r.predict([X, X2], verbose=0), m.predict([X, X2], verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    s = mlp()
    again = keras.Sequential.from_config(s.get_config())
    assert again.get_config()["layers"][1]["config"]["units"] == 8


def test_clone_model_has_fresh_weights_same_architecture():
    for m in (mlp(), functional(), Residual(3)):
        if not m.built:
            m(X)
        c = keras.models.clone_model(m)
        assert type(c) is type(m)
        if not c.built:
            c(X)
        assert [w.shape for w in c.get_weights()] == [w.shape for w in m.get_weights()]
        assert all(a is not b for a, b in zip(c.weights, m.weights))


def test_layer_configs_round_trip_through_keras_layout():
    from ember.keras.saving.config import deserialize_keras_object, serialize_keras_object
    layers = [L.Dense(3, activation="relu", kernel_regularizer="l2",
                      kernel_constraint=keras.constraints.MaxNorm(2.0)),
              L.Dropout(0.3), L.Flatten(), L.Reshape((2, 2)), L.Concatenate(axis=1),
              L.Activation("tanh"), L.LeakyReLU(), L.Softmax()]
    for layer in layers:
        config = serialize_keras_object(layer)
        json.dumps(config)
        again = deserialize_keras_object(config)
        assert type(again) is type(layer)
        a, b = again.get_config(), layer.get_config()
        a.pop("name"), b.pop("name")
        assert json.dumps(serialize_keras_object(a)) == json.dumps(serialize_keras_object(b))


def test_lambda_and_unknown_classes_are_refused(tmp_path):
    m = keras.Sequential([keras.Input((4,)), L.Lambda(lambda t: t * 2)])
    with pytest.raises(ValueError, match="Lambda"):
        m.save(tmp_path / "l.keras")
    good = mlp()
    good(X)
    good.save(tmp_path / "g.keras")
    for expected in ("Conv9D", "Lambda"):
        with zipfile.ZipFile(tmp_path / "g.keras") as z:
            members = {n: z.read(n) for n in z.namelist()}
        config = json.loads(members["config.json"])
        config["config"]["layers"][1]["class_name"] = expected
        members["config.json"] = json.dumps(config).encode()
        bad = tmp_path / f"bad_{expected}.keras"
        with zipfile.ZipFile(bad, "w") as z:
            for n, data in members.items():
                z.writestr(n, data)
        with pytest.raises(ModelFileError, match=f"{bad}.*{expected}"):
            keras.models.load_model(bad)


def test_wrong_shape_names_layer_variable_and_both_shapes(tmp_path):
    m = mlp()
    m(X)
    m.save_weights(tmp_path / "w.weights.h5")
    other = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"), L.Dense(2)])
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(ModelFileError, match=r"layer 'dense_\d+'.*\(8, 3\).*\(8, 2\)"):
        other.load_weights(tmp_path / "w.weights.h5")
    # Nothing was assigned: the first layer matched but the load failed as a whole.
    for a, b in zip(other.get_weights(), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("suffix", [".weights.h5", ".weights.npz"])
def test_weights_files_round_trip(tmp_path, suffix):
    m = mlp()
    m.fit(X, Y, epochs=1, verbose=0)
    m.save_weights(tmp_path / f"w{suffix}")
    twin = mlp()
    twin(X)
    twin.load_weights(tmp_path / f"w{suffix}")
    np.testing.assert_array_equal(twin.predict(X, verbose=0), m.predict(X, verbose=0))


def test_keras_lambda_layer_needs_safe_mode_false(tmp_path):
    """A Lambda as Keras 3 writes it (marshalled bytecode) is refused in safe mode and
    loads, as in Keras, when the caller says the file is trusted."""
    import base64
    import marshal

    m = keras.Sequential([keras.Input((4,)), L.Dense(3)])
    m.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        members = {n: z.read(n) for n in z.namelist()}
    config = json.loads(members["config.json"])
    code = base64.b64encode(marshal.dumps((lambda t: t * 2.0).__code__)).decode()
    config["config"]["layers"].append({
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"name": "double", "trainable": True, "dtype": "float32", "arguments": {},
                   "function": {"class_name": "__lambda__",
                                "config": {"code": code, "defaults": None, "closure": None}}}})
    members["config.json"] = json.dumps(config).encode()
    path = tmp_path / "lambda.keras"
    with zipfile.ZipFile(path, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    with pytest.raises(ModelFileError, match="lambda.keras.*lambda.*safe_mode=False"):
        keras.models.load_model(path)
    r = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(r.predict(X, verbose=0), 2 * m.predict(X, verbose=0), rtol=1e-6)


def test_light_loader_needs_only_numpy_and_h5py(tmp_path):
    """A .keras file loads and predicts with ``import ember`` alone: no keras, TensorFlow,
    JAX or torch is imported on the way."""
    import subprocess
    import sys
    m = mlp()
    m.fit(X, Y, epochs=1, verbose=0)
    m.save(tmp_path / "m.keras")
    np.save(tmp_path / "x.npy", X)
    code = ("import sys, numpy as np, ember as tf\n"
            f"m = tf.keras.models.load_model({str(tmp_path / 'm.keras')!r})\n"
            f"p = m.predict(np.load({str(tmp_path / 'x.npy')!r}), verbose=0)\n"
            "heavy = [n for n in ('keras', 'tensorflow', 'jax', 'torch') if n in sys.modules]\n"
            "print(heavy, p.shape)\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": root}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[] (16, 3)"
