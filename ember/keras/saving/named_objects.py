"""Objects found by name and written as Keras 3 configs: what ``keras.losses`` and
``keras.metrics`` share for ``serialize``, ``deserialize`` and ``get``.

Each module passes its own tables (its classes and functions by name) and words (``kind``
'loss' or 'metric'); the lookups, the config layout and the errors are the same for both.
"""

from __future__ import annotations

import difflib
import inspect


def unknown_identifier(kind: str, identifier, names) -> ValueError:
    """"Could not interpret {kind} identifier", with the closest known name when there is one."""
    msg = f"Could not interpret {kind} identifier: {identifier!r}."
    if isinstance(identifier, str):
        lowered = {}
        for n in sorted(names, key=lambda n: n != n.lower()):  # prefer 'mse' to 'MSE'
            lowered.setdefault(n.lower(), n)
        close = difflib.get_close_matches(identifier.lower(), list(lowered), n=1, cutoff=0.6)
        if close:
            msg += f" Did you mean '{lowered[close[0]]}'?"
        else:
            msg += f" Known names include: {', '.join(sorted(n for n in names if n.islower()))}."
    return ValueError(msg)


def instantiate(obj):
    """A class gives a new instance with its defaults; a function or an instance stays."""
    return obj() if inspect.isclass(obj) else obj


def serialize(obj, *, kind: str, module: str, base: type):
    """``obj`` as Keras 3's config dict: an instance of ``base`` by class and config, a
    function by name; ``None`` and names stay as they are."""
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, base):
        return {"module": module, "class_name": type(obj).__name__,
                "config": obj.get_config(), "registered_name": None}
    if inspect.isfunction(obj):
        return {"module": module, "class_name": "function", "config": obj.__name__,
                "registered_name": "function"}
    raise ValueError(f"Cannot serialize {kind} {obj!r}: expected a {base.__name__} instance, "
                     f"a {kind} function or a name.")


def deserialize(config, custom_objects, *, kind: str, classes: dict, functions: dict, get):
    """The object ``serialize`` described. A name is looked up in ``custom_objects`` first,
    then by ``get``; a ``"function"`` config in ``functions`` (and ``custom_objects``); a
    class config in ``classes`` (and ``custom_objects``), through the class's
    ``from_config``."""
    custom = custom_objects or {}
    if isinstance(config, str):
        return instantiate(custom[config]) if config in custom else get(config)
    if isinstance(config, dict):
        class_name = config.get("class_name")
        if class_name == "function":
            name = config.get("config")
            fns = {**functions, **custom}
            if name not in fns:
                raise unknown_identifier(f"{kind} function", name, fns)
            return fns[name]
        objects = {**classes, **custom}
        cls = objects.get(class_name)
        if cls is None or not inspect.isclass(cls):
            raise unknown_identifier(kind, class_name,
                                     [k for k, v in objects.items() if inspect.isclass(v)])
        return cls.from_config(config.get("config") or {})
    raise ValueError(f"Could not interpret serialized {kind}: {config!r}")


def get(identifier, *, kind: str, objects: dict, deserialize, names=None, expected: str):
    """The object for ``identifier``: a name in ``objects`` (a class gives an instance), a
    config dict (through ``deserialize``), or a callable as it is. An unknown name raises
    a ValueError suggesting the closest of ``names`` (default: ``objects``)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = objects.get(identifier)
        if obj is None:
            raise unknown_identifier(kind, identifier, objects if names is None else names)
    else:
        obj = identifier
    if callable(obj):
        return instantiate(obj)
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}. Expected "
                     f"{expected}.")
