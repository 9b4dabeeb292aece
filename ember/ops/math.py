"""Elementwise arithmetic, comparisons and matmul: each op's forward next to its gradient rule.

Forward code works on raw ``np.ndarray``; rules are written in Ember ops so that a
tape watching the backward pass can differentiate again. Broadcasting is undone
once, in the tape (``unbroadcast``), never in a rule.
"""

from __future__ import annotations

import builtins

import numpy as np

from ember import dtypes
from ember import threads as _threads
from ember.errors import InvalidArgumentError
from ember.ops.array import broadcast_to, identity, reshape, transpose
from ember.record import apply, register_gradient
from ember.tensor import Tensor, Variable, convert_to_tensor
from ember.tensor import ensure_tensor as _t

__all__ = [
    "abs", "add", "add_n", "cast", "ceil", "clip_by_value", "cos", "divide", "einsum", "equal",
    "exp", "expm1", "floor", "floor_div", "floordiv", "floormod", "greater", "greater_equal",
    "is_finite", "is_inf", "is_nan", "less", "less_equal", "log", "log1p", "log_sigmoid",
    "logical_and", "logical_not", "logical_or", "logical_xor", "matmul", "maximum", "minimum",
    "mod", "multiply", "negative", "not_equal", "ones_like", "pow", "reciprocal", "relu",
    "round", "rsqrt", "sigmoid", "sign", "sin", "softplus", "sqrt", "square",
    "squared_difference", "subtract", "tan", "tanh", "tensordot", "truediv", "where",
    "zeros_like",
]

# ---------------------------------------------------------------------------------------
# Conversion of operands (TF's rules: two tensors must share a dtype; a Python scalar or
# NumPy array next to a tensor takes the tensor's dtype).
# ---------------------------------------------------------------------------------------



def _as(value, ref: Tensor, op: str) -> Tensor:
    """Converts a non-tensor operand to ``ref``'s dtype, refusing lossy float->int."""
    dt = ref._value.dtype
    if dt.kind == "O":
        # Next to a string tensor, str and NumPy strings become bytes, as tf.constant
        # stores them (so ``t == 'cat'`` and ``parts[-2] == class_names`` compare equal).
        other = value if isinstance(value, Tensor) else convert_to_tensor(value)
        if other._value.dtype.kind != "O":
            raise InvalidArgumentError(f"{op}: cannot combine a {other.dtype.name} value with "
                                       "a tensor of dtype string.")
        return other
    if isinstance(value, (float, int, builtins.bool)) and not isinstance(value, np.generic):
        if dt.kind in "iu" and isinstance(value, float) and not value.is_integer():
            raise InvalidArgumentError(
                f"{op}: cannot use the float {value!r} with a tensor of dtype "
                f"{dtypes.from_numpy(dt).name}. Use tf.cast to convert the tensor first.")
        try:
            return Tensor._wrap(np.asarray(value, dtype=dt))
        except OverflowError:
            raise InvalidArgumentError(
                f"{op}: {value!r} does not fit in the tensor's dtype "
                f"{dtypes.from_numpy(dt).name}. Use tf.cast to widen the tensor first.") from None
    arr = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if arr.dtype.kind in "OUS" and dt.kind != "O":
        raise InvalidArgumentError(f"{op}: cannot combine a {arr.dtype} value with a tensor "
                                   f"of dtype {dtypes.from_numpy(dt).name}.")
    if arr.dtype.kind == "c" and dt.kind != "c":
        raise InvalidArgumentError(
            f"{op}: cannot combine complex values with a tensor of dtype "
            f"{dtypes.from_numpy(dt).name}. Use tf.cast or tf.complex to convert one of them.")
    if dt.kind in "iu" and arr.dtype.kind == "f":
        raise InvalidArgumentError(
            f"{op}: cannot combine float values with a tensor of dtype "
            f"{dtypes.from_numpy(dt).name}. Use tf.cast to convert one of them.")
    return Tensor._wrap(arr.astype(dt, copy=False))


