"""MIT 6.S191's debiasing lab (Lab 2, part 2), as it writes it, on synthetic face-sized
images (64×64×3): the CelebA/ImageNet training file is not reachable offline.

- ``make_standard_classifier``: four Conv2D (5×5/3×3, strides 2, relu) each followed by
  BatchNormalization, Flatten, Dense(512), Dense(1) (a "face" logit), trained by a
  ``@tf.function`` step on ``tf.nn.sigmoid_cross_entropy_with_logits``;
- ``DB_VAE``: the same network as encoder, giving a classification logit and the latent
  mean and log-variance (``2·latent_dim + 1`` outputs), a Conv2DTranspose decoder
  (Dense -> Reshape 4×4 -> four Conv2DTranspose, strides 2 -> 64×64×3), and the lab's
  loss: sigmoid cross-entropy for every image plus the VAE loss (L1 reconstruction +
  ``kl_weight`` · KL) for faces only;
- the lab's debiasing: before each epoch the faces are resampled with probability
  inversely proportional to the density of their latent means (``np.histogram`` per
  latent dimension), so that rare faces are seen more often.

    VAE loss = mean |x - x̂| + kl_weight · ½ Σ (σ² + μ² - 1 - log σ²)
    total    = mean( CE(y, ŷ) + 1[y = 1] · VAE loss )

``SyntheticFaces`` stands in for the lab's ``TrainingDatasetLoader`` (``get_batch``,
``get_train_size``, ``get_all_train_faces``): a face is a skin-coloured ellipse with two
eyes and a mouth on a random background, light-skinned in ``light_fraction`` of the
training faces (the bias to undo); a non-face is a few random rectangles and ellipses.

Run: ``python examples/debiasing_lab.py --epochs 2``.
"""

from __future__ import annotations

import argparse
import functools

import numpy as np

import ember as tf

SKIN = {"light": (0.93, 0.78, 0.66), "dark": (0.42, 0.28, 0.19)}
KEYS = ["Light Female", "Light Male", "Dark Female", "Dark Male"]


# --------------------------------------------------------------------- synthetic data

def _ellipse(yy, xx, cy, cx, ry, rx):
    """(n, 64, 64) masks of ellipses with per-image centres and radii."""
    return ((yy - cy[:, None, None]) / ry[:, None, None]) ** 2 + \
        ((xx - cx[:, None, None]) / rx[:, None, None]) ** 2 <= 1.0


