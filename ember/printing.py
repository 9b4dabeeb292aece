"""``tf.print``: prints tensors by value, formatted as TensorFlow prints them.

float32 values show 6 significant digits when that reads back exactly, else 9
(``0.1``, ``0.123456791``, ``2``, ``1e-05``; float64: 15, else 17), booleans ``1``/``0``,
string tensors in double quotes; a dimension longer than ``2 * summarize`` shows its first
and last ``summarize`` entries around ``...``. Output goes to standard error by default,
as in TF.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Mapping

import numpy as np

from ember.tensor import Tensor, as_array


def _element(v) -> str:
    if isinstance(v, (bytes, np.bytes_)):
        return '"' + bytes(v).decode("utf-8", "replace") + '"'
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (np.float32, np.float16)):
        return _shortest(v, np.float32, 6, 9)
    if isinstance(v, (float, np.floating)):
        return _shortest(v, np.float64, 15, 17)
    return str(v)


def _shortest(v, kind, short, full) -> str:
    # TF's FloatToBuffer: the short form when it reads back as the same number, else the full.
    text = format(float(v), f".{short}g")
    return text if kind(text) == kind(v) else format(float(v), f".{full}g")


def format_tensor(value, summarize: int = 3) -> str:
    """The text ``tf.print`` writes for one array or tensor."""
    a = np.asarray(as_array(value) if isinstance(value, Tensor) else value)
    return _format(a, summarize, 0)


def _format(a: np.ndarray, summarize: int, depth: int) -> str:
    if a.ndim == 0:
        return _element(a[()])
    n = a.shape[0]
    if summarize is not None and summarize >= 0 and n > 2 * summarize:
        index = [*range(summarize), None, *range(n - summarize, n)]
    else:
        index = list(range(n))
    parts = ["..." if i is None else _format(a[i, ...], summarize, depth + 1) for i in index]
    if a.ndim == 1:
        return "[" + " ".join(parts) + "]"
    return "[" + ("\n" + " " * (depth + 1)).join(parts) + "]"


def _format_structure(x, summarize) -> str:
    if isinstance(x, Tensor):
        return format_tensor(x, summarize)
    if isinstance(x, Mapping):
        return "{" + ", ".join(f"{k!r}: {_format_structure(v, summarize)}"
                               for k, v in x.items()) + "}"
    if isinstance(x, list):
        return "[" + ", ".join(_format_structure(v, summarize) for v in x) + "]"
    if isinstance(x, tuple):
        inner = ", ".join(_format_structure(v, summarize) for v in x)
        return "(" + inner + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, np.ndarray):
        return format_tensor(x, summarize)
    if isinstance(x, float):
        return _shortest(x, np.float64, 15, 17)
    return str(x)


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """Prints ``inputs`` (tensors, Python values, nested lists/dicts of them) as TF does.

    Args:
        output_stream: ``sys.stderr`` (default), ``sys.stdout``, a file-like object, or a
            ``'file://path'`` string to append to.
        summarize: entries shown at each end of a long dimension; ``None`` or -1: all.
        sep, end: as for Python's ``print``.
    """
    text = sep.join(x if isinstance(x, str) else _format_structure(x, summarize)
                    for x in inputs) + end
    stream = sys.stderr if output_stream is None else output_stream
    if isinstance(stream, str):
        if not stream.startswith("file://"):
            raise ValueError("tf.print: output_stream must be sys.stdout, sys.stderr, a file "
                             f"object or 'file://<path>'; received {stream!r}.")
        with open(stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
        return
    builtins.print(text, end="", file=stream, flush=True)
