"""``tf.device``: Ember computes on the CPU, so the context only checks the name it is given.

TensorFlow places an op on a device that does not exist (``/GPU:0`` on a machine without
one) on the CPU instead, because soft device placement is on by default; Ember does the
same and warns once, naming the device. With ``tf.config.set_soft_device_placement(False)``
such a device is an error, as in TF. A name that is not a device spec is a ``ValueError``.
"""

from __future__ import annotations

import re
import warnings

from ember.errors import InvalidArgumentError

CPU = "/job:localhost/replica:0/task:0/device:CPU:0"
_STATE = {"soft_placement": True, "warned": set()}

_KINDS = ("CPU", "GPU", "TPU")
_PART = re.compile(r"^(job:\w+|replica:\d+|task:\d+|device:(\w+):(\d+|\*)|(\w+):(\d+|\*)|(\w+))$")


def set_soft_device_placement(enabled: bool) -> None:
    """``tf.config.set_soft_device_placement``: False makes a missing device an error."""
    _STATE["soft_placement"] = bool(enabled)


def get_soft_device_placement() -> bool:
    return _STATE["soft_placement"]


def parse(spec: str) -> tuple[str | None, int | None]:
    """``'/job:localhost/device:GPU:0'`` -> ``('GPU', 0)``; ``''`` -> ``(None, None)``.

    Raises ValueError, in TF's words, for a part that is not a device spec attribute.
    """
    if not isinstance(spec, str):
        raise TypeError(f"tf.device expects a device name string; received {spec!r}.")
    kind, index = None, None
    for part in [p for p in spec.strip().split("/") if p]:
        m = _PART.match(part)
        name = m and (m.group(2) or m.group(4) or m.group(6))
        if not m or (name is not None and name.upper() not in _KINDS):
            bad = part.split(":")[0] if not (m and m.group(2)) else name
            raise ValueError(f"Unknown attribute '{bad}' is encountered while parsing the "
                             f"device spec: '{spec}'.")
        if name is not None:
            kind = name.upper()
            number = m.group(3) or m.group(5)
            index = None if number in (None, "*") else int(number)
    return kind, index


class device:
    """Context manager naming the device ops inside should run on (Ember: always the CPU).

    Args:
        device_name: a TF device spec such as ``'/CPU:0'``, ``'/device:GPU:0'`` or ``''``.
    """

    def __init__(self, device_name):
        if callable(device_name):
            raise ValueError("tf.device does not support functions (device functions) in "
                             "eager mode; pass a device name such as '/CPU:0'.")
        self.name = device_name or ""
        kind, index = parse(self.name)
        if kind is not None and (kind != "CPU" or index not in (None, 0)):
            where = f"{kind}:{'0' if index is None else index}"
            if not _STATE["soft_placement"]:
                raise InvalidArgumentError(
                    f"Could not satisfy device specification '{self.name}': Ember runs on the "
                    f"CPU only and this machine has no {where} (available: {CPU}). Soft "
                    "device placement is off (tf.config.set_soft_device_placement(False)).")
            if where not in _STATE["warned"]:
                _STATE["warned"].add(where)
                warnings.warn(f"tf.device('{self.name}'): this machine has no {where} for "
                              f"Ember; ops run on {CPU} instead (TensorFlow's soft device "
                              "placement does the same).", stacklevel=2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
