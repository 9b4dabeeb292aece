"""Layer configs as plain dicts (no pickle): ``{'class_name': 'Dense', 'config': {...}}``."""

from __future__ import annotations

from ember.keras import layers


def serialize_layer(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(config, custom_objects=None):
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or getattr(layers, name, None)
    if cls is None:
        raise ValueError(f"Unknown layer class '{name}'. Pass it in custom_objects.")
    cfg = dict(config.get("config", {}))
    cfg.pop("name", None)
    return cls.from_config(cfg)
