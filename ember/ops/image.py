"""Image ops on (batch, height, width, channels) tensors: resampling (resize, affine
transforms for the augmentation layers) and flips.

Resampling reads each output pixel as a weighted sum of a few input pixels,

    y[n, p, c] = Σ_k weight[n, p, k] · x[n, index[n, p, k], c]

so one primitive with fixed indices and weights serves nearest and bilinear resizing and the
rotations, zooms and translations; its gradient scatters the weights back (the transpose),
and the gradient of that is the gather again.
"""

from __future__ import annotations

import numpy as np

from ember.errors import InvalidArgumentError
from ember.ops.array import reverse
from ember.record import apply, register_gradient
from ember.tensor import Tensor, convert_to_tensor


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def resample(x, index, weight):
    """``y[n, p, c] = Σ_k weight[n, p, k] · x[n, index[n, p, k], c]`` over flattened pixels.

    ``x`` is (N, H, W, C); ``index`` (int, into H·W) and ``weight`` are (N or 1, OH, OW, K).
    """
    x = _t(x)
    xv = x._value
    n, h, w, c = xv.shape
    oh, ow = index.shape[1:3]
    value = _gather(xv.reshape(n, h * w, c), index, weight).reshape(n, oh, ow, c)
    return apply("Resample", value, (x,), {"index": index, "weight": weight})


def _gather(flat, index, weight):
    n = flat.shape[0]
    idx = np.broadcast_to(index.reshape(index.shape[0], -1, index.shape[-1]),
                          (n,) + (index[0].size // index.shape[-1], index.shape[-1]))
    wt = np.broadcast_to(weight.reshape(weight.shape[0], -1, weight.shape[-1]), idx.shape)
    out = None
    for k in range(idx.shape[-1]):
        part = np.take_along_axis(flat, idx[:, :, k:k + 1], axis=1)
        part = part * wt[:, :, k:k + 1].astype(flat.dtype)
        out = part if out is None else out.__iadd__(part)
    return out


def _scatter(g_flat, index, weight, hw):
    n, p, c = g_flat.shape
    idx = np.broadcast_to(index.reshape(index.shape[0], p, -1), (n, p, index.shape[-1]))
    wt = np.broadcast_to(weight.reshape(weight.shape[0], p, -1), idx.shape)
    out = np.zeros((n, hw, c), g_flat.dtype)
    rows = np.arange(n)[:, None]
    for k in range(idx.shape[-1]):
        np.add.at(out, (rows, idx[:, :, k]), g_flat * wt[:, :, k:k + 1].astype(g_flat.dtype))
    return out


@register_gradient("Resample")
def _resample_grad(g, out, x, *, index, weight):
    return resample_transpose(g, x._value.shape, index, weight)


def resample_transpose(g, input_shape, index, weight):
    """The gradient of ``resample`` for its input: each output's gradient goes back to the
    input pixels it read, times their weights."""
    gv = g._value
    n, h, w, c = input_shape
    value = _scatter(gv.reshape(n, -1, c), index, weight, h * w).reshape(input_shape)
    return apply("ResampleTranspose", value, (g,), {"index": index, "weight": weight})


@register_gradient("ResampleTranspose")
def _resample_transpose_grad(gg, out, g, *, index, weight):
    return resample(gg, index, weight)


# -- resizing ---------------------------------------------------------------------------

def _axis_weights(out_size, in_size, method):
    """(indices (out, K), weights (out, K)) along one axis, with TF 2's half-pixel centres."""
    scale = in_size / out_size
    centre = (np.arange(out_size) + 0.5) * scale
    if method == "nearest":
        idx = np.minimum(np.floor(centre).astype(np.int64), in_size - 1)
        return idx[:, None], np.ones((out_size, 1))
    src = centre - 0.5
    lo = np.floor(src)
    frac = src - lo
    lo_i = np.clip(lo.astype(np.int64), 0, in_size - 1)
    hi_i = np.clip(lo.astype(np.int64) + 1, 0, in_size - 1)
    return np.stack([lo_i, hi_i], 1), np.stack([1 - frac, frac], 1)


def resize(images, size, method="bilinear", preserve_aspect_ratio=False, antialias=False,
           name=None):
    """``tf.image.resize``: images (N, H, W, C) or (H, W, C) to ``size`` = (height, width).

    ``method`` is 'bilinear' (default) or 'nearest', with TF 2's half-pixel centres; the
    result is float32 for integer images, as in TF.
    """
    x = _t(images)
    single = x.ndim == 3
    if x.ndim not in (3, 4):
        raise InvalidArgumentError(f"resize: images must be 3-D (height, width, channels) or "
                                   f"4-D (batch, height, width, channels); received shape "
                                   f"{tuple(x.shape)}.")
    method = str(getattr(method, "value", method)).lower()
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"resize: method must be 'bilinear' or 'nearest'; received "
                         f"{method!r}.")
    if antialias:
        raise ValueError("resize: antialias=True is not supported by Ember; use "
                         "antialias=False.")
    size = [int(v) for v in (size.numpy() if isinstance(size, Tensor) else size)]
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"resize: size must be two positive ints (height, width); received "
                         f"{size}.")
    if single:
        from ember.ops.array import expand_dims
        x = expand_dims(x, 0)
    if x._value.dtype.kind != "f":
        from ember.ops.math import cast
        x = cast(x, "float32")
    h, w = x._value.shape[1:3]
    oh, ow = size
    if preserve_aspect_ratio:
        scale = min(oh / h, ow / w)
        oh, ow = max(int(round(h * scale)), 1), max(int(round(w * scale)), 1)
    ri, rw = _axis_weights(oh, h, method)
    ci, cw = _axis_weights(ow, w, method)
    index = (ri[:, None, :, None] * w + ci[None, :, None, :]).reshape(1, oh, ow, -1)
    weight = (rw[:, None, :, None] * cw[None, :, None, :]).reshape(1, oh, ow, -1)
    y = resample(x, index, weight)
    if single:
        from ember.ops.array import squeeze
        y = squeeze(y, 0)
    return y


