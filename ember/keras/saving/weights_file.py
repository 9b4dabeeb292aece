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

# Keras 2 wrote weights to any ``.h5`` name, and for a name without a suffix wrote a
# TensorFlow checkpoint at that prefix, recorded as the folder's latest (course code reloads
# it with ``model.load_weights(tf.train.latest_checkpoint(folder))``). Ember keeps both
# idioms: ``.h5`` names get the Keras 3 layout, and a bare prefix gets Ember's checkpoint
# (``ember.train``: an .npz and a JSON index, not TensorFlow's format).
_FILE_SUFFIXES = (".h5", ".hdf5", ".npz", ".keras")


def _is_checkpoint_prefix(filepath) -> bool:
    return not filepath.endswith(_FILE_SUFFIXES)


def _check_name(filepath):
    if filepath.endswith(".keras"):
        raise ValueError("save_weights writes weights files (`.weights.h5`, `.weights.npz`); "
                         "a `.keras` file holds a whole model: use model.save(). Received: "
                         f"filepath={filepath}")


def save_weights(model, filepath, overwrite=True):
    """Writes every variable of ``model`` (and of its optimizer) to ``filepath``."""
    filepath = os.fspath(filepath)
    _check_name(filepath)
    if _is_checkpoint_prefix(filepath):
        _save_checkpoint(model, filepath, overwrite)
        return
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    entries = state_tree.entries(model)
    os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
    if filepath.endswith((".h5", ".hdf5")):
        try:
            import h5py
        except ImportError:
            raise ImportError("Writing .weights.h5 files needs h5py: pip install "
                              "'ember[h5]' — or save to a .weights.npz file.") from None
        from ember.keras.saving.keras_file import write_h5_entries
        buf = io.BytesIO()
        with h5py.File(buf, "w") as f:
            write_h5_entries(f, entries)
        data = buf.getvalue()
    else:
        arrays = {}
        for path, _, variables in entries:
            for i, v in enumerate(variables):
                arrays[f"{path}/vars/{i}" if path else f"vars/{i}"] = np.array(as_array(v))
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        data = buf.getvalue()
    with atomic_path(filepath) as tmp, open(tmp, "wb") as f:
        f.write(data)


def _save_checkpoint(model, prefix, overwrite):
    from ember.train.checkpoint import Checkpoint, _write_state
    if not overwrite and os.path.exists(prefix + ".npz"):
        raise FileExistsError(f"{prefix} exists and overwrite=False.")
    Checkpoint(model=model).write(prefix)
    _write_state(os.path.dirname(os.path.abspath(prefix)), prefix, [prefix])


def _load_checkpoint(model, prefix):
    from ember.train.checkpoint import Checkpoint
    if not os.path.exists(prefix + ".npz"):
        raise FileNotFoundError(
            f"No weights at {prefix}: expected a file ending in `.weights.h5`, `.weights.npz` "
            f"or `.keras`, or a checkpoint prefix that save_weights wrote ({prefix}.npz).")
    if not model.built:
        raise ValueError(f"Cannot load the checkpoint {prefix} into model '{model.name}': it "
                         "has no weights yet. Build it first (call it on a batch, or "
                         "model.build(input_shape)).")
    Checkpoint(model=model).restore(prefix)


def read_weights(filepath) -> dict:
    """``{path: array}`` from a weights file, through the safe readers."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at {filepath}.")
    if filepath.endswith((".h5", ".hdf5")):
        return read_h5(filepath, filepath)
    return read_npz(filepath, filepath)


def load_weights(model, filepath, skip_mismatch=False):
    """Assigns the weights stored in ``filepath``; all shapes are checked first."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        from ember.keras.saving.keras_file import read_keras_archive
        _, stored = read_keras_archive(filepath)
    elif filepath.endswith((".h5", ".hdf5", ".npz")):
        stored = read_weights(filepath)
    else:
        _load_checkpoint(model, filepath)
        return
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
