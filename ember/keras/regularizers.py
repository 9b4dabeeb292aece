"""Weight penalties added to the training loss: L1 (λ Σ|w|) and L2 (λ Σ w²).

As in Keras, the string 'l2' means L2(0.01) and the penalty is not halved.
"""

from __future__ import annotations

from ember import ops


class Regularizer:
    """Base class: ``regularizer(weights)`` returns a scalar penalty tensor."""

    def __call__(self, x):
        return ops.constant(0.0)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check(name, value):
    value = float(value)
    if value < 0 or value != value:
        raise ValueError(f"Value for argument `{name}` must be a non-negative float. "
                         f"Received: {name}={value}")
    return value


class L1(Regularizer):
    """λ · Σ|w|."""

    def __init__(self, l1=0.01):
        self.l1 = _check("l1", l1)

    def __call__(self, x):
        return ops.multiply(ops.reduce_sum(ops.abs(x)), self.l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """λ · Σ w²."""

    def __init__(self, l2=0.01):
        self.l2 = _check("l2", l2)

    def __call__(self, x):
        return ops.multiply(ops.reduce_sum(ops.square(x)), self.l2)

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """λ₁ · Σ|w| + λ₂ · Σ w² (both default 0, as Keras's class)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _check("l1", l1), _check("l2", l2)

    def __call__(self, x):
        total = None
        if self.l1:
            total = ops.multiply(ops.reduce_sum(ops.abs(x)), self.l1)
        if self.l2:
            t = ops.multiply(ops.reduce_sum(ops.square(x)), self.l2)
            total = t if total is None else ops.add(total, t)
        return total if total is not None else ops.constant(0.0)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """factor · mean of squared off-diagonal entries of the normalised Gram matrix."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor, self.mode = _check("factor", factor), mode

    def __call__(self, x):
        w = x if self.mode == "rows" else ops.transpose(x)
        w = ops.l2_normalize(w, axis=1)
        gram = ops.matmul(w, w, transpose_b=True)
        n = int(gram.shape[0])
        off = ops.subtract(gram, ops.eye(n))
        return ops.multiply(ops.reduce_sum(ops.square(off)), self.factor / max(n * (n - 1), 1))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def l1(l1=0.01):
    return L1(l1)


def l2(l2=0.01):
    return L2(l2)


def l1_l2(l1=0.01, l2=0.01):
    """Keras's function form: both default 0.01 (the class defaults to 0)."""
    return L1L2(l1=l1, l2=l2)


_NAMES = {"l1": L1, "l2": L2, "l1_l2": lambda: L1L2(0.01, 0.01), "L1": L1, "L2": L2,
          "L1L2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}


def get(identifier):
    """A regularizer from a name ('l2' = L2(0.01)), a config dict or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls = _NAMES[identifier["class_name"]]
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier not in _NAMES:
            raise ValueError(f"Could not interpret regularizer identifier: '{identifier}'. "
                             f"Expected one of {sorted(_NAMES)}.")
        return _NAMES[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}.")


def serialize(regularizer):
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


deserialize = get