def draw_faces(n, skin, female, rng, size=64):
    """``n`` uint8 face images (n, size, size, 3): ``skin`` is 'light' or 'dark'; a female
    face has long hair down both sides (the lab's test set splits faces by both)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    s = size / 64.0
    images = np.broadcast_to(rng.uniform(0, 1, (n, 1, 1, 3)), (n, size, size, 3)).copy()
    cy, cx = 34 * s + rng.normal(0, 2 * s, n), 32 * s + rng.normal(0, 2 * s, n)
    ry, rx = rng.uniform(19, 23, n) * s, rng.uniform(14, 17, n) * s
    hair = np.array([0.15, 0.1, 0.05]) + rng.uniform(0, 0.35, (n, 1, 1, 1))
    if female:
        long_hair = _ellipse(yy, xx, cy + 6 * s, cx, ry + 8 * s, rx + 6 * s)
        images[long_hair] = np.broadcast_to(hair, images.shape)[long_hair]
    top = _ellipse(yy, xx, cy - 8 * s, cx, ry - 6 * s, rx + 1 * s) & (yy < cy[:, None, None])
    images[top] = np.broadcast_to(hair, images.shape)[top]
    tone = np.array(SKIN[skin]) * rng.uniform(0.9, 1.1, (n, 1, 1, 1))
    face = _ellipse(yy, xx, cy, cx, ry, rx) & ~(top & (yy < cy[:, None, None] - 10 * s))
    images[face] = np.broadcast_to(np.clip(tone, 0, 1), images.shape)[face]
    dark = np.array([0.05, 0.05, 0.08])
    for side in (-1, 1):
        eye = _ellipse(yy, xx, cy - 4 * s, cx + side * 6 * s, np.full(n, 2.0 * s),
                       np.full(n, 2.5 * s))
        images[eye] = dark
    mouth = _ellipse(yy, xx, cy + 9 * s, cx, np.full(n, 1.5 * s), rng.uniform(4, 7, n) * s)
    images[mouth] = (0.55, 0.1, 0.1)
    images += rng.normal(0, 0.03, images.shape)
    return (np.clip(images, 0, 1) * 255).astype(np.uint8)


def draw_non_faces(n, rng, size=64):
    """``n`` uint8 images of 2-4 random rectangles and ellipses on a random background; a
    third of the shapes take a skin colour, so colour alone does not say "face"."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    images = np.broadcast_to(rng.uniform(0, 1, (n, 1, 1, 3)), (n, size, size, 3)).copy()
    for _ in range(4):
        present = rng.random(n) < 0.75
        colour = rng.uniform(0, 1, (n, 3))
        skin = rng.random(n) < 0.33
        colour[skin] = np.array(SKIN["light"] if rng.random() < 0.5 else SKIN["dark"])
        cy, cx = rng.uniform(8, size - 8, n), rng.uniform(8, size - 8, n)
        ry, rx = rng.uniform(5, 22, n), rng.uniform(5, 22, n)
        if rng.random() < 0.5:
            mask = _ellipse(yy, xx, cy, cx, ry, rx)
        else:
            mask = (np.abs(yy - cy[:, None, None]) <= ry[:, None, None]) & \
                (np.abs(xx - cx[:, None, None]) <= rx[:, None, None])
        mask &= present[:, None, None]
        images[mask] = np.broadcast_to(colour[:, None, None, :], images.shape)[mask]
    images += rng.normal(0, 0.03, images.shape)
    return (np.clip(images, 0, 1) * 255).astype(np.uint8)


class SyntheticFaces:
    """The lab's ``TrainingDatasetLoader`` over synthetic images: ``n`` images, half faces
    (``light_fraction`` of them light-skinned), labels (n, 1) float32 with 1 for a face."""

    def __init__(self, n=2000, light_fraction=0.9, seed=0, size=64):
        rng = np.random.default_rng(seed)
        n_faces = n // 2
        n_light = int(round(light_fraction * n_faces))
        female = rng.random(n_faces) < 0.5
        skins = np.array(["light"] * n_light + ["dark"] * (n_faces - n_light))
        faces = np.empty((n_faces, size, size, 3), np.uint8)
        for skin in ("light", "dark"):
            for is_female in (False, True):
                where = (skins == skin) & (female == is_female)
                faces[where] = draw_faces(int(where.sum()), skin, is_female, rng, size)
        self.images = np.concatenate([faces, draw_non_faces(n - n_faces, rng, size)])
        self.labels = np.concatenate([np.ones(n_faces), np.zeros(n - n_faces)]).astype(
            np.float32)[:, None]
        self.skin = np.concatenate([skins, np.array(["none"] * (n - n_faces))])
        self.rng = rng
        self.train_inds = rng.permutation(np.arange(n))
        self.pos_train_inds = self.train_inds[self.labels[self.train_inds, 0] == 1.0]
        self.neg_train_inds = self.train_inds[self.labels[self.train_inds, 0] != 1.0]

    def get_train_size(self):
        return self.train_inds.shape[0]

    def get_batch(self, n, only_faces=False, p_pos=None, p_neg=None, return_inds=False):
        """``n`` images in [0, 1] (half faces unless ``only_faces``), sampled without
        replacement with probabilities ``p_pos``/``p_neg``, and their labels."""
        if only_faces:
            selected_inds = self.rng.choice(self.pos_train_inds, size=n, replace=False,
                                            p=p_pos)
        else:
            selected_pos_inds = self.rng.choice(self.pos_train_inds, size=n // 2,
                                                replace=False, p=p_pos)
            selected_neg_inds = self.rng.choice(self.neg_train_inds, size=n // 2,
                                                replace=False, p=p_neg)
            selected_inds = np.concatenate((selected_pos_inds, selected_neg_inds))

        sorted_inds = np.sort(selected_inds)
        train_img = (self.images[sorted_inds] / 255.).astype(np.float32)
        train_label = self.labels[sorted_inds, ...]
        return (train_img, train_label, sorted_inds) if return_inds else (train_img,
                                                                          train_label)

    def get_all_train_faces(self):
        return self.images[self.pos_train_inds]


