"""Control flow run eagerly: ``tf.cond``, ``tf.case``, ``tf.switch_case``, ``tf.while_loop``.

Ember always executes eagerly, so these are Python ``if`` and ``while`` with TF's
signatures, argument checks and return conventions (TF 2's ``tf.cond`` returns what the
chosen branch returns; ``tf.while_loop`` returns the loop variables in the structure the
body gives back, converted to tensors). The branches and the body run ordinary ops, so a
``GradientTape`` records them and gradients flow through the path actually taken, as in
TF's eager mode. The functional maps (``map_fn``, ``scan``, ...) are in
``ember/functional_ops.py``.
"""

from __future__ import annotations

from ember import nest
from ember.errors import InvalidArgumentError
from ember.ops.array import identity
from ember.tensor import Tensor, Variable, convert_to_tensor

__all__ = ["case", "cond", "switch_case", "while_loop"]


def _scalar_truth(pred, where: str) -> bool:
    p = pred if isinstance(pred, Tensor) else convert_to_tensor(pred)
    if p.shape.num_elements() != 1:
        raise ValueError(f"{where}: `pred` must be a scalar; received a tensor of shape "
                         f"{tuple(p.shape)}. Reduce it first, e.g. with tf.reduce_all.")
    return bool(p.numpy().reshape(()))


def cond(pred, true_fn=None, false_fn=None, name=None):
    """``true_fn()`` if the scalar ``pred`` is true, else ``false_fn()`` (only one runs).

    Returns exactly what the chosen function returns (TF 2's ``strict`` behaviour: a
    one-element list stays a list, a Python number stays a number).
    """
    if true_fn is None:
        raise TypeError("cond(): 'true_fn' argument required")
    if false_fn is None:
        raise TypeError("cond(): 'false_fn' argument required")
    if not callable(true_fn):
        raise TypeError("'true_fn' must be callable.")
    if not callable(false_fn):
        raise TypeError("'false_fn' must be callable.")
    return true_fn() if _scalar_truth(pred, "cond") else false_fn()


def _unpack_singleton(result):
    if isinstance(result, (list, tuple)) and len(result) == 1:
        return result[0]
    return result


