"""MultiHeadAttention against torch.nn.MultiheadAttention (float64, forward and backward),
Attention/AdditiveAttention against their formulas, masks, shapes and bad input."""

import os
import sys

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras.layers.attention import AdditiveAttention, Attention, MultiHeadAttention

# The shared op checker lives in tests/core (a folder that shadows no installed package).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "core"))
from gradcheck import check

_rng = np.random.default_rng(12)


def _mha_with_torch(num_heads, key_dim, d_query, d_key=None, d_value=None, bias=True):
    """An Ember MultiHeadAttention and a torch MultiheadAttention holding the same weights.

    torch packs the heads of each projection into one (E, dim) matrix, head-major, and
    computes x Wᵀ: W = kernel.reshape(dim, E)ᵀ; its output projection is the (E, E)
    matrix kernel.reshape(heads·value_dim, dim)ᵀ.
    """
    torch = pytest.importorskip("torch")
    d_key = d_key or d_query
    d_value = d_value or d_query
    e = num_heads * key_dim
    assert e == d_query, "torch's embed_dim is the query's width"
    layer = MultiHeadAttention(num_heads, key_dim, use_bias=bias, dtype="float64")
    layer.build((None, 4, d_query), (None, 5, d_value), (None, 5, d_key))
    layer.set_weights([_rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
    ref = torch.nn.MultiheadAttention(e, num_heads, bias=bias, kdim=d_key, vdim=d_value,
                                      batch_first=True).double()
    w = layer.get_weights()
    kq, kk, kv = w[0], w[2 if bias else 1], w[4 if bias else 2]
    ko = w[6 if bias else 3]
    with torch.no_grad():
        if ref._qkv_same_embed_dim:
            ref.in_proj_weight.copy_(torch.tensor(np.concatenate(
                [kq.reshape(d_query, e).T, kk.reshape(d_key, e).T, kv.reshape(d_value, e).T])))
        else:
            ref.q_proj_weight.copy_(torch.tensor(kq.reshape(d_query, e).T))
            ref.k_proj_weight.copy_(torch.tensor(kk.reshape(d_key, e).T))
            ref.v_proj_weight.copy_(torch.tensor(kv.reshape(d_value, e).T))
        ref.out_proj.weight.copy_(torch.tensor(ko.reshape(e, d_query).T))
        if bias:
            ref.in_proj_bias.copy_(torch.tensor(np.concatenate(
                [w[1].ravel(), w[3].ravel(), w[5].ravel()])))
            ref.out_proj.bias.copy_(torch.tensor(w[7]))
    return layer, ref


def _torch_grads(ref, q, k, v, u, **kwargs):
    import torch
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    out, scores = ref(tq, tk, tv, need_weights=True, average_attn_weights=False, **kwargs)
    (out * torch.tensor(u)).sum().backward()
    return (out.detach().numpy(), scores.detach().numpy(),
            [t.grad.numpy() for t in (tq, tk, tv)])


def _ember_grads(layer, q, k, v, u, **kwargs):
    tq, tk, tv = (tf.Variable(a) for a in (q, k, v))
    with tf.GradientTape() as tape:
        out, scores = layer(tq, tv, tk, return_attention_scores=True, **kwargs)
        loss = tf.reduce_sum(out * u)
    grads = tape.gradient(loss, [tq, tk, tv] + layer.trainable_weights)
    return out.numpy(), scores.numpy(), [g.numpy() for g in grads]


@pytest.mark.parametrize("dims", [(6, 6, 6), (6, 4, 5)], ids=["self-sized", "kdim-vdim"])
def test_forward_and_backward_match_torch_float64(dims):
    d_query, d_key, d_value = dims
    layer, ref = _mha_with_torch(3, 2, d_query, d_key, d_value)
    q = _rng.normal(size=(2, 4, d_query))
    k = _rng.normal(size=(2, 5, d_key))
    v = _rng.normal(size=(2, 5, d_value))
    u = _rng.normal(size=(2, 4, d_query))
    out, scores, grads = _ember_grads(layer, q, k, v, u)
    t_out, t_scores, t_grads = _torch_grads(ref, q, k, v, u)
    np.testing.assert_allclose(out, t_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(scores, t_scores, rtol=1e-10, atol=1e-12)
    for g, tg in zip(grads[:3], t_grads):
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)
    # The weight gradients: torch's in_proj/out_proj gradients, mapped to Keras's layout.
    e = 6
    if ref._qkv_same_embed_dim:
        wq, wk, wv = np.split(ref.in_proj_weight.grad.numpy(), 3)
    else:
        wq, wk, wv = (p.grad.numpy() for p in (ref.q_proj_weight, ref.k_proj_weight,
                                               ref.v_proj_weight))
    bq, bk, bv = np.split(ref.in_proj_bias.grad.numpy(), 3)
    expected = [wq.T.reshape(d_query, 3, 2), bq.reshape(3, 2), wk.T.reshape(d_key, 3, 2),
                bk.reshape(3, 2), wv.T.reshape(d_value, 3, 2), bv.reshape(3, 2),
                ref.out_proj.weight.grad.numpy().T.reshape(3, 2, e),
                ref.out_proj.bias.grad.numpy()]
    for g, tg in zip(grads[3:], expected):
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)


def test_attention_mask_and_causal_mask_match_torch():
    layer, ref = _mha_with_torch(2, 3, 6, bias=False)
    q = _rng.normal(size=(2, 5, 6))
    u = _rng.normal(size=(2, 5, 6))
    mask = _rng.random((2, 5, 5)) > 0.4
    mask[:, :, 0] = True  # every query sees at least one key
    out, scores, grads = _ember_grads(layer, q, q, q, u, attention_mask=mask)
    import torch
    # torch's boolean masks mark what to hide, per (batch·head): the complement, repeated.
    t_mask = torch.tensor(np.repeat(~mask, 2, axis=0))
    t_out, t_scores, t_grads = _torch_grads(ref, q, q, q, u, attn_mask=t_mask)
    np.testing.assert_allclose(out, t_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(scores, t_scores, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sum(grads[:3]), sum(t_grads), rtol=1e-10, atol=1e-12)
    assert np.all(scores[np.broadcast_to(~mask[:, None], scores.shape)] == 0)

    out, scores, _ = _ember_grads(layer, q, q, q, u, use_causal_mask=True)
    causal = torch.tensor(np.triu(np.ones((5, 5), bool), k=1))
    t_out, t_scores, _ = _torch_grads(ref, q, q, q, u, attn_mask=causal)
    np.testing.assert_allclose(out, t_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(scores, t_scores, rtol=1e-10, atol=1e-12)
    assert np.all(np.triu(scores[0, 0], k=1) == 0)


def test_keras_masks_of_value_and_query_are_used():
    layer, ref = _mha_with_torch(3, 2, 6)
    q = _rng.normal(size=(2, 4, 6))
    v = _rng.normal(size=(2, 5, 6))
    u = _rng.normal(size=(2, 4, 6))
    v_mask = np.array([[True] * 5, [True, True, True, False, False]])
    tv = tf.constant(v)
    tv._keras_mask = tf.constant(v_mask)  # as Embedding(mask_zero=True) leaves it
    out = layer(tf.constant(q), tv)
    import torch
    t_out, _, _ = _torch_grads(ref, q, v, v, u, key_padding_mask=torch.tensor(~v_mask))
    np.testing.assert_allclose(out.numpy(), t_out, rtol=1e-10, atol=1e-12)
    # The same through the value_mask argument.
    np.testing.assert_allclose(layer(q, v, value_mask=v_mask).numpy(), t_out, rtol=1e-10)
    # A query mask zeroes nothing in the output, but travels on it.
    tq = tf.constant(q)
    tq._keras_mask = tf.constant(np.array([[True, True, False, False]] * 2))
    masked = layer(tq, tf.constant(v))
    np.testing.assert_array_equal(masked._keras_mask.numpy(), [[True, True, False, False]] * 2)


def test_padding_from_embedding_mask_zero_is_ignored_end_to_end():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((5,), dtype="int32")
    embedding = keras.layers.Embedding(10, 8, mask_zero=True)
    mha = MultiHeadAttention(2, 4)
    h = embedding(inputs)
    model = keras.Model(inputs, mha(h, h))
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]])
    out = model(x).numpy()
    short = embedding(x[:1, :3])  # the same text without its padding
    np.testing.assert_allclose(out[0, :3], mha(short, short).numpy()[0], rtol=1e-5, atol=1e-6)
    eager = mha(embedding(x), embedding(x))
    np.testing.assert_array_equal(eager._keras_mask.numpy(), x != 0)


