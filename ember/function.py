"""``tf.function``: Ember runs the decorated function eagerly, every call.

Ember has no graph compiler, and ``tf.function`` does not trace and replay: speed comes
from fused ops instead (inside a call, as in ``fit``'s own step, a ``Sequential`` runs its
Dense runs and Conv2D + MaxPooling2D pairs as single ops while at most one tape records).
A decorated function therefore behaves as TensorFlow's does under
``tf.config.run_functions_eagerly(True)``:

- the numbers are the ones TF computes (TF promises the same of a correct ``tf.function``);
- Python side effects (``print``, appending to a list, changing a global) happen on every
  call, where TF runs them only while tracing (the first call for each new input
  signature). Use ``tf.print`` for output that must appear on every call in both;
- ``input_signature`` is enforced as TF does (arguments converted to the spec's dtype,
  a mismatch is a ``TypeError`` naming the argument and both specs);
- outputs are returned as TF returns them: Python numbers and strings become tensors;
- ``reduce_retracing``, ``jit_compile``, ``autograph`` and ``experimental_*`` are accepted
  and change nothing. ``experimental_get_tracing_count()`` says how many traces TF would
  have made for the calls so far (teaching code prints it to show retracing).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import weakref

import numpy as np

from ember import nest
from ember import record as _record
from ember.tensor import Tensor, TensorShape, convert_to_tensor
from ember.tensor_spec import TensorSpec

_STATE = {"run_eagerly": False}


def run_functions_eagerly(run_eagerly: bool) -> None:
    """``tf.config.run_functions_eagerly``: Ember always runs functions eagerly; the flag is
    kept (``functions_run_eagerly()`` reads it back) and decides only whether outputs are
    converted to tensors, as TF's graph functions do."""
    _STATE["run_eagerly"] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """The flag set by ``run_functions_eagerly`` (default False, as TF)."""
    return _STATE["run_eagerly"]


class Function:
    """A callable made by ``tf.function``; call it as the Python function it wraps."""

    def __init__(self, python_function, input_signature=None, name=None,
                 reduce_retracing=False, jit_compile=None):
        if not callable(python_function):
            raise TypeError(f"tf.function expects a callable; received {python_function!r}.")
        self._python_function = python_function
        self._input_signature = None if input_signature is None else list(input_signature)
        if self._input_signature is not None:
            for spec in nest.flatten(self._input_signature):
                if not isinstance(spec, TensorSpec):
                    raise TypeError("input_signature must be a (nested) list of tf.TensorSpec; "
                                    f"received {spec!r}.")
        self._name = name or getattr(python_function, "__name__", "function")
        self._reduce_retracing = bool(reduce_retracing)
        self._jit_compile = jit_compile
        self._traces: list = []
        self._bound: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        functools.update_wrapper(self, python_function)

    @property
    def python_function(self):
        """The Python function ``tf.function`` wrapped."""
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    @property
    def function_spec(self):
        return inspect.signature(self._python_function)

    def __get__(self, instance, owner=None):
        # ``@tf.function`` on a method: one Function per instance, as TF keeps one per object.
        if instance is None:
            return self
        try:
            return self._bound[instance]
        except (KeyError, TypeError):
            pass
        bound = Function(self._python_function.__get__(instance, owner), self._input_signature,
                         self._name, self._reduce_retracing, self._jit_compile)
        with contextlib.suppress(TypeError):  # not weak-referenceable: a fresh one each time
            self._bound[instance] = bound
        return bound

    def __call__(self, *args, **kwargs):
        if self._input_signature is not None:
            args, kwargs = self._bind(args, kwargs)
        self._note_trace(args, kwargs)
        if _STATE["run_eagerly"]:
            return self._python_function(*args, **kwargs)
        # A traced step in TF: a Sequential may fuse its layers here (ember.record.TRACED).
        _record.TRACED[0] += 1
        try:
            out = self._python_function(*args, **kwargs)
        finally:
            _record.TRACED[0] -= 1
        return nest.map_structure(_as_output, out)

    def experimental_get_tracing_count(self) -> int:
        """How many graphs TF would have traced for the calls so far (Ember traces none)."""
        return len(self._traces)

    def get_concrete_function(self, *args, **kwargs):
        """This function, with the traced input specs TF would give it (it runs eagerly)."""
        if not args and not kwargs and self._input_signature is not None:
            return ConcreteFunction(self, tuple(self._input_signature))
        specs = nest.map_structure(_spec_of, (args, kwargs))
        return ConcreteFunction(self, specs)

    def __repr__(self):
        return f"<ember.function.Function {self._name} (runs eagerly)>"

    # -- input_signature -------------------------------------------------------------
    def _bind(self, args, kwargs):
        sig = inspect.signature(self._python_function)
        specs = self._input_signature
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"Binding inputs to tf.function '{self._name}' failed: {e}. "
                            f"Received args: {args!r} and kwargs: {kwargs!r} for signature: "
                            f"{self._signature_text(sig)}.") from None
        params = [p for p in sig.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) < len(specs):
            raise TypeError(f"tf.function '{self._name}' has {len(params)} positional "
                            f"parameters but its input_signature has {len(specs)} specs.")
        for param, spec in zip(params, specs):
            if param.name not in bound.arguments:
                raise TypeError(f"Binding inputs to tf.function '{self._name}' failed: missing "
                                f"a required argument: '{param.name}' ({spec!r}).")
            bound.arguments[param.name] = self._conform(param.name, bound.arguments[param.name],
                                                        spec)
        return bound.args, bound.kwargs

    def _conform(self, name, value, spec):
        if isinstance(spec, TensorSpec):
            return self._conform_leaf(name, value, spec)
        if isinstance(spec, (list, tuple)) and isinstance(value, (list, tuple)) \
                and len(spec) == len(value):
            parts = [self._conform(name, v, s) for v, s in zip(value, spec)]
            return type(value)(parts) if type(value) in (list, tuple) else type(value)(*parts)
        if isinstance(spec, dict) and isinstance(value, dict) and set(spec) == set(value):
            return {k: self._conform(name, value[k], spec[k]) for k in value}
        raise TypeError(f"tf.function '{self._name}': argument '{name}' has structure "
                        f"{nest.map_structure(_spec_of, value)!r}, which does not match its "
                        f"input_signature {spec!r}.")

    def _conform_leaf(self, name, value, spec):
        if not isinstance(value, Tensor):
            try:
                value = convert_to_tensor(value, dtype=spec.dtype)
            except (TypeError, ValueError) as e:
                raise TypeError(f"tf.function '{self._name}': argument '{name}' = {value!r} "
                                f"cannot be converted to {spec!r}: {e}") from None
        if not spec.is_compatible_with(value):
            raise TypeError(
                f"tf.function '{self._name}': argument '{name}' is "
                f"{TensorSpec.from_tensor(value)!r}, which does not match its input_signature "
                f"{spec!r}.")
        return value

    def _signature_text(self, sig):
        names = [p.name for p in sig.parameters.values()]
        return "(" + ", ".join(f"{n}: {s!r}" for n, s in zip(names, self._input_signature)) + ")"

    # -- what TF would trace -----------------------------------------------------------
    def _note_trace(self, args, kwargs):
        if self._input_signature is not None:
            if not self._traces:
                self._traces.append(("signature",))
            return
        key = _trace_key((args, kwargs))
        if any(_covers(t, key) for t in self._traces):
            return
        if self._reduce_retracing and self._traces and _same_skeleton(self._traces[-1], key):
            key = _relax(self._traces[-1], key)
        self._traces.append(key)


