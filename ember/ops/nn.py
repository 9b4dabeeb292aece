"""Neural-network ops: activations, softmax, cross-entropies with logits, dropout, and the fused
Dense op. Where the math fuses (Dense's matmul + bias + activation, softmax + cross-entropy),
one op with one gradient rule replaces several: fewer Python steps, less memory traffic.
"""

from __future__ import annotations

import math as _pymath

import numpy as np

from ember import random as _random
from ember import threads as _threads
from ember.errors import InvalidArgumentError
from ember.ops.array import broadcast_to, expand_dims, one_hot, reshape
from ember.ops.math import (
    _keep_where,
    add,
    exp,
    log1p,
    matmul,
    minimum,
    multiply,
    negative,
    relu,
    relu_grad,
    sigmoid,
    subtract,
    tanh,
    where,
    zeros_like,
)
from ember.ops.math import abs as abs_
from ember.ops.reduce import reduce_sum
from ember.record import RECORDING as _RECORDING
from ember.record import apply, register_gradient
from ember.tensor import Tensor
from ember.tensor import ensure_tensor as _t

__all__ = [
    "bias_add", "dense", "dropout", "elu", "gelu", "hard_sigmoid", "l2_loss", "leaky_relu",
    "log_softmax", "relu6", "selu", "sigmoid_cross_entropy_with_logits", "silu", "softmax",
    "softmax_cross_entropy_with_logits", "softsign", "sparse_softmax_cross_entropy_with_logits",
    "swish",
]


# -- activations ------------------------------------------------------------------------

def relu6(features, name=None):
    """min(max(z, 0), 6)."""
    return minimum(relu(features), 6.0)


def leaky_relu(features, alpha=0.2, name=None):
    """z for z > 0, alpha·z otherwise (TF's default alpha is 0.2)."""
    x = _t(features)
    return apply("LeakyRelu", np.where(x._value > 0, x._value, x._value * alpha)
                 .astype(x._value.dtype), (x,), {"alpha": alpha})


@register_gradient("LeakyRelu")
def _leaky_relu_grad(g, out, x, alpha):
    # A select, as TF's LeakyReluGrad; with alpha = 0 the other side is 0 even for g = inf
    # (TF's g * alpha gives NaN there).
    positive = x._value > 0
    return where(positive, g, multiply(g, alpha) if alpha else zeros_like(g))


def elu(features, alpha=1.0, name=None):
    """z for z > 0, alpha·(eᶻ - 1) otherwise."""
    x = _t(features)
    v = x._value
    value = np.where(v > 0, v, alpha * np.expm1(np.minimum(v, 0))).astype(v.dtype)
    return apply("Elu", value, (x,), {"alpha": alpha})


@register_gradient("Elu")
def _elu_grad(g, out, x, alpha):
    # For z <= 0: d/dz alpha(e^z - 1) = out + alpha; built from ops so 2nd order is exact.
    # Selected, so an infinite g on one side never meets a zero slope on the other.
    return where(x._value > 0, g, multiply(g, add(out, alpha)))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(features, name=None):
    """scale · elu(z, alpha) with the self-normalising constants of Klambauer et al. (2017)."""
    return multiply(elu(features, alpha=_SELU_ALPHA), _SELU_SCALE)


# -- exact erf for GELU (attention/text helper): Cephes rational approximations, float64-exact
from ember.ops.special import erf_array as _erf  # noqa: E402


def gelu(features, approximate=False, name=None):
    """x·Φ(x) (exact, TF's default) or the tanh approximation."""
    x = _t(features)
    v = x._value
    if approximate:
        inner = add(x, multiply(multiply(multiply(x, x), x), 0.044715))
        return multiply(multiply(x, 0.5), add(tanh(multiply(inner, _pymath.sqrt(2 / _pymath.pi))),
                                              1.0))
    value = (0.5 * v * (1.0 + _erf(v / np.sqrt(2.0)))).astype(v.dtype)
    return apply("Gelu", value, (x,))


@register_gradient("Gelu")
def _gelu_grad(g, out, x):
    return multiply(g, _gelu_slope(x))


def _gelu_slope(x):
    """dGELU/dx = Φ(x) + x·φ(x): an op of its own, so that second derivatives exist."""
    v = x._value
    cdf = 0.5 * (1.0 + _erf(v / np.sqrt(2.0)))
    pdf = np.exp(-0.5 * v * v) / np.sqrt(2 * np.pi)
    return apply("GeluSlope", (cdf + v * pdf).astype(v.dtype), (x,))


