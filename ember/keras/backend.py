"""``keras.backend`` (``K``): global Keras settings and the Keras-2 functions course code calls.

Settings: ``epsilon()`` (1e-7, the fuzz factor every probability clip uses), ``floatx()``
('float32'), ``image_data_format()`` ('channels_last') and ``clear_session()``.

The tensor functions are thin wrappers over Ember ops with Keras's argument names
(``K.mean(x, axis=None, keepdims=False)``, ``K.clip(x, min_value, max_value)``, ...). The
three cross-entropies are the elementwise "backend" forms the losses build on, written as
Keras 3's TensorFlow backend writes them (``keras/src/backend/tensorflow/nn.py``):

    binary:      -[t·log(o) + (1-t)·log(1-o)],        o clipped to [ε, 1-ε]
    categorical: -Σ t·log(o / Σo),                     clipped to [ε, 1-ε] after normalising
    sparse:      -log softmax(log(clip(o)))[label]     (one fused op)

When ``output`` is the result of a softmax/sigmoid that kept its logits
(``output._keras_logits``), the exact "with logits" form is used instead, as TF does.
"""

from __future__ import annotations

import builtins
import collections
import math
import re
import warnings

import numpy as np

from ember import dtypes, ops
from ember import random as _random
from ember.errors import InvalidArgumentError
from ember.ops import nn as _nn
from ember.tensor import Tensor, Variable, convert_to_tensor

_config = {"epsilon": 1e-7, "floatx": "float32", "image_data_format": "channels_last"}
_FLOATS = ("float16", "float32", "float64")


# -- settings ---------------------------------------------------------------------------

def epsilon() -> float:
    """The fuzz factor used to keep logs and divisions finite (default 1e-7)."""
    return _config["epsilon"]


def set_epsilon(value):
    """Sets the fuzz factor returned by ``epsilon()``."""
    _config["epsilon"] = float(value)


def floatx() -> str:
    """The default float type as a string (default 'float32')."""
    return _config["floatx"]


def set_floatx(value):
    """Sets the default float type: 'float16', 'float32' or 'float64'."""
    name = dtypes.as_dtype(value).name if not isinstance(value, str) else value
    if name not in _FLOATS:
        raise ValueError(f"Unknown `floatx` value: {value!r}. Expected one of {list(_FLOATS)}.")
    _config["floatx"] = name


def image_data_format() -> str:
    """'channels_last' (default, images are (H, W, C)) or 'channels_first'."""
    return _config["image_data_format"]


def set_image_data_format(data_format):
    """Sets the image data format: 'channels_last' or 'channels_first'."""
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: data_format={data_format!r}")
    _config["image_data_format"] = data_format


def backend() -> str:
    """The backend's name. Ember implements the TensorFlow backend's semantics, so 'tensorflow'."""
    return "tensorflow"


# -- names ------------------------------------------------------------------------------

_name_uids: collections.defaultdict = collections.defaultdict(int)


def to_snake_case(name: str) -> str:
    """'SparseCategoricalAccuracy' -> 'sparse_categorical_accuracy', 'AUC' -> 'auc'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(name: str) -> str:
    """'auc', then 'auc_1', 'auc_2', ... (until ``clear_session``), as Keras names objects."""
    n = _name_uids[name]
    _name_uids[name] += 1
    return name if n == 0 else f"{name}_{n}"


def auto_name(class_name: str) -> str:
    """A unique snake_case name for an unnamed metric or loss of class ``class_name``."""
    return uniquify(to_snake_case(class_name))


def get_uid(prefix: str = "") -> int:
    """Keras 2's per-prefix counter: 1 on the first call, then 2, 3, ..."""
    _name_uids["uid:" + prefix] += 1
    return _name_uids["uid:" + prefix]


def clear_session(free_memory=True):
    """Resets the global state: auto-generated names start again ('dense', 'auc', ...)."""
    _name_uids.clear()
    try:
        from ember.keras.layers.layer import reset_name_counters
    except ImportError:  # layers not available: nothing else holds names
        return
    reset_name_counters()


# -- conversion helpers -----------------------------------------------------------------

def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _float_tensor(x) -> Tensor:
    """A float tensor: Tensors and float arrays keep their dtype; the rest become floatx."""
    if isinstance(x, Tensor):
        return x if x._value.dtype.kind == "f" else ops.cast(x, floatx())
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return Tensor._wrap(x)
    return Tensor._wrap(np.asarray(x, dtype=floatx()))


