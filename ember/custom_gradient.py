"""``tf.custom_gradient``: a function that supplies its own gradient rule.

``f(*args)`` returns ``(y, grad_fn)``; ``grad_fn(dy)`` returns the gradient for each
argument (``grad_fn(dy, variables=...)`` returns ``(arg_grads, variable_grads)`` when ``f``
reads trainable variables that are not among its arguments). The call is recorded on every
recording tape as one op from the arguments (and those variables) to ``y`` whose rule is
``grad_fn``, so ``tape.gradient`` uses the user's rule, not the ops inside ``f``, as in TF::

    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)
        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))
        return tf.math.log(1 + e), grad

Several outputs are recorded as one op whose value is their concatenation (ravelled), then
sliced back out; so ``grad_fn`` is called once, with one upstream gradient per output
(zeros for an output nothing depended on), as TF calls it. One difference: a gradient
``grad_fn`` returns in a broadcast shape is summed back to its argument's shape (TF hands it
on unreduced).
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from ember import nest
from ember.ops.array import getitem, reshape
from ember.ops.math import cast
from ember.record import apply, register_gradient
from ember.tape import GradientTape
from ember.tensor import Tensor, Variable, convert_to_tensor

__all__ = ["custom_gradient"]


def custom_gradient(f=None):
    """Decorator: ``f(*args) -> (y, grad_fn)``; gradients of ``y`` come from ``grad_fn``."""
    if f is None:
        return lambda fn: custom_gradient(fn)
    if not callable(f):
        raise TypeError(f"custom_gradient: expected a function to decorate; received {f!r}.")
    return _CustomGradient(f)


class _CustomGradient:
    """The decorated function; also binds as a method (``self`` is not a differentiated
    argument)."""

    def __init__(self, f, bound_self=None):
        self._f = f
        self._self = bound_self
        functools.update_wrapper(self, f)

    def __get__(self, instance, owner=None):
        return self if instance is None else _CustomGradient(self._f, instance)

    def __call__(self, *args, **kwargs):
        f = self._f if self._self is None else functools.partial(self._f, self._self)
        return _call(f, getattr(self._f, "__name__", "custom_gradient"), args, kwargs)


def _call(f, name, args, kwargs):
    # A watching tape finds the trainable variables f reads (TF's VariableWatcher).
    watcher = GradientTape(watch_accessed_variables=True)
    with watcher:
        returned = f(*args, **kwargs)
    if not (isinstance(returned, (tuple, list)) and len(returned) == 2
            and callable(returned[1])):
        raise TypeError(f"custom_gradient: {name} must return a pair (result, grad_fn) with "
                        f"a callable grad_fn; it returned {type(returned).__name__}.")
    result, grad_fn = returned
    flat_args = nest.flatten(args)
    inputs = nest.flatten(kwargs) + flat_args
    variables = [v for v in watcher.watched_variables()
                 if not any(v is i for i in inputs)]
    if variables and not _accepts_variables(grad_fn):
        raise TypeError("@tf.custom_gradient grad_fn must accept keyword argument 'variables', "
                        f"since function uses variables: {[v.name for v in variables]}")
    arg_tensors = [_as_input(a, name, k) for k, a in enumerate(flat_args)]
    flat_result = [r if isinstance(r, Tensor) else convert_to_tensor(r)
                   for r in nest.flatten(result)]
    attrs = {"grad_fn": grad_fn, "variables": variables, "n_args": len(arg_tensors),
             "name": name, "outputs": [(tuple(r.shape), r.dtype) for r in flat_result]}
    outs = _record(flat_result, tuple(arg_tensors) + tuple(variables), attrs)
    return nest.pack_sequence_as(result, outs)


def _accepts_variables(grad_fn) -> bool:
    try:
        params = inspect.signature(grad_fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in params)


def _as_input(a, name, k):
    if isinstance(a, Tensor):
        return a
    try:
        return convert_to_tensor(a)
    except (TypeError, ValueError):
        raise TypeError(f"custom_gradient: argument {k} of {name} must be a tensor or convertible "
                        f"to one; received {type(a).__name__}.") from None


def _record(flat_result, inputs, attrs):
    floats = [r for r in flat_result if r.dtype.is_floating]
    if not floats:
        return flat_result
    if len(flat_result) == 1:
        r = flat_result[0]
        value = r._value.copy() if isinstance(r, Variable) else r._value
        return [apply("CustomGradient", value, inputs, attrs)]
    # One op for all outputs: their values ravelled into one vector of the widest dtype.
    wide = np.result_type(*[r._value.dtype for r in floats])
    packed = apply("CustomGradient",
                   np.concatenate([r._value.astype(wide).ravel() for r in floats]), inputs,
                   attrs)
    outs, start = [], 0
    for r in flat_result:
        if not r.dtype.is_floating:
            outs.append(r)
            continue
        n = r._value.size
        part = reshape(getitem(packed, slice(start, start + n)), r._value.shape)
        outs.append(part if r._value.dtype == wide else cast(part, r.dtype))
        start += n
    return outs


@register_gradient("CustomGradient")
def _custom_gradient_rule(g, out, *inputs, grad_fn, variables, n_args, name, outputs):
    upstream, start = [], 0
    for shape, dtype in outputs:
        if len(outputs) == 1:
            upstream.append(g)
        elif not dtype.is_floating:
            upstream.append(Tensor._wrap(np.zeros(shape, dtype._np)))
        else:
            n = int(np.prod(shape))
            part = reshape(getitem(g, slice(start, start + n)), shape)
            upstream.append(part if part.dtype == dtype else cast(part, dtype))
            start += n
    if variables:
        returned = grad_fn(*upstream, variables=variables)
        if not (isinstance(returned, (tuple, list)) and len(returned) == 2):
            raise TypeError(f"custom_gradient: grad_fn of {name} uses variables, so it must "
                            "return a pair (input_grads, variable_grads).")
        input_grads, variable_grads = returned
        variable_grads = list(variable_grads)
        if len(variable_grads) != len(variables):
            raise ValueError("Must return gradient for each variable from @custom_gradient "
                             f"grad_fn ({name} reads {len(variables)} variables; grad_fn "
                             f"returned {len(variable_grads)} variable gradients).")
    else:
        input_grads, variable_grads = grad_fn(*upstream), []
    flat = nest.flatten(input_grads)
    if len(flat) != n_args:
        raise ValueError(f"custom_gradient function expected to return {n_args} gradients, "
                         f"but returned {len(flat)} instead.")
    return tuple(_grad_tensor(gx, x) for gx, x in zip(flat + variable_grads, inputs))


def _grad_tensor(gx, x):
    if gx is None or isinstance(gx, Tensor):
        return gx
    return convert_to_tensor(gx, dtype=x.dtype)
