"""``keras.random``: random tensors with Keras 3's seeding rules.

- ``seed=None``: draws from Ember's global generator (``keras.utils.set_random_seed``
  resets it), so consecutive calls differ and a run repeats under the same global seed;
- ``seed=<int>``: the same numbers on every call with that seed (Keras's stateless rule);
- ``seed=SeedGenerator(...)``: the generator advances on each call, so consecutive calls
  differ and the sequence repeats for the same starting seed.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes as _dtypes
from ember import ops as _ops
from ember import random as _random
from ember.tensor import Tensor, as_array, convert_to_tensor


class SeedGenerator:
    """A generator state that advances on every draw it seeds (``keras.random.SeedGenerator``).

    Args:
        seed: an int (default: drawn from the global generator, so it follows
            ``keras.utils.set_random_seed``).
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = int(_random.get_global_generator().integers(0, 2**31 - 1))
        if not isinstance(seed, (int, np.integer)):
            raise ValueError(f"SeedGenerator: seed must be an int or None; received {seed!r}.")
        self._initial_seed = int(seed)
        self._rng = np.random.default_rng(self._initial_seed)
        self.name = name or "seed_generator"

    def next(self, ordered=True) -> np.random.Generator:
        """The generator to draw the next numbers from (it advances as they are drawn)."""
        return self._rng

    def get_config(self) -> dict:
        return {"seed": self._initial_seed}


def _rng(seed) -> np.random.Generator:
    if seed is None:
        return _random.get_global_generator()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, (int, np.integer)):
        return np.random.default_rng(int(seed))
    raise ValueError("seed must be None, an int or a keras.random.SeedGenerator; "
                     f"received {seed!r}.")


def _shape(shape) -> tuple:
    if isinstance(shape, Tensor):
        return tuple(int(d) for d in as_array(shape).tolist())
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _float_dtype(dtype):
    dt = _dtypes.as_dtype(dtype or "float32")
    if not dt.is_floating:
        raise ValueError(f"expected a floating dtype; received dtype={dt.name}.")
    return dt.as_numpy_dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev²)."""
    z = _rng(seed).standard_normal(_shape(shape))
    return convert_to_tensor((z * stddev + mean).astype(_float_dtype(dtype)))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """N(mean, stddev²) with samples beyond two standard deviations drawn again."""
    rng = _rng(seed)
    z = rng.standard_normal(_shape(shape))
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return convert_to_tensor((z * stddev + mean).astype(_float_dtype(dtype)))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in [minval, maxval) (floating dtypes; use ``randint`` for integers)."""
    dt = _dtypes.as_dtype(dtype or "float32")
    if not dt.is_floating:
        raise ValueError("keras.random.uniform needs a floating dtype; use "
                         f"keras.random.randint for integers. Received dtype={dt.name}.")
    u = _rng(seed).random(_shape(shape))
    return convert_to_tensor((u * (maxval - minval) + minval).astype(dt.as_numpy_dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval)."""
    dt = _dtypes.as_dtype(dtype)
    if not dt.is_integer:
        raise ValueError(f"keras.random.randint needs an integer dtype; received {dt.name}.")
    values = _rng(seed).integers(int(minval), int(maxval), _shape(shape))
    return convert_to_tensor(values.astype(dt.as_numpy_dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices drawn from softmax(logits) per row: shape (batch, num_samples)."""
    z = np.asarray(as_array(convert_to_tensor(logits)), dtype=np.float64)
    if z.ndim != 2:
        raise ValueError("keras.random.categorical: logits must be 2-D (batch, classes); "
                         f"received shape {z.shape}.")
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    u = _rng(seed).random((z.shape[0], int(num_samples)))
    idx = (u[:, :, None] > np.cumsum(p, axis=-1)[:, None, :]).sum(-1)
    idx = np.minimum(idx, z.shape[-1] - 1)
    return convert_to_tensor(idx.astype(_dtypes.as_dtype(dtype).as_numpy_dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes each entry with probability ``rate`` and scales the rest by 1 / (1 - rate)."""
    x = convert_to_tensor(inputs)
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1); received rate={rate}.")
    shape = tuple(x.shape) if noise_shape is None else tuple(
        x.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    keep = _rng(seed).random(shape) >= rate
    mask = (keep / (1.0 - rate)).astype(x.dtype.as_numpy_dtype)
    return _ops.multiply(x, convert_to_tensor(mask))


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in a random order."""
    x = convert_to_tensor(x)
    order = _rng(seed).permutation(x.shape[axis]).astype(np.int32)
    return _ops.gather(x, convert_to_tensor(order), axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of Gamma(alpha, 1)."""
    return convert_to_tensor(_rng(seed).gamma(alpha, 1.0, _shape(shape))
                             .astype(_float_dtype(dtype)))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples of Binomial(counts, probabilities), as floats (Keras's default dtype)."""
    return convert_to_tensor(_rng(seed).binomial(counts, probabilities, _shape(shape))
                             .astype(_float_dtype(dtype)))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of Beta(alpha, beta)."""
    return convert_to_tensor(_rng(seed).beta(alpha, beta, _shape(shape))
                             .astype(_float_dtype(dtype)))
