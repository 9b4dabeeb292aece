"""Optimizers (``tf.keras.optimizers``): turn gradients into in-place weight updates.

``model.compile(optimizer="adam")`` resolves the name with ``get``; every optimizer
takes Keras 3's arguments and defaults, and ``schedules`` holds the learning-rate
schedules.
"""

import difflib

from ember.keras.optimizers import legacy, schedules  # noqa: F401  (legacy: Keras 2 names)
from ember.keras.optimizers.adadelta import Adadelta
from ember.keras.optimizers.adagrad import Adagrad
from ember.keras.optimizers.adam import Adam
from ember.keras.optimizers.adamax import Adamax
from ember.keras.optimizers.adamw import AdamW
from ember.keras.optimizers.lion import Lion
from ember.keras.optimizers.nadam import Nadam
from ember.keras.optimizers.optimizer import Optimizer
from ember.keras.optimizers.rmsprop import RMSprop
from ember.keras.optimizers.schedules import LearningRateSchedule
from ember.keras.optimizers.sgd import SGD

ALL_OBJECTS = (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion)
# Names are matched case-insensitively: 'adam', 'Adam', 'RMSprop', 'rmsprop' all work.
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer) -> dict:
    """The optimizer's configuration as a JSON-ready dict in Keras 3's layout.

    ``{"module": "keras.optimizers", "class_name": "Adam", "config": {...},
    "registered_name": None}``; no state (slots) is included.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"serialize() expects an Optimizer. Received: {optimizer!r}")
    cls = type(optimizer)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__.lower()) is cls
    return {"module": "keras.optimizers" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": optimizer.get_config(),
            "registered_name": None if builtin else cls.__name__}


def _unknown(identifier, known):
    names = sorted(known)
    close = difflib.get_close_matches(str(identifier).lower(), names, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return ValueError(f"Could not interpret optimizer identifier: {identifier!r}.{hint} "
                      f"Known optimizers: {', '.join(repr(n) for n in names)}.")


def deserialize(config, custom_objects=None):
    """An optimizer from ``serialize``'s output (``{"class_name": ..., "config": ...}``).

    Args:
        config: the dict; built-in class names match case-insensitively.
        custom_objects: ``{name: class}`` for optimizers defined outside Ember.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("A serialized optimizer is a dict with 'class_name' and 'config'. "
                         f"Received: {config!r}")
    name = config["class_name"]
    custom = custom_objects or {}
    cls = custom.get(name) or custom.get(config.get("registered_name") or "")
    if cls is None:
        cls = ALL_OBJECTS_DICT.get(str(name).lower())
    if cls is None:
        raise _unknown(name, ALL_OBJECTS_DICT)
    cfg = dict(config.get("config") or {})
    if isinstance(cfg.get("learning_rate"), dict):
        cfg["learning_rate"] = schedules.deserialize(cfg["learning_rate"], custom_objects)
    return cls.from_config(cfg)


def get(identifier):
    """An optimizer from a name ('adam'), a class, a config dict or an instance.

    A name or class gives a new instance with the defaults; an instance is returned
    as it is. An unknown name raises ValueError with the closest known name.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier.lower())
        if cls is None:
            raise _unknown(identifier, ALL_OBJECTS_DICT)
        return cls()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Pass an "
                     "optimizer name such as 'adam', an Optimizer instance or class, or a "
                     "config dict.")


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "Lion", "LearningRateSchedule", "schedules", "get", "serialize",
           "deserialize"]
