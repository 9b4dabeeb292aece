"""TensorFlow's beginner and expert quickstarts, basic classification and basic regression,
as the tutorials write them (Fashion-MNIST stands in for MNIST, which is offline)."""

import numpy as np

import ember as tf


def test_beginner_quickstart(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    x_train, x_test = x_train / 255.0, x_test / 255.0
    model = tf.keras.models.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation='relu'),
        tf.keras.layers.Dropout(0.2),
        tf.keras.layers.Dense(10)
    ])
    predictions = model(x_train[:1]).numpy()
    probs = tf.nn.softmax(predictions).numpy()
    assert probs.shape == (1, 10) and np.isclose(probs.sum(), 1, atol=1e-5)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    initial = loss_fn(y_train[:1], predictions).numpy()
    assert 0.5 < initial < 5  # about -log(1/10)
    model.compile(optimizer='adam', loss=loss_fn, metrics=['accuracy'])
    model.fit(x_train, y_train, epochs=3, verbose=0)
    loss, acc = model.evaluate(x_test, y_test, verbose=2)
    assert acc > 0.6
    probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
    out = probability_model(x_test[:5])
    assert out.shape == (5, 10)
    np.testing.assert_allclose(out.numpy().sum(axis=1), 1, atol=1e-5)


class MyModel(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.conv1 = tf.keras.layers.Conv2D(8, 3, activation='relu')
        self.flatten = tf.keras.layers.Flatten()
        self.d1 = tf.keras.layers.Dense(32, activation='relu')
        self.d2 = tf.keras.layers.Dense(10)

    def call(self, x):
        x = self.conv1(x)
        x = self.flatten(x)
        x = self.d1(x)
        return self.d2(x)


def test_expert_quickstart(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    x_train, x_test = x_train / 255.0, x_test / 255.0
    # Add a channels dimension
    x_train = x_train[..., tf.newaxis].astype("float32")
    x_test = x_test[..., tf.newaxis].astype("float32")
    train_ds = tf.data.Dataset.from_tensor_slices(
        (x_train[:1024], y_train[:1024])).shuffle(10000).batch(32)
    test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)
    model = MyModel()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam()
    train_loss = tf.keras.metrics.Mean(name='train_loss')
    train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name='train_accuracy')
    test_loss = tf.keras.metrics.Mean(name='test_loss')
    test_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name='test_accuracy')

    @tf.function
    def train_step(images, labels):
        with tf.GradientTape() as tape:
            # training=True is only needed if there are layers with different
            # behavior during training versus inference (e.g. Dropout).
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_loss(loss)
        train_accuracy(labels, predictions)

    @tf.function
    def test_step(images, labels):
        predictions = model(images, training=False)
        t_loss = loss_object(labels, predictions)
        test_loss(t_loss)
        test_accuracy(labels, predictions)

    EPOCHS = 2
    for epoch in range(EPOCHS):
        # Reset the metrics at the start of the next epoch
        train_loss.reset_state()
        train_accuracy.reset_state()
        test_loss.reset_state()
        test_accuracy.reset_state()
        for images, labels in train_ds:
            train_step(images, labels)
        for test_images, test_labels in test_ds:
            test_step(test_images, test_labels)
        line = (f'Epoch {epoch + 1}, '
                f'Loss: {train_loss.result():0.2f}, '
                f'Accuracy: {train_accuracy.result() * 100:0.2f}, '
                f'Test Loss: {test_loss.result():0.2f}, '
                f'Test Accuracy: {test_accuracy.result() * 100:0.2f}')
    assert line.startswith("Epoch 2, Loss: ")
    assert float(test_accuracy.result()) > 0.6


def test_basic_classification(fashion):
    (train_images, train_labels), (test_images, test_labels) = fashion
    class_names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
                   'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
    assert train_images.shape == (2000, 28, 28) and len(train_labels) == 2000
    train_images = train_images / 255.0
    test_images = test_images / 255.0
    model = tf.keras.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation='relu'),
        tf.keras.layers.Dense(10)
    ])
    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=['accuracy'])
    model.fit(train_images, train_labels, epochs=4, verbose=0)
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
    assert test_acc > 0.65
    probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
    predictions = probability_model.predict(test_images)
    assert predictions.shape == (500, 10)
    assert class_names[np.argmax(predictions[0])] in class_names
    # Grab an image from the test dataset and add it to a batch of one.
    img = test_images[1]
    img = (np.expand_dims(img, 0))
    predictions_single = probability_model.predict(img)
    assert predictions_single.shape == (1, 10)
    assert np.argmax(predictions_single[0]) == np.argmax(predictions[1])


def test_basic_regression_with_normalization():
    rng = np.random.default_rng(0)
    # Auto MPG stand-in: horsepower-like features of very different scales.
    train_features = np.stack([rng.uniform(50, 230, 300), rng.uniform(1500, 5000, 300),
                               rng.integers(3, 9, 300).astype(float)], axis=1)
    train_labels = 50 - 0.1 * train_features[:, 0] - 0.004 * train_features[:, 1] \
        + rng.normal(0, 0.5, 300)
    normalizer = tf.keras.layers.Normalization(axis=-1)
    normalizer.adapt(np.array(train_features))
    first = np.array(train_features[:1])
    normed = normalizer(first).numpy()
    np.testing.assert_allclose(normed, (first - train_features.mean(0)) / train_features.std(0),
                               rtol=1e-3)
    horsepower = np.array(train_features[:, 0])
    horsepower_normalizer = tf.keras.layers.Normalization(input_shape=[1, ], axis=None)
    horsepower_normalizer.adapt(horsepower)
    horsepower_model = tf.keras.Sequential([
        horsepower_normalizer,
        tf.keras.layers.Dense(units=1)
    ])
    assert horsepower_model.predict(horsepower[:10]).shape == (10, 1)
    horsepower_model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.1),
                             loss='mean_absolute_error')
    history = horsepower_model.fit(train_features[:, 0], train_labels, epochs=30, verbose=0,
                                   validation_split=0.2)
    assert history.history['val_loss'][-1] < history.history['val_loss'][0]

    def build_and_compile_model(norm):
        model = tf.keras.Sequential([
            norm,
            tf.keras.layers.Dense(64, activation='relu'),
            tf.keras.layers.Dense(64, activation='relu'),
            tf.keras.layers.Dense(1)
        ])
        model.compile(loss='mean_absolute_error', optimizer=tf.keras.optimizers.Adam(0.001))
        return model

    dnn_model = build_and_compile_model(normalizer)
    dnn_model.fit(train_features, train_labels, validation_split=0.2, verbose=0, epochs=40)
    test_results = dnn_model.evaluate(train_features, train_labels, verbose=0)
    assert test_results < 2.0
    test_predictions = dnn_model.predict(train_features).flatten()
    assert test_predictions.shape == (300,)
