"""How Keras names things: 'SparseCategoricalAccuracy' -> 'sparse_categorical_accuracy', and
unique auto-generated names ('dense', 'dense_1', ...) until ``keras.backend.clear_session``.

One counter serves layers, metrics, losses and optimizers, as in Keras 3.
"""

from __future__ import annotations

import collections
import re

_counts: collections.defaultdict = collections.defaultdict(int)


def to_snake_case(name: str) -> str:
    """'SparseCategoricalAccuracy' -> 'sparse_categorical_accuracy', 'Conv2D' -> 'conv2d'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(name: str) -> str:
    """'auc', then 'auc_1', 'auc_2', ... (until ``reset``), as Keras names objects."""
    n = _counts[name]
    _counts[name] += 1
    return name if n == 0 else f"{name}_{n}"


def auto_name(class_name: str) -> str:
    """A unique snake_case name for an unnamed object of class ``class_name``."""
    return uniquify(to_snake_case(class_name))


def get_uid(prefix: str = "") -> int:
    """Keras 2's per-prefix counter: 1 on the first call, then 2, 3, ..."""
    _counts["uid:" + prefix] += 1
    return _counts["uid:" + prefix]


def reset() -> None:
    """Forgets every auto-generated name (``clear_session``): the next Dense is 'dense'."""
    _counts.clear()
