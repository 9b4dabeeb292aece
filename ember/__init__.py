"""Ember: a deep learning framework on NumPy with the TensorFlow/Keras interface.

``import ember as tf`` and course code written for TensorFlow runs unchanged::

    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x ** 2
    tape.gradient(y, x)  # 6.0

Heavier parts (``keras``, ``data``, ``plot``) load on first use, so ``import ember`` is fast.
"""

import importlib as _importlib

from ember import backend as _backend
from ember import dtypes, errors, linalg, math, nn, random  # noqa: F401
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
from ember.ops import *  # noqa: F401,F403
from ember.ops import (  # noqa: F401
    abs,
    add,
    add_n,
    argmax,
    argmin,
    cast,
    clip_by_value,
    cos,
    divide,
    einsum,
    equal,
    exp,
    greater,
    less,
    log,
    matmul,
    maximum,
    minimum,
    multiply,
    negative,
    norm,
    pow,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_std,
    reduce_sum,
    reduce_variance,
    round,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tanh,
    tensordot,
    where,
)
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

_LAZY = {"keras": "ember.keras", "data": "ember.data", "config": "ember.config",
         "plot": "ember.plot", "nest": "ember.nest", "debugging": "ember.debugging"}


def __getattr__(name):
    # Loads the big subpackages on first use: `import ember` stays well under 0.3 s.
    if name in _LAZY:
        module = _importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


def print(*inputs, **kwargs):  # noqa: A001 - tf.print
    """Prints tensors by value, as ``tf.print`` does (to stderr; see ``ember/printing.py``)."""
    from ember.printing import print as _print
    _print(*inputs, **kwargs)


def executing_eagerly():
    return True


# -- the rest of the TF surface (issue 14): tf.function, tf.Module, tf.device, ... --------
from ember import version  # noqa: E402,F401
from ember.device import device  # noqa: E402,F401
from ember.module import Module, name_scope  # noqa: E402,F401
from ember.tensor_spec import TensorSpec  # noqa: E402,F401

_LAZY.update({name: f"ember.{name}" for name in (
    "saved_model", "summary", "strings", "test", "ragged", "sparse")})
