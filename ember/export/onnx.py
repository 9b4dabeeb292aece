"""ONNX export: ``ember.export.onnx(model, "m.onnx")`` or ``model.export("m.onnx",
format="onnx")``, for ONNX Runtime and other ONNX tools (needs the ``onnx`` extra).

Sequential and functional models are exported layer call by layer call (opset 17, batch
dimension named ``batch``); each layer type has one small translation below. Supported:
Dense (with its activation), Activation, ReLU, LeakyReLU, ELU, Softmax, Dropout and other
identity-at-inference layers, Flatten, Reshape, Permute, RepeatVector, Add, Subtract,
Multiply, Average, Maximum, Minimum, Concatenate, Embedding, LSTM/GRU/SimpleRNN layers
with their default activations (one direction, ``return_sequences`` either way, no
masking), and, when present, Conv1D/2D/3D (channels_last, ungrouped), Conv2DTranspose,
DepthwiseConv2D, SeparableConv2D, Max/Average pooling, global pooling, BatchNormalization
(inference: moving statistics), LayerNormalization (last axis), ZeroPadding2D,
Cropping2D, UpSampling2D (nearest), Rescaling, the random augmentation layers (identity at
inference), MultiHeadAttention (sequence axis, no masks), Attention, AdditiveAttention
and TimeDistributed over per-step layers. Any other layer is refused with an error naming
it; subclassed models (whose ``call`` is Python code) are refused too.
"""

from __future__ import annotations

import os

import numpy as np

from ember import nest
from ember.tensor import as_array

OPSET = 17


class ONNXExportError(ValueError):
    """The model holds something this exporter cannot translate; the message names it."""


class _Graph:
    def __init__(self, helper, numpy_helper):
        self.h, self.nh = helper, numpy_helper
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, array, base="const"):
        name = self.name(base)
        self.inits.append(self.nh.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, base, **attrs):
        out = self.name(base)
        self.nodes.append(self.h.make_node(op_type, list(inputs), [out], name=out, **attrs))
        return out

    def ops(self, op_type, inputs, base, n_out, **attrs):
        outs = [self.name(base) for _ in range(n_out)]
        self.nodes.append(self.h.make_node(op_type, list(inputs), outs, name=outs[0], **attrs))
        return outs


# -- activations -----------------------------------------------------------------------------
def _activation(g, fn, x, where):
    from ember.keras import activations as A
    name = A.serialize(fn) if callable(fn) else fn
    simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus",
              "softsign": "Softsign", "selu": "Selu", "exponential": "Exp"}
    if name in ("linear", None):
        return x
    if name in simple:
        return g.op(simple[name], [x], name)
    if name == "softmax":
        return g.op("Softmax", [x], "softmax", axis=-1)
    if name == "log_softmax":
        return g.op("LogSoftmax", [x], "log_softmax", axis=-1)
    if name == "elu":
        return g.op("Elu", [x], "elu", alpha=1.0)
    if name == "leaky_relu":
        return g.op("LeakyRelu", [x], "leaky_relu", alpha=0.2)
    if name == "relu6":
        return g.op("Clip", [x, g.const(np.float32(0)), g.const(np.float32(6))], "relu6")
    if name == "hard_sigmoid":  # Keras 3: relu6(x + 3) / 6
        return g.op("HardSigmoid", [x], "hard_sigmoid", alpha=1.0 / 6.0, beta=0.5)
    if name in ("silu", "swish"):
        return g.op("Mul", [x, g.op("Sigmoid", [x], "sig")], "silu")
    if name == "gelu":  # the exact form: x * (1 + erf(x / sqrt 2)) / 2
        e = g.op("Erf", [g.op("Div", [x, g.const(np.float32(np.sqrt(2.0)))], "div")], "erf")
        half = g.op("Mul", [x, g.const(np.float32(0.5))], "half")
        return g.op("Mul", [half, g.op("Add", [e, g.const(np.float32(1))], "add")], "gelu")
    raise ONNXExportError(f"{where}: activation {name!r} has no ONNX translation here; "
                          "supported: linear, relu, sigmoid, tanh, softmax, log_softmax, elu, "
                          "selu, softplus, softsign, leaky_relu, relu6, hard_sigmoid, silu, "
                          "gelu, exponential.")


