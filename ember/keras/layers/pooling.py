"""Pooling layers: the max or mean of each window (MaxPooling1D/2D, AveragePooling1D/2D) or
of the whole feature map (GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D)."""

from __future__ import annotations

from ember import ops
from ember.keras.layers.convolutional import _AXES, _DIMS, _data_format, _padding, _tuple
from ember.keras.layers.layer import Layer
from ember.ops import conv as conv_ops


class _Pooling(Layer):
    rank = 2
    _mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else _tuple(strides, self.rank,
                                                                      "strides")
        self.padding = _padding(padding)
        self.data_format = _data_format(data_format)

    def _check_shape(self, shape):
        shape, cls = tuple(shape), type(self).__name__
        if len(shape) != self.rank + 2:
            hint = " Add the channel axis, e.g. np.expand_dims(x, -1)." \
                if len(shape) == self.rank + 1 else ""
            raise ValueError(f'Input 0 of layer "{self.name}" ({cls}) is incompatible with the '
                             f"layer: expected ndim={self.rank + 2}, found ndim={len(shape)}. "
                             f"Full shape received: {shape}; expected "
                             f"{_DIMS[self.rank]}.{hint}")
        spatial = shape[1:-1] if self.data_format == "channels_last" else shape[2:]
        if self.padding == "valid":
            for axis, size, k in zip(_AXES[self.rank], spatial, self.pool_size):
                if size is not None and size < k:
                    raise ValueError(f"Layer '{self.name}' ({cls}): the pool size {k} along "
                                     f"{axis} is larger than the input's {size} (input shape "
                                     f"{shape}) with padding='valid'; use padding='same'.")
        return spatial

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = self._check_shape(input_shape)
        out = tuple(None if n is None else conv_ops.output_size(n, k, s, 1, self.padding)[0]
                    for n, k, s in zip(spatial, self.pool_size, self.strides))
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (input_shape[-1],)
        return input_shape[:2] + out

    def call(self, inputs):
        x = inputs
        self._check_shape(x.shape)
        fmt = ("NWC" if self.rank == 1 else "NHWC") if self.data_format == "channels_last" \
            else ("NCW" if self.rank == 1 else "NCHW")
        fn = {(1, "max"): conv_ops.max_pool1d, (2, "max"): conv_ops.max_pool2d,
              (1, "avg"): conv_ops.avg_pool1d, (2, "avg"): conv_ops.avg_pool2d}[
            (self.rank, self._mode)]
        return fn(x, self.pool_size, self.strides, self.padding.upper(), data_format=fmt)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


class MaxPooling2D(_Pooling):
    """The largest value of each ``pool_size`` window (default 2x2, strides = pool_size)."""


class AveragePooling2D(_Pooling):
    """The mean of each ``pool_size`` window; with 'same' padding only real pixels count."""

    _mode = "avg"


class MaxPooling1D(_Pooling):
    """The largest value of each ``pool_size`` window of a sequence (batch, steps, channels)."""

    rank = 1


class AveragePooling1D(_Pooling):
    """The mean of each ``pool_size`` window of a sequence (batch, steps, channels)."""

    rank = 1
    _mode = "avg"


class _GlobalPooling(Layer):
    rank = 2
    _reduce = staticmethod(ops.reduce_max)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.keepdims = bool(keepdims)

    def _axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return list(range(first, first + self.rank))

    def _check_shape(self, shape):
        if len(shape) != self.rank + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" ({type(self).__name__}) is '
                             f"incompatible with the layer: expected ndim={self.rank + 2}, "
                             f"found ndim={len(shape)}. Full shape received: {tuple(shape)}; "
                             f"expected {_DIMS[self.rank]}.")

    def call(self, inputs):
        self._check_shape(inputs.shape)
        return self._reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_shape(input_shape)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalMaxPooling2D(_GlobalPooling):
    """The largest value of each channel over height and width: (batch, channels)."""


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean of each channel over height and width: (batch, channels)."""

    _reduce = staticmethod(ops.reduce_mean)


class GlobalMaxPooling1D(_GlobalPooling):
    """The largest value of each channel over the steps: (batch, channels)."""

    rank = 1


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean of each channel over the steps: (batch, channels)."""

    rank = 1
    _reduce = staticmethod(ops.reduce_mean)


MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
