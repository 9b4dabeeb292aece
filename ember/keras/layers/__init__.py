"""Keras layers: ``from ember.keras import layers; layers.Dense(64, activation='relu')``.

One import line per family (one file per family, as Keras groups its layers); a new
family appends its line.
"""

from ember.keras.layers.activations import (  # noqa: F401
    ELU,
    Activation,
    LeakyReLU,
    PReLU,
    ReLU,
    Softmax,
)
from ember.keras.layers.attention import (  # noqa: F401
    AdditiveAttention,
    Attention,
    MultiHeadAttention,
)
from ember.keras.layers.convolutional import (  # noqa: F401
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
from ember.keras.layers.core import Identity, Lambda  # noqa: F401
from ember.keras.layers.dense import Dense  # noqa: F401
from ember.keras.layers.embedding import Embedding  # noqa: F401
from ember.keras.layers.image import (  # noqa: F401
    CenterCrop,
    Cropping2D,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
    SpatialDropout2D,
    UpSampling2D,
    ZeroPadding2D,
)
from ember.keras.layers.input_layer import Input, InputLayer  # noqa: F401
from ember.keras.layers.layer import InputSpec, Layer  # noqa: F401
from ember.keras.layers.masking import Masking  # noqa: F401
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
from ember.keras.layers.normalization import (  # noqa: F401
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
)
from ember.keras.layers.pooling import (  # noqa: F401
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
from ember.keras.layers.preprocessing import CategoryEncoding, Normalization  # noqa: F401
from ember.keras.layers.recurrent import (  # noqa: F401
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
)
from ember.keras.layers.regularization import (  # noqa: F401
    ActivityRegularization,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
)
from ember.keras.layers.reshaping import (  # noqa: F401
    Cropping1D,
    Flatten,
    Permute,
    RepeatVector,
    Reshape,
    UpSampling1D,
    ZeroPadding1D,
)
from ember.keras.layers.symbolic import KerasTensor  # noqa: F401
from ember.keras.layers.text import IntegerLookup, StringLookup, TextVectorization  # noqa: F401
from ember.keras.layers.wrappers import Bidirectional, TimeDistributed  # noqa: F401