def _like(y, ref: Tensor) -> Tensor:
    """``y`` as a tensor of ``ref``'s dtype (targets, weights: never watched by a tape)."""
    dt = ref._value.dtype
    if isinstance(y, Tensor):
        return y if y._value.dtype == dt else ops.cast(y, dt)
    return Tensor._wrap(np.asarray(y, dtype=dt))


def _logits_of(output: Tensor, kind: str):
    """The logits kept on a softmax/sigmoid output (``_keras_logits``), or None.

    They are trusted only if ``output`` really is ``kind`` of them, checked on the first row:
    a softmax output fed to binary cross-entropy (a common slip) must not silently be scored
    as if it were a sigmoid.
    """
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return None
    if not isinstance(logits, Tensor):
        logits = logits.get()
    if output._keras_activation == kind:
        return logits  # made by Ember's own sigmoid/softmax: no need to check the numbers
    o, z = output._value, logits._value
    if o.shape != z.shape or o.size == 0:
        return None
    first = (0,) * (o.ndim - 1) if o.ndim else ()
    o0, z0 = np.atleast_1d(o[first]), np.atleast_1d(z[first])
    n = o0.shape[0]
    if n > 32:  # NumPy pays off only on long rows; short ones are cheaper in plain Python
        z0 = z0.astype(np.float64)
        if kind == "sigmoid":
            ref = 0.5 * (1.0 + np.tanh(0.5 * z0))
        else:
            e = np.exp(z0 - z0.max())
            ref = e / e.sum()
        ok = float(np.max(np.abs(o0 - ref) - 1e-3 * np.abs(ref))) <= 1e-5
    else:
        zs, os_ = z0.tolist(), o0.tolist()
        if kind == "sigmoid":
            ref = [0.5 * (1.0 + math.tanh(0.5 * v)) for v in zs]
        else:
            top = builtins.max(zs)
            e = [math.exp(v - top) for v in zs]
            total = builtins.sum(e)
            ref = [v / total for v in e]
        ok = builtins.all(builtins.abs(a - b) <= 1e-5 + 1e-3 * b for a, b in zip(os_, ref))
    return logits if ok else None


def _get_logits(output, from_logits, kind, fn_name):
    logits = _logits_of(output, kind)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(f"`{fn_name}` received `from_logits=True`, but the `output` argument was "
                      f"produced by a {kind} activation and thus does not represent logits. "
                      "Was this intended?", stacklevel=3)
    return logits, True


def _shape_error(fn_name, target_shape, output_shape, advice=""):
    return ValueError(f"{fn_name}: y_true (target) has shape {tuple(target_shape)} but y_pred "
                      f"(output) has shape {tuple(output_shape)}; they must be the same shape."
                      + (" " + advice if advice else ""))


def _check_same_shape(fn_name, target: Tensor, output: Tensor):
    ts, os_ = target._value.shape, output._value.shape
    if ts == os_:
        return
    advice = ""
    if len(ts) + 1 == len(os_) and ts == os_[:-1] and os_[-1] > 1:
        advice = ("y_true looks like integer class labels: use "
                  "loss='sparse_categorical_crossentropy', or one-hot encode the labels "
                  "(keras.utils.to_categorical).")
    elif len(ts) == len(os_) and ts[:-1] == os_[:-1] and ts[-1] == 1 and os_[-1] > 1:
        advice = ("y_true holds one integer class label per sample: use "
                  "loss='sparse_categorical_crossentropy', or one-hot encode the labels "
                  "(keras.utils.to_categorical).")
    elif len(ts) == len(os_) and ts[:-1] == os_[:-1]:
        advice = (f"The model's last layer has {os_[-1]} units but the labels have "
                  f"{ts[-1]} values per sample: make them agree.")
    raise _shape_error(fn_name, ts, os_, advice)


# -- the three cross-entropies ----------------------------------------------------------

def binary_crossentropy(target, output, from_logits=False):
    """Elementwise -[t·log(o) + (1-t)·log(1-o)], with o clipped to [ε, 1-ε].

    Args:
        target: labels in [0, 1], the same shape as ``output``.
        output: probabilities (or logits with ``from_logits=True``).
        from_logits: whether ``output`` holds logits (default False).

    Returns:
        A tensor of the same shape as ``output``.
    """
    return _binary_crossentropy(target, output, from_logits, "binary_crossentropy")


