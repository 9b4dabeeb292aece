"""MIT 6.S191 lab code: Lab 1 part 1 (tensors, computations, a custom Dense layer, the
Sequential and subclassing APIs, GradientTape, minimising a function by SGD), Lab 1 part 2
(character model with a stateful LSTM trained by a tf.function step, rebuilt with batch size
1 and sampled), and Lab 2 part 1 (the MNIST fully connected and CNN models, fit and a
GradientTape loop with tf.keras.backend.sparse_categorical_crossentropy). Fashion-MNIST
stands in for MNIST; a small ABC-notation song text for the Irish folk songs."""

import os

import numpy as np

import ember as tf
from ember.keras import Sequential
from ember.keras.layers import Dense


class OurDenseLayer(tf.keras.layers.Layer):
    def __init__(self, n_output_nodes):
        super(OurDenseLayer, self).__init__()  # noqa: UP008 (as the lab writes it)
        self.n_output_nodes = n_output_nodes

    def build(self, input_shape):
        d = int(input_shape[-1])
        # Define and initialize parameters: a weight matrix W and bias b
        # Note that parameter initialization is random!
        self.W = self.add_weight("weight", shape=[d, self.n_output_nodes])
        self.b = self.add_weight("bias", shape=[1, self.n_output_nodes])  # note the dimensionality

    def call(self, x):
        z = tf.matmul(x, self.W) + self.b
        y = tf.sigmoid(z)
        return y


class SubclassModel(tf.keras.Model):
    def __init__(self, n_output_nodes):
        super(SubclassModel, self).__init__()  # noqa: UP008
        self.dense_layer = Dense(n_output_nodes, activation='sigmoid')

    def call(self, inputs):
        return self.dense_layer(inputs)


class IdentityModel(tf.keras.Model):
    def __init__(self, n_output_nodes):
        super(IdentityModel, self).__init__()  # noqa: UP008
        self.dense_layer = tf.keras.layers.Dense(n_output_nodes, activation='sigmoid')

    def call(self, inputs, isidentity=False):
        x = self.dense_layer(inputs)
        if isidentity:
            return inputs
        return x


def test_lab1_part1_intro_to_tensorflow():
    sport = tf.constant("Tennis", tf.string)
    number = tf.constant(1.41421356237, tf.float64)
    assert "`sport` is a {}-d Tensor".format(tf.rank(sport).numpy()) == "`sport` is a 0-d Tensor"
    assert tf.rank(number).numpy() == 0
    sports = tf.constant(["Tennis", "Basketball"], tf.string)
    numbers = tf.constant([3.141592, 1.414213, 2.71821], tf.float64)
    assert tf.rank(sports).numpy() == 1 and tf.shape(numbers).numpy().tolist() == [3]
    matrix = tf.constant([[1, 2, 3], [4, 5, 6]])
    assert isinstance(matrix, tf.Tensor), "matrix must be a tf Tensor object"
    assert tf.rank(matrix).numpy() == 2
    images = tf.zeros([10, 256, 256, 3])
    assert isinstance(images, tf.Tensor), "matrix must be a tf Tensor object"
    assert tf.rank(images).numpy() == 4, "matrix must be of rank 4"
    assert tf.shape(images).numpy().tolist() == [10, 256, 256, 3], "matrix is incorrect shape"
    row_vector = matrix[1]
    column_vector = matrix[:, 1]
    scalar = matrix[0, 1]
    assert row_vector.numpy().tolist() == [4, 5, 6]
    assert column_vector.numpy().tolist() == [2, 5] and scalar.numpy() == 2

    a = tf.constant(15)
    b = tf.constant(61)
    c1 = tf.add(a, b)
    c2 = a + b  # TensorFlow overrides the "+" operation so that it is able to act on Tensors
    assert c1.numpy() == c2.numpy() == 76

    def func(a, b):
        c = tf.add(a, b)
        d = tf.subtract(b, 1)
        e = tf.multiply(c, d)
        return e

    a, b = 1.5, 2.5
    e_out = func(a, b)
    assert e_out.numpy() == 6.0

    tf.keras.utils.set_random_seed(1)
    layer = OurDenseLayer(3)
    layer.build((1, 2))
    x_input = tf.constant([[1, 2.]], shape=(1, 2))
    y = layer.call(x_input)
    assert y.shape == (1, 3) and ((0 < y.numpy()) & (y.numpy() < 1)).all()

    n_output_nodes = 3
    model = Sequential()
    dense_layer = Dense(n_output_nodes, activation='sigmoid')
    model.add(dense_layer)
    x_input = tf.constant([[1, 2.]], shape=(1, 2))
    model_output = model(x_input).numpy()
    assert model_output.shape == (1, 3)

    model = SubclassModel(n_output_nodes)
    assert model.call(x_input).shape == (1, 3)
    model = IdentityModel(n_output_nodes)
    out_activate = model.call(x_input)
    out_identity = model.call(x_input, isidentity=True)
    assert out_activate.shape == (1, 3)
    np.testing.assert_array_equal(out_identity.numpy(), x_input.numpy())

    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    dy_dx = tape.gradient(y, x)
    assert dy_dx.numpy() == 6.0

    x = tf.Variable([tf.random.normal([1])])
    assert x.shape == (1, 1)
    learning_rate = 1e-2  # learning rate for SGD
    history = []
    # Define the target value
    x_f = 4
    for i in range(500):
        with tf.GradientTape() as tape:
            loss = (x - x_f)**2  # "forward pass": record the current loss on the tape
        # loss minimization using gradient tape
        grad = tape.gradient(loss, x)  # compute the derivative of the loss with respect to x
        new_x = x - learning_rate * grad  # sgd update
        x.assign(new_x)  # update the value of x
        history.append(x.numpy()[0])
    assert abs(history[-1][0] - x_f) < 1e-3