def _pair(x, y, op: str):
    xt, yt = isinstance(x, Tensor), isinstance(y, Tensor)
    if xt and yt:
        if x._value.dtype != y._value.dtype:
            raise InvalidArgumentError(
                f"{op}: cannot compute {op} of a {x.dtype.name} tensor and a {y.dtype.name} "
                f"tensor (shapes {tuple(x.shape)} and {tuple(y.shape)}); both must have the "
                f"same dtype. Use tf.cast(y, tf.{x.dtype.name}) to convert one of them.")
        return x, y
    if xt:
        return x, _as(y, x, op)
    if yt:
        return _as(x, y, op), y
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    if x._value.dtype != y._value.dtype:
        dt = np.result_type(x._value, y._value)
        if dt == np.float64 and np.float32 in (x._value.dtype, y._value.dtype):
            dt = np.float32
        x, y = Tensor._wrap(x._value.astype(dt)), Tensor._wrap(y._value.astype(dt))
    return x, y


def _broadcast_error(op, x, y, e):
    try:
        np.broadcast_shapes(x._value.shape, y._value.shape)
    except ValueError:
        return InvalidArgumentError(
            f"{op}: incompatible shapes {tuple(x.shape)} and {tuple(y.shape)}: they cannot be "
            f"broadcast together ({e}).")
    # The shapes fit: NumPy refused the values (e.g. integers to negative powers).
    return InvalidArgumentError(f"{op} of {x.dtype.name} tensors of shapes {tuple(x.shape)} "
                                f"and {tuple(y.shape)}: {e}")


def _binary(op: str, fn, x, y):
    x, y = _pair(x, y, op)
    try:
        value = fn(x._value, y._value)
    except ValueError as e:
        raise _broadcast_error(op, x, y, e) from None
    return apply(op, value, (x, y))


def _floating(x, op):
    # TF has no integer kernels for exp, log, sigmoid...: NumPy would silently give float64
    # (or, for sigmoid's astype, truncate to 0), so refuse with the fix instead.
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(f"{op}: expected a floating-point tensor, got dtype "
                                   f"{x.dtype.name}. Use tf.cast(x, tf.float32) first.")
    return x


# ---------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------

def add(x, y, name=None):
    """x + y, elementwise with broadcasting."""
    x, y = _pair(x, y, "Add")
    if x._value.dtype.kind == "O":
        return Tensor._wrap(np.char.add(x._value.astype(bytes), y._value.astype(bytes))
                            .astype(object))
    try:
        value = x._value + y._value
    except ValueError as e:
        raise _broadcast_error("Add", x, y, e) from None
    return apply("Add", value, (x, y))


@register_gradient("Add")
def _add_grad(g, out, x, y):
    return g, g


def subtract(x, y, name=None):
    """x - y, elementwise with broadcasting."""
    return _binary("Sub", np.subtract, x, y)


@register_gradient("Sub")
def _sub_grad(g, out, x, y):
    return g, negative(g)


def multiply(x, y, name=None):
    """x * y, elementwise with broadcasting."""
    return _binary("Mul", np.multiply, x, y)


@register_gradient("Mul", wants_needs=True)
def _mul_grad(g, out, x, y, needs):
    # Skipping the side that needs no gradient halves the work when one factor is a
    # constant (a dropout mask, a loss weight).
    return (multiply(g, y) if needs[0] else None), (multiply(g, x) if needs[1] else None)


def divide(x, y, name=None):
    """x / y (true division; integer tensors give float64, as TF's truediv)."""
    x, y = _pair(x, y, "RealDiv")
    if x._value.dtype.kind in "iu":
        ft = np.float64 if x._value.dtype.itemsize > 2 else np.float32
        x, y = Tensor._wrap(x._value.astype(ft)), Tensor._wrap(y._value.astype(ft))
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            value = x._value / y._value
        except ValueError as e:
            raise _broadcast_error("RealDiv", x, y, e) from None
    return apply("RealDiv", value, (x, y))


truediv = divide


@register_gradient("RealDiv", wants_needs=True)
def _div_grad(g, out, x, y, needs):
    return (divide(g, y) if needs[0] else None,
            negative(divide(multiply(g, out), y)) if needs[1] else None)


def floordiv(x, y, name=None):
    """Floor division (not differentiable)."""
    x, y = _pair(x, y, "FloorDiv")
    with np.errstate(divide="ignore", invalid="ignore"):
        return Tensor._wrap(np.floor_divide(x._value, y._value))


floor_div = floordiv