def _bool_pred(pred) -> bool:
    if not isinstance(pred, Tensor):
        raise TypeError(f"case: each pred must be a Tensor, got: {pred!r}")
    if pred.dtype.name != "bool":
        raise TypeError(f"case: each pred must be a Tensor of type bool; received dtype "
                        f"{pred.dtype.name}.")
    return _scalar_truth(pred, "case")


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The function of the first pair whose predicate is true: an if/elif/else chain.

    Args:
        pred_fn_pairs: list (or tuple) of ``(bool scalar tensor, callable)`` pairs; a dict
            only with ``exclusive=True`` (its order is not meaningful).
        default: called when no predicate is true. Without it, the last pair's function
            plays the default, and no true predicate at all is an InvalidArgumentError.
        exclusive: require at most one true predicate (InvalidArgumentError otherwise; TF's
            eager mode skips this check, Ember makes it).
        strict: with False (default), a one-element list or tuple result is unpacked.
    """
    if not isinstance(pred_fn_pairs, (list, tuple, dict)):
        raise TypeError("'pred_fn_pairs' must be a list, tuple, or dict. "
                        f"Received: {type(pred_fn_pairs)}")
    if isinstance(pred_fn_pairs, dict):
        if not exclusive:
            raise ValueError("Unordered dictionaries are not supported for the "
                             "'pred_fn_pairs' argument when `exclusive=False` and "
                             "eager mode is enabled.")
        pred_fn_pairs = list(pred_fn_pairs.items())
    if not pred_fn_pairs:
        raise ValueError("case: 'pred_fn_pairs' must hold at least one (pred, fn) pair.")
    truths = []
    for pair in pred_fn_pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError("Each entry in 'pred_fn_pairs' must be a 2-tuple. "
                            f"Received {pair}.")
        pred, fn = pair
        truths.append(_bool_pred(pred))
        if not callable(fn):
            raise TypeError(f"case: the fn paired with pred number {len(truths) - 1} must be "
                            f"callable; received {fn!r}.")
    if default is not None and not callable(default):
        raise TypeError(f"case: 'default' must be callable; received {default!r}.")
    if exclusive and sum(truths) > 1:
        raise InvalidArgumentError(f"case: Input error: exclusive=True: more than 1 "
                                   f"conditions evaluated as True: {truths}")
    fns = [fn for _, fn in pred_fn_pairs]
    chosen = next((fn for fn, t in zip(fns, truths) if t), None)
    if chosen is None:
        if default is None:
            raise InvalidArgumentError("case: Input error: None of conditions evaluated as "
                                       f"True: {truths}")
        chosen = default
    result = chosen()
    return result if strict else _unpack_singleton(result)


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """``branch_fns[branch_index]()``: a C-style switch on an integer scalar tensor.

    ``branch_fns`` is a list of callables, a list of ``(int, callable)`` pairs or a dict
    from int to callable; its keys must be 0 .. n-1. An index that matches no key calls
    ``default``, or the highest-keyed branch when there is no default.
    """
    if not isinstance(branch_index, Tensor):
        raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
    if not branch_index.dtype.is_integer:
        raise TypeError(f"'branch_index' must be an integer Tensor, got {branch_index.dtype}")
    if not isinstance(branch_fns, (list, tuple, dict)):
        raise TypeError(f"'branch_fns' must be a list, tuple, or dict; received "
                        f"{type(branch_fns)}.")
    items = list(branch_fns.items()) if isinstance(branch_fns, dict) else list(branch_fns)
    if not items:
        raise ValueError("switch_case: 'branch_fns' must not be empty.")
    if all(callable(f) for f in items):
        items = list(enumerate(items))
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], int)):
            raise TypeError("switch_case: each entry of 'branch_fns' must be a callable or an "
                            f"(int, callable) pair; received {item!r}.")
        if not callable(item[1]):
            raise TypeError(f"switch_case: the branch for key {item[0]} must be callable; "
                            f"received {item[1]!r}.")
    keys = sorted(k for k, _ in items)
    if keys != list(range(len(items))):
        raise ValueError(f"branch indices (keys) must form contiguous range of [0 to "
                         f"{len(items)}) but found {{{','.join(map(str, keys))}}}")
    if default is not None and not callable(default):
        raise TypeError(f"switch_case: 'default' must be callable; received {default!r}.")
    fns = dict(items)
    index = int(_scalar_index(branch_index))
    if index in fns:
        return fns[index]()
    return default() if default is not None else fns[len(items) - 1]()


def _scalar_index(t: Tensor) -> int:
    if t.shape.num_elements() != 1:
        raise ValueError(f"switch_case: 'branch_index' must be a scalar; received shape "
                         f"{tuple(t.shape)}.")
    return int(t.numpy().reshape(()))


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeats ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` is true.

    ``loop_vars`` is a list or tuple (of tensors or nested structures); ``cond`` and
    ``body`` take its items as positional arguments and ``body`` returns a structure like
    it. At most ``maximum_iterations`` iterations run when it is given. Returns the final
    loop variables, converted to tensors, in the structure ``body`` returned (the initial
    ``loop_vars`` when the body never ran). ``shape_invariants``, ``parallel_iterations``,
    ``back_prop`` and ``swap_memory`` are accepted for compatibility; a gradient tape
    records every iteration.
    """
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    if not isinstance(loop_vars, (list, tuple)) or not loop_vars:
        raise ValueError("'loop_vars' must be provided: a non-empty list or tuple of loop "
                         f"variables; received {loop_vars!r}.")
    # Variables enter as their current values, as TF reads them at the start.
    loop_vars = nest.map_structure(_read_variable, loop_vars)
    limit = None
    if maximum_iterations is not None:
        m = maximum_iterations if isinstance(maximum_iterations, Tensor) \
            else convert_to_tensor(maximum_iterations)
        if m.ndim != 0:
            raise ValueError("'maximum_iterations' must be a scalar. "
                             f"Received shape: {tuple(m.shape)}")
        limit = int(m.numpy())
    structure = list(loop_vars)
    count = 0
    while (limit is None or count < limit) and _loop_truth(cond(*loop_vars)):
        new = body(*loop_vars)
        if not isinstance(new, (list, tuple)):
            raise TypeError(f"while_loop: body must return a list or tuple like loop_vars "
                            f"(of {len(structure)} items); it returned {type(new).__name__}. "
                            "For one loop variable return `(value,)`.")
        try:
            nest.assert_same_structure(structure, list(new), check_types=False)
        except (ValueError, TypeError) as e:
            raise ValueError(f"while_loop: body must return the same structure as loop_vars "
                             f"({e})") from None
        loop_vars = new
        count += 1
    return nest.map_structure(_as_tensor, loop_vars)


def _loop_truth(value) -> bool:
    return _scalar_truth(value, "while_loop: cond")


def _read_variable(x):
    return identity(x) if isinstance(x, Variable) else x


def _as_tensor(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)
