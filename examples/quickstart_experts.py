"""TensorFlow 2 quickstart for experts, unchanged but for ``import ember as tf``.

The tutorial's program (https://www.tensorflow.org/tutorials/quickstart/advanced): a small
convolutional network subclassing ``Model``, a ``tf.data`` pipeline, a custom training
loop in ``@tf.function`` steps with ``GradientTape``, metric objects called as functions,
and f-string formatting of the results. It runs on Fashion-MNIST (MNIST is not on this
machine); ``--train``/``--test`` take a subset and ``--epochs`` sets the epoch count:

    python examples/quickstart_experts.py --train 10000 --test 2000 --epochs 1
"""

import argparse

import ember as tf

print("TensorFlow version:", tf.__version__)

from ember.keras import Model  # noqa: E402
from ember.keras.layers import Conv2D, Dense, Flatten  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--train", type=int, default=60000, help="training images used")
parser.add_argument("--test", type=int, default=10000, help="test images used")
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--seed", type=int, default=None,
                    help="seed the weights, shuffling and dropout (the tutorial does not)")
args, _ = parser.parse_known_args()
if args.seed is not None:
    tf.keras.utils.set_random_seed(args.seed)

mnist = tf.keras.datasets.fashion_mnist

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, y_train = x_train[:args.train], y_train[:args.train]
x_test, y_test = x_test[:args.test], y_test[:args.test]
x_train, x_test = x_train / 255.0, x_test / 255.0

# Add a channels dimension
x_train = x_train[..., tf.newaxis].astype("float32")
x_test = x_test[..., tf.newaxis].astype("float32")

train_ds = tf.data.Dataset.from_tensor_slices(
    (x_train, y_train)).shuffle(10000).batch(32)

test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)


class MyModel(Model):
    def __init__(self):
        super().__init__()
        self.conv1 = Conv2D(32, 3, activation='relu')
        self.flatten = Flatten()
        self.d1 = Dense(128, activation='relu')
        self.d2 = Dense(10)

    def call(self, x):
        x = self.conv1(x)
        x = self.flatten(x)
        x = self.d1(x)
        return self.d2(x)


# Create an instance of the model
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
    # training=False is only needed if there are layers with different
    # behavior during training versus inference (e.g. Dropout).
    predictions = model(images, training=False)
    t_loss = loss_object(labels, predictions)

    test_loss(t_loss)
    test_accuracy(labels, predictions)


EPOCHS = args.epochs

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

    print(
        f'Epoch {epoch + 1}, '
        f'Loss: {train_loss.result():0.4f}, '
        f'Accuracy: {train_accuracy.result() * 100:0.2f}, '
        f'Test Loss: {test_loss.result():0.4f}, '
        f'Test Accuracy: {test_accuracy.result() * 100:0.2f}'
    )