def floormod(x, y, name=None):
    """Remainder of floor division, with the sign of y (Python's %); gradient 1 wrt x."""
    x, y = _pair(x, y, "FloorMod")
    with np.errstate(divide="ignore", invalid="ignore"):
        return apply("FloorMod", np.mod(x._value, y._value), (x, y))


mod = floormod


@register_gradient("FloorMod")
def _mod_grad(g, out, x, y):
    return g, negative(multiply(g, floordiv(x, y)))


def negative(x, name=None):
    """-x."""
    x = _t(x)
    return apply("Neg", np.negative(x._value), (x,))


@register_gradient("Neg")
def _neg_grad(g, out, x):
    return negative(g)


def pow(x, y, name=None):
    """x ** y elementwise."""
    x, y = _pair(x, y, "Pow")
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            value = np.power(x._value, y._value)
        except ValueError as e:
            raise _broadcast_error("Pow", x, y, e) from None
    return apply("Pow", value, (x, y))


@register_gradient("Pow", wants_needs=True)
def _pow_grad(g, out, x, y, needs):
    gx = multiply(g, multiply(y, pow(x, subtract(y, 1)))) if needs[0] else None
    gy = None
    if needs[1]:
        safe = where(greater(x, 0), x, ones_like(x))
        gy = multiply(g, multiply(out, where(greater(x, 0), log(safe), zeros_like(x))))
    return gx, gy


def square(x, name=None):
    """x²."""
    x = _t(x)
    return apply("Square", np.square(x._value), (x,))


@register_gradient("Square")
def _square_grad(g, out, x):
    return multiply(g, multiply(x, 2))


def sqrt(x, name=None):
    """√x."""
    x = _floating(_t(x), "Sqrt")
    with np.errstate(invalid="ignore"):
        return apply("Sqrt", np.sqrt(x._value), (x,))


@register_gradient("Sqrt")
def _sqrt_grad(g, out, x):
    return divide(multiply(g, 0.5), out)


def rsqrt(x, name=None):
    """1/√x."""
    x = _floating(_t(x), "Rsqrt")
    with np.errstate(divide="ignore", invalid="ignore"):
        return apply("Rsqrt", 1.0 / np.sqrt(x._value), (x,))


@register_gradient("Rsqrt")
def _rsqrt_grad(g, out, x):
    return multiply(g, multiply(pow(out, 3), -0.5))


def exp(x, name=None):
    """eˣ."""
    x = _floating(_t(x), "Exp")
    with np.errstate(over="ignore"):
        return apply("Exp", np.exp(x._value), (x,))


@register_gradient("Exp")
def _exp_grad(g, out, x):
    return multiply(g, out)


def log(x, name=None):
    """Natural logarithm."""
    x = _floating(_t(x), "Log")
    with np.errstate(divide="ignore", invalid="ignore"):
        return apply("Log", np.log(x._value), (x,))


@register_gradient("Log")
def _log_grad(g, out, x):
    return divide(g, x)


def log1p(x, name=None):
    """log(1 + x), accurate for small x."""
    x = _floating(_t(x), "Log1p")
    with np.errstate(divide="ignore", invalid="ignore"):
        return apply("Log1p", np.log1p(x._value), (x,))


@register_gradient("Log1p")
def _log1p_grad(g, out, x):
    return divide(g, add(x, 1))


def expm1(x, name=None):
    """eˣ - 1, accurate for small x."""
    x = _floating(_t(x), "Expm1")
    return apply("Expm1", np.expm1(x._value), (x,))


@register_gradient("Expm1")
def _expm1_grad(g, out, x):
    return multiply(g, add(out, 1))


def abs(x, name=None):
    """|x|; the gradient at 0 is 0, as TF's."""
    x = _t(x)
    return apply("Abs", np.abs(x._value), (x,))


@register_gradient("Abs")
def _abs_grad(g, out, x):
    # g·sign(x), selected rather than multiplied so that x = 0 gives 0 even for g = inf.
    zero = zeros_like(g)
    return where(x._value > 0, g, where(x._value < 0, negative(g), zero))


def sign(x, name=None):
    """-1, 0 or 1 (gradient zero)."""
    x = _t(x)
    return Tensor._wrap(np.sign(x._value))


def sin(x, name=None):
    x = _floating(_t(x), "Sin")
    return apply("Sin", np.sin(x._value), (x,))