# -- layers ----------------------------------------------------------------------------------
def _dense(g, layer, x):
    y = g.op("MatMul", [x, g.const(as_array(layer.kernel), "kernel")], "matmul")
    if layer.use_bias:
        y = g.op("Add", [y, g.const(as_array(layer.bias), "bias")], "bias_add")
    return _activation(g, layer.activation, y, f"layer '{layer.name}'")


def _relu_layer(g, layer, x):
    if layer.threshold or layer.negative_slope:
        raise ONNXExportError(f"layer '{layer.name}' (ReLU): threshold/negative_slope are not "
                              "exported; only max_value.")
    y = g.op("Relu", [x], "relu")
    if layer.max_value is not None:
        y = g.op("Min", [y, g.const(np.float32(layer.max_value))], "relu_max")
    return y


def _reshape(g, layer, x):
    return g.op("Reshape", [x, g.const(np.array((0, *layer.target_shape), np.int64))],
                "reshape")


def _merge(op_type):
    def convert(g, layer, xs):
        y = xs[0]
        for other in xs[1:]:
            y = g.op(op_type, [y, other], op_type.lower())
        return y
    return convert


def _average(g, layer, xs):
    return g.op("Mean", list(xs), "mean")


def _embedding(g, layer, x):
    if getattr(layer, "mask_zero", False):
        raise ONNXExportError(f"layer '{layer.name}' (Embedding): mask_zero=True is not "
                              "exported (ONNX has no Keras masks, so the layers after it would "
                              "give other results); export a model without the mask.")
    ids = g.op("Cast", [x], "ids", to=7)  # int64
    return g.op("Gather", [g.const(as_array(layer.embeddings), "embeddings"), ids], "gather")


def _repeat(g, layer, x):
    y = g.op("Unsqueeze", [x, g.const(np.array([1], np.int64))], "unsqueeze")
    return g.op("Tile", [y, g.const(np.array([1, layer.n, 1], np.int64))], "repeat")


# Keras gate order -> ONNX gate order (LSTM: i,f,c,o -> i,o,f,c; GRU: z,r,h -> z,r,h).
_GATES = {"LSTM": (0, 3, 1, 2), "GRU": (0, 1, 2), "SimpleRNN": (0,)}


def _recurrent(g, layer, x):
    kind = type(layer).__name__
    cell = getattr(layer, "cell", layer)
    where = f"layer '{layer.name}' ({kind})"
    from ember.keras import activations as A
    if A.serialize(cell.activation) != "tanh" or (
            kind != "SimpleRNN" and A.serialize(cell.recurrent_activation) != "sigmoid"):
        raise ONNXExportError(f"{where}: only the default activations (tanh, sigmoid) are "
                              "exported.")
    if getattr(layer, "go_backwards", False) or getattr(layer, "stateful", False):
        raise ONNXExportError(f"{where}: go_backwards and stateful layers are not exported.")
    u = cell.units
    order = _GATES[kind]

    def gates(w):  # (in, n·u) Keras -> (n·u, in) ONNX, gates reordered
        blocks = np.split(np.asarray(w), len(order), axis=-1)
        return np.concatenate([blocks[i] for i in order], axis=-1).T

    w = gates(as_array(cell.kernel))[None]
    r = gates(as_array(cell.recurrent_kernel))[None]
    bias = as_array(cell.bias) if cell.use_bias else np.zeros(len(order) * u, np.float32)
    attrs = {"hidden_size": u}  # time-major (layout 0): ONNX Runtime has no batch-major RNNs
    x = g.op("Transpose", [x], "time_major", perm=[1, 0, 2])
    if kind == "GRU":
        if not getattr(cell, "reset_after", True):
            raise ONNXExportError(f"{where}: only reset_after=True (Keras's default) is "
                                  "exported.")
        bias = np.asarray(bias).reshape(2, 3 * u) if np.ndim(bias) == 1 and np.size(
            bias) == 6 * u else np.asarray(bias)
        wb, rb = (gates(bias[0][None])[:, 0], gates(bias[1][None])[:, 0]) if bias.ndim == 2 \
            else (gates(bias[None])[:, 0], np.zeros(3 * u, np.float32))
        b = np.concatenate([wb, rb])[None]
        attrs["linear_before_reset"] = 1
    else:
        b = np.concatenate([gates(np.asarray(bias)[None])[:, 0],
                            np.zeros(len(order) * u, np.float32)])[None]
    op_type = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "RNN"}[kind]
    if kind == "SimpleRNN":
        attrs["activations"] = ["Tanh"]
    n_out = 3 if kind == "LSTM" else 2
    outs = g.ops(op_type, [x, g.const(w.astype(np.float32), "W"),
                           g.const(r.astype(np.float32), "R"),
                           g.const(b.astype(np.float32), "B")], kind.lower(), n_out, **attrs)
    if layer.return_sequences:  # Y: (time, 1, batch, units)
        y = g.op("Squeeze", [outs[0], g.const(np.array([1], np.int64))], "seq")
        return g.op("Transpose", [y], "batch_major", perm=[1, 0, 2])
    return g.op("Squeeze", [outs[1], g.const(np.array([0], np.int64))], "last")


