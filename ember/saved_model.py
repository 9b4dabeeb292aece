"""``tf.saved_model.save`` / ``load`` in Ember's own format (not TensorFlow's SavedModel).

TensorFlow's SavedModel stores traced graphs; Ember has none, and never stores code (no
pickle). Ember's export directory holds data only::

    export_dir/
      ember_saved_model.json   what was saved: format name and version, the object's class
                               and name, one entry per variable (npz key, name, trainable,
                               shape, dtype, the attribute path it was reached by), and for a
                               Keras Sequential model its layer configs
      variables.npz            one array per variable, keys var_0, var_1, ... (NumPy's npz,
                               read with allow_pickle=False)

``load`` returns an object holding the saved variables (``variables``,
``trainable_variables``, and each variable again under the attribute path it had, e.g.
``loaded.w`` or ``loaded.dense.kernel``). A saved Keras ``Sequential`` model is rebuilt
from its layer configs, so the loaded object also runs ``predict`` and ``__call__``.
Functions of a ``tf.Module`` are Python code and are not saved: calling them on the loaded
object raises an error saying so.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ember.atomic import atomic_path
from ember.errors import NotFoundError
from ember.tensor import Variable, as_array

FORMAT = "ember.saved_model"
FORMAT_VERSION = 1
DESCRIPTION = "ember_saved_model.json"
VARIABLES = "variables.npz"


def _attribute_paths(obj) -> dict:
    """id(variable) -> first attribute path reaching it (``'dense.kernel'``, ``'ws[0]'``)."""
    paths: dict = {}
    seen = {id(obj)}
    stack = [(obj, "")]
    while stack:
        node, prefix = stack.pop(0)
        attrs = vars(node) if hasattr(node, "__dict__") else {}
        for key in sorted(attrs):
            if key.startswith("_") and key not in ("_layers",):
                continue
            _walk(attrs[key], f"{prefix}{key}", paths, seen, stack)
    return paths


def _walk(value, path, paths, seen, stack):
    if isinstance(value, Variable):
        paths.setdefault(id(value), path)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _walk(v, f"{path}[{i}]", paths, seen, stack)
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            _walk(value[k], f"{path}[{k!r}]", paths, seen, stack)
    elif (hasattr(value, "__dict__") and not isinstance(value, type) and id(value) not in seen
          and (hasattr(value, "variables") or hasattr(value, "weights"))):
        seen.add(id(value))
        stack.append((value, path + "."))


def _variables(obj) -> list:
    for attr in ("weights", "variables"):
        if hasattr(obj, attr):
            return list(getattr(obj, attr))
    raise TypeError(f"tf.saved_model.save expects a tf.Module or a Keras model; received "
                    f"{type(obj).__name__}.")


def save(obj, export_dir, signatures=None, options=None) -> None:
    """Writes ``obj``'s variables (and a Keras Sequential model's layer configs).

    Args:
        obj: a ``tf.Module`` or a Keras model (built, so that its weights exist).
        export_dir: the directory to write (created; files in it are replaced).
        signatures, options: accepted; Ember saves no functions.
    """
    variables = _variables(obj)
    paths = _attribute_paths(obj)
    entries, arrays = [], {}
    for i, v in enumerate(variables):
        key = f"var_{i}"
        arrays[key] = np.array(as_array(v))
        entries.append({"key": key, "name": v.name, "trainable": bool(v.trainable),
                        "shape": list(arrays[key].shape), "dtype": str(arrays[key].dtype),
                        "attribute": paths.get(id(v))})
    description = {"format": FORMAT, "format_version": FORMAT_VERSION,
                   "class_name": type(obj).__name__, "name": getattr(obj, "name", None),
                   "variables": entries, "keras_config": _keras_config(obj)}
    os.makedirs(export_dir, exist_ok=True)
    with atomic_path(os.path.join(export_dir, VARIABLES), suffix=".npz") as tmp, \
            open(tmp, "wb") as f:
        np.savez(f, **arrays)
    with atomic_path(os.path.join(export_dir, DESCRIPTION)) as tmp, \
            open(tmp, "w", encoding="utf-8") as f:
        json.dump(description, f, indent=1)


def _keras_config(obj):
    if type(obj).__name__ != "Sequential" or not hasattr(obj, "get_config"):
        return None
    if not getattr(obj, "built", False):
        raise ValueError(f"tf.saved_model.save: Sequential model '{obj.name}' is not built yet, "
                         "so it has no weights to save. Call it on data (or build it) first.")
    return obj.get_config()


def load(export_dir, tags=None, options=None):
    """Reads a directory written by ``save``; see this module's docstring for what returns."""
    export_dir = os.fspath(export_dir)
    desc_path = os.path.join(export_dir, DESCRIPTION)
    if not os.path.exists(desc_path):
        if os.path.exists(os.path.join(export_dir, "saved_model.pb")):
            raise ValueError(f"{export_dir!r} is a TensorFlow SavedModel (saved_model.pb); Ember "
                             "reads only its own format, written by ember's "
                             "tf.saved_model.save. Export the weights from TensorFlow "
                             "(model.save_weights('w.weights.h5')) and load them into the "
                             "same model built with Ember.")
        raise NotFoundError(f"SavedModel file does not exist at: {export_dir!r} (Ember looks for "
                            f"{DESCRIPTION} and {VARIABLES}).")
    try:
        with open(desc_path, encoding="utf-8") as f:
            description = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"{desc_path!r} is not a readable Ember SavedModel description: "
                         f"{e}") from None
    if description.get("format") != FORMAT or description.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{desc_path!r} is not an Ember SavedModel of format version "
                         f"{FORMAT_VERSION} (found format={description.get('format')!r}, "
                         f"version={description.get('format_version')!r}).")
    try:
        with np.load(os.path.join(export_dir, VARIABLES), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read the variables of {export_dir!r}: {e}") from None
    variables = []
    for entry in description["variables"]:
        if entry["key"] not in arrays:
            raise ValueError(f"{export_dir!r}: variable {entry['name']!r} ({entry['key']}) is "
                             f"missing from {VARIABLES}; the export is incomplete.")
        name = entry["name"][:-2] if entry["name"].endswith(":0") else entry["name"]
        variables.append(Variable(arrays[entry["key"]], trainable=entry["trainable"], name=name))
    model = None
    if description.get("keras_config") is not None:
        model = _rebuild_sequential(description["keras_config"], variables, export_dir)
    return LoadedObject(description, variables, model)


def _rebuild_sequential(config, variables, export_dir):
    from ember.keras.models import Sequential
    from ember.keras.saving.serialization import deserialize_layer
    model = Sequential([deserialize_layer(c) for c in config["layers"]],
                       name=config.get("name"))
    if config.get("build_input_shape") is not None:
        model.build(tuple(config["build_input_shape"]))
    weights = model.weights
    if len(weights) != len(variables):
        raise ValueError(f"{export_dir!r}: the rebuilt Sequential model has {len(weights)} "
                         f"weights but the export holds {len(variables)}.")
    for w, v in zip(weights, variables):
        w.assign(v)
    return model


class LoadedObject:
    """What ``tf.saved_model.load`` returns: the saved variables, by list and by attribute."""

    def __init__(self, description, variables, model=None):
        self._description = description
        self._model = model
        own = model.weights if model is not None else variables
        self._variables = tuple(own)
        for entry, v in zip(description["variables"], own):
            if entry.get("attribute"):
                _set_path(self, entry["attribute"], v)

    @property
    def variables(self) -> tuple:
        return self._variables

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self._variables if v.trainable)

    @property
    def non_trainable_variables(self) -> tuple:
        return tuple(v for v in self._variables if not v.trainable)

    @property
    def name(self):
        return self._description.get("name")

    @property
    def model(self):
        """The rebuilt Keras model (Sequential exports only; else None)."""
        return self._model

    def _need_model(self, what):
        if self._model is None:
            raise TypeError(
                f"This Ember SavedModel ({self._description['class_name']}) holds variables "
                f"only: {what} needs the object's Python code, which Ember does not save. "
                "Rebuild the object in code and assign these variables to its own.")
        return self._model

    def predict(self, x, **kwargs):
        return self._need_model("predict").predict(x, **kwargs)

    def __call__(self, *args, **kwargs):
        return self._need_model("calling it")(*args, **kwargs)

    def __repr__(self):
        return (f"<Ember SavedModel {self._description['class_name']} '{self.name}', "
                f"{len(self._variables)} variables>")


class _Attributes:
    """A namespace standing for a saved sub-object (``loaded.dense.kernel``, ``loaded.ws[0]``)."""

    def __getitem__(self, key):
        return self.__dict__[str(key)]

    def __repr__(self):
        return f"<saved attributes {sorted(vars(self))}>"


def _set_path(root, path, value):
    # Paths look like "dense.kernel" or "ws[0]"; list items become attributes named "ws_0".
    parts = path.replace("[", ".").replace("]", "").replace("'", "").split(".")
    parts = [p for p in parts if p]
    node = root
    for p in parts[:-1]:
        nxt = getattr(node, p, None) if p.isidentifier() else node.__dict__.get(p)
        if nxt is None:
            nxt = _Attributes()
            node.__dict__[p] = nxt
        node = nxt
    if parts[-1] not in ("variables", "trainable_variables", "non_trainable_variables", "name",
                         "model", "predict"):
        node.__dict__.setdefault(parts[-1], value)
