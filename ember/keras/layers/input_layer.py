"""The entry point of a functional model: ``keras.Input(shape=(784,))`` and InputLayer."""

from __future__ import annotations

from ember.keras.layers.layer import Layer
from ember.keras.layers.symbolic import KerasTensor, Node


class InputLayer(Layer):
    """The entry point of a model: holds the expected input shape (batch dimension None)."""

    def __init__(self, shape: tuple | int | None = None, batch_size: int | None = None,
                 dtype=None, sparse: bool | None = None, batch_shape: tuple | None = None,
                 input_tensor=None, name: str | None = None, input_shape: tuple | None = None,
                 batch_input_shape: tuple | None = None, **kwargs):
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


def Input(shape: tuple | int | None = None, batch_size: int | None = None, dtype=None,
          sparse: bool | None = None, batch_shape: tuple | None = None, name: str | None = None,
          tensor=None, optional: bool = False) -> KerasTensor:
    """A symbolic input tensor: ``inputs = keras.Input(shape=(784,))``."""
    if shape is None and batch_shape is None:
        raise ValueError("Input() needs `shape`, e.g. keras.Input(shape=(784,)).")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                       name=name)
    return layer.output