def _binary_crossentropy(target, output, from_logits, fn_name):
    output = _float_tensor(output)
    target = _like(target, output)
    _check_same_shape(fn_name, target, output)
    output, from_logits = _get_logits(output, from_logits, "sigmoid", fn_name)
    if from_logits:
        return _nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = epsilon()
    o = ops.clip_by_value(output, eps, 1.0 - eps)
    bce = ops.add(ops.multiply(target, ops.log(o)),
                  ops.multiply(ops.subtract(1.0, target), ops.log(ops.subtract(1.0, o))))
    return ops.negative(bce)


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
    return _categorical_crossentropy(target, output, from_logits, axis,
                                     "categorical_crossentropy")


def _categorical_crossentropy(target, output, from_logits, axis, fn_name):
    output = _float_tensor(output)
    target = _like(target, output)
    if output.ndim < 1:
        raise ValueError(f"{fn_name}: y_pred (output) must be at least rank 1. Received: "
                         f"output.shape={tuple(output.shape)}")
    _check_same_shape(fn_name, target, output)
    output, from_logits = _get_logits(output, from_logits, "softmax", fn_name)
    if from_logits:
        return _nn.softmax_cross_entropy_with_logits(labels=target, logits=output, axis=axis)
    eps = epsilon()
    o = ops.divide(output, ops.reduce_sum(output, axis=axis, keepdims=True))
    o = ops.clip_by_value(o, eps, 1.0 - eps)
    return ops.negative(ops.reduce_sum(ops.multiply(target, ops.log(o)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-log p[label] per sample: one fused softmax cross-entropy op on the logits.

    With probabilities (``from_logits=False``), the logits are log(clip(o, ε, 1-ε)).

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
    return _sparse_categorical_crossentropy(target, output, from_logits, axis,
                                            "sparse_categorical_crossentropy")


def _sparse_labels(target, output_shape, fn_name) -> np.ndarray:
    labels = target._value if isinstance(target, Tensor) else np.asarray(target)
    n = len(output_shape)
    if labels.ndim == n and n and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.shape != tuple(output_shape[:-1]):
        ts = tuple(np.shape(target._value if isinstance(target, Tensor) else target))
        advice = (f"It expects one integer class index per sample: y_true of shape "
                  f"{tuple(output_shape[:-1])} or {tuple(output_shape[:-1]) + (1,)}.")
        if len(ts) == n and ts == tuple(output_shape):
            advice += (" Your labels look one-hot encoded: use loss='categorical_crossentropy' "
                       "(or convert them with np.argmax(y, axis=-1)).")
        raise ValueError(f"{fn_name}: y_true (target) has shape {ts} but y_pred (output) has "
                         f"shape {tuple(output_shape)}. {advice}")
    return labels


def _sparse_categorical_crossentropy(target, output, from_logits, axis, fn_name):
    output = _float_tensor(output)
    if output.ndim < 1:
        raise ValueError(f"{fn_name}: y_pred (output) must be at least rank 1. Received: "
                         f"output.shape={tuple(output.shape)}")
    if axis not in (-1, output.ndim - 1):
        perm = [i for i in range(output.ndim) if i != axis % output.ndim] + [axis % output.ndim]
        output = ops.transpose(output, perm)
    labels = _sparse_labels(target, output._value.shape, fn_name)
    output, from_logits = _get_logits(output, from_logits, "softmax", fn_name)
    if not from_logits:
        eps = epsilon()
        output = ops.log(ops.clip_by_value(output, eps, 1.0 - eps))
    try:
        return _nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=output)
    except InvalidArgumentError as e:
        raise InvalidArgumentError(
            str(e).replace("sparse_softmax_cross_entropy_with_logits", fn_name)) from None


# -- Keras-2 tensor functions -----------------------------------------------------------

def _axis(axis):
    return list(axis) if isinstance(axis, tuple) else axis


def _floaty(x) -> Tensor:
    x = _t(x)
    return ops.cast(x, floatx()) if x._value.dtype.kind == "b" else x


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (all axes by default); booleans count as 0/1."""
    return ops.reduce_mean(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Sum over ``axis`` (all axes by default)."""
    return ops.reduce_sum(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return ops.reduce_prod(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Maximum over ``axis`` (all axes by default)."""
    return ops.reduce_max(x, axis=_axis(axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Minimum over ``axis`` (all axes by default)."""
    return ops.reduce_min(x, axis=_axis(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return ops.reduce_std(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return ops.reduce_variance(_floaty(x), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    return ops.reduce_any(ops.cast(_t(x), "bool"), axis=_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    return ops.reduce_all(ops.cast(_t(x), "bool"), axis=_axis(axis), keepdims=keepdims)


def square(x):
    return ops.square(x)


def sqrt(x):
    """√x, with negative inputs clipped to 0 first (as Keras 2)."""
    x = _t(x)
    return ops.sqrt(ops.maximum(x, 0.0))


def exp(x):
    return ops.exp(x)


def log(x):
    return ops.log(x)


def abs(x):  # noqa: A001 - Keras's name
    return ops.abs(x)


def sign(x):
    return ops.sign(x)


def pow(x, a):  # noqa: A001 - Keras's name
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
    x = _t(x)
    lo = -np.inf if min_value is None else min_value
    hi = np.inf if max_value is None else max_value
    if not isinstance(lo, Tensor) and not isinstance(hi, Tensor) and hi < lo:
        hi = lo
    return ops.clip_by_value(x, lo, hi)


def dot(x, y):
    """Matrix product; for N-D inputs contracts x's last axis with y's second-to-last."""
    x, y = _t(x), _t(y)
    if x.ndim == 2 and y.ndim == 2:
        return ops.matmul(x, y)
    y_axis = y.ndim - 2 if y.ndim >= 2 else 0
    return ops.tensordot(x, y, axes=[[x.ndim - 1], [y_axis]])


def batch_dot(x, y, axes=None):
    """Batched dot product: ``x[i] · y[i]`` for each sample (2-D or 3-D inputs)."""
    x, y = _t(x), _t(y)
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
    return _t(x).dtype.name


def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor of ``dtype`` (default floatx)."""
    return ops.constant(value, dtype=dtype or floatx(), shape=shape)


def variable(value, dtype=None, name=None, constraint=None):
    """A Variable holding ``value`` as ``dtype`` (default floatx)."""
    v = value.numpy() if isinstance(value, Tensor) else value
    return Variable(np.asarray(v, dtype=dtypes.as_dtype(dtype or floatx())._np), name=name,
                    constraint=constraint)


def zeros(shape, dtype=None, name=None):
    """A Variable of zeros (Keras 2's ``K.zeros`` returns a variable)."""
    return Variable(np.zeros(_shape_tuple(shape), dtypes.as_dtype(dtype or floatx())._np),
                    name=name)


def ones(shape, dtype=None, name=None):
    """A Variable of ones."""
    return Variable(np.ones(_shape_tuple(shape), dtypes.as_dtype(dtype or floatx())._np),
                    name=name)


def eye(size, dtype=None, name=None):
    n, m = (size, size) if isinstance(size, int) else tuple(size)
    return Variable(np.eye(n, m, dtype=dtypes.as_dtype(dtype or floatx())._np), name=name)


def zeros_like(x, dtype=None, name=None):
    return ops.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):
    return ops.ones_like(x, dtype=dtype)


def _shape_tuple(shape):
    if isinstance(shape, Tensor):
        shape = shape._value.tolist()
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
    return tuple(int(d) for d in np.shape(x._value if isinstance(x, Tensor) else x))


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
    x = _t(x)
    return ops.reshape(x, [x._value.shape[0], -1])


def expand_dims(x, axis=-1):
    return ops.expand_dims(x, axis)


def squeeze(x, axis):
    return ops.squeeze(x, axis)


def permute_dimensions(x, pattern):
    return ops.transpose(x, list(pattern))


def concatenate(tensors, axis=-1):
    """Joins tensors along ``axis`` (default the last)."""
    tensors = [_t(t) for t in tensors]
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
    p = np.asarray(_t(predictions)._value)
    t = np.asarray(_t(targets)._value).astype(np.intp).reshape(-1)
    picked = p[np.arange(p.shape[0]), t]
    return Tensor._wrap((np.sum(p > picked[:, None], axis=-1) < k) & np.isfinite(picked))


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
    x.assign(np.asarray(value, dtype=x._value.dtype))


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def eval(x):  # noqa: A001 - Keras's name
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
    x = _t(x)
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
