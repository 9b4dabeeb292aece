"""Recurrent layers: Keras's layouts and semantics (masking, stateful, go_backwards, states),
gradients against PyTorch in float64, the fused path against the per-step cell path, and the
course's character-model loop."""

import os
import sys

import numpy as np
import pytest

import ember as tf
from ember import keras

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "core"))
from gradcheck import check

layers = keras.layers
_rng = np.random.default_rng(12)
MASK = np.array([[False, True, True, False, True], [True, True, False, False, False]])


def rand(*shape, dtype=np.float64):
    return _rng.uniform(-1, 1, shape).astype(dtype)


def _built(layer, x, **kw):
    layer(x, **kw)
    return layer


# -- layouts and configs ---------------------------------------------------------------------

def test_weight_layouts_are_keras():
    x = rand(2, 3, 5, dtype=np.float32)
    lstm = _built(layers.LSTM(4), x)
    assert [tuple(w.shape) for w in lstm.weights] == [(5, 16), (4, 16), (16,)]
    assert [w.name for w in lstm.weights] == ["kernel", "recurrent_kernel", "bias"]
    bias = lstm.get_weights()[2]
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])  # f = 1
    gru = _built(layers.GRU(4), x)
    assert [tuple(w.shape) for w in gru.weights] == [(5, 12), (4, 12), (2, 12)]
    gru2 = _built(layers.GRU(4, reset_after=False), x)
    assert tuple(gru2.weights[2].shape) == (12,)
    rnn = _built(layers.SimpleRNN(4, use_bias=False), x)
    assert [tuple(w.shape) for w in rnn.weights] == [(5, 4), (4, 4)]
    r = lstm.get_weights()[1]
    np.testing.assert_allclose(r @ r.T, np.eye(4), atol=1e-5)  # orthogonal recurrent kernel


def test_defaults_and_config_round_trip():
    lstm = layers.LSTM(8, return_sequences=True, dropout=0.1, stateful=False)
    assert lstm.units == 8 and lstm.unit_forget_bias and lstm.recurrent_dropout == 0
    cfg = lstm.get_config()
    assert cfg["activation"] == "tanh" and cfg["recurrent_activation"] == "sigmoid"
    assert cfg["return_sequences"] is True and cfg["dropout"] == 0.1
    again = layers.LSTM.from_config(cfg)
    assert again.get_config() == cfg
    assert layers.GRU(3).get_config()["reset_after"] is True
    with pytest.raises(ValueError, match="`units`, expected a positive integer, got -3"):
        layers.LSTM(-3)
    with pytest.raises(ValueError, match="dropout"):
        layers.GRU(3, dropout=1.5)


# -- against PyTorch, float64 ----------------------------------------------------------------

torch = pytest.importorskip("torch")


def _grads(layer, x, h0=None, u=None):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        init = None if h0 is None else [tf.constant(h) for h in h0]
        if init is not None:
            for t in init:
                tape.watch(t)
        y = layer(xt, initial_state=init)
        y = y[0] if isinstance(y, list) else y
        loss = tf.reduce_sum(y * u)
    srcs = [xt] + list(layer.trainable_weights) + (init or [])
    return y.numpy(), [g.numpy() for g in tape.gradient(loss, srcs)]


def test_lstm_layer_matches_torch_forward_and_backward():
    b, t, i, u = 3, 6, 4, 5
    x, h0, c0 = rand(b, t, i), rand(b, u), rand(b, u)
    lstm = _built(layers.LSTM(u, return_sequences=True, dtype="float64"), x)
    w, r, bias = lstm.get_weights()
    ups = rand(b, t, u)
    y, g = _grads(lstm, x, [h0, c0], ups)

    ref = torch.nn.LSTM(i, u, batch_first=True).double()
    with torch.no_grad():  # torch's i, f, g, o is Keras's i, f, c, o
        ref.weight_ih_l0.copy_(torch.tensor(w.T))
        ref.weight_hh_l0.copy_(torch.tensor(r.T))
        ref.bias_ih_l0.copy_(torch.tensor(bias))
        ref.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    h0t, c0t = torch.tensor(h0[None], requires_grad=True), torch.tensor(c0[None],
                                                                        requires_grad=True)
    yt, _ = ref(xt, (h0t, c0t))
    (yt * torch.tensor(ups)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-5, atol=1e-12)
    expect = [xt.grad, ref.weight_ih_l0.grad.T, ref.weight_hh_l0.grad.T, ref.bias_ih_l0.grad,
              h0t.grad[0], c0t.grad[0]]
    for k, (a, e) in enumerate(zip(g, expect)):
        np.testing.assert_allclose(a, e.numpy(), rtol=1e-5, atol=1e-12, err_msg=f"grad {k}")


