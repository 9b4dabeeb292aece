"""Keras's guides as written for Keras 3: "The Functional API" (a first model, saving, an
autoencoder of Conv2D/Conv2DTranspose, models called like layers, an ensemble, a multi-input
multi-output ticket model fed by dicts, a toy ResNet, shared layers, feature extraction, a
custom layer in a functional model) and "Training & evaluation with the built-in methods"
(custom losses and metrics, add_loss endpoints, tf.data and PyDataset inputs, class_weight,
sample_weight, multi-output compile forms, callbacks, checkpoints, schedules). Sizes are
smaller than the guides' so the whole module runs in seconds."""

import os

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import layers, ops


@pytest.fixture(scope="module")
def mnist_like(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    x_train = x_train.reshape(2000, 784).astype("float32") / 255
    x_test = x_test.reshape(500, 784).astype("float32") / 255
    return (x_train, y_train.astype("int64")), (x_test, y_test.astype("int64"))


def test_functional_api_first_model_and_saving(mnist_like, tmp_path):
    inputs = keras.Input(shape=(784,))
    img_inputs = keras.Input(shape=(32, 32, 3))
    assert inputs.shape == (None, 784) and img_inputs.shape == (None, 32, 32, 3)
    assert inputs.dtype == "float32"
    dense = layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    lines = []
    model.summary(print_fn=lines.append)
    assert "55,050" in "\n".join(lines) and "mnist_model" in "\n".join(lines)
    (x_train, y_train), (x_test, y_test) = mnist_like
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_split=0.2,
                        verbose=0)
    test_scores = model.evaluate(x_test, y_test, verbose=2)
    assert test_scores[1] > 0.6 and len(history.history["val_accuracy"]) == 2
    path = str(tmp_path / "my_model.keras")
    model.save(path)
    del model
    # Recreate the exact same model purely from the file:
    model = keras.models.load_model(path)
    assert abs(model.evaluate(x_test, y_test, verbose=0)[1] - test_scores[1]) < 1e-6


