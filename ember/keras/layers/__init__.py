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

# -- sequence models (issue 12): embedding, recurrent layers and cells, wrappers, masking --
from ember.keras.layers.embedding import Embedding  # noqa: F401
from ember.keras.layers.input_layer import Input, InputLayer, KerasTensor  # noqa: F401
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
from ember.keras.layers.recurrent import (  # noqa: F401
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
)
from ember.keras.layers.wrappers import Bidirectional, TimeDistributed  # noqa: F401