class ConcreteFunction:
    """What ``get_concrete_function`` returns: callable, with the input specs it was made for."""

    def __init__(self, function: Function, specs):
        self._function = function
        self.structured_input_signature = specs

    def __call__(self, *args, **kwargs):
        return self._function(*args, **kwargs)

    def __repr__(self):
        return f"<ConcreteFunction {self._function._name}{self.structured_input_signature!r}>"


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None,
             experimental_compile=None, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_follow_type_hints=None, name=None):
    """Decorator (``@tf.function`` or ``@tf.function(...)``) making a ``Function``.

    The function runs eagerly on every call, its Python side effects included (TF runs
    those only while tracing); results are TF's. See this module's docstring.

    Args:
        func: the Python function (given when used without parentheses).
        input_signature: optional (nested) list of ``tf.TensorSpec``, one per leading
            parameter; calls are converted to it and checked against it.
        reduce_retracing, experimental_relax_shapes: change only the count that
            ``experimental_get_tracing_count`` reports, as TF's tracing would.
        autograph, jit_compile, experimental_*: accepted; Ember runs eagerly either way.
        name: shown in messages.
    Returns:
        a ``Function`` (or, without ``func``, a decorator making one).
    """
    relax = bool(reduce_retracing or experimental_relax_shapes)

    def wrap(f):
        return Function(f, input_signature=input_signature, name=name,
                        reduce_retracing=relax, jit_compile=jit_compile or experimental_compile)
    return wrap(func) if func is not None else wrap


# -- helpers --------------------------------------------------------------------------

def _as_output(x):
    if isinstance(x, (bool, int, float, str, bytes, np.ndarray, np.generic)):
        return convert_to_tensor(x)
    return x


def _spec_of(x):
    return TensorSpec.from_tensor(x) if isinstance(x, (Tensor, np.ndarray)) else x


def _trace_key(structure) -> tuple:
    # TF traces on each tensor's shape and dtype and on the value of other Python arguments
    # (objects by identity).
    leaves = []
    for leaf in nest.flatten(structure):
        if isinstance(leaf, (Tensor, np.ndarray)):
            t = convert_to_tensor(leaf)
            leaves.append(TensorSpec(t.shape, t.dtype))
        elif isinstance(leaf, (bool, int, float, str, bytes, type(None))):
            leaves.append((type(leaf), leaf))
        else:
            leaves.append(("id", id(leaf)))
    return tuple(leaves)


def _covers(trace, key) -> bool:
    if len(trace) != len(key):
        return False
    for a, b in zip(trace, key):
        if isinstance(a, TensorSpec):
            if not (isinstance(b, TensorSpec) and a.is_compatible_with(b)):
                return False
        elif a != b:
            return False
    return True


def _same_skeleton(trace, key) -> bool:
    return len(trace) == len(key) and all(
        isinstance(a, TensorSpec) and isinstance(b, TensorSpec) and a.dtype == b.dtype or a == b
        for a, b in zip(trace, key))


def _relax(trace, key) -> tuple:
    # The most specific shape covering both (TF's supertype): unequal dims become None,
    # unequal ranks an unknown shape.
    out = []
    for a, b in zip(trace, key):
        if isinstance(a, TensorSpec):
            if a.shape is None or b.shape is None or len(a.shape) != len(b.shape):
                shape = None
            else:
                shape = TensorShape(x if x == y else None for x, y in zip(a.shape, b.shape))
            out.append(TensorSpec(shape, a.dtype))
        else:
            out.append(a)
    return tuple(out)