@register_gradient("GeluSlope")
def _gelu_slope_grad(g, out, x):
    # d/dx [Φ(x) + x·φ(x)] = φ(x)·(2 - x²)
    x2 = multiply(x, x)
    pdf = multiply(exp(multiply(x2, -0.5)), 1.0 / _pymath.sqrt(2 * _pymath.pi))
    return multiply(g, multiply(pdf, subtract(2.0, x2)))


def silu(features, beta=1.0, name=None):
    """x · σ(beta·x), also called swish."""
    x = _t(features)
    return multiply(x, sigmoid(multiply(x, beta) if beta != 1.0 else x))


swish = silu


def softsign(features, name=None):
    """x / (1 + |x|)."""
    x = _t(features)
    return x / add(abs_(x), 1.0)


def hard_sigmoid(x, name=None):
    """Keras 3's piecewise-linear sigmoid: relu6(x + 3) / 6."""
    return multiply(relu6(add(x, 3.0)), 1.0 / 6.0)


def softmax(logits, axis=None, name=None):
    """eᶻⁱ / Σⱼ eᶻʲ along ``axis`` (last by default), with max-subtraction for stability."""
    x = _t(logits)
    a = -1 if axis is None else int(axis)
    return apply("Softmax", _softmax(x._value, a), (x,), {"axis": a})


def _wide(v: np.ndarray) -> np.ndarray:
    """float16 values as float32, others unchanged: ``z - max(z)`` of float16 logits ±6e4
    overflows to -inf, and ``0 · (-inf)`` in a cross-entropy is NaN (TF gives 0)."""
    return v.astype(np.float32) if v.dtype == np.float16 else v


def _narrow(v: np.ndarray, dtype) -> np.ndarray:
    """A widened result back in the input's dtype (a float16 loss past 65504 is inf, as TF's)."""
    if v.dtype == dtype:
        return v
    with np.errstate(over="ignore"):
        return v.astype(dtype)


def _softmax(v, axis):
    w = _wide(v)
    if w.ndim and axis in (-1, w.ndim - 1):
        _, e, total = _exp_last(w)
    else:
        # ndarray methods, not np.max/np.sum: their dispatch costs more than the work on a
        # (batch, 10) array.
        e = w - w.max(axis=axis, keepdims=True)
        np.exp(e, out=e)
        total = e.sum(axis=axis, keepdims=True)
    e /= total
    return _narrow(e, v.dtype)


_ONES: dict = {}  # (length, dtype) -> read-only column of ones, for row sums by a product


def _exp_last(v: np.ndarray):
    """``(v - m, exp(v - m), Σ exp(v - m))`` along the last axis, ``m`` each row's max, the
    sum kept as a size-1 axis: the softmax family's shared arithmetic (the softmax, the
    per-sample and the fused mean cross-entropy give the same bits through it).

    On logits with few classes NumPy reduces each short row with a loop's full overhead:
    at (128, 10) float32 the row max took 6.9 µs and the row sum 3.6 µs. The max of a
    column-major copy reduces column by column (2.3 µs, the same values: a max does not
    round), and the sum is a product with a column of ones (BLAS, 0.6 µs): ~8 µs of the
    seed MLP's fit step (AMD EPYC). Many classes keep the row-wise max (a copy would cost
    more than it saves).
    """
    k = v.shape[-1]
    if k == 0:
        shifted = v - v.max(axis=-1, keepdims=True)  # NumPy's error for an empty row
        return shifted, np.exp(shifted), shifted.sum(axis=-1, keepdims=True)
    flat = v.reshape(-1, k)
    col = np.asfortranarray(flat) if k <= 64 and flat.shape[0] > 1 else flat
    shifted = flat - col.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    if e.dtype.char in "fd" and e.size:
        ones = _ONES.get((k, e.dtype.char))
        if ones is None:
            if len(_ONES) > 64:
                _ONES.clear()
            ones = _ONES[(k, e.dtype.char)] = np.ones((k, 1), e.dtype)
            ones.flags.writeable = False
        total = np.matmul(e, ones)
    else:
        total = e.sum(axis=1, keepdims=True)
    return (shifted.reshape(v.shape), e.reshape(v.shape),
            total.reshape(v.shape[:-1] + (1,)))


@register_gradient("Softmax")
def _softmax_grad(g, out, x, axis):
    # J^T g = s * (g - <g, s>)
    return multiply(out, subtract(g, reduce_sum(multiply(g, out), axis=axis, keepdims=True)))


