"""Training checkpoints as TF's tutorials use them::

    checkpoint = tf.train.Checkpoint(generator=generator, optimizer=generator_optimizer)
    checkpoint.save(file_prefix=os.path.join(checkpoint_dir, "ckpt"))   # -> ".../ckpt-1"
    checkpoint.restore(tf.train.latest_checkpoint(checkpoint_dir))

Tracked objects are layers and models (every variable, at its Keras 3 path), optimizers
(iterations, learning rate and slots), Variables, and nested Checkpoints.

Ember's format, not TensorFlow's: ``<prefix>-<n>.npz`` holds the arrays (read back
without pickle, through ``keras.saving.safe_read``), ``<prefix>-<n>.index.json`` says
what the file holds, and the folder's ``checkpoint`` file names the latest checkpoint
in TF's text form (``model_checkpoint_path: "ckpt-3"``). TensorFlow cannot read these
files, nor Ember TensorFlow's.

An optimizer that has no slots yet (it has not taken a step) gets its saved slots when
it creates them, on its first step, as TF restores "deferred" variables.
"""

from __future__ import annotations

import io
import json
import os
import re

import numpy as np

from ember.atomic import write_bytes
from ember.tensor import Variable, as_array

FORMAT = "ember-checkpoint-1"
STATE_FILE = "checkpoint"


class CheckpointError(ValueError):
    """A checkpoint that cannot be written or read; the message names the file."""


def _is_optimizer(obj):
    from ember.keras.optimizers import Optimizer
    return isinstance(obj, Optimizer)


def _is_layer(obj):
    from ember.keras.layers.layer import Layer
    return isinstance(obj, Layer)


def _is_module(obj):
    from ember.module import Module
    return isinstance(obj, Module) and not _is_layer(obj)


def _arrays_of(name, obj, out):
    """Adds ``{key: array}`` for ``obj``'s state under ``name``."""
    if isinstance(obj, Checkpoint):
        for child, value in obj._objects.items():
            _arrays_of(f"{name}/{child}", value, out)
    elif _is_layer(obj):
        from ember.keras.saving import state_tree
        for path, _, variables in state_tree.entries(obj, include_optimizer=False):
            for i, v in enumerate(variables):
                out[f"{name}/{path}/vars/{i}" if path else f"{name}/vars/{i}"] = \
                    np.array(as_array(v))
    elif _is_optimizer(obj) or _is_module(obj):
        # A tf.Module's state is its ``variables``, in their deterministic order.
        for i, v in enumerate(obj.variables):
            out[f"{name}/vars/{i}"] = np.array(as_array(v))
    elif isinstance(obj, Variable):
        out[name] = np.array(as_array(obj))
    else:
        raise CheckpointError(f"Checkpoint: cannot track '{name}' ({type(obj).__name__}); it "
                              "tracks layers, models, optimizers, Variables and Checkpoints.")


class CheckpointLoadStatus:
    """What ``restore`` did: ``assert_consumed`` checks every saved value found a place."""

    def __init__(self, path, unused, deferred):
        self.path, self.unused, self.deferred = path, unused, deferred

    def assert_consumed(self):
        waiting = [name for name, opt in self.deferred if "build" in opt.__dict__]
        if self.unused or waiting:
            raise AssertionError(f"Checkpoint {self.path}: unused values {self.unused[:8]}, "
                                 f"optimizers still waiting for their slots: {waiting}.")
        return self

    def assert_existing_objects_matched(self):
        if self.unused:
            raise AssertionError(f"Checkpoint {self.path}: values matched no object: "
                                 f"{self.unused[:8]}.")
        return self

    def expect_partial(self):
        return self

    def assert_nontrivial_match(self):
        return self


