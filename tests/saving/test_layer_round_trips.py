"""Every layer family through a ``.keras`` file and through ``to_json`` + weights: the same
predictions and the same ``get_config`` after the round trip (one small model per family).
Plus what the files must say for Keras 3 to read them: the keys and values of the configs
(as Keras 3.15 writes them) and the weight paths of nested layers."""

import json
import zipfile

import numpy as np
import pytest

import ember
from ember import keras

L = keras.layers
RNG = np.random.default_rng(0)
IMG = RNG.random((3, 8, 8, 2)).astype("float32")
SEQ = RNG.random((3, 6, 4)).astype("float32")
IDS = RNG.integers(0, 20, (3, 6)).astype("int32")
VEC = RNG.random((3, 5)).astype("float32")


def _seq(shape, *layers, dtype="float32"):
    return keras.Sequential([keras.Input(shape, dtype=dtype), *layers])


def _attention():
    x = keras.Input((6, 4))
    y = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2)(x, x)
    z = L.Attention(use_scale=True)([x, y])
    return keras.Model(x, L.AdditiveAttention()([x, z]))


def _text_vectorization():
    layer = L.TextVectorization(max_tokens=10, output_sequence_length=4)
    layer.adapt(["the cat sat", "the dog ran", "a cat ran"])  # vocabulary in the file's assets
    return _seq((), layer, L.Embedding(10, 3), L.Flatten(), dtype="string")


def _lookups():
    adapted = L.StringLookup(output_mode="one_hot")
    adapted.adapt(["b", "a", "b", "c"])
    x = keras.Input((1,), dtype="string")
    given = L.StringLookup(vocabulary=["a", "b", "c"], mask_token="")(x)
    return keras.Model(x, [given, adapted(x)])


# family -> (builder, input)
MODELS = {
    "conv1d_pooling1d": (lambda: _seq(
        (6, 4), L.Conv1D(3, 2, padding="causal", dilation_rate=2), L.MaxPooling1D(2),
        L.AveragePooling1D(1), L.GlobalMaxPooling1D()), SEQ),
    "conv2d_pooling2d": (lambda: _seq(
        (8, 8, 2), L.Conv2D(3, 3, strides=2, padding="same", activation="relu",
                            kernel_regularizer="l2"),
        L.MaxPooling2D(), L.Dropout(0.5), L.Flatten(), L.Dense(2)), IMG),
    "conv2d_transpose": (lambda: _seq(
        (8, 8, 2), L.Conv2DTranspose(3, 3, strides=2, padding="same"), L.AveragePooling2D(2),
        L.GlobalAveragePooling2D()), IMG),
    "separable_depthwise": (lambda: _seq(
        (8, 8, 2), L.SeparableConv2D(4, 3, depth_multiplier=2),
        L.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False), L.GlobalMaxPooling2D()), IMG),
    "normalization": (lambda: _seq(
        (8, 8, 2), L.BatchNormalization(momentum=0.9), L.LayerNormalization(),
        L.GroupNormalization(groups=2), L.Flatten()), IMG),
    "image_preprocessing": (lambda: _seq(
        (8, 8, 2), L.Rescaling(1 / 255.0, offset=0.5), L.RandomFlip("horizontal"),
        L.RandomRotation(0.1), L.RandomZoom(0.1), L.RandomTranslation(0.1, 0.1),
        L.RandomContrast(0.2), L.ZeroPadding2D(1), L.Cropping2D(1), L.UpSampling2D(2),
        L.SpatialDropout2D(0.2), L.Flatten()), IMG),
    "embedding": (lambda: _seq(
        (6,), L.Embedding(20, 4, mask_zero=True), L.GlobalAveragePooling1D(),
        dtype="int32"), IDS),
    "recurrent": (lambda: _seq(
        (6, 4), L.Masking(0.0), L.SimpleRNN(3, return_sequences=True),
        L.GRU(3, return_sequences=True, reset_after=False), L.LSTM(2)), SEQ),
    "rnn_cells": (lambda: _seq(
        (6, 4), L.RNN(L.LSTMCell(3), return_sequences=True),
        L.RNN(L.GRUCell(2), return_sequences=True), L.RNN(L.SimpleRNNCell(2))), SEQ),
    "bidirectional": (lambda: _seq(
        (6, 4), L.Bidirectional(L.LSTM(3, return_sequences=True)),
        L.Bidirectional(L.GRU(2), merge_mode="sum")), SEQ),
    "time_distributed": (lambda: _seq(
        (6, 4), L.TimeDistributed(L.Dense(3)), L.Flatten()), SEQ),
    "attention": (_attention, SEQ),
    "text_vectorization": (_text_vectorization, np.array(["the cat", "a dog ran", "zebra"])),
    "string_lookup": (_lookups, np.array([["a"], ["z"], ["c"]])),
    "integer_lookup": (lambda: _seq(
        (2,), L.IntegerLookup(vocabulary=[3, 5, 7]), dtype="int64"),
        np.array([[3, 7], [5, 9]], dtype="int64")),
    "core_reshaping_activations": (lambda: _seq(
        (5,), L.Dense(4, activity_regularizer="l1"), L.Reshape((2, 2)), L.Permute((2, 1)),
        L.Flatten(), L.RepeatVector(2), L.Flatten(), L.Activation("relu"), L.ReLU(),
        L.LeakyReLU(), L.ELU(), L.Softmax(), L.Identity()), VEC),
}


