"""Attention layers: MultiHeadAttention, Attention (dot-product) and AdditiveAttention.

Scaled dot-product attention (Vaswani et al., 2017), for one head:

    scores = (Q Kᵀ) / √key_dim            (T × S)
    weights = softmax(scores over S)        masked keys get -1e9 before, 0 after
    output = weights V                      (T × value_dim)

MultiHeadAttention projects query, key and value into ``num_heads`` heads with Keras 3's
EinsumDense weight layout (query/key/value kernels ``(dim, heads, key_dim)``, biases
``(heads, key_dim)``, output kernel ``(heads, value_dim, dim)``, bias ``(dim,)``), so that
weights cross to Keras unchanged. The products are batched matmuls (BLAS), not einsums.
"""

from __future__ import annotations

import math

import numpy as np

from ember import dtypes, ops
from ember import random as _random
from ember.keras import activations, constraints, initializers, regularizers
from ember.keras.layers.layer import Layer
from ember.keras.layers.regularization import Dropout
from ember.keras.layers.symbolic import KerasTensor
from ember.ops import nn as nn_ops
from ember.tensor import Tensor, as_array, convert_to_tensor

# Keras's Softmax layer puts this on masked scores (float16: -3e4, which it can hold).
_LARGE_NEGATIVE = -1e9


def _shape(x) -> tuple:
    if isinstance(x, (Tensor, KerasTensor)):
        return tuple(x.shape)
    return tuple(np.shape(x))


def _ser(module, obj):
    return None if obj is None else module.serialize(obj)


def _to_float_tensor(x, dtype: str, where: str) -> Tensor:
    """A tensor of the layer's float dtype (a float tensor of another width is cast)."""
    if isinstance(x, Tensor):
        if x.dtype.is_floating and x.dtype.name != dtype:
            return ops.cast(x, dtype)
        if not x.dtype.is_floating:
            raise TypeError(f"{where} expects a floating-point tensor; received dtype "
                            f"{x.dtype.name}. Cast it with tf.cast(x, tf.float32).")
        return x
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{where} expects numeric input; received an array of dtype "
                        f"{arr.dtype}.")
    return convert_to_tensor(arr.astype(dtypes.as_dtype(dtype)._np, copy=False))


def _bool_mask(mask) -> Tensor | None:
    if mask is None:
        return None
    if isinstance(mask, Tensor):
        return mask if mask.dtype.name == "bool" else ops.cast(mask, "bool")
    return convert_to_tensor(np.asarray(mask).astype(bool))


