"""TensorFlow's autoencoder tutorial ("Intro to Autoencoders") on Fashion-MNIST: a
subclassed ``Model`` with ``encoder``/``decoder`` Sequentials, and the denoising variant
trained on noisy images to give back clean ones.

This version uses Dense encoders and decoders (the tutorial's first model); the tutorial's
convolutional denoiser needs Conv2D, which arrives with the convolution work.

Run: ``python examples/autoencoder.py --epochs 10 --out runs/autoencoder``.
"""

from __future__ import annotations

import argparse

import numpy as np

import ember as tf
from ember.keras import layers, losses
from ember.keras.models import Model


class Autoencoder(Model):
    """784 pixels -> ``latent_dim`` numbers -> 784 pixels, as the tutorial writes it."""

    def __init__(self, latent_dim, shape):
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape = shape
        self.encoder = tf.keras.Sequential([
            layers.Flatten(),
            layers.Dense(latent_dim, activation="relu"),
        ])
        self.decoder = tf.keras.Sequential([
            layers.Dense(int(tf.math.reduce_prod(shape).numpy()), activation="sigmoid"),
            layers.Reshape(shape),
        ])

    def call(self, x):
        encoded = self.encoder(x)
        return self.decoder(encoded)


class Denoise(Model):
    """The denoising autoencoder: the same shape of model, trained from noisy to clean."""

    def __init__(self, hidden=128, latent_dim=32, shape=(28, 28, 1)):
        super().__init__()
        self.encoder = tf.keras.Sequential([
            layers.Input(shape=shape),
            layers.Flatten(),
            layers.Dense(hidden, activation="relu"),
            layers.Dense(latent_dim, activation="relu"),
        ])
        self.decoder = tf.keras.Sequential([
            layers.Dense(hidden, activation="relu"),
            layers.Dense(int(np.prod(shape)), activation="sigmoid"),
            layers.Reshape(shape),
        ])

    def call(self, x):
        return self.decoder(self.encoder(x))


def add_noise(images, noise_factor=0.2, seed=None):
    """images + noise_factor · N(0, 1), clipped to [0, 1] (the tutorial's noisy copies)."""
    noisy = images + noise_factor * tf.random.normal(shape=images.shape, seed=seed)
    return tf.clip_by_value(noisy, clip_value_min=0.0, clip_value_max=1.0).numpy()


def load(limit=None):
    """Fashion-MNIST as float32 images in [0, 1], shape (n, 28, 28, 1)."""
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
    x_train = x_train[:limit].astype("float32")[..., None] / 255.0
    x_test = x_test[:limit].astype("float32")[..., None] / 255.0
    return (x_train, y_train[:limit]), (x_test, y_test[:limit])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="use the first N images")
    parser.add_argument("--out", default=None, help="folder for the pictures")
    args = parser.parse_args(argv)
    (x_train, _), (x_test, _) = load(args.limit)

    autoencoder = Autoencoder(64, (28, 28, 1))
    autoencoder.compile(optimizer="adam", loss=losses.MeanSquaredError())
    autoencoder.fit(x_train, x_train, epochs=args.epochs, shuffle=True,
                    validation_data=(x_test, x_test))
    decoded = autoencoder.decoder(autoencoder.encoder(x_test)).numpy()

    x_train_noisy, x_test_noisy = add_noise(x_train), add_noise(x_test)
    denoiser = Denoise()
    denoiser.compile(optimizer="adam", loss=losses.MeanSquaredError())
    denoiser.fit(x_train_noisy, x_train, epochs=args.epochs, shuffle=True,
                 validation_data=(x_test_noisy, x_test))
    denoised = denoiser.predict(x_test_noisy, verbose=0)
    if args.out:
        import os

        from ember import plot
        os.makedirs(args.out, exist_ok=True)
        plot.plot_reconstructions(x_test, decoded, path=os.path.join(args.out,
                                                                     "reconstructions.png"))
        plot.plot_reconstructions(x_test_noisy, denoised,
                                  path=os.path.join(args.out, "denoised.png"))
    return autoencoder, denoiser


if __name__ == "__main__":
    main()
