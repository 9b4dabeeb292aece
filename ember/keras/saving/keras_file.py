"""Whole models in Keras 3's ``.keras`` format: ``model.save('m.keras')``, ``load_model``.

The file is a zip, as Keras 3 writes it (stored, not compressed):

- ``metadata.json``: ``{"keras_version": ..., "date_saved": ...}``;
- ``config.json``: the model's config (``config.serialize_layer``), with its
  ``build_config`` and ``compile_config``;
- ``model.weights.h5``: every variable at its Keras 3 path (``state_tree``), the
  optimizer's state included, so training continues where it stopped;
- ``assets/<path>/...``: what a layer's ``save_assets(dir)`` writes (an adapted
  vocabulary's ``vocabulary.txt``), read back by its ``load_assets(dir)``.

Loading never runs code from the file (classes are found by name; see ``config``), reads
the weights through ``safe_read`` and checks every shape before assigning anything. Any
problem raises one ``ModelFileError`` naming the file.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from ember.atomic import atomic_path
from ember.keras.saving import state_tree
from ember.keras.saving.config import SerializationError, deserialize_layer, serialize_layer
from ember.keras.saving.safe_read import ModelFileError, read_h5
from ember.tensor import as_array

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
ASSETS = "assets"
MAX_ASSETS_BYTES = 1 << 30
# Keras 3 version the files claim to come from (the layout Ember writes is 3.x's).
KERAS_VERSION = "3.15.1"
MAX_JSON_BYTES = 64 << 20


def save_keras(model, filepath, overwrite=True, include_optimizer=True):
    """Writes ``model`` to ``filepath`` (a ``.keras`` zip), atomically."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"A whole-model file must end in `.keras`. Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet, so it has no weights to save: "
                         "call it on data, fit it, or build it with an input shape first.")
    config = serialize_layer(model)
    if not include_optimizer:
        config.pop("compile_config", None)
    config_json = json.dumps(config)
    metadata = json.dumps({"keras_version": KERAS_VERSION, "date_saved":
                           datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                           "ember": True})
    weights = _weights_h5(model, include_optimizer)
    assets = _collect_assets(model)
    os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
    with atomic_path(filepath) as tmp, open(tmp, "wb") as fh, \
            zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(METADATA, metadata)
        zf.writestr(CONFIG, config_json)
        zf.writestr(WEIGHTS, weights)
        for name, data in assets:
            zf.writestr(name, data)


def _collect_assets(model) -> list:
    """``(archive name, bytes)`` of what each object's ``save_assets(dir)`` writes (Keras 3's
    hook: a lookup layer's ``vocabulary.txt``), under ``assets/<its path>/`` as Keras 3
    lays them out."""
    out = []
    for path, obj, _ in state_tree.walk(model, include_optimizer=False):
        if not callable(getattr(obj, "save_assets", None)):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            obj.save_assets(tmp)
            for folder, _dirs, files in os.walk(tmp):
                for f in sorted(files):
                    full = os.path.join(folder, f)
                    rel = os.path.relpath(full, tmp).replace(os.sep, "/")
                    with open(full, "rb") as fh:
                        out.append((f"{ASSETS}/{path}/{rel}" if path else f"{ASSETS}/{rel}",
                                    fh.read()))
    return out


def _load_assets(model, assets, filepath):
    """Hands each object with ``load_assets(dir)`` the files stored under its path, in a
    temporary folder (names checked: nothing is written outside it)."""
    for path, obj, _ in state_tree.walk(model, include_optimizer=False):
        if not callable(getattr(obj, "load_assets", None)):
            continue
        prefix = f"{ASSETS}/{path}/" if path else f"{ASSETS}/"
        mine = {name[len(prefix):]: data for name, data in assets.items()
                if name.startswith(prefix)}
        if not mine:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            for rel, data in mine.items():
                parts = rel.split("/")
                if any(p in ("", ".", "..") for p in parts) or "\\" in rel:
                    raise ModelFileError(f"{filepath}: asset '{prefix}{rel}' has an unsafe name.")
                target = os.path.join(tmp, *parts)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(data)
            try:
                obj.load_assets(tmp)
            except Exception as e:
                raise ModelFileError(f"{filepath}: the assets of layer '{obj.name}' "
                                     f"({prefix}) cannot be loaded ({type(e).__name__}: "
                                     f"{e}).") from None


