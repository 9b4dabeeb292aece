"""Weight initializers with Keras 3's defaults, all drawn from Ember's seeded generator.

``keras.utils.set_random_seed(s)`` makes every initializer reproducible; an initializer
built with its own ``seed`` gives the same values every call, as in Keras 3.
"""

from __future__ import annotations

import difflib
import math

import numpy as np

from ember import dtypes
from ember import random as _random


def _fans(shape):
    """(fan_in, fan_out): Dense kernels (in, out); conv kernels (*kernel, in, out)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``initializer(shape, dtype)`` returns a NumPy array of that shape."""

    def __call__(self, shape, dtype=None):
        raise TypeError(f"{type(self).__name__} must define __call__(shape, dtype).")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _np_dtype(self, dtype):
        return dtypes.as_dtype(dtype or "float32")._np


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _rng(self):
        # A fixed seed gives the same draw every call (Keras 3); else the global generator.
        return np.random.default_rng(self.seed) if self.seed is not None \
            else _random.get_global_generator()


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(tuple(shape), self._np_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(tuple(shape), self._np_dtype(dtype))


class Constant(Initializer):
    """Every element equal to ``value``."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.broadcast_to(np.asarray(self.value, self._np_dtype(dtype)),
                               tuple(shape)).copy()

    def get_config(self):
        v = self.value
        return {"value": v.tolist() if isinstance(v, np.ndarray) else v}


class RandomNormal(_Seeded):
    """N(mean, stddev²), Keras default stddev 0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        z = self._rng().standard_normal(tuple(shape))
        return (z * self.stddev + self.mean).astype(self._np_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    """U[minval, maxval), Keras default [-0.05, 0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        u = self._rng().random(tuple(shape))
        return (u * (self.maxval - self.minval) + self.minval).astype(self._np_dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated(rng, shape):
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return z


class TruncatedNormal(_Seeded):
    """N(mean, stddev²) redrawn beyond two standard deviations, Keras default stddev 0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        z = _truncated(self._rng(), tuple(shape))
        return (z * self.stddev + self.mean).astype(self._np_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    """Scale / fan samples: the family behind Glorot, He and LeCun initialisation.

    ``truncated_normal`` uses stddev √(scale/n) / 0.8796 (the stddev of a unit normal
    truncated at ±2), ``uniform`` uses limit √(3·scale/n).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"Argument `scale` must be positive. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Expected 'fan_in', 'fan_out' "
                             "or 'fan_avg'.")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}.")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out,
             "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            v = _truncated(rng, tuple(shape)) * (math.sqrt(scale) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            v = rng.standard_normal(tuple(shape)) * math.sqrt(scale)
        else:
            limit = math.sqrt(3.0 * scale)
            v = rng.random(tuple(shape)) * (2 * limit) - limit
        return v.astype(self._np_dtype(dtype))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform",
                        "U[-l, l] with l = √(6 / (fan_in + fan_out)): Dense's default kernel.")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                       "Truncated normal with stddev √(2 / (fan_in + fan_out)).")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform", "U[-l, l], l = √(6 / fan_in).")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal",
                   "Truncated normal with stddev √(2 / fan_in).")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform", "U[-l, l], l = √(3 / fan_in).")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal",
                      "Truncated normal with stddev √(1 / fan_in).")


class Orthogonal(_Seeded):
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2014)."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2; received "
                             f"shape={shape}.")
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q[:rows, :cols]).reshape(shape).astype(self._np_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape; received {tuple(shape)}.")
        return (self.gain * np.eye(*shape)).astype(self._np_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity

_ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal, "orthogonal": Orthogonal,
    "identity": Identity, "zero": Zeros, "one": Ones, "uniform": RandomUniform,
    "normal": RandomNormal,
}
_CLASSES = {c.__name__: c for c in set(_ALIASES.values())}

zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal, lecun_uniform, lecun_normal = HeUniform, HeNormal, LecunUniform, LecunNormal
orthogonal, identity, variance_scaling = Orthogonal, Identity, VarianceScaling


def get(identifier):
    """An initializer from a name ('glorot_uniform'), a class name, a config dict or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name")) or _ALIASES.get(
            identifier.get("class_name", ""))
        if cls is None:
            raise ValueError(f"Unknown initializer config: {identifier!r}.")
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            names = list(_ALIASES) + list(_CLASSES)
            close = difflib.get_close_matches(identifier, names, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"Could not interpret initializer identifier: '{identifier}'.{hint}")
        return cls()
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}.")


def serialize(initializer):
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


deserialize = get