def _to_torch_gru(a, u):
    return np.concatenate([a[..., u:2 * u], a[..., :u], a[..., 2 * u:]], axis=-1)


def test_gru_layer_matches_torch_forward_and_backward():
    b, t, i, u = 3, 6, 4, 5
    x, h0 = rand(b, t, i), rand(b, u)
    gru = _built(layers.GRU(u, return_sequences=True, dtype="float64"), x)
    w, r, bias = gru.get_weights()
    bias = rand(2, 3 * u)
    gru.set_weights([w, r, bias])
    ups = rand(b, t, u)
    y, g = _grads(gru, x, [h0], ups)

    ref = torch.nn.GRU(i, u, batch_first=True).double()
    with torch.no_grad():  # torch orders the gates r, z, n; Keras z, r, h
        ref.weight_ih_l0.copy_(torch.tensor(_to_torch_gru(w, u).T))
        ref.weight_hh_l0.copy_(torch.tensor(_to_torch_gru(r, u).T))
        ref.bias_ih_l0.copy_(torch.tensor(_to_torch_gru(bias[0], u)))
        ref.bias_hh_l0.copy_(torch.tensor(_to_torch_gru(bias[1], u)))
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    yt, _ = ref(xt, h0t)
    (yt * torch.tensor(ups)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-5, atol=1e-12)
    back = lambda a: np.concatenate([a[..., u:2 * u], a[..., :u], a[..., 2 * u:]], -1)
    expect = [xt.grad.numpy(), back(ref.weight_ih_l0.grad.numpy().T),
              back(ref.weight_hh_l0.grad.numpy().T),
              np.stack([back(ref.bias_ih_l0.grad.numpy()), back(ref.bias_hh_l0.grad.numpy())]),
              h0t.grad.numpy()[0]]
    for k, (a, e) in enumerate(zip(g, expect)):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-12, err_msg=f"grad {k}")


# -- fused path against the per-step cell path -------------------------------------------------

def _per_step_twin(layer_cls, units, **kw):
    """The same layer with an activation the fused op does not know: it runs cell by cell."""
    return layer_cls(units, activation=lambda z: tf.tanh(z), **kw)


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
@pytest.mark.parametrize("backwards", [False, True])
@pytest.mark.parametrize("reset_after", [True, False])
def test_fused_and_per_step_paths_agree_with_masks(cls, backwards, reset_after):
    if cls is not layers.GRU and not reset_after:
        pytest.skip("reset_after is a GRU option")
    kw = {"return_sequences": True, "return_state": True, "go_backwards": backwards,
          "dtype": "float64"}
    if cls is layers.GRU:
        kw["reset_after"] = reset_after
    x = rand(2, 5, 3)
    fused = _built(cls(4, **kw), x)
    slow = _built(_per_step_twin(cls, 4, **kw), x)
    weights = [rand(*w.shape) for w in fused.get_weights()]
    fused.set_weights(weights)
    slow.set_weights(weights)
    init = [rand(2, 4) for _ in fused.state_size]
    n_out = 1 + len(init)
    us = [rand(2, 5, 4)] + [rand(2, 4) for _ in range(n_out - 1)]
    results = []
    for layer in (fused, slow):
        xt = tf.constant(x)
        states = [tf.constant(s) for s in init]
        with tf.GradientTape() as tape:
            tape.watch(xt)
            tape.watch(states)
            outs = layer(xt, initial_state=states, mask=MASK)
            loss = sum(tf.reduce_sum(o * u) for o, u in zip(outs, us))
        grads = tape.gradient(loss, [xt] + layer.trainable_weights + states)
        results.append([o.numpy() for o in outs] + [g.numpy() for g in grads])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_lstm_layer_input_gradient_matches_finite_differences_with_a_mask():
    lstm = _built(layers.LSTM(3, return_sequences=True, dtype="float64"), rand(2, 5, 2))
    check(lambda x: lstm(x, mask=MASK), [rand(2, 5, 2)])


