"""Custom classes that model files may name: ``register_keras_serializable``,
``custom_object_scope`` and ``get_custom_objects``, as ``keras.saving`` has them.

A ``.keras`` config names each object by class; loading looks the name up here (and in
the ``custom_objects`` given to ``load_model``), never imports a module the file names.
"""

from __future__ import annotations

import threading

# Registered name ('package>Name') -> class or function, for every thread.
_GLOBAL_CUSTOM_OBJECTS: dict = {}
# Class -> registered name, for writing the name back.
_GLOBAL_CUSTOM_NAMES: dict = {}


class _ScopeStack(threading.local):
    def __init__(self):
        self.scopes: list[dict] = []


_SCOPES = _ScopeStack()


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Class decorator: files may name the class as ``'package>Name'``.

    Args:
        package: the prefix of the registered name (default 'Custom', as Keras).
        name: the name after the prefix (default: the class's ``__name__``).
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"`package` must be a string without '>'. Received: package={package!r}")

    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__}: a class must define "
                             "`get_config()` to be serializable.")
        _GLOBAL_CUSTOM_OBJECTS[key] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = key
        return obj

    return decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` was registered under, else its ``__name__``."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name: str, custom_objects: dict | None = None):
    """The class or function registered (or in scope, or in ``custom_objects``) as ``name``;
    None when there is none."""
    for scope in reversed(_SCOPES.scopes):
        if name in scope:
            return scope[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return _GLOBAL_CUSTOM_OBJECTS.get(name)


def get_custom_objects() -> dict:
    """The global registry (a live dict: adding ``{'Name': cls}`` registers ``cls``)."""
    return _GLOBAL_CUSTOM_OBJECTS


class custom_object_scope:
    """``with custom_object_scope({'MyLayer': MyLayer}):`` makes those names loadable
    inside the block (this thread only)."""

    def __init__(self, custom_objects: dict | None = None, *more: dict):
        self.objects = dict(custom_objects or {})
        for extra in more:
            self.objects.update(extra)

    def __enter__(self):
        _SCOPES.scopes.append(self.objects)
        return self

    def __exit__(self, *exc):
        _SCOPES.scopes.pop()
        return False


CustomObjectScope = custom_object_scope
