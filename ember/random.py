"""Seeded random tensors (``tf.random``). One global generator, reset by ``set_seed``.

``keras.utils.set_random_seed(s)`` calls ``set_seed(s)``, so one seed gives bit-identical
weights, dropout masks and shuffles.
"""

from __future__ import annotations

import types

import numpy as np

from ember import dtypes
from ember.tensor import Tensor, convert_to_tensor

_global = {"seed": None, "rng": np.random.default_rng()}
_op_calls: dict = {}


def set_seed(seed):
    """Sets the global seed: every later random op becomes reproducible."""
    _global["seed"] = None if seed is None else int(seed)
    _global["rng"] = np.random.default_rng(_global["seed"])
    _op_calls.clear()


def get_global_generator() -> np.random.Generator:
    return _global["rng"]


def _rng(seed=None) -> np.random.Generator:
    if seed is None:
        return _global["rng"]
    # An op-level seed: the same sequence for the same (global seed, op seed), advancing per call
    # as TF's does, so two calls with seed=1 give different but reproducible values.
    g = _global["seed"]
    key = (g, int(seed))
    n = _op_calls.get(key, 0)
    _op_calls[key] = n + 1
    # Seed material from the numbers themselves, not hash(key): hash(None) differs between
    # runs on Python < 3.12, which made op seeds without a global seed irreproducible.
    return np.random.default_rng([0 if g is None else 1, (g or 0) % 2**32, int(seed) % 2**32, n])


def _shape(shape):
    if isinstance(shape, Tensor):
        shape = shape._value.tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _float(dtype):
    dt = dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"expected a floating dtype, received {dt.name}.")
    return dt._np


def uniform_array(shape, seed=None) -> np.ndarray:
    """float32 samples in [0, 1) as a raw array (dropout's masks use this)."""
    return _rng(seed).random(shape, dtype=np.float32)


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from N(mean, stddev²)."""
    return _normal(_rng(seed), shape, mean, stddev, dtype)


def _normal(rng, shape, mean, stddev, dtype):
    dt = _float(dtype)
    z = rng.standard_normal(_shape(shape), dtype=np.float32 if dt == np.float32 else None)
    return Tensor._wrap((z * stddev + mean).astype(dt, copy=False))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """N(mean, stddev²) with samples beyond 2 standard deviations drawn again."""
    dt = _float(dtype)
    rng = _rng(seed)
    z = rng.standard_normal(_shape(shape))
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return Tensor._wrap((z * stddev + mean).astype(dt))


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform samples in [minval, maxval); integer dtypes need ``maxval``."""
    return _uniform(_rng(seed), shape, minval, maxval, dtype)


def _uniform(rng, shape, minval, maxval, dtype):
    dt = dtypes.as_dtype(dtype)
    if dt.is_integer:
        if maxval is None:
            raise ValueError("uniform: maxval must be given for an integer dtype.")
        return Tensor._wrap(rng.integers(int(minval), int(maxval), _shape(shape)).astype(dt._np))
    hi = 1.0 if maxval is None else maxval
    u = rng.random(_shape(shape), dtype=np.float32 if dt._np == np.float32 else np.float64)
    return Tensor._wrap((u * (hi - minval) + minval).astype(dt._np, copy=False))


# -- stateless random numbers: the same seed pair, the same numbers (Ember's own streams,
# not TF's Philox) -----------------------------------------------------------------------
def _seed_pair(seed) -> np.random.Generator:
    s = seed.numpy() if isinstance(seed, Tensor) else np.asarray(seed)
    values = [int(v) % 2**32 for v in np.ravel(s)]
    if len(values) != 2:
        raise ValueError(f"stateless random ops take a seed of shape [2]; received {seed!r}.")
    return np.random.default_rng(values)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None,
                      alg="auto_select"):
    """``uniform`` determined by ``seed`` (two integers) alone."""
    return _uniform(_seed_pair(seed), shape, minval, maxval, dtype)


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                     alg="auto_select"):
    """``normal`` determined by ``seed`` (two integers) alone."""
    return _normal(_seed_pair(seed), shape, mean, stddev, dtype)


def stateless_split(seed, num=2, alg="auto_select"):
    """``num`` new seed pairs derived from ``seed``, shape (num, 2), int64."""
    pairs = _seed_pair(seed).integers(0, 2**31 - 1, (int(num), 2), dtype=np.int64)
    return Tensor._wrap(pairs)


def shuffle(value, seed=None, name=None):
    """Randomly permutes along the first axis."""
    v = convert_to_tensor(value)._value
    return Tensor._wrap(v[_rng(seed).permutation(v.shape[0])] if v.ndim else v)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Draws class indices from the softmax of each row of ``logits``: shape (batch, num)."""
    z = convert_to_tensor(logits)._value.astype(np.float64)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    rng = _rng(seed)
    cum = p.cumsum(axis=-1)
    u = rng.random((z.shape[0], int(num_samples)))
    out = (u[:, :, None] > cum[:, None, :]).sum(-1)
    out = np.minimum(out, z.shape[-1] - 1)
    return Tensor._wrap(out.astype(dtypes.as_dtype(dtype or "int64")._np))


class Generator:
    """A random generator with its own state (``tf.random.Generator.from_seed(1)``)."""

    def __init__(self, seed=None):
        self._rng = np.random.default_rng(seed)

    @classmethod
    def from_seed(cls, seed, alg=None):
        return cls(seed)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        return cls(None)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        z = self._rng.standard_normal(_shape(shape))
        return Tensor._wrap((z * stddev + mean).astype(_float(dtype)))

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        dt = dtypes.as_dtype(dtype)
        if dt.is_integer:
            return Tensor._wrap(self._rng.integers(minval, maxval, _shape(shape)).astype(dt._np))
        hi = 1.0 if maxval is None else maxval
        return Tensor._wrap((self._rng.random(_shape(shape)) * (hi - minval) + minval)
                            .astype(dt._np))

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        z = self._rng.standard_normal(_shape(shape))
        bad = np.abs(z) > 2
        while bad.any():
            z[bad] = self._rng.standard_normal(int(bad.sum()))
            bad = np.abs(z) > 2
        return Tensor._wrap((z * stddev + mean).astype(_float(dtype)))


# tf.random.experimental: where TF keeps stateless_split.
experimental = types.SimpleNamespace(stateless_split=stateless_split,
                                     Generator=Generator)