def write_h5_entries(f, entries, extras=()):
    """Writes ``state_tree.entries`` (and ``state_tree.saved_arrays``) into an open h5py
    File, as Keras 3's H5IOStore."""
    for path, name, variables in entries:
        group = f.require_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = name
        for i, v in enumerate(variables):
            group.create_dataset(str(i), data=np.array(as_array(v)))
    for path, _, arrays in extras:
        group = f.require_group(f"{path}/vars" if path else "vars")
        for key, array in arrays.items():
            if array is not None:
                group.create_dataset(key, data=np.asarray(array))


def _weights_h5(model, include_optimizer):
    try:
        import h5py
    except ImportError:
        raise ImportError("Writing .keras files needs h5py: pip install 'ember[h5]'.") from None
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_h5_entries(f, state_tree.entries(model, include_optimizer=include_optimizer),
                         state_tree.saved_arrays(model))
    return buf.getvalue()


def _read_member(zf, name, filepath, limit):
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ModelFileError(f"{filepath}: the archive has no {name}; it is not a .keras model "
                             f"file (it holds {zf.namelist()[:5]}).") from None
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ModelFileError(f"{filepath}: {name} uses compression method {info.compress_type}; "
                             "only stored and deflate are read.")
    if info.file_size > limit or (info.file_size > (1 << 20)
                                  and info.file_size > 1000 * max(info.compress_size, 1)):
        raise ModelFileError(f"{filepath}: {name} declares {info.file_size} bytes from "
                             f"{info.compress_size} stored; damaged or crafted.")
    try:
        data = zf.read(info)
    except Exception as e:
        raise ModelFileError(f"{filepath}: {name} is damaged ({type(e).__name__}: {e}).") from None
    if len(data) != info.file_size:
        raise ModelFileError(f"{filepath}: {name} is truncated.")
    return data


def read_keras_archive(filepath, with_assets=False):
    """(config dict, {weight path: array}) from a ``.keras`` file, checked; with
    ``with_assets``, also ``{archive name: bytes}`` of the files under ``assets/``."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No model file at {filepath}.")
    try:
        zf = zipfile.ZipFile(filepath)
    except Exception as e:
        raise ModelFileError(f"{filepath}: not a .keras model file (not a readable zip archive: "
                             f"{type(e).__name__}: {e}).") from None
    with zf:
        raw = _read_member(zf, CONFIG, filepath, MAX_JSON_BYTES)
        try:
            config = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise ModelFileError(f"{filepath}: {CONFIG} is not valid JSON ({e}).") from None
        if not isinstance(config, dict):
            raise ModelFileError(f"{filepath}: {CONFIG} must hold a JSON object.")
        names = zf.namelist()
        if WEIGHTS in names:
            weights = read_h5(io.BytesIO(_read_member(zf, WEIGHTS, filepath, 1 << 36)),
                              f"{filepath}:{WEIGHTS}")
        elif "model.weights.npz" in names:
            from ember.keras.saving.safe_read import read_npz
            weights = read_npz(io.BytesIO(_read_member(zf, "model.weights.npz", filepath,
                                                       1 << 36)), f"{filepath}:model.weights.npz")
        else:
            raise ModelFileError(f"{filepath}: the archive has no {WEIGHTS}.")
        if not with_assets:
            return config, weights
        assets, total = {}, 0
        for name in names:
            if name.startswith(f"{ASSETS}/") and not name.endswith("/"):
                assets[name] = _read_member(zf, name, filepath, MAX_ASSETS_BYTES - total)
                total += len(assets[name])
    return config, weights, assets


def load_keras(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in ``filepath``, with its weights, compile settings and optimizer."""
    filepath = os.fspath(filepath)
    config, weights, assets = read_keras_archive(filepath, with_assets=True)
    if not compile:
        config = {**config, "compile_config": None}
    try:
        model = deserialize_layer(config, custom_objects, safe_mode, where=filepath)
    except SerializationError as e:
        raise ModelFileError(str(e) if str(e).startswith(filepath) else f"{filepath}: {e}") \
            from None
    except RecursionError:
        raise ModelFileError(f"{filepath}: the config nests too deeply.") from None
    except Exception as e:  # a damaged config can fail anywhere in a layer's constructor
        raise ModelFileError(f"{filepath}: the model cannot be rebuilt from its config "
                             f"({type(e).__name__}: {e}).") from None
    if getattr(model, "optimizer", None) is not None and model.built:
        build_optimizer(model.optimizer, model)
    assign_entries(model, weights, filepath, include_optimizer=compile)
    _load_assets(model, assets, filepath)
    return model


