"""Layer configs as plain dicts (no pickle), in Keras 3's layout; see ``config.py``."""

from __future__ import annotations

from ember.keras.saving.config import deserialize_layer as _deserialize
from ember.keras.saving.config import serialize_layer


def deserialize_layer(config, custom_objects=None, safe_mode=True):
    """The layer ``serialize_layer`` described (classes found by name, never imported)."""
    return _deserialize(config, custom_objects, safe_mode)


__all__ = ["serialize_layer", "deserialize_layer"]