class Checkpoint:
    """Groups objects to save and restore together: ``Checkpoint(model=m, optimizer=opt)``.

    Args:
        root: an object tracked as 'root' (TF's positional argument).
        **kwargs: name -> layer, model, optimizer, Variable or Checkpoint.
    """

    def __init__(self, root=None, **kwargs):
        objects = dict(kwargs)
        if root is not None:
            objects["root"] = root
        for name, obj in objects.items():
            if not (isinstance(obj, (Checkpoint, Variable)) or _is_layer(obj)
                    or _is_optimizer(obj) or _is_module(obj)):
                raise CheckpointError(f"Checkpoint: cannot track '{name}' "
                                      f"({type(obj).__name__}); it tracks layers, models, "
                                      "optimizers, tf.Modules, Variables and Checkpoints.")
        self._objects = objects
        self.save_counter = Variable(np.array(0, dtype=np.int64), trainable=False,
                                     name="save_counter")

    def __getattr__(self, name):
        objects = self.__dict__.get("_objects", {})
        if name in objects:
            return objects[name]
        raise AttributeError(f"'Checkpoint' object has no attribute '{name}'")

    def _collect(self):
        out = {}
        for name, obj in self._objects.items():
            if _is_layer(obj) and not obj.built:
                raise CheckpointError(f"Checkpoint: layer/model '{name}' has no weights yet; "
                                      "build it (call it on data) before saving.")
            _arrays_of(name, obj, out)
        out["save_counter"] = np.array(as_array(self.save_counter))
        return out

    def write(self, file_prefix) -> str:
        """Writes the checkpoint to ``file_prefix`` (no numbering); returns it."""
        file_prefix = os.fspath(file_prefix)
        arrays = self._collect()
        os.makedirs(os.path.dirname(os.path.abspath(file_prefix)) or ".", exist_ok=True)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        write_bytes(file_prefix + ".npz", buf.getvalue())
        index = {"format": FORMAT, "keys": sorted(arrays),
                 "note": "Ember's checkpoint format; not readable by TensorFlow."}
        write_bytes(file_prefix + ".index.json", json.dumps(index, indent=1).encode())
        return file_prefix

    def save(self, file_prefix) -> str:
        """Writes ``<file_prefix>-<n>`` (n = ``save_counter`` + 1) and records it as the
        folder's latest checkpoint; returns that path."""
        file_prefix = os.fspath(file_prefix)
        self.save_counter.assign_add(1)
        path = self.write(f"{file_prefix}-{int(as_array(self.save_counter))}")
        directory = os.path.dirname(os.path.abspath(path))
        state = get_checkpoint_state(directory)
        paths = [p for p in (state or {}).get("all", []) if p != path] + [path]
        _write_state(directory, path, paths)
        return path

    def read(self, save_path):
        return self.restore(save_path)

    def restore(self, save_path):
        """Restores the values saved at ``save_path`` (``save``'s return value, or
        ``latest_checkpoint(dir)``). ``None`` restores nothing, as TF does."""
        if save_path is None:
            return CheckpointLoadStatus(None, [], [])
        save_path = os.fspath(save_path)
        stored = _read_checkpoint(save_path)
        data = save_path + ".npz"  # named in errors
        plan, deferred = [], []
        used = {"save_counter"}
        for name, obj in self._objects.items():
            self._plan(name, obj, stored, data, plan, deferred, used)
        for target, value in plan:  # every shape checked before the first assignment
            target.assign(value)
        if "save_counter" in stored:
            self.save_counter.assign(stored["save_counter"].astype(np.int64))
        unused = sorted(k for k in stored if k not in used)
        return CheckpointLoadStatus(save_path, unused, deferred)

    def _plan(self, name, obj, stored, data, plan, deferred, used):
        if isinstance(obj, Checkpoint):
            for child, value in obj._objects.items():
                obj._plan(f"{name}/{child}", value, stored, data, plan, deferred, used)
            return
        if _is_optimizer(obj):
            keys = _numbered(stored, f"{name}/vars/")
            used.update(keys)
            variables = obj.variables
            if len(keys) > len(variables) and not obj.built:
                head = len(variables)
                deferred.append((name, obj))
                _defer(obj, [stored[k] for k in keys[head:]], data, name)
                keys = keys[:head]
            elif len(keys) != len(variables):
                raise CheckpointError(f"{data}: optimizer '{name}' has {len(variables)} "
                                      f"variables, the checkpoint {len(keys)}.")
            for k, v in zip(keys, variables):
                plan.append((v, _checked(stored[k], v, k, data)))
            return
        expected = {}
        _arrays_of(name, obj, expected)
        targets = _targets(name, obj)
        for key in expected:
            if key not in stored:
                raise CheckpointError(f"{data} has no value for '{key}'.")
            used.add(key)
            plan.append((targets[key], _checked(stored[key], targets[key], key, data)))


def _targets(name, obj):
    if isinstance(obj, Variable):
        return {name: obj}
    if _is_module(obj):
        return {f"{name}/vars/{i}": v for i, v in enumerate(obj.variables)}
    from ember.keras.saving import state_tree
    out = {}
    for path, _, variables in state_tree.entries(obj, include_optimizer=False):
        for i, v in enumerate(variables):
            out[f"{name}/{path}/vars/{i}" if path else f"{name}/vars/{i}"] = v
    return out


def _numbered(stored, prefix):
    keys = [k for k in stored if k.startswith(prefix) and k[len(prefix):].isdigit()]
    return sorted(keys, key=lambda k: int(k[len(prefix):]))


def _checked(value, variable, key, data):
    shape = as_array(variable).shape
    if value.shape != shape:
        raise CheckpointError(f"{data}: '{key}' has shape {value.shape}, the variable "
                              f"{shape}.")
    return value.astype(as_array(variable).dtype, copy=False)


def _defer(optimizer, slots, data, name):
    """Assigns ``slots`` when the optimizer creates its slots (its first ``build``)."""
    original = type(optimizer).build

    def build(var_list):
        original(optimizer, var_list)
        mine = optimizer.variables[len(optimizer.variables) - len(optimizer._slot_variables):]
        if len(mine) == len(slots) and all(
                as_array(v).shape == s.shape for v, s in zip(mine, slots)):
            for v, s in zip(mine, slots):
                v.assign(s)
        else:
            import warnings
            warnings.warn(f"{data}: the saved slots of optimizer '{name}' do not fit the "
                          "variables it was built for; they were not restored.", stacklevel=2)
        del optimizer.build  # back to the class's method

    optimizer.build = build


