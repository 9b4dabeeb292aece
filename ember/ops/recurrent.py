"""Fused recurrent ops: a whole LSTM, GRU or simple-RNN sequence as one op.

The layer computes the input part of every gate for the whole sequence up front with one
matmul (``xp = x @ W + b``, shape (batch, time, gates·units)). These ops then run the
recurrence on raw arrays: one matmul ``h @ R`` per time step for the recurrent part, the
gate nonlinearities in place, and every activation kept for the backward pass.
Backpropagation through time is one fused backward op per input gradient: a reverse loop
with one matmul per step and one big matmul at the end for ``dR`` (Σₜ hₜ₋₁ᵀ dzₜ), with no
per-gate Python ops.

Gate layouts are Keras's: LSTM kernels (·, 4u) in i, f, c, o order; GRU kernels (·, 3u) in
z, r, h order. ``mask`` (batch, time) bool: at a masked step the state is carried over
unchanged (the op's output at that step equals the previous step's state).
``go_backwards`` reads the inputs from the last step to the first and writes step k of
the result at position k (Keras's reversed output order).

The fused backward ops (``LSTMSequenceGrad``, ``GRUSequenceGrad``, ``SimpleRNNSequenceGrad``)
have no gradient of their own: second derivatives through these ops are not supported, and
differentiating the backward op raises ``LookupError``.
"""

from __future__ import annotations

import numpy as np

from ember import threads
from ember.errors import InvalidArgumentError
from ember.record import apply, register_gradient
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t

# -- activations: forward in place, derivative from the output --------------------------

def _sigmoid_(z):
    # σ(z) = (1 + tanh(z/2)) / 2: no overflow warning for large |z|, one transcendental.
    z *= 0.5
    np.tanh(z, out=z)
    z *= 0.5
    z += 0.5


def _hard_sigmoid_(z):
    # Keras 3: relu6(z + 3) / 6
    z += 3.0
    np.clip(z, 0.0, 6.0, out=z)
    z *= 1.0 / 6.0


def _relu_(z):
    np.maximum(z, 0, out=z)


def _linear_(z):
    pass


_FORWARD = {"tanh": lambda z: np.tanh(z, out=z), "sigmoid": _sigmoid_,
            "hard_sigmoid": _hard_sigmoid_, "relu": _relu_, "linear": _linear_}

_DERIV = {
    "tanh": lambda y: 1.0 - y * y,
    "sigmoid": lambda y: y * (1.0 - y),
    "hard_sigmoid": lambda y: ((y > 0) & (y < 1)) * (1.0 / 6.0),
    "relu": lambda y: (y > 0).astype(y.dtype),
    "linear": lambda y: 1.0,
}

#: Activation names the fused ops run (other activations take the per-step cell path).
FUSED_ACTIVATIONS = frozenset(_FORWARD)


def _act(name, where):
    if name not in _FORWARD:
        raise ValueError(f"{where}: activation must be one of {sorted(_FORWARD)}; received "
                         f"{name!r}.")
    return name


def _check(op, xp, h0, R, gates, extra=()):
    """Validates shapes and dtypes; returns (x, h0, R, batch, time, units)."""
    x, h, r = xp._value, h0._value, R._value
    if x.ndim != 3 or x.dtype.kind != "f":
        raise InvalidArgumentError(f"{op}: inputs must be a float tensor of shape (batch, time, "
                                   f"{gates}*units); received {x.dtype} {tuple(x.shape)}.")
    B, T, G = x.shape
    u = G // gates
    if G % gates or r.shape != (u, G):
        raise InvalidArgumentError(f"{op}: recurrent_kernel must have shape ({u}, {G}) for inputs "
                                   f"of shape {tuple(x.shape)}; received {tuple(r.shape)}.")
    if h.shape != (B, u):
        raise InvalidArgumentError(f"{op}: the initial state must have shape ({B}, {u}); "
                                   f"received {tuple(h.shape)}.")
    for t in (h0, R) + tuple(extra):
        if t._value.dtype != x.dtype:
            raise InvalidArgumentError(f"{op}: every input must be {x.dtype}; received "
                                       f"{t._value.dtype}.")
    return x, h, r, B, T, u


def _mask(mask, B, T, op):
    if mask is None:
        return None
    m = np.asarray(mask._value if isinstance(mask, Tensor) else mask).astype(bool, copy=False)
    if m.shape != (B, T):
        raise InvalidArgumentError(f"{op}: mask must have shape ({B}, {T}); received "
                                   f"{m.shape}.")
    return m