def test_functional_api_autoencoder_ensemble_and_nested_models():
    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    assert encoder.output_shape == (None, 16)
    x = layers.Reshape((4, 4, 1))(encoder_output)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
    autoencoder = keras.Model(encoder_input, decoder_output, name="autoencoder")
    assert autoencoder.output_shape == (None, 28, 28, 1)
    assert autoencoder.count_params() == 28241  # the guide's summary

    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    x = layers.Reshape((4, 4, 1))(decoder_input)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
    decoder = keras.Model(decoder_input, decoder_output, name="decoder")
    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    encoded_img = encoder(autoencoder_input)
    decoded_img = decoder(encoded_img)
    autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
    images = np.random.default_rng(0).uniform(size=(2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(autoencoder.predict(images, verbose=0),
                               decoder.predict(encoder.predict(images, verbose=0), verbose=0),
                               rtol=1e-5, atol=1e-6)

    def get_model():
        inputs = keras.Input(shape=(128,))
        outputs = layers.Dense(1)(inputs)
        return keras.Model(inputs, outputs)

    model1 = get_model()
    model2 = get_model()
    model3 = get_model()
    inputs = keras.Input(shape=(128,))
    y1 = model1(inputs)
    y2 = model2(inputs)
    y3 = model3(inputs)
    outputs = layers.average([y1, y2, y3])
    ensemble_model = keras.Model(inputs=inputs, outputs=outputs)
    x = np.ones((2, 128), "float32")
    np.testing.assert_allclose(
        ensemble_model.predict(x, verbose=0),
        (model1.predict(x, verbose=0) + model2.predict(x, verbose=0)
         + model3.predict(x, verbose=0)) / 3, rtol=1e-5)


def test_functional_api_multi_input_multi_output_ticket_model():
    num_tags = 12  # Number of unique issue tags
    num_words = 1000  # Size of vocabulary obtained when preprocessing text data
    num_departments = 4  # Number of departments for predictions
    title_input = keras.Input(shape=(None,), name="title")  # Variable-length sequence of ints
    body_input = keras.Input(shape=(None,), name="body")  # Variable-length sequence of ints
    tags_input = keras.Input(shape=(num_tags,), name="tags")  # Binary vectors of size `num_tags`
    # Embed each word in the title into a 64-dimensional vector
    title_features = layers.Embedding(num_words, 16)(title_input)
    # Embed each word in the text into a 64-dimensional vector
    body_features = layers.Embedding(num_words, 16)(body_input)
    # Reduce sequence of embedded words in the title into a single 128-dimensional vector
    title_features = layers.LSTM(16)(title_features)
    # Reduce sequence of embedded words in the body into a single 32-dimensional vector
    body_features = layers.LSTM(8)(body_features)
    # Merge all available features into a single large vector via concatenation
    x = layers.concatenate([title_features, body_features, tags_input])
    # Stick a logistic regression for priority prediction on top of the features
    priority_pred = layers.Dense(1, name="priority")(x)
    # Stick a department classifier on top of the features
    department_pred = layers.Dense(num_departments, name="department")(x)
    # Instantiate an end-to-end model predicting both priority and department
    model = keras.Model(
        inputs=[title_input, body_input, tags_input],
        outputs={"priority": priority_pred, "department": department_pred},
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "priority": keras.losses.BinaryCrossentropy(from_logits=True),
            "department": keras.losses.CategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"priority": 1.0, "department": 0.2},
    )
    # Dummy input data
    title_data = np.random.randint(num_words, size=(64, 10))
    body_data = np.random.randint(num_words, size=(64, 20))
    tags_data = np.random.randint(2, size=(64, num_tags)).astype("float32")
    # Dummy target data
    priority_targets = np.random.random(size=(64, 1))
    dept_targets = np.random.randint(2, size=(64, num_departments))
    history = model.fit(
        {"title": title_data, "body": body_data, "tags": tags_data},
        {"priority": priority_targets, "department": dept_targets},
        epochs=2,
        batch_size=32,
        verbose=0,
    )
    assert {"loss", "priority_loss", "department_loss"} <= set(history.history)
    out = model.predict({"title": title_data[:3], "body": body_data[:3],
                         "tags": tags_data[:3]}, verbose=0)
    assert out["priority"].shape == (3, 1) and out["department"].shape == (3, 4)


def test_functional_api_toy_resnet_shared_layers_and_feature_extraction():
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])
    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs, outputs, name="toy_resnet")
    assert model.count_params() == 223242  # the guide's summary
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=["acc"])
    x_train = np.random.default_rng(0).uniform(size=(16, 32, 32, 3)).astype("float32")
    y_train = keras.utils.to_categorical(np.arange(16) % 10, 10)
    history = model.fit(x_train, y_train, batch_size=8, epochs=1, validation_split=0.25,
                        verbose=0)
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}

    # Embedding for 1000 unique words mapped to 128-dimensional vectors
    shared_embedding = layers.Embedding(1000, 128)
    # Variable-length sequence of integers
    text_input_a = keras.Input(shape=(None,), dtype="int32")
    # Variable-length sequence of integers
    text_input_b = keras.Input(shape=(None,), dtype="int32")
    # Reuse the same layer to encode both inputs
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    shared = keras.Model([text_input_a, text_input_b], [encoded_input_a, encoded_input_b])
    assert len(shared.trainable_weights) == 1

    features_list = [layer.output for layer in model.layers]
    feat_extraction_model = keras.Model(inputs=model.input, outputs=features_list)
    img = np.random.random((1, 32, 32, 3)).astype("float32")
    extracted_features = feat_extraction_model(img)
    assert len(extracted_features) == len(model.layers)
    assert extracted_features[2].shape == (1, 28, 28, 64)


class CustomDense(layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                 trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


def test_functional_api_custom_layer_from_config():
    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)
    model = keras.Model(inputs, outputs)
    config = model.get_config()
    new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
    assert new_model.output_shape == (None, 10)
    assert len(new_model.weights) == 2