def get_test_faces(n=25, seed=1, size=64):
    """The lab's four test groups (``KEYS`` order), ``n`` float32 faces each, in [0, 1]."""
    rng = np.random.default_rng(seed)
    return [draw_faces(n, skin, female, rng, size).astype(np.float32) / 255.
            for skin, female in (("light", True), ("light", False), ("dark", True),
                                 ("dark", False))]


# ------------------------------------------------------------- the standard classifier

def make_standard_classifier(n_outputs=1, n_filters=12):
    """The lab's CNN: 64×64×3 -> ``n_outputs`` logits (``n_filters`` is its global)."""
    Conv2D = functools.partial(tf.keras.layers.Conv2D, padding="same", activation="relu")
    BatchNormalization = tf.keras.layers.BatchNormalization
    Flatten = tf.keras.layers.Flatten
    Dense = functools.partial(tf.keras.layers.Dense, activation="relu")

    model = tf.keras.Sequential([
        Conv2D(filters=1 * n_filters, kernel_size=5, strides=2),
        BatchNormalization(),

        Conv2D(filters=2 * n_filters, kernel_size=5, strides=2),
        BatchNormalization(),

        Conv2D(filters=4 * n_filters, kernel_size=3, strides=2),
        BatchNormalization(),

        Conv2D(filters=6 * n_filters, kernel_size=3, strides=2),
        BatchNormalization(),

        Flatten(),
        Dense(512),
        Dense(n_outputs, activation=None),
    ])
    return model


def train_standard_classifier(loader, num_epochs=2, batch_size=32, learning_rate=5e-4,
                              n_filters=12, steps_per_epoch=None):
    """The lab's training loop for the standard classifier; returns (model, losses)."""
    standard_classifier = make_standard_classifier(n_filters=n_filters)
    optimizer = tf.keras.optimizers.Adam(learning_rate)
    loss_history = []

    @tf.function
    def standard_train_step(x, y):
        with tf.GradientTape() as tape:
            # feed the images into the model
            logits = standard_classifier(x)
            # Compute the loss
            loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)

        # Backpropagation
        grads = tape.gradient(loss, standard_classifier.trainable_variables)
        optimizer.apply_gradients(zip(grads, standard_classifier.trainable_variables))
        return loss

    steps = steps_per_epoch or loader.get_train_size() // batch_size
    for _ in range(num_epochs):
        for _ in range(steps):
            x, y = loader.get_batch(batch_size)
            loss = standard_train_step(x, y)
            loss_history.append(loss.numpy().mean())
    return standard_classifier, loss_history


# --------------------------------------------------------------------------- the DB-VAE

def vae_loss_function(x, x_recon, mu, logsigma, kl_weight=0.0005):
    """Per image: kl_weight · KL(N(μ, σ²) ‖ N(0, I)) + mean |x - x̂|."""
    latent_loss = 0.5 * tf.reduce_sum(tf.exp(logsigma) + tf.square(mu) - 1.0 - logsigma,
                                      axis=1)
    reconstruction_loss = tf.reduce_mean(tf.abs(x - x_recon), axis=(1, 2, 3))
    vae_loss = kl_weight * latent_loss + reconstruction_loss
    return vae_loss


def sampling(z_mean, z_logsigma):
    """z = μ + exp(½ log σ²) · ε, ε ~ N(0, I) (the reparameterization trick)."""
    batch, latent_dim = z_mean.shape
    epsilon = tf.random.normal(shape=(batch, latent_dim))
    z = z_mean + tf.math.exp(0.5 * z_logsigma) * epsilon
    return z