def list_variables(ckpt_dir_or_file):
    """(key, shape) of every value in a checkpoint (a path as ``save`` returns, or a
    folder, whose latest checkpoint is read), sorted by key, as ``tf.train.list_variables``
    lists them (the keys are Ember's, not TensorFlow's)."""
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise CheckpointError(f"No checkpoint found in folder {path}.")
        path = latest
    stored = _read_checkpoint(path)
    return [(k, list(stored[k].shape)) for k in sorted(stored)]


def load_variable(ckpt_dir_or_file, name):
    """The stored value of ``name`` (a key from ``list_variables``) as a NumPy array."""
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        path = latest_checkpoint(path) or path
    from ember.keras.saving.safe_read import read_npz
    stored = read_npz(path + ".npz", path + ".npz")
    if name not in stored:
        raise CheckpointError(f"Checkpoint {path} has no value '{name}'.")
    return stored[name]


def _write_state(directory, latest, paths):
    lines = [f'model_checkpoint_path: "{os.path.basename(latest)}"']
    lines += [f'all_model_checkpoint_paths: "{os.path.basename(p)}"' for p in paths]
    write_bytes(os.path.join(directory, STATE_FILE), ("\n".join(lines) + "\n").encode())


_LINE = re.compile(r'^(model_checkpoint_path|all_model_checkpoint_paths):\s*"(.*)"\s*$')


def get_checkpoint_state(checkpoint_dir):
    """``{"latest": path, "all": [paths]}`` from the folder's ``checkpoint`` file, or None."""
    path = os.path.join(os.fspath(checkpoint_dir), STATE_FILE)
    if not os.path.exists(path):
        return None
    latest, every = None, []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = _LINE.match(line.strip())
                if not m:
                    continue
                value = m.group(2)
                full = value if os.path.isabs(value) else os.path.join(
                    os.fspath(checkpoint_dir), value)
                if m.group(1) == "model_checkpoint_path":
                    latest = full
                else:
                    every.append(full)
    except (OSError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: cannot be read ({e}).") from None
    return {"latest": latest, "all": every}


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The path of the newest checkpoint saved in ``checkpoint_dir``, or None."""
    state = get_checkpoint_state(checkpoint_dir)
    if not state or not state["latest"] or not os.path.exists(state["latest"] + ".npz"):
        return None
    return state["latest"]


class CheckpointManager:
    """Numbers checkpoints in ``directory`` and keeps the newest ``max_to_keep``."""

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None):
        if max_to_keep is not None and max_to_keep < 1:
            raise ValueError(f"max_to_keep must be a positive integer or None. Received: "
                             f"max_to_keep={max_to_keep}")
        self._checkpoint = checkpoint
        self.directory = os.fspath(directory)
        self.max_to_keep = max_to_keep
        self._prefix = os.path.join(self.directory, checkpoint_name)
        state = get_checkpoint_state(self.directory)
        self._kept = [p for p in (state or {}).get("all", []) if os.path.exists(p + ".npz")]

    @property
    def checkpoints(self) -> list:
        return list(self._kept)

    @property
    def latest_checkpoint(self):
        return self._kept[-1] if self._kept else None

    @property
    def checkpoint(self):
        return self._checkpoint

    def save(self, checkpoint_number=None, check_interval=True) -> str:
        """Saves ``<directory>/ckpt-<n>`` and deletes the oldest beyond ``max_to_keep``."""
        os.makedirs(self.directory, exist_ok=True)
        if checkpoint_number is None:
            self._checkpoint.save_counter.assign_add(1)
            number = int(as_array(self._checkpoint.save_counter))
        else:
            number = int(as_array(checkpoint_number) if not isinstance(checkpoint_number, int)
                         else checkpoint_number)
        path = self._checkpoint.write(f"{self._prefix}-{number}")
        self._kept = [p for p in self._kept if p != path] + [path]
        if self.max_to_keep is not None:
            while len(self._kept) > self.max_to_keep:
                old = self._kept.pop(0)
                for ext in (".npz", ".index.json"):
                    if os.path.exists(old + ext):
                        os.remove(old + ext)
        _write_state(self.directory, path, self._kept)
        return path

    def restore_or_initialize(self):
        if self.latest_checkpoint:
            self._checkpoint.restore(self.latest_checkpoint)
            return self.latest_checkpoint
        return None


def _read_checkpoint(path: str) -> dict:
    """The arrays saved at ``path`` (its ``.npz``), read without pickle."""
    data = path + ".npz"
    if not os.path.exists(data):
        raise CheckpointError(f"No checkpoint at {path} (expected {data}).")
    from ember.keras.saving.safe_read import ModelFileError, read_npz
    try:
        return read_npz(data, data)
    except ModelFileError as e:
        raise CheckpointError(str(e)) from None
