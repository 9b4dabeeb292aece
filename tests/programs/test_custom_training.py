"""Custom training programs: TensorFlow's "Custom training: walkthrough" (make_csv_dataset,
pack_features_vector, a GradientTape loop with SGD and metric objects), "Basic training
loops" (a tf.Module linear model, then the same as a keras.Model with fit), and Keras's
"Writing a training loop from scratch" (tf.function steps, optimizer.apply, add_loss)."""

import numpy as np

import ember as tf
from ember import keras


def write_iris_like(path, n=120, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
    labels = rng.integers(0, 3, n)
    x = centres[labels] + rng.normal(0, 0.25, (n, 4))
    with open(path, "w") as f:
        f.write(f"{n},4,setosa,versicolor,virginica\n")
        for row, label in zip(x, labels):
            f.write(",".join(f"{v:.1f}" for v in row) + f",{label}\n")


def test_custom_training_walkthrough(tmp_path):
    # Seeded here, so that what earlier tests drew does not decide the initial weights (the
    # tutorial's 201 epochs reach > 0.8 from most of them; 40 did not from some).
    tf.keras.utils.set_random_seed(0)
    train_dataset_fp = str(tmp_path / "iris_training.csv")
    test_fp = str(tmp_path / "iris_test.csv")
    write_iris_like(train_dataset_fp)
    write_iris_like(test_fp, n=30, seed=1)
    # column order in CSV file
    column_names = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']
    feature_names = column_names[:-1]
    label_name = column_names[-1]
    class_names = ['Iris setosa', 'Iris versicolor', 'Iris virginica']
    batch_size = 32
    train_dataset = tf.data.experimental.make_csv_dataset(
        train_dataset_fp,
        batch_size,
        column_names=column_names,
        label_name=label_name,
        num_epochs=1)
    features, labels = next(iter(train_dataset))
    assert list(features.keys()) == feature_names
    assert features['sepal_length'].dtype == tf.float32 and labels.dtype == tf.int32
    assert labels.shape == (32,)

    def pack_features_vector(features, labels):
        """Pack the features into a single array."""
        features = tf.stack(list(features.values()), axis=1)
        return features, labels

    train_dataset = train_dataset.map(pack_features_vector)
    features, labels = next(iter(train_dataset))
    assert features.shape == (32, 4)

    model = tf.keras.Sequential([
        tf.keras.layers.Dense(10, activation=tf.nn.relu, input_shape=(4,)),  # input shape required
        tf.keras.layers.Dense(10, activation=tf.nn.relu),
        tf.keras.layers.Dense(3)
    ])
    predictions = model(features)
    assert tf.nn.softmax(predictions[:5]).shape == (5, 3)
    line = "Prediction: {}".format(tf.math.argmax(predictions, axis=1))
    assert line.startswith("Prediction: [")  # format() shows the values, as TF
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def loss(model, x, y, training):
        # training=training is needed only if there are layers with different
        # behavior during training versus inference (e.g. Dropout).
        y_ = model(x, training=training)
        return loss_object(y_true=y, y_pred=y_)

    l = loss(model, features, labels, training=False)
    assert float(l) > 0

    def grad(model, inputs, targets):
        with tf.GradientTape() as tape:
            loss_value = loss(model, inputs, targets, training=True)
        return loss_value, tape.gradient(loss_value, model.trainable_variables)

    optimizer = tf.keras.optimizers.SGD(learning_rate=0.05)
    loss_value, grads = grad(model, features, labels)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert optimizer.iterations.numpy() == 1

    train_loss_results = []
    train_accuracy_results = []
    num_epochs = 201  # as the tutorial
    for epoch in range(num_epochs):
        epoch_loss_avg = tf.keras.metrics.Mean()
        epoch_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
        # Training loop - using batches of 32
        for x, y in train_dataset:
            # Optimize the model
            loss_value, grads = grad(model, x, y)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            # Track progress
            epoch_loss_avg.update_state(loss_value)  # Add current batch loss
            # Compare predicted label to actual label
            # training=True is needed only if there are layers with different
            # behavior during training versus inference (e.g. Dropout).
            epoch_accuracy.update_state(y, model(x, training=True))
        # End epoch
        train_loss_results.append(epoch_loss_avg.result())
        train_accuracy_results.append(epoch_accuracy.result())
        if epoch % 50 == 0:
            "Epoch {:03d}: Loss: {:.3f}, Accuracy: {:.3%}".format(
                epoch, epoch_loss_avg.result(), epoch_accuracy.result())
    assert float(train_loss_results[-1]) < float(train_loss_results[0])

    test_dataset = tf.data.experimental.make_csv_dataset(
        test_fp, batch_size, column_names=column_names, label_name='species', num_epochs=1,
        shuffle=False)
    test_dataset = test_dataset.map(pack_features_vector)
    test_accuracy = tf.keras.metrics.Accuracy()
    ds_test_batch = test_dataset.batch(10) if False else test_dataset
    for (x, y) in ds_test_batch:
        # training=False is needed only if there are layers with different
        # behavior during training versus inference (e.g. Dropout).
        logits = model(x, training=False)
        prediction = tf.math.argmax(logits, axis=1, output_type=tf.int32)
        test_accuracy(prediction, y)
    assert float(test_accuracy.result()) > 0.8
    assert tf.stack([y, prediction], axis=1).shape == (len(y), 2)

    predict_dataset = tf.convert_to_tensor([
        [5.1, 3.3, 1.7, 0.5, ],
        [5.9, 3.0, 4.2, 1.5, ],
        [6.9, 3.1, 5.4, 2.1]
    ])
    predictions = model(predict_dataset, training=False)
    names = []
    for i, logits in enumerate(predictions):
        class_idx = tf.math.argmax(logits).numpy()
        p = tf.nn.softmax(logits)[class_idx]
        name = class_names[class_idx]
        names.append(name)
        "Example {} prediction: {} ({:4.1f}%)".format(i, name, 100 * p)
    assert names == class_names


class MyModel(tf.Module):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Initialize the weights to `5.0` and the bias to `0.0`
        # In practice, these should be randomly initialized
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def __call__(self, x):
        return self.w * x + self.b


class MyModelKeras(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Initialize the weights to `5.0` and the bias to `0.0`
        # In practice, these should be randomly initialized
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def call(self, x):
        return self.w * x + self.b


def test_basic_training_loops():
    TRUE_W = 3.0
    TRUE_B = 2.0
    NUM_EXAMPLES = 201
    # A vector of random x values
    x = tf.linspace(-2, 2, NUM_EXAMPLES)
    x = tf.cast(x, tf.float32)

    def f(x):
        return x * TRUE_W + TRUE_B

    # Generate some noise
    noise = tf.random.normal(shape=[NUM_EXAMPLES])
    # Calculate y
    y = f(x) + noise
    model = MyModel()
    # List the variables tf.modules's built-in variable aggregation.
    assert len(model.variables) == 2
    # Verify the model works
    assert model(3.0).numpy() == 15.0

    # This computes a single loss value for an entire batch
    def loss(target_y, predicted_y):
        return tf.reduce_mean(tf.square(target_y - predicted_y))

    first = loss(y, model(x)).numpy()

    # Given a callable model, inputs, outputs, and a learning rate...
    def train(model, x, y, learning_rate):
        with tf.GradientTape() as t:
            # Trainable variables are automatically tracked by GradientTape
            current_loss = loss(y, model(x))
        # Use GradientTape to calculate the gradients with respect to W and b
        dw, db = t.gradient(current_loss, [model.w, model.b])
        # Subtract the gradient scaled by the learning rate
        model.w.assign_sub(learning_rate * dw)
        model.b.assign_sub(learning_rate * db)

    weights = []
    biases = []
    epochs = range(10)

    def training_loop(model, x, y):
        for epoch in epochs:
            # Update the model with the single giant batch
            train(model, x, y, learning_rate=0.1)
            # Track this before I update
            weights.append(model.w.numpy())
            biases.append(model.b.numpy())
            current_loss = loss(y, model(x))
            f"Epoch {epoch:2d}:"
            f"    W = {weights[-1]:1.2f}, b = {biases[-1]:1.2f}, loss={current_loss:2.5f}"

    training_loop(model, x, y)
    assert loss(y, model(x)).numpy() < first / 3
    assert abs(model.w.numpy() - TRUE_W) < 0.5

    keras_model = MyModelKeras()
    # Reuse the training loop with a Keras model
    training_loop(keras_model, x, y)
    # You can also save a checkpoint using Keras's built-in support
    keras_model.save_weights("/tmp/" + f"my_checkpoint_{id(keras_model)}.weights.h5")
    keras_model = MyModelKeras()
    # compile sets the training parameters
    keras_model.compile(
        # By default, fit() uses tf.function().  You can
        # turn that off for debugging, but it is on now.
        run_eagerly=False,
        # Using a built-in optimizer, configuring as an object
        optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),
        # Keras comes with built-in MSE error
        # However, you could use the loss function
        # defined above
        loss=tf.keras.losses.mean_squared_error,
    )
    keras_model.fit(x, y, epochs=10, batch_size=1000, verbose=0)
    assert abs(keras_model.w.numpy() - TRUE_W) < 0.5
    assert abs(keras_model.b.numpy() - TRUE_B) < 0.5


def get_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x1 = keras.layers.Dense(64, activation="relu")(inputs)
    x2 = keras.layers.Dense(64, activation="relu")(x1)
    outputs = keras.layers.Dense(10, name="predictions")(x2)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def test_writing_a_training_loop_from_scratch(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    model = get_model()
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    batch_size = 64
    x_train = np.reshape(x_train, (-1, 784)).astype("float32") / 255
    x_test = np.reshape(x_test, (-1, 784)).astype("float32") / 255
    y_train = keras.utils.to_categorical(y_train) if False else y_train
    # Reserve 500 samples for validation.
    x_val = x_train[-500:]
    y_val = y_train[-500:]
    x_train = x_train[:-500]
    y_train = y_train[:-500]
    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(batch_size)
    val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val))
    val_dataset = val_dataset.batch(batch_size)

    epochs = 1
    for epoch in range(epochs):
        for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
            with tf.GradientTape() as tape:
                logits = model(x_batch_train, training=True)
                loss_value = loss_fn(y_batch_train, logits)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply(grads, model.trainable_weights)
    assert optimizer.iterations.numpy() == step + 1 == 24

    model = get_model()
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    val_acc_metric = keras.metrics.SparseCategoricalAccuracy()

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_acc_metric.update_state(y, logits)
        return loss_value

    @tf.function
    def test_step(x, y):
        val_logits = model(x, training=False)
        val_acc_metric.update_state(y, val_logits)

    for epoch in range(2):
        for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
            loss_value = train_step(x_batch_train, y_batch_train)
        train_acc = train_acc_metric.result()
        train_acc_metric.reset_state()
        for x_batch_val, y_batch_val in val_dataset:
            test_step(x_batch_val, y_batch_val)
        val_acc = val_acc_metric.result()
        val_acc_metric.reset_state()
    assert float(train_acc) > 0.6 and float(val_acc) > 0.6

    class ActivityRegularizationLayer(keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(1e-2 * tf.reduce_sum(inputs))
            return inputs

    inputs = keras.Input(shape=(784,), name="digits")
    x = keras.layers.Dense(64, activation="relu")(inputs)
    # Insert activity regularization as a layer
    x = ActivityRegularizationLayer()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(10, name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)

    @tf.function
    def train_step_with_losses(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
            # Add any extra losses created during the forward pass.
            loss_value += sum(model.losses)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        return loss_value

    x_b, y_b = next(iter(train_dataset))
    plain = float(loss_fn(y_b, model(x_b)))
    assert len(model.losses) == 1
    reg = float(model.losses[0])
    assert reg > 0
    total = float(train_step_with_losses(x_b, y_b))
    np.testing.assert_allclose(total, plain + reg, rtol=1e-4)
