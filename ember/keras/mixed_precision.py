"""``keras.mixed_precision``: dtype policies, so the mixed-precision guide's code runs.

What Ember does: it computes on the CPU with NumPy, where float16 is slower than float32
and bfloat16 does not exist, so every layer keeps float32 variables *and* float32
computations whatever the global policy. ``set_global_policy('mixed_float16')`` (or
'mixed_bfloat16') is accepted and recorded, ``global_policy()`` and ``Policy`` describe
the policy as Keras does (``compute_dtype`` 'float16', ``variable_dtype`` 'float32'), and a
warning says once that Ember computes in float32. Results are the float32 results.
``LossScaleOptimizer`` really scales losses and unscales gradients (harmless in float32),
so custom loops written for it run unchanged.
"""

from __future__ import annotations

import warnings

import numpy as np

_POLICIES = {
    "float32": ("float32", "float32"),
    "mixed_float16": ("float16", "float32"),
    "mixed_bfloat16": ("bfloat16", "float32"),
}


class DTypePolicy:
    """A dtype policy: ``name`` ('float32', 'mixed_float16' or 'mixed_bfloat16'),
    ``compute_dtype`` and ``variable_dtype`` as Keras defines them for that name (Ember's
    layers compute in float32 whatever they say; see the module docstring)."""

    def __init__(self, name="float32"):
        if isinstance(name, DTypePolicy):
            name = name.name
        if name not in _POLICIES:
            raise ValueError(f"Ember supports the dtype policies {sorted(_POLICIES)}; received "
                             f"{name!r}. (Pure float16/bfloat16/float64 policies are not "
                             "supported: Ember computes in float32.)")
        self._name = name
        self._compute_dtype, self._variable_dtype = _POLICIES[name]

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute_dtype

    @property
    def variable_dtype(self):
        return self._variable_dtype

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy  # TF 2.4+'s name (tf.keras.mixed_precision.Policy)

_GLOBAL = {"policy": DTypePolicy("float32"), "warned": False}


def set_global_policy(policy):
    """Sets the global dtype policy (a name or a ``Policy``); None resets it to 'float32'.
    A mixed policy is recorded, and a warning says that Ember still computes in float32."""
    policy = DTypePolicy("float32" if policy is None else policy)
    if policy.name != "float32" and not _GLOBAL["warned"]:
        _GLOBAL["warned"] = True
        warnings.warn(f"set_global_policy({policy.name!r}): Ember computes on the CPU in "
                      "float32 (float16 is slower in NumPy), so layers keep float32 variables "
                      "and computations; the policy is recorded, and results are float32 "
                      "results.", UserWarning, stacklevel=2)
    _GLOBAL["policy"] = policy


def global_policy():
    """The global dtype policy (``Policy('float32')`` unless set)."""
    return _GLOBAL["policy"]


def dtype_policy():
    """Keras 3's name for ``global_policy()``."""
    return global_policy()


def set_dtype_policy(policy):
    """Keras 3's name for ``set_global_policy()``."""
    set_global_policy(policy)


class LossScaleOptimizer:
    """Wraps an optimizer with loss scaling, as Keras's does: ``get_scaled_loss(loss)``
    multiplies by ``loss_scale``, ``get_unscaled_gradients(grads)`` divides by it, and
    ``apply_gradients`` skips a step whose gradients are not finite, halving a dynamic
    scale (doubled again after ``dynamic_growth_steps`` good steps). In Ember's float32
    this changes nothing but the order of rounding; other attributes are the inner
    optimizer's."""

    def __init__(self, inner_optimizer, dynamic=True, initial_scale=2.0 ** 15,
                 dynamic_growth_steps=2000, **kwargs):
        if not hasattr(inner_optimizer, "apply_gradients"):
            raise TypeError("LossScaleOptimizer: `inner_optimizer` must be an optimizer. "
                            f"Received: {inner_optimizer!r}")
        if initial_scale is None or not initial_scale > 0:
            raise ValueError("LossScaleOptimizer: `initial_scale` must be positive. Received: "
                             f"{initial_scale!r}")
        self.__dict__["inner_optimizer"] = inner_optimizer
        self.__dict__["dynamic"] = bool(dynamic)
        self.__dict__["loss_scale"] = float(initial_scale)
        self.__dict__["dynamic_growth_steps"] = int(dynamic_growth_steps)
        self.__dict__["_good_steps"] = 0

    def __getattr__(self, name):
        return getattr(self.__dict__["inner_optimizer"], name)

    def __setattr__(self, name, value):
        if name in self.__dict__:
            self.__dict__[name] = value
        else:
            setattr(self.inner_optimizer, name, value)

    def get_scaled_loss(self, loss):
        from ember import ops
        return ops.multiply(loss, self.loss_scale)

    scale_loss = get_scaled_loss  # Keras 3's name

    def get_unscaled_gradients(self, grads):
        from ember import ops
        return [None if g is None else ops.divide(g, self.loss_scale) for g in grads]

    def apply_gradients(self, grads_and_vars, *args, **kwargs):
        pairs = list(grads_and_vars)
        finite = all(g is None or np.all(np.isfinite(np.asarray(
            g.numpy() if hasattr(g, "numpy") else g))) for g, _ in pairs)
        if not finite:
            if self.dynamic:
                self.__dict__["loss_scale"] = max(self.loss_scale / 2, 1.0)
                self.__dict__["_good_steps"] = 0
            return None
        if self.dynamic:
            self.__dict__["_good_steps"] += 1
            if self._good_steps >= self.dynamic_growth_steps:
                self.__dict__["loss_scale"] = self.loss_scale * 2
                self.__dict__["_good_steps"] = 0
        return self.inner_optimizer.apply_gradients(pairs, *args, **kwargs)
