"""Convolution layers: Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D.

Each output pixel is a small Dense layer applied to the window of inputs under the kernel,
with the same weights at every position:

    y[i, j, o] = b[o] + Σ_{a, b, c} x[i·s + a, j·s + b, c] · kernel[a, b, c, o]

Weights are laid out as Keras 3 lays them out (Conv2D kernel (kh, kw, in, out) then bias
(out,)), so weight files move between Ember and Keras unchanged.
"""

from __future__ import annotations

from ember import ops
from ember.keras import activations, constraints, initializers, regularizers
from ember.keras.layers.layer import Layer
from ember.ops import conv as conv_ops


def _ser(module, obj):
    return None if obj is None else module.serialize(obj)


def _tuple(value, n, name, allow_zero=False):
    """Keras's ``standardize_tuple``: an int or n ints, positive (or >= 0), echoed if bad."""
    try:
        vals = (int(value),) * n if isinstance(value, int) else tuple(value)
    except TypeError:
        vals = ()
    if len(vals) != n or not all(isinstance(v, int) and not isinstance(v, bool)
                                 or getattr(v, "is_integer", lambda: False)() for v in vals):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received "
                         f"{name}={value!r}")
    vals = tuple(int(v) for v in vals)
    if any(v < 0 or (v == 0 and not allow_zero) for v in vals):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} "
                         f"{'non-negative' if allow_zero else 'positive'} integers. Received "
                         f"{name}={value!r}")
    return vals


def _padding(value, allow_causal=False):
    p = value.lower() if isinstance(value, str) else value
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if p not in allowed:
        raise ValueError(f"The `padding` argument must be one of {allowed}. Received: "
                         f"padding={value!r}")
    return p


def _data_format(value):
    value = "channels_last" if value is None else str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={value!r}")
    return value


def _positive_int(value, name, layer):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"Invalid value for argument `{name}` of {layer}. Expected a strictly "
                         f"positive integer. Received {name}={value!r}.")
    return value


_DIMS = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)"}
_AXES = {1: ("steps",), 2: ("height", "width")}


