"""Recurrent layers: the ``RNN`` base (any cell), the cells, and SimpleRNN / LSTM / GRU.

    model = tf.keras.Sequential([
        tf.keras.layers.Embedding(vocab_size, 256, batch_input_shape=[32, None]),
        tf.keras.layers.LSTM(1024, return_sequences=True, stateful=True),
        tf.keras.layers.Dense(vocab_size)])

The built-in cells run the whole sequence as a few fused ops (``ember/ops/recurrent.py``):
one matmul for the input part of every gate over all time steps, then the recurrence with
one matmul per step, and a fused backward pass. A custom cell (anything with
``state_size`` and ``call(inputs, states)``), an activation outside the fused set, or
``recurrent_dropout`` (which Keras also runs step by step, with one dropout mask per gate)
take the per-step path: the cell is called once per time step on Ember ops.

Masking follows Keras: at a masked step the states are carried over and the output equals
the previous step's output (zeros before the first unmasked step), or zeros with
``zero_output_for_mask=True`` (what ``Bidirectional`` uses).
"""

from __future__ import annotations

import numpy as np

from ember import nest, ops
from ember import random as _random
from ember.keras import activations, constraints, initializers, regularizers
from ember.keras.layers.layer import Layer
from ember.ops import nn as nn_ops
from ember.ops import recurrent as rnn_ops
from ember.tensor import Tensor, as_array, convert_to_tensor

# -- helpers --------------------------------------------------------------------------------


def _positive_int(value, name):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"Received an invalid value for argument `{name}`, expected a positive "
                         f"integer, got {value}.")
    return int(value)


def _rate(value, name):
    try:
        rate = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Argument `{name}` must be a float between 0 and 1; received "
                         f"{name}={value!r}.") from None
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"Argument `{name}` must be a float between 0 and 1; received "
                         f"{name}={value}.")
    return rate


def _ser(module, obj):
    return None if obj is None else module.serialize(obj)


_FUSED_NAMES = {activations.tanh: "tanh", ops.tanh: "tanh", activations.sigmoid: "sigmoid",
                ops.sigmoid: "sigmoid", activations.relu: "relu", ops.relu: "relu",
                activations.linear: "linear", activations.hard_sigmoid: "hard_sigmoid"}


def _fused_name(fn):
    """The name the fused recurrent ops know ``fn`` by, or None if they do not run it."""
    try:
        return _FUSED_NAMES.get(fn)
    except TypeError:  # unhashable callables
        return None


def _is_symbolic(x) -> bool:
    """True for functional-API placeholders (KerasTensors), which carry no values."""
    flat = nest.flatten(x) if isinstance(x, (list, tuple, dict)) else [x]
    return bool(flat) and type(flat[0]).__name__ == "KerasTensor"


def _mask_array(mask):
    """A (batch, time) bool array from a mask tensor/array (the first of a list), or None."""
    if isinstance(mask, (list, tuple)):
        mask = mask[0] if mask else None
    if mask is None:
        return None
    return np.asarray(as_array(mask)).astype(bool, copy=False)


class _DropoutMasks:
    """Dropout masks of a cell: drawn once per layer call and reused at every time step, as
    Keras's ``DropoutRNNCell`` does (one mask per gate when ``dropout_mask_count`` is set)."""

    dropout_mask_count = None

    def _init_dropout(self, dropout, recurrent_dropout, seed):
        self.dropout = _rate(dropout, "dropout")
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout")
        self.seed = seed
        object.__setattr__(self, "_rng", np.random.default_rng(seed))
        object.__setattr__(self, "_dropout_mask", None)
        object.__setattr__(self, "_recurrent_dropout_mask", None)

    def _draw(self, like, rate, count):
        shape = tuple(as_array(like).shape)
        dtype = as_array(like).dtype
        scale = dtype.type(1.0 / (1.0 - rate)) if rate < 1 else dtype.type(0)

        def one():
            keep = _random.keep_mask(shape, rate, rng=self._rng)
            return convert_to_tensor(keep.astype(dtype) * scale)
        return one() if count is None else [one() for _ in range(count)]

    def get_dropout_mask(self, step_input):
        if self._dropout_mask is None and self.dropout > 0:
            object.__setattr__(self, "_dropout_mask", self._draw(
                step_input, self.dropout, self.dropout_mask_count))
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_state):
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            object.__setattr__(self, "_recurrent_dropout_mask", self._draw(
                step_state, self.recurrent_dropout, self.dropout_mask_count))
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        object.__setattr__(self, "_dropout_mask", None)

    def reset_recurrent_dropout_mask(self):
        object.__setattr__(self, "_recurrent_dropout_mask", None)


