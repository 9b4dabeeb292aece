"""TensorFlow's tutorial "Intro to Autoencoders", as it writes it, on Fashion-MNIST:

1. a Dense ``Autoencoder(Model)`` with ``encoder``/``decoder`` Sequentials;
2. the convolutional denoiser ``Denoise(Model)`` (Conv2D 16/8 with strides 2, then
   Conv2DTranspose 8/16 and a sigmoid Conv2D), trained from noisy copies
   (``tf.random.normal`` noise, ``tf.clip_by_value``) to clean images;
3. anomaly detection: a Dense ``AnomalyDetector`` trained on normal heartbeats only, which
   flags a beat as anomalous when its reconstruction error (``tf.keras.losses.mae``) is
   above mean + one standard deviation of the training errors (``tf.math.less``).

The tutorial reads the ECG5000 file from a Google bucket; offline, ``synthetic_ecg`` draws
beats of the same form (140 samples, label 1 normal, 0 anomalous) from a P-QRS-T template.

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
        self.image_shape = shape  # the tutorial's `self.shape`; Keras 3 reserves no such name
        self.encoder = tf.keras.Sequential([
            layers.Flatten(),
            layers.Dense(latent_dim, activation="relu"),
        ])
        self.decoder = tf.keras.Sequential([
            layers.Dense(tf.math.reduce_prod(shape).numpy(), activation="sigmoid"),
            layers.Reshape(shape),
        ])

    def call(self, x):
        encoded = self.encoder(x)
        decoded = self.decoder(encoded)
        return decoded


class Denoise(Model):
    """The tutorial's convolutional denoiser: 28×28×1 -> 7×7×8 -> 28×28×1."""

    def __init__(self):
        super().__init__()
        self.encoder = tf.keras.Sequential([
            layers.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, (3, 3), activation="relu", padding="same", strides=2),
            layers.Conv2D(8, (3, 3), activation="relu", padding="same", strides=2)])

        self.decoder = tf.keras.Sequential([
            layers.Conv2DTranspose(8, kernel_size=3, strides=2, activation="relu",
                                   padding="same"),
            layers.Conv2DTranspose(16, kernel_size=3, strides=2, activation="relu",
                                   padding="same"),
            layers.Conv2D(1, kernel_size=(3, 3), activation="sigmoid", padding="same")])

    def call(self, x):
        encoded = self.encoder(x)
        decoded = self.decoder(encoded)
        return decoded


class AnomalyDetector(Model):
    """140 samples -> 8 numbers -> 140 samples (Dense), as the tutorial writes it."""

    def __init__(self):
        super().__init__()
        self.encoder = tf.keras.Sequential([
            layers.Dense(32, activation="relu"),
            layers.Dense(16, activation="relu"),
            layers.Dense(8, activation="relu")])

        self.decoder = tf.keras.Sequential([
            layers.Dense(16, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(140, activation="sigmoid")])

    def call(self, x):
        encoded = self.encoder(x)
        decoded = self.decoder(encoded)
        return decoded


def add_noise(images, noise_factor=0.2, seed=None):
    """The tutorial's noisy copies: images + noise_factor · N(0, 1), clipped to [0, 1]."""
    noisy = images + noise_factor * tf.random.normal(shape=images.shape, seed=seed)
    return tf.clip_by_value(noisy, clip_value_min=0., clip_value_max=1.)


def synthetic_ecg(n=5000, length=140, anomalous_fraction=0.4, seed=0):
    """ECG5000-shaped rows: ``length`` samples then the label (1 normal, 0 anomalous).

    A normal beat is a P wave, a QRS complex and a T wave (Gaussian bumps) with small
    jitter in timing and height and a little noise; an anomalous beat has one of: an
    inverted T wave, a widened QRS with a deep S, or no P wave and a wandering baseline.
    """
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, length)

    def bump(center, width, height):
        z = (t[None, :] - center[:, None]) / width[:, None]
        return height[:, None] * np.exp(-0.5 * z ** 2)

    def jitter(value, spread):
        return value + spread * rng.standard_normal(n)

    p = bump(jitter(0.2, 0.01), np.full(n, 0.03), jitter(0.25, 0.03))
    q = bump(jitter(0.38, 0.005), np.full(n, 0.012), jitter(-0.3, 0.03))
    r = bump(jitter(0.42, 0.005), np.full(n, 0.015), jitter(2.0, 0.1))
    s = bump(jitter(0.46, 0.005), np.full(n, 0.012), jitter(-0.5, 0.05))
    tw = bump(jitter(0.7, 0.01), np.full(n, 0.05), jitter(0.5, 0.05))
    labels = (rng.random(n) >= anomalous_fraction).astype(np.float64)
    kind = rng.integers(0, 3, n)
    bad = labels == 0
    tw[bad & (kind == 0)] *= -1.2                                          # inverted T
    wide = bad & (kind == 1)
    r[wide] = bump(np.full(wide.sum(), 0.44), np.full(wide.sum(), 0.04), np.full(
        wide.sum(), 1.4))
    s[wide] *= 3.0                                                         # wide QRS, deep S
    flat = bad & (kind == 2)
    p[flat] = 0.0
    beats = p + q + r + s + tw
    beats[flat] += 0.6 * np.sin(2 * np.pi * (t[None, :] + rng.random((flat.sum(), 1))))
    beats += 0.05 * rng.standard_normal(beats.shape)
    return np.concatenate([beats, labels[:, None]], axis=1)


