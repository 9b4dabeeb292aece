"""``tf.function``: Ember runs every function eagerly, so the decorator returns it unchanged.

Ember has no graph compiler: speed comes from fused ops instead. Decorated code therefore
behaves exactly as it does undecorated, which is also what TF promises of a correct
``tf.function``.
"""

import functools


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None, **kwargs):
    """Decorator (with or without arguments) that runs ``func`` eagerly."""
    def wrap(f):
        @functools.wraps(f)
        def run(*args, **kw):
            return f(*args, **kw)
        run.python_function = f
        return run
    return wrap(func) if func is not None else wrap