def test_gradients_against_finite_differences():
    layer = MultiHeadAttention(2, 2, value_dim=3, dtype="float64")
    q0 = _rng.normal(size=(2, 3, 4))
    v0 = _rng.normal(size=(2, 4, 5))
    layer(q0, v0)
    mask = np.array([[True, True, False, True]] * 3)[None].repeat(2, 0)
    check(lambda q, v: layer(q, v, attention_mask=mask), [q0, v0], rtol=1e-5, atol=1e-7)
    # Weight gradients: tape against central differences of the loss, element by element.
    u = _rng.normal(size=(2, 3, 4))
    for var in (layer.weights[0], layer.weights[6]):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(q0, v0) * u)
        grad = tape.gradient(loss, var).numpy().ravel()
        base = var.numpy()
        for idx in _rng.choice(base.size, 6, replace=False):
            diffs = []
            for step in (1e-6, -1e-6):
                w = base.copy().ravel()
                w[idx] += step
                var.assign(w.reshape(base.shape))
                diffs.append(float(tf.reduce_sum(layer(q0, v0) * u)))
            var.assign(base)
            np.testing.assert_allclose(grad[idx], (diffs[0] - diffs[1]) / 2e-6, rtol=1e-6,
                                       atol=1e-8)


def test_weight_layout_names_and_order_are_keras_3():
    layer = MultiHeadAttention(num_heads=4, key_dim=8, value_dim=5, output_shape=(3, 7))
    out, scores = layer(np.zeros((2, 6, 10), np.float32), np.zeros((2, 9, 12), np.float32),
                        return_attention_scores=True)
    assert out.shape == (2, 6, 3, 7) and scores.shape == (2, 4, 6, 9)
    assert [w.path for w in layer.weights] == [
        "query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
        "attention_output/kernel", "attention_output/bias"]
    assert [tuple(w.shape) for w in layer.weights] == [
        (10, 4, 8), (4, 8), (12, 4, 8), (4, 8), (12, 4, 5), (4, 5), (4, 5, 3, 7), (3, 7)]
    nb = MultiHeadAttention(2, 3, use_bias=False)
    nb(np.zeros((1, 2, 4), np.float32), np.zeros((1, 2, 4), np.float32))
    assert [w.path for w in nb.weights] == ["query/kernel", "key/kernel", "value/kernel",
                                           "attention_output/kernel"]
    assert layer.count_params() == sum(int(np.prod(w.shape)) for w in layer.weights)


