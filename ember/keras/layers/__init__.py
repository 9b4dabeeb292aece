"""Keras layers: ``from ember.keras import layers; layers.Dense(64, activation='relu')``."""

from ember.keras.layers.core import (  # noqa: F401
    ELU,
    Activation,
    Dropout,
    Flatten,
    Identity,
    Lambda,
    LeakyReLU,
    Permute,
    ReLU,
    RepeatVector,
    Reshape,
    Softmax,
)
from ember.keras.layers.dense import Dense  # noqa: F401
from ember.keras.layers.input_layer import Input, InputLayer, KerasTensor  # noqa: F401
from ember.keras.layers.layer import InputSpec, Layer  # noqa: F401
from ember.keras.layers.merging import (  # noqa: F401
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    multiply,
    subtract,
)

# -- convolution, pooling, normalization and image layers (conv branch) --
# isort: split
from ember.keras.layers.convolutional import (  # noqa: F401,E402
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Convolution1D,
    Convolution2D,
    Convolution2DTranspose,
    DepthwiseConv2D,
    SeparableConv2D,
    SeparableConvolution2D,
)
from ember.keras.layers.image import (  # noqa: F401,E402
    Cropping2D,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    SpatialDropout2D,
    UpSampling2D,
    ZeroPadding2D,
)
from ember.keras.layers.normalization import (  # noqa: F401,E402
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
)
from ember.keras.layers.pooling import (  # noqa: F401,E402
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
