"""Constraints applied to a weight after each optimizer update (``kernel_constraint=...``)."""

from __future__ import annotations

from ember import ops


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weights."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class NonNeg(Constraint):
    """Clamps weights to be >= 0."""

    def __call__(self, w):
        return ops.multiply(w, ops.cast(ops.greater_equal(w, 0.0), w.dtype))


class MaxNorm(Constraint):
    """Rescales each column (over ``axis``) whose norm exceeds ``max_value``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = ops.sqrt(ops.reduce_sum(ops.square(w), axis=self.axis, keepdims=True))
        desired = ops.clip_by_value(norms, 0.0, float(self.max_value))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, 1e-7)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class UnitNorm(Constraint):
    """Rescales each column (over ``axis``) to unit norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        norms = ops.sqrt(ops.reduce_sum(ops.square(w), axis=self.axis, keepdims=True))
        return ops.divide(w, ops.add(norms, 1e-7))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keeps column norms in [min_value, max_value], moving ``rate`` of the way there."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = ops.sqrt(ops.reduce_sum(ops.square(w), axis=self.axis, keepdims=True))
        desired = ops.add(ops.multiply(ops.clip_by_value(norms, float(self.min_value),
                                                         float(self.max_value)), self.rate),
                          ops.multiply(norms, 1.0 - self.rate))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, 1e-7)))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


non_neg, max_norm, unit_norm, min_max_norm = NonNeg, MaxNorm, UnitNorm, MinMaxNorm
_NAMES = {"non_neg": NonNeg, "max_norm": MaxNorm, "unit_norm": UnitNorm,
          "min_max_norm": MinMaxNorm, "NonNeg": NonNeg, "MaxNorm": MaxNorm,
          "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm}


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return _NAMES[identifier["class_name"]](**identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier not in _NAMES:
            raise ValueError(f"Could not interpret constraint identifier: '{identifier}'. "
                             f"Expected one of {sorted(_NAMES)}.")
        return _NAMES[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}.")


def serialize(constraint):
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}



