"""Symbolic inputs for the functional API: ``Input(shape=(784,))``, KerasTensor and graph nodes.

Calling a layer on a KerasTensor builds the layer and records a Node; ``Model(inputs,
outputs)`` replays those nodes in order on real tensors. Output shapes are found by
running the layer once on a tiny batch of zeros, so every layer's ``call`` doubles as
its shape function.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes
from ember.keras.layers.layer import Layer, _ctx
from ember.tensor import Tensor


class KerasTensor:
    """A placeholder with a shape (batch dimension None) and dtype, produced by ``Input``."""

    def __init__(self, shape, dtype="float32", name=None, node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name
        self.node = node
        self.index = index

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}, "
                f"name={self.name}>")

    # Arithmetic on symbolic tensors becomes a layer in the graph, as in Keras.
    def _op(self, other, fn, name):
        from ember.keras.layers.core import Lambda
        if isinstance(other, KerasTensor):
            return Lambda(lambda xs: fn(xs[0], xs[1]), name=None)([self, other])
        return Lambda(lambda x: fn(x, other))(self)

    def __add__(self, o):
        return self._op(o, lambda a, b: a + b, "add")

    def __radd__(self, o):
        return self._op(o, lambda a, b: b + a, "add")

    def __sub__(self, o):
        return self._op(o, lambda a, b: a - b, "sub")

    def __rsub__(self, o):
        return self._op(o, lambda a, b: b - a, "sub")

    def __mul__(self, o):
        return self._op(o, lambda a, b: a * b, "mul")

    def __rmul__(self, o):
        return self._op(o, lambda a, b: b * a, "mul")

    def __truediv__(self, o):
        return self._op(o, lambda a, b: a / b, "div")

    def __neg__(self):
        from ember.keras.layers.core import Lambda
        return Lambda(lambda x: -x)(self)

    def __getitem__(self, key):
        from ember.keras.layers.core import Lambda
        return Lambda(lambda x: x[key])(self)


class Node:
    """One call of a layer in a functional graph: which tensors went in, which came out."""

    def __init__(self, layer, inputs, args, kwargs, outputs):
        self.layer, self.inputs, self.args, self.kwargs = layer, inputs, args, kwargs
        self.outputs = outputs

    @property
    def input_tensors(self):
        return [t for t in _flatten(self.inputs) if isinstance(t, KerasTensor)]


def _flatten(s):
    if isinstance(s, (list, tuple)):
        return [x for v in s for x in _flatten(v)]
    if isinstance(s, dict):
        return [x for v in s.values() for x in _flatten(v)]
    return [s]


def _map(s, fn):
    if isinstance(s, list):
        return [_map(v, fn) for v in s]
    if isinstance(s, tuple):
        return tuple(_map(v, fn) for v in s)
    if isinstance(s, dict):
        return {k: _map(v, fn) for k, v in s.items()}
    return fn(s)


_DUMMY_BATCH = 2


def _dummy(kt: KerasTensor):
    shape = tuple(_DUMMY_BATCH if d is None else d for d in kt.shape)
    if kt.dtype.is_floating:
        return Tensor._wrap(np.zeros(shape, kt.dtype._np))
    return Tensor._wrap(np.zeros(shape, kt.dtype._np))


def _symbolic_shape(t: Tensor, batch_none=True):
    shape = list(t._value.shape)
    if batch_none and shape:
        shape[0] = None
    return tuple(shape)


def symbolic_call(layer, inputs, args, kwargs):
    """Calls ``layer`` on KerasTensors: builds it, records a Node, returns KerasTensors."""
    from ember.record import RECORDING as _recording
    shapes = _map(inputs, lambda t: t.shape if isinstance(t, KerasTensor) else t)
    if not layer.built:
        layer._maybe_build(shapes)
    concrete = _map(inputs, lambda t: _dummy(t) if isinstance(t, KerasTensor) else t)
    saved, outer = list(_recording), _ctx.training
    _recording.clear()  # the shape probe must not be recorded by a tape
    try:
        kw = dict(kwargs)
        kw.setdefault("training", False)
        out = layer.__call__(concrete, *args, **kw)
    except Exception as e:
        raise type(e)(f"Error in layer '{layer.name}' ({type(layer).__name__}) while building "
                      f"the model on input shape {shapes}: {e}") from e
    finally:
        _recording.extend(saved)
        _ctx.training = outer
    layer._losses.clear()
    node = Node(layer, inputs, args, kwargs, None)
    counter = [0]

    def make(t):
        if not isinstance(t, Tensor):
            return t
        kt = KerasTensor(_symbolic_shape(t), dtypes.from_numpy(t._value.dtype).name,
                         name=f"{layer.name}_out{counter[0]}", node=node, index=counter[0])
        counter[0] += 1
        return kt

    outputs = _map(out, make)
    node.outputs = outputs
    # As Keras: a layer called on symbolic tensors remembers its latest input and output,
    # so ``Model(model.input, model.layers[-2].output)`` can cut a model apart.
    layer._keras_input, layer._keras_output = inputs, outputs
    return outputs


def infer_output_shape(layer, input_shape):
    """Output shape of ``layer`` for ``input_shape`` (batch dimension None), by a dry run."""
    def to_kt(s):
        return KerasTensor(s)
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
        kts = [to_kt(tuple(s)) for s in input_shape]
    else:
        kts = to_kt(tuple(input_shape))
    out = symbolic_call(layer, kts, (), {})
    return _map(out, lambda t: t.shape)


class InputLayer(Layer):
    """The entry point of a model: holds the expected input shape (batch dimension None)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, input_shape=None, batch_input_shape=None,
                 **kwargs):
        if shape is None and input_shape is not None:
            shape = input_shape
        if batch_shape is None and batch_input_shape is not None:
            batch_shape = batch_input_shape
        if shape is None and batch_shape is None:
            raise ValueError("InputLayer needs `shape` (without the batch dimension) or "
                             "`batch_shape`; received neither.")
        if batch_shape is None:
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._batch_shape = tuple(batch_shape)
        self.built = True
        self._keras_output = KerasTensor(self._batch_shape, self.dtype, name=self.name,
                                  node=Node(self, None, (), {}, None))
        self._keras_output.node.outputs = self._keras_output

    @property
    def batch_shape(self):
        return self._batch_shape

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):  # noqa: N802 - Keras's name
    """A symbolic input tensor: ``inputs = keras.Input(shape=(784,))``."""
    if shape is None and batch_shape is None:
        raise ValueError("Input() needs `shape`, e.g. keras.Input(shape=(784,)).")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                       name=name)
    return layer.output
