"""Functional maps and folds over the first axis: ``tf.map_fn``, ``tf.vectorized_map``,
``tf.scan``, ``tf.foldl``, ``tf.foldr``.

Run eagerly, one Python call of ``fn`` per element. The elements are slices of the inputs
(``elems[i]``) and the results are stacked with ``tf.stack``: both are recorded ops, so a
``GradientTape`` sees through the map, as in TF. ``elems`` may be a nested structure of
tensors (all with the same first dimension); ``fn`` receives the matching structure of
slices.
"""

from __future__ import annotations

from ember import dtypes, nest
from ember.errors import InvalidArgumentError
from ember.ops.array import getitem, stack
from ember.tensor import Tensor, convert_to_tensor
from ember.tensor_spec import TensorSpec

__all__ = ["foldl", "foldr", "map_fn", "scan", "vectorized_map"]


def _tensor(x, dtype=None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return convert_to_tensor(x, dtype=dtype)


def _flat_elems(elems, where: str):
    """(structure, flat list of tensors, n): the elements' leaves and their common length."""
    flat = [_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"{where}: elems must hold at least one tensor; received {elems!r}.")
    for t in flat:
        if t.ndim == 0:
            raise ValueError(f"{where}: elements in elems must be 1+ dimensional Tensors, not "
                             f"scalars; received a scalar {t.dtype.name} tensor.")
    n = int(flat[0].shape[0])
    for t in flat[1:]:
        if int(t.shape[0]) != n:
            raise ValueError(f"{where}: every tensor in elems must have the same first "
                             f"dimension; received shapes {[tuple(x.shape) for x in flat]}.")
    return flat, n


def _slice(elems, flat, i):
    return nest.pack_sequence_as(elems, [getitem(t, i) for t in flat])


def _spec(sig, where):
    """A TensorSpec from a DType, dtype name or TensorSpec."""
    if isinstance(sig, TensorSpec):
        return sig
    try:
        return TensorSpec(None, dtypes.as_dtype(sig))
    except (TypeError, ValueError):
        raise TypeError(f"{where}: fn_output_signature entries must be dtypes or "
                        f"tf.TensorSpec; received {sig!r}.") from None


def _check_same_structure(expected, got, where, what):
    try:
        nest.assert_same_structure(expected, got, check_types=False)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{where}: fn returned {_describe(got)}, which does not match {what} "
                         f"({_describe(expected)}): {e}") from None


def _describe(structure) -> str:
    return str(nest.map_structure(
        lambda t: t.dtype.name if isinstance(t, Tensor) else (
            t.dtype.name if isinstance(t, TensorSpec) else type(t).__name__), structure))


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None, fn_output_signature=None):
    """``stack([fn(elems[0]), fn(elems[1]), ...])``: ``fn`` applied to each element along
    the first axis.

    Args:
        fn: called with one element (a structure like ``elems`` of slices).
        elems: a tensor, or a nested structure of tensors with the same first dimension.
        fn_output_signature: the dtype (or ``tf.TensorSpec``, or structure of them) of
            ``fn``'s result; needed when it differs from ``elems`` (the default). ``dtype``
            is TF's older name for it.
    Returns:
        The stacked results, in the structure of ``fn_output_signature`` (or of ``elems``).
    """
    if not callable(fn):
        raise TypeError(f"map_fn: fn must be callable; received {fn!r}.")
    if fn_output_signature is None:
        fn_output_signature = dtype
    elif dtype is not None:
        raise ValueError("map_fn: give only one of fn_output_signature and dtype (its older "
                         "name).")
    flat, n = _flat_elems(elems, "map_fn")
    if fn_output_signature is None:
        expected = nest.pack_sequence_as(elems, [TensorSpec(None, t.dtype) for t in flat])
        what = "the structure and dtypes of elems (the default fn_output_signature)"
    else:
        expected = nest.map_structure(lambda s: _spec(s, "map_fn"), fn_output_signature)
        what = "fn_output_signature"
    specs = nest.flatten(expected)
    columns = [[] for _ in specs]
    for i in range(n):
        result = fn(_slice(elems, flat, i))
        _check_same_structure(expected, result, "map_fn", what)
        for col, spec, value in zip(columns, specs, nest.flatten(result)):
            col.append(_checked(value, spec, col, i, what))
    outs = [_stack_or_empty(col, spec) for col, spec in zip(columns, specs)]
    return nest.pack_sequence_as(expected, outs)


