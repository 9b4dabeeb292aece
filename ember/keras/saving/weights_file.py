"""Weights files: ``model.save_weights('w.weights.h5')`` / ``load_weights``.

``.weights.h5`` (needs h5py, the ``h5`` extra) stores each layer's variables under
``layers/<layer name>/vars/<index>``, the layout Keras 3 uses; ``.weights.npz`` stores the
same keys in a NumPy archive and needs nothing extra. Files are written to a temporary
name and renamed, so a crash never leaves half a file; loading never unpickles.
"""

from __future__ import annotations

import os

import numpy as np

from ember.atomic import atomic_path
from ember.keras.naming import to_snake_case
from ember.tensor import as_array


def _entries(model):
    """(key, variable) for every weight, grouped by the layer that owns it.

    Layers are keyed by position, as Keras 3 does ('dense', 'dense_1', ... counted within
    this model), not by their global names: a freshly built copy of the model, whose layers
    got other auto-names, loads the file.
    """
    out, seen, counts = [], set(), {}
    for layer in model._flatten_layers(include_self=False):
        base = to_snake_case(type(layer).__name__)
        n = counts.get(base, 0)
        counts[base] = n + 1
        key = base if n == 0 else f"{base}_{n}"
        own, _ = layer._collect()
        for i, v in enumerate(own):
            if id(v) not in seen:
                seen.add(id(v))
                out.append((f"layers/{key}/vars/{i}", v))
    own, _ = model._collect()
    for i, v in enumerate(own):
        if id(v) not in seen:
            seen.add(id(v))
            out.append((f"vars/{i}", v))
    return out


def save_weights(model, filepath, overwrite=True):
    if not (filepath.endswith((".weights.h5", ".weights.npz"))):
        raise ValueError("The filename must end in `.weights.h5` (or `.weights.npz`, which "
                         f"needs no h5py). Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    entries = _entries(model)
    os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
    if filepath.endswith(".h5"):
        try:
            import h5py
        except ImportError:
            raise ImportError("Writing .weights.h5 files needs h5py: pip install "
                              "'ember[h5]' — or save to a .weights.npz file.") from None
        with atomic_path(filepath) as tmp, h5py.File(tmp, "w") as f:
            for key, v in entries:
                f.create_dataset(key, data=as_array(v))
    else:
        with atomic_path(filepath) as tmp, open(tmp, "wb") as f:
            np.savez(f, **{k: as_array(v) for k, v in entries})


def _read(filepath):
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at {filepath}.")
    try:
        if filepath.endswith(".h5"):
            import h5py
            out = {}
            with h5py.File(filepath, "r") as f:
                f.visititems(lambda name, obj: out.__setitem__(name, obj[()])
                             if isinstance(obj, h5py.Dataset) else None)
            return out
        with np.load(filepath, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(f"Could not read weights from {filepath}: the file is corrupted or not "
                         f"a weights file ({e}).") from None


def load_weights(model, filepath, skip_mismatch=False):
    stored = _read(filepath)
    entries = _entries(model)
    missing = [k for k, _ in entries if k not in stored]
    if missing and not skip_mismatch:
        raise ValueError(f"Weights file {filepath} does not match model '{model.name}': it has "
                         f"no entry for {missing[:5]} (file holds {sorted(stored)[:8]}...).")
    for key, v in entries:
        if key not in stored:
            continue
        arr = stored[key]
        current = as_array(v)
        if arr.shape != current.shape:
            if skip_mismatch:
                continue
            raise ValueError(f"Shape mismatch in {filepath} for '{key}': the model's weight has "
                             f"shape {current.shape}, the file has {arr.shape}.")
        v.assign(arr.astype(current.dtype))


SUPPORTED = "weights files (.weights.h5, .weights.npz)"


def save_model(model, filepath, overwrite=True):
    """``model.save``: writes a weights file; whole-model files are not supported yet."""
    if filepath.endswith((".weights.h5", ".weights.npz")):
        return save_weights(model, filepath, overwrite=overwrite)
    raise ValueError(f"Cannot save the whole model to {filepath!r}: Ember writes only {SUPPORTED} "
                     "so far, not .keras or .h5 model files. Use model.save_weights() with a "
                     ".weights.h5 filename, or ModelCheckpoint(..., save_weights_only=True).")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """``keras.models.load_model``: whole-model files are not supported yet; always raises."""
    raise ValueError(f"Cannot load {filepath!r} as a whole model: Ember reads only {SUPPORTED} "
                     "so far, not .keras or .h5 model files. Rebuild the model in code and call "
                     "model.load_weights() on its weights file.")
