"""Convolution and pooling ops: forward and gradients against float64 central differences
(first and second order) and against PyTorch 2.13, over strides, dilations, 'same' padding
with odd and even sizes, and one or several channels."""

import numpy as np
import pytest
from gradcheck import check, check_second_order

import ember as tf
from ember.errors import InvalidArgumentError
from ember.ops import conv as C

_rng = np.random.default_rng(11)


def rnd(*shape, dtype=np.float64):
    return _rng.standard_normal(shape).astype(dtype)


def _ref_conv2d(x, w, strides, dilations, padding, groups=1):
    """Direct sum over kernel taps on padded NumPy arrays (the definition)."""
    n, h, wd, c = x.shape
    kh, kw, cg, o = w.shape
    oh, pt, pb = C.output_size(h, kh, strides[0], dilations[0], padding)
    ow, pl, pr = C.output_size(wd, kw, strides[1], dilations[1], padding)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    out = np.zeros((n, oh, ow, o))
    og = o // groups
    for a in range(kh):
        for b in range(kw):
            r, s = a * dilations[0], b * dilations[1]
            tap = xp[:, r:r + strides[0] * (oh - 1) + 1:strides[0],
                     s:s + strides[1] * (ow - 1) + 1:strides[1]]
            for gi in range(groups):
                out[..., gi * og:(gi + 1) * og] += tap[..., gi * cg:(gi + 1) * cg] @ \
                    w[a, b, :, gi * og:(gi + 1) * og]
    return out


# (input hw, channels, out, kernel, strides, dilations, padding)
CONV_CASES = [
    ((5, 5), 1, 2, (3, 3), (1, 1), (1, 1), "valid"),
    ((6, 5), 2, 3, (3, 2), (2, 1), (1, 1), "same"),     # even height: asymmetric padding
    ((7, 6), 3, 2, (2, 2), (2, 2), (1, 1), "same"),
    ((7, 7), 2, 2, (3, 3), (1, 1), (2, 2), "same"),     # dilated
    ((8, 6), 1, 1, (2, 3), (3, 2), (1, 1), "valid"),    # strides leave rows unread
]


@pytest.mark.parametrize("hw,c,o,k,s,d,p", CONV_CASES)
def test_conv2d_gradients_by_central_differences(hw, c, o, k, s, d, p):
    x, w = rnd(2, *hw, c), rnd(*k, c, o)
    check(lambda a, b: tf.nn.conv2d(a, b, s, p.upper(), dilations=d), [x, w],
          ref=lambda a, b: _ref_conv2d(a, b, s, d, p), rtol=1e-6, atol=1e-8)


def test_conv2d_with_bias_and_relu_fused_and_second_order():
    x, w, b = rnd(2, 5, 4, 2), rnd(3, 3, 2, 3), rnd(3)

    def f(a, k, bias):
        return C.conv2d_raw(a, k, bias, strides=(1, 2), pads=("same", "same"),
                            activation="relu")
    check(f, [x, w, b], ref=lambda a, k, bias: np.maximum(
        _ref_conv2d(a, k, (1, 2), (1, 1), "same") + bias, 0))
    check_second_order(lambda a, k: tf.nn.conv2d(a, k, 2, "SAME"), [x, w])


def test_grouped_and_depthwise_conv():
    x = rnd(2, 6, 5, 4)
    wg = rnd(3, 3, 2, 6)  # 2 groups of 2 in-channels -> 3 out each
    check(lambda a, k: tf.nn.conv2d(a, k, 1, "SAME"), [x, wg],
          ref=lambda a, k: _ref_conv2d(a, k, (1, 1), (1, 1), "same", groups=2))
    wd = rnd(2, 3, 4, 2)  # depthwise, multiplier 2: channel c*2 + m

    def ref_dw(a, k):
        return _ref_conv2d(a, k.reshape(2, 3, 1, 8), (2, 1), (1, 1), "same", groups=4)
    check(lambda a, k: tf.nn.depthwise_conv2d(a, k, [1, 2, 1, 1], "SAME"), [x, wd], ref=ref_dw)


