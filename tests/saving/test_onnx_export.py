"""ONNX export run in ONNX Runtime: outputs match ``predict`` to 1e-5."""

import numpy as np
import pytest

import ember
from ember import keras

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
L = keras.layers
RNG = np.random.default_rng(0)


def run(path, feeds):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, dict(zip(names, feeds)))


def check(model, xs, tmp_path, name="m.onnx", atol=1e-5):
    path = tmp_path / name
    model.export(path, format="onnx")
    got = run(path, xs)
    want = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    want = want if isinstance(want, list) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=atol)


def test_seed_mlp(tmp_path):
    m = keras.Sequential([keras.Input((784,)), L.Dense(128, activation="relu"), L.Dropout(0.3),
                          L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")])
    check(m, [RNG.random((5, 784)).astype("float32")], tmp_path)


def test_functional_two_in_two_out_and_activation_layers(tmp_path):
    a, b = keras.Input((6,), name="a"), keras.Input((3,), name="b")
    h = L.Concatenate()([L.Dense(5, activation="gelu")(a), b])
    shared = L.Dense(4, activation="tanh")
    h1, h2 = shared(h), shared(L.Dense(8, activation="silu")(h))
    o1 = L.Dense(1)(L.Add()([h1, L.LeakyReLU(0.1)(h2)]))
    o2 = L.Softmax()(L.Dense(3)(L.Multiply()([L.ELU()(h1), L.ReLU(max_value=1.0)(h2)])))
    m = keras.Model([a, b], [o1, o2])
    check(m, [RNG.random((4, 6)).astype("float32"), RNG.random((4, 3)).astype("float32")],
          tmp_path)


def test_reshaping_layers(tmp_path):
    m = keras.Sequential([keras.Input((12,)), L.Reshape((3, 4)), L.Permute((2, 1)),
                          L.Flatten(), L.Dense(2, activation="sigmoid"), L.RepeatVector(3),
                          L.Flatten(), L.Activation("softplus")])
    check(m, [RNG.random((2, 12)).astype("float32")], tmp_path)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("sequences", [False, True])
def test_embedding_and_recurrent_layers(tmp_path, kind, sequences):
    if not hasattr(L, kind):
        pytest.skip(f"{kind} is not in this version")
    m = keras.Sequential([keras.Input((7,), dtype="int32"), L.Embedding(20, 5),
                          getattr(L, kind)(6, return_sequences=sequences), L.Dense(3)])
    x = RNG.integers(0, 20, (3, 7)).astype("int32")
    check(m, [x], tmp_path, atol=2e-5)


def test_unsupported_layers_and_subclassed_models_are_refused(tmp_path):
    m = keras.Sequential([keras.Input((4,)), L.Lambda(lambda t: t * 2)])
    with pytest.raises(ValueError, match="Lambda.*no ONNX translation"):
        ember.export.onnx(m, tmp_path / "x.onnx")

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x):
            return self.d(x)

    s = Sub()
    s(np.zeros((1, 4), "float32"))
    with pytest.raises(ValueError, match="subclassed"):
        ember.export.onnx(s, tmp_path / "s.onnx")
    assert not (tmp_path / "x.onnx").exists()
    with pytest.raises(ValueError, match="format='onnx'"):
        m.export(tmp_path / "m", format="tf_saved_model")


def test_conv_pool_and_normalization_layers(tmp_path):
    for name in ("Conv2D", "MaxPooling2D", "BatchNormalization", "Conv1D"):
        if not hasattr(L, name):
            pytest.skip(f"{name} is not in this version")
    m = keras.Sequential([keras.Input((10, 10, 2)), L.Conv2D(4, 3, activation="relu"),
                          L.BatchNormalization(), L.MaxPooling2D(),
                          L.Conv2D(3, 3, padding="same", strides=2),
                          L.AveragePooling2D(padding="same"), L.GlobalAveragePooling2D(),
                          L.Dense(2)])
    x = RNG.random((3, 10, 10, 2)).astype("float32")
    m.compile(optimizer="sgd", loss="mse")
    m.fit(x, RNG.random((3, 2)).astype("float32"), epochs=1, verbose=0)  # moving statistics
    check(m, [x], tmp_path, atol=2e-5)
    seq = keras.Sequential([keras.Input((9, 3)), L.Conv1D(4, 3, dilation_rate=2),
                            L.LayerNormalization(), L.GlobalMaxPooling1D(), L.Dense(2)])
    check(seq, [RNG.random((2, 9, 3)).astype("float32")], tmp_path, "c1.onnx", atol=2e-5)


def test_course_cnn_with_flatten_and_dropout(tmp_path):
    """The course's CNN shape: Conv2D, BatchNormalization, pooling, Dropout, Flatten, Dense."""
    m = keras.Sequential([keras.Input((12, 12, 1)), L.Conv2D(4, 3, activation="relu"),
                          L.BatchNormalization(), L.MaxPooling2D((2, 2)), L.Dropout(0.25),
                          L.Conv2D(6, 3, padding="same", activation="relu"),
                          L.AveragePooling2D((2, 2)), L.Flatten(), L.Dropout(0.5),
                          L.Dense(10, activation="softmax")])
    x = RNG.random((4, 12, 12, 1)).astype("float32")
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    m.fit(x, RNG.integers(0, 10, 4), epochs=2, verbose=0)
    check(m, [x], tmp_path, atol=2e-5)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("strides", [1, 2])
def test_transposed_depthwise_separable_and_image_layers(tmp_path, padding, strides):
    m = keras.Sequential([
        keras.Input((7, 6, 2)), L.Rescaling(0.5, offset=0.1), L.RandomFlip(),
        L.ZeroPadding2D(((1, 0), (2, 1))), L.Cropping2D(((0, 1), (1, 1))),
        L.Conv2DTranspose(3, 3, strides=strides, padding=padding, activation="relu"),
        L.DepthwiseConv2D(3, strides=strides, padding=padding, depth_multiplier=2),
        L.SeparableConv2D(4, 2, padding=padding, depth_multiplier=2, activation="tanh"),
        L.UpSampling2D((2, 3)), L.GlobalAveragePooling2D()])
    check(m, [RNG.random((2, 7, 6, 2)).astype("float32")], tmp_path, atol=2e-5)


def test_transformer_block_and_attention_layers(tmp_path):
    ids = keras.Input((7,), dtype="int32")
    x = L.Embedding(20, 8)(ids)
    y = L.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3)(x, x)
    x = L.LayerNormalization()(L.Add()([x, y]))
    ctx = keras.Input((5, 6))
    cross = L.MultiHeadAttention(num_heads=3, key_dim=2, output_shape=(2, 4))(x, ctx, ctx)
    h = L.TimeDistributed(L.Dense(4))(L.Reshape((7, 8))(cross))
    a = L.Attention(use_scale=True)([h, h])
    c = L.Attention(score_mode="concat", use_scale=True)([h, a])
    d = L.AdditiveAttention()([a, c])
    out = L.Dense(3, activation="softmax")(L.GlobalAveragePooling1D()(d))
    m = keras.Model([ids, ctx], out)
    for layer in m.layers:  # non-default scales, so that a dropped one shows
        for w in layer.weights:
            if w.name in ("scale", "concat_score_weight"):
                w.assign(np.full(w.shape, 1.7, "float32"))
    xs = [RNG.integers(0, 20, (3, 7)).astype("int32"), RNG.random((3, 5, 6)).astype("float32")]
    check(m, xs, tmp_path, atol=2e-5)


def test_attention_with_masks_or_scores_is_refused_by_name(tmp_path):
    q = keras.Input((4, 6))
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, name="causal_mha")
    m = keras.Model(q, layer(q, q, use_causal_mask=True))
    with pytest.raises(ValueError, match="causal_mha.*use_causal_mask"):
        ember.export.onnx(m, tmp_path / "x.onnx")
    wrapped = keras.Sequential([keras.Input((4, 6, 2)), L.TimeDistributed(L.Conv1D(2, 3),
                                                                           name="td")])
    with pytest.raises(ValueError, match="td.*Conv1D"):
        ember.export.onnx(wrapped, tmp_path / "y.onnx")


def test_masked_embedding_is_refused_rather_than_exported_wrong(tmp_path):
    m = keras.Sequential([keras.Input((5,), dtype="int32"),
                          L.Embedding(10, 3, mask_zero=True, name="emb"), L.LSTM(2)])
    with pytest.raises(ValueError, match="emb.*mask_zero"):
        ember.export.onnx(m, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
