"""Keras's guide "Customizing what happens in fit()", its GAN, as it writes it, on
Fashion-MNIST: a convolutional discriminator (Conv2D 64/128, strides 2, LeakyReLU,
GlobalMaxPooling2D, Dense(1)) and generator (Dense 7·7·128, Reshape, two Conv2DTranspose
128 with strides 2, a sigmoid Conv2D 7×7), trained by a ``GAN(keras.Model)`` with its own
``compile(d_optimizer, g_optimizer, loss_fn)`` and ``train_step``, fitted on a
``tf.data.Dataset`` of images alone.

TensorFlow's DCGAN tutorial (two tapes in a ``@tf.function`` step, ``tf.train.Checkpoint``)
is examples/dcgan.py.

The builders take the guide's sizes by default; ``filters`` lets the tests train a
narrower copy of the same model in seconds.

Run: ``python examples/gan.py --epochs 5 --out runs/gan``.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import ember as tf

keras = tf.keras
layers = keras.layers


def build_discriminator(filters=(64, 128)):
    """28×28×1 image -> one logit (the guide's labels: 1 for fake, 0 for real)."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(filters[0], (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(filters[1], (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


def build_generator(latent_dim=128, filters=128):
    """Latent vector -> 28×28×1 image in [0, 1]."""
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            # We want to generate 128 coefficients to reshape into a 7x7x128 map
            layers.Dense(7 * 7 * filters),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, filters)),
            layers.Conv2DTranspose(filters, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(filters, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.seed_generator = keras.random.SeedGenerator(1337)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        # Sample random points in the latent space
        batch_size = tf.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )

        # Decode them to fake images
        generated_images = self.generator(random_latent_vectors)

        # Combine them with real images
        combined_images = tf.concat([generated_images, real_images], axis=0)

        # Assemble labels discriminating real from fake images
        labels = tf.concat(
            [tf.ones((batch_size, 1)), tf.zeros((tf.shape(real_images)[0], 1))], axis=0
        )

        # Add random noise to the labels - important trick!
        labels += 0.05 * keras.random.uniform(
            tf.shape(labels), seed=self.seed_generator
        )

        # Train the discriminator
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights)
        )

        # Sample random points in the latent space
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )

        # Assemble labels that say "all real images"
        misleading_labels = tf.zeros((batch_size, 1))

        # Train the generator (note that we should *not* update the weights
        # of the discriminator)!
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))

        # Update metrics and return their value.
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {
            "d_loss": self.d_loss_tracker.result(),
            "g_loss": self.g_loss_tracker.result(),
        }


class GANMonitor(keras.callbacks.Callback):
    """Saves a grid of generated images at the end of each epoch."""

    def __init__(self, folder, num_img=16, latent_dim=128, seed=0):
        super().__init__()
        self.folder = folder
        self.noise = np.random.default_rng(seed).normal(size=(num_img, latent_dim)).astype(
            "float32")

    def on_epoch_end(self, epoch, logs=None):
        from ember import plot
        images = self.model.generator(self.noise).numpy()
        plot.plot_image_grid(images, title=f"epoch {epoch + 1}",
                             path=os.path.join(self.folder, f"generated_{epoch + 1:03d}.png"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps", type=int, default=100,
                        help="batches per epoch (the guide trains on 100)")
    parser.add_argument("--out", default=None, help="folder for the pictures")
    args = parser.parse_args(argv)
    # Prepare the dataset. We use both the training & test images.
    batch_size = 64
    (x_train, _), (x_test, _) = keras.datasets.fashion_mnist.load_data()
    all_digits = np.concatenate([x_train, x_test])
    all_digits = all_digits.astype("float32") / 255.0
    all_digits = np.reshape(all_digits, (-1, 28, 28, 1))
    dataset = tf.data.Dataset.from_tensor_slices(all_digits)
    dataset = dataset.shuffle(buffer_size=1024).batch(batch_size)

    latent_dim = 128
    gan = GAN(discriminator=build_discriminator(), generator=build_generator(latent_dim),
              latent_dim=latent_dim)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    callbacks = []
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        callbacks.append(GANMonitor(args.out, latent_dim=latent_dim))
    # To limit the execution time, the guide trains on 100 batches only; about 20 epochs
    # of the whole data set give good-looking images.
    gan.fit(dataset.take(args.steps), epochs=args.epochs, callbacks=callbacks)
    return gan


if __name__ == "__main__":
    main()