def test_attention_axes_over_one_axis_of_a_4d_input():
    layer = MultiHeadAttention(2, 3, attention_axes=(2,), dtype="float64")
    x = _rng.normal(size=(2, 3, 4, 5))
    out, scores = layer(x, x, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 5) and scores.shape == (2, 3, 2, 4, 4)
    # Each row along axis 1 attends on its own: the same as a 3-D call per row.
    flat = MultiHeadAttention(2, 3, dtype="float64")
    flat(x[:, 0], x[:, 0])
    flat.set_weights(layer.get_weights())
    for i in range(3):
        np.testing.assert_allclose(out.numpy()[:, i], flat(x[:, i], x[:, i]).numpy(),
                                   rtol=1e-12)
    both = MultiHeadAttention(2, 3, dtype="float64")  # default: axes 1 and 2 together
    out2, scores2 = both(x, x, return_attention_scores=True)
    assert scores2.shape == (2, 2, 3, 4, 3, 4)
    np.testing.assert_allclose(scores2.numpy().reshape(2, 2, 12, 12).sum(-1), 1.0)


def test_dropout_acts_only_while_training():
    layer = MultiHeadAttention(2, 4, dropout=0.5, seed=3)
    x = _rng.normal(size=(2, 5, 8)).astype(np.float32)
    a = layer(x, x).numpy()
    np.testing.assert_array_equal(a, layer(x, x, training=False).numpy())
    assert not np.allclose(a, layer(x, x, training=True).numpy())


def test_functional_and_sequential_use():
    inputs = keras.Input((5, 8))
    mha = MultiHeadAttention(2, 4, name="mha")
    x = mha(inputs, inputs)
    model = keras.Model(inputs, keras.layers.Dense(3)(x))
    data = _rng.normal(size=(4, 5, 8)).astype(np.float32)
    np.testing.assert_allclose(model.predict(data, verbose=0), model(data).numpy(), rtol=1e-5)
    assert model.layers[1] is mha and len(model.trainable_weights) == 10
    query = keras.Input((3, 8))
    value = keras.Input((6, 8))
    cross = MultiHeadAttention(2, 4)
    out, scores = cross(query, value, return_attention_scores=True)
    assert out.shape == (None, 3, 8) and scores.shape == (None, 2, 3, 6)
    model = keras.Model([query, value], out)
    q, v = data[:, :3], _rng.normal(size=(4, 6, 8)).astype(np.float32)
    np.testing.assert_allclose(model.predict([q, v], verbose=0), cross(q, v).numpy(),
                               rtol=1e-5)