def _outputs(model, x):
    out = model(x, training=False)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def _config_json(model):
    return json.dumps(model.get_config(), sort_keys=True)


@pytest.fixture(params=sorted(MODELS))
def built(request):
    build, x = MODELS[request.param]
    model = build()
    return model, x, _outputs(model, x)


def test_keras_file_round_trip(built, tmp_path):
    model, x, want = built
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    for got, ref in zip(_outputs(loaded, x), want, strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)
    assert _config_json(loaded) == _config_json(model)


def test_json_and_weights_round_trip(built):
    model, x, want = built
    twin = keras.models.model_from_json(model.to_json())
    twin.set_weights(model.get_weights())
    for ours, theirs in zip(model.layers, twin.layers, strict=True):
        # An adapted vocabulary is an asset, in neither the JSON nor the weights (as in
        # Keras 3): it is set again, as a user of to_json would.
        if hasattr(ours, "get_vocabulary") and ours.get_config()["vocabulary"] is None:
            theirs.set_vocabulary(ours.get_vocabulary())
    for got, ref in zip(_outputs(twin, x), want, strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)
    assert _config_json(twin) == _config_json(model)


# -- what Keras 3 reads: configs and weight paths ----------------------------------------------
def _weight_paths(path):
    import h5py

    with zipfile.ZipFile(path) as zf, h5py.File(__import__("io").BytesIO(
            zf.read("model.weights.h5"))) as f:
        found = []
        f.visititems(lambda k, v: found.append(k) if isinstance(v, h5py.Dataset) else None)
    return found


def test_multi_head_attention_weights_sit_at_keras_paths(tmp_path):
    pytest.importorskip("h5py")
    model = _attention()
    model.save(tmp_path / "a.keras")
    mha = "layers/multi_head_attention"
    paths = _weight_paths(tmp_path / "a.keras")
    for part in ("query_dense", "key_dense", "value_dense", "output_dense"):
        assert f"{mha}/{part}/vars/0" in paths and f"{mha}/{part}/vars/1" in paths
    assert not any("/_query_dense" in p for p in paths)
    layer = model.layers[1]
    assert tuple(layer.query_dense.kernel.shape) == (4, 2, 3)
    assert tuple(layer.value_dense.kernel.shape) == (4, 2, 2)
    assert tuple(layer.output_dense.kernel.shape) == (2, 2, 4)
    assert layer.get_build_config() == {"shapes_dict": {"query_shape": [None, 6, 4],
                                                        "value_shape": [None, 6, 4]}}
    with pytest.raises(AttributeError, match="not built yet"):
        _ = L.MultiHeadAttention(2, 3).query_dense


def test_bidirectional_and_cells_weights_sit_at_keras_paths(tmp_path):
    pytest.importorskip("h5py")
    model = MODELS["bidirectional"][0]()
    model.save(tmp_path / "b.keras")
    paths = _weight_paths(tmp_path / "b.keras")
    for side in ("forward_layer", "backward_layer"):
        assert [p for p in paths if p.startswith(f"layers/bidirectional/{side}/")] == [
            f"layers/bidirectional/{side}/cell/vars/{i}" for i in range(3)]


