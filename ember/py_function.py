"""``tf.py_function`` and ``tf.numpy_function``: Python code inside a ``Dataset.map`` or a
``tf.function``, as TF's data guide wraps ``scipy.ndimage.rotate``.

Ember runs eagerly, so both simply call ``func`` now: ``py_function`` passes tensors (ops
inside it are recorded by any open tape, so gradients flow through it, as in TF), and
``numpy_function`` passes NumPy arrays (no gradient). The results are converted to
``Tout``'s dtypes: a list ``Tout`` gives a list, a single dtype one tensor.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes, nest
from ember.tensor import Tensor, convert_to_tensor


def _outputs(result, Tout, name):
    single = not isinstance(Tout, (list, tuple))
    touts = [Tout] if single else list(Tout)
    values = [result] if single else (list(result) if isinstance(result, (list, tuple))
                                      else [result])
    if len(values) != len(touts):
        raise ValueError(f"{name}: the function returned {len(values)} value(s) but Tout "
                         f"lists {len(touts)}.")
    out = []
    for v, dt in zip(values, touts):
        if dt is None:
            out.append(v)
            continue
        dt = dtypes.as_dtype(dt)
        if isinstance(v, Tensor):
            out.append(v if v.dtype == dt else _cast(v, dt))
        else:
            out.append(convert_to_tensor(np.asarray(v) if dt is not dtypes.string else v,
                                         dtype=dt))
    return out[0] if single else out


def _cast(t, dt):
    from ember.ops.math import cast
    return cast(t, dt)


def py_function(func, inp, Tout, name=None):
    """``func(*inp)`` with tensor arguments; its results as tensors of ``Tout``."""
    args = [a if isinstance(a, Tensor) or a is None else convert_to_tensor(a)
            for a in (inp if isinstance(inp, (list, tuple)) else [inp])]
    return _outputs(func(*args), Tout, "py_function")


def numpy_function(func, inp, Tout, stateful=True, name=None):
    """``func(*inp)`` with NumPy arguments (tensors become arrays; scalars NumPy scalars);
    its results as tensors of ``Tout``."""
    def to_numpy(a):
        return a.numpy() if isinstance(a, Tensor) else a
    args = nest.map_structure(to_numpy, list(inp) if isinstance(inp, (list, tuple)) else [inp])
    return _outputs(func(*args), Tout, "numpy_function")