class _Conv(Layer):
    """What every convolution layer shares: argument checks, input checks, config."""

    rank = 2
    _kernel_name = "kernel"

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        kwargs.pop("lora_rank", None)
        kwargs.pop("lora_alpha", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.filters = None if filters is None else _positive_int(filters, "filters", cls)
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(strides, self.rank, "strides")
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = _padding(padding, allow_causal=self.rank == 1)
        self.data_format = _data_format(data_format)
        self.groups = _positive_int(groups, "groups", cls)
        if self.filters is not None and self.filters % self.groups:
            raise ValueError("The number of filters must be evenly divisible by the number of "
                             f"groups. Received: groups={self.groups}, filters={self.filters}.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > "
                             f"1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        # relu runs inside the convolution op (one op, one pass over the output).
        self._fused = "relu" if activations.FUSED.get(self.activation) == "relu" else None

    # -- shapes -------------------------------------------------------------------------
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _spatial(self, shape):
        return tuple(shape[1:-1]) if self.data_format == "channels_last" else tuple(shape[2:])

    def _check_shape(self, shape):
        """A clear error for an input that cannot be convolved by this layer."""
        shape = tuple(shape)
        cls, want = type(self).__name__, self.rank + 2
        if len(shape) != want:
            hint = ""
            if len(shape) == want - 1:
                hint = (" The channel axis seems to be missing: a batch of single-channel "
                        "images needs one, e.g. x = np.expand_dims(x, -1).")
            raise ValueError(f'Input 0 of layer "{self.name}" ({cls}) is incompatible with the '
                             f"layer: expected ndim={want}, found ndim={len(shape)}. Full shape "
                             f"received: {shape}; expected {_DIMS[self.rank]}.{hint}")
        channels = shape[self._channel_axis()]
        built = getattr(self, "_in_channels", None)
        if built is not None and channels is not None and channels != built:
            raise ValueError(f"Layer '{self.name}' ({cls}) was built for inputs with {built} "
                             f"channels (kernel shape {self._kernel_shape_text()}), but received "
                             f"an input with {channels} channels: shape {shape}.")
        if self.padding == "valid" and not getattr(self, "_transposed", False):
            for axis, size, k, d in zip(_AXES[self.rank], self._spatial(shape),
                                        self.kernel_size, self.dilation_rate):
                k_eff = (k - 1) * d + 1
                if size is not None and size < k_eff:
                    raise ValueError(
                        f"Layer '{self.name}' ({cls}): the kernel size {k_eff} along {axis} is "
                        f"larger than the input's {size} (input shape {shape}) with "
                        "padding='valid'; use padding='same' or a smaller kernel_size.")

    def _kernel_shape_text(self):
        return tuple(self.kernel.shape)

    def _out_spatial(self, spatial):
        out = []
        for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate):
            if size is None:
                out.append(None)
            elif self.padding == "causal":
                out.append(conv_ops.output_size(size, k, s, d, ((k - 1) * d, 0))[0])
            else:
                out.append(conv_ops.output_size(size, k, s, d, self.padding)[0])
        return tuple(out)

    def _out_channels(self, in_channels):
        return self.filters

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_shape(input_shape)
        spatial = self._out_spatial(self._spatial(input_shape))
        c = self._out_channels(input_shape[self._channel_axis()])
        if self.data_format == "channels_last":
            return (input_shape[0],) + spatial + (c,)
        return (input_shape[0], c) + spatial

    # -- weights ------------------------------------------------------------------------
    def build(self, input_shape):
        self._check_shape(input_shape)
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"Layer '{self.name}': the channel dimension of the inputs must be "
                             f"defined. Received input_shape={tuple(input_shape)}.")
        if channels % self.groups:
            raise ValueError("The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {channels} channels (full input shape is "
                             f"{tuple(input_shape)}).")
        self._make_weights(channels)
        self._in_channels = channels
        self.built = True

    def _make_weights(self, channels):
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self._make_bias(self.filters)

    def _make_bias(self, n):
        if not self.use_bias:
            return None
        return self.add_weight(name="bias", shape=(n,), initializer=self.bias_initializer,
                               regularizer=self.bias_regularizer,
                               constraint=self.bias_constraint)

    # -- computing ----------------------------------------------------------------------
    def _prepare(self, inputs):
        x = inputs
        self._check_shape(x.shape)
        if x.dtype != self.dtype:
            x = ops.cast(x, self.dtype)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0,) + tuple(range(2, self.rank + 2)) + (1,))
        if self.rank == 1:
            x = ops.expand_dims(x, 1)
        return x

    def _finish(self, y):
        if self.rank == 1:
            y = ops.squeeze(y, 1)
        if self.data_format == "channels_first":
            y = ops.transpose(y, (0, self.rank + 1) + tuple(range(1, self.rank + 1)))
        return y

    def _pads(self):
        if self.padding == "causal":
            return ((0, 0), ((self.kernel_size[0] - 1) * self.dilation_rate[0], 0))
        return (self.padding, self.padding)

    def _geometry2d(self):
        """(strides, dilations) as 2-D pairs (1-D layers run as 2-D ones of height 1)."""
        if self.rank == 1:
            return (1,) + self.strides, (1,) + self.dilation_rate
        return self.strides, self.dilation_rate

    def _kernel2d(self, kernel):
        return ops.expand_dims(kernel, 0) if self.rank == 1 else kernel

    def _conv(self, x, kernel, bias, groups, activation):
        strides, dilations = self._geometry2d()
        return conv_ops.conv2d_raw(x, self._kernel2d(kernel), bias, strides=strides,
                                   dilations=dilations, pads=self._pads(), groups=groups,
                                   activation=activation)

    def call(self, inputs):
        x = self._prepare(inputs)
        y = self._conv(x, self.kernel, self.bias, self.groups, self._fused)
        y = self._finish(y)
        if self._fused is None and self.activation is not None \
                and self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def _call_with_pool(self, x, pool):
        """``MaxPooling2D(pool)(self(x))`` as one op (``conv_ops.conv2d_max_pool``), for
        ``Sequential``, which checks first that nothing else of either layer's call applies
        (stride 1, channels last, relu or linear, the kernel's dtype and channels)."""
        return conv_ops.conv2d_max_pool(x, self.kernel, self.bias, pads=self._pads(),
                                        activation=self._fused, pool=pool)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _ser(regularizers, self.kernel_regularizer),
            "bias_regularizer": _ser(regularizers, self.bias_regularizer),
            "activity_regularizer": _ser(regularizers, self.activity_regularizer),
            "kernel_constraint": _ser(constraints, self.kernel_constraint),
            "bias_constraint": _ser(constraints, self.bias_constraint),
        })
        return config


class Conv2D(_Conv):
    """2-D convolution over images (batch, height, width, channels).

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or (height, width) of the window.
        strides: int or pair (default 1). padding: 'valid' (default) or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: int or pair (default 1). groups: split channels into groups (default 1).
        activation, use_bias, kernel/bias initializer, regularizer, constraint: as Dense.
    Weights: kernel (kh, kw, in/groups, filters), bias (filters,).
    """

    rank = 2


class Conv1D(_Conv):
    """1-D convolution over sequences (batch, steps, channels); padding may also be 'causal'
    (left-padded, so output t sees inputs up to t). Kernel (k, in/groups, filters)."""

    rank = 1