def _checked(value, spec, column, i, what):
    t = _tensor(value, dtype=None if isinstance(value, Tensor) else spec.dtype)
    if t.dtype != spec.dtype:
        raise InvalidArgumentError(
            f"map_fn: fn returned a {t.dtype.name} tensor for element {i}, but {what} says "
            f"{spec.dtype.name}. Pass fn_output_signature=tf.{t.dtype.name} (or a structure "
            "of dtypes) when fn changes the dtype.")
    if not spec.shape.is_compatible_with(t.shape):
        raise ValueError(f"map_fn: fn returned shape {tuple(t.shape)} for element {i}; "
                         f"fn_output_signature expects {spec.shape}.")
    if column and tuple(column[0].shape) != tuple(t.shape):
        raise ValueError(f"map_fn: fn returned shape {tuple(t.shape)} for element {i} but "
                         f"{tuple(column[0].shape)} for element 0; every result must have "
                         "the same shape.")
    return t


def _stack_or_empty(column, spec):
    if column:
        return stack(column)
    from ember.ops.array import zeros
    known = spec.shape.rank is not None and spec.shape.is_fully_defined()
    return zeros((0,) + (tuple(spec.shape) if known else ()), dtype=spec.dtype)


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """``fn`` over the first axis of ``elems``, its results stacked (``tf.vectorized_map``).

    TF vectorises ``fn`` into batched ops; Ember calls it once per element (the same
    values). The result's structure and dtypes are ``fn``'s own; a result that does not
    depend on the element (a constant) is repeated for every element, as in TF.
    """
    if not callable(fn):
        raise TypeError(f"vectorized_map: fn must be callable; received {fn!r}.")
    flat, n = _flat_elems(elems, "vectorized_map")
    results = [fn(_slice(elems, flat, i)) for i in range(n)]
    if not results:
        raise ValueError("vectorized_map: elems has 0 elements along the first axis; there "
                         "is nothing to map over.")
    first = results[0]
    for r in results[1:]:
        _check_same_structure(first, r, "vectorized_map", "its result for element 0")
    columns = zip(*[[_tensor(v) for v in nest.flatten(r)] for r in results])
    return nest.pack_sequence_as(first, [stack(list(col)) for col in columns])


def _fold_start(fn, elems, initializer, where, from_end):
    if not callable(fn):
        raise TypeError(f"{where}: fn must be callable; received {fn!r}.")
    flat, n = _flat_elems(elems, where)
    order = list(range(n - 1, -1, -1)) if from_end else list(range(n))
    if initializer is None:
        if n == 0:
            raise InvalidArgumentError(f"{where}: elems has 0 elements along the first axis and "
                                       "no initializer was given; pass initializer=.")
        acc = _slice(elems, flat, order[0])
        order = order[1:]
    else:
        acc = nest.map_structure(_tensor, initializer)
    return flat, n, order, acc


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """Running accumulation: ``a = fn(a, elems[i])`` for each i, every ``a`` stacked.

    Without ``initializer`` the first element starts the accumulator (and is the first
    output). ``reverse=True`` runs from the last element, keeping outputs in place.
    ``fn``'s result must have the structure of ``initializer`` (or of ``elems``).
    """
    flat, n, order, acc = _fold_start(fn, elems, initializer, "scan", reverse)
    template = acc
    outputs = {}
    if initializer is None:
        outputs[n - 1 if reverse else 0] = acc
    for i in order:
        acc = fn(acc, _slice(elems, flat, i))
        _check_same_structure(template, acc, "scan",
                              "the initializer" if initializer is not None else "elems")
        acc = nest.map_structure(_tensor, acc)
        outputs[i] = acc
    if not outputs:
        return nest.map_structure(lambda t: _stack_or_empty([], TensorSpec(
            tuple(t.shape), t.dtype)), template)
    rows = [nest.flatten(outputs[i]) for i in range(n)]
    return nest.pack_sequence_as(template, [stack(list(col)) for col in zip(*rows)])


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """``fn(...fn(fn(initializer, elems[0]), elems[1])..., elems[n-1])``, left to right;
    without ``initializer``, ``elems[0]`` starts."""
    flat, _, order, acc = _fold_start(fn, elems, initializer, "foldl", False)
    for i in order:
        acc = fn(acc, _slice(elems, flat, i))
    return nest.map_structure(_tensor, acc)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """``fn(...fn(fn(initializer, elems[n-1]), elems[n-2])..., elems[0])``, right to left;
    without ``initializer``, ``elems[n-1]`` starts."""
    flat, _, order, acc = _fold_start(fn, elems, initializer, "foldr", True)
    for i in order:
        acc = fn(acc, _slice(elems, flat, i))
    return nest.map_structure(_tensor, acc)
