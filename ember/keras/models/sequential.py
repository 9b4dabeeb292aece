"""Sequential: a plain stack of layers, each feeding the next."""

from __future__ import annotations

import numpy as np

from ember.keras import activations
from ember.keras.layers.convolutional import Conv2D
from ember.keras.layers.dense import Dense
from ember.keras.layers.input_layer import InputLayer
from ember.keras.layers.layer import Layer
from ember.keras.layers.pooling import MaxPooling2D
from ember.keras.layers.regularization import Dropout
from ember.keras.layers.symbolic import KerasTensor
from ember.keras.models import planned_step
from ember.keras.models.data import holds_text
from ember.keras.models.model import Model
from ember.keras.models.model_inputs import standardize_input
from ember.ops import nn as nn_ops
from ember.record import RECORDING as _recording
from ember.record import TRACED as _traced
from ember.tensor import Tensor, as_array


class Sequential(Model):
    """A linear stack of layers: ``Sequential([Dense(128, activation='relu', input_shape=(784,)),
    Dense(10, activation='softmax')])``.

    With an input shape (``input_shape=`` on the first layer, or ``keras.Input`` first) the
    model builds at once; otherwise on its first call or ``fit``.
    """

    def __init__(self, layers: list[Layer] | Layer | None = None, name: str | None = None,
                 trainable: bool = True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._layers = []
        self._input_batch_shape = None
        self._input_dtype = None
        if layers is not None:
            if isinstance(layers, Layer):
                layers = [layers]
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    def add(self, layer: Layer | KerasTensor, rebuild: bool = True) -> None:
        """Appends a layer (or sets the input shape when given ``keras.Input``)."""
        if isinstance(layer, KerasTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("An Input/InputLayer can only be the first entry of a "
                                 "Sequential model.")
            self._input_batch_shape = layer.batch_shape
            self._input_layer = layer  # its name and dtype (int ids, strings) are kept
            self._input_dtype = layer.dtype
            if rebuild:
                self._maybe_rebuild()
            return
        if not isinstance(layer, Layer):
            raise TypeError("Only instances of `keras.Layer` can be added to a Sequential "
                            f"model. Received: {layer!r} (of type {type(layer).__name__})")
        if any(lay.name == layer.name for lay in self._layers):
            raise ValueError("All layers added to a Sequential model should have unique names. "
                             f"Name '{layer.name}' is already the name of a layer in this "
                             "model. Update the `name` argument to pass a unique name.")
        if not self._layers and self._input_batch_shape is None and \
                layer._batch_input_shape is not None:
            self._input_batch_shape = layer._batch_input_shape
        self._layers.append(layer)
        self.built = False
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def __call__(self, inputs, *args, **kwargs):
        if not self.built and self._input_dtype is None and holds_text(inputs):
            # Built from text (a first TextVectorization layer): a string input, as the
            # dtype of the data Keras builds from.
            self._input_dtype = "string"
        return super().__call__(inputs, *args, **kwargs)

    def _maybe_rebuild(self):
        if self._input_batch_shape is not None and self._layers:
            self.build(self._input_batch_shape)

    @property
    def layers(self) -> list:
        return list(self._layers)

    def build(self, input_shape=None):
        """Builds every layer by passing a symbolic input of ``input_shape`` through them."""
        if input_shape is None:
            input_shape = self._input_batch_shape
        if input_shape is None:
            raise ValueError(f"Sequential model '{self.name}' cannot be built: it has no input "
                             "shape. Pass input_shape= to the first layer, start with "
                             "keras.Input(shape=...), or call build((None, ...)).")
        input_shape = tuple(input_shape)
        if self._input_batch_shape is None:
            self._input_batch_shape = input_shape
        given = getattr(self, "_input_layer", None)
        if given is not None and given.batch_shape == input_shape:
            self._input_kt = given.output
        elif getattr(self, "_input_kt", None) is None or self._input_kt.shape != input_shape:
            # A real Input, as Keras 3 makes: model.input can start a functional model.
            self._input_kt = InputLayer(batch_shape=input_shape, dtype=self._input_dtype).output
        x = self._input_kt
        for layer in self._layers:
            x = layer(x)
            layer._keras_output_shape = x.shape if isinstance(x, KerasTensor) else None
        self.built = True
        self._build_shape = input_shape
        self._symbolic_output = x

    def call(self, inputs, training=None, mask=None):
        # ``training`` is passed down, not left to the call context; masks travel on the
        # tensors (each layer's output carries the mask its compute_mask gives).
        kt = getattr(self, "_input_kt", None)
        x = inputs if kt is None else standardize_input(inputs, kt, self.name)
        layers = self._layers
        i, n = 0, len(layers)
        fit_step = self.__dict__.get("_fit_step", False) or (
            _traced[0] and len(_recording) <= 1)  # inside tf.function: a traced step too
        stack = training and fit_step
        while i < n:
            layer = layers[i]
            if stack:
                run, after = _dense_run(layers, i, x)
                if run:
                    # fit's own step: the run of Dense (+Dropout) layers as one op, one
                    # tape entry and one backward step (ops.nn.dense_stack).
                    x = nn_ops.dense_stack(x, run)
                    i = after
                    continue
            if i + 1 < n and (fit_step or not _recording) and \
                    _conv_pool_pair(layer, layers[i + 1], x):
                # predict and fit's own step (custom loops keep one op per layer on their
                # tapes): Conv2D then MaxPooling2D as one op (ops.conv.conv2d_max_pool), the
                # pooling on contiguous blocks and relu on the pooled quarter.
                x = layer._call_with_pool(x, layers[i + 1].pool_size)
                i += 2
                continue
            if training and i + 1 < n and _fuses_dropout(layer, layers[i + 1], x):
                # Dense then Dropout while training: one fused op (ops.nn.dense's dropout),
                # the same numbers (measured: 37 µs of the seed MLP's step at batch 128).
                x = layer._call_with_dropout(x, layers[i + 1].rate)
                i += 2
                continue
            x = layer(x, training=training)
            i += 1
        return x

    def _plan_fit_step(self, variables):
        """fit's planned step for this model (planned_step.py), or None: the whole model
        must be one run of Dense (+ Dropout) layers that ``dense_stack`` takes."""
        layers = self._layers
        if type(self) is not Sequential or not layers or type(layers[0]) is not Dense \
                or not layers[0].built:
            return None
        kernel = as_array(layers[0].kernel)
        probe = Tensor._wrap(np.zeros((1, kernel.shape[0]), kernel.dtype))
        run, after = _dense_run(layers, 0, probe)
        if not run or after != len(layers):
            return None
        return planned_step.plan(self, variables, run)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    @property
    def inputs(self):
        kt = getattr(self, "_input_kt", None)
        return None if kt is None else [kt]

    @property
    def outputs(self):
        out = getattr(self, "_symbolic_output", None)
        return None if out is None else [out]

    @property
    def input(self):
        if getattr(self, "_input_kt", None) is None:
            raise AttributeError(f"Sequential model '{self.name}' has no input yet: give the "
                                 "first layer input_shape= or start with keras.Input().")
        return self._input_kt

    @property
    def output(self):
        if getattr(self, "_symbolic_output", None) is None:
            raise AttributeError(f"Sequential model '{self.name}' has no output yet: build it "
                                 "first.")
        return self._symbolic_output

    def get_config(self):
        """Keras 3's Sequential config: an InputLayer entry (when the input shape is known)
        then each layer's serialized config."""
        from ember.keras.saving.graph_config import sequential_config
        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ember.keras.saving.graph_config import sequential_from_config
        return sequential_from_config(config, custom_objects)


def _fuses_dropout(layer, after, x) -> bool:
    """Whether ``after(layer(x), training=True)`` may run as one fused Dense + Dropout op:
    exactly a built Dense (relu or linear, no activity regularizer) and a built Dropout
    (global generator, no noise_shape), on a 2-D float tensor of the kernel's dtype with no
    mask, so that neither layer's ``__call__`` would do anything the fused op does not."""
    return (type(layer) is Dense and layer.built and _dropout_fusable(after)
            and type(x) is Tensor and x._keras_mask is None and x.ndim == 2
            and layer._fused in (None, "linear", "relu")
            and layer.activity_regularizer is None and "call" not in layer.__dict__
            and as_array(x).dtype == as_array(layer.kernel).dtype)


def _dense_run(layers, i, x):
    """The Dense layers from ``layers[i]`` on that ``dense_stack`` may run as one op, as
    ``[(kernel, bias, activation, dropout rate), ...]``, and the index after them.

    Each is a built Dense whose ``__call__`` would do nothing the op does not (relu or linear,
    or sigmoid/softmax for the last; no activity regularizer or patched call), optionally
    followed by a Dropout that ``_fuses_dropout`` accepts; the input is a 2-D tensor
    without a mask, of the kernels' dtype and width. ``([], i)`` when there is none.
    """
    run = []
    if type(x) is not Tensor or x._keras_mask is not None or x.ndim != 2:
        return run, i
    dtype, width = as_array(x).dtype, x.shape[1]
    n = len(layers)
    while i < n:
        layer = layers[i]
        if not (type(layer) is Dense and layer.built and layer.activity_regularizer is None
                and "call" not in layer.__dict__):
            break
        act = layer._fused
        kernel = layer.kernel
        kv = as_array(kernel)
        if act not in (None, "linear", "relu", "softmax", "sigmoid") or kv.dtype != dtype \
                or kv.shape[0] != width:
            break
        rate = None
        after = layers[i + 1] if i + 1 < n else None
        if after is not None and _dropout_fusable(after) and act in (None, "linear", "relu"):
            rate = after.rate
        run.append((kernel, layer.bias, act, rate))
        i += 2 if rate is not None else 1
        width = kv.shape[1]
        if act in ("softmax", "sigmoid"):
            break
    return run, i


def _dropout_fusable(layer) -> bool:
    """A built Dropout whose call a fused op may stand in for (global generator, no
    noise_shape, a rate in (0, 1), no activity regularizer or patched call)."""
    return (type(layer) is Dropout and layer.built and layer.activity_regularizer is None
            and layer.noise_shape is None and layer._rng is None and 0 < layer.rate < 1
            and "call" not in layer.__dict__)


def _conv_pool_pair(layer, after, x) -> bool:
    """Whether ``after(layer(x))`` may run as one ``conv2d_max_pool`` op: exactly a built
    Conv2D (stride 1, no dilation, one group, channels last, relu or linear, no activity
    regularizer or patched call) and a MaxPooling2D whose strides equal its pool size
    ('valid', channels last), on a 4-D tensor of the kernel's dtype and channels, without a
    mask. Anything else (including inputs the layers would reject) takes the layers' path."""
    if not (type(layer) is Conv2D and type(after) is MaxPooling2D and layer.built
            and type(x) is Tensor and x._keras_mask is None and x.ndim == 4):
        return False
    if not (layer.strides == (1, 1) and layer.dilation_rate == (1, 1) and layer.groups == 1
            and layer.data_format == "channels_last" and layer.padding in ("valid", "same")
            and (layer._fused == "relu" or layer.activation in (None, activations.linear))
            and layer.activity_regularizer is None and "call" not in layer.__dict__):
        return False
    if not (after.strides == after.pool_size and after.padding == "valid"
            and after.data_format == "channels_last" and after.activity_regularizer is None
            and "call" not in after.__dict__):
        return False
    xv = as_array(x)
    kh, kw = layer.kernel_size
    return (xv.dtype == as_array(layer.kernel).dtype and xv.shape[3] == layer._in_channels
            and (layer.padding == "same" or (xv.shape[1] >= kh and xv.shape[2] >= kw)))
