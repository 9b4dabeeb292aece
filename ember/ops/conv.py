"""Convolution and pooling ops, channels-last (NHWC), with their gradient rules.

A convolution is one matrix product: the input windows are laid out as rows of a column
matrix (im2col, a strided view copied into a reused buffer) and multiplied by the kernel
reshaped to ``(kh·kw·in, out)``:

    y[n, i, j, o] = Σ_{a, b, c} x[n, i·s + a·d, j·s + b·d, c] · w[a, b, c, o]  (+ bias[o])

Three primitives close under differentiation, so second derivatives work:

    Conv2D(x, w)                 y = A_w x
    Conv2DBackpropInput(g, w)    Aᵀ_w g   (the gradient for x; also conv2d_transpose)
    Conv2DBackpropFilter(x, g)   the gradient for w

each bilinear, and each one's gradient rule is written with the other two. Grouped
convolution (``groups``) covers depthwise convolution. 1-D ops run as 2-D ones of height 1.
Pooling loops over the kh·kw window taps (strided views), never over pixels.

'same' padding follows TensorFlow: ``out = ceil(in / stride)``, the total padding
``max((out - 1)·stride + (k - 1)·d + 1 - in, 0)`` split with the smaller half before.
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ember import threads
from ember.errors import InvalidArgumentError
from ember.ops.array import expand_dims, reshape, squeeze, transpose
from ember.ops.math import _keep_where, matmul, relu_grad
from ember.record import apply, is_recording, register_gradient
from ember.tensor import Tensor, convert_to_tensor

# Column buffers bigger than this are filled a few examples at a time, so memory stays bounded.
CHUNK_BYTES = 32 << 20

_local = threading.local()


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _buffer(shape, dtype) -> np.ndarray:
    """A scratch array of ``shape``, reused between calls (one per thread and dtype)."""
    bufs = _local.__dict__.setdefault("bufs", {})
    n = int(np.prod(shape))
    buf = bufs.get(np.dtype(dtype))
    if buf is None or buf.size < n:
        buf = np.empty(max(n, 1), dtype)
        bufs[np.dtype(dtype)] = buf
    return buf[:n].reshape(shape)


# -- geometry ---------------------------------------------------------------------------

def output_size(size, k, stride, dilation, padding):
    """(out, pad_before, pad_after) along one axis; ``padding`` 'valid', 'same' or (b, a)."""
    k_eff = (k - 1) * dilation + 1
    if isinstance(padding, str):
        if padding == "same":
            out = -(-size // stride)
            total = max((out - 1) * stride + k_eff - size, 0)
            return out, total // 2, total - total // 2
        before = after = 0
    else:
        before, after = padding
    out = (size + before + after - k_eff) // stride + 1
    return out, before, after


def _geometry(where, xshape, kh, kw, strides, dilations, padding):
    """Output height/width and ((top, bottom), (left, right)) pads, or a clear error."""
    res = []
    for axis, (size, k, s, d, p) in enumerate(zip(xshape[1:3], (kh, kw), strides, dilations,
                                                  padding)):
        out, b, a = output_size(size, k, s, d, p)
        if out <= 0:
            raise InvalidArgumentError(
                f"{where}: the {'window' if where.endswith('pool') else 'kernel'} size "
                f"{k}{f' (dilated to {(k - 1) * d + 1})' if d > 1 else ''} along "
                f"{'height' if axis == 0 else 'width'} is larger than the input's "
                f"{size}{f' + padding {b + a}' if b + a else ''} with padding "
                f"{p!r}; use padding='same' or a larger input.")
        res.append((out, b, a))
    (oh, pt, pb), (ow, pl, pr) = res
    return oh, ow, ((pt, pb), (pl, pr))


def _pad(x: np.ndarray, pads, value=0.0) -> np.ndarray:
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x
    out = np.full((x.shape[0], x.shape[1] + pt + pb, x.shape[2] + pl + pr, x.shape[3]), value,
                  x.dtype)
    out[:, pt:pt + x.shape[1], pl:pl + x.shape[2]] = x
    return out


def _crop(xp: np.ndarray, pads, shape) -> np.ndarray:
    (pt, _), (pl, _) = pads
    if xp.shape == tuple(shape):
        return xp
    return np.ascontiguousarray(xp[:, pt:pt + shape[1], pl:pl + shape[2]])


def _windows(xp, kh, kw, oh, ow, strides, dilations):
    """The view (n, oh, ow, kh, kw, c) of every window of the padded input (no copy)."""
    n, _, _, c = xp.shape
    sn, sh, sw, sc = xp.strides
    return as_strided(xp, (n, oh, ow, kh, kw, c),
                      (sn, sh * strides[0], sw * strides[1], sh * dilations[0],
                       sw * dilations[1], sc), writeable=False)


def _tap(xp, a, b, oh, ow, strides, dilations):
    """The strided slice of ``xp`` that window position (a, b) reads, shape (n, oh, ow, c)."""
    r0, c0 = a * dilations[0], b * dilations[1]
    return xp[:, r0:r0 + strides[0] * (oh - 1) + 1:strides[0],
              c0:c0 + strides[1] * (ow - 1) + 1:strides[1]]


def _parts(n, x, oh, ow, kh, kw, out_per_group, channels=None):
    """The (start, stop) pieces of a batch of ``n`` that one convolution primitive works
    on: bounded in memory (``CHUNK_BYTES`` of columns each) and, when the batch holds
    enough work, one per worker thread (``ember.threads.split_batch``)."""
    c = x.shape[3] if channels is None else channels
    per_example = oh * ow * kh * kw * c
    return threads.split_batch(n, per_example * out_per_group,
                               _chunks(n, per_example * x.itemsize))


def _chunks(n, bytes_per_example):
    step = max(1, CHUNK_BYTES // max(bytes_per_example, 1))
    return [(i, min(i + step, n)) for i in range(0, n, step)]


def _im2col(xp, kh, kw, oh, ow, strides, dilations, groups, ones=False, keep=False):
    """The column matrix of a chunk, in the reused buffer: (P, K) or (groups, P, K); in a
    new array of its own with ``keep=True`` (the caller keeps it for the backward pass).

    With few channels the rows are short, so the buffer is filled tap by tap in (K, P)
    order (each tap one plane copy) and the (P, K) matrix is its transpose, a view BLAS
    reads directly. There ``ones=True`` appends a column of ones (for a bias row in the
    kernel matrix); the other layouts ignore it.
    """
    n, c = xp.shape[0], xp.shape[3]
    if groups == 1 and c < _FEW_CHANNELS:
        k, p = kh * kw * c, n * oh * ow
        flat = (np.empty if keep else _buffer)((k + ones, p), xp.dtype)
        buf = flat[:k].reshape(kh, kw, c, n, oh, ow)
        for a in range(kh):
            for b in range(kw):
                np.copyto(buf[a, b], _tap(xp, a, b, oh, ow, strides, dilations)
                          .transpose(3, 0, 1, 2))
        if ones:
            flat[k] = 1
        return flat.T
    win = _windows(xp, kh, kw, oh, ow, strides, dilations)
    if groups == 1:
        buf = (np.empty if keep else _buffer)(win.shape, xp.dtype)
        np.copyto(buf, win)
        return buf.reshape(n * oh * ow, kh * kw * c)
    cg = c // groups
    win = win.reshape(n, oh, ow, kh, kw, groups, cg).transpose(5, 0, 1, 2, 3, 4, 6)
    buf = _buffer(win.shape, xp.dtype)
    np.copyto(buf, win)
    return buf.reshape(groups, n * oh * ow, kh * kw * cg)


# Below this many input channels, im2col copies whole planes per window tap.
_FEW_CHANNELS = 8


def _kernel_matrix(w, groups):
    kh, kw, cg, o = w.shape
    if groups == 1:
        return w.reshape(kh * kw * cg, o)
    og = o // groups
    return w.reshape(kh * kw, cg, groups, og).transpose(2, 0, 1, 3).reshape(
        groups, kh * kw * cg, og)


def _kernel_from_matrix(m, shape, groups):
    kh, kw, cg, o = shape
    if groups == 1:
        return m.reshape(shape)
    return m.reshape(groups, kh * kw, cg, o // groups).transpose(1, 2, 0, 3).reshape(shape)


# -- the three convolution primitives ---------------------------------------------------

def _conv_forward(x, w, strides, dilations, pads, groups, bias=None):
    n, kh, kw, o = x.shape[0], w.shape[0], w.shape[1], w.shape[3]
    oh, ow, _ = _geometry("conv2d", x.shape, kh, kw, strides, dilations, pads)
    xp = _pad(x, pads)
    wm = _kernel_matrix(w, groups)
    # Few channels: the bias rides in the product as one more kernel row (a pass saved).
    fold = bias is not None and groups == 1 and x.shape[3] < _FEW_CHANNELS
    if fold:
        wm = np.concatenate([wm, bias.reshape(1, o).astype(wm.dtype)])
    out = np.empty((n, oh, ow, o), np.result_type(x.dtype, w.dtype))

    def part(n0, n1):
        cols = _im2col(xp[n0:n1], kh, kw, oh, ow, strides, dilations, groups, ones=fold)
        if groups == 1:
            np.matmul(cols, wm, out=out[n0:n1].reshape(-1, o))
        else:
            out[n0:n1] = np.matmul(cols, wm).transpose(1, 0, 2).reshape(n1 - n0, oh, ow, o)

    threads.run_parts(part, _parts(n, x, oh, ow, kh, kw, o // groups))
    if bias is not None and not fold:
        out += bias
    return out


def _backprop_filter(x, g, wshape, strides, dilations, pads, groups):
    kh, kw, cg, o = wshape
    n, oh, ow = g.shape[:3]
    xp = _pad(x, pads)

    def part(n0, n1):
        cols = _im2col(xp[n0:n1], kh, kw, oh, ow, strides, dilations, groups)
        gc = g[n0:n1].reshape(-1, o)
        if groups == 1:
            return cols.T @ gc
        return np.matmul(cols.transpose(0, 2, 1),
                         gc.reshape(-1, groups, o // groups).transpose(1, 0, 2))

    partials = threads.run_parts(part, _parts(n, x, oh, ow, kh, kw, o // groups))
    acc = partials[0]
    for more in partials[1:]:
        acc += more
    return np.ascontiguousarray(_kernel_from_matrix(acc, wshape, groups))


def _backprop_input(g, w, xshape, strides, dilations, pads, groups):
    """Aᵀ_w g: each window tap's share g @ w[a, b]ᵀ added back where that tap read from."""
    n, oh, ow, o = g.shape
    kh, kw, cg, _ = w.shape
    c = cg * groups
    (pt, pb), (pl, pr) = pads
    dxp = np.zeros((n, xshape[1] + pt + pb, xshape[2] + pl + pr, c), g.dtype)
    if groups == 1:
        # One batched product, tap-major: every tap's (pixels, channels) block is contiguous,
        # so the scattered adds run over whole rows (4x faster than strided blocks).
        wt = np.ascontiguousarray(w.reshape(kh * kw, cg, o).transpose(0, 2, 1))
    else:
        wm = _kernel_matrix(w, groups)
    def part(n0, n1):
        gc = g[n0:n1].reshape(-1, o)
        if groups == 1:
            cols = np.matmul(gc[None], wt, out=_buffer((kh * kw, gc.shape[0], c), g.dtype))
            cols = cols.reshape(kh, kw, n1 - n0, oh, ow, c)
        else:
            cols = np.matmul(gc.reshape(-1, groups, o // groups).transpose(1, 0, 2),
                             wm.transpose(0, 2, 1))
            cols = cols.reshape(groups, n1 - n0, oh, ow, kh, kw, cg).transpose(
                4, 5, 1, 2, 3, 0, 6).reshape(kh, kw, n1 - n0, oh, ow, c)
        block = dxp[n0:n1]
        for a in range(kh):
            for b in range(kw):
                _tap(block, a, b, oh, ow, strides, dilations)[...] += cols[a, b]

    threads.run_parts(part, _parts(n, g, oh, ow, kh, kw, o // groups, channels=c))
    return _crop(dxp, pads, xshape)


def conv2d_max_pool(x, w, bias=None, *, pads=("valid", "valid"), activation=None,
                    pool=(2, 2)):
    """Conv2D (stride 1, no dilation, one group; relu or no activation) then max pooling
    with ``pool`` windows and strides ('valid'), as one op: ``Sequential`` runs the lab CNN's
    Conv2D + MaxPooling2D pairs through it in ``predict`` and in ``fit``'s own step.

    The conv output pixels that share a pooling window are computed as pool_h·pool_w
    separate products (window position (dy, dx) of every window: a stride-``pool``
    convolution of the input shifted by (dy, dx)), so the pooling is an elementwise maximum
    of whole contiguous blocks instead of strided passes over the full output, and the bias
    and relu run on the pooled quarter: max(relu(z + b)) = relu(max(z) + b), both being
    monotonic. Conv outputs no window covers (the last row of an odd height) are never
    computed. The numbers equal ``max_pool_raw(conv2d_raw(...))`` up to float32 rounding.
    While a tape records, the forward also notes which position of each window won; the
    rule routes the gradient there (after relu's mask, on the pooled quarter) and runs the
    convolution's own backward ops, so every order of derivative is the unfused one's.
    """
    x, w = _t(x), _t(w)
    bias = None if bias is None else _t(bias)
    if activation not in (None, "relu"):
        raise ValueError(f"conv2d_max_pool: activation must be None or 'relu'; got "
                         f"{activation!r}.")
    xv, wv = x._value, w._value
    kh, kw, c, o = wv.shape
    oh, ow, pads = _geometry("conv2d", xv.shape, kh, kw, (1, 1), (1, 1), pads)
    ph, pw = pool
    qh, qw = oh // ph, ow // pw
    if qh == 0 or qw == 0 or xv.shape[3] != c:  # the two ops raise their own errors
        y = conv2d_raw(x, w, bias, pads=pads, activation=activation)
        return max_pool_raw(y, pool, pool, "VALID")
    n = xv.shape[0]
    xp = _pad(xv, pads)
    wm = wv.reshape(kh * kw * c, o)
    fold = bias is not None and c < _FEW_CHANNELS  # as _conv_forward: a ones column
    if fold:
        wm = np.concatenate([wm, bias._value.reshape(1, o).astype(wm.dtype)])
    out = np.empty((n, qh, qw, o), np.result_type(xv.dtype, wv.dtype))
    taps = ph * pw
    winner = np.zeros(out.shape, np.uint8 if taps < 256 else np.int32) if is_recording() \
        else None
    per_block = qh * qw * kh * kw * c  # column entries of one window position's block
    parts = _block_parts(n, per_block, taps, o, xv.itemsize)
    # While a tape records, the blocks' column matrices are kept for the kernel gradient
    # (not built again there) when they are small (the lab CNN's: 7 MB at batch 64).
    keep = winner is not None and n * per_block * taps * xv.itemsize <= KEEP_COLUMNS
    kept = {}

    def part(n0, n1):
        best = out[n0:n1].reshape(-1, o)
        won = None if winner is None else winner[n0:n1].reshape(-1, o)
        block = better = None
        for t in range(taps):
            dy, dx = divmod(t, pw)
            cols = _im2col(xp[n0:n1, dy:, dx:], kh, kw, qh, qw, (ph, pw), (1, 1), 1,
                           ones=fold, keep=keep)
            if keep:
                kept[n0, t] = cols[:, :-1] if fold else cols
            if t == 0:
                np.matmul(cols, wm, out=best)
                continue
            if block is None:
                block = np.empty_like(best)
            np.matmul(cols, wm, out=block)
            if won is not None:  # the first position wins ties, as max_pool_raw's
                if better is None:
                    better = np.empty(best.shape, bool)
                    mark = np.empty(best.shape, won.dtype)
                _mark_winner(block, best, t, won, better, mark)
            np.maximum(best, block, out=best)
        if bias is not None and not fold:
            best += bias._value
        if activation == "relu":
            np.maximum(best, 0, out=best)

    threads.run_parts(part, parts)
    inputs = (x, w) if bias is None else (x, w, bias)
    return apply("Conv2DMaxPool", out, inputs,
                 {"act": activation, "pads": pads, "pool": tuple(pool), "winner": winner,
                  "conv_shape": (n, oh, ow, o), "cols": kept})


# The most bytes of column matrices the fused conv + pool op keeps for its backward pass.
KEEP_COLUMNS = 64 << 20


def _block_parts(n, per_block, taps, out_channels, itemsize):
    """The fused op's (start, stop) pieces of the batch, the same in forward and backward
    (the kept column matrices are found by their start): memory-bounded per block, split
    across the workers by the work of all ``taps`` blocks."""
    return threads.split_batch(n, per_block * taps * out_channels,
                               _chunks(n, per_block * itemsize))


def _bias_grad(gz):
    """Σ of ``gz`` over every axis but the last, as a product with ones: BLAS is ~50x faster
    than a NumPy reduction over the leading axes of an (n, h, w, c) array."""
    flat = reshape(gz, (-1, gz._value.shape[-1]))
    ones = Tensor._wrap(np.ones((1, flat._value.shape[0]), flat._value.dtype))
    return reshape(matmul(ones, flat), (-1,))


@register_gradient("Conv2DMaxPool", wants_needs=True)
def _conv2d_max_pool_grad(g, out, x, w, b=None, *, needs, act, pads, pool, winner,
                          conv_shape, cols):
    gz = relu_grad(g, out) if act == "relu" else g  # on the pooled quarter
    if is_recording():
        # Another tape records this walk (a second derivative): the conv's own ops, each
        # with its rule, on the gradient routed back to the full conv output.
        g_conv = max_pool_grad(gz, conv_shape, ksize=pool, strides=pool,
                               pads=((0, 0), (0, 0)), winner=winner)
        geo = {"strides": (1, 1), "dilations": (1, 1), "pads": pads, "groups": 1}
        gx = conv2d_backprop_input(g_conv, w, x._value.shape, **geo) if needs[0] else None
        gw = conv2d_backprop_filter(x, g_conv, w._value.shape, **geo) if needs[1] else None
    else:
        gx, gw = _conv_max_pool_backward(gz._value, winner, x._value, w._value, pads, pool,
                                         needs, cols)
    if b is None:
        return gx, gw
    return gx, gw, _bias_grad(gz) if needs[2] else None


def _conv_max_pool_backward(gz, winner, xv, wv, pads, pool, needs, kept=None):
    """The fused op's input and kernel gradients, block by block as its forward: the pooled
    gradient of the windows position t won is that block's output gradient, so the kernel
    gradient is Σ_t cols_tᵀ g_t and the input gradient adds g_t wᵀ back where block t's
    windows read. No full-size gradient is built (measured on the lab CNN's training step:
    the routing to the full conv output was 12% of the epoch). ``kept``: the forward's
    column matrices by (first example, position), where it kept them."""
    kh, kw, c, o = wv.shape
    n, qh, qw, _ = gz.shape
    ph, pw = pool
    xp = _pad(xv, pads)
    dxp = np.zeros(xp.shape, gz.dtype) if needs[0] else None
    wt = np.ascontiguousarray(wv.reshape(kh * kw, c, o).transpose(0, 2, 1)) if needs[0] \
        else None

    def part(n0, n1):
        g = gz[n0:n1].reshape(-1, o)
        won = winner[n0:n1].reshape(-1, o)
        hit = np.empty(g.shape, bool)
        acc = None
        for t in range(ph * pw):
            dy, dx = divmod(t, pw)
            np.equal(won, t, out=hit)
            gt = _keep_where(g, hit)
            if needs[1]:
                cols = kept.get((n0, t)) if kept else None
                if cols is None:
                    cols = _im2col(xp[n0:n1, dy:, dx:], kh, kw, qh, qw, (ph, pw), (1, 1), 1)
                if acc is None:
                    acc = cols.T @ gt
                else:
                    acc += cols.T @ gt
            if needs[0]:
                back = np.matmul(gt[None], wt, out=_buffer((kh * kw, gt.shape[0], c),
                                                           gz.dtype))
                back = back.reshape(kh, kw, n1 - n0, qh, qw, c)
                view = dxp[n0:n1, dy:, dx:]
                for a in range(kh):
                    for bb in range(kw):
                        _tap(view, a, bb, qh, qw, (ph, pw), (1, 1))[...] += back[a, bb]
        return acc

    partials = threads.run_parts(part, _block_parts(n, qh * qw * kh * kw * c, ph * pw, o,
                                                    xv.itemsize))
    gw = None
    if needs[1]:
        acc = partials[0]
        for more in partials[1:]:
            acc += more
        gw = Tensor._wrap(np.ascontiguousarray(acc.reshape(wv.shape)))
    gx = Tensor._wrap(_crop(dxp, pads, xv.shape)) if needs[0] else None
    return gx, gw


def _attrs(strides, dilations, pads, groups):
    return {"strides": tuple(strides), "dilations": tuple(dilations), "pads": pads,
            "groups": groups}


def conv2d_raw(x, w, bias=None, *, strides=(1, 1), dilations=(1, 1), pads=("valid", "valid"),
               groups=1, activation=None):
    """NHWC convolution of ``x`` with ``w`` (kh, kw, in/groups, out), optional bias and relu,
    as one op. ``pads`` is 'valid', 'same' or (before, after) per spatial axis."""
    x, w = _t(x), _t(w)
    xv, wv = x._value, w._value
    _, _, pads = _geometry("conv2d", xv.shape, wv.shape[0], wv.shape[1], strides, dilations,
                           pads)
    bias = None if bias is None else _t(bias)
    z = _conv_forward(xv, wv, strides, dilations, pads, groups,
                      None if bias is None else bias._value)
    attrs = _attrs(strides, dilations, pads, groups)
    attrs["act"] = activation
    inputs = (x, w) if bias is None else (x, w, bias)
    if activation == "relu":
        np.maximum(z, 0, out=z)
    elif activation is not None:
        raise ValueError(f"conv2d_raw: activation must be None or 'relu'; got {activation!r}.")
    return apply("Conv2D", z, inputs, attrs)


@register_gradient("Conv2D", wants_needs=True)
def _conv2d_grad(g, out, x, w, b=None, *, needs, act, **geo):
    gz = relu_grad(g, out) if act == "relu" else g
    gx = conv2d_backprop_input(gz, w, x._value.shape, **geo) if needs[0] else None
    gw = conv2d_backprop_filter(x, gz, w._value.shape, **geo) if needs[1] else None
    if b is None:
        return gx, gw
    return gx, gw, _bias_grad(gz) if needs[2] else None


def conv2d_backprop_input(g, w, input_shape, *, strides, dilations, pads, groups):
    """Aᵀ_w g: the gradient of a convolution for its input (shape ``input_shape``)."""
    g, w = _t(g), _t(w)
    value = _backprop_input(g._value, w._value, tuple(input_shape), strides, dilations, pads,
                            groups)
    return apply("Conv2DBackpropInput", value, (g, w),
                 dict(_attrs(strides, dilations, pads, groups), input_shape=tuple(input_shape)))


@register_gradient("Conv2DBackpropInput", wants_needs=True)
def _backprop_input_grad(gg, out, g, w, *, needs, input_shape, **geo):
    # <gg, Aᵀ_w g> = <A_w gg, g>: linear in g (a convolution of gg) and in w.
    dg = conv2d_raw(gg, w, **geo) if needs[0] else None
    dw = conv2d_backprop_filter(gg, g, w._value.shape, **geo) if needs[1] else None
    return dg, dw


def conv2d_backprop_filter(x, g, filter_shape, *, strides, dilations, pads, groups):
    """The gradient of a convolution for its kernel (shape ``filter_shape``)."""
    x, g = _t(x), _t(g)
    value = _backprop_filter(x._value, g._value, tuple(filter_shape), strides, dilations, pads,
                             groups)
    return apply("Conv2DBackpropFilter", value, (x, g),
                 dict(_attrs(strides, dilations, pads, groups),
                      filter_shape=tuple(filter_shape)))


@register_gradient("Conv2DBackpropFilter", wants_needs=True)
def _backprop_filter_grad(gw, out, x, g, *, needs, filter_shape, **geo):
    # <gw, dW(x, g)> = <A_gw x, g>
    dx = conv2d_backprop_input(g, gw, x._value.shape, **geo) if needs[0] else None
    dg = conv2d_raw(x, gw, **geo) if needs[1] else None
    return dx, dg


# -- pooling ----------------------------------------------------------------------------

def _pool_geometry(where, xshape, ksize, strides, padding):
    return _geometry(where, xshape, ksize[0], ksize[1], strides, (1, 1), padding)


def max_pool_raw(x, ksize, strides, padding):
    """NHWC max pooling: the largest value of each window ('same' pads with -inf).

    Besides the maxima it keeps which tap of each window won (the first, on ties, as TF
    and torch do), one byte per output: the backward pass routes gradients by it.
    """
    x = _t(x)
    xv = x._value
    oh, ow, pads = _pool_geometry("max_pool", xv.shape, ksize, strides, (padding, padding))
    xp = _pad(xv, pads, -np.inf)
    taps = ksize[0] * ksize[1]
    if not is_recording() and taps > 1:  # inference: only the maxima
        out = np.maximum(_tap(xp, 0, 0, oh, ow, strides, (1, 1)),
                         _tap(xp, *divmod(1, ksize[1]), oh, ow, strides, (1, 1)))
        for t in range(2, taps):
            np.maximum(out, _tap(xp, *divmod(t, ksize[1]), oh, ow, strides, (1, 1)), out=out)
        return apply("MaxPool", out, (x,))
    out = _tap(xp, 0, 0, oh, ow, strides, (1, 1)).copy()
    winner = np.zeros(out.shape, np.uint8 if taps < 256 else np.int32)
    better, mark = np.empty(out.shape, bool), np.empty(out.shape, winner.dtype)
    for t in range(1, taps):
        tap = _tap(xp, *divmod(t, ksize[1]), oh, ow, strides, (1, 1))
        _mark_winner(tap, out, t, winner, better, mark)
        np.maximum(out, tap, out=out)
    return apply("MaxPool", out, (x,), {"ksize": tuple(ksize), "strides": tuple(strides),
                                        "pads": pads, "winner": winner})


def _mark_winner(candidate, best, t, winner, better, mark):
    """``winner = t`` where ``candidate`` beats ``best`` (strictly: the first wins ties),
    before ``best`` takes the maximum. Candidates come in increasing ``t``, so this is a
    maximum of ufuncs (np.copyto(..., where=) and np.putmask are several times slower)."""
    np.greater(candidate, best, out=better)
    np.multiply(better, mark.dtype.type(t), out=mark)
    np.maximum(winner, mark, out=winner)


@register_gradient("MaxPool")
def _max_pool_grad(g, out, x, **attrs):
    return max_pool_grad(g, x._value.shape, **attrs)


def max_pool_grad(g, input_shape, *, ksize, strides, pads, winner):
    """Routes each window's gradient to the input element that won it."""
    gv = g._value
    (pt, pb), (pl, pr) = pads
    oh, ow = gv.shape[1:3]
    dxp = np.zeros((gv.shape[0], input_shape[1] + pt + pb, input_shape[2] + pl + pr,
                    gv.shape[3]), gv.dtype)
    disjoint = all(s >= k for s, k in zip(strides, ksize))
    for t in range(ksize[0] * ksize[1]):
        routed = np.multiply(gv, winner == t)
        view = _tap(dxp, *divmod(t, ksize[1]), oh, ow, strides, (1, 1))
        if disjoint:  # every input element is in one window at most: write, no add
            np.copyto(view, routed)
        else:
            view += routed
    return apply("MaxPoolGrad", _crop(dxp, pads, input_shape), (g,),
                 {"ksize": ksize, "strides": strides, "pads": pads, "winner": winner})


@register_gradient("MaxPoolGrad")
def _max_pool_grad_grad(gg, res, g, *, ksize, strides, pads, winner):
    # The routing is fixed (a comparison: zero derivative); its transpose picks gg back.
    ggp = _pad(gg._value, pads)
    oh, ow = winner.shape[1:3]
    picked = np.zeros(winner.shape, gg._value.dtype)
    for t in range(ksize[0] * ksize[1]):
        tap = _tap(ggp, *divmod(t, ksize[1]), oh, ow, strides, (1, 1))
        picked += np.multiply(tap, winner == t)
    return apply("MaxPoolGradGrad", picked, (gg,),
                 {"ksize": ksize, "strides": strides, "pads": pads, "winner": winner})


@register_gradient("MaxPoolGradGrad")
def _max_pool_grad_grad_grad(g3, res, gg, *, ksize, strides, pads, winner):
    return max_pool_grad(g3, gg._value.shape, ksize=ksize, strides=strides, pads=pads,
                         winner=winner)


def _window_counts(xshape, ksize, strides, pads, oh, ow, dtype):
    """How many real (unpadded) elements each window holds: 'same' averages divide by it."""
    if not any(sum(p) for p in pads):
        return None
    ones = _pad(np.ones((1, xshape[1], xshape[2], 1), dtype), pads)
    count = np.zeros((1, oh, ow, 1), dtype)
    for a in range(ksize[0]):
        for b in range(ksize[1]):
            count += _tap(ones, a, b, oh, ow, strides, (1, 1))
    return count


def _avg_pool(xv, ksize, strides, pads, oh, ow):
    xp = _pad(xv, pads)
    out = np.zeros((xv.shape[0], oh, ow, xv.shape[3]), xv.dtype)
    for a in range(ksize[0]):
        for b in range(ksize[1]):
            out += _tap(xp, a, b, oh, ow, strides, (1, 1))
    count = _window_counts(xv.shape, ksize, strides, pads, oh, ow, xv.dtype)
    out /= count if count is not None else ksize[0] * ksize[1]
    return out


def avg_pool_raw(x, ksize, strides, padding):
    """NHWC average pooling; 'same' windows average only their real elements, as TF does."""
    x = _t(x)
    xv = x._value
    oh, ow, pads = _pool_geometry("avg_pool", xv.shape, ksize, strides, (padding, padding))
    return apply("AvgPool", _avg_pool(xv, ksize, strides, pads, oh, ow), (x,),
                 {"ksize": tuple(ksize), "strides": tuple(strides), "pads": pads})


@register_gradient("AvgPool")
def _avg_pool_grad(g, out, x, *, ksize, strides, pads):
    return avg_pool_grad(g, x._value.shape, ksize=ksize, strides=strides, pads=pads)


def avg_pool_grad(g, input_shape, *, ksize, strides, pads):
    """Spreads each window's gradient evenly over its real elements (AvgPool transposed)."""
    gv = g._value
    oh, ow = gv.shape[1:3]
    count = _window_counts(input_shape, ksize, strides, pads, oh, ow, gv.dtype)
    share = gv / (count if count is not None else ksize[0] * ksize[1])
    (pt, pb), (pl, pr) = pads
    dxp = np.zeros((gv.shape[0], input_shape[1] + pt + pb, input_shape[2] + pl + pr,
                    gv.shape[3]), gv.dtype)
    for a in range(ksize[0]):
        for b in range(ksize[1]):
            _tap(dxp, a, b, oh, ow, strides, (1, 1))[...] += share
    return apply("AvgPoolGrad", _crop(dxp, pads, input_shape), (g,),
                 {"ksize": ksize, "strides": strides, "pads": pads})


@register_gradient("AvgPoolGrad")
def _avg_pool_grad_grad(gg, out, g, *, ksize, strides, pads):
    gv = gg._value
    oh, ow = g._value.shape[1:3]
    return apply("AvgPool", _avg_pool(gv, ksize, strides, pads, oh, ow), (gg,),
                 {"ksize": ksize, "strides": strides, "pads": pads})


# -- the tf.nn surface ------------------------------------------------------------------

def _padding_arg(padding, where, n_spatial, channels_first):
    """'valid'/'same' per axis, or explicit (before, after) pairs from TF's list form."""
    if isinstance(padding, str):
        p = padding.lower()
        if p not in ("valid", "same"):
            raise ValueError(f"{where}: padding must be 'VALID', 'SAME' or a list of explicit "
                             f"(before, after) pairs. Received: padding={padding!r}")
        return (p,) * n_spatial
    pairs = [tuple(int(v) for v in p) for p in padding]
    if len(pairs) == n_spatial + 2:
        pairs = pairs[2:] if channels_first else pairs[1:-1]
    if len(pairs) != n_spatial or any(len(p) != 2 or min(p) < 0 for p in pairs):
        raise ValueError(f"{where}: explicit padding must hold {n_spatial + 2} non-negative "
                         f"(before, after) pairs. Received: padding={padding!r}")
    return tuple(pairs)


def _spatial(value, n, where, name, channels_first=False):
    """TF's stride/dilation/ksize forms: an int, n ints, or n + 2 ints (batch and channel 1)."""
    if value is None:
        return (1,) * n
    vals = [int(value)] * n if np.ndim(value) == 0 else [int(v) for v in value]
    if len(vals) == 1:
        vals = vals * n
    elif len(vals) == n + 2:
        vals = vals[2:] if channels_first else vals[1:-1]
    if len(vals) != n or any(v <= 0 for v in vals):
        raise ValueError(f"{where}: {name} must be a positive int or a list of {n} (or "
                         f"{n + 2}) positive ints. Received: {name}={value!r}")
    return tuple(vals)


def _channels_first(data_format, where):
    if data_format is None or data_format in ("NHWC", "NWC", "channels_last"):
        return False
    if data_format in ("NCHW", "NCW", "channels_first"):
        return True
    raise ValueError(f"{where}: data_format must be 'NHWC'/'NWC' (channels last) or "
                     f"'NCHW'/'NCW' (channels first). Received: data_format={data_format!r}")


def _check_rank(x, rank, where, what):
    if x.ndim != rank:
        hint = " (add the channel axis, e.g. np.expand_dims(x, -1))" if x.ndim == rank - 1 \
            else ""
        raise InvalidArgumentError(f"{where}: input must be {rank}-D {what}; received shape "
                                   f"{tuple(x.shape)}{hint}.")


def _to_nhwc(x, cf):
    return transpose(x, (0, 2, 3, 1)) if cf else x


def _from_nhwc(y, cf):
    return transpose(y, (0, 3, 1, 2)) if cf else y


def _check_channels(where, c, cin, groups=1):
    if c != cin * groups:
        raise InvalidArgumentError(f"{where}: the input has {c} channels but the filter "
                                   f"expects {cin * groups} (filter shape's in-channels "
                                   f"{cin}{f' x {groups} groups' if groups > 1 else ''}).")


def _check_float(x, w, where):
    if x._value.dtype != w._value.dtype:
        raise InvalidArgumentError(f"{where}: input dtype {x.dtype.name} does not match filter "
                                   f"dtype {w.dtype.name}; cast one of them first.")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None,
           name=None):
    """2-D convolution, ``tf.nn.conv2d``: input (N, H, W, C), filters (kh, kw, C, out).

    ``padding`` is 'VALID', 'SAME' or explicit pairs; ``strides``/``dilations`` an int or a
    list of 2 or 4 ints. Filters with C/g input channels make a grouped convolution.
    """
    where = "conv2d"
    x, w = _t(input), _t(filters)
    cf = _channels_first(data_format, where)
    _check_rank(x, 4, where, "(batch, height, width, channels)")
    if w.ndim != 4:
        raise InvalidArgumentError(f"{where}: filters must be 4-D (height, width, in, out); "
                                   f"received shape {tuple(w.shape)}.")
    _check_float(x, w, where)
    x = _to_nhwc(x, cf)
    c, cin = x._value.shape[3], w._value.shape[2]
    if c % cin:
        _check_channels(where, c, cin)
    groups = c // cin
    if w._value.shape[3] % groups:
        raise InvalidArgumentError(f"{where}: {groups} groups need out-channels divisible by "
                                   f"them; filter shape {tuple(w.shape)}.")
    y = conv2d_raw(x, w, strides=_spatial(strides, 2, where, "strides", cf),
                   dilations=_spatial(dilations, 2, where, "dilations", cf),
                   pads=_padding_arg(padding, where, 2, cf), groups=groups)
    return _from_nhwc(y, cf)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None,
           name=None):
    """1-D convolution, ``tf.nn.conv1d``: input (N, W, C), filters (k, C, out); a 2-D
    convolution of height 1."""
    where = "conv1d"
    x, w = _t(input), _t(filters)
    cf = _channels_first(data_format, where)
    _check_rank(x, 3, where, "(batch, width, channels)")
    if w.ndim != 3:
        raise InvalidArgumentError(f"{where}: filters must be 3-D (width, in, out); received "
                                   f"shape {tuple(w.shape)}.")
    if cf:
        x = transpose(x, (0, 2, 1))
    pad = _padding_arg(padding, where, 1, cf)[0]
    y = conv2d(expand_dims(x, 1), expand_dims(w, 0),
               strides=[1] + list(_spatial(stride, 1, where, "stride", cf)),
               padding=pad if isinstance(pad, str) else [(0, 0), (0, 0), pad, (0, 0)],
               dilations=[1] + list(_spatial(dilations, 1, where, "dilations", cf)))
    y = squeeze(y, 1)
    return transpose(y, (0, 2, 1)) if cf else y


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME",
                     data_format="NHWC", dilations=None, name=None):
    """The transpose (gradient) of conv2d, ``tf.nn.conv2d_transpose``: filters are
    (kh, kw, out, in) and ``output_shape`` is the shape of the result (N, H, W, out)."""
    where = "conv2d_transpose"
    x, w = _t(input), _t(filters)
    cf = _channels_first(data_format, where)
    _check_rank(x, 4, where, "(batch, height, width, channels)")
    _check_float(x, w, where)
    shape = [int(d) for d in (output_shape.numpy() if isinstance(output_shape, Tensor)
                              else output_shape)]
    if len(shape) != 4:
        raise ValueError(f"{where}: output_shape must have 4 entries; received {shape}.")
    if cf:
        shape = [shape[0], shape[2], shape[3], shape[1]]
    x = _to_nhwc(x, cf)
    if x._value.shape[3] != w._value.shape[3]:
        raise InvalidArgumentError(f"{where}: the input has {x._value.shape[3]} channels but "
                                   f"the filter (kh, kw, out, in) expects {w._value.shape[3]}.")
    if shape[3] != w._value.shape[2]:
        raise InvalidArgumentError(f"{where}: output_shape has {shape[3]} channels but the "
                                   f"filter (kh, kw, out, in) makes {w._value.shape[2]}.")
    st = _spatial(strides, 2, where, "strides", cf)
    dl = _spatial(dilations, 2, where, "dilations", cf)
    pad = _padding_arg(padding, where, 2, cf)
    oh, ow, pads = _geometry(where, shape, w._value.shape[0], w._value.shape[1], st, dl, pad)
    if (oh, ow) != x._value.shape[1:3]:
        raise InvalidArgumentError(
            f"{where}: output_shape {shape} does not fit the input: a convolution of that "
            f"shape with these strides and padding gives {oh}x{ow}, the input is "
            f"{x._value.shape[1]}x{x._value.shape[2]}.")
    y = conv2d_backprop_input(x, w, (x._value.shape[0],) + tuple(shape[1:]), strides=st,
                              dilations=dl, pads=pads, groups=1)
    return _from_nhwc(y, cf)