def split_ecg(raw_data, test_fraction=0.2, seed=21):
    """The tutorial's preparation: a shuffled train/test split, min-max scaling by the
    training data's range, float32, boolean labels; returns the six arrays it uses."""
    labels = raw_data[:, -1]
    data = raw_data[:, 0:-1]
    order = np.random.default_rng(seed).permutation(len(data))
    n_test = int(round(test_fraction * len(data)))
    test, train = order[:n_test], order[n_test:]
    train_data, test_data = data[train], data[test]
    train_labels, test_labels = labels[train], labels[test]

    min_val = tf.reduce_min(train_data)
    max_val = tf.reduce_max(train_data)
    train_data = (train_data - min_val) / (max_val - min_val)
    test_data = (test_data - min_val) / (max_val - min_val)
    train_data = tf.cast(train_data, tf.float32)
    test_data = tf.cast(test_data, tf.float32)
    train_labels = train_labels.astype(bool)
    test_labels = test_labels.astype(bool)
    return train_data, test_data, train_labels, test_labels


def predict(model, data, threshold):
    """True where a beat is normal: its reconstruction error is under the threshold."""
    reconstructions = model(data)
    loss = tf.keras.losses.mae(reconstructions, data)
    return tf.math.less(loss, threshold)


def anomaly_detection(epochs=20, seed=0, verbose=1):
    """The tutorial's third part: train on normal beats, pick the threshold, classify the
    test beats; returns (model, threshold, accuracy, precision, recall)."""
    tf.keras.utils.set_random_seed(seed)
    train_data, test_data, train_labels, test_labels = split_ecg(synthetic_ecg(seed=seed))
    normal_train_data = train_data[train_labels]

    autoencoder = AnomalyDetector()
    autoencoder.compile(optimizer="adam", loss="mae")
    autoencoder.fit(normal_train_data, normal_train_data, epochs=epochs, batch_size=512,
                    validation_data=(test_data, test_data), shuffle=True, verbose=verbose)

    reconstructions = autoencoder.predict(normal_train_data, verbose=0)
    train_loss = tf.keras.losses.mae(reconstructions, normal_train_data)
    threshold = np.mean(train_loss) + np.std(train_loss)

    preds = predict(autoencoder, test_data, threshold).numpy()
    # the tutorial calls sklearn's accuracy_score/precision_score/recall_score
    true_pos = np.sum(preds & test_labels)
    accuracy = np.mean(preds == test_labels)
    precision = true_pos / max(1, np.sum(preds))
    recall = true_pos / max(1, np.sum(test_labels))
    return autoencoder, threshold, accuracy, precision, recall


def load(limit=None):
    """Fashion-MNIST as float32 images in [0, 1], shape (n, 28, 28, 1)."""
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
    x_train = x_train[:limit].astype("float32") / 255.
    x_test = x_test[:limit].astype("float32") / 255.
    return (x_train[..., tf.newaxis], y_train[:limit]), (x_test[..., tf.newaxis],
                                                         y_test[:limit])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="use the first N images")
    parser.add_argument("--out", default=None, help="folder for the pictures")
    args = parser.parse_args(argv)
    (x_train, _), (x_test, _) = load(args.limit)

    shape = x_test.shape[1:]
    latent_dim = 64
    autoencoder = Autoencoder(latent_dim, shape)
    autoencoder.compile(optimizer="adam", loss=losses.MeanSquaredError())
    autoencoder.fit(x_train, x_train, epochs=args.epochs, shuffle=True,
                    validation_data=(x_test, x_test))
    encoded_imgs = autoencoder.encoder(x_test).numpy()
    decoded_imgs = autoencoder.decoder(encoded_imgs).numpy()

    x_train_noisy, x_test_noisy = add_noise(x_train), add_noise(x_test)
    denoiser = Denoise()
    denoiser.compile(optimizer="adam", loss=losses.MeanSquaredError())
    denoiser.fit(x_train_noisy, x_train, epochs=args.epochs, shuffle=True,
                 validation_data=(x_test_noisy, x_test))
    denoiser.encoder.summary()
    denoiser.decoder.summary()
    denoised_imgs = denoiser.decoder(denoiser.encoder(x_test_noisy)).numpy()

    _, threshold, accuracy, precision, recall = anomaly_detection(epochs=2 * args.epochs)
    print(f"Threshold: {threshold:.4f}")
    print(f"Accuracy = {accuracy:.3f}\nPrecision = {precision:.3f}\nRecall = {recall:.3f}")
    if args.out:
        import os

        from ember import plot
        os.makedirs(args.out, exist_ok=True)
        plot.plot_reconstructions(x_test, decoded_imgs,
                                  path=os.path.join(args.out, "reconstructions.png"))
        plot.plot_reconstructions(x_test_noisy.numpy(), denoised_imgs,
                                  path=os.path.join(args.out, "denoised.png"))
    return autoencoder, denoiser


if __name__ == "__main__":
    main()