class _Cell(_DropoutMasks, Layer):
    """What the three built-in cells share: weights (kernel, recurrent_kernel, bias), their
    initializers/regularizers/constraints, dropout, and the zero initial state."""

    _gates = 1

    def __init__(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                 bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                 kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                 recurrent_dropout, seed, **kwargs):
        self._implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = _positive_int(units, "units")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._init_dropout(dropout, recurrent_dropout, seed)
        if self.recurrent_dropout > 0 and self._gates > 1:
            # Keras switches to implementation 1 (one dropout mask per gate) here.
            self.dropout_mask_count = self._gates
        self.output_size = self.units

    def _add_kernels(self, input_dim):
        g = self._gates * self.units
        self.kernel = self.add_weight(shape=(input_dim, g), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, g), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)

    def _input_dim(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Layer '{self.name}': the last dimension (features) of the inputs "
                             f"must be defined. Received input_shape={tuple(input_shape)}.")
        return int(input_dim)

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [
            self.state_size]
        return [ops.zeros((batch_size, d), dtype=self.dtype) for d in sizes]

    def _can_fuse(self, training):
        names = [_fused_name(self.activation)]
        if hasattr(self, "recurrent_activation"):
            names.append(_fused_name(self.recurrent_activation))
        return None not in names and not (training and self.recurrent_dropout > 0)

    def _project(self, sequences, training):
        """``x @ kernel + bias`` for every time step at once: (batch, time, gates·units)."""
        x = sequences
        if training and self.dropout > 0:
            # One mask for the whole sequence (Keras's fused path does the same).
            mask = self.get_dropout_mask(x[:, 0, :])
            x = x * ops.expand_dims(mask, 1)
        b, t, d = as_array(x).shape
        flat = ops.reshape(x, (b * t, d))
        xp = nn_ops.dense(flat, self.kernel, self._input_bias())
        return ops.reshape(xp, (b, t, self._gates * self.units))

    def _input_bias(self):
        return self.bias if self.use_bias else None

    def _common_config(self):
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _ser(regularizers, self.kernel_regularizer),
            "recurrent_regularizer": _ser(regularizers, self.recurrent_regularizer),
            "bias_regularizer": _ser(regularizers, self.bias_regularizer),
            "kernel_constraint": _ser(constraints, self.kernel_constraint),
            "recurrent_constraint": _ser(constraints, self.recurrent_constraint),
            "bias_constraint": _ser(constraints, self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


# -- cells ----------------------------------------------------------------------------------

class SimpleRNNCell(_Cell):
    """One step of a fully connected RNN: ``h = tanh(x @ kernel + h₋₁ @ recurrent_kernel + b)``.

    Args:
        units: positive int, the state size.
        activation: default 'tanh'. use_bias: default True.
        kernel_initializer: default 'glorot_uniform'; recurrent_initializer: 'orthogonal';
        bias_initializer: 'zeros'. Regularizers and constraints: optional.
        dropout, recurrent_dropout: fractions of the inputs / states dropped while training.
        seed: seed of the dropout masks.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.state_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape))
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def call(self, inputs, states, training=False):
        prev = states[0] if isinstance(states, (list, tuple)) else states
        if training:
            dp, rdp = self.get_dropout_mask(inputs), self.get_recurrent_dropout_mask(prev)
            inputs = inputs if dp is None else inputs * dp
            prev = prev if rdp is None else prev * rdp
        h = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        out = self.activation(h + ops.matmul(prev, self.recurrent_kernel))
        return out, [out] if isinstance(states, (list, tuple)) else out

    def _sequence(self, sequences, states, mask, training, go_backwards):
        xp = self._project(sequences, training)
        out = rnn_ops.simple_rnn_sequence(xp, states[0], self.recurrent_kernel, mask,
                                          activation=_fused_name(self.activation),
                                          go_backwards=go_backwards)
        return out, [out[:, -1]]

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        return config


class LSTMCell(_Cell):
    """One LSTM step (Hochreiter & Schmidhuber, 1997), Keras's layout and gate order i, f, c, o:

        z = x @ kernel + h₋₁ @ recurrent_kernel + bias
        i, f, o = σ(z_i), σ(z_f), σ(z_o);  c = f·c₋₁ + i·tanh(z_c);  h = o·tanh(c)

    Args: as ``SimpleRNNCell``, plus ``recurrent_activation`` (default 'sigmoid') and
    ``unit_forget_bias`` (default True: the forget gate's bias starts at 1, Jozefowicz et
    al., 2015). Weights: kernel (in, 4u), recurrent_kernel (u, 4u), bias (4u,).
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape))
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                u, base = self.units, self.bias_initializer

                def init(shape, dtype=None):
                    parts = [base((u,), dtype=dtype), np.ones((u,)), base((2 * u,), dtype=dtype)]
                    return np.concatenate([np.asarray(as_array(p), np.float64) for p in parts])
            self.bias = self.add_weight(shape=(4 * self.units,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        u = self.units
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h) if training else None
        if isinstance(dp, list) or isinstance(rdp, list):
            # one mask per gate (Keras's implementation 1)
            xs = dp if dp is not None else [None] * 4
            hs = rdp if rdp is not None else [None] * 4
            ks = ops.split(self.kernel, 4, axis=1)
            rs = ops.split(self.recurrent_kernel, 4, axis=1)
            z = ops.concat([ops.matmul(inputs if xm is None else inputs * xm, k)
                            + ops.matmul(h if hm is None else h * hm, r)
                            for xm, hm, k, r in zip(xs, hs, ks, rs)], axis=-1)
        else:
            x = inputs if dp is None else inputs * dp
            z = ops.matmul(x, self.kernel) + ops.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        zi, zf, zc, zo = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        i = self.recurrent_activation(zi)
        f = self.recurrent_activation(zf)
        c = f * c + i * self.activation(zc)
        o = self.recurrent_activation(zo)
        h = o * self.activation(c)
        return h, [h, c]

    def _sequence(self, sequences, states, mask, training, go_backwards):
        xp = self._project(sequences, training)
        out = rnn_ops.lstm_sequence(xp, states[0], states[1], self.recurrent_kernel, mask,
                                    activation=_fused_name(self.activation),
                                    recurrent_activation=_fused_name(self.recurrent_activation),
                                    go_backwards=go_backwards)
        return out[0], [out[0, :, -1], out[1, :, -1]]

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config.update({"recurrent_activation": activations.serialize(self.recurrent_activation),
                       "unit_forget_bias": self.unit_forget_bias})
        return config


class GRUCell(_Cell):
    """One GRU step (Cho et al., 2014), Keras's layout and gate order z, r, h:

        z = σ(x W_z + h₋₁ U_z + b_z);  r = σ(x W_r + h₋₁ U_r + b_r)
        ĥ = tanh(x W_h + r·(h₋₁ U_h + b'_h))   (reset_after=True, the default; cuDNN's form)
        h = z·h₋₁ + (1 - z)·ĥ

    With ``reset_after=True`` the bias has shape (2, 3u): input bias, then recurrent bias.
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.state_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape))
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self.bias = self.add_weight(shape=shape, name="bias", initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _input_bias(self):
        if not self.use_bias:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def call(self, inputs, states, training=False):
        h = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h) if training else None
        xs = dp if isinstance(dp, list) else [dp] * 3
        hs = rdp if isinstance(rdp, list) else [rdp] * 3
        x_in = [inputs if m is None else inputs * m for m in xs]
        h_in = [h if m is None else h * m for m in hs]
        k, r = self.kernel, self.recurrent_kernel
        bx = self._input_bias()
        bh = self.bias[1] if self.use_bias and self.reset_after else None
        xz, xr, xh = (ops.matmul(x_in[j], k[:, j * u:(j + 1) * u]) for j in range(3))
        if bx is not None:
            xz, xr, xh = xz + bx[:u], xr + bx[u:2 * u], xh + bx[2 * u:]
        hz = ops.matmul(h_in[0], r[:, :u])
        hr = ops.matmul(h_in[1], r[:, u:2 * u])
        if bh is not None:
            hz, hr = hz + bh[:u], hr + bh[u:2 * u]
        z = self.recurrent_activation(xz + hz)
        rr = self.recurrent_activation(xr + hr)
        if self.reset_after:
            hh = ops.matmul(h_in[2], r[:, 2 * u:])
            if bh is not None:
                hh = hh + bh[2 * u:]
            hh = rr * hh
        else:
            hh = ops.matmul(rr * h_in[2], r[:, 2 * u:])
        hh = self.activation(xh + hh)
        h_new = z * h + (1.0 - z) * hh
        return h_new, [h_new] if isinstance(states, (list, tuple)) else h_new

    def _sequence(self, sequences, states, mask, training, go_backwards):
        xp = self._project(sequences, training)
        rb = self.bias[1] if self.use_bias and self.reset_after else None
        out = rnn_ops.gru_sequence(xp, states[0], self.recurrent_kernel, rb, mask,
                                   activation=_fused_name(self.activation),
                                   recurrent_activation=_fused_name(self.recurrent_activation),
                                   reset_after=self.reset_after, go_backwards=go_backwards)
        return out, [out[:, -1]]

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config.update({"recurrent_activation": activations.serialize(self.recurrent_activation),
                       "reset_after": self.reset_after})
        return config


# -- the RNN layer ----------------------------------------------------------------------------

class RNN(Layer):
    """Runs a cell over the time axis: ``RNN(cell)(x)`` with ``x`` of shape (batch, time, ...).

    A cell has ``state_size`` (an int or a list of ints), ``call(inputs, states)`` returning
    ``(output, new_states)``, and optionally ``output_size`` and ``get_initial_state``.

    Args:
        cell: the cell (a list of cells is not supported: stack RNN layers instead).
        return_sequences: return the output of every step (batch, time, units) instead of
            the last one (batch, units). Default False.
        return_state: also return the final states: ``[output, *states]``. Default False.
        go_backwards: process the sequence from its end; outputs come in that order.
        stateful: the final states of a batch are the initial states of the next batch
            (same batch size every call) until ``reset_states()``.
        unroll: accepted for compatibility; the loop is the same either way.
        zero_output_for_mask: zeros (instead of the previous output) at masked steps.

    Call arguments: ``inputs``, ``initial_state`` (a tensor or list of tensors), ``mask``
    (batch, time) bool, ``training``.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            raise ValueError("RNN(cell=[...]) with a list of cells (StackedRNNCells) is not "
                             "supported by Ember; stack RNN layers with return_sequences=True "
                             "instead.")
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError("The RNN cell should have a `state_size` attribute (single integer "
                             "or list of integers, one integer per RNN state). Received: "
                             f"cell={cell}")
        if not isinstance(state_size, (int, np.integer, list, tuple)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers (one "
                             f"for each state tensor); received {state_size!r}.")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.state_size = [int(state_size)] if isinstance(state_size, (int, np.integer)) \
            else [int(s) for s in state_size]
        self.single_state = isinstance(state_size, (int, np.integer))
        object.__setattr__(self, "_states", None)
        object.__setattr__(self, "_probing", False)
        object.__setattr__(self, "_expected_batch_size", None)

    # -- states ---------------------------------------------------------------------------
    @property
    def states(self):
        """The current states of a stateful layer (a list of tensors), else None."""
        return None if self._states is None else list(self._states)

    def reset_states(self, states=None):
        """Zeros the states of a stateful layer (or sets them to ``states``)."""
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' is not stateful: reset_states() needs "
                                 f"{type(self).__name__}(..., stateful=True).")
        if self._expected_batch_size is None:
            if states is not None:
                raise ValueError(f"Layer '{self.name}' has no batch size yet: call it once (or "
                                 "build it with a fixed batch size) before setting its states.")
            object.__setattr__(self, "_states", None)  # the first call starts from zeros
            return
        zeros = self.get_initial_state(self._expected_batch_size)
        if states is None:
            new = zeros
        else:
            given = states if isinstance(states, (list, tuple)) else [states]
            if len(given) != len(zeros):
                raise ValueError(f"Layer '{self.name}' expects {len(zeros)} states, received "
                                 f"{len(given)}.")
            new = []
            for z, s in zip(zeros, given):
                arr = np.asarray(as_array(s), dtype=as_array(z).dtype)
                if arr.shape != as_array(z).shape:
                    raise ValueError(f"Layer '{self.name}': state of shape "
                                     f"{tuple(as_array(z).shape)} expected, received {arr.shape}.")
                new.append(convert_to_tensor(arr))
        object.__setattr__(self, "_states", list(new))

    reset_state = reset_states

    def get_initial_state(self, batch_size):
        """Zero states (or the cell's own ``get_initial_state``) for ``batch_size`` sequences.

        Keras 2 code passes the input batch instead (``self.gru.get_initial_state(x)``, as
        TF's text generation tutorial does): its first dimension is the batch size."""
        if hasattr(batch_size, "shape") and len(batch_size.shape) >= 1:
            batch_size = int(batch_size.shape[0])
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            states = fn(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        return [ops.zeros((batch_size, d), dtype=self.dtype) for d in self.state_size]

    # -- building ---------------------------------------------------------------------------
    def _check_rank(self, shape):
        if len(shape) != 3:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects inputs of shape (batch, "
                f"timesteps, features), a 3-D tensor; received shape {tuple(shape)} "
                f"(ndim={len(shape)}). A 2-D batch of vectors is missing the time axis: add one "
                "with tf.expand_dims(x, 1) (one step) or reshape to (batch, timesteps, "
                "features).")

    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(sequences_shape, list) and sequences_shape and isinstance(
                sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]
        shape = tuple(sequences_shape)
        self._check_rank(shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            step_shape = (shape[0],) + shape[2:]
            self.cell.build(step_shape)
            self.cell.built = True
            self.cell._build_shape = step_shape
        if self.stateful and shape[0] is not None:
            object.__setattr__(self, "_expected_batch_size", int(shape[0]))
            self.reset_states()
        # Keras refuses a stateful RNN built without a batch size. Ember's symbolic shapes
        # after the first layer carry no batch size (batch_input_shape=[32, None] on an
        # Embedding reaches the LSTM as (None, None, 256)), so the first real call fixes it.
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        if self.stateful and _is_symbolic(inputs):
            # The functional API probes a layer on zeros to find its output shape: that probe
            # must not move a stateful layer's states.
            object.__setattr__(self, "_probing", True)
            try:
                return super().__call__(inputs, *args, **kwargs)
            finally:
                object.__setattr__(self, "_probing", False)
        return super().__call__(inputs, *args, **kwargs)

    # -- calling ----------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=None):
        x = sequences
        shape = tuple(as_array(x).shape)
        self._check_rank(shape)
        cell_in = getattr(self.cell, "_build_shape", None)
        if cell_in is not None and cell_in[-1] is not None and shape[-1] != cell_in[-1]:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) was built for "
                             f"{cell_in[-1]} features per step; received inputs of shape "
                             f"{shape}.")
        batch = shape[0]
        if initial_state is None:
            if self.stateful:
                states = self._carried_states(batch, shape)
            else:
                states = self.get_initial_state(batch)
        else:
            states = initial_state if isinstance(initial_state, (list, tuple)) else [
                initial_state]
            states = [s if isinstance(s, Tensor) else convert_to_tensor(
                np.asarray(s, dtype=self.dtype)) for s in states]
            if len(states) != len(self.state_size):
                raise ValueError(f"Layer '{self.name}' expects {len(self.state_size)} initial "
                                 f"state(s); received {len(states)}.")
            for s, size in zip(states, self.state_size):
                if tuple(as_array(s).shape) != (batch, size):
                    raise ValueError(f"Layer '{self.name}': an initial state must have shape "
                                     f"({batch}, {size}); received {tuple(as_array(s).shape)}.")
        if as_array(x).dtype != np.dtype(self.dtype):
            x = ops.cast(x, self.dtype)
        m = _mask_array(mask)
        if m is not None and m.shape != shape[:2]:
            raise ValueError(f"Layer '{self.name}': the mask must have shape {shape[:2]} "
                             f"(batch, timesteps); received {m.shape}.")
        if m is not None and m.all():
            m = None  # nothing masked: the unmasked path gives the same numbers, faster
        cell = self.cell
        fused = getattr(cell, "_sequence", None)
        try:
            if fused is not None and cell._can_fuse(training):
                seq, finals = fused(x, states, m, training, self.go_backwards)
                outputs = self._masked_outputs(seq, m)
                last = outputs[:, -1]
            else:
                outputs, last, finals = self._step_loop(x, states, m, training)
        finally:
            if isinstance(cell, _DropoutMasks):
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()
        if self.stateful and not self._probing:
            # copies: a view would keep the whole sequence's arrays alive between batches
            object.__setattr__(self, "_states", [convert_to_tensor(np.array(as_array(s)))
                                                 for s in finals])
        output = outputs if self.return_sequences else last
        if self.return_state:
            return [output] + list(finals)
        return output

    def _carried_states(self, batch, shape):
        """A stateful layer's states for this call; the first real call fixes the batch size."""
        if self._expected_batch_size is None:
            if self._probing:  # a shape probe on a dummy batch fixes nothing
                return self.get_initial_state(batch)
            object.__setattr__(self, "_expected_batch_size", int(batch))
        if batch != self._expected_batch_size:
            raise ValueError(
                f"Layer '{self.name}' is stateful and was built for batch size "
                f"{self._expected_batch_size}, but received a batch of size {batch} (input shape "
                f"{shape}). If an RNN is stateful, every batch must have the same size: rebuild "
                f"the model with batch_input_shape=[{batch}, None] and copy the weights over "
                "with set_weights.")
        if self._states is None:
            self.reset_states()
        return list(self._states)

    def _masked_outputs(self, seq, m):
        """Outputs from the state trajectory: Keras's values at masked steps."""
        if m is None:
            return seq
        steps = m[:, ::-1] if self.go_backwards else m
        if self.zero_output_for_mask:
            keep = steps
        else:
            keep = np.logical_or.accumulate(steps, axis=1)  # zeros before the first real step
            if keep.all():
                return seq
        return seq * convert_to_tensor(keep[..., None].astype(as_array(seq).dtype))

    def _step_loop(self, x, states, m, training):
        """The per-step path: the cell is called once per time step on Ember ops."""
        cell = self.cell
        steps = ops.unstack(x, axis=1)
        order = range(len(steps) - 1, -1, -1) if self.go_backwards else range(len(steps))
        kwargs = {"training": training} if _takes_training(cell) else {}
        step = cell if isinstance(cell, Layer) else cell.call
        outputs, prev = [], None
        for t in order:
            out, new = step(steps[t], list(states), **kwargs)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            if m is not None:
                keep = convert_to_tensor(m[:, t:t + 1])
                new = [ops.where(keep, n, s) for n, s in zip(new, states)]
                if prev is None or self.zero_output_for_mask:
                    prev = ops.zeros_like(out)
                out = ops.where(keep, out, prev)
            states, prev = new, out
            outputs.append(out)
        return ops.stack(outputs, axis=1), outputs[-1], states

    # -- shapes, masks, config --------------------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = tuple(sequences_shape)
        batch, length = shape[0], shape[1] if len(shape) > 1 else None
        out_size = getattr(self.cell, "output_size", None) or self.state_size[0]
        output = (batch, length, out_size) if self.return_sequences else (batch, out_size)
        if self.return_state:
            return [output] + [(batch, s) for s in self.state_size]
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def get_config(self):
        config = super().get_config()
        config.update({"return_sequences": self.return_sequences,
                       "return_state": self.return_state, "go_backwards": self.go_backwards,
                       "stateful": self.stateful, "unroll": self.unroll,
                       "zero_output_for_mask": self.zero_output_for_mask})
        if type(self) is RNN:
            config["cell"] = serialize(self.cell)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is RNN:
            config["cell"] = deserialize(config["cell"])
        return cls(**config)


def serialize(layer) -> dict:
    """``{'class_name': ..., 'config': ...}`` of a nested layer or cell (the saving format)."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config):
    """A nested layer or cell from ``serialize``'s dict (an instance passes through).

    The class is found among the loaded Layer subclasses by name, so that these layers need
    not import the saving module (which imports every layer).
    """
    if not isinstance(config, dict):
        return config
    name = config.get("class_name")
    todo, found = list(Layer.__subclasses__()), None
    while todo and found is None:
        cls = todo.pop()
        found = cls if cls.__name__ == name else None
        todo.extend(cls.__subclasses__())
    if found is None:
        raise ValueError(f"Unknown layer class '{name}' in a nested config: define or import "
                         "it before loading.")
    # The nested layer keeps its name ('forward_lstm', 'lstm_cell'), as Keras 3 restores it.
    return found.from_config(dict(config.get("config", {})))


def _takes_training(cell) -> bool:
    import inspect
    try:
        return "training" in inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        return False


class _CellLayer(RNN):
    """SimpleRNN / LSTM / GRU: an RNN over their own cell, with the cell's settings exposed."""

    _cell_class = None
    _cell_name = None
    _layer_keys = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")

    def __init__(self, units, **kwargs):
        rnn_args = {k: kwargs.pop(k) for k in self._layer_keys + ("zero_output_for_mask",)
                    if k in kwargs}
        use_cudnn = kwargs.pop("use_cudnn", "auto")
        if use_cudnn not in ("auto", True, False):
            raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of "
                             f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
        cell_keys = set(_cell_params(self._cell_class)) | {"implementation"}
        cell_args = {k: kwargs.pop(k) for k in list(kwargs) if k in cell_keys}
        cell = self._cell_class(units, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True),
                                name=self._cell_name, **cell_args)
        super().__init__(cell, **rnn_args, **kwargs)
        self.use_cudnn = use_cudnn

    def __getattr__(self, name):
        # units, activation, kernel_initializer, dropout, ...: the cell's settings
        if name.startswith("_") or name == "cell":
            raise AttributeError(name)
        cell = self.__dict__.get("cell")
        if cell is not None and name in _cell_params(type(cell)) + ("units",):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        config = super().get_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype", "batch_input_shape"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = _ser(regularizers, self.activity_regularizer)
        if type(self).__name__ == "SimpleRNN" and config.get("seed") is None:
            config.pop("seed", None)  # Keras 3's SimpleRNN.get_config has no seed
        return config


