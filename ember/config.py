"""``tf.config``: the devices Ember sees (one CPU) and the BLAS thread count.

Ember computes with NumPy on the CPU; the BLAS library under NumPy does the heavy math on
its own threads. ``tf.config.threading.set_intra_op_parallelism_threads(n)`` limits those
threads: through Ember's BLAS thread policy (``ember/threads.py``) where this Ember has it,
else directly through ``threadpoolctl`` (the optional ``threads`` extra:
``pip install ember[threads]``); without threadpoolctl the call warns that the thread count
stays as it is. Memory growth and visible-device settings are accepted and recorded: a CPU has
nothing to configure.
"""

from __future__ import annotations

import types
import warnings
from typing import NamedTuple

from ember.device import get_soft_device_placement, set_soft_device_placement  # noqa: F401
from ember.function import functions_run_eagerly, run_functions_eagerly  # noqa: F401

_KINDS = ("CPU", "GPU", "TPU")


class PhysicalDevice(NamedTuple):
    """A device of the machine, as ``tf.config.list_physical_devices`` lists it."""

    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    """A device ops can be placed on, as ``tf.config.list_logical_devices`` lists it."""

    name: str
    device_type: str


_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")
_STATE = {"visible": [_CPU], "memory_growth": {}, "intra": 0, "inter": 0, "limiter": None,
          "deterministic": False}


def _kind(device_type):
    if device_type is None:
        return None
    kind = str(device_type).upper()
    if kind not in _KINDS:
        raise ValueError(f"device_type must be one of {list(_KINDS)} or None; "
                         f"received {device_type!r}.")
    return kind


def list_physical_devices(device_type=None) -> list:
    """The machine's devices of ``device_type`` ('CPU', 'GPU', ...; None: all): one CPU."""
    kind = _kind(device_type)
    return [d for d in [_CPU] if kind is None or d.device_type == kind]


def list_logical_devices(device_type=None) -> list:
    """The visible devices of ``device_type`` as ops see them: ``/device:CPU:0``."""
    kind = _kind(device_type)
    return [LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in _STATE["visible"] if kind is None or d.device_type == kind]


def get_visible_devices(device_type=None) -> list:
    kind = _kind(device_type)
    return [d for d in _STATE["visible"] if kind is None or d.device_type == kind]


def set_visible_devices(devices, device_type=None) -> None:
    """Accepts the CPU (always visible, as in TF) plus any subset of the devices listed."""
    devices = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    for d in devices:
        if d not in list_physical_devices():
            raise ValueError(f"Unrecognized device: {d!r}; this machine has "
                             f"{list_physical_devices()}.")
    _STATE["visible"] = [_CPU]


def _set_memory_growth(device, enable) -> None:
    if not isinstance(device, PhysicalDevice) or device not in list_physical_devices():
        raise ValueError(f"Unrecognized device: {device!r}; pass one of "
                         f"tf.config.list_physical_devices() = {list_physical_devices()}.")
    _STATE["memory_growth"][device.name] = bool(enable)


def _get_memory_growth(device) -> bool:
    return _STATE["memory_growth"].get(getattr(device, "name", device), False)


def _enable_op_determinism() -> None:
    # Ember's ops are deterministic on the CPU except that a mid-sized matmul may take two
    # BLAS threads (ember/threads.py), which changes its last bits: keep those on one.
    _STATE["deterministic"] = True
    from ember import threads
    threads.set_deterministic(True)


experimental = types.SimpleNamespace(
    list_physical_devices=list_physical_devices,
    list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices,
    set_visible_devices=set_visible_devices,
    set_memory_growth=_set_memory_growth,
    get_memory_growth=_get_memory_growth,
    enable_op_determinism=_enable_op_determinism,
)


def _thread_policy():
    """``ember.threads`` (the speed work's BLAS thread policy) when this Ember has it."""
    try:
        from ember import threads
    except ImportError:
        return None
    return threads


def _set_intra(num_threads: int) -> None:
    n = int(num_threads)
    if n < 0:
        raise ValueError(f"num_threads must be >= 0 (0: the system's choice); received {n}.")
    policy = _thread_policy()
    if policy is not None:  # one owner of the BLAS threads: the policy caps large matmuls
        policy.set_blas_threads(n)
        _STATE["intra"] = n
        return
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        warnings.warn("tf.config.threading.set_intra_op_parallelism_threads needs threadpoolctl "
                      "(pip install ember[threads]) to limit the BLAS threads; without it the "
                      "BLAS keeps its own thread count.", stacklevel=2)
        _STATE["intra"] = n
        return
    if _STATE["limiter"] is not None:
        _STATE["limiter"].restore_original_limits()
        _STATE["limiter"] = None
    if n > 0:
        _STATE["limiter"] = ThreadpoolController().limit(limits=n, user_api="blas")
    _STATE["intra"] = n


def _set_inter(num_threads: int) -> None:
    # Ember runs one op at a time, so there is no pool of independent ops to size.
    _STATE["inter"] = int(num_threads)


def blas_threads() -> int | None:
    """The BLAS libraries' current thread count (None without threadpoolctl)."""
    policy = _thread_policy()
    if policy is not None:
        return policy.blas_threads() or None
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(counts) if counts else None


threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=_set_intra,
    get_intra_op_parallelism_threads=lambda: _STATE["intra"],
    set_inter_op_parallelism_threads=_set_inter,
    get_inter_op_parallelism_threads=lambda: _STATE["inter"],
)
