"""Symbolic tracing for the functional API: KerasTensor, graph nodes and ``symbolic_call``.

Calling a layer on a KerasTensor builds the layer and records a Node; ``Model(inputs,
outputs)`` replays those nodes in order on real tensors. Output shapes are found by
running the layer once on a tiny batch of zeros, so every layer's ``call`` doubles as
its shape function.

This module sits below ``layer.py`` and knows layers only by what it calls on them
(``name``, ``built``, ``_maybe_build``, ``__call__``), so ``Layer`` can import it.
"""

from __future__ import annotations

import threading

import numpy as np

from ember import dtypes, nest
from ember.keras import naming
from ember.record import RECORDING
from ember.tensor import Tensor, as_array, convert_to_tensor


class KerasTensor:
    """A placeholder with a shape (batch dimension None) and dtype, produced by ``Input``.

    ``_keras_mask`` is the KerasTensor of the mask a masking layer attached (or None).
    """

    def __init__(self, shape, dtype="float32", name=None, node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name
        self.node = node
        self.index = index
        self._keras_mask = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}, "
                f"name={self.name}>")

    # Arithmetic on symbolic tensors becomes an Operation node in the graph, as in Keras 3.
    def _binary(self, other, fn, name):
        if isinstance(other, KerasTensor):
            return Operation(lambda xs: fn(xs[0], xs[1]), name)([self, other])
        return Operation(lambda x: fn(x, other), name)(self)

    def __add__(self, o):
        return self._binary(o, lambda a, b: a + b, "add")

    def __radd__(self, o):
        return self._binary(o, lambda a, b: b + a, "add")

    def __sub__(self, o):
        return self._binary(o, lambda a, b: a - b, "subtract")

    def __rsub__(self, o):
        return self._binary(o, lambda a, b: b - a, "subtract")

    def __mul__(self, o):
        return self._binary(o, lambda a, b: a * b, "multiply")

    def __rmul__(self, o):
        return self._binary(o, lambda a, b: b * a, "multiply")

    def __truediv__(self, o):
        return self._binary(o, lambda a, b: a / b, "divide")

    def __neg__(self):
        return Operation(lambda x: -x, "negative")(self)

    def __getitem__(self, key):
        return Operation(lambda x: x[key], "get_item")(self)


class Operation:
    """A function of tensors recorded as a node of a functional graph (``x * 2 + y`` on
    KerasTensors), as Keras 3's ops are: it has no weights and is not a layer."""

    built = True

    def __init__(self, fn, name: str):
        self.fn = fn
        self.name = naming.uniquify(name)
        self.kind = "".join(w.capitalize() for w in name.split("_"))  # 'get_item' -> 'GetItem'
        self.output_shape = None  # set when traced, for model.summary()

    def __call__(self, inputs, *args, **kwargs):
        if any(isinstance(t, KerasTensor) for t in nest.flatten(inputs)):
            return trace(self, inputs, args, kwargs)
        return self.fn(inputs)

    def count_params(self) -> int:
        return 0

    def __repr__(self):
        return f"<Operation name={self.name}>"


class Node:
    """One call of a layer in a functional graph: which tensors went in, which came out."""

    def __init__(self, layer, inputs, args, kwargs, outputs):
        self.layer, self.inputs, self.args, self.kwargs = layer, inputs, args, kwargs
        self.outputs = outputs

    @property
    def input_tensors(self) -> list:
        """The KerasTensors this call reads: in its inputs, its other positional arguments
        (``layer(targets, logits)``) and its keyword arguments (e.g. ``mask=``)."""
        return [t for t in nest.flatten(self.inputs) + nest.flatten(list(self.args))
                + nest.flatten(self.kwargs) if isinstance(t, KerasTensor)]


_DUMMY_BATCH = 2
# Unknown non-batch axes (a sequence's time axis) are probed twice, with these two sizes: an
# output axis whose size follows them is unknown too (None), as Keras infers it. They are
# far enough apart that pooling by 2, 3, 4 or 8 keeps them apart (2 and 3 both pool to 1),
# and large enough for a small valid convolution.
_DUMMY_SIZES = (12, 20)
# Sizes tried next when a layer refuses the first probe (a stack of convolutions and
# poolings on a time axis or on images of unknown size).
_LARGER_SIZES = ((48, 80), (256, 384))


def _dummy_shape(shape, fill: int) -> tuple:
    return tuple((_DUMMY_BATCH if i == 0 else fill) if d is None else d
                 for i, d in enumerate(shape))


def _dummy(kt: KerasTensor, fill: int = _DUMMY_SIZES[0]) -> Tensor:
    t = convert_to_tensor(np.zeros(_dummy_shape(kt.shape, fill), kt.dtype.as_numpy_dtype))
    if kt._keras_mask is not None:
        # An all-true mask: a mask consumer sees every step, as on real data without padding.
        t._keras_mask = convert_to_tensor(np.ones(_dummy_shape(kt._keras_mask.shape, fill),
                                                  bool))
    return t