@register_gradient("Sin")
def _sin_grad(g, out, x):
    return multiply(g, cos(x))


def cos(x, name=None):
    x = _floating(_t(x), "Cos")
    return apply("Cos", np.cos(x._value), (x,))


@register_gradient("Cos")
def _cos_grad(g, out, x):
    return negative(multiply(g, sin(x)))


def tan(x, name=None):
    return divide(sin(x), cos(x))


def reciprocal(x, name=None):
    x = _t(x)
    return divide(ones_like(x), x)


def maximum(x, y, name=None):
    """Elementwise max; where x == y the gradient goes to x, as in TF."""
    return _binary("Maximum", np.maximum, x, y)


@register_gradient("Maximum")
def _maximum_grad(g, out, x, y):
    return _select_grad(g, x._value >= y._value)


def _select_grad(g, to_x: np.ndarray):
    """(g where to_x, g elsewhere), zeros in the other places, for max/min-like rules.

    Selecting, not multiplying by a 0/1 mask: ``0 * inf`` would turn an infinite incoming
    gradient into NaN on the side that does not get it (TF selects too).
    """
    zero = zeros_like(g)
    return where(to_x, g, zero), where(to_x, zero, g)


def minimum(x, y, name=None):
    """Elementwise min; where x == y the gradient goes to x, as in TF."""
    return _binary("Minimum", np.minimum, x, y)


@register_gradient("Minimum")
def _minimum_grad(g, out, x, y):
    return _select_grad(g, x._value <= y._value)


def squared_difference(x, y, name=None):
    return square(subtract(x, y))


def add_n(inputs, name=None):
    """The sum of a list of tensors of the same shape and dtype."""
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors.")
    total = _t(inputs[0])
    for t in inputs[1:]:
        total = add(total, t)
    return total


def round(x, name=None):
    """Round half to even, as TF (not differentiable)."""
    x = _t(x)
    return Tensor._wrap(np.round(x._value))


def floor(x, name=None):
    return Tensor._wrap(np.floor(_t(x)._value))


def ceil(x, name=None):
    return Tensor._wrap(np.ceil(_t(x)._value))


# ---------------------------------------------------------------------------------------
# Activations that TF keeps in tf.math / tf.nn (the seed's sigmoid, tanh, ReLU)
# ---------------------------------------------------------------------------------------

def _stable_sigmoid(z: np.ndarray) -> np.ndarray:
    # 1/(1+e^-z) overflows e^-z for z << 0; using e^-|z| keeps every step finite.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid(x, name=None):
    """σ(z) = 1 / (1 + e^(-z)), computed without overflow for large |z|."""
    x = _floating(_t(x), "Sigmoid")
    return apply("Sigmoid", _stable_sigmoid(x._value), (x,))


@register_gradient("Sigmoid")
def _sigmoid_grad(g, out, x):
    return multiply(g, multiply(out, subtract(1, out)))


def tanh(x, name=None):
    """tanh(z) = (e^z - e^(-z)) / (e^z + e^(-z))."""
    x = _floating(_t(x), "Tanh")
    return apply("Tanh", np.tanh(x._value), (x,))


@register_gradient("Tanh")
def _tanh_grad(g, out, x):
    return multiply(g, subtract(1, square(out)))


def relu(x, name=None):
    """ReLU(z) = max(0, z)."""
    x = _t(x)
    return apply("Relu", np.maximum(x._value, 0), (x,))


@register_gradient("Relu")
def _relu_grad(g, out, x):
    return relu_grad(g, out)


def relu_grad(g, out):
    """g where out > 0, else 0: ReLU's backward pass as one op.

    The mask depends on ``out`` only through a comparison, whose derivative is zero, so
    the rule below (the same masking of the incoming gradient) is exact to every order.
    """
    return apply("ReluGrad", _keep_where(g._value, out._value > 0), (g,), {"out": out})


