"""Seeded random tensors (``tf.random``). One global generator, reset by ``set_seed``.

``keras.utils.set_random_seed(s)`` calls ``set_seed(s)``, so one seed gives bit-identical
weights, dropout masks and shuffles.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes
from ember.errors import InvalidArgumentError
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


# Dropout's keep mask from 16-bit draws: each 64-bit word of the bit generator gives four,
# where float32 samples take one 32-bit half each and convert it. Measured (AMD EPYC): a
# 128x128 mask in 11 µs instead of 32 µs; the seed MLP's two Dropout layers draw 24,576
# values a step at batch 128, so its fit step is ~30 µs (~3.5%) faster. The rate is
# rounded to a multiple of 1/65536 (0.2 keeps with probability 0.800003 instead of 0.8),
# and clamped so that a rate in (0, 1) always can drop and always can keep.
_KEEP_LEVELS = 1 << 16


def keep_mask(shape, rate: float, seed=None, rng: np.random.Generator | None = None):
    """Dropout's mask: a bool array of ``shape``, True (keep) with probability
    ``1 - rate``, drawn from ``rng`` (a layer's own generator) or else from the global
    generator / the op seed's stream, as ``uniform``."""
    gen = _rng(seed) if rng is None else rng
    shape = tuple(int(d) for d in shape)
    size = 1
    for d in shape:
        size *= d
    words = gen.bit_generator.random_raw(-(-size // 4))
    draws = words.view(np.uint16)[:size].reshape(shape)
    threshold = min(max(round(float(rate) * _KEEP_LEVELS), 1), _KEEP_LEVELS - 1)
    return draws >= np.uint16(threshold)


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from N(mean, stddev²)."""
    dt = _float(dtype)
    z = _rng(seed).standard_normal(_shape(shape), dtype=np.float32 if dt == np.float32 else None)
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
    dt = dtypes.as_dtype(dtype)
    rng = _rng(seed)
    if dt.is_integer:
        if maxval is None:
            raise ValueError("uniform: maxval must be given for an integer dtype.")
        return Tensor._wrap(rng.integers(int(minval), int(maxval), _shape(shape)).astype(dt._np))
    hi = 1.0 if maxval is None else maxval
    u = rng.random(_shape(shape), dtype=np.float32 if dt._np == np.float32 else np.float64)
    return Tensor._wrap((u * (hi - minval) + minval).astype(dt._np, copy=False))


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
            if (minval is None) != (maxval is None):
                raise ValueError(f"For integer dtype {dt!r}, minval and maxval must be both "
                                 f"`None` or both non-`None`; got minval={minval} and "
                                 f"maxval={maxval}")
            if minval is None:
                info = np.iinfo(dt._np)
                minval, maxval = info.min, int(info.max) + 1
            return Tensor._wrap(self._rng.integers(minval, maxval, _shape(shape)).astype(dt._np))
        hi = 1.0 if maxval is None else maxval
        return Tensor._wrap((self._rng.random(_shape(shape)) * (hi - minval) + minval)
                            .astype(dt._np))

    def make_seeds(self, count=1):
        """Seeds for the stateless ops: shape (2, count), int64; advances this generator."""
        info = np.iinfo(np.int64)
        return Tensor._wrap(self._rng.integers(info.min, info.max, (2, int(count)),
                                               dtype=np.int64, endpoint=True))

    def split(self, count=1):
        """``count`` new generators seeded from this one (which advances)."""
        return [Generator(int(s)) for s in self._rng.integers(0, 2**63 - 1, int(count))]

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        z = self._rng.standard_normal(_shape(shape))
        bad = np.abs(z) > 2
        while bad.any():
            z[bad] = self._rng.standard_normal(int(bad.sum()))
            bad = np.abs(z) > 2
        return Tensor._wrap((z * stddev + mean).astype(_float(dtype)))


# -- stateless random ops (tfops): the same seed pair always gives the same values -----------
# TF's stateless ops hash (seed, counter) with Philox; Ember derives a NumPy generator from the
# seed pair instead, so the values differ from TF's but are just as reproducible, and never
# touch the global generator.

def _seed_pair(seed, where: str) -> np.ndarray:
    try:
        s = np.asarray(convert_to_tensor(seed)._value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{where}: seed must be a pair of integers such as "
                                   f"seed=(1, 2); received {seed!r}.") from None
    if s.shape != (2,):
        raise InvalidArgumentError(f"{where}: seed must have shape [2], not {list(s.shape)} "
                                   "(a pair of integers such as seed=(1, 2)).")
    if s.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{where}: seed must hold integers; received dtype "
                                   f"{s.dtype}.")
    return s


def _stateless_rng(seed, where: str, *salt) -> np.random.Generator:
    s = _seed_pair(seed, where)
    words = [int(v) & 0xFFFFFFFFFFFFFFFF for v in s.tolist()] + [int(v) for v in salt]
    return np.random.default_rng(np.random.SeedSequence(words))


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None,
                      alg="auto_select"):
    """Uniform samples in [minval, maxval) determined by ``seed`` (a pair of ints).

    Floats default to [0, 1). Integer dtypes need ``maxval``, or ``minval=None`` and
    ``maxval=None`` together for the dtype's full range.
    """
    dt = dtypes.as_dtype(dtype)
    rng = _stateless_rng(seed, "stateless_uniform")
    if dt.is_integer:
        if (minval is None) != (maxval is None):
            raise ValueError(f"For integer `dtype` argument {dt!r}, argument `minval` and "
                             f"`maxval` must be both None or not None. Got `minval`={minval} "
                             f"and `maxval`={maxval}.")
        if minval is None:
            info = np.iinfo(dt._np)
            minval, maxval = info.min, int(info.max) + 1
        lo, hi = int(_scalar(minval)), int(_scalar(maxval))
        if hi <= lo:
            raise InvalidArgumentError(f"stateless_uniform: need minval < maxval; received "
                                       f"minval={lo}, maxval={hi}.")
        return Tensor._wrap(rng.integers(lo, hi, _shape(shape), dtype=dt._np, endpoint=False))
    _float(dt)
    lo = _scalar(minval)
    hi = 1.0 if maxval is None else _scalar(maxval)
    u = rng.random(_shape(shape))
    return Tensor._wrap((u * (hi - lo) + lo).astype(dt._np))


def _scalar(v):
    return v._value.item() if isinstance(v, Tensor) else v


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                     alg="auto_select"):
    """Samples of N(mean, stddev²) determined by ``seed`` (a pair of ints)."""
    dt = _float(dtype)
    z = _stateless_rng(seed, "stateless_normal").standard_normal(_shape(shape))
    return Tensor._wrap((z * _scalar(stddev) + _scalar(mean)).astype(dt))


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                               name=None, alg="auto_select"):
    """N(mean, stddev²) samples beyond 2 standard deviations drawn again, from ``seed``."""
    dt = _float(dtype)
    rng = _stateless_rng(seed, "stateless_truncated_normal")
    z = rng.standard_normal(_shape(shape))
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return Tensor._wrap((z * _scalar(stddev) + _scalar(mean)).astype(dt))


def stateless_categorical(logits, num_samples, seed, dtype=dtypes.int64, name=None):
    """Class indices drawn from the softmax of each row of ``logits``, from ``seed``."""
    z = convert_to_tensor(logits)._value.astype(np.float64)
    if z.ndim != 2:
        raise InvalidArgumentError(f"stateless_categorical: logits must be 2-D (batch, "
                                   f"classes); received shape {z.shape}.")
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    cum = (p / p.sum(axis=-1, keepdims=True)).cumsum(axis=-1)
    u = _stateless_rng(seed, "stateless_categorical").random((z.shape[0], int(num_samples)))
    out = np.minimum((u[:, :, None] > cum[:, None, :]).sum(-1), z.shape[-1] - 1)
    return Tensor._wrap(out.astype(dtypes.as_dtype(dtype)._np))


def stateless_shuffle(value, seed, alg="auto_select", name=None):
    """``value`` permuted along its first axis, the permutation determined by ``seed``."""
    v = convert_to_tensor(value)._value
    if v.ndim == 0:
        return Tensor._wrap(v)
    return Tensor._wrap(v[_stateless_rng(seed, "stateless_shuffle").permutation(v.shape[0])])


def split(seed, num=2, alg="auto_select"):
    """``num`` new seed pairs (shape (num, 2), the seed's dtype) derived from ``seed``."""
    s = _seed_pair(seed, "split")
    info = np.iinfo(s.dtype)
    rng = _stateless_rng(s, "split", 1)
    return Tensor._wrap(rng.integers(info.min, int(info.max) + 1, (int(num), 2), dtype=s.dtype))


def fold_in(seed, data, alg="auto_select"):
    """A new seed pair from ``seed`` and the integer ``data`` (e.g. a step number)."""
    s = _seed_pair(seed, "fold_in")
    info = np.iinfo(s.dtype)
    rng = _stateless_rng(s, "fold_in", 2, int(_scalar(data)) & 0xFFFFFFFFFFFFFFFF)
    return Tensor._wrap(rng.integers(info.min, int(info.max) + 1, (2,), dtype=s.dtype))


class experimental:  # a namespace, spelled as TF spells tf.random.experimental
    """``tf.random.experimental``: the stateless seed helpers under their longer names."""

    stateless_split = staticmethod(split)
    stateless_fold_in = staticmethod(fold_in)
    stateless_shuffle = staticmethod(stateless_shuffle)
    Generator = Generator
