"""The tfops ops against PyTorch (forward and vector-Jacobian product) on random float32
inputs: scatters, segment reductions, clipping, meshgrid, rot90 and map_fn."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember as tf  # noqa: E402

_rng = np.random.default_rng(77)


def r(*shape):
    return _rng.uniform(-1, 1, shape).astype(np.float32)


def distinct(*shape):
    n = int(np.prod(shape))
    # Off zero: torch counts its zero-initialised output as a tie for a max of 0.
    return _rng.permutation(np.linspace(-2, 2, n) + 0.013).reshape(shape).astype(np.float32)


def compare(ours, theirs, inputs, rtol=1e-5, atol=1e-6):
    ts = [tf.constant(a) for a in inputs]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        outs = ours(*ts)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    us = [_rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in outs]
    grads = tape.gradient(outs, ts, output_gradients=[tf.constant(u) for u in us])
    pts = [torch.tensor(a, requires_grad=True) for a in inputs]
    touts = theirs(*pts)
    touts = list(touts) if isinstance(touts, (list, tuple)) else [touts]
    for o, t in zip(outs, touts):
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
    torch.autograd.backward(touts, [torch.tensor(u) for u in us])
    for g, p in zip(grads, pts):
        np.testing.assert_allclose(g.numpy(), p.grad.numpy(), rtol=rtol, atol=atol)


IDX = np.array([[0, 1], [2, 0], [0, 1]])
IDS = np.array([2, 0, 2, 1, 0])


def _index(idx):
    return tuple(torch.tensor(idx[:, k]) for k in range(idx.shape[1]))


def test_gather_and_scatter_nd():
    compare(lambda x: tf.gather_nd(x, IDX), lambda x: x[_index(IDX)], [r(3, 2)])
    compare(lambda u: tf.scatter_nd(IDX, u, [3, 2]),
            lambda u: torch.zeros(3, 2).index_put(_index(IDX), u, accumulate=True), [r(3)])
    compare(lambda t, u: tf.tensor_scatter_nd_add(t, IDX, u),
            lambda t, u: t.index_put(_index(IDX), u, accumulate=True), [r(3, 2), r(3)])
    compare(lambda t, u: tf.tensor_scatter_nd_update(t, IDX[:2], u),
            lambda t, u: t.index_put(_index(IDX[:2]), u), [r(3, 2), r(2)])


@pytest.mark.parametrize("ours, reduce", [
    (tf.math.unsorted_segment_max, "amax"), (tf.math.unsorted_segment_min, "amin"),
    (tf.math.unsorted_segment_prod, "prod"), (tf.math.unsorted_segment_mean, "mean"),
    (tf.math.unsorted_segment_sum, "sum")])
def test_segment_reductions(ours, reduce):
    ids = torch.tensor(IDS)[:, None].expand(5, 3)
    compare(lambda x: ours(x, IDS, 3),
            lambda x: torch.zeros(3, 3).scatter_reduce(0, ids, x, reduce, include_self=False),
            [distinct(5, 3)])


def test_clip_meshgrid_rot90_map_fn():
    compare(lambda x: tf.clip_by_norm(x, 0.7, axes=[1]),
            lambda x: x * 0.7 / torch.clamp(x.norm(dim=1, keepdim=True), min=0.7), [r(3, 4)])
    compare(lambda a, b: tf.meshgrid(a, b), lambda a, b: torch.meshgrid(a, b, indexing="xy"),
            [r(3), r(4)])
    compare(lambda x: tf.image.rot90(x, 3), lambda x: torch.rot90(x, 3, dims=(0, 1)),
            [r(3, 4, 2)])
    compare(lambda x: tf.map_fn(lambda row: tf.tanh(row) * row[0], x),
            lambda x: torch.stack([torch.tanh(row) * row[0] for row in x]), [r(4, 3)])