def _keep_where(g: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``g`` where ``mask``, +0 elsewhere: a select, so an infinite ``g`` gives 0, not NaN.

    On the training hot path. ``g * mask`` turns ``0 * inf`` into NaN and ``np.where`` is
    several times slower; multiplying the float's bits, read as an integer, by the 0/1 mask
    keeps them whole or zeroes them, at the speed of ``g * mask``.
    """
    dt = g.dtype
    if dt.kind != "f":
        return np.where(mask, g, dt.type(0))
    return np.multiply(g.view(_INT_OF_SIZE[dt.itemsize]), mask).view(dt)


_INT_OF_SIZE = {2: np.int16, 4: np.int32, 8: np.int64}


@register_gradient("ReluGrad")
def _relu_grad_grad(gg, res, g, out):
    return relu_grad(gg, out)


def softplus(x, name=None):
    """log(1 + eˣ), computed as logaddexp(0, x) so large |x| neither overflows nor underflows."""
    x = _floating(_t(x), "Softplus")
    return apply("Softplus", np.logaddexp(x._value, 0).astype(x._value.dtype), (x,))


@register_gradient("Softplus")
def _softplus_grad(g, out, x):
    return multiply(g, sigmoid(x))


def log_sigmoid(x, name=None):
    """log σ(x) = -softplus(-x)."""
    return negative(softplus(negative(x)))


# ---------------------------------------------------------------------------------------
# Comparisons and logic (not differentiable: they return bool tensors)
# ---------------------------------------------------------------------------------------

def _compare(fn, op):
    def compare(x, y, name=None):
        x, y = _pair(x, y, op)
        try:
            return Tensor._wrap(np.asarray(fn(x._value, y._value)))
        except ValueError as e:
            raise _broadcast_error(op, x, y, e) from None
    compare.__name__ = fn.__name__
    compare.__doc__ = f"Elementwise {fn.__name__}, a bool tensor (no gradient)."
    return compare


equal = _compare(np.equal, "Equal")
not_equal = _compare(np.not_equal, "NotEqual")
greater = _compare(np.greater, "Greater")
greater_equal = _compare(np.greater_equal, "GreaterEqual")
less = _compare(np.less, "Less")
less_equal = _compare(np.less_equal, "LessEqual")


def _bool(x, op):
    x = _t(x)
    if x._value.dtype != np.bool_:
        raise InvalidArgumentError(f"{op}: expected a bool tensor, got {x.dtype.name}.")
    return x


def logical_and(x, y, name=None):
    return Tensor._wrap(np.logical_and(_bool(x, "LogicalAnd")._value,
                                       _bool(y, "LogicalAnd")._value))


def logical_or(x, y, name=None):
    return Tensor._wrap(np.logical_or(_bool(x, "LogicalOr")._value,
                                      _bool(y, "LogicalOr")._value))


def logical_xor(x, y, name=None):
    return Tensor._wrap(np.logical_xor(_bool(x, "LogicalXor")._value,
                                       _bool(y, "LogicalXor")._value))


def logical_not(x, name=None):
    return Tensor._wrap(np.logical_not(_bool(x, "LogicalNot")._value))


def is_nan(x, name=None):
    return Tensor._wrap(np.isnan(_t(x)._value))


def is_inf(x, name=None):
    return Tensor._wrap(np.isinf(_t(x)._value))


def is_finite(x, name=None):
    return Tensor._wrap(np.isfinite(_t(x)._value))


# ---------------------------------------------------------------------------------------
# Casting, selection and constants
# ---------------------------------------------------------------------------------------

def cast(x, dtype, name=None):
    """Converts to ``dtype``; gradients flow between float types only."""
    x = _t(x)
    want = dtypes.as_dtype(dtype)
    if x._value.dtype == want._np:
        if isinstance(x, Variable):  # a snapshot, as TF's read: later assigns must not show
            return identity(x)
        return x
    if want is dtypes.string or x._value.dtype.kind == "O":
        raise InvalidArgumentError(f"Cast: cannot cast {x.dtype.name} to {want.name}.")
    if want.is_integer and x._value.dtype.kind == "f":
        value = np.trunc(x._value).astype(want._np)  # TF truncates toward zero
    elif x._value.dtype.kind == "c" and not want.is_complex:
        value = np.real(x._value).astype(want._np)  # TF keeps the real part
    else:
        value = x._value.astype(want._np)
    if x._value.dtype.kind == "f":
        return apply("Cast", value, (x,))
    return Tensor._wrap(value)


@register_gradient("Cast")
def _cast_grad(g, out, x):
    return cast(g, x.dtype)


def where(condition, x=None, y=None, name=None):
    """Picks x where condition is true, else y (with broadcasting); one argument: indices."""
    c = _t(condition)
    if x is None and y is None:
        return Tensor._wrap(np.argwhere(c._value).astype(np.int64))
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither.")
    x, y = _pair(x, y, "SelectV2")
    try:
        value = np.where(c._value, x._value, y._value)
    except ValueError as e:
        raise _broadcast_error("SelectV2", x, y, e) from None
    return apply("SelectV2", value, (x, y), {"condition": c._value})


@register_gradient("SelectV2")
def _where_grad(g, out, x, y, condition):
    zero = zeros_like(g)
    return where(condition, g, zero), where(condition, zero, g)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clamps values into [min, max]; the gradient is zero where clipped."""
    t = _t(t)
    lo = _as(clip_value_min, t, "ClipByValue") if not isinstance(clip_value_min, Tensor) \
        else clip_value_min
    hi = _as(clip_value_max, t, "ClipByValue") if not isinstance(clip_value_max, Tensor) \
        else clip_value_max
    return apply("ClipByValue", np.clip(t._value, lo._value, hi._value), (t,),
                 {"lo": lo._value, "hi": hi._value})


@register_gradient("ClipByValue")
def _clip_grad(g, out, x, lo, hi):
    # Selected, not multiplied by a mask: an infinite g where x is clipped gives 0, not NaN.
    inside = (x._value >= lo) & (x._value <= hi)
    return where(inside, g, zeros_like(g))


def zeros_like(x, dtype=None, name=None):
    x = _t(x)
    dt = dtypes.as_dtype(dtype)._np if dtype is not None else x._value.dtype
    return Tensor._wrap(np.zeros(x._value.shape, dt))


def ones_like(x, dtype=None, name=None):
    x = _t(x)
    dt = dtypes.as_dtype(dtype)._np if dtype is not None else x._value.dtype
    return Tensor._wrap(np.ones(x._value.shape, dt))


# ---------------------------------------------------------------------------------------
# Matrix products
# ---------------------------------------------------------------------------------------

def _swap(a):
    return a.swapaxes(-1, -2)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           name=None):
    """Matrix product of the last two axes, batched over leading axes (rank >= 2)."""
    a, b = _pair(a, b, "MatMul")
    ta, tb = transpose_a or adjoint_a, transpose_b or adjoint_b
    av, bv = a._value, b._value
    if av.ndim < 2 or bv.ndim < 2:
        raise InvalidArgumentError(
            f"MatMul: both inputs must have rank >= 2; got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}. Use tf.reshape or tf.expand_dims to add an axis.")
    if ta:
        av = _swap(av)
    if tb:
        bv = _swap(bv)
    if av.shape[-1] != bv.shape[-2]:
        raise InvalidArgumentError(
            f"Matrix size-incompatible: In[0]: {list(av.shape)}, In[1]: {list(bv.shape)} "
            f"(MatMul needs In[0]'s last dimension ({av.shape[-1]}) to equal In[1]'s "
            f"second-to-last ({bv.shape[-2]})).")
    try:
        value = _threads.matmul(av, bv)  # one BLAS thread unless large: ember/threads.py
    except ValueError as e:
        raise InvalidArgumentError(f"MatMul: batch dimensions of {list(av.shape)} and "
                                   f"{list(bv.shape)} are incompatible ({e}).") from None
    return apply("MatMul", value, (a, b), {"ta": ta, "tb": tb} if (ta or tb) else None)


