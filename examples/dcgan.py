"""TensorFlow's tutorial "Deep Convolutional Generative Adversarial Network", as it writes
it, on Fashion-MNIST (the tutorial uses MNIST, which is not installed here):

- ``make_generator_model``: Dense(7·7·256, use_bias=False) -> BatchNormalization ->
  LeakyReLU -> Reshape -> Conv2DTranspose 128 (5×5, strides 1) / 64 (strides 2) / 1
  (strides 2, tanh), each hidden one followed by BatchNormalization and LeakyReLU;
- ``make_discriminator_model``: Conv2D 64/128 (5×5, strides 2) with LeakyReLU and
  Dropout(0.3), Flatten, Dense(1) (a logit);
- a ``@tf.function`` ``train_step`` with two ``GradientTape``\\ s, two ``Adam(1e-4)`` and
  ``BinaryCrossentropy(from_logits=True)``, over a
  ``tf.data.Dataset.from_tensor_slices(...).shuffle(...).batch(...)``;
- ``tf.train.Checkpoint`` of both models and both optimizers, saved every
  ``save_every`` epochs and restored from ``tf.train.latest_checkpoint``;
- a 4×4 grid of images generated from a fixed seed, saved after each epoch.

    D loss = BCE(1, D(x)) + BCE(0, D(G(z)))        G loss = BCE(1, D(G(z)))

The builders take the tutorial's sizes by default; ``noise_dim`` and ``filters`` let the
tests train a narrower copy of the same model in seconds.

Run: ``python examples/dcgan.py --epochs 50 --out runs/dcgan``.
"""

from __future__ import annotations

import argparse
import os
import time

import ember as tf
from ember.keras import layers

cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def make_generator_model(noise_dim=100, filters=(256, 128, 64)):
    """Noise (noise_dim,) -> a 28×28×1 image in [-1, 1]."""
    f0, f1, f2 = filters
    model = tf.keras.Sequential()
    model.add(layers.Dense(7 * 7 * f0, use_bias=False, input_shape=(noise_dim,)))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Reshape((7, 7, f0)))
    assert model.output_shape == (None, 7, 7, f0)  # Note: None is the batch size

    model.add(layers.Conv2DTranspose(f1, (5, 5), strides=(1, 1), padding="same",
                                     use_bias=False))
    assert model.output_shape == (None, 7, 7, f1)
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Conv2DTranspose(f2, (5, 5), strides=(2, 2), padding="same",
                                     use_bias=False))
    assert model.output_shape == (None, 14, 14, f2)
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())

    model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same",
                                     use_bias=False, activation="tanh"))
    assert model.output_shape == (None, 28, 28, 1)

    return model


def make_discriminator_model(filters=(64, 128)):
    """A 28×28×1 image -> one logit: positive says real, negative says fake."""
    f0, f1 = filters
    model = tf.keras.Sequential()
    model.add(layers.Conv2D(f0, (5, 5), strides=(2, 2), padding="same",
                            input_shape=[28, 28, 1]))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))

    model.add(layers.Conv2D(f1, (5, 5), strides=(2, 2), padding="same"))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))

    model.add(layers.Flatten())
    model.add(layers.Dense(1))

    return model


def discriminator_loss(real_output, fake_output):
    real_loss = cross_entropy(tf.ones_like(real_output), real_output)
    fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
    total_loss = real_loss + fake_loss
    return total_loss


def generator_loss(fake_output):
    return cross_entropy(tf.ones_like(fake_output), fake_output)


def make_train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
                    batch_size, noise_dim):
    """The tutorial's ``train_step(images)``, closed over its models and optimizers (the
    tutorial reads them as globals); returns the two losses so that callers can watch them."""

    # Notice the use of `tf.function`: this causes the function to be "compiled".
    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, noise_dim])

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