# -- convolution, pooling and normalization (by class name: those families may be absent) --
def _channels_last(layer):
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ONNXExportError(f"layer '{layer.name}': only data_format='channels_last' is "
                              "exported.")


def _to_channels_first(g, x, rank):
    return g.op("Transpose", [x], "nchw", perm=[0, rank + 1, *range(1, rank + 1)])


def _to_channels_last(g, x, rank):
    return g.op("Transpose", [x], "nhwc", perm=[0, *range(2, rank + 2), 1])


def _pad_attrs(layer):
    if layer.padding == "same":
        return {"auto_pad": "SAME_UPPER"}
    if layer.padding == "valid":
        return {"auto_pad": "VALID"}
    raise ONNXExportError(f"layer '{layer.name}': padding={layer.padding!r} is not exported.")


def _conv(g, layer, x):
    _channels_last(layer)
    if getattr(layer, "groups", 1) != 1 or getattr(layer, "_transposed", False):
        raise ONNXExportError(f"layer '{layer.name}' ({type(layer).__name__}): grouped and "
                              "transposed convolutions are not exported.")
    rank = len(layer.kernel_size)
    kernel = np.asarray(as_array(layer.kernel))  # (*k, in, out) -> (out, in, *k)
    w = np.transpose(kernel, (rank + 1, rank, *range(rank)))
    inputs = [_to_channels_first(g, x, rank), g.const(w, "W")]
    if layer.use_bias:
        inputs.append(g.const(np.asarray(as_array(layer.bias)), "B"))
    y = g.op("Conv", inputs, "conv", kernel_shape=list(layer.kernel_size),
             strides=list(layer.strides), dilations=list(layer.dilation_rate), **_pad_attrs(layer))
    y = _to_channels_last(g, y, rank)
    return _activation(g, layer.activation, y, f"layer '{layer.name}'")


