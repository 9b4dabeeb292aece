"""Two ways of training a GAN on Fashion-MNIST, as the public tutorials write them.

1. Keras's guide "Customizing what happens in fit()": a ``GAN(keras.Model)`` with its own
   ``compile(d_optimizer, g_optimizer, loss_fn)`` and ``train_step``, trained by ``fit``.
2. TensorFlow's DCGAN tutorial: a generator and a discriminator trained by a
   ``@tf.function`` step with two ``GradientTape``\\ s, two Adam optimizers and
   ``BinaryCrossentropy(from_logits=True)``; a grid of generated images each epoch.

The generators and discriminators here are Dense networks; the tutorials' convolutional
ones (Conv2D, Conv2DTranspose, BatchNormalization) arrive with the convolution work.

Run: ``python examples/gan.py --epochs 5 --out runs/gan``.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import ember as tf

keras = tf.keras
layers = keras.layers


def build_discriminator(shape=(28, 28, 1), hidden=128):
    """Image -> one logit (real or fake)."""
    return keras.Sequential([
        keras.Input(shape=shape),
        layers.Flatten(),
        layers.Dense(hidden),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Dense(1),
    ], name="discriminator")


def build_generator(latent_dim=32, shape=(28, 28, 1), hidden=128):
    """Latent vector -> image in [0, 1]."""
    return keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        layers.Dense(hidden),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Dense(int(np.prod(shape)), activation="sigmoid"),
        layers.Reshape(shape),
    ], name="generator")


# ------------------------------------------------------------ 1. GAN as a keras.Model


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

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
        random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))

        # Decode them to fake images
        generated_images = self.generator(random_latent_vectors)

        # Combine them with real images
        combined_images = tf.concat([generated_images, real_images], axis=0)

        # Assemble labels discriminating real from fake images
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        # Add random noise to the labels - important trick!
        labels += 0.05 * tf.random.uniform(tf.shape(labels))

        # Train the discriminator
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        # Sample random points in the latent space
        random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))

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

    def __init__(self, folder, num_img=16, latent_dim=32, seed=0):
        super().__init__()
        self.folder = folder
        self.noise = np.random.default_rng(seed).normal(size=(num_img, latent_dim)).astype(
            "float32")

    def on_epoch_end(self, epoch, logs=None):
        from ember import plot
        images = self.model.generator(self.noise).numpy()
        plot.plot_image_grid(images, title=f"epoch {epoch + 1}",
                             path=os.path.join(self.folder, f"generated_{epoch + 1:03d}.png"))


# ------------------------------------------------------------- 2. the DCGAN tutorial's step

cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def discriminator_loss(real_output, fake_output):
    real_loss = cross_entropy(tf.ones_like(real_output), real_output)
    fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
    return real_loss + fake_loss


def generator_loss(fake_output):
    return cross_entropy(tf.ones_like(fake_output), fake_output)


def make_train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
                    noise_dim):
    """The tutorial's ``train_step(images)``, closed over its models and optimizers."""

    @tf.function
    def train_step(images):
        noise = tf.random.normal([images.shape[0], noise_dim])

        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = generator(noise, training=True)

            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated_images, training=True)

            gen_loss = generator_loss(fake_output)
            disc_loss = discriminator_loss(real_output, fake_output)

        gradients_of_generator = gen_tape.gradient(gen_loss, generator.trainable_variables)
        gradients_of_discriminator = disc_tape.gradient(disc_loss,
                                                        discriminator.trainable_variables)

        generator_optimizer.apply_gradients(zip(gradients_of_generator,
                                                generator.trainable_variables))
        discriminator_optimizer.apply_gradients(zip(gradients_of_discriminator,
                                                    discriminator.trainable_variables))
        return gen_loss, disc_loss

    return train_step


def train_dcgan(images, epochs=5, batch_size=128, noise_dim=32, seed=0, folder=None):
    """The tutorial's ``train(dataset, epochs)``: shuffled batches, one step each, a grid of
    generated images per epoch when ``folder`` is given; returns (generator, discriminator,
    per-epoch mean losses)."""
    keras.utils.set_random_seed(seed)
    generator = build_generator(noise_dim)
    discriminator = build_discriminator()
    step = make_train_step(generator, discriminator, tf.keras.optimizers.Adam(1e-4),
                           tf.keras.optimizers.Adam(1e-4), noise_dim)
    rng = np.random.default_rng(seed)
    seed_noise = rng.normal(size=(16, noise_dim)).astype("float32")
    losses = []
    for epoch in range(epochs):
        order = rng.permutation(len(images))
        epoch_losses = []
        for start in range(0, len(images), batch_size):
            gen_loss, disc_loss = step(images[order[start:start + batch_size]])
            epoch_losses.append((float(gen_loss), float(disc_loss)))
        losses.append(np.mean(epoch_losses, axis=0))
        if folder is not None:
            from ember import plot
            plot.plot_image_grid(generator(seed_noise, training=False).numpy(),
                                 title=f"epoch {epoch + 1}",
                                 path=os.path.join(folder, f"dcgan_{epoch + 1:03d}.png"))
    return generator, discriminator, np.array(losses)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="use the first N images")
    parser.add_argument("--out", default=None, help="folder for the pictures")
    args = parser.parse_args(argv)
    (x_train, _), _ = keras.datasets.fashion_mnist.load_data()
    images = x_train[:args.limit].astype("float32")[..., None] / 255.0
    callbacks = []
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        callbacks.append(GANMonitor(args.out))
    gan = GAN(discriminator=build_discriminator(), generator=build_generator(), latent_dim=32)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
                g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    gan.fit(images, epochs=args.epochs, batch_size=128, callbacks=callbacks)
    train_dcgan(images, epochs=args.epochs, folder=args.out)
    return gan


if __name__ == "__main__":
    main()