def log_softmax(logits, axis=None, name=None):
    """z - log Σ eᶻ, computed by max-subtraction (finite for logits up to ±1e4 and beyond)."""
    x = _t(logits)
    a = -1 if axis is None else int(axis)
    v = _wide(x._value)
    if v.ndim and a in (-1, v.ndim - 1):
        shifted, _, total = _exp_last(v)
    else:
        shifted = v - np.max(v, axis=a, keepdims=True)
        total = np.sum(np.exp(shifted), axis=a, keepdims=True)
    value = shifted - np.log(total)
    return apply("LogSoftmax", _narrow(value, x._value.dtype), (x,), {"axis": a})


@register_gradient("LogSoftmax")
def _log_softmax_grad(g, out, x, axis):
    return subtract(g, multiply(exp(out), reduce_sum(g, axis=axis, keepdims=True)))


# -- losses with logits -----------------------------------------------------------------

def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """-y log σ(z) - (1-y) log(1-σ(z)) = max(z,0) - z·y + log(1 + e^-|z|), never NaN.

    Written as TF writes it, with both branches chosen by ``z >= 0``, so that the gradient
    at z = 0 is σ(0) - y = 0.5 - y.
    """
    z = _t(logits)
    y = _t(labels) if isinstance(labels, Tensor) else Tensor._wrap(
        np.asarray(labels, dtype=z._value.dtype))
    if y._value.shape != z._value.shape:
        raise InvalidArgumentError(f"sigmoid_cross_entropy_with_logits: labels shape "
                                   f"{tuple(y.shape)} and logits shape {tuple(z.shape)} "
                                   "must be the same.")
    positive = z._value >= 0
    relu_z = where(positive, z, zeros_like(z))
    neg_abs_z = where(positive, negative(z), z)
    return add(subtract(relu_z, multiply(z, y)), log1p(exp(neg_abs_z)))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-Σ yᵢ log softmax(z)ᵢ per example; one fused op (gradient softmax(z)·Σy - y)."""
    z = _t(logits)
    y = _t(labels) if isinstance(labels, Tensor) else Tensor._wrap(
        np.asarray(labels, dtype=z._value.dtype))
    if y._value.dtype != z._value.dtype:
        y = Tensor._wrap(y._value.astype(z._value.dtype))
    if y._value.shape != z._value.shape:
        raise InvalidArgumentError(f"softmax_cross_entropy_with_logits: labels shape "
                                   f"{tuple(y.shape)} and logits shape {tuple(z.shape)} must "
                                   "match.")
    v = _wide(z._value)
    shifted = v - np.max(v, axis=axis, keepdims=True)
    lse = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    loss = np.sum(_wide(y._value) * (lse - shifted), axis=axis)
    return apply("SoftmaxCE", _narrow(loss, z._value.dtype), (y, z), {"axis": axis})


@register_gradient("SoftmaxCE")
def _softmax_ce_grad(g, out, y, z, axis):
    ge = expand_dims(g, axis)
    gz = multiply(ge, subtract(multiply(softmax(z, axis), reduce_sum(y, axis, keepdims=True)), y))
    gy = multiply(ge, negative(log_softmax(z, axis)))
    return gy, gz


def _check_labels(labels: np.ndarray, n: int, where_: str):
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and np.all(np.mod(labels, 1) == 0):
            labels = labels.astype(np.int64)
        else:
            raise InvalidArgumentError(f"{where_}: labels must be integer class indices; got "
                                       f"dtype {labels.dtype}.")
    # One reduction over the labels read as unsigned: a negative label reads as a huge one.
    unsigned = labels.view(f"u{labels.dtype.itemsize}") if labels.dtype.kind == "i" else labels
    if labels.size and np.maximum.reduce(unsigned, axis=None) >= n:
        bad = labels[(labels < 0) | (labels >= n)].ravel()
        raise InvalidArgumentError(
            f"{where_}: Received a label value of {bad[0]} which is outside the valid range of "
            f"[0, {n}). Label values: {' '.join(str(v) for v in bad[:10])}. The model's last "
            f"layer has {n} units: labels must be integers in 0..{n - 1}.")
    return labels


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """-log softmax(z)[label] per example: one fused op, gradient softmax(z) - onehot(label)."""
    z = _t(logits)
    lab = np.asarray(labels._value if isinstance(labels, Tensor) else labels)
    v = _wide(z._value)
    n = v.shape[-1]
    if lab.shape != v.shape[:-1]:
        if lab.shape == v.shape[:-1] + (1,):
            lab = lab[..., 0]
        else:
            raise InvalidArgumentError(
                f"sparse_softmax_cross_entropy_with_logits: labels shape {lab.shape} must equal "
                f"logits shape without its last axis, {v.shape[:-1]} (logits {v.shape}).")
    lab = _check_labels(lab, n, "sparse_softmax_cross_entropy_with_logits")
    shifted, _, total = _exp_last(v)
    lse = np.log(total[..., 0])
    if shifted.ndim == 2:
        picked = shifted[np.arange(shifted.shape[0]), lab]
    else:
        picked = np.take_along_axis(shifted, lab[..., None].astype(np.intp), axis=-1)[..., 0]
    loss = _narrow(lse - picked, z._value.dtype)
    return apply("SparseSoftmaxCE", loss, (z,), {"labels": lab})


@register_gradient("SparseSoftmaxCE")
def _sparse_softmax_ce_grad(g, out, z, labels):
    return sparse_softmax_ce_backward(g, z, labels)


def sparse_softmax_ce_backward(g, z, labels):
    """g[..., None] * (softmax(z) - onehot(labels)): the backward pass as one op.

    Computed in place on the softmax, it is one op per training step instead of five;
    its own gradient (for second derivatives) is written in ops below.
    """
    v = _softmax(z._value, -1)
    flat = v.reshape(-1, v.shape[-1])
    flat[np.arange(flat.shape[0]), labels.reshape(-1)] -= 1
    v *= g._value[..., None]
    return apply("SparseSoftmaxCEGrad", v, (g, z), {"labels": labels})


@register_gradient("SparseSoftmaxCEGrad", wants_needs=True)
def _sparse_softmax_ce_backward_grad(gg, out, g, z, labels, needs):
    # out = g ⊙ (s - e_y) with s = softmax(z): d/dg = Σ_j gg (s - e_y); d/dz = g ⊙ J_sᵀ gg
    s = softmax(z)
    gg_g = gg_z = None
    if needs[0]:
        onehot = one_hot(labels, z._value.shape[-1], dtype=z.dtype)
        gg_g = reduce_sum(multiply(gg, subtract(s, onehot)), axis=-1)
    if needs[1]:
        inner = subtract(gg, reduce_sum(multiply(gg, s), axis=-1, keepdims=True))
        gg_z = multiply(expand_dims(g, -1), multiply(s, inner))
    return gg_g, gg_z


def sparse_softmax_cross_entropy_mean(labels, logits):
    """mean over the batch of -log softmax(z)[label]: the scalar loss as one op.

    The loss ``fit`` computes most (sparse cross-entropy after a softmax, no sample
    weights, Keras's "sum_over_batch_size"). Fused, the forward keeps the softmax it
    computes for the backward pass, and the backward is one op, instead of a Mean, its
    two-op gradient and a softmax computed again (measured through the compiled loss at
    batch 128: loss and gradient 50 µs instead of 180 µs). The same arithmetic as
    ``reduce_mean(sparse_softmax_cross_entropy_with_logits(...))``. ``logits`` is 2-D
    (batch, classes), float32 or float64.
    """
    z = _t(logits)
    v = z._value
    lab = np.asarray(labels._value if isinstance(labels, Tensor) else labels)
    if v.ndim != 2 or v.dtype not in (np.float32, np.float64) or lab.shape != v.shape[:1]:
        raise InvalidArgumentError(
            f"sparse_softmax_cross_entropy_mean: expected float32/float64 logits of shape "
            f"(batch, classes) and labels of shape (batch,); received logits {v.dtype} "
            f"{v.shape} and labels {lab.shape}.")
    lab = _check_labels(lab, v.shape[-1], "sparse_softmax_cross_entropy_with_logits")
    value, probs = sparse_softmax_ce_mean_arrays(v, lab)
    return apply("SparseSoftmaxCEMean", value, (z,), {"labels": lab, "probs": probs})


_ROWS: dict = {}  # batch size -> np.arange(batch size), read-only: one index array per size


def _rows(n: int) -> np.ndarray:
    """``np.arange(n)``, made once per batch size (the fused loss indexes its rows twice
    a step)."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) > 64:
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


def sparse_softmax_ce_mean_arrays(v: np.ndarray, lab: np.ndarray):
    """(mean loss as a 0-d array, softmax probabilities) of 2-D logits ``v`` and checked
    integer labels ``lab``: ``sparse_softmax_cross_entropy_mean``'s arithmetic on arrays
    (also fit's planned step's, so both give the same bits)."""
    shifted, probs, total = _exp_last(v)
    losses = np.log(total[:, 0]) - shifted[_rows(v.shape[0]), lab]
    probs /= total
    # reduce_mean's arithmetic (a sum, then a division by the count), without np.mean's
    # Python wrapper; an empty batch gives NaN, as the mean of nothing does.
    count = len(losses)
    value = np.asarray(np.add.reduce(losses, axis=0) / v.dtype.type(count) if count
                       else np.nan, dtype=v.dtype)
    return value, probs


def sparse_softmax_ce_mean_grad_arrays(probs: np.ndarray, labels: np.ndarray, g=1.0,
                                       overwrite: bool = False):
    """(g / batch) * (probs - onehot(labels)): the fused loss's gradient at the logits, on
    arrays; a new array, or ``probs`` itself with ``overwrite`` (fit's planned step, which
    reads the probabilities no more)."""
    v = probs if overwrite else probs.copy()
    n = v.shape[0]
    v[_rows(n), labels] -= 1
    v *= v.dtype.type(g * (1.0 / max(n, 1)))
    return v


@register_gradient("SparseSoftmaxCEMean")
def _sparse_softmax_ce_mean_grad(g, out, z, labels, probs):
    return sparse_softmax_ce_mean_backward(g, z, labels, probs)


def sparse_softmax_ce_mean_backward(g, z, labels, probs=None):
    """(g / batch) * (softmax(z) - onehot(labels)): the fused loss's backward as one op."""
    v = sparse_softmax_ce_mean_grad_arrays(
        _softmax(z._value, -1) if probs is None else probs, labels, g._value)
    return apply("SparseSoftmaxCEMeanGrad", v, (g, z), {"labels": labels})


@register_gradient("SparseSoftmaxCEMeanGrad", wants_needs=True)
def _sparse_softmax_ce_mean_backward_grad(gg, out, g, z, labels, needs):
    # out = (g/n) (s - e_y): the per-sample form's rule with g/n for every sample.
    n = max(labels.shape[0], 1)
    per_sample = multiply(broadcast_to(g, labels.shape), 1.0 / n)
    gg_g, gg_z = _sparse_softmax_ce_backward_grad(gg, out, per_sample, z, labels, needs=needs)
    if gg_g is not None:
        gg_g = multiply(reduce_sum(gg_g), 1.0 / n)
    return gg_g, gg_z


# -- regularisation and helpers ---------------------------------------------------------

def l2_loss(t, name=None):
    """Σ t² / 2."""
    x = _t(t)
    return multiply(reduce_sum(multiply(x, x)), 0.5)


def bias_add(value, bias, data_format=None, name=None):
    """value + bias along the last axis (or axis 1 for 'NCHW')."""
    v, b = _t(value), _t(bias)
    if b.ndim != 1:
        raise InvalidArgumentError(f"bias_add: bias must be 1-D; got shape {tuple(b.shape)}.")
    if data_format in ("NCHW", "NCW", "NCDHW", "channels_first"):
        b = reshape(b, [-1] + [1] * (v.ndim - 2))
    elif v._value.shape[-1] != b._value.shape[0]:
        raise InvalidArgumentError(f"bias_add: bias of size {b._value.shape[0]} does not match "
                                   f"the last dimension {v._value.shape[-1]} of value "
                                   f"{tuple(v.shape)}.")
    return add(v, b)


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeroes each element with probability ``rate`` and scales the rest by 1/(1-rate)."""
    x = _t(x)
    if not 0 <= float(rate) < 1:
        raise ValueError(f"dropout: rate must be in [0, 1); received rate={rate}.")
    if rate == 0:
        return x
    shape = x._value.shape if noise_shape is None else tuple(
        x._value.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    keep = _random.keep_mask(shape, rate, seed)
    mask = np.multiply(keep, x._value.dtype.type(1.0 / (1.0 - rate)), dtype=x._value.dtype)
    return multiply(x, Tensor._wrap(mask))


# -- the fused Dense op -----------------------------------------------------------------

# Activations fused into the Dense op: their derivative is read from the output y alone.
_FUSED = {
    None: None,
    "linear": None,
    "relu": lambda z: np.maximum(z, 0, out=z),
    "tanh": lambda z: np.tanh(z, out=z),
}


def dense(x, kernel, bias=None, activation=None, dropout=None):
    """y = g(x @ W + b) as one op: ``z = w0 + Σ xᵢ wᵢ`` for every unit at once.

    ``activation`` is None/'linear', 'relu' or 'tanh' (fused into this op), or 'sigmoid' /
    'softmax': those run as a second op whose output keeps the logits in
    ``_keras_logits``, so a following cross-entropy uses the exact "with logits" form.
    ``x`` is 2-D (batch, features). ``dropout`` (a rate in (0, 1), with activation None,
    'linear' or 'relu') also applies inverted dropout to the output, drawn from the global
    generator as ``dropout()`` draws it: ``Sequential`` fuses a Dense and the Dropout after it
    so while training.
    """
    x, w = _t(x), _t(kernel)
    xv, wv = x._value, w._value
    if xv.dtype != wv.dtype:
        raise InvalidArgumentError(f"dense: input dtype {x.dtype.name} does not match kernel "
                                   f"dtype {w.dtype.name}; cast the input first.")
    if xv.ndim != 2 or xv.shape[1] != wv.shape[0]:
        raise InvalidArgumentError(f"dense: expected inputs of shape (batch, {wv.shape[0]}); "
                                   f"received {tuple(xv.shape)}.")
    if activation not in _FUSED and activation not in ("sigmoid", "softmax"):
        raise ValueError(f"dense: activation must be None, 'linear', 'relu', 'tanh', 'sigmoid' "
                         f"or 'softmax'; received {activation!r}. Apply other activations as "
                         "a separate op on the output.")
    if bias is not None:
        bias = _t(bias)
        if bias._value.dtype != wv.dtype or bias._value.shape != wv.shape[1:]:
            raise InvalidArgumentError(
                f"dense: bias must be a {w.dtype.name} vector of shape ({wv.shape[1]},) for a "
                f"kernel of shape {tuple(wv.shape)}; received {bias.dtype.name} of shape "
                f"{tuple(bias.shape)}.")
    z = _threads.matmul(xv, wv)  # one BLAS thread unless large: ember/threads.py
    inputs = (x, w)
    if bias is not None:
        z += bias._value
        inputs = (x, w, bias)
    if activation in ("sigmoid", "softmax"):
        logits = apply("Dense", z, inputs, _NO_ACT)
        out = sigmoid(logits) if activation == "sigmoid" else softmax(logits)
        out._keras_logits = logits
        out._keras_activation = activation
        return out
    fwd = _FUSED[activation]
    if fwd is not None:
        z = fwd(z)
    if dropout is not None:
        return _dense_dropout(z, inputs, activation, dropout)
    return apply("Dense", z, inputs, {"act": activation} if fwd is not None else _NO_ACT)


def _dense_dropout(z, inputs, activation, rate):
    # One op for Dense + Dropout: a layer call, a Mul op and its backward step fewer, and
    # the relu and dropout backward masks applied in one pass (measured: the seed MLP's
    # forward and backward at batch 128, 920 µs instead of 957 µs). The numbers are
    # dropout()'s: the same draw, and
    # z·keep·scale equals z·(keep·scale) exactly.
    if activation not in (None, "linear", "relu") or not 0 < float(rate) < 1:
        raise ValueError(f"dense: dropout needs activation None, 'linear' or 'relu' and a rate "
                         f"in (0, 1); received activation={activation!r}, dropout={rate!r}.")
    keep = _random.keep_mask(z.shape, rate)
    np.multiply(z, keep, out=z)
    z *= z.dtype.type(1.0 / (1.0 - rate))
    # After relu, out > 0 exactly where the unit was active and kept: that is the mask.
    mask = None if activation == "relu" else keep
    return apply("DenseDropout", z, inputs,
                 {"act": activation, "mask": mask, "scale": 1.0 / (1.0 - rate)})


_NO_ACT = {"act": None}


@register_gradient("Dense", wants_needs=True, writes_into=True)
def _dense_grad(g, out, x, w, b=None, *, needs, act, into=None):
    if not _RECORDING:  # no tape records this walk: the same arithmetic on arrays
        return _dense_input_grads_raw(_pre_activation_grad(g._value, out._value, act),
                                      x, w, b, needs, into)
    if act == "relu":
        gz = relu_grad(g, out)
    elif act == "tanh":
        gz = multiply(g, subtract(1.0, multiply(out, out)))
    else:
        gz = g
    return _dense_input_grads(gz, x, w, b, needs, into)


@register_gradient("DenseDropout", wants_needs=True, writes_into=True)
def _dense_dropout_grad(g, out, x, w, b=None, *, needs, act, mask, scale, into=None):
    if not _RECORDING:
        return _dense_input_grads_raw(_pre_activation_grad(g._value, out._value, act, mask,
                                                           scale), x, w, b, needs, into)
    gz = dropout_grad(g, out._value > 0 if mask is None else mask, scale)
    return _dense_input_grads(gz, x, w, b, needs, into)


def dropout_grad(g, mask, scale):
    """g · scale where ``mask``, +0 elsewhere: inverted dropout's backward (and relu's, when
    ``mask`` is where the output is positive) as one op. Linear in g, so its rule is itself."""
    v = _keep_where(g._value, mask)
    v *= v.dtype.type(scale)
    return apply("DropoutGrad", v, (g,), {"mask": mask, "scale": scale})


@register_gradient("DropoutGrad")
def _dropout_grad_grad(gg, out, g, mask, scale):
    return dropout_grad(gg, mask, scale)


# -- a run of Dense layers as one op (fit's step) -------------------------------------------

def dense_stack(x, layers):
    """Several Dense layers (each optionally followed by inverted dropout) as one op.

    ``layers`` is a sequence of ``(kernel, bias or None, activation, dropout rate or None)``;
    each activation is None, 'linear' or 'relu', except the last, which may also be
    'sigmoid' or 'softmax' (then, as in ``dense``, that runs as a second op whose output
    keeps the logits in ``_keras_logits``). The numbers equal the layers applied one by
    one: the same matmuls, the same dropout draws in the same order.

    ``Sequential`` runs a model's Dense/Dropout layers through it inside ``fit``'s own
    training step (and only there; see ``sequential._dense_run``): one tape entry and one
    backward step for the whole run instead of a layer call, a record and a rule call per
    layer. Its rule is written on raw arrays, so it is exact to first order only: the
    caller makes sure no other tape records.
    """
    x = _t(x)
    inputs = [x]
    for w, b, _, _ in layers:
        inputs.append(w)
        if b is not None:
            inputs.append(b)
    hs, acts, masks, scales, final = dense_stack_arrays(
        x._value, [(w._value, None if b is None else b._value, act, rate)
                   for w, b, act, rate in layers])
    layout = tuple(b is not None for _, b, _, _ in layers)
    out = apply("DenseStack", hs[-1], tuple(inputs),
                {"acts": acts, "masks": masks, "scales": scales, "hs": hs, "layout": layout})
    if final is None:
        return out
    y = sigmoid(out) if final == "sigmoid" else softmax(out)
    y._keras_logits = out
    y._keras_activation = final
    return y


def dense_stack_arrays(h: np.ndarray, layers):
    """``dense_stack``'s forward on arrays: ``layers`` as ``(kernel, bias or None,
    activation, rate or None)`` arrays. Returns ``(hs, acts, masks, scales, final)``: each
    layer's input then the last output (the logits when ``final`` names a 'sigmoid' or
    'softmax' still to apply), and what the backward pass needs of each layer."""
    hs = [h]  # each layer's input, then the last output
    acts, masks, scales = [], [], []
    last = len(layers) - 1
    final = None
    for i, (wv, bv, act, rate) in enumerate(layers):
        if h.ndim != 2 or h.shape[1] != wv.shape[0] or h.dtype != wv.dtype:
            raise InvalidArgumentError(
                f"dense_stack: layer {i} expected inputs of shape (batch, {wv.shape[0]}) "
                f"and dtype {wv.dtype}; received {tuple(h.shape)} of {h.dtype}.")
        z = _threads.matmul(h, wv)
        if bv is not None:
            z += bv
        if act in ("sigmoid", "softmax"):
            if i != last or rate is not None:
                raise ValueError(f"dense_stack: activation {act!r} must be the last layer's, "
                                 "without dropout.")
            final, act = act, None
        elif act not in (None, "linear", "relu"):
            raise ValueError(f"dense_stack: activation must be None, 'linear' or 'relu'; "
                             f"received {act!r}.")
        if act == "relu":
            np.maximum(z, 0, out=z)
        mask = scale = None
        if rate is not None:
            keep = _random.keep_mask(z.shape, rate)
            np.multiply(z, keep, out=z)
            scale = 1.0 / (1.0 - rate)
            z *= z.dtype.type(scale)
            mask = None if act == "relu" else keep  # after relu, out > 0 is the mask
        acts.append(act)
        masks.append(mask)
        scales.append(scale)
        hs.append(z)
        h = z
    return hs, acts, masks, scales, final


@register_gradient("DenseStack", wants_needs=True, writes_into=True)
def _dense_stack_grad(g, out, x, *params, needs, acts, masks, scales, hs, layout, into=None):
    # The backward pass of every layer in one loop on arrays: dW and db straight into the
    # optimizer's buffers when given. Masks (relu's out > 0, dropout's keep) are constants,
    # so the walk is the layers' own rules, without a Tensor, a record or a rule call apiece.
    kernels = [p._value for p, is_kernel in zip(params, _kernel_flags(layout)) if is_kernel]
    grads = dense_stack_backward_arrays(g._value, hs, kernels, acts, masks, scales, layout,
                                        needs, into)
    return tuple(_wrap_or_none(v) for v in grads)


def _kernel_flags(layout):
    """For each parameter of a DenseStack (kernel, then bias where there is one), whether
    it is a kernel."""
    flags = []
    for has_b in layout:
        flags += [True, False] if has_b else [True]
    return flags


def dense_stack_backward_arrays(gz, hs, kernels, acts, masks, scales, layout, needs,
                                into=None):
    """The gradients of a ``dense_stack`` on arrays, in its inputs' order (x, then each
    layer's kernel and bias), None where ``needs`` says not needed; ``gz`` is the gradient
    at its last output, ``into`` optional buffers (the optimizer's pool) by input index."""
    grads = [None] * len(needs)
    k = len(needs)  # index in the inputs after this layer's kernel and bias
    for i in reversed(range(len(layout))):
        has_b = layout[i]
        k -= 2 if has_b else 1  # this layer's kernel's index in the inputs
        gz = _pre_activation_grad(gz, hs[i + 1], acts[i], masks[i], scales[i])
        gz, grads[k], gb = _dense_backward_arrays(
            gz, hs[i], kernels[i], i > 0 or needs[0], needs[k],
            has_b and needs[k + 1], into[k] if into is not None else None,
            into[k + 1] if into is not None and has_b else None)
        if has_b:
            grads[k + 1] = gb
    grads[0] = gz
    return grads


def _pre_activation_grad(gv, out_v, act, mask=None, scale=None):
    """The gradient at a Dense op's pre-activation output, on arrays, from the gradient
    ``gv`` at its output ``out_v``: through inverted dropout (``scale`` given; after a
    relu, out > 0 is the mask) or through relu or tanh."""
    if scale is not None:
        gv = _keep_where(gv, out_v > 0 if mask is None else mask)
        gv *= gv.dtype.type(scale)
    elif act == "relu":
        gv = _keep_where(gv, out_v > 0)
    elif act == "tanh":
        gv = gv * (1 - out_v * out_v)
    return gv


def _dense_backward_arrays(gz, xv, wv, need_x, need_w, need_b, w_into=None, b_into=None):
    """(dx, dW, db) of ``xv @ wv + b`` on arrays, None where not needed; dW and db written
    into the given buffers (the optimizer's pool) when there are some."""
    gx = _threads.matmul(gz, wv.T) if need_x else None
    gw = _threads.matmul(xv.T, gz, out=w_into) if need_w else None
    gb = gz.sum(axis=0, out=b_into) if need_b else None
    return gx, gw, gb


def _wrap_or_none(v):
    return None if v is None else Tensor._wrap(v)


def _dense_input_grads_raw(gz, x, w, b, needs, into):
    """``_dense_input_grads`` on arrays, for a backward walk no tape records (the usual
    one: no second derivative can read these values, so the products need no ops of their
    own; measured on the seed MLP's custom GradientTape step at batch 32: the Dense rules
    ~25% faster). ``gz`` is the gradient at the pre-activation output, an ndarray."""
    grads = _dense_backward_arrays(
        gz, x._value, w._value, needs[0], needs[1], b is not None and needs[2],
        into[1] if into is not None else None,
        into[2] if into is not None and b is not None else None)
    return tuple(_wrap_or_none(v) for v in grads[:2 if b is None else 3])


def _dense_input_grads(gz, x, w, b, needs, into):
    gx = matmul(gz, w, transpose_b=True) if needs[0] else None
    # `into` (given only when no tape records this walk, so no second derivative reads
    # these values): dW and db go straight into the optimizer's gradient buffer, the same
    # BLAS call and sum as below; `fit` then skips copying them (tape._gradient_into).
    w_into = into[1] if into is not None else None
    if not needs[1]:
        gw = None
    elif w_into is not None:
        gw = Tensor._wrap(_threads.matmul(x._value.T, gz._value, out=w_into))
    else:
        gw = matmul(x, gz, transpose_a=True)
    if b is None:
        return gx, gw
    b_into = into[2] if into is not None else None
    if not needs[2]:
        gb = None
    elif b_into is not None:
        gb = Tensor._wrap(gz._value.sum(axis=0, out=b_into))
    else:
        gb = reduce_sum(gz, axis=0)
    return gx, gw, gb
