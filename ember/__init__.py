"""Ember: a deep learning framework on NumPy with the TensorFlow/Keras interface.

``import ember as tf`` and course code written for TensorFlow runs unchanged::

    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x ** 2
    tape.gradient(y, x)  # 6.0

Heavier parts (``keras``, ``plot``) load on first use, so ``import ember`` is fast.
"""

import builtins as _builtins
import importlib as _importlib

from ember import backend as _backend
from ember import (  # noqa: F401
    dtypes,
    errors,
    linalg,
    math,
    nest,
    nn,
    random,
)
from ember.dtypes import (  # noqa: F401
    DType,
    as_dtype,
    bool,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from ember.function import function  # noqa: F401
from ember.ops import *  # noqa: F403
from ember.tape import GradientTape, UnconnectedGradients  # noqa: F401
from ember.tensor import (  # noqa: F401
    Tensor,
    TensorShape,
    Variable,
    constant,
    convert_to_tensor,
    is_tensor,
)

__version__ = "0.1.0"
_backend.tune_allocator()
newaxis = None

# Subpackages loaded on first use, so ``import ember`` stays well under 0.3 s.
_LAZY = {"keras": "ember.keras", "plot": "ember.plot"}
# TF namespaces Ember does not provide yet: using one raises one clear error. When the
# module exists, its line in ``_LAZY`` (looked up first) makes it available.
_NOT_YET = ("data", "config", "debugging")


def __getattr__(name: str):
    if name in _LAZY:
        module = _importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    if name in _NOT_YET:
        # An AttributeError, so ``hasattr(tf, name)`` answers False, as for any missing name.
        raise AttributeError(f"tf.{name} is not supported by Ember yet: the supported "
                             "namespaces are tf.math, tf.nn, tf.linalg, tf.random, tf.nest, "
                             "tf.dtypes, tf.errors and tf.keras.")
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


def print(*inputs, sep: str = " ", end: str = "\n", **kwargs) -> None:
    """Prints tensors by value (``tf.print``); other arguments as ``print`` does."""
    parts = [(str(x.numpy()) if isinstance(x, Tensor) else str(x)) for x in inputs]
    _builtins.print(*parts, sep=sep, end=end)


def executing_eagerly() -> _builtins.bool:
    """True: Ember always runs eagerly (``tf.executing_eagerly``)."""
    return True

# -- See inside (issue 16): backpropagation explained on real numbers ----------------------
from ember.tape import explain  # noqa: E402,F401
