"""The one checker every op test uses: forward against a reference, gradient against
float64 central finite differences, plus a random-direction check <u, J v> = <J^T u, v>.

Usage::

    check(tf.multiply, [rand((2, 3)), rand((3,))], ref=np.multiply)

``fn`` takes Ember tensors (built from the given arrays) and returns a tensor or a
list/tuple of tensors; ``ref`` takes the NumPy arrays and returns the expected value(s).
Every float64 input is differentiated; integer/bool inputs are passed through as data.
A failure raises ``AssertionError`` naming the input, the element and both values.
"""

from __future__ import annotations

import itertools

import numpy as np

import ember as tf

# The shape sets every op family is checked over (HIPS autograd's combo_check sets).
UNARY_SHAPES = [(), (3,), (2, 3), (1, 3)]
# Equal shapes, then broadcasting in both directions (the first or the second operand grows).
BINARY_SHAPES = [
    ((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((1, 3), (1, 3)),
    ((1, 3), (2, 3)), ((2, 3), (1, 3)),
    ((3,), (2, 3)), ((2, 3), (3,)),
    ((), (2, 3)), ((2, 3), ()),
    ((2, 1), (1, 3)),
]
REDUCTION_SHAPES = [(), (3,), (2, 3), (1, 3), (2, 3, 2)]
KEEPDIMS = [False, True]


def reduction_axes(shape):
    """Every axis argument worth trying for a tensor of ``shape``: None, ints, negatives, lists."""
    n = len(shape)
    out = [None]
    if n >= 1:
        out += [0, -1]
    if n >= 2:
        out += [1, (0, 1), [0, -1]]
    if n >= 3:
        out += [(0, 2), (0, 1, 2)]
    return out


def reduction_cases():
    """(shape, axis, keepdims) for every reduction shape x axis x keepdims."""
    return [(s, a, k) for s in REDUCTION_SHAPES for a in reduction_axes(s) for k in KEEPDIMS]


_rng = np.random.default_rng(1234)


def rand(shape, low=-1.0, high=1.0, away=0.0, dtype=np.float64, rng=None):
    """Uniform random values in [low, high); with ``away`` > 0, none within ``away`` of 0.

    Keeping inputs off kinks (|x| at 0, relu at 0, max ties) keeps finite differences honest.
    """
    r = rng if rng is not None else _rng
    x = r.uniform(low, high, size=shape)
    if away:
        x = np.where(np.abs(x) < away, np.where(x < 0, -away, away) + x, x)
    return np.asarray(x, dtype=dtype)


def distinct(shape, low=-1.0, high=1.0, gap=0.1, rng=None):
    """Distinct values in random order, about ``gap`` apart (no ties for max/min/sort), scaled
    into roughly [low, high] when there are many of them."""
    r = rng if rng is not None else _rng
    n = int(np.prod(shape)) if shape else 1
    base = low + gap * np.arange(n) + r.uniform(0, gap / 4, n)
    base = base * ((high - low) / max(gap * n, high - low))
    return r.permutation(base).reshape(shape).astype(np.float64)


def _as_list(out):
    if isinstance(out, (list, tuple)):
        return list(out)
    return [out]


def _value(out):
    return [np.asarray(o.numpy() if isinstance(o, tf.Tensor) else o) for o in _as_list(out)]


def check(fn, inputs, ref=None, *, rtol=1e-6, atol=1e-8, eps=1e-6, fwd_rtol=None,
          fwd_atol=None, seed=0, full=True):
    """Checks ``fn``'s forward against ``ref`` and its gradient against finite differences.

    Args:
        fn: ``fn(*tensors)`` -> tensor or list of tensors, built from Ember ops.
        inputs: NumPy arrays; the float64 ones are differentiated.
        ref: ``ref(*arrays)`` -> the expected output(s), or None to skip the forward check.
        rtol, atol: tolerances of the gradient comparisons.
        eps: the finite-difference step (central differences, error O(eps²)).
        fwd_rtol, fwd_atol: tolerances of the forward comparison (default rtol/atol).
        seed: seeds the random output weights u and direction v.
        full: also compare every element against per-element central differences.
    """
    inputs = [np.asarray(a) for a in inputs]
    rng = np.random.default_rng(seed)
    tensors = [tf.constant(a) for a in inputs]
    wrt = [i for i, a in enumerate(inputs) if a.dtype == np.float64]
    assert wrt, "check() needs at least one float64 input to differentiate"

    # -- forward -------------------------------------------------------------------
    outs = _as_list(fn(*tensors))
    values = _value(outs)
    if ref is not None:
        expected = [np.asarray(e) for e in _as_list(ref(*inputs))]
        assert len(expected) == len(values), f"{len(values)} outputs, reference gives " \
                                             f"{len(expected)}"
        for k, (v, e) in enumerate(zip(values, expected)):
            assert v.shape == e.shape, f"output {k}: shape {v.shape}, expected {e.shape}"
            np.testing.assert_allclose(
                v, e, rtol=fwd_rtol if fwd_rtol is not None else rtol,
                atol=fwd_atol if fwd_atol is not None else atol,
                err_msg=f"forward value of output {k} differs from the reference")
    for k, o in enumerate(outs):
        assert o.dtype == tf.float64, f"output {k} has dtype {o.dtype.name}; a float64 " \
                                      "input must give a float64 output"

    # -- analytic vector-Jacobian product J^T u ------------------------------------
    us = [rng.standard_normal(v.shape) for v in values]
    with tf.GradientTape() as tape:
        for i in wrt:
            tape.watch(tensors[i])
        outs = _as_list(fn(*tensors))
    grads = tape.gradient(outs, [tensors[i] for i in wrt],
                          output_gradients=[tf.constant(u) for u in us])
    analytic = []
    for i, g in zip(wrt, grads):
        if g is None:
            analytic.append(np.zeros_like(inputs[i]))
            continue
        gv = np.asarray(g.numpy())
        assert gv.shape == inputs[i].shape, \
            f"gradient of input {i} has shape {gv.shape}, the input has {inputs[i].shape}"
        assert g.dtype == tf.float64, f"gradient of input {i} has dtype {g.dtype.name}"
        analytic.append(gv)

    def phi(arrays):
        # <u, f(x)>: its gradient is exactly J^T u.
        ts = [tf.constant(a) for a in arrays]
        return sum(float(np.sum(u * v)) for u, v in zip(us, _value(fn(*ts))))

    # -- per-element central differences -------------------------------------------
    if full:
        for i, ga in zip(wrt, analytic):
            numeric = np.zeros_like(inputs[i])
            for idx in itertools.product(*[range(d) for d in inputs[i].shape]):
                plus = [a.copy() for a in inputs]
                minus = [a.copy() for a in inputs]
                plus[i][idx] += eps
                minus[i][idx] -= eps
                numeric[idx] = (phi(plus) - phi(minus)) / (2 * eps)
            np.testing.assert_allclose(
                ga, numeric, rtol=rtol, atol=atol,
                err_msg=f"gradient of input {i} (shape {inputs[i].shape}) differs from "
                        "central finite differences")

    # -- random direction: <u, J v> (finite differences) == <J^T u, v> (the tape) -----
    vs = {i: rng.standard_normal(inputs[i].shape) for i in wrt}
    plus = [a + eps * vs[i] if i in vs else a for i, a in enumerate(inputs)]
    minus = [a - eps * vs[i] if i in vs else a for i, a in enumerate(inputs)]
    jv = (phi(plus) - phi(minus)) / (2 * eps)
    jtu_v = sum(float(np.sum(ga * vs[i])) for i, ga in zip(wrt, analytic))
    np.testing.assert_allclose(jtu_v, jv, rtol=rtol, atol=atol,
                               err_msg="<J^T u, v> from the tape differs from <u, J v> by "
                                       "finite differences")


def check_second_order(fn, inputs, *, seed=1, **kwargs):
    """Checks second derivatives: the gradient ``J^T u`` (from a tape inside a tape) is itself
    checked by ``check`` against finite differences of the gradient values.

    Gradient rules are written in Ember ops precisely so that this works; a rule that returns a
    NumPy constant where the derivative still depends on x fails here.
    """
    inputs = [np.asarray(a) for a in inputs]
    wrt = [i for i, a in enumerate(inputs) if a.dtype == np.float64]
    rng = np.random.default_rng(seed)
    shapes = [v.shape for v in _value(fn(*[tf.constant(a) for a in inputs]))]
    us = [tf.constant(rng.standard_normal(s)) for s in shapes]

    def first_derivative(*ts):
        with tf.GradientTape() as inner:
            for i in wrt:
                inner.watch(ts[i])
            outs = _as_list(fn(*ts))
        grads = inner.gradient(outs, [ts[i] for i in wrt], output_gradients=us)
        return [g if g is not None else tf.zeros_like(ts[i]) for i, g in zip(wrt, grads)]

    check(first_derivative, inputs, seed=seed + 1, **kwargs)