class Conv2DTranspose(_Conv):
    """The transpose of Conv2D (sometimes called deconvolution): upsamples by ``strides``.

    With padding='same' the output is ``input · stride``; with 'valid' it is
    ``(input - 1) · stride + max(kernel, stride)``; ``output_padding`` adjusts either.
    Weights: kernel (kh, kw, filters, in) (out and in swapped, as in Keras), bias (filters,).
    """

    rank = 2
    _transposed = True

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        self.output_padding = None if output_padding is None else _tuple(
            output_padding, self.rank, "output_padding", allow_zero=True)
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all "
                        f"dimensions. At dimension {i}, `output_padding` is {op} but "
                        f"`strides` is {s}. Received: output_padding={self.output_padding}, "
                        f"strides={self.strides}")
        self._fused = None

    def _make_weights(self, channels):
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self._make_bias(self.filters)

    def _out_spatial(self, spatial):
        out = []
        for i, (size, k, s, d) in enumerate(zip(spatial, self.kernel_size, self.strides,
                                                self.dilation_rate)):
            op = None if self.output_padding is None else self.output_padding[i]
            k_eff = (k - 1) * d + 1
            if size is None:
                out.append(None)
            elif self.padding == "valid":
                out.append((size - 1) * s + k_eff + (max(k_eff, s) - k_eff if op is None else op))
            else:
                out.append(size * s if op is None else (size - 1) * s + k_eff % 2 + op)
        return tuple(out)

    def call(self, inputs):
        x = self._prepare(inputs)
        shape = (x.shape[0],) + self._out_spatial(tuple(x.shape[1:3])) + (self.filters,)
        oh, ow, pads = conv_ops._geometry(self.name, shape, self.kernel_size[0],
                                          self.kernel_size[1], self.strides,
                                          self.dilation_rate, (self.padding, self.padding))
        y = conv_ops.conv2d_backprop_input(x, self.kernel, shape, strides=self.strides,
                                           dilations=self.dilation_rate, pads=pads, groups=1)
        if self.bias is not None:
            y = ops.add(y, self.bias)
        y = self._finish(y)
        if self.activation is not None and self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


class DepthwiseConv2D(_Conv):
    """Convolves each input channel with its own ``depth_multiplier`` filters (no mixing
    across channels): output channel c·M + m. Kernel (kh, kw, in, M), bias (in·M,)."""

    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=depthwise_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier",
                                              type(self).__name__)

    def _out_channels(self, in_channels):
        return None if in_channels is None else in_channels * self.depth_multiplier

    def _make_weights(self, channels):
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self._make_bias(channels * self.depth_multiplier)

    def call(self, inputs):
        x = self._prepare(inputs)
        c = self._in_channels
        kernel = ops.reshape(self.kernel, self.kernel_size + (1, c * self.depth_multiplier))
        y = self._finish(self._conv(x, kernel, self.bias, c, self._fused))
        if self._fused is None and self.activation is not None \
                and self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "groups", "kernel_initializer", "kernel_regularizer",
                    "kernel_constraint"):
            config.pop(key)
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.kernel_initializer),
            "depthwise_regularizer": _ser(regularizers, self.kernel_regularizer),
            "depthwise_constraint": _ser(constraints, self.kernel_constraint),
        })
        return config


class SeparableConv2D(_Conv):
    """A depthwise convolution (per channel) then a 1x1 convolution mixing channels: far
    fewer weights than Conv2D. Weights: depthwise_kernel (kh, kw, in, M),
    pointwise_kernel (1, 1, in·M, filters), bias (filters,)."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=depthwise_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier",
                                              type(self).__name__)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _kernel_shape_text(self):
        return tuple(self.depthwise_kernel.shape)

    def _make_weights(self, channels):
        m = self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, m),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1, 1, channels * m, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = self._make_bias(self.filters)

    def call(self, inputs):
        x = self._prepare(inputs)
        c, m = self._in_channels, self.depth_multiplier
        depthwise = ops.reshape(self.depthwise_kernel, self.kernel_size + (1, c * m))
        y = self._conv(x, depthwise, None, c, None)
        y = conv_ops.conv2d_raw(y, self.pointwise_kernel, self.bias, activation=self._fused)
        y = self._finish(y)
        if self._fused is None and self.activation is not None \
                and self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def get_config(self):
        config = super().get_config()
        for key in ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.kernel_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": _ser(regularizers, self.kernel_regularizer),
            "pointwise_regularizer": _ser(regularizers, self.pointwise_regularizer),
            "depthwise_constraint": _ser(constraints, self.kernel_constraint),
            "pointwise_constraint": _ser(constraints, self.pointwise_constraint),
        })
        return config


Convolution1D, Convolution2D, Convolution2DTranspose = Conv1D, Conv2D, Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
