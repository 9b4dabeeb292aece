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

# -- normalization (conv branch) --
from ember.keras.layers.normalization import LayerNormalization  # noqa: F401,E402