def debiasing_loss_function(x, x_pred, y, y_logit, mu, logsigma):
    """Cross-entropy for every image, plus the VAE loss for faces only; returns
    (total loss, per-image classification loss)."""
    vae_loss = vae_loss_function(x, x_pred, mu, logsigma)
    classification_loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=y_logit)
    # Use the training data labels to create variable face_indicator: the VAE loss
    # counts only for faces.
    face_indicator = tf.cast(tf.equal(y, 1), tf.float32)
    total_loss = tf.reduce_mean(
        classification_loss +
        face_indicator * vae_loss
    )
    return total_loss, classification_loss


def make_face_decoder_network(n_filters=12):
    """Latent vector -> 64×64×3 image (Dense, Reshape to 4×4, four Conv2DTranspose)."""
    Conv2DTranspose = functools.partial(tf.keras.layers.Conv2DTranspose, padding="same",
                                        activation="relu")
    Dense = functools.partial(tf.keras.layers.Dense, activation="relu")
    Reshape = tf.keras.layers.Reshape

    decoder = tf.keras.Sequential([
        # Transform to pre-convolutional generation
        Dense(units=4 * 4 * 6 * n_filters),  # 4x4 feature maps (with 6N occurances)
        Reshape(target_shape=(4, 4, 6 * n_filters)),

        # Upscaling convolutions (inverse of encoder)
        Conv2DTranspose(filters=4 * n_filters, kernel_size=3, strides=2),
        Conv2DTranspose(filters=2 * n_filters, kernel_size=3, strides=2),
        Conv2DTranspose(filters=1 * n_filters, kernel_size=5, strides=2),
        Conv2DTranspose(filters=3, kernel_size=5, strides=2),
    ])
    return decoder


class DB_VAE(tf.keras.Model):
    def __init__(self, latent_dim, n_filters=12):
        super().__init__()
        self.latent_dim = latent_dim

        # Define the number of outputs for the encoder. Recall that we have
        # `latent_dim` latent variables, as well as a supervised output for the
        # classification.
        num_encoder_dims = 2 * self.latent_dim + 1

        self.encoder = make_standard_classifier(num_encoder_dims, n_filters)
        self.decoder = make_face_decoder_network(n_filters)

    def encode(self, x):
        """(classification logit, latent mean, latent log-variance) of a batch."""
        # encoder output
        encoder_output = self.encoder(x)

        # classification prediction
        y_logit = tf.expand_dims(encoder_output[:, 0], -1)
        # latent variable distribution parameters
        z_mean = encoder_output[:, 1:self.latent_dim + 1]
        z_logsigma = encoder_output[:, self.latent_dim + 1:]

        return y_logit, z_mean, z_logsigma

    def reparameterize(self, z_mean, z_logsigma):
        z = sampling(z_mean, z_logsigma)
        return z

    def decode(self, z):
        reconstruction = self.decoder(z)
        return reconstruction

    def call(self, x):
        y_logit, z_mean, z_logsigma = self.encode(x)
        z = self.reparameterize(z_mean, z_logsigma)
        recon = self.decode(z)
        return y_logit, z_mean, z_logsigma, recon

    # Predict face or not face logit for given input x
    def predict(self, x):
        y_logit, z_mean, z_logsigma = self.encode(x)
        return y_logit


def get_latent_mu(images, dbvae, batch_size=1024):
    """The latent means of uint8 ``images``, batch by batch, as a NumPy array."""
    N = images.shape[0]
    mu = np.zeros((N, dbvae.latent_dim))
    for start_ind in range(0, N, batch_size):
        end_ind = min(start_ind + batch_size, N + 1)
        batch = (images[start_ind:end_ind]).astype(np.float32) / 255.
        _, batch_mu, _ = dbvae.encode(batch)
        mu[start_ind:end_ind] = batch_mu
    return mu