def test_conv1d_and_channels_first():
    x, w = rnd(2, 9, 3), rnd(3, 3, 4)

    def ref1d(a, k):
        return _ref_conv2d(a[:, None], k[None], (1, 2), (1, 1), "same")[:, 0]
    check(lambda a, k: tf.nn.conv1d(a, k, 2, "SAME"), [x, w], ref=ref1d)
    x4, w4 = rnd(2, 3, 6, 5), rnd(3, 3, 3, 2)
    check(lambda a, k: tf.nn.conv2d(a, k, 1, "VALID", data_format="NCHW"), [x4, w4],
          ref=lambda a, k: _ref_conv2d(a.transpose(0, 2, 3, 1), k, (1, 1), (1, 1), "valid")
          .transpose(0, 3, 1, 2))


@pytest.mark.parametrize("hw,s,p", [((3, 4), (2, 2), "SAME"), ((3, 3), (2, 2), "VALID"),
                                    ((4, 3), (1, 2), "SAME")])
def test_conv2d_transpose_is_the_gradient_of_conv2d(hw, s, p):
    x, w = rnd(2, *hw, 3), rnd(3, 2, 2, 3)  # filters (kh, kw, out, in)
    out_h = hw[0] * s[0] if p == "SAME" else (hw[0] - 1) * s[0] + 3
    out_w = hw[1] * s[1] if p == "SAME" else (hw[1] - 1) * s[1] + 2
    shape = (2, out_h, out_w, 2)

    def ref(a, k):
        # <conv2d_transpose(a), z> == <a, conv2d(z)>: build the transpose column by column.
        size = int(np.prod(shape))
        cols = np.stack([_ref_conv2d(np.eye(size)[i].reshape(shape), k, s, (1, 1),
                                     p.lower()).ravel() for i in range(size)])
        return (cols @ a.ravel()).reshape(shape)
    check(lambda a, k: tf.nn.conv2d_transpose(a, k, shape, s, p), [x, w], ref=ref, full=False)
    check_second_order(lambda a, k: tf.nn.conv2d_transpose(a, k, shape, s, p), [x, w],
                       full=False)


def _ref_pool(x, k, s, p, kind):
    n, h, w, c = x.shape
    oh, pt, pb = C.output_size(h, k[0], s[0], 1, p)
    ow, pl, pr = C.output_size(w, k[1], s[1], 1, p)
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s[0] - pt, j * s[1] - pl
            win = x[:, max(r0, 0):r0 + k[0], max(c0, 0):c0 + k[1]]
            out[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return out


POOL_CASES = [((4, 4), (2, 2), (2, 2), "valid"), ((5, 5), (2, 2), (2, 2), "same"),
              ((5, 6), (3, 3), (2, 2), "same"), ((6, 5), (3, 2), (1, 2), "valid")]


@pytest.mark.parametrize("hw,k,s,p", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool2d_gradients(hw, k, s, p, kind):
    x = tf_distinct((2, *hw, 2))
    fn = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    check(lambda a: fn(a, k, s, p.upper()), [x], ref=lambda a: _ref_pool(a, k, s, p, kind))
    check_second_order(lambda a: fn(a, k, s, p.upper()), [x])


def tf_distinct(shape):
    # max pooling has a kink at ties: keep the values apart by more than the difference step
    n = int(np.prod(shape))
    return _rng.permutation(np.linspace(-2, 2, n)).reshape(shape)


def test_pool1d():
    x = tf_distinct((2, 7, 3))
    check(lambda a: tf.nn.max_pool1d(a, 2, 2, "SAME"), [x],
          ref=lambda a: _ref_pool(a[:, None], (1, 2), (1, 2), "same", "max")[:, 0])
    check(lambda a: tf.nn.avg_pool1d(a, 3, 1, "VALID"), [x],
          ref=lambda a: _ref_pool(a[:, None], (1, 3), (1, 1), "valid", "avg")[:, 0])


# -- against PyTorch -----------------------------------------------------------------------

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _torch_same(t, k, s, d, padding, value=0.0):
    """TF's padding applied to an NCHW torch tensor (torch pads symmetrically)."""
    pads = []
    for ax, kk, ss, dd in zip((2, 3), k, s, d):
        _, b, a = C.output_size(t.shape[ax], kk, ss, dd, padding)
        pads.append((b, a))
    return F.pad(t, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]), value=value)


