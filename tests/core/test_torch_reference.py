"""Every differentiable op against PyTorch (forward and gradient) on random float32 inputs.

The gradient is compared as a vector-Jacobian product with the same random output weights
``u`` on both sides. Skipped cleanly when torch is not installed (``pip install .[reference]``).
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from gradcheck import BINARY_SHAPES, UNARY_SHAPES, reduction_cases  # noqa: E402

import ember as tf  # noqa: E402
from ember.ops.nn import dense  # noqa: E402

RTOL, ATOL = 1e-5, 1e-6
_rng = np.random.default_rng(2024)


def r(*shape, low=-1.0, high=1.0, away=0.0):
    x = _rng.uniform(low, high, shape)
    if away:
        x = np.where(np.abs(x) < away, np.sign(x + 1e-12) * away + x, x)
    return x.astype(np.float32)


def distinct(*shape):
    n = int(np.prod(shape))
    return _rng.permutation(np.linspace(-2, 2, n) + _rng.uniform(0, 0.01, n)).reshape(shape) \
        .astype(np.float32)


def spd(n):
    return (r(n, n) + 3 * np.eye(n)).astype(np.float32)


def _list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def compare(ours, theirs, inputs, rtol=RTOL, atol=ATOL):
    inputs = [np.asarray(a) for a in inputs]
    wrt = [i for i, a in enumerate(inputs) if a.dtype == np.float32]
    ts = [tf.constant(a) for a in inputs]
    with tf.GradientTape() as tape:
        for i in wrt:
            tape.watch(ts[i])
        outs = _list(ours(*ts))
    us = [_rng.standard_normal(o.shape).astype(np.float32) for o in outs]
    grads = tape.gradient(outs, [ts[i] for i in wrt], output_gradients=[tf.constant(u) for u in us])

    pts = [torch.tensor(a, requires_grad=i in wrt) for i, a in enumerate(inputs)]
    touts = _list(theirs(*pts))
    assert len(touts) == len(outs)
    for k, (o, t) in enumerate(zip(outs, touts)):
        assert o.dtype == tf.float32, f"output {k} is {o.dtype.name}, expected float32"
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"forward output {k} differs from torch")
    pairs = [(t, torch.tensor(u)) for t, u in zip(touts, us) if t.requires_grad]
    torch.autograd.backward([p[0] for p in pairs], [p[1] for p in pairs])
    for i, g in zip(wrt, grads):
        want = pts[i].grad
        want = np.zeros_like(inputs[i]) if want is None else want.numpy()
        got = np.zeros_like(inputs[i]) if g is None else g.numpy()
        assert got.shape == inputs[i].shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * 10,
                                   err_msg=f"gradient of input {i} differs from torch")


def _mT(t):
    return t.transpose(-1, -2)


def _moments_torch(x, dims, keep):
    return x.mean(dim=dims, keepdim=keep), x.var(dim=dims, keepdim=keep, correction=0)


LABELS = _rng.integers(0, 4, (3,))
COND = _rng.random((2, 3)) > 0.5
IDX = np.array([2, 0, 2])

CASES = {
    # -- elementwise binary, broadcasting both ways
    "add": (tf.add, torch.add, [r(2, 3), r(1, 3)]),
    "subtract": (tf.subtract, torch.sub, [r(3), r(2, 3)]),
    "multiply": (tf.multiply, torch.mul, [r(2, 1), r(1, 3)]),
    "divide": (tf.divide, torch.div, [r(2, 3), r(3, away=0.3)]),
    "pow": (tf.pow, torch.pow, [r(2, 3, low=0.5, high=2), r(2, 3)]),
    "pow_scalar": (lambda x: x ** 3.0, lambda x: x ** 3.0, [r(2, 3)]),
    "maximum": (tf.maximum, torch.maximum, [distinct(2, 3), distinct(2, 3)]),
    "minimum": (tf.minimum, torch.minimum, [distinct(2, 3), distinct(1, 3)]),
    # -- elementwise unary
    "square": (tf.square, torch.square, [r(2, 3)]),
    "sqrt": (tf.sqrt, torch.sqrt, [r(2, 3, low=0.3, high=2)]),
    "rsqrt": (tf.math.rsqrt, torch.rsqrt, [r(2, 3, low=0.3, high=2)]),
    "exp": (tf.exp, torch.exp, [r(2, 3)]),
    "log": (tf.math.log, torch.log, [r(2, 3, low=0.3, high=2)]),
    "log1p": (tf.math.log1p, torch.log1p, [r(2, 3, low=-0.5, high=2)]),
    "abs": (tf.abs, torch.abs, [r(2, 3, away=0.1)]),
    "negative": (lambda x: -x, torch.neg, [r(2, 3)]),
    "sin": (tf.sin, torch.sin, [r(4)]),
    "cos": (tf.cos, torch.cos, [r(4)]),
    "expm1": (tf.math.expm1, torch.expm1, [r(4)]),
    "identity": (tf.identity, lambda x: x * 1, [r(2, 3)]),
    "clip_by_value": (lambda x: tf.clip_by_value(x, -0.5, 0.5), lambda x: x.clamp(-0.5, 0.5),
                      [r(3, 4, low=-1, high=1)]),
    "cast_f64": (lambda x: tf.cast(tf.cast(x, tf.float64) * 2.0, tf.float32),
                 lambda x: (x.double() * 2.0).float(), [r(2, 3)]),
    "where": (lambda c, x, y: tf.where(c, x, y), torch.where, [COND, r(2, 3), r(1, 3)]),
    "floormod": (tf.math.floormod, torch.remainder,
                 [r(2, 3, low=-3, high=3), r(3, low=0.7, high=1.3)]),
    "floormod_operator": (lambda x, y: x % y, lambda x, y: x % y,
                          [r(2, 3, low=-3, high=3), r(2, 3, low=-1.3, high=-0.7)]),
    # -- matrix products
    "matmul": (tf.matmul, torch.matmul, [r(2, 3), r(3, 4)]),
    "matmul_batched": (tf.matmul, torch.matmul, [r(2, 2, 3), r(2, 3, 4)]),
    "matmul_broadcast": (tf.matmul, torch.matmul, [r(2, 2, 3), r(3, 4)]),
    "matmul_ta_tb": (lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
                     lambda a, b: _mT(a) @ _mT(b), [r(2, 3, 2), r(2, 4, 3)]),
    "matmul_ta": (lambda a, b: tf.matmul(a, b, transpose_a=True), lambda a, b: _mT(a) @ b,
                  [r(3, 2), r(3, 4)]),
    "matmul_tb": (lambda a, b: tf.matmul(a, b, transpose_b=True), lambda a, b: a @ _mT(b),
                  [r(2, 3), r(4, 3)]),
    "tensordot": (lambda a, b: tf.tensordot(a, b, axes=[[0, 2], [1, 0]]),
                  lambda a, b: torch.tensordot(a, b, dims=([0, 2], [1, 0])),
                  [r(2, 3, 4), r(4, 2, 5)]),
    "einsum_bmm": (lambda a, b: tf.einsum("bij,bjk->bik", a, b),
                   lambda a, b: torch.einsum("bij,bjk->bik", a, b), [r(2, 2, 3), r(2, 3, 4)]),
    "einsum_outer_sum": (lambda a, b: tf.einsum("ij,k->ik", a, b),
                         lambda a, b: torch.einsum("ij,k->ik", a, b), [r(2, 3), r(4)]),
    # -- reductions
    "reduce_sum": (lambda x: tf.reduce_sum(x, axis=1), lambda x: x.sum(1), [r(2, 3, 2)]),
    "reduce_sum_keep": (lambda x: tf.reduce_sum(x, axis=[0, 2], keepdims=True),
                        lambda x: x.sum((0, 2), keepdim=True), [r(2, 3, 2)]),
    "reduce_mean": (lambda x: tf.reduce_mean(x, axis=-1), lambda x: x.mean(-1), [r(2, 3)]),
    "reduce_mean_all": (tf.reduce_mean, torch.mean, [r(2, 3)]),
    "reduce_max": (lambda x: tf.reduce_max(x, axis=0), lambda x: x.amax(0), [distinct(3, 4)]),
    "reduce_min": (lambda x: tf.reduce_min(x, axis=1, keepdims=True),
                   lambda x: x.amin(1, keepdim=True), [distinct(3, 4)]),
    "reduce_prod": (lambda x: tf.reduce_prod(x, axis=1), lambda x: x.prod(1),
                    [r(2, 4, low=0.5, high=1.5)]),
    "reduce_std": (lambda x: tf.math.reduce_std(x, axis=0),
                   lambda x: x.std(0, correction=0), [r(4, 3)]),
    "reduce_variance": (lambda x: tf.math.reduce_variance(x, axis=1, keepdims=True),
                        lambda x: x.var(1, keepdim=True, correction=0), [r(3, 4)]),
    "reduce_logsumexp": (lambda x: tf.reduce_logsumexp(x, axis=-1),
                         lambda x: torch.logsumexp(x, -1), [r(3, 4, low=-5, high=5)]),
    "norm": (lambda x: tf.norm(x, axis=-1), lambda x: torch.linalg.vector_norm(x, dim=-1),
             [r(3, 4)]),
    "norm_all": (tf.norm, lambda x: torch.linalg.vector_norm(x), [r(3, 4)]),
    "moments": (lambda x: tf.nn.moments(x, axes=[0]), lambda x: _moments_torch(x, [0], False),
                [r(5, 3)]),
    # -- shapes and indexing
    "reshape": (lambda x: tf.reshape(x, [3, -1]), lambda x: x.reshape(3, -1), [r(2, 3, 2)]),
    "transpose": (lambda x: tf.transpose(x, [2, 0, 1]), lambda x: x.permute(2, 0, 1),
                  [r(2, 3, 4)]),
    "concat": (lambda a, b: tf.concat([a, b], axis=1), lambda a, b: torch.cat([a, b], 1),
               [r(2, 3), r(2, 2)]),
    "stack": (lambda a, b: tf.stack([a, b], axis=1), lambda a, b: torch.stack([a, b], 1),
              [r(2, 3), r(2, 3)]),
    "unstack": (lambda x: tf.unstack(x, axis=1), lambda x: torch.unbind(x, 1), [r(2, 3)]),
    "split": (lambda x: tf.split(x, [1, 3], axis=1), lambda x: torch.split(x, [1, 3], 1),
              [r(2, 4)]),
    "squeeze": (lambda x: tf.squeeze(x, [1]), lambda x: x.squeeze(1), [r(2, 1, 3)]),
    "expand_dims": (lambda x: tf.expand_dims(x, -1), lambda x: x.unsqueeze(-1), [r(2, 3)]),
    "tile": (lambda x: tf.tile(x, [2, 3]), lambda x: x.repeat(2, 3), [r(2, 3)]),
    "broadcast_to": (lambda x: tf.broadcast_to(x, [4, 2, 3]), lambda x: x.expand(4, 2, 3),
                     [r(2, 1)]),
    "broadcast_to_rank": (lambda x: tf.broadcast_to(x, [2, 3]), lambda x: x.expand(2, 3),
                          [r(3)]),
    "cumsum": (lambda x: tf.cumsum(x, axis=1), lambda x: torch.cumsum(x, 1), [r(2, 4)]),
    "cumsum_exclusive_reverse": (
        lambda x: tf.cumsum(x, axis=0, exclusive=True, reverse=True),
        lambda x: torch.flip(torch.cumsum(torch.flip(x, [0]), 0), [0]) - x, [r(4, 3)]),
    "pad": (lambda x: tf.pad(x, [[1, 2], [0, 3]]), lambda x: F.pad(x, (0, 3, 1, 2)), [r(2, 3)]),
    "pad_value": (lambda x: tf.pad(x, [[0, 0], [2, 1], [1, 0]], constant_values=0.5),
                  lambda x: F.pad(x, (1, 0, 2, 1, 0, 0), value=0.5), [r(2, 3, 2)]),
    "gather": (lambda x, i: tf.gather(x, i, axis=1), lambda x, i: x[:, i], [r(2, 3), IDX]),
    "getitem_mixed": (lambda x: x[1, ..., None, 1:], lambda x: x[1, ..., None, 1:], [r(2, 3, 4)]),
    "getitem_negative_step": (lambda x: x[::-1, ::-2],
                              lambda x: torch.flip(x, [0, 1])[:, ::2], [r(3, 5)]),
    "sort": (lambda x: tf.sort(x, axis=-1), lambda x: torch.sort(x, -1).values, [distinct(3, 4)]),
    "sort_desc": (lambda x: tf.sort(x, axis=0, direction="DESCENDING"),
                  lambda x: torch.sort(x, 0, descending=True).values, [distinct(3, 4)]),
    "top_k": (lambda x: tf.math.top_k(x, k=2).values, lambda x: torch.topk(x, 2).values,
              [distinct(3, 5)]),
    # -- activations
    "sigmoid": (tf.sigmoid, torch.sigmoid, [r(3, 4, low=-5, high=5)]),
    "tanh": (tf.tanh, torch.tanh, [r(3, 4, low=-3, high=3)]),
    "softplus": (tf.math.softplus, F.softplus, [r(3, 4, low=-5, high=5)]),
    "log_sigmoid": (tf.math.log_sigmoid, F.logsigmoid, [r(3, 4, low=-5, high=5)]),
    "relu": (tf.nn.relu, F.relu, [r(3, 4, away=0.05)]),
    "relu6": (tf.nn.relu6, F.relu6, [r(3, 4, low=-8, high=8, away=0.05)]),
    "leaky_relu": (tf.nn.leaky_relu, lambda x: F.leaky_relu(x, 0.2), [r(3, 4, away=0.05)]),
    "elu": (tf.nn.elu, F.elu, [r(3, 4, low=-3, high=3, away=0.05)]),
    "selu": (tf.nn.selu, F.selu, [r(3, 4, low=-3, high=3, away=0.05)]),
    "gelu": (tf.nn.gelu, F.gelu, [r(3, 4, low=-3, high=3)]),
    "gelu_tanh": (lambda x: tf.nn.gelu(x, approximate=True),
                  lambda x: F.gelu(x, approximate="tanh"), [r(3, 4, low=-3, high=3)]),
    "silu": (tf.nn.silu, F.silu, [r(3, 4, low=-3, high=3)]),
    "softmax": (tf.nn.softmax, lambda x: F.softmax(x, -1), [r(3, 4, low=-3, high=3)]),
    "softmax_axis0": (lambda x: tf.nn.softmax(x, axis=0), lambda x: F.softmax(x, 0),
                      [r(3, 4, low=-3, high=3)]),
    "log_softmax": (tf.nn.log_softmax, lambda x: F.log_softmax(x, -1), [r(3, 4, low=-3, high=3)]),
    # -- losses
    "sigmoid_ce": (lambda y, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z),
                   lambda y, z: F.binary_cross_entropy_with_logits(z, y, reduction="none"),
                   [r(3, 4, low=0, high=1), r(3, 4, low=-4, high=4)]),
    "softmax_ce": (lambda y, z: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z),
                   lambda y, z: F.cross_entropy(z, y, reduction="none"),
                   [np.asarray(F.softmax(torch.tensor(r(3, 4)), -1)), r(3, 4, low=-3, high=3)]),
    "sparse_softmax_ce": (lambda y, z: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y, logits=z), lambda y, z: F.cross_entropy(z, y, reduction="none"),
        [LABELS, r(3, 4, low=-3, high=3)]),
    "l2_loss": (tf.nn.l2_loss, lambda x: (x * x).sum() / 2, [r(3, 4)]),
    "bias_add": (tf.nn.bias_add, lambda v, b: v + b, [r(2, 3, 4), r(4)]),
    # -- linear algebra
    "inv": (tf.linalg.inv, torch.linalg.inv, [spd(3)]),
    "inv_batched": (tf.linalg.inv, torch.linalg.inv, [np.stack([spd(3), spd(3)])]),
    "det": (tf.linalg.det, torch.linalg.det, [spd(3)]),
    # -- the fused Dense op
    "dense_none": (lambda x, w, b: dense(x, w, b), lambda x, w, b: x @ w + b,
                   [r(4, 3), r(3, 5), r(5)]),
    "dense_relu": (lambda x, w, b: dense(x, w, b, "relu"), lambda x, w, b: F.relu(x @ w + b),
                   [r(4, 3), r(3, 5), r(5)]),
    "dense_sigmoid": (lambda x, w, b: dense(x, w, b, "sigmoid"),
                      lambda x, w, b: torch.sigmoid(x @ w + b), [r(4, 3), r(3, 5), r(5)]),
    "dense_tanh": (lambda x, w, b: dense(x, w, b, "tanh"), lambda x, w, b: torch.tanh(x @ w + b),
                   [r(4, 3), r(3, 5), r(5)]),
    "dense_softmax": (lambda x, w, b: dense(x, w, b, "softmax"),
                      lambda x, w, b: F.softmax(x @ w + b, -1), [r(4, 3), r(3, 5), r(5)]),
    "dense_no_bias": (lambda x, w: dense(x, w, None, "tanh"), lambda x, w: torch.tanh(x @ w),
                      [r(4, 3), r(3, 5)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(name):
    ours, theirs, inputs = CASES[name]
    compare(ours, theirs, inputs)


def test_compare_catches_a_mismatch():
    with pytest.raises(AssertionError, match="forward"):
        compare(tf.sigmoid, lambda x: torch.sigmoid(x * 1.0001), [r(3, 4)])
    with pytest.raises(AssertionError, match="gradient"):
        compare(tf.sigmoid, lambda x: torch.sigmoid(x) + 1e-4 * x.detach() * 0 + 1e-3 * (
            x - x.detach()), [r(3, 4)])


# -- the same families over the shared shape sets (broadcasting both ways, axis x keepdims) ----
BINARY_TORCH = {
    "add": (tf.add, torch.add, {}),
    "subtract": (tf.subtract, torch.sub, {}),
    "multiply": (tf.multiply, torch.mul, {}),
    "divide": (tf.divide, torch.div, {"y_away": 0.3}),
    "pow": (tf.pow, torch.pow, {"x_low": 0.5}),
    "maximum": (tf.maximum, torch.maximum, {}),
    "minimum": (tf.minimum, torch.minimum, {}),
}


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(BINARY_TORCH))
def test_binary_shapes_against_torch(name, shapes):
    ours, theirs, opts = BINARY_TORCH[name]
    x = r(*shapes[0], low=opts.get("x_low", -1.0))
    y = r(*shapes[1], away=opts.get("y_away", 0.0))
    if name in ("maximum", "minimum"):  # no ties: torch splits a tie's gradient, TF does not
        y = np.where(np.abs(np.broadcast_to(x, np.broadcast_shapes(x.shape, y.shape)) - y)
                     .min(initial=1.0) < 0.05, y + 0.1, y).astype(np.float32)
    compare(ours, theirs, [x, y])


UNARY_TORCH = {
    "sigmoid": (tf.sigmoid, torch.sigmoid, (-5, 5)),
    "tanh": (tf.tanh, torch.tanh, (-3, 3)),
    "softplus": (tf.math.softplus, F.softplus, (-5, 5)),
    "exp": (tf.exp, torch.exp, (-2, 2)),
    "log": (tf.math.log, torch.log, (0.3, 3)),
    "sqrt": (tf.sqrt, torch.sqrt, (0.3, 3)),
    "square": (tf.square, torch.square, (-2, 2)),
    "elu": (tf.nn.elu, F.elu, (-3, 3)),
    "gelu": (tf.nn.gelu, F.gelu, (-3, 3)),
    "silu": (tf.nn.silu, F.silu, (-3, 3)),
}


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY_TORCH))
def test_unary_shapes_against_torch(name, shape):
    ours, theirs, (lo, hi) = UNARY_TORCH[name]
    compare(ours, theirs, [r(*shape, low=lo, high=hi, away=0.05)])


def _torch_reduce(kind, axis, keepdims):
    def fn(x):
        dims = tuple(range(x.dim())) if axis is None else \
            tuple(a % x.dim() for a in ([axis] if isinstance(axis, int) else axis))
        if not dims:
            return x * 1.0 if kind not in ("var", "std") else x * 0.0
        if kind == "logsumexp":
            return torch.logsumexp(x, dim=dims, keepdim=keepdims)
        if kind in ("var", "std"):
            return getattr(x, kind)(dim=dims, keepdim=keepdims, correction=0)
        if kind == "prod":  # torch.prod takes one dim: reduce them one by one, last first
            for d in sorted(dims, reverse=True):
                x = x.prod(d, keepdim=keepdims)
            return x
        return getattr(x, kind)(dim=dims, keepdim=keepdims)
    return fn


REDUCE_TORCH = {"sum": tf.reduce_sum, "mean": tf.reduce_mean, "amax": tf.reduce_max,
                "amin": tf.reduce_min, "prod": tf.reduce_prod, "var": tf.math.reduce_variance,
                "std": tf.math.reduce_std, "logsumexp": tf.reduce_logsumexp}


@pytest.mark.parametrize("shape,axis,keepdims", reduction_cases(), ids=str)
@pytest.mark.parametrize("kind", list(REDUCE_TORCH))
def test_reductions_against_torch(kind, shape, axis, keepdims):
    n = int(np.prod([shape[a] for a in ([axis] if isinstance(axis, int) else axis)])) \
        if axis is not None else int(np.prod(shape))
    if kind == "std" and n == 1:
        pytest.skip("std of one element has no derivative")
    x = distinct(*shape) if shape else r() + 0.5
    if kind == "prod":
        x = (np.abs(x) + 0.5).astype(np.float32)
    ours = REDUCE_TORCH[kind]
    compare(lambda t: ours(t, axis=axis, keepdims=keepdims), _torch_reduce(kind, axis, keepdims),
            [x])