def get_training_sample_probabilities(images, dbvae, bins=10, smoothing_fac=0.001):
    """Each face's sampling probability, inversely proportional to the (smoothed) density
    of its latent mean, the maximum over latent dimensions, normalised to sum 1."""
    mu = get_latent_mu(images, dbvae)
    training_sample_p = np.zeros(mu.shape[0])
    for i in range(dbvae.latent_dim):
        latent_distribution = mu[:, i]
        hist_density, bin_edges = np.histogram(latent_distribution, density=True, bins=bins)
        bin_edges[0] = -float("inf")
        bin_edges[-1] = float("inf")
        bin_idx = np.digitize(latent_distribution, bin_edges)
        hist_smoothed_density = hist_density + smoothing_fac
        hist_smoothed_density = hist_smoothed_density / np.sum(hist_smoothed_density)
        p = 1.0 / (hist_smoothed_density[bin_idx - 1])
        p = p / np.sum(p)
        training_sample_p = np.maximum(p, training_sample_p)
    training_sample_p /= np.sum(training_sample_p)
    return training_sample_p


def train_dbvae(loader, num_epochs=6, batch_size=32, learning_rate=5e-4, latent_dim=100,
                n_filters=12, steps_per_epoch=None):
    """The lab's DB-VAE training: resample faces by latent density each epoch, then one
    ``debiasing_train_step`` per batch; returns (model, losses)."""
    dbvae = DB_VAE(latent_dim, n_filters)
    optimizer = tf.keras.optimizers.Adam(learning_rate)
    losses = []

    @tf.function
    def debiasing_train_step(x, y):
        with tf.GradientTape() as tape:
            # Feed input x into dbvae. Note that this is using the DB_VAE call function!
            y_logit, z_mean, z_logsigma, x_recon = dbvae(x)
            loss, class_loss = debiasing_loss_function(x, x_recon, y, y_logit, z_mean,
                                                       z_logsigma)
        grads = tape.gradient(loss, dbvae.trainable_variables)
        # apply gradients to variables
        optimizer.apply_gradients(zip(grads, dbvae.trainable_variables))
        return loss

    # get training faces from data loader
    all_faces = loader.get_all_train_faces()
    steps = steps_per_epoch or loader.get_train_size() // batch_size
    for _ in range(num_epochs):
        # Recompute data sampling proabilities
        p_faces = get_training_sample_probabilities(all_faces, dbvae)
        for _ in range(steps):
            # load a batch of data
            (x, y) = loader.get_batch(batch_size, p_pos=p_faces)
            # loss optimization
            loss = debiasing_train_step(x, y)
            losses.append(float(loss))
    return dbvae, losses


def face_probabilities(classify, test_faces):
    """The mean "face" probability a classifier gives each test group (``KEYS`` order)."""
    logits = [classify(np.array(x, dtype=np.float32)) for x in test_faces]
    probs = tf.squeeze(tf.sigmoid(logits))
    return tf.reduce_mean(probs, axis=1).numpy()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--images", type=int, default=2000, help="synthetic training images")
    parser.add_argument("--steps", type=int, default=None, help="batches per epoch")
    args = parser.parse_args(argv)
    tf.keras.utils.set_random_seed(0)
    loader = SyntheticFaces(args.images)
    test_faces = get_test_faces()

    standard_classifier, losses = train_standard_classifier(
        loader, num_epochs=args.epochs, steps_per_epoch=args.steps)
    (batch_x, batch_y) = loader.get_batch(min(1000, args.images // 2))
    y_pred_standard = tf.round(tf.nn.sigmoid(standard_classifier.predict(batch_x,
                                                                         verbose=0)))
    acc_standard = tf.reduce_mean(tf.cast(tf.equal(batch_y, y_pred_standard), tf.float32))
    print("Standard CNN accuracy on (potentially biased) training set: {:.4f}".format(
        acc_standard.numpy()))

    dbvae, _ = train_dbvae(loader, num_epochs=args.epochs, steps_per_epoch=args.steps)
    standard = face_probabilities(standard_classifier, test_faces)
    debiased = face_probabilities(dbvae.predict, test_faces)
    for key, a, b in zip(KEYS, standard, debiased):
        print(f"{key:>13}: standard CNN {a:.3f}   DB-VAE {b:.3f}")
    return standard_classifier, dbvae


if __name__ == "__main__":
    main()