def _step_index(k, T, backwards):
    return T - 1 - k if backwards else k


def _prev_states(states, h0):
    """(B, T, u): the state entering each step (h0, then the states of steps 0..T-2)."""
    prev = np.empty_like(states)
    prev[:, 0] = h0
    prev[:, 1:] = states[:, :-1]
    return prev


def _in_step_order(d, backwards):
    """The per-step input gradients (step order) in the inputs' time order."""
    return np.ascontiguousarray(d[:, ::-1]) if backwards else d


class _NoSecondOrder:
    """Gradient rule of a fused backward op: second derivatives are not supported."""

    def __init__(self, op):
        self.op = op

    def __call__(self, *args, **kwargs):
        raise LookupError(
            f"No gradient defined for operation '{self.op}': the fused backward pass of "
            f"{self.op[:-4]} does not support second derivatives (a gradient of a gradient "
            "through an RNN layer). Differentiate once, or build the recurrence from a cell "
            "with tf.keras.layers.RNN(cell) and activations outside the fused set.")


# -- LSTM ---------------------------------------------------------------------------------

def _batch_parts(B, work_per_example):
    """The recurrence's rows split across ``ember.threads`` workers when the batch holds
    enough work: each part runs the whole sequence for its rows (they never meet). The
    per-step products (2^27 multiply-adds for the lab's char LSTM) stay under the one-BLAS-
    thread limit, so without this a quiet 2-core machine ran them on one core: the lab's
    training step went from 1.80 to 0.96-1.10 s (PyTorch 0.67-0.77 s on both cores)."""
    return threads.split_batch(B, work_per_example, [(0, B)])


def _lstm_forward(x, h0, c0, r, m, out, act, ract, go_backwards):
    """The LSTM loop for some batch rows: writes ``out`` (2, rows, T, u), returns the
    activated gates (T, 4u, rows) and tanh(cₜ) (T, u, rows) for the backward pass."""
    B, T = x.shape[:2]
    u = r.shape[0]
    # Feature-major inside the loop (units x batch): the per-step product becomes
    # R^T (4u, u) @ h^T (u, B), the layout in which BLAS runs a skinny product fastest, and
    # every gate is a contiguous block of rows. R^T stays a view: a copy would cost as much
    # as a few steps, which matters when sampling one step at a time.
    rt = r.T
    gates = np.empty((T, 4 * u, B), x.dtype)
    act_c = np.empty((T, u, B), x.dtype)
    h = np.ascontiguousarray(h0.T)
    c = np.ascontiguousarray(c0.T)
    for k in range(T):
        t = _step_index(k, T, go_backwards)
        z = gates[k]
        np.matmul(rt, h, out=z)
        z += x[:, t].T
        ract(z[:2 * u])
        act(z[2 * u:3 * u])
        ract(z[3 * u:])
        c_new = z[u:2 * u] * c
        c_new += z[:u] * z[2 * u:3 * u]
        tc = act_c[k]
        tc[...] = c_new
        act(tc)
        h_new = z[3 * u:] * tc
        if m is not None:
            keep = m[None, :, t]
            c_new = np.where(keep, c_new, c)
            h_new = np.where(keep, h_new, h)
        out[0, :, k] = h_new.T
        out[1, :, k] = c_new.T
        h, c = h_new, c_new
    return gates, act_c


