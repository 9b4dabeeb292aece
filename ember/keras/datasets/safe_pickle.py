"""Reading the pickles inside Keras's data files without the ``pickle`` module.

CIFAR's python batches are pickled dicts, and ``imdb.npz`` / ``reuters.npz`` hold ragged
sequences as NumPy object arrays, which NumPy can only store as pickles. Unpickling can
call any importable function, so Ember never unpickles: ``pickletools.genops`` only parses
the opcodes, and this module interprets the few that data files use (containers, strings,
bytes, numbers, and NumPy's array rebuilding, recognised by name and rebuilt here with
``np.frombuffer``). Any other global or opcode is refused with the file's name. Numeric
``.npy`` members are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import pickletools
import zipfile

import numpy as np

from .files import DatasetFileError

# The globals data files use, by (module, name), and what this reader makes of them.
_GLOBALS = {
    ("numpy", "ndarray"): "ndarray",
    ("numpy", "dtype"): "dtype",
    ("numpy.core.multiarray", "_reconstruct"): "reconstruct",   # written by NumPy < 2
    ("numpy._core.multiarray", "_reconstruct"): "reconstruct",  # written by NumPy >= 2
    ("numpy.core.numeric", "_frombuffer"): "frombuffer",   # protocol 5, NumPy < 2
    ("numpy._core.numeric", "_frombuffer"): "frombuffer",  # protocol 5, NumPy >= 2
    ("_codecs", "encode"): "encode",  # how Python 3's protocol 2 writes bytes
}


class _Refused(ValueError):
    pass


class _Global:
    def __init__(self, kind):
        self.kind = kind


class _DType:
    """``numpy.dtype(...)`` before its BUILD sets the byte order."""

    def __init__(self, name):
        self.dtype = np.dtype(name)

    def build(self, state):
        order = state[1] if isinstance(state, tuple) and len(state) > 1 else "|"
        if order in ("<", ">") and self.dtype.byteorder not in ("|", order):
            self.dtype = self.dtype.newbyteorder(order)
        return self


class _Array:
    """``_reconstruct(ndarray, (0,), b'b')`` before its BUILD gives shape, dtype and data."""

    def build(self, state):
        _, shape, dtype, fortran, data = state
        dtype = dtype.dtype if isinstance(dtype, _DType) else np.dtype(dtype)
        order = "F" if fortran else "C"
        if dtype.hasobject:
            array = np.empty(int(np.prod(shape)), dtype=object)
            array[:] = list(data)
            return array.reshape(shape, order=order)
        if isinstance(data, str):
            data = data.encode("latin-1")
        return np.frombuffer(bytes(data), dtype=dtype).reshape(shape, order=order).copy(order)


def _call(func, args):
    if not isinstance(func, _Global):
        raise _Refused(f"a call of {type(func).__name__}")
    if func.kind == "dtype":
        return _DType(args[0])
    if func.kind == "reconstruct":
        return _Array()
    if func.kind == "frombuffer":
        data, dtype, shape, order = args
        dtype = dtype.dtype if isinstance(dtype, _DType) else np.dtype(dtype)
        return np.frombuffer(bytes(data), dtype=dtype).reshape(shape, order=order).copy(order)
    if func.kind == "encode":
        return args[0].encode(args[1] if len(args) > 1 else "utf-8")
    raise _Refused(f"a call of numpy.{func.kind}")


def _string(arg, encoding):
    """A Python 2 ``str`` (BINSTRING): bytes, or text in ``encoding``."""
    raw = arg.encode("latin-1") if isinstance(arg, str) else arg
    return raw if encoding == "bytes" else raw.decode(encoding)


def _interpret(stream, encoding):
    stack, marks, memo = [], [], {}
    for op, arg, _ in pickletools.genops(stream):
        name = op.name
        if name in ("PROTO", "FRAME"):
            continue
        if name == "STOP":
            return stack.pop()
        if name == "MARK":
            marks.append(len(stack))
        elif name in ("EMPTY_DICT", "EMPTY_LIST", "EMPTY_TUPLE", "NONE", "NEWTRUE",
                      "NEWFALSE"):
            stack.append({"EMPTY_DICT": {}, "EMPTY_LIST": [], "EMPTY_TUPLE": (), "NONE": None,
                          "NEWTRUE": True, "NEWFALSE": False}[name])
        elif name in ("BININT", "BININT1", "BININT2", "LONG1", "LONG4", "INT", "LONG",
                      "BINFLOAT", "FLOAT", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
                      "UNICODE", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"):
            stack.append(arg)
        elif name in ("BINSTRING", "SHORT_BINSTRING", "STRING"):
            stack.append(_string(arg, encoding))
        elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = stack[-1]
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            stack.append(memo[arg])
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            items = tuple(stack[-n:])
            del stack[-n:]
            stack.append(items)
        elif name in ("TUPLE", "LIST", "DICT", "APPENDS", "SETITEMS", "FROZENSET"):
            start = marks.pop()
            items = stack[start:]
            del stack[start:]
            if name == "TUPLE":
                stack.append(tuple(items))
            elif name == "LIST":
                stack.append(items)
            elif name == "FROZENSET":
                stack.append(frozenset(items))
            elif name == "DICT":
                stack.append(dict(zip(items[::2], items[1::2])))
            elif name == "APPENDS":
                stack[-1].extend(items)
            else:
                stack[-1].update(zip(items[::2], items[1::2]))
        elif name == "APPEND":
            value = stack.pop()
            stack[-1].append(value)
        elif name == "SETITEM":
            value, key = stack.pop(), stack.pop()
            stack[-1][key] = value
        elif name in ("GLOBAL", "STACK_GLOBAL"):
            if name == "GLOBAL":
                module, attr = arg.split(" ", 1)
            else:
                attr, module = stack.pop(), stack.pop()
            kind = _GLOBALS.get((module, attr))
            if kind is None:
                raise _Refused(f"Refusing to load `{module}.{attr}` from a data set file: only "
                               "NumPy arrays and builtin containers are allowed. The file may "
                               "be corrupted or malicious.")
            stack.append(_Global(kind))
        elif name == "REDUCE":
            args = stack.pop()
            stack.append(_call(stack.pop(), args))
        elif name == "BUILD":
            state = stack.pop()
            target = stack[-1]
            if not isinstance(target, (_DType, _Array)):
                raise _Refused(f"building a {type(target).__name__}")
            built = target.build(state)
            stack[-1] = built
            for key, value in memo.items():  # later references see the finished object
                if value is target:
                    memo[key] = built
        else:
            raise _Refused(f"pickle opcode {name}")
    raise EOFError("no STOP opcode")


def load_pickle(stream, source, encoding="bytes"):
    """One pickled object from ``stream`` (``source`` names it in errors), rebuilt without
    running any code."""
    try:
        value = _interpret(stream, encoding)
    except _Refused as e:
        raise DatasetFileError(f"{source}: {e}") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            UnicodeDecodeError, LookupError) as e:
        raise DatasetFileError(f"{source}: damaged or not a data set pickle ({e}).") from e
    return value.dtype if isinstance(value, _DType) else value


def _read_member(raw: io.BytesIO, source):
    try:
        return np.lib.format.read_array(raw, allow_pickle=False)
    except ValueError:
        pass  # an object array: its data is a pickle stream after the header
    raw.seek(0)
    version = np.lib.format.read_magic(raw)
    if version[0] == 1:
        np.lib.format.read_array_header_1_0(raw)
    elif version[0] in (2, 3):  # 3.0 differs from 2.0 only in the header's text encoding
        np.lib.format.read_array_header_2_0(raw)
    else:
        raise DatasetFileError(f"{source}: unsupported .npy version {version}.")
    return load_pickle(raw, source, encoding="latin1")


def load_npz(path) -> dict:
    """The arrays of an ``.npz`` archive, object arrays included (restricted unpickling)."""
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    raw = io.BytesIO(archive.read(member))
                    arrays[member[:-4]] = _read_member(raw, f"{path}:{member}")
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DatasetFileError(f"{path}: damaged or truncated .npz archive ({e}).") from e
    return arrays