def _conv_transpose(g, layer, x):
    """Conv2DTranspose as ONNX ConvTranspose: the pads are those of the convolution it
    transposes, and ``output_padding`` the rows that convolution's stride skipped."""
    _channels_last(layer)
    shape = getattr(layer, "_build_shape", None)
    if shape is None or any(d is None for d in shape[1:3]):
        raise ONNXExportError(f"layer '{layer.name}' (Conv2DTranspose): exported only with a "
                              "known input height and width.")
    from ember.ops import conv as conv_ops
    out = layer._out_spatial(tuple(shape[1:3]))
    _, _, pads = conv_ops._geometry(layer.name, (1, *out, layer.filters), *layer.kernel_size,
                                    layer.strides, layer.dilation_rate,
                                    (layer.padding, layer.padding))
    extra = []
    for size, o, k, s, d, (b, a) in zip(shape[1:3], out, layer.kernel_size, layer.strides,
                                        layer.dilation_rate, pads):
        extra.append(o + b + a - ((k - 1) * d + 1) - s * (size - 1))
    kernel = np.asarray(as_array(layer.kernel))  # (kh, kw, out, in) -> (in, out, kh, kw)
    inputs = [_to_channels_first(g, x, 2), g.const(np.transpose(kernel, (3, 2, 0, 1)), "W")]
    if layer.use_bias:
        inputs.append(g.const(np.asarray(as_array(layer.bias)), "B"))
    y = g.op("ConvTranspose", inputs, "conv_transpose", kernel_shape=list(layer.kernel_size),
             strides=list(layer.strides), dilations=list(layer.dilation_rate),
             pads=[pads[0][0], pads[1][0], pads[0][1], pads[1][1]], output_padding=extra)
    y = _to_channels_last(g, y, 2)
    return _activation(g, layer.activation, y, f"layer '{layer.name}'")


def _depthwise_conv(g, layer, x, kernel, bias, base):
    """A depthwise convolution as a grouped ONNX Conv: Keras's (kh, kw, C, m) kernel gives
    output channel c·m + j from input channel c, as ONNX's groups of m outputs do."""
    kh, kw, c, m = kernel.shape
    w = np.transpose(kernel.reshape(kh, kw, c * m), (2, 0, 1))[:, None]
    inputs = [x, g.const(w, "W")] + ([g.const(bias, "B")] if bias is not None else [])
    return g.op("Conv", inputs, base, kernel_shape=[kh, kw], strides=list(layer.strides),
                dilations=list(layer.dilation_rate), group=c, **_pad_attrs(layer))


def _depthwise(g, layer, x):
    _channels_last(layer)
    bias = np.asarray(as_array(layer.bias)) if layer.use_bias else None
    y = _depthwise_conv(g, layer, _to_channels_first(g, x, 2),
                        np.asarray(as_array(layer.kernel)), bias, "depthwise")
    return _activation(g, layer.activation, _to_channels_last(g, y, 2), f"layer '{layer.name}'")


def _separable(g, layer, x):
    _channels_last(layer)
    y = _depthwise_conv(g, layer, _to_channels_first(g, x, 2),
                        np.asarray(as_array(layer.depthwise_kernel)), None, "depthwise")
    pointwise = np.asarray(as_array(layer.pointwise_kernel))  # (1, 1, C·m, F)
    inputs = [y, g.const(np.transpose(pointwise, (3, 2, 0, 1)), "W")]
    if layer.use_bias:
        inputs.append(g.const(np.asarray(as_array(layer.bias)), "B"))
    y = g.op("Conv", inputs, "pointwise", kernel_shape=[1, 1])
    return _activation(g, layer.activation, _to_channels_last(g, y, 2), f"layer '{layer.name}'")


def _zero_padding(g, layer, x):
    _channels_last(layer)
    (t, b), (left, r) = layer.padding
    return g.op("Pad", [x, g.const(np.array([0, t, left, 0, 0, b, r, 0], np.int64))], "pad")


def _cropping(g, layer, x):
    _channels_last(layer)
    (t, b), (left, r) = layer.cropping
    big = np.iinfo(np.int64).max
    ends = np.array([big if b == 0 else -b, big if r == 0 else -r], np.int64)
    return g.op("Slice", [x, g.const(np.array([t, left], np.int64)), g.const(ends),
                          g.const(np.array([1, 2], np.int64))], "crop")


def _upsampling(g, layer, x):
    _channels_last(layer)
    if layer.interpolation != "nearest":
        raise ONNXExportError(f"layer '{layer.name}' (UpSampling2D): only "
                              "interpolation='nearest' is exported.")
    reps = np.array([1, *layer.size, 1], np.float32)
    return g.op("Resize", [x, "", g.const(reps, "scales")], "upsample", mode="nearest",
                nearest_mode="floor", coordinate_transformation_mode="asymmetric")


