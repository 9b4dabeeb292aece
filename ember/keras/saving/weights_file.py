"""Weights files: ``model.save_weights('w.weights.h5')`` / ``load_weights``.

``.weights.h5`` (needs h5py, the ``h5`` extra) stores each variable at the path Keras 3
gives it (``layers/dense/vars/0``, ``optimizer/vars/0``; see ``state_tree``), so the file
loads in Keras 3 and Keras 3's files load here; ``.weights.npz`` stores the same keys in
a NumPy archive and needs nothing extra.

Files are written atomically (``ember.atomic``). Reading goes through ``safe_read`` (no
pickle, no links or external storage, sizes checked before allocating) and every shape
is checked before the first assignment, so a failed load leaves the model as it was.
"""

from __future__ import annotations

import io
import os

import numpy as np

from ember.atomic import atomic_path
from ember.keras.saving import state_tree
from ember.keras.saving.safe_read import read_h5, read_npz
from ember.tensor import as_array


def _check_name(filepath):
    if not filepath.endswith((".weights.h5", ".weights.npz")):
        raise ValueError("The filename must end in `.weights.h5` (or `.weights.npz`, which "
                         f"needs no h5py). Received: filepath={filepath}")


def save_weights(model, filepath, overwrite=True):
    """Writes every variable of ``model`` (and of its optimizer) to ``filepath``."""
    filepath = os.fspath(filepath)
    _check_name(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    entries = state_tree.entries(model)
    os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
    if filepath.endswith(".h5"):
        try:
            import h5py
        except ImportError:
            raise ImportError("Writing .weights.h5 files needs h5py: pip install "
                              "'ember[h5]' — or save to a .weights.npz file.") from None
        from ember.keras.saving.keras_file import write_h5_entries
        buf = io.BytesIO()
        with h5py.File(buf, "w") as f:
            write_h5_entries(f, entries, state_tree.saved_arrays(model))
        data = buf.getvalue()
    else:
        arrays = {}
        for path, _, variables in entries:
            for i, v in enumerate(variables):
                arrays[f"{path}/vars/{i}" if path else f"vars/{i}"] = np.array(as_array(v))
        for path, _, extra in state_tree.saved_arrays(model):
            for key, array in extra.items():
                if array is not None:
                    arrays[f"{path}/vars/{key}" if path else f"vars/{key}"] = np.asarray(array)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        data = buf.getvalue()
    with atomic_path(filepath) as tmp, open(tmp, "wb") as f:
        f.write(data)


def read_weights(filepath) -> dict:
    """``{path: array}`` from a weights file, through the safe readers."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at {filepath}.")
    if filepath.endswith(".h5"):
        return read_h5(filepath, filepath)
    return read_npz(filepath, filepath)


def load_weights(model, filepath, skip_mismatch=False):
    """Assigns the weights stored in ``filepath``; all shapes are checked first."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        from ember.keras.saving.keras_file import read_keras_archive
        _, stored = read_keras_archive(filepath)
    elif filepath.endswith((".h5", ".npz")):
        stored = read_weights(filepath)
    else:
        raise ValueError("load_weights reads `.weights.h5`, `.weights.npz` and `.keras` files. "
                         f"Received: filepath={filepath}")
    from ember.keras.saving.keras_file import assign_entries
    assign_entries(model, stored, filepath, skip_mismatch=skip_mismatch)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """``model.save``: a ``.keras`` model file, or a weights file for ``.weights.h5/.npz``."""
    if filepath.endswith((".weights.h5", ".weights.npz")):
        return save_weights(model, filepath, overwrite=overwrite)
    if filepath.endswith(".keras"):
        from ember.keras.saving.keras_file import save_keras
        return save_keras(model, filepath, overwrite=overwrite,
                          include_optimizer=include_optimizer)
    raise ValueError(f"Cannot save the model to {filepath!r}: Ember writes `.keras` model files "
                     "and `.weights.h5` / `.weights.npz` weights files (not legacy .h5 models or "
                     "SavedModel folders). Use a filename ending in `.keras`.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """``keras.models.load_model`` for ``.keras`` files (Keras 3's format)."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        from ember.keras.saving.keras_file import load_keras
        return load_keras(filepath, custom_objects=custom_objects, compile=compile,
                          safe_mode=safe_mode)
    raise ValueError(f"Cannot load {filepath!r} as a whole model: Ember reads `.keras` model "
                     "files. For a `.weights.h5` / `.weights.npz` file, rebuild the model in code "
                     "and call model.load_weights().")