def lstm_sequence(inputs, initial_h, initial_c, recurrent_kernel, mask=None, *,
                  activation="tanh", recurrent_activation="sigmoid", go_backwards=False):
    """Runs an LSTM over a sequence whose input projections are already computed.

        z = xpₜ + hₜ₋₁ @ R;  i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_c)
        cₜ = f·cₜ₋₁ + i·g;   hₜ = o·tanh(cₜ)

    Args:
        inputs: (batch, time, 4u), ``x @ kernel + bias`` in i, f, c, o order.
        initial_h, initial_c: (batch, u) initial states.
        recurrent_kernel: (u, 4u).
        mask: optional (batch, time) bool; masked steps carry the states over.
        activation, recurrent_activation: names from ``FUSED_ACTIVATIONS``.
        go_backwards: run from the last step to the first (outputs in step order).

    Returns:
        (2, batch, time, u): the hidden states hₜ (``[0]``) and carry states cₜ (``[1]``)
        after each step.
    """
    xp, h0, c0, R = _t(inputs), _t(initial_h), _t(initial_c), _t(recurrent_kernel)
    x, h, r, B, T, u = _check("lstm_sequence", xp, h0, R, 4, (c0,))
    if c0._value.shape != (B, u):
        raise InvalidArgumentError(f"lstm_sequence: the initial carry state must have shape "
                                   f"({B}, {u}); received {tuple(c0.shape)}.")
    act = _FORWARD[_act(activation, "lstm_sequence")]
    ract = _FORWARD[_act(recurrent_activation, "lstm_sequence")]
    m = _mask(mask, B, T, "lstm_sequence")
    out = np.empty((2, B, T, u), x.dtype)

    def part(b0, b1):
        return _lstm_forward(x[b0:b1], h[b0:b1], c0._value[b0:b1], r,
                             None if m is None else m[b0:b1], out[:, b0:b1], act, ract,
                             go_backwards)

    parts = threads.run_parts(part, _batch_parts(B, T * 4 * u * u))
    # activated i, f, g, o of every step (T, 4u, B) and tanh(cₜ) (T, u, B)
    gates, act_c = parts[0] if len(parts) == 1 else (
        np.concatenate([p[0] for p in parts], axis=2),
        np.concatenate([p[1] for p in parts], axis=2))
    cache = {"gates": gates, "act_c": act_c, "mask": m}
    return apply("LSTMSequence", out, (xp, h0, c0, R),
                 {"cache": cache, "activation": activation,
                  "recurrent_activation": recurrent_activation, "go_backwards": go_backwards})


@register_gradient("LSTMSequence", wants_needs=True)
def _lstm_sequence_grad(g, out, xp, h0, c0, R, *, needs, cache, activation,
                        recurrent_activation, go_backwards):
    return lstm_sequence_backward(g, out, xp, h0, c0, R, cache, activation,
                                  recurrent_activation, go_backwards, needs)


def _lstm_backward(gv, states, gates, act_c, c0t, r, m, dZ, dact, dract, go_backwards):
    """BPTT for some batch rows: fills ``dZ`` (rows, T, 4u) in step order and returns the
    gradients of the initial states, feature-major (u, rows)."""
    _, B, T, u = states.shape
    # feature-major as in the forward loop: dh^T = R (u, 4u) @ dz^T (4u, B)
    dh_next = np.zeros((u, B), gv.dtype)
    dc_next = np.zeros((u, B), gv.dtype)
    dz = np.empty((4 * u, B), gv.dtype)
    for k in range(T - 1, -1, -1):
        z = gates[k]
        i, f, gg, o = z[:u], z[u:2 * u], z[2 * u:3 * u], z[3 * u:]
        tc = act_c[k]
        dh = gv[0, :, k].T + dh_next
        dc = gv[1, :, k].T + dc_next
        dct = dh * o
        dct *= dact(tc)
        dct += dc
        c_prev = states[1, :, k - 1].T if k else c0t
        np.multiply(dct * gg, dract(i), out=dz[:u])
        np.multiply(dct * c_prev, dract(f), out=dz[u:2 * u])
        np.multiply(dct * i, dact(gg), out=dz[2 * u:3 * u])
        np.multiply(dh * tc, dract(o), out=dz[3 * u:])
        dc_new = dct * f
        if m is not None:
            keep = m[None, :, _step_index(k, T, go_backwards)]
            dz *= keep
            dh_next = np.where(keep, r @ dz, dh)
            dc_next = np.where(keep, dc_new, dc)
        else:
            dh_next = r @ dz
            dc_next = dc_new
        dZ[:, k] = dz.T
    return dh_next, dc_next