@register_gradient("MatMul", wants_needs=True)
def _matmul_grad(g, out, a, b, needs, ta=False, tb=False):
    # C = op(A) @ op(B)  =>  d op(A) = G @ op(B)^T  and  d op(B) = op(A)^T @ G
    ga = gb = None
    if needs[0]:
        ga = (matmul(g, b, transpose_b=not tb) if not ta
              else matmul(b, g, transpose_a=tb, transpose_b=True))
    if needs[1]:
        gb = (matmul(a, g, transpose_a=not ta) if not tb
              else matmul(g, a, transpose_a=True, transpose_b=ta))
    return ga, gb


def tensordot(a, b, axes, name=None):
    """Sum of products over ``axes`` (an int N: last N of a with first N of b, or two lists)."""
    a, b = _pair(a, b, "Tensordot")
    if isinstance(axes, int) or (isinstance(axes, Tensor) and axes.ndim == 0):
        n = int(axes)
        ax_a = list(range(a.ndim - n, a.ndim))
        ax_b = list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    ax_a = [x % a.ndim for x in ax_a]
    ax_b = [x % b.ndim for x in ax_b]
    for i, j in zip(ax_a, ax_b):
        if a.shape[i] != b.shape[j]:
            raise InvalidArgumentError(f"Tensordot: axis {i} of a (size {a.shape[i]}) does not "
                                       f"match axis {j} of b (size {b.shape[j]}).")
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [j for j in range(b.ndim) if j not in ax_b]
    k = int(np.prod([a.shape[i] for i in ax_a])) if ax_a else 1
    a2 = reshape(transpose(a, free_a + ax_a), (-1, k))
    b2 = reshape(transpose(b, ax_b + free_b), (k, -1))
    shape = [a.shape[i] for i in free_a] + [b.shape[j] for j in free_b]
    return reshape(matmul(a2, b2), shape)