def _symbolic(t: Tensor, name: str, node: Node, index: int, batch_known: bool,
              unknown_axes=frozenset()) -> KerasTensor:
    array = as_array(t)
    shape = [None if i in unknown_axes else d for i, d in enumerate(array.shape)]
    if shape and not batch_known:
        shape[0] = None
    kt = KerasTensor(shape, dtypes.from_numpy(array.dtype).name, name=name, node=node,
                     index=index)
    mask = t._keras_mask
    if mask is not None:
        mask_shape = [None if i in unknown_axes else d
                      for i, d in enumerate(as_array(mask).shape)]
        if mask_shape and not batch_known:
            mask_shape[0] = None
        kt._keras_mask = KerasTensor(mask_shape, "bool", name=f"{name}_mask")
    return kt


# Set while a probe runs on a made-up batch size: a layer first built inside it (a
# Sequential inside a subclassed model) records its batch axis as unknown, not as the
# dummy size.
_probe = threading.local()


def in_dummy_batch_probe() -> bool:
    return getattr(_probe, "depth", 0) > 0


def _run_probe(operation, inputs, args, kwargs, fill):
    dummy_batch = any(isinstance(t, KerasTensor) and t.shape and t.shape[0] is None
                      for t in nest.flatten([inputs, kwargs]))
    _probe.depth = getattr(_probe, "depth", 0) + dummy_batch
    try:
        return _probe_call(operation, inputs, args, kwargs, fill)
    finally:
        _probe.depth -= dummy_batch


def _probe_call(operation, inputs, args, kwargs, fill):
    concrete = nest.map_structure(
        lambda t: _dummy(t, fill) if isinstance(t, KerasTensor) else t, inputs)
    kw = nest.map_structure(lambda t: _dummy(t, fill) if isinstance(t, KerasTensor) else t,
                            dict(kwargs))
    args = nest.map_structure(lambda t: _dummy(t, fill) if isinstance(t, KerasTensor) else t,
                              list(args))
    if not isinstance(operation, Operation):
        kw.setdefault("training", False)
    return operation(concrete, *args, **kw)


def trace(operation, inputs, args, kwargs):
    """Runs ``operation`` once on zeros shaped like the KerasTensors in ``inputs`` and
    records a Node; returns KerasTensors shaped like its outputs."""
    shapes = nest.map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t,
                                inputs)
    symbolic_inputs = [t for t in nest.flatten([inputs, list(args), kwargs])
                       if isinstance(t, KerasTensor)]
    batch_known = bool(symbolic_inputs) and all(
        t.shape and t.shape[0] is not None for t in symbolic_inputs)
    varying = any(None in tuple(t.shape)[1:] for t in symbolic_inputs)
    saved = list(RECORDING)
    RECORDING.clear()  # the shape probe must not be recorded by a tape
    tries = (_DUMMY_SIZES,) + (_LARGER_SIZES if varying else ())
    error = None
    try:
        for sizes in tries:
            try:
                out = _run_probe(operation, inputs, args, kwargs, sizes[0])
                # A second probe with other sizes for the unknown axes tells which output
                # axes follow them (a stateful RNN's probes leave its states alone).
                other = (_run_probe(operation, inputs, args, kwargs, sizes[1])
                         if varying else None)
                error = None
                break
            except Exception as e:
                error = error or e  # the smallest probe's error explains best
    finally:
        RECORDING.extend(saved)
    if error is not None:
        raise type(error)(f"Error in layer '{operation.name}' ({type(operation).__name__}) "
                          f"while building the model on input shape {shapes}: {error}") \
            from error
    node = Node(operation, inputs, args, kwargs, None)
    flat = nest.flatten(out)
    flat_other = nest.flatten(other) if other is not None else [None] * len(flat)
    outputs = nest.pack_sequence_as(out, [
        _symbolic(t, f"{operation.name}_out{i}", node, i, batch_known,
                  _differing_axes(t, u)) if isinstance(t, Tensor) else t
        for i, (t, u) in enumerate(zip(flat, flat_other))])
    node.outputs = outputs
    if isinstance(operation, Operation) and isinstance(outputs, KerasTensor):
        operation.output_shape = outputs.shape
    return outputs


def _differing_axes(t, u) -> frozenset:
    if not isinstance(u, Tensor):
        return frozenset()
    a, b = as_array(t).shape, as_array(u).shape
    if len(a) != len(b):
        return frozenset()
    return frozenset(i for i, (x, y) in enumerate(zip(a, b)) if x != y)


def symbolic_call(layer, inputs, args, kwargs):
    """Calls ``layer`` on KerasTensors: builds it, records a Node, returns KerasTensors."""
    if not layer.built:
        layer._maybe_build(nest.map_structure(
            lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs))
    outputs = trace(layer, inputs, args, kwargs)
    layer._losses.clear()
    # As Keras: a layer called on symbolic tensors remembers its latest input and output,
    # so ``Model(model.input, model.layers[-2].output)`` can cut a model apart.
    layer._keras_input, layer._keras_output = inputs, outputs
    return outputs


def infer_output_shape(layer, input_shape):
    """Output shape of ``layer`` for ``input_shape`` (batch dimension None), by a dry run."""
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
        kts = [KerasTensor(tuple(s)) for s in input_shape]
    else:
        kts = KerasTensor(tuple(input_shape))
    out = symbolic_call(layer, kts, (), {})
    return nest.map_structure(lambda t: t.shape, out)


def is_symbolic(x) -> bool:
    """Whether ``x`` (a tensor, or a list/tuple/dict of them) holds a KerasTensor."""
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple, dict)):
        return any(isinstance(v, KerasTensor) for v in (x.values() if isinstance(x, dict)
                                                       else x))
    return False