def lstm_sequence_backward(g, out, xp, h0, c0, R, cache, activation, recurrent_activation,
                           go_backwards, needs=(True, True, True, True)):
    """Backpropagation through time for ``lstm_sequence``: gradients of its four inputs.

    One fused op (recorded as ``LSTMSequenceGrad``); it has no gradient itself, so second
    derivatives through an LSTM are not supported.
    """
    gv, states, r = g._value, out._value, R._value
    gates, act_c, m = cache["gates"], cache["act_c"], cache["mask"]
    dact, dract = _DERIV[activation], _DERIV[recurrent_activation]
    _, B, T, u = states.shape
    dZ = np.empty((B, T, 4 * u), gv.dtype)  # step order
    c0v = c0._value

    def part(b0, b1):
        return _lstm_backward(gv[:, b0:b1], states[:, b0:b1], gates[:, :, b0:b1],
                              act_c[:, :, b0:b1], c0v[b0:b1].T, r,
                              None if m is None else m[b0:b1], dZ[b0:b1], dact, dract,
                              go_backwards)

    parts = threads.run_parts(part, _batch_parts(B, T * 8 * u * u))
    dh_next = np.concatenate([p[0] for p in parts], axis=1)
    dc_next = np.concatenate([p[1] for p in parts], axis=1)
    dh_next, dc_next = np.ascontiguousarray(dh_next.T), np.ascontiguousarray(dc_next.T)
    inputs = (g, out, xp, h0, c0, R)
    grads = [None, None, None, None]
    if needs[0]:
        grads[0] = apply("LSTMSequenceGrad", _in_step_order(dZ, go_backwards), inputs)
    if needs[1]:
        grads[1] = apply("LSTMSequenceGrad", dh_next, inputs)
    if needs[2]:
        grads[2] = apply("LSTMSequenceGrad", dc_next, inputs)
    if needs[3]:
        prev = _prev_states(states[0], h0._value)
        dr = threads.matmul(prev.reshape(-1, u).T, dZ.reshape(-1, 4 * u))
        grads[3] = apply("LSTMSequenceGrad", dr, inputs)
    return tuple(grads)


register_gradient("LSTMSequenceGrad")(_NoSecondOrder("LSTMSequenceGrad"))


# -- GRU ----------------------------------------------------------------------------------

def gru_sequence(inputs, initial_h, recurrent_kernel, recurrent_bias=None, mask=None, *,
                 activation="tanh", recurrent_activation="sigmoid", reset_after=True,
                 go_backwards=False):
    """Runs a GRU over a sequence whose input projections are already computed.

    With ``reset_after=True`` (Keras's default, cuDNN's form):

        a = hₜ₋₁ @ R + b_rec;  z = σ(xp_z + a_z);  r = σ(xp_r + a_r)
        ĥ = tanh(xp_h + r·a_h);  hₜ = z·hₜ₋₁ + (1 - z)·ĥ

    With ``reset_after=False`` the reset gate applies before the matmul:
    ĥ = tanh(xp_h + (r·hₜ₋₁) @ R_h), and there is no recurrent bias.

    Args:
        inputs: (batch, time, 3u), ``x @ kernel + input_bias`` in z, r, h order.
        initial_h: (batch, u). recurrent_kernel: (u, 3u).
        recurrent_bias: (3u,) or None (only with ``reset_after=True``).
        mask, activation, recurrent_activation, go_backwards: as ``lstm_sequence``.

    Returns:
        (batch, time, u): the state after each step.
    """
    xp, h0, R = _t(inputs), _t(initial_h), _t(recurrent_kernel)
    extra = () if recurrent_bias is None else (_t(recurrent_bias),)
    x, h, r, B, T, u = _check("gru_sequence", xp, h0, R, 3, extra)
    if extra and not reset_after:
        raise InvalidArgumentError("gru_sequence: a recurrent bias needs reset_after=True.")
    if extra and extra[0]._value.shape != (3 * u,):
        raise InvalidArgumentError(f"gru_sequence: recurrent_bias must have shape ({3 * u},); "
                                   f"received {tuple(extra[0].shape)}.")
    act = _FORWARD[_act(activation, "gru_sequence")]
    ract = _FORWARD[_act(recurrent_activation, "gru_sequence")]
    m = _mask(mask, B, T, "gru_sequence")
    rb = extra[0]._value if extra else None
    out = np.empty((B, T, u), x.dtype)
    rt = r.T  # feature-major loop, as lstm_sequence
    rb = None if rb is None else rb[:, None]
    zr_all = np.empty((T, 2 * u, B), x.dtype)  # activated z, r
    hh_all = np.empty((T, u, B), x.dtype)      # activated candidate ĥ
    # reset_after: a_h = (h @ R_h + b_h) of each step; otherwise r·hₜ₋₁ of each step
    aux = np.empty((T, u, B), x.dtype)
    h = np.ascontiguousarray(h.T)
    for k in range(T):
        t = _step_index(k, T, go_backwards)
        xt = x[:, t].T
        zr = zr_all[k]
        hh = hh_all[k]
        if reset_after:
            a = rt @ h
            if rb is not None:
                a += rb
            np.add(xt[:2 * u], a[:2 * u], out=zr)
            ract(zr)
            aux[k] = a[2 * u:]
            np.multiply(zr[u:], aux[k], out=hh)
        else:
            np.matmul(rt[:2 * u], h, out=zr)
            zr += xt[:2 * u]
            ract(zr)
            np.multiply(zr[u:], h, out=aux[k])
            np.matmul(rt[2 * u:], aux[k], out=hh)
        hh += xt[2 * u:]
        act(hh)
        h_new = h - hh
        h_new *= zr[:u]
        h_new += hh
        if m is not None:
            h_new = np.where(m[None, :, t], h_new, h)
        out[:, k] = h_new.T
        h = h_new
    cache = {"zr": zr_all, "hh": hh_all, "aux": aux, "mask": m}
    return apply("GRUSequence", out, (xp, h0, R) + extra,
                 {"cache": cache, "activation": activation,
                  "recurrent_activation": recurrent_activation, "reset_after": reset_after,
                  "go_backwards": go_backwards})