def _rescaling(g, layer, x):
    y = g.op("Mul", [x, g.const(np.asarray(layer.scale, np.float32), "scale")], "rescale")
    if np.any(layer.offset):
        y = g.op("Add", [y, g.const(np.asarray(layer.offset, np.float32), "offset")], "offset")
    return y


def _projection(g, dense, x, in_dims):
    """Keras's EinsumDense (a MultiHeadAttention projection) as MatMul + Add on the last
    ``in_dims`` axes flattened; the result keeps them flattened."""
    kernel = np.asarray(as_array(dense.kernel))
    n_in = int(np.prod(kernel.shape[:in_dims]))
    y = g.op("MatMul", [x, g.const(kernel.reshape(n_in, -1), "kernel")], "proj")
    if dense.bias is not None:
        y = g.op("Add", [y, g.const(np.asarray(as_array(dense.bias)).ravel(), "bias")], "bias")
    return y


def _split_heads(g, x, heads, perm):
    y = g.op("Reshape", [x, g.const(np.array([0, 0, heads, -1], np.int64))], "heads")
    return g.op("Transpose", [y], "heads_t", perm=perm)


def _multi_head_attention(g, layer, xs):
    """Self- or cross-attention over the sequence axis of (batch, time, features) inputs,
    without masks: the four projections, scaled dot products, softmax, weighted sum."""
    q_in, v_in, k_in = xs
    where = f"layer '{layer.name}' (MultiHeadAttention)"
    if layer.attention_axes != (1,) or getattr(layer, "_use_gate", False):
        raise ONNXExportError(f"{where}: only attention over the sequence axis of rank-3 "
                              "inputs, without use_gate, is exported.")
    h = layer.num_heads
    q = _split_heads(g, _projection(g, layer.query_dense, q_in, 1), h, [0, 2, 1, 3])
    k = _split_heads(g, _projection(g, layer.key_dense, k_in, 1), h, [0, 2, 3, 1])
    v = _split_heads(g, _projection(g, layer.value_dense, v_in, 1), h, [0, 2, 1, 3])
    q = g.op("Mul", [q, g.const(np.float32(1.0 / np.sqrt(layer.key_dim)))], "scaled")
    weights = g.op("Softmax", [g.op("MatMul", [q, k], "scores")], "weights", axis=-1)
    out = g.op("Transpose", [g.op("MatMul", [weights, v], "attend")], "merge", perm=[0, 2, 1, 3])
    out = g.op("Reshape", [out, g.const(np.array([0, 0, -1], np.int64))], "merged")
    y = _projection(g, layer.output_dense, out, 2)
    shape = np.asarray(as_array(layer.output_dense.kernel)).shape[2:]
    if len(shape) > 1:
        y = g.op("Reshape", [y, g.const(np.array([0, 0, *shape], np.int64))], "out_shape")
    return y


def _attention(g, layer, xs):
    """Keras's Attention (dot scores) and AdditiveAttention, without masks."""
    q, v = xs[0], xs[1]
    k = xs[2] if len(xs) > 2 else v
    kind = type(layer).__name__
    if kind == "AdditiveAttention" or layer.score_mode == "concat":
        s = g.op("Add", [g.op("Unsqueeze", [q, g.const(np.array([-2], np.int64))], "q"),
                         g.op("Unsqueeze", [k, g.const(np.array([-3], np.int64))], "k")], "qk")
        if kind == "Attention" and layer.scale is not None:
            s = g.op("Mul", [s, g.const(np.asarray(as_array(layer.scale)), "scale")], "scaled")
        s = g.op("Tanh", [s], "tanh")
        if kind == "AdditiveAttention" and layer.scale is not None:
            s = g.op("Mul", [s, g.const(np.asarray(as_array(layer.scale)), "scale")], "scaled")
        scores = g.op("ReduceSum", [s, g.const(np.array([-1], np.int64))], "scores", keepdims=0)
        if kind == "Attention":
            scores = g.op("Mul", [scores, g.const(np.asarray(as_array(
                layer.concat_score_weight)), "weight")], "weighted")
    else:
        kt = g.op("Transpose", [k], "key_t", perm=[0, 2, 1])
        scores = g.op("MatMul", [q, kt], "scores")
        if layer.scale is not None:
            scores = g.op("Mul", [scores, g.const(np.asarray(as_array(layer.scale)), "scale")],
                          "scaled")
    weights = g.op("Softmax", [scores], "weights", axis=-1)
    return g.op("MatMul", [weights, v], "attend")


