"""PReLU: a leaky ReLU whose negative slope ``alpha`` is learned, one per input unit
(or shared along ``shared_axes``): ``f(x) = x if x >= 0 else alpha · x``."""

from __future__ import annotations

from ember import ops
from ember.keras import constraints, initializers, regularizers
from ember.keras.layers.layer import Layer


def _ser(module, obj):
    return None if obj is None else module.serialize(obj)


class PReLU(Layer):
    """Parametric ReLU. Weight: ``alpha`` of the input's shape without the batch axis,
    with size 1 along each of ``shared_axes`` (e.g. ``shared_axes=[1, 2]`` for one slope
    per channel of an image)."""

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, int):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)
        for axis in self.shared_axes or []:
            if isinstance(axis, bool) or not isinstance(axis, int) or axis < 1:
                raise ValueError("`shared_axes` of PReLU must hold positive axis indices (axis "
                                 f"0 is the batch). Received: shared_axes={shared_axes!r}")

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis >= len(input_shape):
                raise ValueError(f"Layer '{self.name}' (PReLU): shared axis {axis} is out of "
                                 f"range for inputs of shape {tuple(input_shape)}.")
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"Layer '{self.name}' (PReLU): every non-shared axis must have a "
                             f"known size; received input_shape={tuple(input_shape)}. Share "
                             "the unknown axes with `shared_axes`.")
        self.alpha = self.add_weight(shape=tuple(shape), name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        pos = ops.relu(inputs)
        neg = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return ops.add(pos, neg)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": _ser(regularizers, self.alpha_regularizer),
                "alpha_constraint": _ser(constraints, self.alpha_constraint),
                "shared_axes": self.shared_axes}
