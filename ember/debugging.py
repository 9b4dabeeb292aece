"""``tf.debugging``: assertions on tensor values, shapes and dtypes, and NaN/Inf checks.

Each assertion returns None when it holds and raises TF's error when it does not:
``InvalidArgumentError`` for values, ``ValueError`` for static shapes and ranks,
``TypeError`` for dtypes. Messages give the condition and the values involved.
"""

from __future__ import annotations

import types

import numpy as np

from ember import dtypes
from ember.errors import InvalidArgumentError
from ember.tensor import Tensor, as_array, convert_to_tensor

_STATE = {"log_device_placement": False, "check_numerics": False}


def _np(x) -> np.ndarray:
    return np.asarray(as_array(x if isinstance(x, Tensor) else convert_to_tensor(x)))


def _first(a: np.ndarray, n: int) -> str:
    return np.array2string(a.ravel()[:n], separator=" ")


def _compare(x, y, op, symbol, message, summarize):
    a, b = _np(x), _np(y)
    try:
        ok = op(a, b)
    except ValueError:
        raise InvalidArgumentError(f"{message + chr(10) if message else ''}Incompatible shapes: "
                                   f"{list(a.shape)} vs. {list(b.shape)}") from None
    if np.all(ok):
        return
    n = 3 if summarize is None else int(summarize)
    bad = np.argwhere(~np.broadcast_to(ok, np.broadcast_shapes(a.shape, b.shape)))[:n]
    ab, bb = np.broadcast_arrays(a, b)
    lines = [message] if message else []
    lines += [f"Condition x {symbol} y did not hold.",
              f"Indices of first {len(bad)} different values:", str(bad),
              "Corresponding x values:", _first(ab[tuple(bad.T)], n),
              "Corresponding y values:", _first(bb[tuple(bad.T)], n),
              f"First {n} elements of x:", _first(a, n),
              f"First {n} elements of y:", _first(b, n)]
    raise InvalidArgumentError("\n".join(lines))


def assert_equal(x, y, message=None, summarize=None, name=None):
    """Raises InvalidArgumentError unless ``x == y`` everywhere (broadcasting as TF)."""
    return _compare(x, y, np.equal, "==", message, summarize)


def assert_none_equal(x, y, message=None, summarize=None, name=None):
    return _compare(x, y, np.not_equal, "!=", message, summarize)


def assert_less(x, y, message=None, summarize=None, name=None):
    return _compare(x, y, np.less, "<", message, summarize)


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    return _compare(x, y, np.less_equal, "<=", message, summarize)


def assert_greater(x, y, message=None, summarize=None, name=None):
    return _compare(x, y, np.greater, ">", message, summarize)


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    return _compare(x, y, np.greater_equal, ">=", message, summarize)


def _elementwise(x, ok, condition, message):
    a = _np(x)
    if np.all(ok(a)):
        return
    lines = [message] if message else []
    lines += [f"Condition {condition} did not hold element-wise:",
              f"x (shape={a.shape} dtype={dtypes.from_numpy(a.dtype).name}) = ",
              _first(a, 3 if a.size > 3 else a.size)]
    raise InvalidArgumentError("\n".join(lines))


def assert_positive(x, message=None, summarize=None, name=None):
    return _elementwise(x, lambda a: a > 0, "x > 0", message)


def assert_negative(x, message=None, summarize=None, name=None):
    return _elementwise(x, lambda a: a < 0, "x < 0", message)


def assert_non_negative(x, message=None, summarize=None, name=None):
    return _elementwise(x, lambda a: a >= 0, "x >= 0", message)


def assert_non_positive(x, message=None, summarize=None, name=None):
    return _elementwise(x, lambda a: a <= 0, "x <= 0", message)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Raises unless ``|x - y| <= atol + rtol * |y|`` everywhere; the tolerances default to
    10 × the dtype's machine epsilon, as TF."""
    a, b = _np(x), _np(y)
    eps = np.finfo(a.dtype).eps if a.dtype.kind == "f" else 0.0
    rtol = 10 * eps if rtol is None else rtol
    atol = 10 * eps if atol is None else atol
    if np.all(np.abs(a - b) <= atol + rtol * np.abs(b)):
        return
    lines = [message] if message else []
    lines += [f"x and y not equal to tolerance rtol = {rtol:g}, atol = {atol:g}",
              f"x (shape={a.shape} dtype={dtypes.from_numpy(a.dtype).name}) = {_first(a, 6)}",
              f"y (shape={b.shape} dtype={dtypes.from_numpy(b.dtype).name}) = {_first(b, 6)}"]
    raise InvalidArgumentError("\n".join(lines))