SONG = """X:1
T:The Rose of Tralee
M:6/8
K:G
|:GAB d2e|dBG A2B|GAB d2e|dBG G3:|
|:gfe dBG|ABc dBG|gfe dBG|AGF G3:|
"""


def test_lab1_part2_music_generation_character_model(tmp_path):
    songs_joined = "\n\n".join([SONG] * 12)
    vocab = sorted(set(songs_joined))
    char2idx = {u: i for i, u in enumerate(vocab)}
    idx2char = np.array(vocab)

    def vectorize_string(string):
        return np.array([char2idx[c] for c in string])

    vectorized_songs = vectorize_string(songs_joined)

    def get_batch(vectorized_songs, seq_length, batch_size):
        # the length of the vectorized songs string
        n = vectorized_songs.shape[0] - 1
        # randomly choose the starting indices for the examples in the training batch
        idx = np.random.choice(n - seq_length, batch_size)
        input_batch = [vectorized_songs[i: i + seq_length] for i in idx]
        output_batch = [vectorized_songs[i + 1: i + seq_length + 1] for i in idx]
        # x_batch, y_batch provide the true inputs and targets for network training
        x_batch = np.reshape(input_batch, [batch_size, seq_length])
        y_batch = np.reshape(output_batch, [batch_size, seq_length])
        return x_batch, y_batch

    x_batch, y_batch = get_batch(vectorized_songs, seq_length=5, batch_size=1)
    assert np.array_equal(x_batch[0, 1:], y_batch[0, :-1])

    def LSTM(rnn_units):
        return tf.keras.layers.LSTM(
            rnn_units,
            return_sequences=True,
            recurrent_initializer='glorot_uniform',
            recurrent_activation='sigmoid',
            stateful=True,
        )

    def build_model(vocab_size, embedding_dim, rnn_units, batch_size):
        model = tf.keras.Sequential([
            # Layer 1: Embedding layer to transform indices into dense vectors
            #   of a fixed embedding size
            tf.keras.layers.Embedding(vocab_size, embedding_dim,
                                      batch_input_shape=[batch_size, None]),
            # Layer 2: LSTM with `rnn_units` number of units.
            LSTM(rnn_units),
            # Layer 3: Dense (fully-connected) layer that transforms the LSTM output
            #   into the vocabulary size.
            tf.keras.layers.Dense(vocab_size)
        ])
        return model

    vocab_size = len(vocab)
    embedding_dim = 16
    rnn_units = 64
    batch_size = 8
    seq_length = 40
    model = build_model(vocab_size, embedding_dim, rnn_units, batch_size)
    x, y = get_batch(vectorized_songs, seq_length=seq_length, batch_size=batch_size)
    pred = model(x)
    assert pred.shape == (batch_size, seq_length, vocab_size)
    sampled_indices = tf.random.categorical(pred[0], num_samples=1)
    sampled_indices = tf.squeeze(sampled_indices, axis=-1).numpy()
    assert sampled_indices.shape == (seq_length,)

    def compute_loss(labels, logits):
        loss = tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        return loss

    example_batch_loss = compute_loss(y, pred)
    assert example_batch_loss.shape == (batch_size, seq_length)

    model = build_model(vocab_size, embedding_dim, rnn_units, batch_size)
    optimizer = tf.keras.optimizers.Adam(5e-3)

    @tf.function
    def train_step(x, y):
        # Use tf.GradientTape()
        with tf.GradientTape() as tape:
            y_hat = model(x)
            loss = compute_loss(y, y_hat)
        # Now, compute the gradients
        grads = tape.gradient(loss, model.trainable_variables)
        # Apply the gradients to the optimizer so it can update the model accordingly
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    history = []
    checkpoint_dir = str(tmp_path / 'training_checkpoints')
    checkpoint_prefix = os.path.join(checkpoint_dir, "my_ckpt.weights.h5")
    os.makedirs(checkpoint_dir)
    for iter in range(60):
        x_batch, y_batch = get_batch(vectorized_songs, seq_length, batch_size)
        loss = train_step(x_batch, y_batch)
        history.append(loss.numpy().mean())
        if iter % 20 == 0:
            model.save_weights(checkpoint_prefix)
    model.save_weights(checkpoint_prefix)
    assert history[-1] < 0.6 * history[0]

    model = build_model(vocab_size, embedding_dim, rnn_units, batch_size=1)
    # Restore the model weights for the last checkpoint after training
    model.load_weights(checkpoint_prefix)
    model.build(tf.TensorShape([1, None]))
    lines = []
    model.summary(print_fn=lines.append)

    def generate_text(model, start_string, generation_length=1000):
        input_eval = [char2idx[s] for s in start_string]
        input_eval = tf.expand_dims(input_eval, 0)
        # Empty string to store our results
        text_generated = []
        # Here batch size == 1
        model.reset_states()
        for i in range(generation_length):
            predictions = model(input_eval)
            # Remove the batch dimension
            predictions = tf.squeeze(predictions, 0)
            predicted_id = tf.random.categorical(predictions, num_samples=1)[-1, 0].numpy()
            # Pass the prediction along with the previous hidden state
            #   as the next inputs to the model
            input_eval = tf.expand_dims([predicted_id], 0)
            text_generated.append(idx2char[predicted_id])
        return (start_string + ''.join(text_generated))

    generated_text = generate_text(model, start_string="X", generation_length=80)
    assert len(generated_text) == 81 and set(generated_text) <= set(vocab)