# -- affine transforms (augmentation) ---------------------------------------------------

def _fold(coord, size, mode):
    """Maps coordinates outside [0, size - 1] back inside by ``mode`` (Keras's fill modes);
    'constant' leaves them out, to be filled."""
    if mode == "reflect":  # (d c b a | a b c d | d c b a): mirrored about the edge
        period = 2 * size
        c = np.mod(coord + 0.5, period)
        c = np.where(c >= size, period - c, c) - 0.5
        return np.clip(c, 0, size - 1)
    if mode == "wrap":
        return np.mod(coord + 0.5, size) - 0.5
    if mode == "nearest":
        return np.clip(coord, 0, size - 1)
    return coord


def affine_sample_weights(rows, cols, h, w, interpolation, fill_mode):
    """(index, weight, inside) for sampling an (h, w) image at float coordinates
    ``rows``/``cols`` of shape (N, OH, OW); ``inside`` marks coordinates that hit the image
    (the rest take the fill value in 'constant' mode)."""
    rows, cols = _fold(rows, h, fill_mode), _fold(cols, w, fill_mode)
    if interpolation == "nearest":
        r, c = np.round(rows), np.round(cols)
        inside = (r >= 0) & (r <= h - 1) & (c >= 0) & (c <= w - 1)
        idx = (np.clip(r, 0, h - 1) * w + np.clip(c, 0, w - 1)).astype(np.int64)
        return idx[..., None], inside[..., None].astype(np.float64), inside
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = rows - r0, cols - c0
    idx, wts = [], []
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            rr, cc = r0 + dr, c0 + dc
            ok = (rr >= 0) & (rr <= h - 1) & (cc >= 0) & (cc <= w - 1)
            idx.append((np.clip(rr, 0, h - 1) * w + np.clip(cc, 0, w - 1)).astype(np.int64))
            wts.append(np.where(ok, wr * wc, 0.0))
    inside = (rows > -1) & (rows < h) & (cols > -1) & (cols < w)
    return np.stack(idx, -1), np.stack(wts, -1), inside


def transform(images, matrices, interpolation="bilinear", fill_mode="reflect",
              fill_value=0.0):
    """Samples each image at ``matrices[n] @ (col, row, 1)`` for every output pixel.

    ``matrices`` (N, 2, 3) map output pixel coordinates (x = column, y = row) to input ones,
    as ``tf.raw_ops.ImageProjectiveTransformV3`` does for affine transforms.
    """
    x = _t(images)
    n, h, w, _ = x._value.shape
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                         indexing="ij")
    m = np.asarray(matrices, np.float64)
    cols = m[:, 0, 0, None, None] * xx + m[:, 0, 1, None, None] * yy + m[:, 0, 2, None, None]
    rows = m[:, 1, 0, None, None] * xx + m[:, 1, 1, None, None] * yy + m[:, 1, 2, None, None]
    index, weight, inside = affine_sample_weights(rows, cols, h, w, interpolation, fill_mode)
    y = resample(x, index, weight)
    if fill_mode == "constant" and fill_value != 0.0:
        from ember.ops.math import add
        outside = (1.0 - weight.sum(-1)) if interpolation == "bilinear" else ~inside
        y = add(y, Tensor._wrap(np.asarray(outside, x._value.dtype)[..., None]
                                 * x._value.dtype.type(fill_value)))
    return y


# -- flips ------------------------------------------------------------------------------

def _image_axes(x, where):
    if x.ndim not in (3, 4):
        raise InvalidArgumentError(f"{where}: images must be 3-D (height, width, channels) or "
                                   f"4-D (batch, height, width, channels); received shape "
                                   f"{tuple(x.shape)}.")
    return (0, 1) if x.ndim == 3 else (1, 2)


def flip_left_right(image):
    """Mirrors images along the width axis."""
    x = _t(image)
    return reverse(x, [_image_axes(x, "flip_left_right")[1]])


def flip_up_down(image):
    """Mirrors images along the height axis."""
    x = _t(image)
    return reverse(x, [_image_axes(x, "flip_up_down")[0]])