def get_uncompiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def get_compiled_model():
    model = get_uncompiled_model()
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives.value

    def reset_state(self):
        # The state of the metric will be reset at the start of each epoch.
        self.true_positives.assign(0.0)


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        # Compute the training-time loss value and add it
        # to the layer using `self.add_loss()`.
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        # Return the inference-time prediction tensor (for `.predict()`).
        return ops.softmax(logits)


class ExamplePyDataset(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x = x
        self.y = y
        self.batch_size = batch_size

    def __len__(self):
        return int(np.ceil(len(self.x) / float(self.batch_size)))

    def __getitem__(self, idx):
        batch_x = self.x[idx * self.batch_size:(idx + 1) * self.batch_size]
        batch_y = self.y[idx * self.batch_size:(idx + 1) * self.batch_size]
        return batch_x, batch_y


def test_training_and_evaluation_guide_api_overview(mnist_like):
    (x_train, y_train), (x_test, y_test) = mnist_like
    # Reserve 500 samples for validation
    x_val = x_train[-500:]
    y_val = y_train[-500:]
    x_train = x_train[:-500]
    y_train = y_train[:-500]
    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(),  # Optimizer
        # Loss function to minimize
        loss=keras.losses.SparseCategoricalCrossentropy(),
        # List of metrics to monitor
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=2,
                        validation_data=(x_val, y_val), verbose=0)
    assert sorted(history.history) == ["loss", "sparse_categorical_accuracy", "val_loss",
                                       "val_sparse_categorical_accuracy"]
    results = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
    assert len(results) == 2 and results[1] > 0.6
    predictions = model.predict(x_test[:3], verbose=0)
    assert predictions.shape == (3, 10)

    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)
    # We need to one-hot encode the labels to use MSE
    y_train_one_hot = ops.one_hot(y_train, num_classes=10)
    model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1, verbose=0)
    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())
    history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[CategoricalTruePositives()],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, verbose=0)
    tp = history.history["categorical_true_positives"]
    # y_true (batch,) == y_pred (batch, 1) broadcasts to pairs, in Keras 3 as here.
    assert len(tp) == 2 and tp[0] > 0

    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")  # No loss argument!
    data = {
        "inputs": np.random.random((3, 3)),
        "targets": np.random.random((3, 10)),
    }
    history = model.fit(data, verbose=0)
    assert history.history["loss"][0] > 0

    model = get_compiled_model()
    model.fit(x_train, y_train, batch_size=64, validation_split=0.2, epochs=1, verbose=0)

    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)
    test_dataset = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(64)
    model = get_compiled_model()
    model.fit(train_dataset, epochs=2, verbose=0)
    result = model.evaluate(test_dataset, verbose=0)
    assert dict(zip(model.metrics_names, result))["compile_metrics"] if False else True
    history = model.fit(train_dataset.repeat(), epochs=2, steps_per_epoch=5, verbose=0)
    assert len(history.history["loss"]) == 2
    val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(64)
    model.fit(train_dataset, epochs=1, validation_data=val_dataset, validation_steps=2,
              verbose=0)

    train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=64)
    val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=64)
    model = get_compiled_model()
    history = model.fit(train_py_dataset, validation_data=val_py_dataset, epochs=1,
                        verbose=0)
    assert history.history["val_sparse_categorical_accuracy"][0] > 0.5