# -- Keras semantics ------------------------------------------------------------------------------

def test_masked_steps_repeat_the_previous_output_and_state():
    x = rand(2, 5, 3, dtype=np.float32)
    lstm = layers.LSTM(4, return_sequences=True, return_state=True)
    h0, c0 = rand(2, 4, dtype=np.float32), rand(2, 4, dtype=np.float32)
    seq, h, c = [o.numpy() for o in lstm(x, initial_state=[h0, c0], mask=MASK)]
    np.testing.assert_array_equal(seq[0, 0], 0)  # before the first real step: zeros
    np.testing.assert_array_equal(seq[0, 3], seq[0, 2])
    np.testing.assert_array_equal(seq[1, 2:], np.repeat(seq[1, 1:2], 3, axis=0))
    np.testing.assert_array_equal(h[1], seq[1, 1])
    # the same rows run without their padding give the same final states
    h_short, c_short = [o.numpy() for o in lstm(x[1:, :2], initial_state=[h0[1:], c0[1:]])[1:]]
    np.testing.assert_allclose(h[1], h_short[0], rtol=1e-6)
    np.testing.assert_allclose(c[1], c_short[0], rtol=1e-6)


def test_zero_output_for_mask():
    x = rand(2, 5, 3, dtype=np.float32)
    gru = layers.GRU(4, return_sequences=True, zero_output_for_mask=True)
    seq = gru(x, mask=MASK).numpy()
    assert np.all(seq[~MASK] == 0) and np.all(np.abs(seq[MASK]).sum(-1) > 0)


def test_go_backwards_returns_the_reversed_run():
    x = rand(2, 5, 3, dtype=np.float32)
    fwd = layers.SimpleRNN(4, return_sequences=True)
    back = layers.SimpleRNN(4, return_sequences=True, go_backwards=True)
    fwd(x)
    back(x)
    back.set_weights(fwd.get_weights())
    np.testing.assert_allclose(back(x).numpy(), fwd(x[:, ::-1]).numpy(), rtol=1e-6)


def test_return_state_shapes_and_values():
    x = rand(3, 4, 2, dtype=np.float32)
    out, h, c = layers.LSTM(5, return_state=True)(x)
    assert out.shape == (3, 5) and h.shape == (3, 5) and c.shape == (3, 5)
    np.testing.assert_array_equal(out.numpy(), h.numpy())
    seq, h = layers.GRU(5, return_sequences=True, return_state=True)(x)
    assert seq.shape == (3, 4, 5)
    np.testing.assert_array_equal(seq.numpy()[:, -1], h.numpy())
    assert layers.LSTM(5, return_state=True).compute_output_shape((3, 4, 2)) == [
        (3, 5), (3, 5), (3, 5)]


def test_stateful_states_carry_over_until_reset():
    x = rand(2, 6, 3, dtype=np.float32)
    lstm = layers.LSTM(4, stateful=True, return_sequences=True)
    whole = layers.LSTM(4, return_sequences=True)
    lstm(x[:, :3])
    whole(x)
    lstm.reset_states()
    whole.set_weights(lstm.get_weights())
    first, second = lstm(x[:, :3]).numpy(), lstm(x[:, 3:]).numpy()
    np.testing.assert_allclose(np.concatenate([first, second], 1), whole(x).numpy(), rtol=1e-5,
                               atol=1e-6)
    assert lstm.states[0].shape == (2, 4) and len(lstm.weights) == 3  # states are not weights
    lstm.reset_states()
    np.testing.assert_allclose(lstm(x[:, :3]).numpy(), first, rtol=1e-6)
    lstm.reset_states([np.ones((2, 4)), np.zeros((2, 4))])
    np.testing.assert_array_equal(lstm.states[0].numpy(), 1)


def test_stateful_layer_given_another_batch_size_names_both():
    lstm = layers.LSTM(4, stateful=True)
    lstm(rand(32, 5, 3, dtype=np.float32))
    with pytest.raises(ValueError, match=r"'lstm.*built for batch size 32.*batch of size 1"):
        lstm(rand(1, 5, 3, dtype=np.float32))