def depthwise_conv2d(input, filter, strides, padding, data_format=None,
                     dilations=None, name=None):
    """Each input channel convolved with its own filters, ``tf.nn.depthwise_conv2d``:
    filter (kh, kw, C, multiplier) gives C·multiplier channels, channel c·M + m."""
    where = "depthwise_conv2d"
    x, w = _t(input), _t(filter)
    cf = _channels_first(data_format, where)
    _check_rank(x, 4, where, "(batch, height, width, channels)")
    _check_float(x, w, where)
    x = _to_nhwc(x, cf)
    kh, kw, c, m = w._value.shape
    _check_channels(where, x._value.shape[3], c)
    y = conv2d_raw(x, reshape(w, (kh, kw, 1, c * m)), strides=_spatial(strides, 2, where,
                                                                      "strides", cf),
                   dilations=_spatial(dilations, 2, where, "dilations", cf),
                   pads=_padding_arg(padding, where, 2, cf), groups=c)
    return _from_nhwc(y, cf)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None):
    """A depthwise convolution followed by a 1x1 convolution, ``tf.nn.separable_conv2d``."""
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return conv2d(y, pointwise_filter, 1, "VALID", data_format or "NHWC")


def _pool2d(raw, where, input, ksize, strides, padding, data_format):
    x = _t(input)
    cf = _channels_first(data_format, where)
    _check_rank(x, 4, where, "(batch, height, width, channels)")
    p = _padding_arg(padding, where, 2, cf)
    if not isinstance(p[0], str):
        raise ValueError(f"{where}: padding must be 'VALID' or 'SAME'. Received: "
                         f"padding={padding!r}")
    y = raw(_to_nhwc(x, cf), _spatial(ksize, 2, where, "ksize", cf),
            _spatial(strides, 2, where, "strides", cf), p[0])
    return _from_nhwc(y, cf)


