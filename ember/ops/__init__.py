"""Every differentiable primitive: forward on NumPy arrays, gradient rule right beside it."""

from ember import tensor as _tensor  # noqa: E402
from ember.ops import array as _array_ops  # noqa: E402
from ember.ops import math as _math_ops  # noqa: E402
from ember.ops.array import *  # noqa: F401,F403
from ember.ops.array import TopKV2  # noqa: F401
from ember.ops.linalg import det, diag, diag_part, inv, trace  # noqa: F401
from ember.ops.math import (  # noqa: F401
    abs,
    add,
    add_n,
    cast,
    ceil,
    clip_by_value,
    cos,
    divide,
    einsum,
    equal,
    exp,
    expm1,
    floor,
    floor_div,
    floordiv,
    floormod,
    greater,
    greater_equal,
    is_finite,
    is_inf,
    is_nan,
    less,
    less_equal,
    log,
    log1p,
    log_sigmoid,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    matmul,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    ones_like,
    pow,
    reciprocal,
    relu,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    softplus,
    sqrt,
    square,
    squared_difference,
    subtract,
    tan,
    tanh,
    tensordot,
    truediv,
    where,
    zeros_like,
)
from ember.ops.nn import (  # noqa: F401
    bias_add,
    dense,
    dropout,
    elu,
    gelu,
    hard_sigmoid,
    l2_loss,
    leaky_relu,
    log_softmax,
    relu6,
    selu,
    sigmoid_cross_entropy_with_logits,
    silu,
    softmax,
    softmax_cross_entropy_with_logits,
    softsign,
    sparse_softmax_cross_entropy_with_logits,
    swish,
)
from ember.ops.reduce import (  # noqa: F401
    argmax,
    argmin,
    count_nonzero,
    cumsum,
    l2_normalize,
    moments,
    norm,
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
    unbroadcast,
)
from ember.tensor import Tensor, constant, convert_to_tensor  # noqa: F401

_tensor._array = _array_ops
_tensor._math = _math_ops

# ``from ember.ops import *`` (in ember/__init__.py) must not export the submodules: they
# would replace the ``tf.math``, ``tf.nn`` and ``tf.linalg`` namespaces of the same names.
__all__ = [n for n in dir() if not n.startswith("_")
           and n not in ("array", "linalg", "math", "nn", "reduce")]