def test_2d_float_batch_into_lstm_names_the_layer_and_expected_shape():
    with pytest.raises(ValueError, match=r"Layer 'my_lstm' \(LSTM\) expects inputs of shape "
                                         r"\(batch, timesteps, features\).*\(32, 8\)"):
        layers.LSTM(4, name="my_lstm")(rand(32, 8, dtype=np.float32))
    lstm = layers.LSTM(4, name="built_lstm")
    lstm(rand(2, 3, 8, dtype=np.float32))
    with pytest.raises(ValueError, match="'built_lstm'.*(batch, timesteps, features)"):
        lstm(rand(32, 8, dtype=np.float32))


def test_initial_state_is_used_and_differentiable():
    x = rand(2, 3, 2, dtype=np.float32)
    gru = layers.GRU(3)
    h0 = tf.constant(rand(2, 3, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(h0)
        y = gru(x, initial_state=h0)
    assert not np.allclose(y.numpy(), gru(x).numpy())
    assert tape.gradient(y, h0).shape == (2, 3)
    with pytest.raises(ValueError, match=r"initial state must have shape \(2, 3\)"):
        gru(x, initial_state=np.zeros((2, 4), np.float32))


def test_dropout_in_training_only_and_recurrent_dropout_trains():
    x = rand(4, 5, 3, dtype=np.float32)
    lstm = layers.LSTM(6, dropout=0.5, recurrent_dropout=0.5, seed=1)
    a, b = lstm(x, training=True).numpy(), lstm(x, training=True).numpy()
    assert not np.allclose(a, b)  # a new mask every call
    np.testing.assert_array_equal(lstm(x).numpy(), lstm(x, training=False).numpy())
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(lstm(x, training=True))
    grads = tape.gradient(loss, lstm.trainable_weights)
    assert all(g is not None and np.isfinite(g.numpy()).all() for g in grads)


class MinimalRNNCell(layers.Layer):
    """The custom cell of Keras's RNN docstring."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = tf.matmul(inputs, self.kernel) + tf.matmul(states[0], self.recurrent_kernel)
        return output, [output]


def test_rnn_with_a_custom_cell():
    x = rand(2, 4, 3, dtype=np.float32)
    layer = layers.RNN(MinimalRNNCell(5), return_sequences=True)
    y = layer(x).numpy()
    k, r = layer.get_weights()
    h = np.zeros((2, 5), np.float32)
    for t in range(4):
        h = x[:, t] @ k + h @ r
        np.testing.assert_allclose(y[:, t], h, rtol=1e-5, atol=1e-6)
    inputs = keras.Input((None, 3))
    model = keras.Model(inputs, layers.RNN(MinimalRNNCell(5))(inputs))
    assert model(x).shape == (2, 5)


def test_rnn_over_builtin_cells_matches_the_layers():
    x = rand(2, 4, 3, dtype=np.float32)
    lstm = layers.LSTM(5, return_sequences=True)
    rnn = layers.RNN(layers.LSTMCell(5), return_sequences=True)
    lstm(x)
    rnn(x)
    rnn.set_weights(lstm.get_weights())
    np.testing.assert_allclose(rnn(x).numpy(), lstm(x).numpy(), rtol=1e-6)
    cell = layers.GRUCell(5)
    out, states = cell(tf.constant(x[:, 0]), [tf.zeros((2, 5))])
    assert out.shape == (2, 5) and len(states) == 1


# -- wrappers and masking -------------------------------------------------------------------------

def test_bidirectional_concat_is_forward_plus_flipped_backward():
    x = rand(2, 5, 3, dtype=np.float32)
    bi = layers.Bidirectional(layers.LSTM(4, return_sequences=True))
    y = bi(x).numpy()
    assert y.shape == (2, 5, 8) and len(bi.weights) == 6
    assert bi.forward_layer.name.startswith("forward_") and bi.backward_layer.go_backwards
    np.testing.assert_allclose(y[..., :4], bi.forward_layer(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(y[..., 4:], bi.backward_layer(x).numpy()[:, ::-1], rtol=1e-6)
    out = layers.Bidirectional(layers.GRU(4, return_state=True), merge_mode="sum")(x)
    assert len(out) == 3 and out[0].shape == (2, 4)
    with pytest.raises(ValueError, match="merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")


def test_bidirectional_masked_steps_are_zero():
    x = rand(2, 5, 3, dtype=np.float32)
    y = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True))(x, mask=MASK).numpy()
    assert np.all(y[~MASK] == 0)


def test_time_distributed_dense():
    x = rand(2, 4, 3, dtype=np.float32)
    td = layers.TimeDistributed(layers.Dense(5))
    y = td(x).numpy()
    k, b = td.get_weights()
    np.testing.assert_allclose(y, x @ k + b, rtol=1e-5, atol=1e-6)
    assert td.compute_output_shape((None, 4, 3)) == (None, 4, 5)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(2))(rand(2, 3, dtype=np.float32))


def test_masking_layer_mask_skips_padded_steps_in_lstm():
    x = rand(2, 5, 3, dtype=np.float32)
    x[~MASK] = 0.0
    masking = layers.Masking(0.0)
    y = masking(x)
    mask = masking.compute_mask(x)
    np.testing.assert_array_equal(mask.numpy(), MASK)
    lstm = layers.LSTM(4, return_sequences=True)
    seq = lstm(y, mask=mask).numpy()
    np.testing.assert_array_equal(seq[0, 3], seq[0, 2])


# -- the course's character model ------------------------------------------------------------------

def _build_model(vocab_size, embedding_dim, rnn_units, batch_size):
    return tf.keras.Sequential([
        tf.keras.layers.Embedding(vocab_size, embedding_dim,
                                  batch_input_shape=[batch_size, None]),
        tf.keras.layers.LSTM(rnn_units, return_sequences=True,
                             recurrent_initializer='glorot_uniform',
                             recurrent_activation='sigmoid', stateful=True),
        tf.keras.layers.Dense(vocab_size)])


def test_char_model_lab_loop_trains_then_samples_with_batch_one():
    tf.random.set_seed(0)
    text = "the quick brown fox jumps over the lazy dog. " * 40
    vocab = sorted(set(text))
    char2idx = {c: i for i, c in enumerate(vocab)}
    ids = np.array([char2idx[c] for c in text])
    batch, seq = 8, 20
    model = _build_model(len(vocab), 16, 48, batch)
    optimizer = tf.keras.optimizers.Adam(1e-2)
    rng = np.random.default_rng(0)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            y_hat = model(x)
            loss = tf.keras.losses.sparse_categorical_crossentropy(y, y_hat, from_logits=True)
            loss = tf.reduce_mean(loss)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    losses = []
    for _ in range(40):
        starts = rng.integers(0, len(ids) - seq - 1, batch)
        x = np.stack([ids[s:s + seq] for s in starts])
        y = np.stack([ids[s + 1:s + seq + 1] for s in starts])
        losses.append(float(train_step(x, y)))
    assert losses[-1] < 0.5 * losses[0]

    sampler = _build_model(len(vocab), 16, 48, 1)
    sampler.set_weights(model.get_weights())
    sampler.build(tf.TensorShape([1, None]))
    sampler.reset_states()
    input_eval = tf.expand_dims([char2idx[c] for c in "the "], 0)
    generated = []
    for _ in range(30):
        predictions = tf.squeeze(sampler(input_eval), 0)
        predicted_id = tf.random.categorical(predictions, num_samples=1)[-1, 0].numpy()
        input_eval = tf.expand_dims([predicted_id], 0)
        generated.append(vocab[predicted_id])
    assert len(generated) == 30 and set(generated) <= set(vocab)
    # the sampler's states moved and reset_states() zeroes them
    assert np.abs(sampler.layers[1].states[0].numpy()).sum() > 0
    sampler.reset_states()
    assert np.abs(sampler.layers[1].states[0].numpy()).sum() == 0


def test_keras3_input_batch_shape_builds_a_stateful_model():
    inputs = keras.Input(batch_shape=(3, None), dtype="int32")
    x = layers.Embedding(10, 4)(inputs)
    x = layers.GRU(5, stateful=True, return_sequences=True)(x)
    model = keras.Model(inputs, layers.Dense(10)(x))
    ids = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    a = model(ids).numpy()
    b = model(ids).numpy()
    assert not np.allclose(a, b)  # the state carried over
    model.reset_states()
    np.testing.assert_allclose(model(ids).numpy(), a, rtol=1e-6)


# -- real Keras, when installed --------------------------------------------------------------------

@pytest.mark.tensorflow
@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("zero_output", [False, True])
def test_masked_states_and_outputs_match_keras(name, zero_output):
    real = pytest.importorskip("keras")
    x = rand(2, 5, 3, dtype=np.float32)
    n_states = 2 if name == "LSTM" else 1
    init = [rand(2, 4, dtype=np.float32) for _ in range(n_states)]
    theirs = getattr(real.layers, name)(4, return_sequences=True, return_state=True)
    theirs.zero_output_for_mask = zero_output
    expected = theirs(x, initial_state=init, mask=MASK)
    ours = getattr(layers, name)(4, return_sequences=True, return_state=True,
                                 zero_output_for_mask=zero_output)
    ours(x, initial_state=init)
    ours.set_weights(theirs.get_weights())
    got = ours(x, initial_state=init, mask=MASK)
    for a, e in zip(got, expected):
        np.testing.assert_allclose(a.numpy(), np.asarray(e), rtol=1e-5, atol=1e-6)


# -- the example and the command ---------------------------------------------------------------

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_char_rnn_example_trains_and_prints_a_sample(tmp_path, monkeypatch, capsys):
    import runpy
    text = tmp_path / "tiny.txt"
    text.write_text("abcabcabd " * 30)
    monkeypatch.setattr(sys, "argv", [
        "char_rnn.py", str(text), "--steps", "3", "--units", "8", "--embedding-dim", "4",
        "--seq-length", "10", "--batch-size", "4", "--generate", "20"])
    runpy.run_path(os.path.join(ROOT, "examples", "char_rnn.py"), run_name="__main__")
    lines = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("step    2  loss") for line in lines)
    assert len(lines[-1]) > 0


def test_ember_train_char_rnn_writes_loss_curve_and_sample(tmp_path):
    import json

    from ember import cli
    text = tmp_path / "tiny.txt"
    text.write_text("hello world. " * 40)
    out = tmp_path / "run"
    code = cli.main(["train", "--model", "char_rnn", "--text", str(text), "--steps", "4",
                     "--units", "8", "--embedding-dim", "4", "--seq-length", "12",
                     "--batch-size", "4", "--generate", "30", "--quiet", "--seed", "1",
                     "--out", str(out)])
    assert code == 0
    info = json.loads((out / "run.json").read_text())
    assert info["steps"] == 4 and info["rnn_units"] == 8
    assert (out / "history.csv").read_text().count("\n") == 5
    sample = (out / "sample.txt").read_text()
    assert sample.startswith("hello worl") and len(sample.strip()) >= 30
    assert (out / "model.weights.npz").exists()
    pytest.importorskip("matplotlib")
    assert (out / "loss.png").stat().st_size > 5000
    with pytest.raises(FileNotFoundError, match="cannot read the text file"):
        cli.train(cli.make_parser().parse_args(["train", "--model", "char_rnn", "--text",
                                                str(tmp_path / "missing.txt")]))


def test_wrapper_and_rnn_configs_round_trip():
    bi = layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode="ave")
    again = layers.Bidirectional.from_config(bi.get_config())
    assert again.merge_mode == "ave" and again.backward_layer.go_backwards
    assert isinstance(again.forward_layer, layers.GRU) and again.forward_layer.units == 3
    td = layers.TimeDistributed.from_config(layers.TimeDistributed(layers.Dense(4)).get_config())
    assert isinstance(td.layer, layers.Dense) and td.layer.units == 4
    rnn = layers.RNN.from_config(layers.RNN(layers.LSTMCell(2), go_backwards=True).get_config())
    assert isinstance(rnn.cell, layers.LSTMCell) and rnn.go_backwards


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.GRU])
def test_recurrent_dropout_per_step_path_trains(cls):
    x = rand(3, 4, 2, dtype=np.float32)
    layer = cls(5, dropout=0.3, recurrent_dropout=0.3, seed=2)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True))
    assert all(np.isfinite(g.numpy()).all() for g in tape.gradient(loss, layer.trainable_weights))
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())


def test_get_initial_state_takes_the_input_batch_as_keras_2_did():
    gru = keras.layers.GRU(4, return_state=True)
    x = np.zeros((3, 5, 2), "float32")
    states = gru.get_initial_state(tf.constant(x))
    assert [tuple(s.shape) for s in states] == [(3, 4)]
    assert [tuple(s.shape) for s in gru.get_initial_state(3)] == [(3, 4)]