def build_fc_model():
    fc_model = tf.keras.Sequential([
        # First define a Flatten layer
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(128, activation='relu'),
        tf.keras.layers.Dense(10, activation='softmax')
    ])
    return fc_model


def build_cnn_model():
    cnn_model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(filters=24, kernel_size=(3, 3), activation=tf.nn.relu),
        tf.keras.layers.MaxPool2D(pool_size=(2, 2)),
        tf.keras.layers.Conv2D(filters=36, kernel_size=(3, 3), activation=tf.nn.relu),
        tf.keras.layers.MaxPool2D(pool_size=(2, 2)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(128, activation=tf.nn.relu),
        tf.keras.layers.Dense(10, activation=tf.nn.softmax)
    ])
    return cnn_model


def test_lab2_part1_mnist_models(fashion):
    (train_images, train_labels), (test_images, test_labels) = fashion
    train_images = (np.expand_dims(train_images, axis=-1) / 255.).astype(np.float32)
    train_labels = (train_labels).astype(np.int64)
    test_images = (np.expand_dims(test_images, axis=-1) / 255.).astype(np.float32)
    test_labels = (test_labels).astype(np.int64)
    model = build_fc_model()
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=1e-1),
                  loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    BATCH_SIZE = 64
    EPOCHS = 2
    model.fit(train_images, train_labels, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0)
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    assert test_acc > 0.6

    cnn_model = build_cnn_model()
    # Initialize the model by passing some data through
    cnn_model.predict(train_images[[0]], verbose=0)
    lines = []
    cnn_model.summary(print_fn=lines.append)
    summary = "\n".join(lines)
    # Built by predict on one image: TF 2.21 shows the batch of 1 too.
    assert "(1, 26, 26, 24)" in summary and "Total params: 124,670" in summary
    cnn_model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=1e-3),
                      loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    cnn_model.fit(train_images[:1000], train_labels[:1000], batch_size=BATCH_SIZE, epochs=2,
                  verbose=0)
    test_loss, test_acc = cnn_model.evaluate(test_images, test_labels, verbose=0)
    assert test_acc > 0.6
    predictions = cnn_model.predict(test_images, verbose=0)
    prediction = np.argmax(predictions[0])
    assert prediction in range(10)

    cnn_model = build_cnn_model()
    batch_size = 12
    loss_history = []
    optimizer = tf.keras.optimizers.SGD(learning_rate=1e-2)
    for idx in range(0, 480, batch_size):
        # First grab a batch of training data and convert the input images to tensors
        (images, labels) = (train_images[idx:idx + batch_size],
                            train_labels[idx:idx + batch_size])
        images = tf.convert_to_tensor(images, dtype=tf.float32)
        # GradientTape to record differentiation operations
        with tf.GradientTape() as tape:
            logits = cnn_model(images)
            loss_value = tf.keras.backend.sparse_categorical_crossentropy(labels, logits)
        loss_history.append(loss_value.numpy().mean())
        grads = tape.gradient(loss_value, cnn_model.trainable_variables)
        optimizer.apply_gradients(zip(grads, cnn_model.trainable_variables))
    assert np.mean(loss_history[-10:]) < np.mean(loss_history[:10])