@register_gradient("GRUSequence", wants_needs=True)
def _gru_sequence_grad(g, out, xp, h0, R, rb=None, *, needs, cache, activation,
                       recurrent_activation, reset_after, go_backwards):
    return gru_sequence_backward(g, out, xp, h0, R, rb, cache, activation, recurrent_activation,
                                 reset_after, go_backwards, needs)


def gru_sequence_backward(g, out, xp, h0, R, rb, cache, activation, recurrent_activation,
                          reset_after, go_backwards, needs=(True, True, True, True)):
    """Backpropagation through time for ``gru_sequence`` (one fused op, ``GRUSequenceGrad``,
    with no gradient itself: no second derivatives through a GRU)."""
    gv, states, r = g._value, out._value, R._value
    zr_all, hh_all, aux, m = cache["zr"], cache["hh"], cache["aux"], cache["mask"]
    dact, dract = _DERIV[activation], _DERIV[recurrent_activation]
    B, T, u = states.shape
    dX = np.empty((B, T, 3 * u), gv.dtype)   # step order
    dA = np.empty((B, T, 3 * u), gv.dtype) if reset_after else None  # d(h @ R + b_rec)
    dh_next = np.zeros((u, B), gv.dtype)  # feature-major, as the forward loop
    r_zr, r_h = (None, None) if reset_after else (r[:, :2 * u], r[:, 2 * u:])
    dx = np.empty((3 * u, B), gv.dtype)
    da = np.empty((3 * u, B), gv.dtype)
    h0t = h0._value.T
    for k in range(T - 1, -1, -1):
        zz, rr = zr_all[k][:u], zr_all[k][u:]
        hh = hh_all[k]
        h_prev = states[:, k - 1].T if k else h0t
        dh = gv[:, k].T + dh_next
        dzp, drp, dhp = dx[:u], dx[u:2 * u], dx[2 * u:]
        np.multiply(dh * (h_prev - hh), dract(zz), out=dzp)
        np.multiply(dh * (1.0 - zz), dact(hh), out=dhp)
        if reset_after:
            np.multiply(dhp * aux[k], dract(rr), out=drp)
            da[:2 * u] = dx[:2 * u]
            np.multiply(dhp, rr, out=da[2 * u:])
            dh_new = dh * zz
            dh_new += r @ da
        else:
            d_rh = r_h @ dhp
            np.multiply(d_rh * h_prev, dract(rr), out=drp)
            dh_new = dh * zz
            dh_new += d_rh * rr
            dh_new += r_zr @ dx[:2 * u]
        if m is not None:
            keep = m[None, :, _step_index(k, T, go_backwards)]
            dx *= keep
            da *= keep
            dh_next = np.where(keep, dh_new, dh)
        else:
            dh_next = dh_new
        dX[:, k] = dx.T
        if reset_after:
            dA[:, k] = da.T
    dh_next = np.ascontiguousarray(dh_next.T)
    inputs = (g, out, xp, h0, R) + (() if rb is None else (rb,))
    grads = [None] * len(inputs[2:])
    if needs[0]:
        grads[0] = apply("GRUSequenceGrad", _in_step_order(dX, go_backwards), inputs)
    if needs[1]:
        grads[1] = apply("GRUSequenceGrad", dh_next, inputs)
    if needs[2]:
        prev = _prev_states(states, h0._value).reshape(-1, u)
        if reset_after:
            dr = prev.T @ dA.reshape(-1, 3 * u)
        else:
            dr = np.empty_like(r)
            dr[:, :2 * u] = prev.T @ dX[:, :, :2 * u].reshape(-1, 2 * u)
            # the candidate's matmul saw r·hₜ₋₁ (aux, time-major) and produced dĥ_pre
            rh = aux.transpose(2, 0, 1).reshape(-1, u)
            dr[:, 2 * u:] = rh.T @ dX[:, :, 2 * u:].reshape(-1, u)
        grads[2] = apply("GRUSequenceGrad", dr, inputs)
    if rb is not None and needs[3]:
        grads[3] = apply("GRUSequenceGrad", dA.sum(axis=(0, 1)), inputs)
    return tuple(grads)