def einsum(equation, *inputs, name=None):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)``, differentiable."""
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    ts = [_t(x) for x in inputs]
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise InvalidArgumentError("einsum: '...' is not supported by Ember; name every axis.")
    if "->" not in eq:
        lhs = eq
        letters = list(lhs.replace(",", ""))
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
        eq = f"{lhs}->{rhs}"
    lhs, rhs = eq.split("->")
    specs = lhs.split(",")
    if len(specs) != len(ts):
        raise InvalidArgumentError(f"einsum: equation {equation!r} names {len(specs)} operands "
                                   f"but {len(ts)} were given.")
    for s, t in zip(specs, ts):
        if len(s) != t.ndim:
            raise InvalidArgumentError(f"einsum: operand spec {s!r} has {len(s)} axes but the "
                                       f"tensor has shape {tuple(t.shape)}.")
    try:
        value = np.einsum(eq, *[t._value for t in ts], optimize=len(ts) > 2)
    except ValueError as e:
        raise InvalidArgumentError(f"einsum {equation!r}: {e}") from None
    return apply("Einsum", np.asarray(value), tuple(ts), {"specs": specs, "rhs": rhs})


@register_gradient("Einsum")
def _einsum_grad(g, out, *inputs, specs, rhs):
    grads = []
    sizes = {}
    for s, t in zip(specs, inputs):
        for c, d in zip(s, t.shape):
            sizes[c] = d
    for i, s in enumerate(specs):
        others = [(specs[j], inputs[j]) for j in range(len(inputs)) if j != i]
        avail = set(rhs) | {c for sp, _ in others for c in sp}
        if len(set(s)) != len(s):
            raise InvalidArgumentError(f"einsum gradient: repeated index in operand {s!r} is "
                                       "not supported.")
        keep = "".join(c for c in s if c in avail)
        sub = ",".join([rhs] + [sp for sp, _ in others]) + "->" + keep
        gi = einsum(sub, g, *[x for _, x in others])
        if keep != s:  # letters summed only inside this operand: broadcast them back
            shape_keep = [sizes[c] if c in keep else 1 for c in s]
            perm_src = [c for c in s if c in keep]
            if perm_src != list(keep):
                gi = einsum(f"{keep}->{''.join(perm_src)}", gi)
            gi = broadcast_to(reshape(gi, shape_keep), [sizes[c] for c in s])
        grads.append(gi)
    return tuple(grads)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=None,
                     name=None):
    """Counts of (label, prediction) pairs: row = true class, column = predicted class.

    Each pair adds its weight (1 without ``weights``). ``tf.math`` exports it (TF has no
    top-level ``tf.confusion_matrix``); it has no gradient.
    """
    y = np.asarray(_t(labels)._value).astype(np.int64).ravel()
    p = np.asarray(_t(predictions)._value).astype(np.int64).ravel()
    n = int(num_classes) if num_classes is not None else int(max(y.max(initial=0),
                                                                 p.max(initial=0)) + 1)
    m = np.zeros((n, n), np.int32 if dtype is None else dtypes.as_dtype(dtype)._np)
    w = 1 if weights is None else np.asarray(_t(weights)._value).ravel().astype(m.dtype)
    np.add.at(m, (y, p), w)
    return Tensor._wrap(m)