# Per-step layers TimeDistributed can hand its (batch, time, ...) input to unchanged.
_PER_LAST_AXIS = ("Dense", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Dropout",
                  "Identity", "LayerNormalization", "BatchNormalization")


def _time_distributed(g, layer, x):
    inner = layer.layer
    if type(inner).__name__ not in _PER_LAST_AXIS:
        raise ONNXExportError(f"layer '{layer.name}' (TimeDistributed): only wrapped layers "
                              f"that act on the last axis ({', '.join(_PER_LAST_AXIS)}) are "
                              f"exported; it wraps {type(inner).__name__}.")
    return _convert_layer(g, inner, x)


def _pool(op_type):
    def convert(g, layer, x):
        _channels_last(layer)
        rank = len(layer.pool_size)
        attrs = {"count_include_pad": 0} if op_type == "AveragePool" else {}
        y = g.op(op_type, [_to_channels_first(g, x, rank)], op_type.lower(),
                 kernel_shape=list(layer.pool_size), strides=list(layer.strides),
                 **_pad_attrs(layer), **attrs)
        return _to_channels_last(g, y, rank)
    return convert


def _global_pool(op_type, rank):
    def convert(g, layer, x):
        _channels_last(layer)
        return g.op(op_type, [x], op_type.lower(), axes=list(range(1, rank + 1)),
                    keepdims=int(bool(getattr(layer, "keepdims", False))))
    return convert


def _batch_norm(g, layer, x):
    if layer.axis not in (-1, [-1]) and layer.axis != getattr(layer, "_ndim", 0) - 1:
        raise ONNXExportError(f"layer '{layer.name}' (BatchNormalization): only the last axis "
                              "(channels_last) is exported.")
    mean = np.asarray(as_array(layer.moving_mean), np.float64)
    var = np.asarray(as_array(layer.moving_variance), np.float64)
    gamma = np.asarray(as_array(layer.gamma), np.float64) if layer.scale else 1.0
    beta = np.asarray(as_array(layer.beta), np.float64) if layer.center else 0.0
    scale = gamma / np.sqrt(var + layer.epsilon)
    shift = beta - mean * scale
    y = g.op("Mul", [x, g.const(scale.astype(np.float32), "bn_scale")], "bn_mul")
    return g.op("Add", [y, g.const(shift.astype(np.float32), "bn_shift")], "bn")


def _layer_norm(g, layer, x):
    axes = layer.axis if isinstance(layer.axis, list) else [layer.axis]
    if axes not in ([-1], [getattr(layer, "_ndim", 0) - 1]) or getattr(layer, "rms_scaling",
                                                                        False):
        raise ONNXExportError(f"layer '{layer.name}' (LayerNormalization): only axis=-1 "
                              "without rms_scaling is exported.")
    n = np.asarray(as_array(layer.gamma if layer.scale else layer.beta)).shape
    gamma = as_array(layer.gamma) if layer.scale else np.ones(n, np.float32)
    beta = as_array(layer.beta) if layer.center else np.zeros(n, np.float32)
    return g.op("LayerNormalization", [x, g.const(np.asarray(gamma), "ln_scale"),
                                       g.const(np.asarray(beta), "ln_bias")], "layer_norm",
                axis=-1, epsilon=float(layer.epsilon))


