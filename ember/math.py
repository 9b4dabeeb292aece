"""``tf.math``: elementwise math, reductions, comparisons and logic."""

from ember.ops import (  # noqa: F401
    abs,
    add,
    add_n,
    argmax,
    argmin,
    ceil,
    cos,
    count_nonzero,
    cumsum,
    divide,
    equal,
    exp,
    expm1,
    floor,
    floordiv,
    floormod,
    greater,
    greater_equal,
    is_finite,
    is_inf,
    is_nan,
    l2_normalize,
    less,
    less_equal,
    log,
    log1p,
    log_sigmoid,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    pow,
    reciprocal,
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
    top_k,
    truediv,
)
from ember.ops.nn import elu, selu, softmax, softsign  # noqa: F401


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=None,
                     name=None):
    """Counts of (label, prediction) pairs: row = true class, column = predicted class."""
    import numpy as np

    from ember.tensor import Tensor, convert_to_tensor
    y = np.asarray(convert_to_tensor(labels)._value).astype(np.int64).ravel()
    p = np.asarray(convert_to_tensor(predictions)._value).astype(np.int64).ravel()
    n = int(num_classes) if num_classes is not None else int(max(y.max(initial=0),
                                                                 p.max(initial=0)) + 1)
    m = np.zeros((n, n), np.int32)
    np.add.at(m, (y, p), 1)
    return Tensor._wrap(m)
