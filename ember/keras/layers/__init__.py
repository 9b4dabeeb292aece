"""Keras layers: ``from ember.keras import layers; layers.Dense(64, activation='relu')``.

One import line per family (one file per family, as Keras groups its layers); a new
family appends its line.
"""

from ember.keras.layers.activations import ELU, Activation, LeakyReLU, ReLU, Softmax  # noqa: F401
from ember.keras.layers.core import Identity, Lambda  # noqa: F401
from ember.keras.layers.dense import Dense  # noqa: F401
from ember.keras.layers.embedding import Embedding  # noqa: F401
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
from ember.keras.layers.recurrent import (  # noqa: F401
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
)
from ember.keras.layers.regularization import Dropout  # noqa: F401
from ember.keras.layers.reshaping import Flatten, Permute, RepeatVector, Reshape  # noqa: F401
from ember.keras.layers.symbolic import KerasTensor  # noqa: F401
from ember.keras.layers.wrappers import Bidirectional, TimeDistributed  # noqa: F401
