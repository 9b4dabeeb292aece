"""Keras's global settings: ``epsilon()``, ``floatx()``, ``image_data_format()``.

``keras.backend`` (and, in Keras 3, ``keras.config``) exposes these functions; the losses,
metrics and layers read them from here, so that none of them needs the Keras-2 shim.
"""

from __future__ import annotations

from dataclasses import dataclass

from ember import dtypes

_FLOATS = ("float16", "float32", "float64")
_DATA_FORMATS = ("channels_last", "channels_first")


@dataclass
class Settings:
    """The process-wide values, with Keras's defaults."""

    epsilon: float = 1e-7
    floatx: str = "float32"
    image_data_format: str = "channels_last"


SETTINGS = Settings()


def epsilon() -> float:
    """The fuzz factor used to keep logs and divisions finite (default 1e-7)."""
    return SETTINGS.epsilon


def set_epsilon(value: float) -> None:
    """Sets the fuzz factor returned by ``epsilon()``."""
    SETTINGS.epsilon = float(value)


def floatx() -> str:
    """The default float type as a string (default 'float32')."""
    return SETTINGS.floatx


def set_floatx(value) -> None:
    """Sets the default float type: 'float16', 'float32' or 'float64'."""
    name = value if isinstance(value, str) else dtypes.as_dtype(value).name
    if name not in _FLOATS:
        raise ValueError(f"Unknown `floatx` value: {value!r}. Expected one of {list(_FLOATS)}.")
    SETTINGS.floatx = name


def image_data_format() -> str:
    """'channels_last' (default, images are (H, W, C)) or 'channels_first'."""
    return SETTINGS.image_data_format


def set_image_data_format(data_format: str) -> None:
    """Sets the image data format: 'channels_last' or 'channels_first'."""
    if data_format not in _DATA_FORMATS:
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: data_format={data_format!r}")
    SETTINGS.image_data_format = data_format
