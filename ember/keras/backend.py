"""``keras.backend`` (``K``): the Keras-2 functions course code calls, over Ember ops and losses.

Settings: ``epsilon()`` (1e-7, the fuzz factor every probability clip uses), ``floatx()``
('float32'), ``image_data_format()`` ('channels_last') and ``clear_session()``; they live in
``ember.keras.settings`` and names in ``ember.keras.naming``, re-exported here.

The tensor functions are thin wrappers over Ember ops with Keras's argument names
(``K.mean(x, axis=None, keepdims=False)``, ``K.clip(x, min_value, max_value)``, ...). The
cross-entropies are the elementwise backend forms that ``ember.keras.losses`` defines.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes, ops
from ember import random as _random
from ember.keras import naming as _naming
from ember.keras.losses.crossentropy import (
    backend_binary_crossentropy,
    backend_categorical_crossentropy,
    backend_sparse_categorical_crossentropy,
)
from ember.keras.naming import auto_name, get_uid, to_snake_case, uniquify  # noqa: F401
from ember.keras.settings import (  # noqa: F401 - Keras's backend exposes the settings
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from ember.ops import nn as _nn
from ember.tensor import Tensor, Variable, as_array, convert_to_tensor


def backend() -> str:
    """The backend's name. Ember implements the TensorFlow backend's semantics, so 'tensorflow'."""
    return "tensorflow"


def clear_session(free_memory=True):
    """Resets the global state: auto-generated names start again ('dense', 'auc', ...)."""
    _naming.reset()


# -- the cross-entropies (elementwise backend forms) ------------------------------------

def binary_crossentropy(target, output, from_logits=False):
    """Elementwise -[t·log(o) + (1-t)·log(1-o)], with o clipped to [ε, 1-ε].

    Args:
        target: labels in [0, 1], the same shape as ``output``.
        output: probabilities (or logits with ``from_logits=True``).
        from_logits: whether ``output`` holds logits (default False).

    Returns:
        A tensor of the same shape as ``output``.
    """
    return backend_binary_crossentropy(target, output, from_logits)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-Σ t·log(o) over ``axis``, with o normalised to sum to 1 and clipped to [ε, 1-ε].

    Args:
        target: one-hot (or soft) labels, the same shape as ``output``.
        output: probabilities (or logits with ``from_logits=True``).
        from_logits: whether ``output`` holds logits (default False).
        axis: the class axis (default -1).

    Returns:
        A tensor with ``axis`` removed.
    """
    return backend_categorical_crossentropy(target, output, from_logits, axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-log p[label] per sample: one fused softmax cross-entropy op on the logits.

    Args:
        target: integer class indices, shape ``output.shape[:-1]`` (or with a trailing 1).
        output: probabilities (or logits with ``from_logits=True``), classes on ``axis``.
        from_logits: whether ``output`` holds logits (default False).
        axis: the class axis (default -1).

    Returns:
        A tensor of shape ``target``'s (without the trailing 1).

    Raises:
        InvalidArgumentError: a label outside [0, number of classes).
        ValueError: shapes that do not fit.
    """
    return backend_sparse_categorical_crossentropy(target, output, from_logits, axis)


# -- Keras-2 tensor functions -----------------------------------------------------------

def _axis(axis):
    return list(axis) if isinstance(axis, tuple) else axis


def _floaty(x) -> Tensor:
    x = convert_to_tensor(x)
    return ops.cast(x, floatx()) if as_array(x).dtype.kind == "b" else x


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (all axes by default); booleans count as 0/1."""
    return ops.reduce_mean(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes by default)."""
    return ops.reduce_sum(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return ops.reduce_prod(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis`` (all axes by default)."""
    return ops.reduce_max(x, axis=_axis(axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis`` (all axes by default)."""
    return ops.reduce_min(x, axis=_axis(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return ops.reduce_std(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return ops.reduce_variance(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return ops.reduce_any(ops.cast(x, "bool"), axis=_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    return ops.reduce_all(ops.cast(x, "bool"), axis=_axis(axis), keepdims=keepdims)


def square(x):
    return ops.square(x)


def sqrt(x):
    """√x, with negative inputs clipped to 0 first (as Keras 2)."""
    x = convert_to_tensor(x)
    return ops.sqrt(ops.maximum(x, 0.0))


def exp(x):
    return ops.exp(x)


def log(x):
    return ops.log(x)


def abs(x):
    return ops.abs(x)


def sign(x):
    return ops.sign(x)


def pow(x, a):
    return ops.pow(x, a)


def maximum(x, y):
    return ops.maximum(x, y)


def minimum(x, y):
    return ops.minimum(x, y)


def equal(x, y):
    return ops.equal(x, y)


def not_equal(x, y):
    return ops.not_equal(x, y)


def greater(x, y):
    return ops.greater(x, y)


def less(x, y):
    return ops.less(x, y)


def clip(x, min_value, max_value):
    """Clamps into [min_value, max_value] (None means unbounded; max below min becomes min)."""
    x = convert_to_tensor(x)
    lo = -np.inf if min_value is None else min_value
    hi = np.inf if max_value is None else max_value
    if not isinstance(lo, Tensor) and not isinstance(hi, Tensor) and hi < lo:
        hi = lo
    return ops.clip_by_value(x, lo, hi)


def dot(x, y):
    """Matrix product; for N-D inputs contracts x's last axis with y's second-to-last."""
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    if x.ndim == 2 and y.ndim == 2:
        return ops.matmul(x, y)
    y_axis = y.ndim - 2 if y.ndim >= 2 else 0
    return ops.tensordot(x, y, axes=[[x.ndim - 1], [y_axis]])


def batch_dot(x, y, axes=None):
    """Batched dot product: ``x[i] · y[i]`` for each sample (2-D or 3-D inputs)."""
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 2 if y.ndim > 2 else y.ndim - 1)
    if isinstance(axes, int):
        axes = (axes, axes)
    if x.ndim == 2 and y.ndim == 2:
        return ops.reduce_sum(ops.multiply(x, y), axis=axes[0], keepdims=True)
    a, b = axes[0] % x.ndim, axes[1] % y.ndim
    xs = "b" + "".join("ijk"[i - 1] if i != a else "z" for i in range(1, x.ndim))
    ys = "b" + "".join("lmn"[i - 1] if i != b else "z" for i in range(1, y.ndim))
    out = "b" + xs[1:].replace("z", "") + ys[1:].replace("z", "")
    return ops.einsum(f"{xs},{ys}->{out}", x, y)


def transpose(x):
    return ops.transpose(x)


def argmax(x, axis=-1):
    return ops.argmax(x, axis=axis)


def argmin(x, axis=-1):
    return ops.argmin(x, axis=axis)


def cast(x, dtype):
    return ops.cast(x, dtype)


def dtype(x) -> str:
    """The dtype of ``x`` as a string, e.g. 'float32'."""
    return convert_to_tensor(x).dtype.name


def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor of ``dtype`` (default floatx)."""
    return ops.constant(value, dtype=dtype or floatx(), shape=shape)


def variable(value, dtype=None, name=None, constraint=None):
    """A Variable holding ``value`` as ``dtype`` (default floatx)."""
    v = value.numpy() if isinstance(value, Tensor) else value
    return Variable(np.asarray(v, dtype=_np_dtype(dtype)), name=name,
                    constraint=constraint)


def _np_dtype(dtype):
    return dtypes.as_dtype(dtype or floatx()).as_numpy_dtype


def zeros(shape, dtype=None, name=None):
    """A Variable of zeros (Keras 2's ``K.zeros`` returns a variable)."""
    return Variable(np.zeros(_shape_tuple(shape), _np_dtype(dtype)),
                    name=name)


def ones(shape, dtype=None, name=None):
    """A Variable of ones."""
    return Variable(np.ones(_shape_tuple(shape), _np_dtype(dtype)),
                    name=name)


def eye(size, dtype=None, name=None):
    n, m = (size, size) if isinstance(size, int) else tuple(size)
    return Variable(np.eye(n, m, dtype=_np_dtype(dtype)), name=name)


def zeros_like(x, dtype=None, name=None):
    return ops.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):
    return ops.ones_like(x, dtype=dtype)


def _shape_tuple(shape):
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def shape(x):
    """The shape as an int32 tensor (``tf.shape``)."""
    return ops.shape(x)


def int_shape(x):
    """The shape as a tuple of Python ints, e.g. (None, 10) for a symbolic input."""
    if hasattr(x, "shape") and not isinstance(x, (Tensor, np.ndarray)):
        return tuple(x.shape)
    return tuple(int(d) for d in np.shape(as_array(x)))


def ndim(x) -> int:
    return len(int_shape(x))


def count_params(x) -> int:
    return int(np.prod(int_shape(x), dtype=np.int64))


def reshape(x, shape):
    return ops.reshape(x, shape)


def flatten(x):
    return ops.reshape(x, [-1])


def batch_flatten(x):
    """(batch, d1, d2, ...) -> (batch, d1·d2·...)."""
    x = convert_to_tensor(x)
    return ops.reshape(x, [as_array(x).shape[0], -1])


def expand_dims(x, axis=-1):
    return ops.expand_dims(x, axis)


def squeeze(x, axis):
    return ops.squeeze(x, axis)


def permute_dimensions(x, pattern):
    return ops.transpose(x, list(pattern))


def concatenate(tensors, axis=-1):
    """Joins tensors along ``axis`` (default the last)."""
    tensors = [convert_to_tensor(t) for t in tensors]
    if axis < 0:
        axis += tensors[0].ndim
    return ops.concat(tensors, axis=axis)


def stack(x, axis=0):
    return ops.stack(x, axis=axis)


def gather(reference, indices):
    return ops.gather(reference, indices)


def one_hot(indices, num_classes):
    return ops.one_hot(indices, num_classes)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [ops.stop_gradient(v) for v in variables]
    return ops.stop_gradient(variables)


def in_top_k(predictions, targets, k):
    """Whether each target's prediction is among the k largest of its row (ties count in)."""
    p = as_array(predictions)
    t = as_array(targets).astype(np.intp).reshape(-1)
    picked = p[np.arange(p.shape[0]), t]
    return convert_to_tensor((np.sum(p > picked[:, None], axis=-1) < k) & np.isfinite(picked))


def get_value(x):
    """The value of a tensor or variable as a NumPy array."""
    if isinstance(x, Tensor):
        return x.numpy()
    return np.asarray(x)


def batch_get_value(tensors):
    return [get_value(t) for t in tensors]


def set_value(x, value):
    """Assigns ``value`` (a NumPy array or number) to variable ``x`` in place."""
    if not isinstance(x, Variable):
        raise TypeError(f"set_value needs a Variable; received {type(x).__name__}.")
    x.assign(np.asarray(value, dtype=as_array(x).dtype))


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def eval(x):
    """The value of ``x`` as a NumPy array."""
    return get_value(x)


def print_tensor(x, message="", summarize=3):
    print(message, get_value(x))
    return x


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev²)."""
    return _random.normal(_shape_tuple(shape), mean=mean, stddev=stddev, dtype=dtype or floatx(),
                          seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in [minval, maxval)."""
    return _random.uniform(_shape_tuple(shape), minval=minval, maxval=maxval,
                           dtype=dtype or floatx(), seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _random.truncated_normal(_shape_tuple(shape), mean=mean, stddev=stddev,
                                    dtype=dtype or floatx(), seed=seed)


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    u = _random.uniform(_shape_tuple(shape), dtype=dtype or floatx(), seed=seed)
    return ops.cast(ops.less(u, float(p)), dtype or floatx())


# -- activations ------------------------------------------------------------------------

def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with Keras 2's optional negative slope ``alpha``, cap and threshold."""
    x = convert_to_tensor(x)
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    above = ops.greater(x, threshold)
    out = ops.where(above, x, ops.zeros_like(x))
    if max_value is not None:
        out = ops.minimum(out, float(max_value))
    if alpha:
        out = ops.add(out, ops.where(above, ops.zeros_like(x),
                                     ops.multiply(ops.subtract(x, threshold), float(alpha))))
    return out


def elu(x, alpha=1.0):
    return _nn.elu(x, alpha=alpha)


def sigmoid(x):
    return ops.sigmoid(x)


def hard_sigmoid(x):
    return _nn.hard_sigmoid(x)


def softmax(x, axis=-1):
    return _nn.softmax(x, axis=axis)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return _nn.softsign(x)


def tanh(x):
    return ops.tanh(x)


def l2_normalize(x, axis=None):
    return ops.l2_normalize(x, axis=axis)
