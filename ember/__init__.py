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
_LAZY["train"] = "ember.train"  # tf.train: Checkpoint, CheckpointManager (issue 11)
# TF 2's short aliases of Keras namespaces: tf.metrics.BinaryAccuracy, tf.losses, ...
_LAZY.update({n: f"ember.keras.{n}" for n in ("metrics", "losses", "optimizers",
                                                "initializers")})
# TF namespaces Ember does not provide yet: using one raises one clear error. When the
# module exists, its line in ``_LAZY`` (looked up first) makes it available.
_NOT_YET = ("distribute", "lite", "tpu", "autograph")


def __getattr__(name: str):
    if name in _LAZY:
        module = _importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    if name in _NOT_YET:
        # An AttributeError, so ``hasattr(tf, name)`` answers False, as for any missing name.
        raise AttributeError(f"tf.{name} is not supported by Ember yet: the supported "
                             "namespaces are tf.math, tf.nn, tf.linalg, tf.random, tf.nest, "
                             "tf.dtypes, tf.errors, tf.data, tf.image, tf.config, "
                             "tf.debugging, tf.strings, tf.summary, tf.saved_model, "
                             "tf.io, tf.train, tf.test and tf.keras.")
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


def print(*inputs, **kwargs):
    """Prints tensors by value, as ``tf.print`` does (to stderr; see ``ember/printing.py``)."""
    from ember.printing import print as _print
    _print(*inputs, **kwargs)


def executing_eagerly() -> _builtins.bool:
    """True: Ember always runs eagerly (``tf.executing_eagerly``)."""
    return True

# -- tf.image (conv branch) --
_LAZY["image"] = "ember.image"

# -- tf.data (issue 13): loaded on first use; tf.TensorSpec describes dataset elements.
_LAZY["data"] = "ember.data"
# -- the rest of the TF surface (issue 14): tf.function, tf.Module, tf.device, ... --------
from ember import version  # noqa: E402,F401
from ember.device import device  # noqa: E402,F401
from ember.dtypes import complex64, complex128  # noqa: E402,F401
from ember.module import Module, name_scope  # noqa: E402,F401
from ember.ops.complex import complex  # noqa: E402,F401
from ember.tensor_spec import TensorSpec  # noqa: E402,F401

_LAZY.update({name: f"ember.{name}" for name in (
    "saved_model", "summary", "strings", "test", "ragged", "sparse", "config", "debugging")})

# -- See inside (issue 16): backpropagation explained on real numbers ----------------------
from ember.tape import explain  # noqa: E402,F401

# -- tfops: control flow run eagerly, functional maps, custom gradients --------------------
# isort: split
from ember.control_flow import case, cond, switch_case, while_loop  # noqa: E402,F401
from ember.custom_gradient import custom_gradient  # noqa: E402,F401
from ember.functional_ops import foldl, foldr, map_fn, scan, vectorized_map  # noqa: E402,F401

_LAZY["io"] = "ember.io"  # tf.io: files, tf.io.gfile, image codecs

# -- user programs (sweep): Python code inside pipelines, TensorArray, SparseTensor ---------
# isort: split
from ember.ops.composite import repeat, roll  # noqa: E402,F401
from ember.py_function import numpy_function, py_function  # noqa: E402,F401
from ember.sparse import SparseTensor  # noqa: E402,F401
from ember.tensor_array import TensorArray  # noqa: E402,F401