def build_optimizer(optimizer, model):
    """Creates the optimizer's slots for the model's variables (as the first update would),
    so saved optimizer state has somewhere to go."""
    variables = model.trainable_variables
    if not variables:
        return
    first = not optimizer._state
    optimizer.build(variables)
    if first:
        optimizer._consolidate(variables)


def assign_entries(model, stored, filepath, include_optimizer=True, skip_mismatch=False):
    """Assigns ``stored`` (``{path: array}``) to the model's variables at their Keras 3 paths.

    Every shape and dtype is checked before the first assignment, so a load that fails
    leaves the model as it was. Optimizer state whose variable count differs is skipped
    with a warning, as Keras does.
    """
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and not optimizer.built and model.built \
            and "optimizer/vars/2" in stored:
        build_optimizer(optimizer, model)  # the file has slots: give them somewhere to go
    plan = []
    missing = []
    for path, name, variables in state_tree.entries(model, include_optimizer=include_optimizer):
        prefix = f"{path}/vars" if path else "vars"
        is_optimizer = path == "optimizer" and getattr(model, "optimizer", None) is not None
        if is_optimizer:
            count = sum(1 for k in stored if k.startswith(prefix + "/") and
                        "/" not in k[len(prefix) + 1:])
            if count != len(variables):
                if count:
                    warnings.warn(f"{filepath}: skipping the optimizer state: the file holds "
                                  f"{count} optimizer variables, the optimizer has "
                                  f"{len(variables)}.", stacklevel=3)
                continue
        for i, v in enumerate(variables):
            key = f"{prefix}/{i}"
            if key not in stored:
                missing.append((key, name))
                continue
            arr = stored[key]
            current = as_array(v)
            if arr.shape != current.shape:
                if skip_mismatch:
                    continue
                raise ModelFileError(
                    f"{filepath}: weight {i} of layer '{name}' ({key}, variable "
                    f"'{getattr(v, 'name', '?')}') has shape {arr.shape} in the file, but the "
                    f"model's variable has shape {current.shape}.")
            if current.dtype.kind == "f" and arr.dtype.kind not in "fiub" or (
                    current.dtype.kind in "iu" and arr.dtype.kind not in "iub"):
                raise ModelFileError(f"{filepath}: {key} holds {arr.dtype} data for a "
                                     f"{current.dtype} variable.")
            plan.append((v, arr))
    restores = []
    for path, obj, arrays in state_tree.saved_arrays(model):
        prefix = f"{path}/vars" if path else "vars"
        found = {key: stored[f"{prefix}/{key}"] for key in arrays if f"{prefix}/{key}" in stored}
        for key, arr in found.items():
            if arr.ndim != 1 or arr.dtype.kind not in "fiu":
                raise ModelFileError(f"{filepath}: {prefix}/{key} of layer '{obj.name}' must "
                                     f"be a 1-D numeric array; it is {arr.dtype} of shape "
                                     f"{arr.shape}.")
        if found:
            restores.append((obj, found))
    if missing and not skip_mismatch:
        keys = ", ".join(f"'{k}' (layer '{n}')" for k, n in missing[:5])
        raise ModelFileError(f"{filepath} does not match model '{model.name}': it has no "
                             f"{keys}{' ...' if len(missing) > 5 else ''}. The file holds "
                             f"{sorted(stored)[:8]}.")
    for v, arr in plan:
        v.assign(arr.astype(as_array(v).dtype, copy=False))
    for obj, found in restores:
        obj._restore_arrays(found)

