"""Objects as configs and back, in Keras 3's layout (no pickle, no code from the file).

Every object becomes ``{"module", "class_name", "config", "registered_name"}`` (layers add
``build_config``, models ``compile_config``), the dicts ``keras.saving.serialize_keras_object``
writes, so a config Ember writes loads in Keras 3 and the other way round.

Classes are found by name only: Ember's own (``keras.layers`` -> ``ember.keras.layers``,
...), ``custom_objects``, or those registered with ``register_keras_serializable``. A
module path in the file is never imported. A ``Lambda`` layer or a serialized Python
function is refused.

A layer serialises through its ``get_config()`` (its constructor's keyword arguments,
Keras's keys) and ``from_config(config)`` (default ``cls(**config)``); nested
initializers, regularizers and constraints are found in the config by their
``class_name`` and rebuilt as objects before ``from_config``.
"""

from __future__ import annotations

import contextlib
import inspect
import threading

from ember.keras.saving import object_registration as registry


class _SafeMode(threading.local):
    def __init__(self):
        self.value = True


_SAFE_MODE = _SafeMode()


def current_safe_mode() -> bool:
    """The ``safe_mode`` of the load running in this thread (True outside any load)."""
    return _SAFE_MODE.value


class SerializationError(ValueError):
    """A config that cannot be written or read: names the object and what is wrong."""


# Keys Keras 3 writes that Ember's classes do not take: dropped when they hold the value
# that means "not used" (anything else is an error naming the key, in ``_call_from_config``).
_KERAS_ONLY = {"quantization_config": (None,), "lora_rank": (None,), "lora_alpha": (None,),
               "ragged": (False,), "sparse": (False, None), "optional": (False,),
               "input_axes": (None,), "output_axes": (None,)}


def _namespaces():
    """Keras module prefix -> the Ember namespaces to look a class name up in."""
    from ember.keras import (
        activations,
        constraints,
        initializers,
        layers,
        losses,
        metrics,
        models,
        optimizers,
        regularizers,
    )
    from ember.keras.models.functional import Functional
    from ember.keras.optimizers import schedules
    extra = {"Functional": Functional, "Model": models.Model, "Sequential": models.Sequential}
    return {"keras.layers": [layers], "keras.models": [models, extra],
            "keras": [models, extra, layers], "keras.src.models.functional": [extra],
            "keras.optimizers": [optimizers], "keras.optimizers.schedules": [schedules],
            "keras.losses": [losses], "keras.metrics": [metrics],
            "keras.initializers": [initializers], "keras.regularizers": [regularizers],
            "keras.constraints": [constraints], "keras.activations": [activations]}


def _lookup(namespace, name):
    obj = namespace.get(name) if isinstance(namespace, dict) else getattr(namespace, name, None)
    return obj if inspect.isclass(obj) else None


# -- serialising -----------------------------------------------------------------------------
def _module_of(obj) -> tuple[str | None, str | None]:
    """(Keras module, registered name) for ``obj``'s class."""
    cls = obj if inspect.isclass(obj) else type(obj)
    if cls in registry._GLOBAL_CUSTOM_NAMES:
        return cls.__module__, registry._GLOBAL_CUSTOM_NAMES[cls]
    if cls.__module__.startswith("ember."):
        for module, spaces in _namespaces().items():
            if module == "keras":
                continue
            if any(_lookup(ns, cls.__name__) is cls for ns in spaces):
                if module == "keras.models" and cls.__name__ == "Sequential":
                    return "keras", None
                if cls.__name__ == "Functional":
                    return "keras.src.models.functional", "Functional"
                return module, None
    return cls.__module__, cls.__name__


