"""ActivityRegularization and UnitNormalization: layers that pass their input on, one adding
an activity penalty to the loss, the other scaling each vector to unit length."""

from __future__ import annotations

from ember import ops
from ember.keras import regularizers
from ember.keras.layers.layer import Layer


class ActivityRegularization(Layer):
    """Returns its input unchanged and adds ``l1·Σ|x| + l2·Σx²`` (divided by the batch size,
    as Keras 3 does) to the model's loss."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        for name, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"Invalid value for argument `{name}` of "
                                 "ActivityRegularization. Expected a non-negative float. "
                                 f"Received: {name}={value!r}")
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1, self.l2 = float(l1), float(l2)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        # As Keras 3: the regularizer is rebuilt from l1/l2, so it is not listed itself.
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}


class UnitNormalization(Layer):
    """Scales each vector along ``axis`` to unit L2 norm: ``x / sqrt(max(Σx², 1e-12))``."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError("Invalid value for `axis` argument of UnitNormalization: expected "
                            f"an int or a list/tuple of ints. Received: axis={axis!r}")

    def call(self, inputs):
        axes = self.axis if isinstance(self.axis, int) else tuple(self.axis)
        for a in [axes] if isinstance(axes, int) else axes:
            if not -inputs.ndim <= a < inputs.ndim:
                raise ValueError(f"Layer '{self.name}' (UnitNormalization): axis {a} is out of "
                                 f"range for inputs of shape {tuple(inputs.shape)}.")
        x = inputs if _is_float(inputs) else ops.cast(inputs, self.dtype)
        return ops.l2_normalize(x, axis=axes, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _is_float(x) -> bool:
    return x.dtype.is_floating