class _Projection(Layer):
    """Keras's EinsumDense as MultiHeadAttention uses it: the last ``in_dims`` axes of the
    input map to ``out_shape`` through a kernel of shape ``(*in_axes, *out_shape)`` (plus a
    bias of shape ``out_shape``). Run as one fused matmul + bias on the flattened axes."""

    def __init__(self, in_dims: int, out_shape: tuple, use_bias: bool, kernel_initializer,
                 bias_initializer, kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.in_dims, self.out_shape = int(in_dims), tuple(int(d) for d in out_shape)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.activation = activations.get(activation)

    def build(self, input_shape):
        in_axes = tuple(input_shape[-self.in_dims:])
        if any(d is None for d in in_axes):
            raise ValueError(f"Layer '{self.name}': the last {self.in_dims} dimension(s) of its "
                             f"input must be known; received input_shape={tuple(input_shape)}.")
        self._in_size = math.prod(in_axes)
        self._out_size = math.prod(self.out_shape)
        self.kernel = self.add_weight(name="kernel", shape=in_axes + self.out_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=self.out_shape,
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        shape = tuple(inputs.shape)
        lead = shape[:len(shape) - self.in_dims]
        x = ops.reshape(inputs, (-1, self._in_size))
        w = ops.reshape(self.kernel, (self._in_size, self._out_size))
        b = None if self.bias is None else ops.reshape(self.bias, (self._out_size,))
        y = ops.reshape(nn_ops.dense(x, w, b), lead + self.out_shape)
        return y if self.activation is activations.linear else self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:len(input_shape) - self.in_dims]) + self.out_shape


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017) with Keras 3's arguments and weights.

    ``layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)``. ``query`` is ``(B, T, dim)``, ``value`` and
    ``key`` ``(B, S, dim_v)``; the output is ``(B, T, dim)`` (or ``output_shape``), the
    scores ``(B, num_heads, T, S)``. ``attention_mask`` ``(B, T, S)`` is True where a query
    may attend to a key; the Keras masks of query, value and key (from ``Embedding(mask_zero
    =True)`` or ``Masking``) are combined with it as Keras does.

    Args:
        num_heads: number of heads. key_dim: size of each head for query and key.
        value_dim: size of each head for value (default key_dim).
        dropout: dropout rate on the attention weights while training (default 0).
        use_bias: whether the projections have biases (default True).
        output_shape: output feature shape (int or tuple); default the query's last axis.
        attention_axes: axes attention runs over (default all but batch, heads, features).
        sliding_window: if set, each query sees only keys within ``sliding_window - 1``.
        use_gate: multiply the heads' output by sigmoid(gate(query)) before the output
            projection (Keras 3's gated attention).
        kernel_initializer (default 'glorot_uniform'), bias_initializer ('zeros'),
        kernel/bias regularizers and constraints: passed to the four projections.
        seed: seed of the attention dropout.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        for arg, v in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"Received an invalid value for argument `{arg}`, expected a "
                                 f"positive integer. Received: {arg}={v}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError("Received an invalid value for argument `value_dim`, expected a "
                             f"positive integer or `None`. Received: value_dim={value_dim}")
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError("Received an invalid value for argument `dropout`, expected a "
                             f"float in [0, 1). Received: dropout={dropout}")
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        if flash_attention:
            raise ValueError("MultiHeadAttention(flash_attention=True) is not supported by "
                             "Ember (NumPy has no fused attention kernel); leave it None or "
                             "False: the results are the same.")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout, self._use_bias, self._use_gate = float(dropout), bool(use_bias), use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(int(d) for d in output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                                 "`output_shape` should be of type tuple, list, or int.") from None
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple. "
                             f"Received: attention_axes={attention_axes}")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._sliding_window = sliding_window
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    # The four projections under Keras 3's public names: a model file stores their weights
    # at ``.../query_dense/vars/0`` (kernel (dim, heads, key_dim)), ``key_dense``,
    # ``value_dense`` and ``output_dense`` (kernel (heads, value_dim, dim)), as Keras does.
    @property
    def query_dense(self):
        return self._sublayer("_query_dense")

    @property
    def key_dense(self):
        return self._sublayer("_key_dense")

    @property
    def value_dense(self):
        return self._sublayer("_value_dense")

    @property
    def output_dense(self):
        return self._sublayer("_output_dense")

    def _sublayer(self, attr):
        if attr not in self.__dict__:
            raise AttributeError(f"Layer '{self.name}' (MultiHeadAttention) is not built yet: "
                                 f"its {attr[1:]} projection exists once it is called or built.")
        return self.__dict__[attr]

    # -- building ---------------------------------------------------------------------------
    def _projection(self, in_dims, out_shape, name, activation=None):
        return _Projection(in_dims, out_shape, self._use_bias, self._kernel_initializer,
                           self._bias_initializer, self._kernel_regularizer,
                           self._bias_regularizer, self._kernel_constraint,
                           self._bias_constraint, activation=activation, name=name,
                           dtype=self.dtype)

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention) builds from the shapes "
                             "of query and value: call it as layer(query, value), or "
                             "build(query_shape, value_shape).")
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        self._build_shapes = {"query_shape": list(query_shape), "value_shape": list(value_shape)}
        if key_shape is not None:
            self._build_shapes["key_shape"] = list(key_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        if len(query_shape) < 3:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention) expects query of shape "
                             f"(batch, seq_len, features); received shape {query_shape}.")
        if len(value_shape) != len(query_shape):
            raise ValueError(f"Layer '{self.name}': query and value must have the same rank; "
                             f"received query_shape={query_shape}, value_shape={value_shape}.")
        h = self._num_heads
        self._query_dense = self._projection(1, (h, self._key_dim), "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection(1, (h, self._key_dim), "key")
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(1, (h, self._value_dim), "gate", "sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection(1, (h, self._value_dim), "value")
        self._value_dense.build(value_shape)
        self._build_attention(len(query_shape) + 1)
        out = self._output_shape or (query_shape[-1],)
        self._output_dense = self._projection(2, out, "attention_output")
        self._output_dense.build(query_shape[:-1] + (h, self._value_dim))
        self.built = True

    def _build_attention(self, rank):
        """Axis bookkeeping for projected tensors of shape (B, <dims>, heads, channels)."""
        inner = tuple(range(1, rank - 2))
        if self._attention_axes is None:
            axes = inner
        else:
            axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
            if not axes or any(a not in inner for a in axes):
                raise ValueError(f"Layer '{self.name}': attention_axes={self._attention_axes} "
                                 f"must name axes of the query between the batch and the "
                                 f"feature axis, i.e. in {list(inner)} (or negative).")
        self._attention_axes = tuple(sorted(set(axes)))
        self._batch_axes = tuple(a for a in inner if a not in self._attention_axes)
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed, dtype=self.dtype)

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise TypeError(f"Layer '{self.name}' (MultiHeadAttention) needs `query` and "
                            "`value`: call it as layer(query, value) or layer(query, value, "
                            "key).")
        if not self.built:
            self.build(_shape(query), _shape(value), None if key is None else _shape(key))
            self._build_shape = _shape(query)
        # value and key travel as keywords: the functional API replays keyword tensors.
        return super().__call__(query, value=value, key=key, **kwargs)

    # -- the computation ----------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        where = f"Layer '{self.name}' (MultiHeadAttention)"
        if key is None:
            key = value
        # Keras fills query_mask/value_mask/key_mask from the tensors' own masks.
        if query_mask is None:
            query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key_mask is None and key is not value:
            key_mask = getattr(key, "_keras_mask", None)
        query = _to_float_tensor(query, self.dtype, f"{where} query")
        value = _to_float_tensor(value, self.dtype, f"{where} value")
        key = value if key is value else _to_float_tensor(key, self.dtype, f"{where} key")
        self._check_shapes(query, value, key, where)
        attention_mask = self._compute_attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        out, scores = self._compute_attention(q, k, v, attention_mask, training)
        if gate is not None:
            out = ops.multiply(out, gate)
        out = self._output_dense(out)
        qm = _bool_mask(query_mask)
        if qm is not None:
            out._keras_mask = qm
        return (out, scores) if return_attention_scores else out

    def _check_shapes(self, query, value, key, where):
        for name, t, built in (("query", query, self._query_dense.kernel.shape[0]),
                               ("value", value, self._value_dense.kernel.shape[0]),
                               ("key", key, self._key_dense.kernel.shape[0])):
            if t.ndim != len(self._attention_axes) + len(self._batch_axes) + 2 \
                    or t.shape[-1] != built:
                raise ValueError(f"{where}: {name} of shape {tuple(t.shape)} does not fit the "
                                 f"layer, built for {name} of rank "
                                 f"{len(self._attention_axes) + len(self._batch_axes) + 2} "
                                 f"with {built} features.")

    def _compute_attention_mask(self, query, value, query_mask, value_mask, key_mask,
                                attention_mask, use_causal_mask):
        """True where a query position may attend to a key position, or None (all)."""
        auto = None
        qm, vm, km = _bool_mask(query_mask), _bool_mask(value_mask), _bool_mask(key_mask)
        if qm is not None:
            auto = ops.expand_dims(qm, -1)  # (B, T, 1)
        for m in (vm, km):
            if m is not None:
                m = ops.expand_dims(m, -2)  # (B, 1, S)
                auto = m if auto is None else ops.logical_and(auto, m)
        for flag, make in ((use_causal_mask, self._causal_mask),
                           (self._sliding_window is not None, self._window_mask)):
            if flag:
                m = make(query, value)
                auto = m if auto is None else ops.logical_and(auto, m)
        am = _bool_mask(attention_mask)
        if auto is not None:
            am = auto if am is None else ops.logical_and(am, auto)
        return am

    def _seq_lengths(self, query, value, what):
        if len(self._attention_axes) != 1:
            raise ValueError(f"Layer '{self.name}': {what} needs attention over one axis; "
                             f"this layer attends over axes {self._attention_axes}.")
        return query.shape[1], value.shape[1]

    def _causal_mask(self, query, value):
        t, s = self._seq_lengths(query, value, "use_causal_mask")
        return convert_to_tensor(np.tril(np.ones((t, s), dtype=bool))[None])

    def _window_mask(self, query, value):
        t, s = self._seq_lengths(query, value, "sliding_window")
        diff = np.abs(np.arange(t)[:, None] - np.arange(s)[None, :])
        return convert_to_tensor((diff < self._sliding_window)[None])

    def _compute_attention(self, query, key, value, attention_mask=None, training=None):
        """Dot-product attention on projected (B, <dims>, heads, channels) tensors.

        Returns the attention output (B, <query dims>, heads, value_dim) and the weights
        (B, <batch dims>, heads, <query attention dims>, <key attention dims>).
        """
        qs, ks = tuple(query.shape), tuple(key.shape)
        rank = len(qs)
        batch, att = self._batch_axes, self._attention_axes
        outer = (qs[0],) + tuple(qs[a] for a in batch)
        n = math.prod(outer)
        tq = tuple(qs[a] for a in att)
        tk = tuple(ks[a] for a in att)
        h = self._num_heads
        # (B, <batch>, <att>, heads, ch) -> (N, heads, Tq, ch) as one batched matmul operand
        perm = (0,) + batch + (rank - 2,) + att + (rank - 1,)
        q = ops.reshape(ops.transpose(query, perm), (n, h, math.prod(tq), self._key_dim))
        k = ops.reshape(ops.transpose(key, perm), (n, h, math.prod(tk), self._key_dim))
        v = ops.reshape(ops.transpose(value, perm), (n, h, math.prod(tk), self._value_dim))
        q = ops.multiply(q, self._inverse_sqrt_key_dim)
        scores = ops.matmul(q, k, transpose_b=True)  # (N, heads, Tq, Tk)
        full = outer + (h,) + tq + tk
        mask = None
        if attention_mask is not None:
            mask = self._expand_mask(attention_mask, len(full))
            scores = ops.reshape(scores, full)
            scores = ops.where(mask, scores, _LARGE_NEGATIVE)
            scores = ops.reshape(scores, (n, h, math.prod(tq), math.prod(tk)))
        weights = nn_ops.softmax(scores, axis=-1)
        weights = ops.reshape(weights, full)
        if mask is not None:
            # A query whose keys are all masked gets zero weights, not a uniform average.
            weights = ops.where(mask, weights, 0.0)
        dropped = self._dropout_layer(weights, training=training) if self._dropout else weights
        dropped = ops.reshape(dropped, (n, h, math.prod(tq), math.prod(tk)))
        out = ops.matmul(dropped, v)  # (N, heads, Tq, value_dim)
        out = ops.reshape(out, outer + (h,) + tq + (self._value_dim,))
        return ops.transpose(out, tuple(np.argsort(perm))), weights

    def _expand_mask(self, mask, rank):
        shape = tuple(mask.shape)
        if len(shape) > rank:
            raise ValueError(f"Layer '{self.name}': attention_mask of shape {shape} has more "
                             f"axes than the attention scores (rank {rank}).")
        # Keras inserts the missing axes (heads first) just before the query/key axes.
        where_ = len(shape) - 2 * len(self._attention_axes)
        if where_ < 0:
            raise ValueError(f"Layer '{self.name}': attention_mask of shape {shape} must end "
                             "with the query and key attention axes, e.g. (B, T, S).")
        return ops.reshape(mask, shape[:where_] + (1,) * (rank - len(shape)) + shape[where_:])

    # -- shapes and config --------------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None and key_shape is not None \
                and tuple(value_shape)[1:-1] != tuple(key_shape)[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={tuple(value_shape)} and "
                             f"key_shape={tuple(key_shape)}")
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_build_config(self):
        """Keras 3's ``{"shapes_dict": {"query_shape": ..., "value_shape": ...}}``."""
        return {"shapes_dict": self._build_shapes} if self.built else None

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": _ser(regularizers, self._kernel_regularizer),
            "bias_regularizer": _ser(regularizers, self._bias_regularizer),
            "activity_regularizer": _ser(regularizers, self.activity_regularizer),
            "kernel_constraint": _ser(constraints, self._kernel_constraint),
            "bias_constraint": _ser(constraints, self._bias_constraint),
            "seed": self.seed,
        })
        return config


