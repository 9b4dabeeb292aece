"""Models built the same way by Ember and by real Keras 3: each function takes the
``keras`` module to build with (``ember.keras`` or ``keras``), so both sides share one
definition. Imported by the interop tests and by ``keras_side.py`` (in a subprocess)."""

import numpy as np

N = 24  # examples; fit uses one full batch so the two frameworks see the same steps


def data(seed=0):
    rng = np.random.default_rng(seed)
    return {"x": rng.random((N, 6)).astype("float32"),
            "x2": rng.random((N, 3)).astype("float32"),
            "y": rng.integers(0, 3, N).astype("int64"),
            "r": rng.random((N, 1)).astype("float32"),
            "ids": rng.integers(1, 20, (N, 7)).astype("int32"),
            "img": rng.random((N, 10, 10, 1)).astype("float32")}


def custom_classes(keras):
    """A seed-style custom layer and a subclassed model, registered under one package."""

    @keras.saving.register_keras_serializable(package="ember_test")
    class CustomPerceptron(keras.layers.Layer):
        def __init__(self, output_dim, **kwargs):
            super().__init__(**kwargs)
            self.output_dim = output_dim

        def build(self, input_shape):
            self.W = self.add_weight(shape=(input_shape[-1], self.output_dim),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.output_dim,), initializer="zeros",
                                     trainable=True)

        def call(self, inputs):
            return keras.activations.sigmoid(inputs @ self.W + self.b)

        def get_config(self):
            return {**super().get_config(), "output_dim": self.output_dim}

    @keras.saving.register_keras_serializable(package="ember_test")
    class TwoLayerNet(keras.Model):
        def __init__(self, hidden=5, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.body = keras.layers.Dense(hidden, activation="tanh")
            self.head = keras.layers.Dense(3, activation="softmax")

        def call(self, inputs):
            return self.head(self.body(inputs))

        def get_config(self):
            return {**super().get_config(), "hidden": self.hidden}

    return CustomPerceptron, TwoLayerNet


def mlp(keras):
    """The seed's MLP shape: Dense-relu, Dense-softmax, Adam, sparse cross-entropy."""
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def two_in_two_out(keras):
    """Functional: two inputs, a shared layer used twice, two outputs, SGD with momentum."""
    L = keras.layers
    a, b = keras.Input((6,), name="a"), keras.Input((3,), name="b")
    h = L.Concatenate()([L.Dense(5, activation="relu")(a), b])
    shared = L.Dense(4, activation="tanh", name="shared")
    reg = L.Dense(1, name="reg")(shared(h))
    cls = L.Dense(3, activation="softmax", name="cls")(shared(L.Dense(8)(h)))
    model = keras.Model([a, b], [reg, cls])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                  loss=["mse", "sparse_categorical_crossentropy"])
    return model


def perceptron(keras):
    CustomPerceptron, _ = custom_classes(keras)
    model = keras.Sequential([keras.Input((6,)), CustomPerceptron(3)])
    model.compile(optimizer="rmsprop", loss="mse")
    return model


def subclassed(keras):
    _, TwoLayerNet = custom_classes(keras)
    model = TwoLayerNet(5)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model(np.zeros((1, 6), "float32"))
    return model


def lstm(keras):
    """Embedding -> Bidirectional(LSTM) -> LSTM -> Dense, Adam (a text classifier)."""
    L = keras.layers
    model = keras.Sequential([keras.Input((7,), dtype="int32"), L.Embedding(20, 5),
                              L.Bidirectional(L.LSTM(4, return_sequences=True)), L.LSTM(6),
                              L.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def gru(keras):
    """Embedding -> GRU (sequences) -> GRU -> Dense, RMSprop."""
    L = keras.layers
    model = keras.Sequential([keras.Input((7,), dtype="int32"), L.Embedding(20, 4),
                              L.GRU(5, return_sequences=True), L.GRU(3),
                              L.Dense(3, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return model


def cnn(keras):
    """The course's CNN shape: Conv2D, BatchNormalization, MaxPooling2D, Flatten, Dense."""
    L = keras.layers
    model = keras.Sequential([keras.Input((10, 10, 1)), L.Conv2D(4, 3, activation="relu"),
                              L.BatchNormalization(), L.MaxPooling2D(),
                              L.Conv2D(3, 3, padding="same"), L.Flatten(),
                              L.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def transformer(keras):
    """A small Transformer block: Embedding, self-attention, residual, LayerNormalization."""
    L = keras.layers
    ids = keras.Input((7,), dtype="int32")
    x = L.Embedding(20, 8)(ids)
    attended = L.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    x = L.LayerNormalization()(L.Add()([x, attended]))
    out = L.Dense(3, activation="softmax")(L.GlobalAveragePooling1D()(x))
    model = keras.Model(ids, out)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


# name -> (builder, inputs, targets) with keys into data()
MODELS = {"mlp": (mlp, ["x"], ["y"]),
          "two_in_two_out": (two_in_two_out, ["x", "x2"], ["r", "y"]),
          "perceptron": (perceptron, ["x"], ["onehot"]),
          "subclassed": (subclassed, ["x"], ["y"]),
          "lstm": (lstm, ["ids"], ["y"]),
          "gru": (gru, ["ids"], ["y"]),
          "cnn": (cnn, ["img"], ["y"]),
          "transformer": (transformer, ["ids"], ["y"])}

# The layers each model needs: a model runs only where the Ember under test has them.
NEEDS = {"cnn": ("Conv2D", "BatchNormalization", "MaxPooling2D"), "lstm": ("Bidirectional",),
         "transformer": ("MultiHeadAttention", "LayerNormalization", "GlobalAveragePooling1D")}


def available(keras):
    return [n for n in MODELS if all(hasattr(keras.layers, c) for c in NEEDS.get(n, ()))]


def arrays(names, d):
    out = []
    for n in names:
        out.append(np.eye(3, dtype="float32")[d["y"]] if n == "onehot" else d[n])
    return out[0] if len(out) == 1 else out