def _vjp(ours, inputs, u):
    ts = [tf.constant(a) for a in inputs]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = ours(*ts)
    return y.numpy(), [g.numpy() for g in tape.gradient(y, ts, output_gradients=tf.constant(u))]


def _nchw(a):
    return torch.tensor(a.transpose(0, 3, 1, 2).copy(), requires_grad=True)


@pytest.mark.parametrize("hw,c,o,k,s,d,p", CONV_CASES + [((28, 28), 1, 24, (3, 3), (1, 1),
                                                          (1, 1), "valid")])
def test_conv2d_against_torch(hw, c, o, k, s, d, p):
    x, w = rnd(4, *hw, c, dtype=np.float32), rnd(*k, c, o, dtype=np.float32)
    y, (gx, gw) = _vjp(lambda a, b: tf.nn.conv2d(a, b, s, p.upper(), dilations=d), [x, w],
                       u := rnd(*tf.nn.conv2d(x, w, s, p.upper(), dilations=d).shape,
                                dtype=np.float32))
    tx, tw = _nchw(x), torch.tensor(w.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    ty = F.conv2d(_torch_same(tx, k, s, d, p), tw, stride=s, dilation=d)
    ty.backward(torch.tensor(u.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(gx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gw, tw.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-4, atol=1e-3)


def test_conv1d_against_torch():
    x, w = rnd(3, 11, 2, dtype=np.float32), rnd(3, 2, 5, dtype=np.float32)
    u = rnd(3, 5, 5, dtype=np.float32)
    y, (gx, gw) = _vjp(lambda a, b: tf.nn.conv1d(a, b, 2, "VALID", dilations=1), [x, w], u)
    tx = torch.tensor(x.transpose(0, 2, 1).copy(), requires_grad=True)
    tw = torch.tensor(w.transpose(2, 1, 0).copy(), requires_grad=True)
    ty = F.conv1d(tx, tw, stride=2)
    ty.backward(torch.tensor(u.transpose(0, 2, 1).copy()))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gx, tx.grad.numpy().transpose(0, 2, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gw, tw.grad.numpy().transpose(2, 1, 0), rtol=1e-5, atol=1e-4)


def test_conv2d_transpose_against_torch():
    # Keras's Conv2DTranspose(strides=2, padding='same', kernel 3): output 2x the input.
    x, w = rnd(2, 4, 5, 3, dtype=np.float32), rnd(3, 3, 2, 3, dtype=np.float32)
    shape = (2, 8, 10, 2)
    u = rnd(*shape, dtype=np.float32)
    y, (gx, gw) = _vjp(lambda a, b: tf.nn.conv2d_transpose(a, b, shape, 2, "SAME"), [x, w], u)
    # TF's 'same' for an 8-row output pads (0, 1): torch pads 1 and trims the last row/col.
    tx, tw = _nchw(x), torch.tensor(w.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    ty = F.conv_transpose2d(tx, tw, stride=2, padding=0)[:, :, 0:8, 0:10]
    ty.backward(torch.tensor(u.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(gx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gw, tw.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-4, atol=1e-4)


def test_depthwise_against_torch():
    x, w = rnd(2, 7, 6, 3, dtype=np.float32), rnd(3, 3, 3, 2, dtype=np.float32)
    y0 = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")
    u = rnd(*y0.shape, dtype=np.float32)
    y, (gx, gw) = _vjp(lambda a, b: tf.nn.depthwise_conv2d(a, b, [1, 1, 1, 1], "SAME"), [x, w],
                       u)
    tx = _nchw(x)
    tw = torch.tensor(w.reshape(3, 3, 6).transpose(2, 0, 1)[:, None].copy(), requires_grad=True)
    ty = F.conv2d(_torch_same(tx, (3, 3), (1, 1), (1, 1), "same"), tw, groups=3)
    ty.backward(torch.tensor(u.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(gx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gw, tw.grad.numpy()[:, 0].transpose(1, 2, 0).reshape(3, 3, 3, 2),
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("hw,k,s,p", POOL_CASES)
def test_pooling_against_torch(hw, k, s, p):
    x = tf_distinct((2, *hw, 3)).astype(np.float32)
    for ours, theirs, fill in ((tf.nn.max_pool2d, F.max_pool2d, -np.inf),
                               (tf.nn.avg_pool2d, F.avg_pool2d, 0.0)):
        y0 = ours(x, k, s, p.upper())
        u = rnd(*y0.shape, dtype=np.float32)
        y, (gx,) = _vjp(lambda a, f=ours: f(a, k, s, p.upper()), [x], u)
        tx = _nchw(x)
        if theirs is F.avg_pool2d and p == "same":
            # TF averages only real elements: sum pooling divided by the window's count.
            padded = _torch_same(tx, k, s, (1, 1), p)
            ones = _torch_same(torch.ones_like(tx[:, :1]), k, s, (1, 1), p)
            ty = F.avg_pool2d(padded, k, s) / F.avg_pool2d(ones, k, s)
        else:
            ty = theirs(_torch_same(tx, k, s, (1, 1), p, fill), k, s)
        ty.backward(torch.tensor(u.transpose(0, 3, 1, 2).copy()))
        np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(gx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-5,
                                   atol=1e-6)


# -- memory bound and bad input -------------------------------------------------------------

def test_large_inputs_are_convolved_in_chunks(monkeypatch):
    x, w = rnd(5, 6, 6, 2), rnd(3, 3, 2, 3)
    whole = tf.nn.conv2d(x, w, 1, "SAME").numpy()
    monkeypatch.setattr(C, "CHUNK_BYTES", 1)  # one example per chunk
    np.testing.assert_allclose(tf.nn.conv2d(x, w, 1, "SAME").numpy(), whole, rtol=1e-12)
    check(lambda a, k: tf.nn.conv2d(a, k, 2, "SAME"), [x[:2], w], full=False)


def test_bad_input_is_named():
    x = np.zeros((2, 5, 5, 3), np.float32)
    with pytest.raises(InvalidArgumentError, match=r"np.expand_dims"):
        tf.nn.conv2d(x[..., 0], np.zeros((3, 3, 1, 2), np.float32), 1, "VALID")
    with pytest.raises(InvalidArgumentError, match="kernel size 7 along height is larger"):
        tf.nn.conv2d(x, np.zeros((7, 3, 3, 2), np.float32), 1, "VALID")
    with pytest.raises(InvalidArgumentError, match="5 channels|expects 5"):
        tf.nn.conv2d(x, np.zeros((3, 3, 5, 2), np.float32), 1, "VALID")
    with pytest.raises(ValueError, match="padding"):
        tf.nn.conv2d(x, np.zeros((3, 3, 3, 2), np.float32), 1, "FULL")
    with pytest.raises(ValueError, match="strides=0"):
        tf.nn.conv2d(x, np.zeros((3, 3, 3, 2), np.float32), 0, "VALID")
    with pytest.raises(InvalidArgumentError, match="does not fit the input"):
        tf.nn.conv2d_transpose(x, np.zeros((3, 3, 2, 3), np.float32), (2, 7, 7, 2), 2, "SAME")


def test_max_pool_ties_route_the_gradient_to_the_first_maximum_only():
    # After a relu whole windows are 0: the gradient goes to one element, as in TF and torch.
    x = tf.constant(np.zeros((1, 4, 4, 1), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    g = tape.gradient(y, x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(g, np.tile([[1, 0], [0, 0]], (2, 2)))