def check_numerics(tensor, message, name=None):
    """Returns ``tensor`` unchanged, or raises InvalidArgumentError if it holds NaN or Inf."""
    t = convert_to_tensor(tensor)
    a = np.asarray(as_array(t))
    if a.dtype.kind == "f":
        if np.isnan(a).any():
            raise InvalidArgumentError(f"{message} : Tensor had NaN values")
        if np.isinf(a).any():
            raise InvalidArgumentError(f"{message} : Tensor had Inf values")
    return t


def assert_all_finite(t, msg, name=None, x=None, message=None):
    return check_numerics(t if x is None else x, msg if message is None else message)


def assert_rank(x, rank, message=None, name=None):
    r = convert_to_tensor(x).ndim
    if r != int(rank):
        raise ValueError(f"{message + ' ' if message else ''}Tensor must have rank {int(rank)}. "
                         f" Received rank {r}, shape {tuple(convert_to_tensor(x).shape)}")


def assert_rank_at_least(x, rank, message=None, name=None):
    r = convert_to_tensor(x).ndim
    if r < int(rank):
        raise ValueError(f"{message + ' ' if message else ''}Tensor must have rank at least "
                         f"{int(rank)}.  Received rank {r}, shape "
                         f"{tuple(convert_to_tensor(x).shape)}")


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Checks each ``(tensor, ('N', 3))`` pair; a symbol must mean one size everywhere."""
    sizes: dict = {}
    for tensor, spec in shapes:
        shape = tuple(convert_to_tensor(tensor).shape)
        spec = tuple(spec)
        if len(spec) != len(shape):
            raise ValueError(f"{message + ' ' if message else ''}Tensor of shape {shape} must "
                             f"have rank {len(spec)} (specified {spec}).")
        for i, (want, got) in enumerate(zip(spec, shape)):
            if isinstance(want, str):
                if want in sizes and sizes[want][0] != got:
                    first, where = sizes[want]
                    raise ValueError(
                        f"{message + ' ' if message else ''}Dimension '{want}' is {first} in "
                        f"the tensor of shape {where}, but tensor shape={shape} dimension {i} "
                        f"has size {got}.")
                sizes.setdefault(want, (got, shape))
            elif want is not None and int(want) != got:
                raise ValueError(f"{message + ' ' if message else ''}Tensor shape={shape} "
                                 f"dimension {i} must have size {want}.  Received size {got}.")


def assert_type(tensor, tf_type, message=None, name=None):
    want = dtypes.as_dtype(tf_type)
    got = convert_to_tensor(tensor).dtype
    if got != want:
        raise TypeError(f"{message + ': ' if message else ''}tensor must be of type "
                        f"tf.{want.name}; got tf.{got.name}")


def is_numeric_tensor(tensor) -> bool:
    return isinstance(tensor, Tensor) and tensor.dtype.is_numeric


def set_log_device_placement(enabled: bool) -> None:
    """Accepted; every op runs on ``/device:CPU:0``, so there is nothing else to log."""
    _STATE["log_device_placement"] = bool(enabled)


def enable_check_numerics(stack_height_limit=30, path_length_limit=50) -> None:
    """Not supported as TF has it (a check after every op); raises, saying what to use."""
    raise ValueError("tf.debugging.enable_check_numerics is not supported by Ember: call "
                     "tf.debugging.check_numerics(tensor, message) on the tensors to check, "
                     "or use keras.callbacks.TerminateOnNaN in fit.")


def _enable_dump_debug_info(*args, **kwargs):
    raise ValueError("tf.debugging.experimental.enable_dump_debug_info is not supported by "
                     "Ember (it writes TensorFlow Debugger V2 files for TensorBoard).")


experimental = types.SimpleNamespace(enable_dump_debug_info=_enable_dump_debug_info)