_BY_NAME = {"Conv1D": _conv, "Conv2D": _conv, "Conv3D": _conv,
            "MaxPooling1D": _pool("MaxPool"), "MaxPooling2D": _pool("MaxPool"),
            "AveragePooling1D": _pool("AveragePool"), "AveragePooling2D": _pool("AveragePool"),
            "GlobalAveragePooling1D": _global_pool("ReduceMean", 1),
            "GlobalAveragePooling2D": _global_pool("ReduceMean", 2),
            "GlobalMaxPooling1D": _global_pool("ReduceMax", 1),
            "GlobalMaxPooling2D": _global_pool("ReduceMax", 2),
            "BatchNormalization": _batch_norm, "LayerNormalization": _layer_norm,
            "Conv2DTranspose": _conv_transpose, "DepthwiseConv2D": _depthwise,
            "SeparableConv2D": _separable, "ZeroPadding2D": _zero_padding,
            "Cropping2D": _cropping, "UpSampling2D": _upsampling, "Rescaling": _rescaling,
            "MultiHeadAttention": _multi_head_attention, "Attention": _attention,
            "AdditiveAttention": _attention, "TimeDistributed": _time_distributed}
# Tensors a layer takes as keywords in a functional model, after its first input.
_TENSOR_KWARGS = {"MultiHeadAttention": ("value", "key")}


def _converters():
    from ember.keras import layers as L
    table = {
        L.Dense: _dense,
        L.Activation: lambda g, lay, x: _activation(g, lay.activation, x,
                                                    f"layer '{lay.name}'"),
        L.ReLU: _relu_layer,
        L.LeakyReLU: lambda g, lay, x: g.op("LeakyRelu", [x], "leaky_relu",
                                            alpha=float(lay.negative_slope)),
        L.ELU: lambda g, lay, x: g.op("Elu", [x], "elu", alpha=float(lay.alpha)),
        L.Softmax: lambda g, lay, x: g.op("Softmax", [x], "softmax", axis=int(lay.axis)),
        L.Dropout: lambda g, lay, x: x,
        L.Identity: lambda g, lay, x: x,
        L.Flatten: lambda g, lay, x: g.op("Flatten", [x], "flatten", axis=1),
        L.Reshape: _reshape,
        L.Permute: lambda g, lay, x: g.op("Transpose", [x], "permute",
                                          perm=[0, *(int(d) for d in lay.dims)]),
        L.RepeatVector: _repeat,
        L.Add: _merge("Add"), L.Subtract: _merge("Sub"), L.Multiply: _merge("Mul"),
        L.Maximum: _merge("Max"), L.Minimum: _merge("Min"), L.Average: _average,
        L.Concatenate: lambda g, lay, xs: g.op("Concat", list(xs), "concat",
                                               axis=int(lay.axis)),
    }
    for name in ("Embedding",):
        if hasattr(L, name):
            table[getattr(L, name)] = _embedding
    for name in ("LSTM", "GRU", "SimpleRNN"):
        if hasattr(L, name):
            table[getattr(L, name)] = _recurrent
    for name, convert in _BY_NAME.items():
        if hasattr(L, name):
            table[getattr(L, name)] = convert
    for name in ("GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D",
                 "SpatialDropout2D", "ActivityRegularization", "RandomFlip", "RandomRotation",
                 "RandomZoom", "RandomTranslation", "RandomContrast"):
        if hasattr(L, name):
            table[getattr(L, name)] = lambda g, lay, x: x
    return table


def _convert_layer(g, layer, x):
    table = _converters()
    for cls in type(layer).__mro__:
        if cls in table:
            return table[cls](g, layer, x)
    raise ONNXExportError(f"Layer '{layer.name}' ({type(layer).__name__}) has no ONNX "
                          "translation in this version of Ember; supported: "
                          f"{', '.join(sorted(c.__name__ for c in table))}.")