class Attention(Layer):
    """Dot-product (Luong-style) attention: ``layer([query, value])`` or
    ``layer([query, value, key])``.

    scores = query · keyᵀ (times a learned scalar ``scale`` with ``use_scale``), or with
    ``score_mode='concat'``: Σ tanh(query + key) (times ``concat_score_weight``); weights =
    softmax(scores) over the keys; output = weights · value, shape (B, Tq, dim).
    ``mask=[query_mask, value_mask]``: masked values get scores lowered by 1e9; masked
    queries get a zero output.

    Args:
        use_scale: learn a scalar that scales the scores (default False).
        score_mode: 'dot' (default) or 'concat'.
        dropout: dropout rate on the attention weights while training (default 0).
        seed: seed of that dropout.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', "
                             f"'concat'}}. Received: score_mode={score_mode}")
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError("Received an invalid value for argument `dropout`, expected a "
                             f"float in [0, 1). Received: dropout={dropout}")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, key, transpose_b=True)
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        q = ops.expand_dims(query, -2)  # (B, Tq, 1, dim)
        k = ops.expand_dims(key, -3)  # (B, 1, Tv, dim)
        s = ops.add(q, k)
        if self.scale is not None:
            s = ops.multiply(s, self.scale)
        return ops.multiply(self.concat_score_weight, ops.reduce_sum(ops.tanh(s), axis=-1))

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        where = f"Layer '{self.name}' ({type(self).__name__})"
        q = _to_float_tensor(inputs[0], self.dtype, f"{where} query")
        v = _to_float_tensor(inputs[1], self.dtype, f"{where} value")
        k = _to_float_tensor(inputs[2], self.dtype, f"{where} key") if len(inputs) > 2 else v
        if q.shape[-1] != k.shape[-1] or tuple(k.shape[:-1]) != tuple(v.shape[:-1]):
            raise ValueError(f"{where}: query {tuple(q.shape)}, value {tuple(v.shape)} and key "
                             f"{tuple(k.shape)} must share the batch axis, key and value the "
                             "time axis, and query and key the feature axis.")
        q_mask = _bool_mask(mask[0]) if mask else None
        v_mask = _bool_mask(mask[1]) if mask else None
        scores = self._calculate_scores(q, k)
        scores_mask = v_mask
        if scores_mask is not None and scores_mask.ndim == 2:
            scores_mask = ops.expand_dims(scores_mask, -2)  # (B, 1, Tv)
        if use_causal_mask:
            tq, tv = scores.shape[-2], scores.shape[-1]
            causal = convert_to_tensor(np.tril(np.ones((tq, tv), dtype=bool))[None])
            scores_mask = causal if scores_mask is None else ops.logical_and(scores_mask, causal)
        if scores_mask is not None:
            # Keras subtracts 1e9 (it does not replace the score) where the mask is False.
            big = 65504.0 if scores.dtype.name == "float16" else 1e9
            scores = ops.where(scores_mask, scores, ops.subtract(scores, big))
        weights = nn_ops.softmax(scores, axis=-1)
        applied = weights
        if training and self.dropout > 0:
            applied = self._drop(weights)
        out = ops.matmul(applied, v)
        if q_mask is not None:
            out = ops.where(ops.expand_dims(q_mask, -1), out, 0.0)
        return (out, weights) if return_attention_scores else out

    def _drop(self, x):
        if self._rng is None:
            return nn_ops.dropout(x, self.dropout)
        dtype = as_array(x).dtype
        keep = _random.keep_mask(tuple(x.shape), self.dropout, rng=self._rng)
        return ops.multiply(x, convert_to_tensor(keep.astype(dtype) / dtype.type(1 - self.dropout)))

    def compute_mask(self, inputs, mask=None):
        if not mask or mask[0] is None:
            return None
        return _bool_mask(mask[0])

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or (
                inputs and not isinstance(inputs[0], (list, tuple, Tensor, KerasTensor,
                                                      np.ndarray))):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, "
                             f"value] or [query, value, key]. Received: inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             f"[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: "
                                 f"mask of length {len(mask)}.")

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout, "seed": self.seed})
        return config


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: scores = Σ scale · tanh(query + key) over the
    features, with a learned ``scale`` vector of shape (dim,) (glorot_uniform) when
    ``use_scale`` (the default); then softmax and weighted sum as ``Attention``."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query, key):
        s = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            s = ops.multiply(s, self.scale)
        return ops.reduce_sum(s, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
