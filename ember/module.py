"""``tf.Module`` and ``tf.name_scope``: named containers of variables and sub-modules.

A Module finds its variables and sub-modules by walking its attributes (in sorted name
order, into lists, tuples and dicts), its own first, then each sub-module's, as TF does.
Keras layers are not ``tf.Module`` s in Keras 3, so the walk does not enter them (TF's
does not either).

Name scopes are ``/``-separated prefixes, one stack per thread: ``with tf.name_scope('a'):``
inside ``with tf.name_scope('b'):`` gives ``'b/a/'``.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping

from ember import tensor as _tensor
from ember.tensor import Variable

_local = threading.local()


def _stack() -> list:
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


def current_name_scope() -> str:
    """The scope names are prefixed with now, e.g. ``'outer/inner/'`` (``''`` at top)."""
    s = _stack()
    return s[-1] if s else ""


# Variables made inside a name scope are named with it ('block/w:0'), as in TF.
_tensor.name_scope_prefix = current_name_scope


class name_scope:
    """Context manager that prefixes names made inside with ``name/``.

    Entering returns the full scope string (``'outer/name/'``). A name ending in ``/`` is
    absolute: it replaces the current scope instead of nesting in it.

    Args:
        name: the scope's name (a string; ``''`` or None resets to the top scope).
    """

    def __init__(self, name, default_name=None, values=None):
        name = default_name if name is None else name
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name_scope expects a string name; received {name!r}.")
        self._name = name or ""

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        if not self._name:
            scope = ""
        elif self._name.endswith("/"):
            scope = self._name
        else:
            scope = current_name_scope() + self._name + "/"
        _stack().append(scope)
        return scope

    def __exit__(self, *exc):
        _stack().pop()
        return False


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


class Module:
    """Base class for a named collection of variables, sub-modules and the functions using them.

    Example::

        class Dense(tf.Module):
            def __init__(self, n_in, n_out, name=None):
                super().__init__(name=name)
                self.w = tf.Variable(tf.random.normal([n_in, n_out]), name='w')
                self.b = tf.Variable(tf.zeros([n_out]), name='b')

            def __call__(self, x):
                return tf.nn.relu(x @ self.w + self.b)

    Args:
        name: a valid Python identifier; default: the class name in snake_case.
    """

    def __init__(self, name=None):
        if name is None:
            name = _snake(type(self).__name__)
        elif not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be "
                             "valid Python identifiers (e.g. a valid class name).")
        self._name = name
        with name_scope(name) as scope:
            self._scope = name_scope(scope)

    @property
    def name(self) -> str:
        """The name given at construction (or the snake_case class name)."""
        return self._name

    @property
    def name_scope(self) -> name_scope:
        """A ``name_scope`` entering this module's scope, e.g. ``'outer/inner/'``."""
        return self._scope

    @property
    def variables(self) -> tuple:
        """Every variable of this module and its sub-modules, its own first."""
        return tuple(self._flatten(lambda v: isinstance(v, Variable)))

    @property
    def trainable_variables(self) -> tuple:
        """The variables with ``trainable=True``."""
        return tuple(self._flatten(lambda v: isinstance(v, Variable) and v.trainable))

    @property
    def non_trainable_variables(self) -> tuple:
        return tuple(self._flatten(lambda v: isinstance(v, Variable) and not v.trainable))

    @property
    def submodules(self) -> tuple:
        """Every ``Module`` reachable through attributes, direct ones first."""
        return tuple(self._flatten(lambda v: isinstance(v, Module)))

    def _flatten(self, predicate):
        """Leaves matching ``predicate``: this module's attributes (sorted by name) first,
        then each sub-module's, each object once."""
        seen_modules = {id(self)}
        seen_leaves = {id(self)}
        queue = [self]
        while queue:
            module, queue = queue[0], queue[1:]
            found = []
            for key in sorted(vars(module)):
                if key in ("_scope",):
                    continue
                for leaf in _leaves(vars(module)[key]):
                    if predicate(leaf) and id(leaf) not in seen_leaves:
                        seen_leaves.add(id(leaf))
                        yield leaf
                    if isinstance(leaf, Module) and id(leaf) not in seen_modules:
                        seen_modules.add(id(leaf))
                        found.append(leaf)
            # Depth first: a sub-module's whole tree before the next sub-module's.
            queue = found + queue

    @classmethod
    def with_name_scope(cls, method):
        """Decorator running ``method`` inside its module's ``name_scope``."""
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        return run


def _leaves(value):
    # Lists, tuples and dicts are walked (dicts by sorted key, as tf.nest); anything else,
    # modules included, is a leaf.
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Mapping):
            try:
                keys = sorted(v)
            except TypeError:
                keys = list(v)
            stack.extend(v[k] for k in reversed(keys))
        elif isinstance(v, (list, tuple)):
            stack.extend(reversed(v))
        else:
            yield v