def _graph_calls(model):
    """[(layer, input KerasTensors structure, output KerasTensors)], inputs, outputs."""
    from ember.keras.models.functional import Functional
    from ember.keras.models.sequential import Sequential
    if isinstance(model, Sequential):
        if not model.built or getattr(model, "_input_kt", None) is None:
            raise ONNXExportError(f"Sequential model '{model.name}' has no input shape yet; "
                                  "build it (keras.Input first, or call it on data).")
        x = model._input_kt
        calls = []
        for layer in model.layers:
            calls.append((layer, x, None))
            x = None
        return calls, [model._input_kt], None
    if isinstance(model, Functional):
        calls = []
        for node in model._nodes:
            tensors = _TENSOR_KWARGS.get(type(node.layer).__name__, ())
            extra = [k for k, v in node.kwargs.items()
                     if k != "training" and k not in tensors and v not in (None, False)]
            if node.args or extra:
                raise ONNXExportError(f"layer '{node.layer.name}' is called with "
                                      f"{', '.join(extra) or 'extra positional arguments'}"
                                      " (masks, scores, ...); not exported.")
            ins = node.inputs
            if tensors:  # MultiHeadAttention(query, value=..., key=...): [q, v, k]
                value = node.kwargs.get("value")
                key = node.kwargs.get("key")
                ins = [ins, value, value if key is None else key]
            calls.append((node.layer, ins, node.outputs))
        return calls, model.inputs, model._outputs_struct
    raise ONNXExportError(f"Model '{model.name}' ({type(model).__name__}) is a subclassed "
                          "model whose call() is Python code; export a Sequential or "
                          "functional model.")


def export(model, filepath, opset: int = OPSET) -> str:
    """Writes ``model`` as an ONNX file at ``filepath``; returns the path."""
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install 'ember[onnx]'.") \
            from None
    from ember.keras.models.sequential import Sequential
    g = _Graph(helper, numpy_helper)
    calls, inputs, outputs = _graph_calls(model)
    values, graph_inputs = {}, []
    for i, kt in enumerate(inputs):
        name = kt.node.layer.name if kt.node is not None else f"input_{i}"
        dims = ["batch"] + [d if d is not None else f"d{j}" for j, d in enumerate(kt.shape[1:])]
        dtype = np.dtype(kt.dtype.name)
        if isinstance(model, Sequential) and calls and not calls[0][0]._casts_ints:
            dtype = np.dtype("int32")  # ids for an Embedding, even after a float Input
        elem = helper.np_dtype_to_tensor_dtype(dtype)
        graph_inputs.append(helper.make_tensor_value_info(name, elem, dims))
        values[id(kt)] = name
    if isinstance(model, Sequential):
        x = values[id(inputs[0])]
        for layer, _, _ in calls:
            x = _convert_layer(g, layer, x)
        out_names = [x]
    else:
        for layer, ins, outs in calls:
            flat_in = nest.flatten(ins)
            x = [values[id(t)] for t in flat_in]
            y = _convert_layer(g, layer, x if isinstance(ins, (list, tuple)) else x[0])
            flat_out = nest.flatten(outs)
            if len(flat_out) != 1:
                raise ONNXExportError(f"layer '{layer.name}' has several outputs; not exported.")
            values[id(flat_out[0])] = y
        out_names = [values[id(t)] for t in nest.flatten(outputs)]
    final = []
    out_kts = model.outputs or []
    for i, name in enumerate(out_names):
        alias = f"output_{i}"
        g.nodes.append(helper.make_node("Identity", [name], [alias], name=alias))
        shape = out_kts[i].shape if i < len(out_kts) else None
        dims = None if shape is None else ["batch"] + [
            d if d is not None else f"o{i}_{j}" for j, d in enumerate(shape[1:])]
        final.append(helper.make_tensor_value_info(alias, onnx.TensorProto.FLOAT, dims))
    graph = helper.make_graph(g.nodes, model.name, graph_inputs, final, g.inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="ember")
    onnx.checker.check_model(proto)
    from ember.atomic import write_bytes
    filepath = os.fspath(filepath)
    write_bytes(filepath, proto.SerializeToString())
    return filepath