def test_configs_say_what_keras_3_writes():
    """Keys and values compared against Keras 3.15's own get_config of the same layers."""
    dense = L.Dense(2)
    assert "activity_regularizer" not in dense.get_config()  # only when one is set
    assert L.Dense(2, activity_regularizer="l2").get_config()["activity_regularizer"][
        "class_name"] == "L2"
    lstm = L.LSTM(3).get_config()
    assert lstm["activity_regularizer"] is None and "seed" in lstm
    assert "seed" not in L.SimpleRNN(3).get_config()
    assert L.Flatten().get_config()["data_format"] == "channels_last"
    with pytest.raises(ValueError, match="data_format"):
        L.Flatten(data_format="channels_middle")
    assert "trainable" not in L.SpatialDropout2D(0.2).get_config()
    assert list(L.RandomRotation(0.1).get_config()["factor"]) == [-0.1, 0.1]
    assert list(L.RandomContrast(0.2).get_config()["factor"]) == [0.0, 0.2]
    ln = L.LayerNormalization()
    ln(np.zeros((2, 3), "float32"))
    assert ln.get_config()["axis"] == [-1]


def test_files_keep_input_dtypes_names_and_nested_names():
    model = MODELS["embedding"][0]()
    entry = model.get_config()["layers"][0]["config"]
    assert entry["dtype"] == "int32"  # not the model's float32: Keras would feed floats
    assert entry["name"] == model.inputs[0].node.layer.name
    bi = MODELS["bidirectional"][0]()
    nested = bi.get_config()["layers"][1]["config"]
    assert nested["layer"]["config"]["name"].startswith("forward_lstm")
    assert nested["backward_layer"]["config"]["name"].startswith("backward_lstm")
    again = keras.Sequential.from_config(bi.get_config())
    assert again.layers[0].backward_layer.name == bi.layers[0].backward_layer.name
    assert again.layers[0].forward_layer.name == bi.layers[0].forward_layer.name
    lstm = keras.Sequential.from_config(MODELS["recurrent"][0]().get_config())
    entry = next(e for e in lstm.get_config()["layers"] if e["class_name"] == "LSTM")
    assert keras.saving.serialize_keras_object(lstm.layers[-1])["build_config"] == {
        "input_shape": [None, 6, 3]}


def test_adapted_vocabulary_travels_as_keras_assets(tmp_path):
    model = _text_vectorization()
    model.save(tmp_path / "t.keras")
    with zipfile.ZipFile(tmp_path / "t.keras") as zf:
        vocab = zf.read("assets/layers/text_vectorization/vocabulary.txt").decode()
    assert vocab.split("\n") == model.layers[0].get_vocabulary()
    loaded = keras.models.load_model(tmp_path / "t.keras")
    assert loaded.layers[0].get_vocabulary() == model.layers[0].get_vocabulary()


