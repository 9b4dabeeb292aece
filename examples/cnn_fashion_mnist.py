"""The course's lab CNN on Fashion-MNIST, as the lab writes it, with ``import ember as tf``.

    python examples/cnn_fashion_mnist.py [--epochs 5] [--limit N]

The full run (5 epochs, batch 64, Adam 1e-3) reaches about 0.90 test accuracy.
"""

import argparse
import time

import numpy as np

import ember as tf

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--limit", type=int, default=None, help="use only N training images")
parser.add_argument("--seed", type=int, default=None)
args = parser.parse_args()
if args.seed is not None:
    tf.keras.utils.set_random_seed(args.seed)

(train_images, train_labels), (test_images, test_labels) = \
    tf.keras.datasets.fashion_mnist.load_data()
train_images = np.expand_dims(train_images / 255.0, -1).astype("float32")  # (N, 28, 28, 1)
test_images = np.expand_dims(test_images / 255.0, -1).astype("float32")
if args.limit:
    train_images, train_labels = train_images[:args.limit], train_labels[:args.limit]

model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(filters=24, kernel_size=(3, 3), activation=tf.nn.relu),
    tf.keras.layers.MaxPool2D(pool_size=(2, 2)),
    tf.keras.layers.Conv2D(filters=36, kernel_size=(3, 3), activation=tf.nn.relu),
    tf.keras.layers.MaxPool2D((2, 2)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(128, activation=tf.nn.relu),
    tf.keras.layers.Dense(10, activation=tf.nn.softmax),
])
model.predict(train_images[[0]])  # builds the model on the first image
model.summary()

model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=1e-3),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
start = time.time()
model.fit(train_images, train_labels, batch_size=64, epochs=args.epochs)
seconds = time.time() - start
test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
print(f"Test accuracy: {test_acc:.4f}  ({seconds / args.epochs:.1f} s per epoch)")