def serialize_keras_object(obj):
    """``obj`` as JSON-ready data in Keras 3's layout.

    Layers and models, optimizers, losses, metrics, initializers, regularizers and
    constraints become ``{"module", "class_name", "config", "registered_name"}`` dicts;
    activation functions their names; plain data stays as it is.
    """
    from ember.keras import activations, losses, metrics
    from ember.keras.layers.layer import Layer
    from ember.keras.optimizers import Optimizer, schedules

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if hasattr(obj, "dtype") and hasattr(obj, "tolist") and getattr(obj, "ndim", 1) == 0:
        return obj.tolist()
    if isinstance(obj, Layer):
        return serialize_layer(obj)
    if isinstance(obj, losses.Loss):
        return losses.serialize(obj)
    if isinstance(obj, metrics.Metric):
        return metrics.serialize(obj)
    if isinstance(obj, schedules.LearningRateSchedule):
        module, registered = _module_of(obj)
        return {"module": "keras.optimizers.schedules" if registered is None else module,
                "class_name": type(obj).__name__, "config": obj.get_config(),
                "registered_name": registered}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        if obj.__name__ == "<lambda>":
            raise SerializationError("Cannot serialize a lambda: a model file holds data, not "
                                     "code. Use a named function registered with "
                                     "keras.saving.register_keras_serializable.")
        if obj in registry._GLOBAL_CUSTOM_NAMES:
            return {"module": obj.__module__, "class_name": "function",
                    "config": registry._GLOBAL_CUSTOM_NAMES[obj],
                    "registered_name": "function"}
        return activations.serialize(obj) if obj.__module__.startswith(
            "ember.keras.activations") else obj.__name__
    if hasattr(obj, "get_config"):
        module, registered = _module_of(obj)
        if isinstance(obj, Optimizer):
            module = "keras.optimizers" if registered is None else module
        return {"module": module, "class_name": type(obj).__name__,
                "config": _fill_modules(obj.get_config()), "registered_name": registered}
    raise SerializationError(f"Cannot serialize {obj!r} (of type {type(obj).__name__}): it has "
                             "no get_config().")


def _fill_modules(value):
    """Nested ``{"class_name", "config"}`` dicts (Ember's initializers etc.) get the
    ``module``/``registered_name`` keys Keras 3 expects."""
    if isinstance(value, dict):
        out = {k: _fill_modules(v) for k, v in value.items()}
        if "class_name" in out and "config" in out and "module" not in out:
            module = _module_for_class_name(out["class_name"])
            out = {"module": module, "class_name": out["class_name"], "config": out["config"],
                   "registered_name": None if module else out["class_name"],
                   **{k: v for k, v in out.items() if k not in ("class_name", "config")}}
        return out
    if isinstance(value, (list, tuple)):
        return [_fill_modules(v) for v in value]
    return serialize_keras_object(value) if not isinstance(
        value, (bool, int, float, str, type(None))) else value


def _module_for_class_name(name):
    for module in ("keras.initializers", "keras.regularizers", "keras.constraints",
                   "keras.optimizers.schedules", "keras.losses", "keras.metrics",
                   "keras.layers"):
        if any(_lookup(ns, name) for ns in _namespaces()[module]):
            return module
    return None


