"""``tf.strings``: elementwise string ops on string tensors (object arrays of ``bytes``).

Results are string tensors of the input's shape, except ``split`` / ``unicode_split``,
which give a 1-D tensor for one string and a ``tf.RaggedTensor`` for a vector of them, and
``length`` / ``to_number``, which give numbers. A non-string input is an
``InvalidArgumentError`` naming the op, as in TF.
"""

from __future__ import annotations

import re

import numpy as np

from ember import dtypes
from ember.errors import InvalidArgumentError
from ember.ragged import RaggedTensor
from ember.tensor import Tensor, as_array, convert_to_tensor


def _strings(x, op: str) -> np.ndarray:
    t = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if t.dtype != dtypes.string:
        raise InvalidArgumentError(f"tf.strings.{op}: input must be a string tensor; received a "
                                   f"{t.dtype.name} tensor.")
    return np.asarray(as_array(t))


def _map(fn, a: np.ndarray, otype=object) -> Tensor:
    out = np.empty(a.shape, dtype=otype)
    flat_in, flat_out = a.reshape(-1), out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = fn(v)
    return convert_to_tensor(out) if otype is not object else Tensor._wrap(out)


def _ascii_case(b: bytes, upper: bool) -> bytes:
    # With encoding='' TF changes ASCII letters only; other bytes stay as they are.
    return b.upper() if upper else b.lower()


def lower(input, encoding="", name=None):
    """Lower-cases each string (ASCII letters; all letters with ``encoding='utf-8'``)."""
    a = _strings(input, "lower")
    if encoding:
        return _map(lambda b: b.decode(encoding).lower().encode(encoding), a)
    return _map(lambda b: _ascii_case(b, False), a)


def upper(input, encoding="", name=None):
    """Upper-cases each string (ASCII letters; all letters with ``encoding='utf-8'``)."""
    a = _strings(input, "upper")
    if encoding:
        return _map(lambda b: b.decode(encoding).upper().encode(encoding), a)
    return _map(lambda b: _ascii_case(b, True), a)


def _rewrite(rewrite: bytes) -> bytes:
    # RE2 writes groups as \1 and a literal backslash as \\, as Python's re does, except that
    # \0 is the whole match in RE2.
    return re.sub(rb"\\0", rb"\\g<0>", rewrite)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """Replaces matches of ``pattern`` (all, or the first) with ``rewrite`` (``\\1`` groups)."""
    a = _strings(input, "regex_replace")
    pat = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
    rew = _rewrite(rewrite.encode() if isinstance(rewrite, str) else rewrite)
    count = 0 if replace_global else 1
    return _map(lambda b: pat.sub(rew, b, count=count), a)


def regex_full_match(input, pattern, name=None):
    a = _strings(input, "regex_full_match")
    pat = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
    return _map(lambda b: pat.fullmatch(b) is not None, a, otype=bool)


def strip(input, name=None):
    """Removes leading and trailing whitespace."""
    return _map(lambda b: b.strip(), _strings(input, "strip"))


def length(input, unit="BYTE", name=None):
    """The length of each string in bytes, or in characters with ``unit='UTF8_CHAR'``."""
    a = _strings(input, "length")
    if unit == "BYTE":
        return _map(len, a, otype=np.int32)
    if unit == "UTF8_CHAR":
        return _map(lambda b: len(b.decode("utf-8", "replace")), a, otype=np.int32)
    raise ValueError(f"tf.strings.length: unit must be 'BYTE' or 'UTF8_CHAR'; received {unit!r}.")


def _rows(a: np.ndarray, fn, op):
    if a.ndim == 0:
        return Tensor._wrap(np.array(fn(a[()]) or [], dtype=object).reshape(-1))
    if a.ndim == 1:
        return RaggedTensor([np.array(fn(b), dtype=object).reshape(-1) for b in a])
    raise ValueError(f"tf.strings.{op} in Ember takes a scalar or a vector of strings; received "
                     f"shape {a.shape}.")


def split(input, sep=None, maxsplit=-1, name=None):
    """Splits on ``sep`` (default: runs of whitespace, ends ignored), as ``str.split``.

    Returns a 1-D string tensor for a scalar input, a ``RaggedTensor`` for a vector.
    """
    a = _strings(input, "split")
    s = sep.encode() if isinstance(sep, str) else sep
    if s == b"":
        raise ValueError("tf.strings.split: sep must not be empty; use tf.strings.bytes_split.")
    return _rows(a, lambda b: b.split(s, maxsplit), "split")


def bytes_split(input, name=None):
    return _rows(_strings(input, "bytes_split"), lambda b: [b[i:i + 1] for i in range(len(b))],
                 "bytes_split")


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533,
                  name=None):
    """Splits each string into its characters (each one a UTF-8 ``bytes``)."""
    enc = input_encoding.lower().replace("_", "-")
    a = _strings(input, "unicode_split")
    handling = {"replace": "replace", "ignore": "ignore", "strict": "strict"}.get(errors)
    if handling is None:
        raise ValueError("tf.strings.unicode_split: errors must be 'replace', 'ignore' or "
                         f"'strict'; received {errors!r}.")
    return _rows(a, lambda b: [c.encode("utf-8") for c in b.decode(enc, handling)],
                 "unicode_split")