def test_a_crafted_asset_name_is_refused(tmp_path):
    model = _text_vectorization()
    model.save(tmp_path / "t.keras")
    with zipfile.ZipFile(tmp_path / "t.keras") as src, \
            zipfile.ZipFile(tmp_path / "bad.keras", "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("assets/layers/text_vectorization/../../escape.txt", b"x")
    with pytest.raises(keras.saving.ModelFileError, match="unsafe name"):
        keras.models.load_model(tmp_path / "bad.keras")
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize("suffix", [".weights.h5", ".weights.npz", "checkpoint"])
def test_weights_files_and_checkpoints_restore_every_family(suffix, tmp_path):
    if suffix == ".weights.h5":
        pytest.importorskip("h5py")
    for name, (build, x) in sorted(MODELS.items()):
        model = build()
        want = _outputs(model, x)
        twin = build()  # fresh weights (a different random start)
        for ours, theirs in zip(model.layers, twin.layers, strict=True):
            if hasattr(ours, "get_vocabulary") and ours.get_config()["vocabulary"] is None:
                theirs.set_vocabulary(ours.get_vocabulary())
        if suffix == "checkpoint":
            path = ember.train.Checkpoint(model=model).save(str(tmp_path / name / "ckpt"))
            ember.train.Checkpoint(model=twin).restore(path)
        else:
            model.save_weights(tmp_path / f"{name}{suffix}")
            twin.load_weights(tmp_path / f"{name}{suffix}")
        for got, ref in zip(_outputs(twin, x), want, strict=True):
            np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("pad", [False, True])
def test_adapted_tf_idf_keeps_its_idf_table_where_keras_keeps_it(tmp_path, pad):
    pytest.importorskip("h5py")
    tv = L.TextVectorization(max_tokens=12, output_mode="tf_idf", pad_to_max_tokens=pad)
    tv.adapt(["the cat sat", "the dog ran", "a cat ran the"])
    model = _seq((), tv, dtype="string")
    x = np.array(["the cat", "zebra dog"])
    model.save(tmp_path / "t.keras")
    paths = _weight_paths(tmp_path / "t.keras")
    assert paths == ["layers/text_vectorization/_lookup_layer/vars/idf_weights",
                     "layers/text_vectorization/vars/idf_weights"]
    loaded = keras.models.load_model(tmp_path / "t.keras")
    np.testing.assert_allclose(_outputs(loaded, x)[0], _outputs(model, x)[0])
    twin = _seq((), L.TextVectorization(max_tokens=12, output_mode="tf_idf",
                                        pad_to_max_tokens=pad), dtype="string")
    model.save_weights(tmp_path / "t.weights.h5")
    twin.load_weights(tmp_path / "t.weights.h5")  # the idf table, as Keras's load_weights
    np.testing.assert_array_equal(twin.layers[0]._lookup_layer._idf, tv._lookup_layer._idf)


def test_nested_layer_configs_written_by_keras_load():
    """Keras 3 writes nested layers with its own keys (quantization_config, DTypePolicy
    dicts): they are cleaned as top-level layers' are, then built by the wrapper."""
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
              "registered_name": None}
    dense = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
             "build_config": {"input_shape": [None, 4]},
             "config": {"name": "dense_7", "trainable": True, "dtype": policy, "units": 3,
                        "activation": "linear", "use_bias": True,
                        "kernel_initializer": {"module": "keras.initializers",
                                               "class_name": "GlorotUniform",
                                               "config": {"seed": None}, "registered_name": None},
                        "bias_initializer": "zeros", "kernel_regularizer": None,
                        "bias_regularizer": None, "kernel_constraint": None,
                        "bias_constraint": None, "quantization_config": None}}
    config = {"module": "keras.layers", "class_name": "TimeDistributed", "registered_name": None,
              "config": {"name": "time_distributed", "trainable": True, "dtype": policy,
                         "layer": dense}}
    layer = keras.saving.deserialize_keras_object(config)
    assert type(layer.layer).__name__ == "Dense" and layer.layer.name == "dense_7"
    assert layer(SEQ).shape == (3, 6, 3)
    lam = {**dense, "class_name": "Lambda",
           "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {}}}}
    with pytest.raises(ValueError, match="lambda"):
        keras.saving.deserialize_keras_object({**config, "config": {**config["config"],
                                                                     "layer": lam}})


def test_models_with_a_string_input_take_text_beside_numbers(tmp_path):
    tv = L.TextVectorization(max_tokens=10, output_sequence_length=4)
    tv.adapt(["the cat sat", "the dog ran", "a cat ran"])
    text, num = keras.Input((), dtype="string"), keras.Input((2,))
    h = L.Concatenate()([L.Flatten()(L.Embedding(10, 3)(tv(text))), num])
    model = keras.Model([text, num], L.Dense(1)(h))
    xs = [np.array(["the cat", "zebra"]), np.ones((2, 2), "float64")]
    want = _outputs(model, xs)[0]
    assert want.shape == (2, 1) and want.dtype == np.float32
    model.save(tmp_path / "mixed.keras")
    np.testing.assert_allclose(_outputs(keras.models.load_model(tmp_path / "mixed.keras"),
                                        xs)[0], want, rtol=1e-6)
    with pytest.raises(TypeError, match="expects numeric input"):
        MODELS["recurrent"][0]()(np.array([["a"]]))  # a numeric model still says so
