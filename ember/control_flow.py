"""``tf.cond``, ``tf.case``, ``tf.switch_case``, ``tf.while_loop`` and ``tf.map_fn``.

Ember runs eagerly, so these are their Python equivalents, with TF's signatures: ``cond``
calls the branch its predicate picks, ``while_loop`` loops in Python, ``map_fn`` applies
``fn`` to each element along axis 0 and stacks the results. Ops inside are recorded by an
open tape as usual, so gradients flow through the branch or iterations that ran.
"""

from __future__ import annotations

import numpy as np

from ember import nest
from ember.tensor import Tensor, convert_to_tensor


def _truth(pred, name) -> bool:
    v = pred.numpy() if isinstance(pred, Tensor) else np.asarray(pred)
    if np.ndim(v) != 0:
        raise ValueError(f"{name}: the predicate must be a scalar boolean; received shape "
                         f"{np.shape(v)}.")
    return bool(v)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("cond: `true_fn` and `false_fn` must be callables.")
    return true_fn() if _truth(pred, "cond") else false_fn()


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The function of the first (pred, fn) pair whose pred is True, else ``default()``."""
    pairs = list(pred_fn_pairs.items() if isinstance(pred_fn_pairs, dict) else pred_fn_pairs)
    chosen = [fn for pred, fn in pairs if _truth(pred, "case")]
    if exclusive and len(chosen) > 1:
        raise ValueError("case: more than one predicate is True with exclusive=True.")
    if chosen:
        return chosen[0]()
    if default is None:
        raise ValueError("case: no predicate is True and no `default` was given.")
    return default()


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """``branch_fns[branch_index]()`` (a list, or a dict keyed by int); ``default`` (else
    the last branch) when the index is out of range."""
    i = int(branch_index.numpy() if isinstance(branch_index, Tensor) else branch_index)
    fns = dict(branch_fns) if isinstance(branch_fns, dict) else dict(enumerate(branch_fns))
    if i in fns:
        return fns[i]()
    return (default or fns[max(fns)])()


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeats ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times); returns what ``body`` last returned (``loop_vars`` if it
    never ran), as TF 2 does eagerly. One tensor is accepted in place of a list of one."""
    single = not isinstance(loop_vars, (list, tuple))
    vars_ = loop_vars
    steps = 0
    while maximum_iterations is None or steps < int(maximum_iterations):
        args = [vars_] if single else list(vars_)
        if not _truth(cond(*args), "while_loop"):
            break
        vars_ = body(*args)
        if not single and not isinstance(vars_, (list, tuple)):
            vars_ = [vars_]
        steps += 1
    return vars_


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None, fn_output_signature=None):
    """``fn`` applied to each slice of ``elems`` along axis 0 (a tensor, or a structure of
    tensors sliced together), the results stacked along a new axis 0."""
    from ember.ops.array import stack

    flat = [e if isinstance(e, Tensor) else convert_to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("map_fn: `elems` must hold at least one tensor.")
    n = flat[0].shape[0]
    if any(e.shape[0] != n for e in flat):
        raise ValueError("map_fn: every tensor in `elems` must have the same first dimension.")
    results = [fn(nest.pack_sequence_as(elems, [e[i] for e in flat])) for i in range(n)]
    if not results:
        raise ValueError("map_fn: `elems` is empty along axis 0.")
    return nest.map_structure(lambda *parts: stack(list(parts)), *results)
