"""Keras's variational autoencoder example ("Variational AutoEncoder", fchollet), as it
writes it, on Fashion-MNIST: a convolutional encoder (Conv2D 32/64, strides 2) giving
``z_mean``/``z_log_var``, a ``Sampling`` layer drawing from ``keras.random.normal`` with its
own ``SeedGenerator``, a Conv2DTranspose decoder, and a ``VAE(keras.Model)`` whose
``train_step`` uses a ``GradientTape``, ``Mean`` trackers returned by a ``metrics``
property, and ``fit`` on the images alone.

    z = μ + exp(½ log σ²) · ε,   ε ~ N(0, I)
    loss = Σ_pixels BCE(x, x̂)  +  -½ Σ (1 + log σ² - μ² - σ²)       (per image, averaged)

Run: ``python examples/vae.py --epochs 10 --out runs/vae`` (pictures: the 2-D latent space
coloured by class, a grid of decoded latent points, reconstructions).
"""

from __future__ import annotations

import argparse

import numpy as np

import ember as tf

keras = tf.keras
layers = keras.layers
ops = keras.ops


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class TFSampling(layers.Layer):
    """The same draw as the example's TensorFlow-era version writes it (``tf.random.normal``,
    ``tf.shape``, ``tf.exp``)."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = tf.shape(z_mean)[0]
        dim = tf.shape(z_mean)[1]
        epsilon = tf.random.normal(shape=(batch, dim))
        return z_mean + tf.exp(0.5 * z_log_var) * epsilon


def build_encoder(latent_dim=2, sampling=Sampling):
    """28×28×1 image -> (z_mean, z_log_var, z)."""
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = sampling()([z_mean, z_log_var])
    return keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")


def build_decoder(latent_dim=2):
    """Latent point -> 28×28×1 image in [0, 1]."""
    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(latent_inputs, decoder_outputs, name="decoder")


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(
            name="reconstruction_loss"
        )
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [
            self.total_loss_tracker,
            self.reconstruction_loss_tracker,
            self.kl_loss_tracker,
        ]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(
                ops.sum(
                    keras.losses.binary_crossentropy(data, reconstruction),
                    axis=(1, 2),
                )
            )
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {
            "loss": self.total_loss_tracker.result(),
            "reconstruction_loss": self.reconstruction_loss_tracker.result(),
            "kl_loss": self.kl_loss_tracker.result(),
        }


def latent_grid(decoder, n=10, scale=1.5):
    """Decoded images of an n×n grid of points of the 2-D latent space, row by row."""
    axis = np.linspace(-scale, scale, n, dtype="float32")
    points = np.array([[x, y] for y in axis[::-1] for x in axis], "float32")
    return decoder.predict(points, verbose=0)


def save_pictures(vae, images, labels, folder, class_names=None):
    """The latent space coloured by class, a grid of decoded latent points, reconstructions."""
    import os

    from ember import plot
    z_mean, _, _ = vae.encoder.predict(images, verbose=0)
    paths = [os.path.join(folder, name) for name in
             ("latent_space.png", "generated.png", "reconstructions.png")]
    plot.plot_latent_space(z_mean, labels, class_names=class_names, path=paths[0])
    plot.plot_image_grid(latent_grid(vae.decoder), title="decoded latent grid", path=paths[1])
    plot.plot_reconstructions(images[:10], vae.decoder.predict(z_mean[:10], verbose=0),
                              path=paths[2])
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="use the first N images")
    parser.add_argument("--out", default=None, help="folder for the pictures")
    args = parser.parse_args(argv)
    (x_train, _), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    fashion_images = np.concatenate([x_train, x_test], axis=0)[:args.limit]
    fashion_images = np.expand_dims(fashion_images, -1).astype("float32") / 255

    vae = VAE(build_encoder(), build_decoder())
    vae.compile(optimizer=keras.optimizers.Adam())
    vae.fit(fashion_images, epochs=args.epochs, batch_size=128)
    if args.out:
        import os
        os.makedirs(args.out, exist_ok=True)
        save_pictures(vae, x_test[:2000].astype("float32")[..., None] / 255, y_test[:2000],
                      args.out)
    return vae


if __name__ == "__main__":
    main()