def _pool1d(raw, where, input, ksize, strides, padding, data_format):
    x = _t(input)
    cf = _channels_first(data_format, where)
    _check_rank(x, 3, where, "(batch, width, channels)")
    if cf:
        x = transpose(x, (0, 2, 1))
    y = _pool2d(raw, where, expand_dims(x, 1), [1] + list(_spatial(ksize, 1, where, "ksize",
                                                                   cf)),
                [1] + list(_spatial(strides, 1, where, "strides", cf)), padding, None)
    y = squeeze(y, 1)
    return transpose(y, (0, 2, 1)) if cf else y


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The maximum of each ksize window, ``tf.nn.max_pool2d``."""
    return _pool2d(max_pool_raw, "max_pool2d", input, ksize, strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The mean of each ksize window, ``tf.nn.avg_pool2d``."""
    return _pool2d(avg_pool_raw, "avg_pool2d", input, ksize, strides, padding, data_format)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """``tf.nn.max_pool1d`` on (N, W, C)."""
    return _pool1d(max_pool_raw, "max_pool1d", input, ksize, strides, padding, data_format)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """``tf.nn.avg_pool1d`` on (N, W, C)."""
    return _pool1d(avg_pool_raw, "avg_pool1d", input, ksize, strides, padding, data_format)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """``tf.nn.max_pool``: 1-D or 2-D by the input's rank."""
    x = _t(input)
    if x.ndim == 3:
        return max_pool1d(x, ksize, strides, padding, data_format or "NWC")
    return max_pool2d(x, ksize, strides, padding, data_format or "NHWC")


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """``tf.nn.avg_pool``: 1-D or 2-D by the input's rank."""
    x = _t(input)
    if x.ndim == 3:
        return avg_pool1d(x, ksize, strides, padding, data_format or "NWC")
    return avg_pool2d(x, ksize, strides, padding, data_format or "NHWC")


__all__ = ["conv1d", "conv2d", "conv2d_transpose", "depthwise_conv2d", "separable_conv2d",
           "max_pool", "max_pool1d", "max_pool2d", "avg_pool", "avg_pool1d", "avg_pool2d"]