register_gradient("GRUSequenceGrad")(_NoSecondOrder("GRUSequenceGrad"))


# -- simple RNN ---------------------------------------------------------------------------

def simple_rnn_sequence(inputs, initial_h, recurrent_kernel, mask=None, *, activation="tanh",
                        go_backwards=False):
    """Runs a fully connected RNN, ``hₜ = tanh(xpₜ + hₜ₋₁ @ R)``, over a sequence.

    Args:
        inputs: (batch, time, u), ``x @ kernel + bias``. initial_h: (batch, u).
        recurrent_kernel: (u, u). mask, activation, go_backwards: as ``lstm_sequence``.

    Returns:
        (batch, time, u): the state after each step.
    """
    xp, h0, R = _t(inputs), _t(initial_h), _t(recurrent_kernel)
    x, h, r, B, T, u = _check("simple_rnn_sequence", xp, h0, R, 1)
    act = _FORWARD[_act(activation, "simple_rnn_sequence")]
    m = _mask(mask, B, T, "simple_rnn_sequence")
    out = np.empty((B, T, u), x.dtype)
    rt = r.T  # feature-major loop, as lstm_sequence
    act_all = np.empty((T, u, B), x.dtype)  # the activations, also where a step is masked
    h = np.ascontiguousarray(h.T)
    for k in range(T):
        t = _step_index(k, T, go_backwards)
        a = act_all[k]
        np.matmul(rt, h, out=a)
        a += x[:, t].T
        act(a)
        h = a if m is None else np.where(m[None, :, t], a, h)
        out[:, k] = h.T
    return apply("SimpleRNNSequence", out, (xp, h0, R),
                 {"cache": {"act": act_all, "mask": m}, "activation": activation,
                  "go_backwards": go_backwards})


@register_gradient("SimpleRNNSequence", wants_needs=True)
def _simple_rnn_sequence_grad(g, out, xp, h0, R, *, needs, cache, activation, go_backwards):
    return simple_rnn_sequence_backward(g, out, xp, h0, R, cache, activation, go_backwards, needs)


def simple_rnn_sequence_backward(g, out, xp, h0, R, cache, activation, go_backwards,
                                 needs=(True, True, True)):
    """Backpropagation through time for ``simple_rnn_sequence`` (one fused op,
    ``SimpleRNNSequenceGrad``, with no gradient itself)."""
    gv, states, r = g._value, out._value, R._value
    act_all, m = cache["act"], cache["mask"]
    dact = _DERIV[activation]
    B, T, u = states.shape
    dX = np.empty((B, T, u), gv.dtype)
    dh_next = np.zeros((u, B), gv.dtype)  # feature-major, as the forward loop
    for k in range(T - 1, -1, -1):
        dh = gv[:, k].T + dh_next
        dp = dh * dact(act_all[k])
        if m is not None:
            keep = m[None, :, _step_index(k, T, go_backwards)]
            dp *= keep
            dh_next = np.where(keep, r @ dp, dh)
        else:
            dh_next = r @ dp
        dX[:, k] = dp.T
    dh_next = np.ascontiguousarray(dh_next.T)
    inputs = (g, out, xp, h0, R)
    grads = [None, None, None]
    if needs[0]:
        grads[0] = apply("SimpleRNNSequenceGrad", _in_step_order(dX, go_backwards), inputs)
    if needs[1]:
        grads[1] = apply("SimpleRNNSequenceGrad", dh_next, inputs)
    if needs[2]:
        prev = _prev_states(states, h0._value).reshape(-1, u)
        grads[2] = apply("SimpleRNNSequenceGrad", prev.T @ dX.reshape(-1, u), inputs)
    return tuple(grads)


register_gradient("SimpleRNNSequenceGrad")(_NoSecondOrder("SimpleRNNSequenceGrad"))


__all__ = ["lstm_sequence", "gru_sequence", "simple_rnn_sequence", "FUSED_ACTIVATIONS"]