def test_bad_input_says_what_and_where():
    with pytest.raises(ValueError, match="num_heads=0"):
        MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="key_dim=-1"):
        MultiHeadAttention(2, -1)
    with pytest.raises(ValueError, match="flash_attention"):
        MultiHeadAttention(2, 4, flash_attention=True)
    layer = MultiHeadAttention(2, 4, name="att")
    with pytest.raises(TypeError, match="'att'.*value"):
        layer(np.zeros((1, 3, 8), np.float32))
    layer(np.zeros((1, 3, 8), np.float32), np.zeros((1, 3, 8), np.float32))
    with pytest.raises(ValueError, match="'att'.*value of shape \\(1, 3, 5\\)"):
        layer(np.zeros((1, 3, 8), np.float32), np.zeros((1, 3, 5), np.float32))
    with pytest.raises(ValueError, match="value_shape"):
        MultiHeadAttention(2, 4).build((None, 3, 8), (None, 4, 8), (None, 5, 8))
    with pytest.raises(ValueError, match="list of inputs"):
        Attention()(np.zeros((1, 2, 3), np.float32))
    with pytest.raises(ValueError, match="score_mode"):
        Attention(score_mode="cosine")


def test_config_round_trip():
    layer = MultiHeadAttention(3, 4, value_dim=2, dropout=0.1, output_shape=5,
                               attention_axes=1, name="m")
    config = layer.get_config()
    assert config["num_heads"] == 3 and config["output_shape"] == (5,)
    assert config["attention_axes"] == (1,) and config["kernel_initializer"]
    again = MultiHeadAttention.from_config(config)
    assert again.get_config() == config
    assert Attention(use_scale=True).get_config()["use_scale"] is True
    assert "score_mode" not in AdditiveAttention().get_config()


# -- Attention and AdditiveAttention against their formulas ------------------------------

def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_dot_attention_formula_scale_and_masks():
    q = _rng.normal(size=(2, 3, 4))
    v = _rng.normal(size=(2, 5, 4))
    k = _rng.normal(size=(2, 5, 4))
    layer = Attention(dtype="float64")
    out, w = layer([q, v, k], return_attention_scores=True)
    expected_w = _softmax(q @ k.transpose(0, 2, 1))
    np.testing.assert_allclose(w.numpy(), expected_w, rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), expected_w @ v, rtol=1e-12)
    assert layer.weights == []

    scaled = Attention(use_scale=True, dtype="float64")
    scaled([q, v])
    scaled.scale.assign(0.5)
    np.testing.assert_allclose(scaled([q, v]).numpy(),
                               _softmax(0.5 * q @ v.transpose(0, 2, 1)) @ v, rtol=1e-12)

    q_mask = np.array([[True, False, True], [True, True, True]])
    v_mask = np.array([[True, True, False, False, True], [True] * 5])
    out = layer([q, v], mask=[q_mask, v_mask])
    scores = np.where(v_mask[:, None], q @ v.transpose(0, 2, 1),
                      q @ v.transpose(0, 2, 1) - 1e9)
    expected = _softmax(scores) @ v * q_mask[..., None]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-300)

    causal = layer([q, q], use_causal_mask=True, return_attention_scores=True)[1].numpy()
    assert np.all(np.triu(causal[0], k=1) == 0)


def test_concat_score_mode_and_additive_attention():
    q = _rng.normal(size=(2, 3, 4))
    v = _rng.normal(size=(2, 5, 4))
    concat = Attention(score_mode="concat", dtype="float64")
    out = concat([q, v]).numpy()
    scores = np.tanh(q[:, :, None] + v[:, None]).sum(-1)
    np.testing.assert_allclose(out, _softmax(scores) @ v, rtol=1e-12)
    assert [w.name for w in concat.weights] == ["concat_score_weight"]

    additive = AdditiveAttention(dtype="float64")
    out = additive([q, v]).numpy()
    scale = additive.scale.numpy()
    assert scale.shape == (4,)
    scores = (scale * np.tanh(q[:, :, None] + v[:, None])).sum(-1)
    np.testing.assert_allclose(out, _softmax(scores) @ v, rtol=1e-12)
    check(lambda a, b: additive([a, b]), [q, v], rtol=1e-5, atol=1e-7)