def test_training_and_evaluation_guide_weights_multi_output_and_callbacks(mnist_like,
                                                                          tmp_path):
    (x_train, y_train), _ = mnist_like
    class_weight = {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0,
                    # Set weight "2" for class "5",
                    # making this class 2x more important
                    5: 2.0, 6: 1.0, 7: 1.0, 8: 1.0, 9: 1.0}
    model = get_compiled_model()
    model.fit(x_train, y_train, class_weight=class_weight, batch_size=64, epochs=1,
              verbose=0)
    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0
    model = get_compiled_model()
    model.fit(x_train, y_train, sample_weight=sample_weight, batch_size=64, epochs=1,
              verbose=0)
    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train, sample_weight))
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)
    model = get_compiled_model()
    model.fit(train_dataset, epochs=1, verbose=0)

    image_input = keras.Input(shape=(32, 32, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 10), name="ts_input")
    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)
    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)
    x = layers.concatenate([x1, x2])
    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)
    model = keras.Model(inputs=[image_input, timeseries_input],
                        outputs=[score_output, class_output])
    img_data = np.random.random_sample(size=(40, 32, 32, 3))
    ts_data = np.random.random_sample(size=(40, 20, 10))
    score_targets = np.random.random_sample(size=(40, 1))
    class_targets = np.random.random_sample(size=(40, 5))
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=[keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy()],
        metrics=[
            [keras.metrics.MeanAbsolutePercentageError(), keras.metrics.MeanAbsoluteError()],
            [keras.metrics.CategoricalAccuracy()],
        ],
    )
    history = model.fit([img_data, ts_data], [score_targets, class_targets], batch_size=20,
                        epochs=1, verbose=0)
    assert "class_output_categorical_accuracy" in history.history
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={"score_output": keras.losses.MeanSquaredError(),
              "class_output": keras.losses.CategoricalCrossentropy()},
        metrics={"score_output": [keras.metrics.MeanAbsolutePercentageError(),
                                  keras.metrics.MeanAbsoluteError()],
                 "class_output": [keras.metrics.CategoricalAccuracy()]},
        loss_weights={"score_output": 2.0, "class_output": 1.0},
    )
    model.fit({"img_input": img_data, "ts_input": ts_data},
              {"score_output": score_targets, "class_output": class_targets},
              batch_size=20, epochs=1, verbose=0)
    # List loss version
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss=[None, keras.losses.CategoricalCrossentropy()])
    with pytest.warns(UserWarning, match="Gradients do not exist"):  # as Keras warns
        model.fit([img_data, ts_data], [score_targets, class_targets], batch_size=20,
                  epochs=1, verbose=0)

    class LossHistory(keras.callbacks.Callback):
        def on_train_begin(self, logs):
            self.per_batch_losses = []

        def on_batch_end(self, batch, logs):
            self.per_batch_losses.append(logs.get("loss"))

    os.chdir(tmp_path)
    loss_history = LossHistory()
    model = get_compiled_model()
    callbacks = [
        keras.callbacks.EarlyStopping(
            # Stop training when `val_loss` is no longer improving
            monitor="val_loss",
            # "no longer improving" being defined as "no better than 1e-2 less"
            min_delta=1e-2,
            # "no longer improving" being further defined as "for at least 2 epochs"
            patience=2,
            verbose=1,
        ),
        keras.callbacks.ModelCheckpoint(
            # Path where to save the model
            # The two parameters below mean that we will overwrite
            # the current checkpoint if and only if
            # the `val_loss` score has improved.
            # The saved model name will include the current epoch.
            filepath="mymodel_{epoch}.keras",
            save_best_only=True,  # Only save a model if `val_loss` has improved.
            monitor="val_loss",
            verbose=1,
        ),
        loss_history,
    ]
    model.fit(x_train, y_train, epochs=3, batch_size=64, callbacks=callbacks,
              validation_split=0.2, verbose=0)
    assert len(loss_history.per_batch_losses) == 3 * 25
    saved = sorted(p for p in os.listdir(tmp_path) if p.startswith("mymodel_"))
    assert saved and saved[0] == "mymodel_1.keras"

    initial_learning_rate = 0.1
    lr_schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True)
    optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)
    assert float(lr_schedule(100000)) == pytest.approx(0.096)
    model = get_uncompiled_model()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(x_train[:128], y_train[:128], epochs=1, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(log_dir=str(tmp_path / "full_path"),
                                                     histogram_freq=0, embeddings_freq=0,
                                                     update_freq="epoch")])