def join(inputs, separator="", name=None):
    """Joins the strings of several tensors elementwise: ``join(['a', 'b'], '-')`` -> ``b'a-b'``."""
    if isinstance(inputs, Tensor):
        raise TypeError("tf.strings.join takes a list of string tensors; to join the strings "
                        "inside one tensor use tf.strings.reduce_join.")
    parts = [_strings(x, "join") for x in inputs]
    sep = separator.encode() if isinstance(separator, str) else separator
    try:
        parts = np.broadcast_arrays(*parts)
    except ValueError:
        raise InvalidArgumentError("tf.strings.join: inputs must have the same shape (or be "
                                   f"scalars); received {[p.shape for p in parts]}.") from None
    out = np.empty(parts[0].shape, dtype=object)
    for idx in np.ndindex(out.shape):
        out[idx] = sep.join(p[idx] for p in parts)
    return Tensor._wrap(out)


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Joins the strings of one tensor along ``axis`` (all of them by default). A ragged
    tensor of strings (``unicode_split``'s) joins each row along its last axis."""
    sep = separator.encode() if isinstance(separator, str) else separator
    from ember.ragged import RaggedTensor
    if isinstance(inputs, RaggedTensor) and axis is not None and int(axis) in (-1, 1):
        rows = [sep.join(r.numpy().tolist()) for r in inputs]
        out = np.empty(len(rows), dtype=object)
        out[:] = rows
        return Tensor._wrap(out[:, None] if keepdims else out)
    a = _strings(inputs, "reduce_join")
    if axis is None:
        out = np.array(sep.join(a.reshape(-1)), dtype=object)
        return Tensor._wrap(out.reshape((1,) * a.ndim) if keepdims else out)
    joined = np.apply_along_axis(lambda r: sep.join(r), int(axis), a) if a.size else \
        np.empty(np.delete(a.shape, axis), dtype=object)
    joined = np.asarray(joined, dtype=object)
    return Tensor._wrap(np.expand_dims(joined, axis) if keepdims else joined)


def substr(input, pos, len, unit="BYTE", name=None):
    a = _strings(input, "substr")
    if unit == "UTF8_CHAR":
        return _map(lambda b: b.decode("utf-8")[pos:pos + len].encode("utf-8"), a)
    return _map(lambda b: b[pos:pos + len], a)


def _c_format(v, precision, scientific, shortest, width, fill) -> bytes:
    if isinstance(v, (bool, np.bool_)):
        text = "true" if v else "false"
    elif isinstance(v, (np.integer, int)):
        text = f"{v:d}"
    else:
        kind = "e" if scientific else ("g" if shortest else "f")
        text = f"{float(v):.{6 if precision < 0 else precision}{kind}}"
    if width > 0:
        text = text.rjust(width, fill or " ")
    return text.encode()


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",
              name=None):
    """Numbers to strings as TF formats them: floats ``'%f'`` (``3.5`` -> ``b'3.500000'``),
    ints ``'%d'``, bools ``b'true'``/``b'false'``."""
    t = convert_to_tensor(input)
    if t.dtype == dtypes.string:
        raise InvalidArgumentError("tf.strings.as_string: input is already a string tensor.")
    a = np.asarray(as_array(t))
    return _map(lambda v: _c_format(v, precision, scientific, shortest, width, fill), a)


def to_number(string_tensor, out_type=dtypes.float32, name=None):
    """Parses each string as a number of ``out_type`` (surrounding spaces allowed)."""
    a = _strings(string_tensor, "to_number")
    want = dtypes.as_dtype(out_type)

    def parse(b):
        text = b.decode("utf-8", "replace").strip()
        try:
            return int(text) if want.is_integer else float(text)
        except ValueError:
            raise InvalidArgumentError(f"StringToNumberOp could not correctly convert string: "
                                       f"{b.decode('utf-8', 'replace')}") from None
    return _map(parse, a, otype=want._np)


def format(template, inputs, placeholder="{}", summarize=3, name=None):
    """``template`` with each ``placeholder`` replaced by one input, printed as tf.print does."""
    from ember.printing import format_tensor
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    pieces = template.split(placeholder)
    if len(pieces) - 1 != len(inputs):
        raise ValueError(f"tf.strings.format: {len(pieces) - 1} placeholders in the template "
                         f"but {len(inputs)} inputs.")
    out = pieces[0]
    for x, rest in zip(inputs, pieces[1:]):
        out += format_tensor(convert_to_tensor(x), summarize) + rest
    return Tensor._wrap(np.array(out.encode(), dtype=object))
