"""``tf.nest``: work with nested structures of lists, tuples, dicts and leaves (the one copy).

A structure is a leaf, or a list, tuple (named tuples too) or dict whose values are
structures. ``flatten`` lists the leaves depth first, dicts in sorted key order, as
``tf.nest`` does; ``pack_sequence_as`` puts a flat list back into a structure's shape.
``None`` is a leaf.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure",
           "pack_sequence_as"]


def is_nested(structure) -> bool:
    """True for a list, tuple or dict (the containers ``flatten`` descends into)."""
    return isinstance(structure, (list, tuple, Mapping))


def _sorted_keys(mapping):
    try:
        return sorted(mapping)
    except TypeError:  # keys of mixed types: insertion order, as TF falls back to
        return list(mapping)


def flatten(structure, expand_composites=False) -> list:
    """The leaves of ``structure`` in order (dicts by sorted key): ``[[1, 2], {'b': 3, 'a': 4}]``
    flattens to ``[1, 2, 4, 3]``."""
    out: list = []
    stack = [structure]
    # Iterative, so very deep structures do not hit the recursion limit.
    while stack:
        s = stack.pop()
        if isinstance(s, Mapping):
            stack.extend(s[k] for k in reversed(_sorted_keys(s)))
        elif isinstance(s, (list, tuple)):
            stack.extend(reversed(s))
        else:
            out.append(s)
    return out


def _rebuild(like, items):
    if isinstance(like, Mapping):
        keys = _sorted_keys(like)
        values = dict(zip(keys, items))
        return type(like)((k, values[k]) for k in like) if type(like) is not dict else {
            k: values[k] for k in like}
    if isinstance(like, tuple) and hasattr(like, "_fields"):  # namedtuple
        return type(like)(*items)
    if isinstance(like, tuple):
        return tuple(items)
    return list(items) if type(like) is list else type(like)(items)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """``flat_sequence`` in the shape of ``structure`` (the inverse of ``flatten``)."""
    flat = list(flat_sequence)
    n = len(flatten(structure))
    if len(flat) != n:
        raise ValueError(f"Could not pack sequence: the structure has {n} leaves but "
                         f"flat_sequence has {len(flat)} elements.")
    it = iter(flat)

    def build(s):
        if isinstance(s, Mapping):
            return _rebuild(s, [build(s[k]) for k in _sorted_keys(s)])
        if isinstance(s, (list, tuple)):
            return _rebuild(s, [build(x) for x in s])
        return next(it)

    return build(structure)


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raises ValueError (TypeError for differing container types) unless the two match."""
    def check(a, b, path):
        if is_nested(a) != is_nested(b):
            raise ValueError(f"The two structures don't have the same nested structure at "
                             f"{path or 'the top'}: {type(a).__name__} vs {type(b).__name__}.")
        if not is_nested(a):
            return
        if check_types and type(a) is not type(b) and not (
                isinstance(a, Mapping) and isinstance(b, Mapping)):
            raise TypeError(f"The two structures don't have the same sequence type at "
                            f"{path or 'the top'}: {type(a).__name__} vs {type(b).__name__}.")
        if isinstance(a, Mapping):
            if set(a) != set(b):
                raise ValueError(f"The two dictionaries at {path or 'the top'} have different "
                                 f"keys: {sorted(map(str, a))} vs {sorted(map(str, b))}.")
            for k in _sorted_keys(a):
                check(a[k], b[k], f"{path}[{k!r}]")
        else:
            if len(a) != len(b):
                raise ValueError(f"The two structures don't have the same number of elements "
                                 f"at {path or 'the top'}: {len(a)} vs {len(b)}.")
            for i, (x, y) in enumerate(zip(a, b)):
                check(x, y, f"{path}[{i}]")

    check(nest1, nest2, "")


def map_structure(func, *structures, check_types=True, expand_composites=False):
    """``func`` applied to the leaves (one from each structure), in the first's shape."""
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    for other in structures[1:]:
        assert_same_structure(structures[0], other, check_types=check_types)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*xs) for xs in zip(*flats)])