def generate_and_save_images(model, epoch, test_input, folder="."):
    """A 4×4 grid of the generator's images for ``test_input``, saved as
    ``image_at_epoch_NNNN.png``; returns the file's path."""
    import matplotlib.pyplot as plt

    # Notice `training` is set to false.
    # This is so all layers run in inference mode (batchnorm).
    predictions = model(test_input, training=False)

    fig = plt.figure(figsize=(4, 4))

    for i in range(predictions.shape[0]):
        plt.subplot(4, 4, i + 1)
        plt.imshow(predictions[i, :, :, 0] * 127.5 + 127.5, cmap="gray")
        plt.axis("off")

    path = os.path.join(folder, "image_at_epoch_{:04d}.png".format(epoch))
    plt.savefig(path)
    plt.close(fig)  # the tutorial calls plt.show() in its notebook
    return path


def train(dataset, epochs, train_step, generator, seed, checkpoint=None,
          checkpoint_prefix=None, save_every=15, folder=None, verbose=True):
    """The tutorial's ``train(dataset, epochs)``: one step per batch, a picture per epoch
    (when ``folder`` is given), a checkpoint every ``save_every`` epochs; returns the
    per-epoch mean (generator, discriminator) losses."""
    history = []
    for epoch in range(epochs):
        start = time.time()
        gen_losses, disc_losses = [], []

        for image_batch in dataset:
            gen_loss, disc_loss = train_step(image_batch)
            gen_losses.append(float(gen_loss))
            disc_losses.append(float(disc_loss))
        history.append((sum(gen_losses) / len(gen_losses),
                        sum(disc_losses) / len(disc_losses)))

        # Produce images for the GIF as you go
        if folder is not None:
            generate_and_save_images(generator, epoch + 1, seed, folder)

        # Save the model every `save_every` epochs
        if checkpoint is not None and (epoch + 1) % save_every == 0:
            checkpoint.save(file_prefix=checkpoint_prefix)

        if verbose:
            print("Time for epoch {} is {:.1f} sec (generator loss {:.3f}, discriminator "
                  "loss {:.3f})".format(epoch + 1, time.time() - start, *history[-1]))
    return history


def load_images(limit=None):
    """Fashion-MNIST's training images as (n, 28, 28, 1) float32 in [-1, 1]."""
    (train_images, train_labels), (_, _) = tf.keras.datasets.fashion_mnist.load_data()
    train_images = train_images[:limit]
    train_images = train_images.reshape(train_images.shape[0], 28, 28, 1).astype("float32")
    train_images = (train_images - 127.5) / 127.5  # Normalize the images to [-1, 1]
    return train_images


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--limit", type=int, default=None, help="use the first N images")
    parser.add_argument("--out", default=".", help="folder for pictures and checkpoints")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    train_images = load_images(args.limit)
    BUFFER_SIZE = 60000
    BATCH_SIZE = 256
    # Batch and shuffle the data
    train_dataset = tf.data.Dataset.from_tensor_slices(train_images).shuffle(
        BUFFER_SIZE).batch(BATCH_SIZE)

    generator = make_generator_model()
    discriminator = make_discriminator_model()
    generator_optimizer = tf.keras.optimizers.Adam(1e-4)
    discriminator_optimizer = tf.keras.optimizers.Adam(1e-4)

    checkpoint_dir = os.path.join(args.out, "training_checkpoints")
    checkpoint_prefix = os.path.join(checkpoint_dir, "ckpt")
    checkpoint = tf.train.Checkpoint(generator_optimizer=generator_optimizer,
                                     discriminator_optimizer=discriminator_optimizer,
                                     generator=generator,
                                     discriminator=discriminator)

    noise_dim = 100
    num_examples_to_generate = 16
    # You will reuse this seed overtime (so it's easier)
    # to visualize progress in the animated GIF)
    seed = tf.random.normal([num_examples_to_generate, noise_dim])

    train_step = make_train_step(generator, discriminator, generator_optimizer,
                                 discriminator_optimizer, BATCH_SIZE, noise_dim)
    train(train_dataset, args.epochs, train_step, generator, seed, checkpoint,
          checkpoint_prefix, save_every=min(15, args.epochs), folder=args.out)

    checkpoint.restore(tf.train.latest_checkpoint(checkpoint_dir))
    return generator, discriminator


if __name__ == "__main__":
    main()
