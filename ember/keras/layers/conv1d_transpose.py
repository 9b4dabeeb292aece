"""Conv1DTranspose: the transpose of Conv1D, upsampling sequences by ``strides``; it runs as
Conv2DTranspose on a height-1 image."""

from __future__ import annotations

from ember import ops
from ember.keras import activations
from ember.keras.layers.convolutional import Conv2DTranspose
from ember.ops import conv as conv_ops


class Conv1DTranspose(Conv2DTranspose):
    """Transposed 1-D convolution over (batch, steps, channels).

    With padding='same' the output has ``steps · stride`` steps; with 'valid'
    ``(steps - 1) · stride + max(kernel, stride)``; ``output_padding`` adjusts either.
    Weights: kernel (k, filters, in), bias (filters,), as in Keras.
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)

    def call(self, inputs):
        x = self._prepare(inputs)  # (batch, 1, steps, channels)
        (steps,) = self._out_spatial((x.shape[2],))
        shape = (x.shape[0], 1, steps, self.filters)
        strides, dilations = (1,) + self.strides, (1,) + self.dilation_rate
        _, _, pads = conv_ops._geometry(self.name, shape, 1, self.kernel_size[0], strides,
                                        dilations, (self.padding, self.padding))
        y = conv_ops.conv2d_backprop_input(x, ops.expand_dims(self.kernel, 0), shape,
                                           strides=strides, dilations=dilations, pads=pads,
                                           groups=1)
        if self.bias is not None:
            y = ops.add(y, self.bias)
        y = self._finish(y)
        if self.activation is not None and self.activation is not activations.linear:
            y = self.activation(y)
        return y
