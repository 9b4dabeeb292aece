"""What ops need of autodiff: ``apply`` records an op, ``register_gradient`` files its rule.

This module sits below the ops; ``GradientTape`` (``ember/tape.py``) sits above them and
walks what was recorded. Every op calls ``apply(op_name, value, inputs, attrs)``. When a
tape is recording and one of the inputs is watched (directly, or because it was computed
from a watched tensor), the tape appends one entry ``(op, output, inputs, attrs)``.

    rule(g, out, *inputs, **attrs) -> one gradient per input (or None)

The cost when no tape records is one list check per op.
"""

from __future__ import annotations

import numpy as np

from ember.tensor import Tensor

# Tapes currently recording, outermost first. GradientTape pushes and pops itself here.
RECORDING: list = []

# op name -> (rule, wants_needs). See ``register_gradient``.
GRADIENTS: dict = {}

# Ops whose rule can write an input's gradient into a buffer it is handed (``into=``).
WRITES_INTO: set = set()

# How many ``tf.function`` calls (not run eagerly) are running: TF runs those as one traced
# graph, so a model may run several layers as one fused op there, as in ``fit``'s own step.
TRACED = [0]


def register_gradient(op_name: str, wants_needs: bool = False, writes_into: bool = False):
    """Registers the gradient rule (VJP) of ``op_name``; use it right under the rule.

    A rule with ``wants_needs=True`` also receives ``needs=(bool, ...)`` saying which
    inputs need a gradient, so it can skip work (e.g. the data input of the first Dense).
    A rule with ``writes_into=True`` (it must also want ``needs``) may receive
    ``into=(ndarray or None, ...)``: where an entry is an array, the rule writes that
    input's gradient into it and returns it wrapped, so the optimizer reads it without a
    copy. The tape hands buffers only when no tape records the backward pass.
    """
    def deco(rule):
        GRADIENTS[op_name] = (rule, wants_needs)
        if writes_into:
            WRITES_INTO.add(op_name)
        return rule
    return deco


def apply(op: str, value: np.ndarray, inputs: tuple, attrs: dict | None = None) -> Tensor:
    """Wraps an op's forward result in a Tensor and records it on every recording tape."""
    out = Tensor._wrap(value)
    if RECORDING and value.dtype.kind == "f":
        for tape in RECORDING:
            tape._record(op, out, inputs, attrs)
    return out


def is_recording() -> bool:
    """True while any GradientTape records (layers use it to skip work no tape needs)."""
    return bool(RECORDING)