def test_dot_attention_gradients_with_masks_and_scale():
    q = _rng.normal(size=(2, 3, 4))
    v = _rng.normal(size=(2, 5, 4))
    masks = [np.array([[True, False, True]] * 2), np.array([[True, True, False, True, True]] * 2)]
    layer = Attention(use_scale=True, dtype="float64")
    layer([q, v])
    layer.scale.assign(0.7)
    check(lambda a, b: layer([a, b], mask=masks), [q, v], rtol=1e-5, atol=1e-7)
    check(lambda a: layer([a, a], use_causal_mask=True), [q], rtol=1e-5, atol=1e-7)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(layer([q, v]))
    assert tape.gradient(out, layer.scale) is not None


def test_attention_mask_flows_from_inputs_and_out_with_the_query():
    q = tf.constant(_rng.normal(size=(2, 3, 4)))
    v = tf.constant(_rng.normal(size=(2, 5, 4)))
    q._keras_mask = tf.constant(np.array([[True, True, False]] * 2))
    v._keras_mask = tf.constant(np.array([[True, True, True, False, False]] * 2))
    layer = Attention(dtype="float64")
    out, w = layer([q, v], return_attention_scores=True)
    assert np.allclose(w.numpy()[..., 3:], 0.0)
    assert np.all(out.numpy()[:, 2] == 0)
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, True, False]] * 2)


# -- real Keras (run with -m tensorflow) -------------------------------------------------

@pytest.mark.tensorflow
def test_multi_head_attention_matches_keras_with_masks():
    rk = pytest.importorskip("keras")
    q = _rng.normal(size=(2, 4, 6)).astype(np.float32)
    v = _rng.normal(size=(2, 5, 6)).astype(np.float32)
    mask = _rng.random((2, 4, 5)) > 0.3
    mask[..., 0] = True
    theirs = rk.layers.MultiHeadAttention(3, 2, value_dim=4)
    t_out, t_scores = theirs(q, v, attention_mask=mask, return_attention_scores=True,
                             use_causal_mask=True)
    ours = MultiHeadAttention(3, 2, value_dim=4)
    ours(q, v)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    out, scores = ours(q, v, attention_mask=mask, return_attention_scores=True,
                       use_causal_mask=True)
    np.testing.assert_allclose(out.numpy(), np.asarray(t_out), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scores.numpy(), np.asarray(t_scores), rtol=1e-5, atol=1e-6)


@pytest.mark.tensorflow
def test_attention_layers_match_keras_with_masks():
    rk = pytest.importorskip("keras")
    q = _rng.normal(size=(2, 3, 4)).astype(np.float32)
    v = _rng.normal(size=(2, 5, 4)).astype(np.float32)
    masks = [np.array([[True, False, True]] * 2), np.array([[True, True, True, False, True]] * 2)]
    for ours, theirs in ((Attention(use_scale=True, score_mode="concat"),
                          rk.layers.Attention(use_scale=True, score_mode="concat")),
                         (AdditiveAttention(), rk.layers.AdditiveAttention())):
        t_out = theirs([q, v], mask=masks)
        ours([q, v])
        ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
        np.testing.assert_allclose(ours([q, v], mask=masks).numpy(), np.asarray(t_out),
                                   rtol=1e-5, atol=1e-6)


# -- the Transformer example ------------------------------------------------------------------

def _load_example():
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "examples", "transformer_classifier.py")
    spec = importlib.util.spec_from_file_location("example_transformer_classifier", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_transformer_example_builds_trains_and_draws_attention(tmp_path):
    pytest.importorskip("matplotlib")
    example = _load_example()
    rng = np.random.default_rng(0)
    x, y = example.make_data(300, rng)
    assert x.shape == y.shape == (300, example.MAXLEN)
    np.testing.assert_array_equal(y, x[:, ::-1])
    keras.utils.set_random_seed(0)
    model, embedding, block = example.build_model(embed_dim=16, num_heads=2, ff_dim=16)
    assert block.att.weights[0].path == "query/kernel" and len(model.trainable_weights) == 20
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=50, epochs=2, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    weights = example.attention_weights(embedding, block, x[0])
    assert weights.shape == (2, example.MAXLEN, example.MAXLEN)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    path = tmp_path / "attention.png"
    example.save_attention_picture(weights, x[0], str(path))
    assert path.stat().st_size > 5000
