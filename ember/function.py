"""``tf.function``: Ember has no graph compiler, so a decorated function runs eagerly.

The decorator wraps ``func`` in a function that calls it with the same arguments; the
arguments that configure TF's tracing (``input_signature``, ``jit_compile``, ...) are
accepted and have no effect. Python side effects therefore run on every call, not only
while tracing as in TF. Speed comes from Ember's fused ops instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def function(func: Callable | None = None, input_signature=None, autograph: bool = True,
             jit_compile: bool | None = None, reduce_retracing: bool = False,
             experimental_relax_shapes=None, **kwargs: Any) -> Any:
    """Decorator (with or without arguments) that runs ``func`` eagerly on every call.

    The wrapper keeps ``func``'s name and docstring, and ``python_function`` is ``func``.
    """
    def wrap(f):
        @functools.wraps(f)
        def run(*args, **kw):
            return f(*args, **kw)
        run.python_function = f
        return run
    return wrap(func) if func is not None else wrap
