"""The fused recurrent ops and the embedding lookup: gradients against float64 central
differences, forward and backward against PyTorch's nn.LSTM / nn.GRU / nn.RNN in float64."""

import numpy as np
import pytest
from gradcheck import check, rand

import ember as tf
from ember.errors import InvalidArgumentError
from ember.ops.embedding import embedding_lookup
from ember.ops.recurrent import gru_sequence, lstm_sequence, simple_rnn_sequence

B, T, IN, U = 2, 4, 3, 2
MASK = np.array([[True, True, False, True], [False, True, True, False]])


def _proj(x, w, b):
    return tf.matmul(tf.reshape(x, (-1, x.shape[-1])), w) + b


def _lstm(mask=None, backwards=False, acts=("tanh", "sigmoid")):
    def fn(x, w, b, r, h0, c0):
        xp = tf.reshape(_proj(x, w, b), (B, T, 4 * U))
        return lstm_sequence(xp, h0, c0, r, mask, activation=acts[0],
                             recurrent_activation=acts[1], go_backwards=backwards)
    return fn


def _lstm_inputs():
    return [rand((B, T, IN)), rand((IN, 4 * U)), rand((4 * U,)), rand((U, 4 * U)),
            rand((B, U)), rand((B, U))]


@pytest.mark.parametrize("mask", [None, MASK])
@pytest.mark.parametrize("backwards", [False, True])
def test_lstm_sequence_gradients_match_finite_differences(mask, backwards):
    check(_lstm(mask, backwards), _lstm_inputs())