def _cell_params(cell_class):
    import inspect
    return tuple(p for p in inspect.signature(cell_class.__init__).parameters
                 if p not in ("self", "units", "kwargs"))


class SimpleRNN(_CellLayer):
    """A fully connected RNN, ``hₜ = tanh(xₜ @ kernel + hₜ₋₁ @ recurrent_kernel + bias)``.

    Arguments: ``units`` and those of ``SimpleRNNCell`` and ``RNN``.
    """

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"


class LSTM(_CellLayer):
    """Long Short-Term Memory (Hochreiter & Schmidhuber, 1997) over a sequence.

    Arguments: ``units`` and those of ``LSTMCell`` (activation='tanh',
    recurrent_activation='sigmoid', unit_forget_bias=True, dropout, recurrent_dropout, ...)
    and ``RNN`` (return_sequences, return_state, go_backwards, stateful, ...).
    Weights (Keras's layout): kernel (features, 4u), recurrent_kernel (u, 4u), bias (4u,),
    gates in i, f, c, o order. With ``return_state`` it returns ``[output, h, c]``.
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"


class GRU(_CellLayer):
    """Gated Recurrent Unit (Cho et al., 2014) over a sequence.

    Arguments: ``units`` and those of ``GRUCell`` (reset_after=True by default, so the bias
    has shape (2, 3u)) and ``RNN``. Weights: kernel (features, 3u), recurrent_kernel (u, 3u),
    gates in z, r, h order.
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"
