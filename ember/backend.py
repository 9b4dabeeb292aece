"""The array backend: NumPy, float32 by default, and how the process allocates memory.

``floatx()`` is the default float type. ``tune_allocator()`` runs once at import: on
Linux with glibc, arrays above 128 KiB (a 784x128 float32 gradient is 392 KiB) are by
default mmapped fresh and unmapped on free, so every training step pays page faults for
its largest temporaries: measured, a 784x128 matmul took 222 µs with a fresh result and
100 µs into a reused buffer. Raising the mmap threshold to 32 MiB lets those arrays be
recycled from the heap; arrays above it (whole data sets) are still returned to the OS
at once. Set ``EMBER_MALLOC_TUNING=0`` to leave the allocator alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_FLOATX = "float32"
_tuned = False

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def floatx() -> str:
    return _FLOATX


def set_floatx(value: str):
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r}. Expected 'float16', 'float32' or "
                         "'float64'.")
    _FLOATX = value


def tune_allocator() -> bool:
    """Keeps freed arrays below 32 MiB in the heap for reuse (glibc only); True if applied."""
    global _tuned
    if _tuned or os.environ.get("EMBER_MALLOC_TUNING", "1") == "0":
        return _tuned
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc (musl, ...): nothing to tune
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = mallopt(_M_MMAP_THRESHOLD, 32 << 20) == 1
    ok = mallopt(_M_TRIM_THRESHOLD, 128 << 20) == 1 and ok
    _tuned = ok
    return ok