@pytest.mark.parametrize("acts", [("relu", "hard_sigmoid"), ("linear", "sigmoid")])
def test_lstm_sequence_other_fused_activations(acts):
    inputs = _lstm_inputs()
    inputs[0] = rand((B, T, IN), away=0.05)
    check(_lstm(None, False, acts), inputs, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("mask", [None, MASK])
@pytest.mark.parametrize("backwards", [False, True])
def test_gru_sequence_gradients_match_finite_differences(reset_after, mask, backwards):
    def fn(x, w, b, r, rb, h0):
        xp = tf.reshape(_proj(x, w, b), (B, T, 3 * U))
        return gru_sequence(xp, h0, r, rb if reset_after else None, mask,
                            reset_after=reset_after, go_backwards=backwards)
    check(fn, [rand((B, T, IN)), rand((IN, 3 * U)), rand((3 * U,)), rand((U, 3 * U)),
               rand((3 * U,)), rand((B, U))])


@pytest.mark.parametrize("mask", [None, MASK])
@pytest.mark.parametrize("backwards", [False, True])
def test_simple_rnn_sequence_gradients_match_finite_differences(mask, backwards):
    def fn(x, w, b, r, h0):
        xp = tf.reshape(_proj(x, w, b), (B, T, U))
        return simple_rnn_sequence(xp, h0, r, mask, go_backwards=backwards)
    check(fn, [rand((B, T, IN)), rand((IN, U)), rand((U,)), rand((U, U)), rand((B, U))])


def test_masked_steps_carry_the_state_over():
    x, w, b, r, h0, c0 = [tf.constant(a) for a in _lstm_inputs()]
    out = _lstm(MASK)(x, w, b, r, h0, c0).numpy()
    # row 0, step 2 masked: state equals step 1's; row 1 step 0 masked: equals h0/c0
    np.testing.assert_array_equal(out[:, 0, 2], out[:, 0, 1])
    np.testing.assert_array_equal(out[0, 1, 0], h0.numpy()[1])
    np.testing.assert_array_equal(out[1, 1, 0], c0.numpy()[1])
    np.testing.assert_array_equal(out[:, 1, 3], out[:, 1, 2])


def test_second_derivative_through_the_fused_backward_raises_lookup_error():
    inputs = [tf.constant(a) for a in _lstm_inputs()]
    with tf.GradientTape() as outer:
        outer.watch(inputs[3])
        with tf.GradientTape() as inner:
            inner.watch(inputs[3])
            y = tf.reduce_sum(_lstm()(*inputs))
        g = inner.gradient(y, inputs[3])
        gs = tf.reduce_sum(g * g)
    with pytest.raises(LookupError, match="LSTMSequenceGrad.*second derivatives"):
        outer.gradient(gs, inputs[3])


def test_bad_shapes_are_named():
    xp = tf.zeros((2, 3, 8))
    with pytest.raises(InvalidArgumentError, match=r"recurrent_kernel must have shape \(2, 8\)"):
        lstm_sequence(xp, tf.zeros((2, 2)), tf.zeros((2, 2)), tf.zeros((3, 8)))
    with pytest.raises(InvalidArgumentError, match=r"initial state must have shape \(2, 2\)"):
        lstm_sequence(xp, tf.zeros((1, 2)), tf.zeros((2, 2)), tf.zeros((2, 8)))


# -- embedding ------------------------------------------------------------------------------

def test_embedding_lookup_gradient_is_a_scatter_add():
    ids = np.array([[0, 3, 3], [1, 0, 3]])
    check(lambda table: embedding_lookup(table, ids), [rand((5, 2))],
          ref=lambda table: table[ids])


def test_embedding_lookup_second_order():
    from gradcheck import check_second_order
    ids = np.array([2, 0, 2])
    check_second_order(lambda t: embedding_lookup(t, ids) ** 2, [rand((4, 3))])


def test_embedding_lookup_gradient_has_no_one_hot_matmul():
    table = tf.Variable(np.zeros((1000, 4), np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(embedding_lookup(table, np.array([[7, 7, 999]])))
    entries = [e[0] for e in tape._entries]
    assert "MatMul" not in entries and "OneHot" not in entries
    g = tape.gradient(y, table).numpy()
    assert g[7].tolist() == [2, 2, 2, 2] and g[999].tolist() == [1, 1, 1, 1]
    assert np.count_nonzero(g) == 8


def test_embedding_lookup_out_of_range_names_the_largest_id_and_vocabulary():
    with pytest.raises(InvalidArgumentError, match=r"id 12 .*\[0, 10\).*largest id received is 12"):
        embedding_lookup(tf.zeros((10, 2)), np.array([[1, 12, 11]]))
    with pytest.raises(InvalidArgumentError, match="negative"):
        embedding_lookup(tf.zeros((10, 2)), np.array([-1]))


# -- against PyTorch, float64 ----------------------------------------------------------------

torch = pytest.importorskip("torch")


def _vjp_ours(fn, arrays, us):
    ts = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        outs = fn(*ts)
    grads = tape.gradient(outs, ts, output_gradients=[tf.constant(u) for u in us])
    return [o.numpy() for o in outs], [g.numpy() for g in grads]


def _vjp_torch(fn, arrays, us):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    outs = fn(*ts)
    torch.autograd.backward(outs, [torch.tensor(u) for u in us])
    return [o.detach().numpy() for o in outs], [t.grad.numpy() for t in ts]


def _compare(ours, theirs, arrays, shapes):
    rng = np.random.default_rng(7)
    us = [rng.standard_normal(s) for s in shapes]
    o1, g1 = _vjp_ours(ours, arrays, us)
    o2, g2 = _vjp_torch(theirs, arrays, us)
    for a, b_ in zip(o1, o2):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-10)
    for k, (a, b_) in enumerate(zip(g1, g2)):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-10, err_msg=f"gradient {k}")


def test_lstm_matches_torch_float64():
    b, t, i, u = 3, 5, 4, 6
    arrays = [rand((b, t, i)), rand((i, 4 * u)), rand((4 * u,)), rand((u, 4 * u)),
              rand((b, u)), rand((b, u))]

    def ours(x, w, bias, r, h0, c0):
        xp = tf.reshape(_proj(x, w, bias), (b, t, 4 * u))
        out = lstm_sequence(xp, h0, c0, r)
        return out[0], out[1, :, -1]

    def theirs(x, w, bias, r, h0, c0):
        lstm = torch.nn.LSTM(i, u, batch_first=True).double()
        # torch's gate order i, f, g, o is Keras's i, f, c, o; its weights are transposed
        params = {"weight_ih_l0": w.T, "weight_hh_l0": r.T, "bias_ih_l0": bias,
                  "bias_hh_l0": torch.zeros(4 * u, dtype=torch.float64)}
        y, (_, c) = torch.func.functional_call(lstm, params, (x, (h0[None], c0[None])))
        return y, c[0]

    _compare(ours, theirs, arrays, [(b, t, u), (b, u)])


def _gru_torch_order(a, u):
    """Keras z, r, h blocks along the last axis -> torch's r, z, n."""
    return torch.cat([a[..., u:2 * u], a[..., :u], a[..., 2 * u:]], dim=-1)


def test_gru_reset_after_matches_torch_float64():
    b, t, i, u = 3, 5, 4, 6
    arrays = [rand((b, t, i)), rand((i, 3 * u)), rand((3 * u,)), rand((u, 3 * u)),
              rand((3 * u,)), rand((b, u))]

    def ours(x, w, bias, r, rb, h0):
        xp = tf.reshape(_proj(x, w, bias), (b, t, 3 * u))
        return [gru_sequence(xp, h0, r, rb)]

    def theirs(x, w, bias, r, rb, h0):
        gru = torch.nn.GRU(i, u, batch_first=True).double()
        params = {"weight_ih_l0": _gru_torch_order(w, u).T,
                  "weight_hh_l0": _gru_torch_order(r, u).T,
                  "bias_ih_l0": _gru_torch_order(bias, u), "bias_hh_l0": _gru_torch_order(rb, u)}
        y, _ = torch.func.functional_call(gru, params, (x, h0[None]))
        return [y]

    _compare(ours, theirs, arrays, [(b, t, u)])


def test_simple_rnn_matches_torch_float64():
    b, t, i, u = 3, 5, 4, 6
    arrays = [rand((b, t, i)), rand((i, u)), rand((u,)), rand((u, u)), rand((b, u))]

    def ours(x, w, bias, r, h0):
        return [simple_rnn_sequence(tf.reshape(_proj(x, w, bias), (b, t, u)), h0, r)]

    def theirs(x, w, bias, r, h0):
        rnn = torch.nn.RNN(i, u, batch_first=True).double()
        params = {"weight_ih_l0": w.T, "weight_hh_l0": r.T, "bias_ih_l0": bias,
                  "bias_hh_l0": torch.zeros(u, dtype=torch.float64)}
        y, _ = torch.func.functional_call(rnn, params, (x, h0[None]))
        return [y]

    _compare(ours, theirs, arrays, [(b, t, u)])
