"""Layer wrappers for sequences: ``Bidirectional`` (an RNN both ways) and ``TimeDistributed``
(one layer applied to every time step)."""

from __future__ import annotations

import inspect

from ember import ops
from ember.keras.layers.layer import Layer
from ember.keras.layers.recurrent import deserialize, serialize
from ember.tensor import as_array

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _clone(layer, **changes):
    config = layer.get_config()
    config.update(changes)
    try:
        return type(layer).from_config(config)
    except Exception as e:
        raise ValueError(f"Bidirectional could not make the backward copy of layer "
                         f"'{layer.name}' ({type(layer).__name__}) from its get_config(): {e}. "
                         "Pass backward_layer= explicitly.") from e


def _call_kwargs(layer, training, mask):
    params = inspect.signature(layer.call).parameters
    kwargs = {}
    if "training" in params:
        kwargs["training"] = training
    if "mask" in params and mask is not None:
        kwargs["mask"] = mask
    return kwargs


class Bidirectional(Layer):
    """Runs an RNN forwards and a copy of it backwards and merges the two outputs.

    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN or RNN(cell)); its copy with
            ``go_backwards`` flipped runs the other way (weights not shared).
        merge_mode: 'concat' (default), 'sum', 'mul', 'ave' or None (a list of both).
        backward_layer: optional explicit backward layer.

    With ``return_sequences`` the backward outputs are flipped back into the inputs' time
    order before merging, and masked steps give zeros in both directions (as in Keras).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a `keras.layers.Layer` "
                             f"instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             'one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        base = layer.name[len("forward_"):] if layer.name.startswith("forward_") else layer.name
        self.forward_layer = _clone(layer, name=f"forward_{base}")
        if backward_layer is None:
            back = base[len("backward_"):] if base.startswith("backward_") else base
            backward_layer = _clone(layer, name=f"backward_{back}",
                                    go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{self.forward_layer.go_backwards}, backward_layer.go_backwards="
                             f"{self.backward_layer.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(self.forward_layer, attr), getattr(self.backward_layer, attr)
            if a != b:
                raise ValueError("Forward layer and backward layer are expected to have the same "
                                 f'value for attribute "{attr}", got "{a}" for forward layer and '
                                 f'"{b}" for backward layer')
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        if weights:
            n = len(weights)
            self._initial_weights = list(weights[: n // 2]) + list(weights[n // 2:])

    def build(self, sequences_shape, initial_state_shape=None):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._maybe_build(sequences_shape)
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        fw_state = bw_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_state, bw_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=fw_state,
                               **_call_kwargs(self.forward_layer, training, mask))
        y_rev = self.backward_layer(sequences, initial_state=bw_state,
                                    **_call_kwargs(self.backward_layer, training, mask))
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.reverse(y_rev, [1])
        if self.merge_mode == "concat":
            output = ops.concat([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' must be stateful to reset its states.")
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    @property
    def states(self):
        fw, bw = self.forward_layer.states, self.backward_layer.states
        return fw + bw if fw and bw else None

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = []
        if self.return_state:
            shape, state_shapes = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        elif self.merge_mode is None:
            shape = [tuple(shape), tuple(shape)]
        if self.return_state:
            return (shape if isinstance(shape, list) else [shape]) + state_shapes * 2
        return shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        out = mask if self.return_sequences else None
        out = [out, out] if self.merge_mode is None else out
        if self.return_state:
            n = len(getattr(self.forward_layer, "state_size", [])) * 2
            return (out if isinstance(out, list) else [out]) + [None] * n
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"merge_mode": self.merge_mode,
                       "layer": serialize(self.forward_layer),
                       "backward_layer": serialize(self.backward_layer)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = deserialize(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize(config["backward_layer"])
        return cls(**config)


class TimeDistributed(Layer):
    """Applies ``layer`` to every time step: (batch, time, ...) -> (batch, time, ...).

    The time axis is folded into the batch, so the wrapped layer runs once on
    (batch·time, ...) — the same result as Keras's per-step loop for layers that treat
    examples independently (Dense, Conv2D, ...).
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = False

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f"Layer '{self.name}': `TimeDistributed` Layer should be passed an "
                             "`input_shape` with at least 3 dimensions, received: "
                             f"{input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        child = self._child_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer._maybe_build(child)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        shape = tuple(as_array(inputs).shape)
        self._child_shape(shape)
        b, t = shape[:2]
        kwargs = _call_kwargs(self.layer, training, None)
        if mask is not None:
            m = as_array(mask)
            if tuple(m.shape[:2]) != (b, t):
                raise ValueError(f"Layer '{self.name}': the mask's first two dimensions "
                                 f"{tuple(m.shape[:2])} must match the inputs' (batch, "
                                 f"timesteps) = {(b, t)}.")
            if "mask" in inspect.signature(self.layer.call).parameters:
                kwargs["mask"] = ops.reshape(mask, (b * t,) + tuple(m.shape[2:]))
        y = self.layer(ops.reshape(inputs, (b * t,) + shape[2:]), **kwargs)
        out_shape = tuple(as_array(y).shape)
        return ops.reshape(y, (b, t) + out_shape[1:])

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_shape(tuple(input_shape)))
        return (child[0], input_shape[1], *child[1:])

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = deserialize(config["layer"])
        return cls(**config)