def _shape_list(shape):
    if shape is None:
        return None
    if isinstance(shape, dict):
        return {k: _shape_list(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [_shape_list(s) for s in shape]
    return [None if d is None else int(d) for d in shape]


def serialize_layer(layer) -> dict:
    """A layer (or model) as Keras 3 writes it, with ``build_config`` once built."""
    from ember.keras.models.functional import Functional
    from ember.keras.models.sequential import Sequential

    module, registered = _module_of(layer)
    if type(layer) in (Sequential, Functional):
        config = layer.get_config()  # Keras's graph layout (saving/graph_config.py)
    else:
        try:
            config = _layer_config(layer)
        except NotImplementedError as e:
            raise SerializationError(f"Layer '{layer.name}' ({type(layer).__name__}) cannot be "
                                     f"serialized: {e}") from None
        if not isinstance(config, dict):
            raise SerializationError(f"{type(layer).__name__}.get_config() must return a dict; "
                                     f"it returned {type(config).__name__}.")
        config = _fill_modules(config)
    out = {"module": module, "class_name": type(layer).__name__, "config": config,
           "registered_name": registered}
    build_config = _build_config(layer)
    if build_config is not None:
        out["build_config"] = build_config
    compile_config = getattr(layer, "_compile_config", None)
    if compile_config is not None and getattr(layer, "compiled", False):
        out["compile_config"] = serialize_compile_config(layer)
    return out


def _layer_config(layer) -> dict:
    """``layer.get_config()``; for a subclass that does not override it (the seed's
    ``CustomPerceptron(output_dim)``), its constructor arguments are read back from the
    attributes of the same names, as Keras 3 records them for such layers."""
    from ember.keras.layers.layer import Layer
    from ember.keras.models.model import Model

    config = layer.get_config()
    cls = type(layer)
    if cls.get_config not in (Layer.get_config, Model.get_config):
        return config
    params = [p for name, p in inspect.signature(cls.__init__).parameters.items()
              if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for p in params:
        if p.name in config:
            continue
        if p.name in layer.__dict__ and _plain(layer.__dict__[p.name]):
            config[p.name] = layer.__dict__[p.name]
        elif p.default is inspect.Parameter.empty:
            raise SerializationError(
                f"Layer '{layer.name}' ({cls.__name__}) cannot be serialized: its constructor "
                f"argument '{p.name}' is not kept as an attribute of that name. Define "
                "get_config() returning the constructor arguments.")
    if not any(p.kind == p.VAR_KEYWORD for p in inspect.signature(
            cls.__init__).parameters.values()):
        config = {k: v for k, v in config.items() if k in {p.name for p in params}}
    return config


def _plain(value):
    if isinstance(value, (bool, int, float, str, type(None))):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _build_config(layer):
    """Keras's ``build_config``: the layer's own ``get_build_config()`` when it has one,
    else ``{"input_shape": ...}`` for a built layer whose ``build`` takes one shape. A
    layer built from several shapes (``build(query_shape, value_shape)``) without its own
    ``get_build_config`` gets none: inside a model, its first call builds it."""
    if not layer.built or type(layer).__name__ == "InputLayer":
        return None
    own = getattr(layer, "get_build_config", None)
    if callable(own):
        return _fill_modules(own())
    shape = getattr(layer, "_build_shape", None)
    if shape is None:
        return None
    try:
        params = [p for p in inspect.signature(layer.build).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.default is inspect.Parameter.empty]
    except (TypeError, ValueError):
        params = []
    if len(params) > 1:  # Keras would call build(input_shape) alone and fail
        return None
    return {"input_shape": _shape_list(shape)}


def _apply_build_config(layer, build, label):
    """Builds ``layer`` as its ``build_config`` says (``input_shape`` or Keras's
    ``shapes_dict`` of named build arguments); a layer's own ``build_from_config`` wins."""
    own = getattr(layer, "build_from_config", None)
    if callable(own):
        own(build)
        return
    if build.get("input_shape") is not None:
        shape = _as_shape(build["input_shape"])
        layer.build(shape)
        layer.built = True
        layer._build_shape = shape
    elif isinstance(build.get("shapes_dict"), dict):
        shapes = {k: _as_shape(v) for k, v in build["shapes_dict"].items()}
        try:
            inspect.signature(layer.build).bind(**shapes)
        except TypeError:
            return  # built by its first call inside the model instead
        layer.build(**shapes)
        layer.built = True


def serialize_compile_config(model) -> dict:
    cc = model._compile_config
    return {"optimizer": serialize_keras_object(model.optimizer),
            "loss": serialize_keras_object(cc.get("loss")),
            "loss_weights": serialize_keras_object(cc.get("loss_weights")),
            "metrics": serialize_keras_object(cc.get("metrics")),
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1,
            "jit_compile": False}


# -- deserialising ---------------------------------------------------------------------------
def _resolve_class(config, custom_objects, where):
    class_name = config.get("class_name")
    module = config.get("module")
    registered = config.get("registered_name")
    if not isinstance(class_name, str):
        raise SerializationError(f"{where}: a serialized object needs a string 'class_name'; "
                                 f"received {class_name!r}.")
    for key in (registered, class_name):
        if isinstance(key, str):
            obj = registry.get_registered_object(key, custom_objects)
            if obj is not None:
                return obj
    spaces = _namespaces()
    if module is None or (isinstance(module, str) and module.startswith("keras")):
        candidates = spaces.get(module) or [ns for m in spaces.values() for ns in m]
        if isinstance(module, str) and module.startswith("keras.src.") and not spaces.get(
                module):
            candidates = [ns for m in spaces.values() for ns in m]
        for ns in candidates:
            cls = _lookup(ns, class_name)
            if cls is not None:
                return cls
    if class_name == "__lambda__":
        raise SerializationError(f"{where}: the file asks for a Python lambda (code); refused "
                                 "in safe mode (safe_mode=False loads it from a trusted file).")
    raise SerializationError(
        f"{where}: unknown class '{registered or class_name}' (module {module!r}). Ember has no "
        f"such class in this version; if it is your own, pass it in custom_objects= or "
        "decorate it with keras.saving.register_keras_serializable().")


def _clean_config(cls, config, where, safe_mode=None):
    """Drops the Keras-only keys that hold their 'unused' value; turns nested serialized
    objects (initializers, regularizers, constraints, dtype policies) into objects."""
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        params = {}
    out = {}
    for key, value in config.items():
        if key in _KERAS_ONLY and key not in params and value in _KERAS_ONLY[key]:
            continue
        out[key] = _nested(value, where, safe_mode)
    return out


def _load_lambda(config, where):
    """A Python lambda from Keras's ``__lambda__`` config (marshalled bytecode): only with
    ``safe_mode=False``, which says the file is trusted, since this runs its code."""
    import base64
    import marshal
    import types

    import ember
    from ember import keras
    code = config.get("code", config.get("value"))
    defaults, closure = config.get("defaults"), config.get("closure")
    if isinstance(code, (list, tuple)):
        code, defaults, closure = (list(code) + [None, None])[:3]
    try:
        function_code = marshal.loads(base64.b64decode(code))
        if not isinstance(function_code, types.CodeType):
            raise TypeError("not a code object")
        cells = tuple(types.CellType(v) for v in closure) if closure else None
        return types.FunctionType(function_code, {"keras": keras, "tf": ember,
                                                  "ops": getattr(keras, "ops", None)},
                                  None, tuple(defaults) if defaults else None, cells)
    except Exception as e:
        raise SerializationError(f"{where}: the lambda's bytecode cannot be loaded ({e}); it "
                                 "was probably written by another Python version.") from None


def _nested(value, where, safe_mode=None):
    if safe_mode is None:
        safe_mode = current_safe_mode()
    if isinstance(value, dict):
        name = value.get("class_name")
        if name in ("DTypePolicy", "FloatDTypePolicy") and isinstance(value.get("config"), dict):
            return value["config"].get("name", "float32")
        if name == "__lambda__":
            if safe_mode is False and isinstance(value.get("config"), dict):
                return _load_lambda(value["config"], where)
            raise SerializationError(f"{where}: the config holds a Python lambda (code). It is "
                                     "refused in safe mode; pass safe_mode=False to "
                                     "load_model only if you trust the file.")
        module = value.get("module")
        if isinstance(name, str) and "config" in value and module in (
                "keras.initializers", "keras.regularizers", "keras.constraints"):
            return deserialize_keras_object(value, where=where)
        if isinstance(name, str) and isinstance(value.get("config"), dict) and module == \
                "keras.layers":
            # A nested layer (Bidirectional's, TimeDistributed's, RNN's cell): its wrapper
            # builds it, from a config cleaned as a top-level layer's is.
            try:
                cls = _resolve_class(value, None, where)
            except SerializationError:
                cls = None
            if cls is not None:
                return {**value, "config": _clean_config(cls, value["config"],
                                                         f"{where}, nested {name}", safe_mode)}
        return {k: _nested(v, where, safe_mode) for k, v in value.items()}
    if isinstance(value, list):
        return [_nested(v, where, safe_mode) for v in value]
    return value


def deserialize_keras_object(config, custom_objects=None, safe_mode=None, where="config"):
    """The object ``config`` describes (``serialize_keras_object``'s inverse).

    Strings and plain data come back as they are; dicts with a ``class_name`` become
    instances through the class's ``from_config``.
    """
    if not isinstance(config, dict):
        return config
    if config.get("class_name") == "__keras_tensor__":
        raise SerializationError(f"{where}: a symbolic tensor outside a functional model config.")
    if config.get("class_name") == "function":
        name = config.get("config")
        obj = registry.get_registered_object(name, custom_objects) if isinstance(
            name, str) else None
        if obj is None:
            from ember.keras import activations
            try:
                return activations.get(name)
            except ValueError:
                raise SerializationError(f"{where}: unknown function {name!r}; register it with "
                                         "register_keras_serializable.") from None
        return obj
    cls = _resolve_class(config, custom_objects, where)
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise SerializationError(f"{where}: the 'config' of {config.get('class_name')} must be a "
                                 f"dict; received {type(inner).__name__}.")
    label = f"{where} ({config.get('class_name')}"
    label += f" '{inner['name']}')" if isinstance(inner.get("name"), str) else ")"
    from ember.keras.layers.layer import Layer
    if inspect.isclass(cls) and issubclass(cls, Layer):
        return deserialize_layer(config, custom_objects, safe_mode, where=where)
    if not hasattr(cls, "from_config"):
        if inspect.isclass(cls):
            return cls(**_clean_config(cls, inner, label))
        return cls
    return _call_from_config(cls, _clean_config(cls, inner, label, safe_mode), custom_objects,
                             label)


def _call_from_config(cls, config, custom_objects, label):
    try:
        params = inspect.signature(cls.from_config).parameters
        if "custom_objects" in params:
            return cls.from_config(config, custom_objects=custom_objects)
        return cls.from_config(config)
    except SerializationError:
        raise
    except (TypeError, ValueError, KeyError) as e:
        raise SerializationError(f"{label}: cannot be rebuilt from its config: {e}") from None


def deserialize_layer(config, custom_objects=None, safe_mode=None, where="config"):
    """A layer or model from ``serialize_layer``'s output, built as ``build_config`` says."""
    from ember.keras.models.functional import Functional
    from ember.keras.models.sequential import Sequential

    cls = _resolve_class(config, custom_objects, where)
    inner = config.get("config")
    if not isinstance(inner, dict):
        raise SerializationError(f"{where}: the 'config' of {config.get('class_name')} must be a "
                                 "dict.")
    name = inner.get("name")
    label = f"{where}: layer '{name}' ({config.get('class_name')})"
    if cls is Sequential or (issubclass(cls, Functional) and "layers" in inner
                             and "input_layers" in inner):
        with _safe_mode_scope(safe_mode):
            layer = cls.from_config(inner, custom_objects=custom_objects)
    else:
        layer = _call_from_config(cls, _clean_config(cls, inner, label, safe_mode),
                                  custom_objects, label)
    build = config.get("build_config")
    if isinstance(build, dict) and not layer.built:
        try:
            _apply_build_config(layer, build, label)
        except Exception as e:
            raise SerializationError(f"{label}: cannot be built as its build_config {build} "
                                     f"says: {e}") from None
    compile_config = config.get("compile_config")
    if isinstance(compile_config, dict) and hasattr(layer, "compile"):
        compile_from_config(layer, compile_config, custom_objects, label)
    return layer


@contextlib.contextmanager
def _safe_mode_scope(safe_mode):
    saved = _SAFE_MODE.value
    _SAFE_MODE.value = safe_mode is not False and saved
    try:
        yield
    finally:
        _SAFE_MODE.value = saved


def _as_shape(shape):
    if isinstance(shape, dict):
        return {k: _as_shape(v) for k, v in shape.items()}
    if isinstance(shape, list) and shape and isinstance(shape[0], list):
        return [_as_shape(s) for s in shape]
    return tuple(shape)


def _compile_value(value, custom_objects, label):
    if isinstance(value, dict) and "class_name" in value:
        if value.get("class_name") == "function":
            return value.get("config")
        return deserialize_keras_object(value, custom_objects, where=label)
    if isinstance(value, dict):
        return {k: _compile_value(v, custom_objects, label) for k, v in value.items()}
    if isinstance(value, list):
        return [_compile_value(v, custom_objects, label) for v in value]
    return value


def compile_from_config(model, config, custom_objects, label):
    """``model.compile`` with the settings of a ``compile_config``."""
    optimizer = config.get("optimizer")
    optimizer = "rmsprop" if optimizer is None else _compile_value(optimizer, custom_objects,
                                                                   label)
    try:
        model.compile(optimizer=optimizer,
                      loss=_compile_value(config.get("loss"), custom_objects, label),
                      loss_weights=config.get("loss_weights"),
                      metrics=_compile_value(config.get("metrics"), custom_objects, label))
    except SerializationError:
        raise
    except (TypeError, ValueError) as e:
        raise SerializationError(f"{label}: its compile_config cannot be applied: {e}") from None
