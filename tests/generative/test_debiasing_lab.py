"""MIT 6.S191's debiasing lab (examples/debiasing_lab.py) on synthetic 64×64×3 faces: the
standard CNN and the DB-VAE train with the lab's own steps and loss, at a third of the
lab's filters (n_filters=4) and a few dozen steps."""

import importlib.util
import os

import numpy as np
import pytest

import ember as tf

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "debiasing_lab.py")


@pytest.fixture(scope="module")
def lab():
    spec = importlib.util.spec_from_file_location("debiasing_lab", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def loader(lab):
    return lab.SyntheticFaces(400, seed=0)


def test_synthetic_loader_gives_the_labs_batches(lab, loader):
    assert loader.images.shape == (400, 64, 64, 3) and loader.images.dtype == np.uint8
    assert loader.get_train_size() == 400
    x, y = loader.get_batch(32)
    assert x.shape == (32, 64, 64, 3) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    assert y.shape == (32, 1) and y.sum() == 16  # half faces
    faces = loader.get_all_train_faces()
    assert len(faces) == 200 and np.sum(loader.skin == "dark") == 20  # the bias: 10 % dark
    x, y = loader.get_batch(8, only_faces=True)
    assert np.all(y == 1)
    p = np.zeros(200)
    p[:4] = 0.25  # sampling probabilities decide which faces come
    _, _, inds = loader.get_batch(8, p_pos=p, return_inds=True)
    assert set(inds[:4]) == set(loader.pos_train_inds[:4])


def test_standard_classifier_learns_to_tell_faces(lab, loader):
    tf.keras.utils.set_random_seed(0)
    classifier, losses = lab.train_standard_classifier(loader, num_epochs=1, n_filters=4,
                                                       steps_per_epoch=15)
    kinds = [type(layer).__name__ for layer in classifier.layers]
    assert kinds == ["Conv2D", "BatchNormalization"] * 4 + ["Flatten", "Dense", "Dense"]
    # measured 0.69 -> 0.42 over 15 steps (seed 0)
    assert np.mean(losses[-3:]) < 0.8 * np.mean(losses[:3])
    batch_x, batch_y = loader.get_batch(200)
    y_pred = tf.round(tf.nn.sigmoid(classifier.predict(batch_x, verbose=0)))
    accuracy = tf.reduce_mean(tf.cast(tf.equal(batch_y, y_pred), tf.float32)).numpy()
    assert accuracy > 0.75  # measured 0.91
    probs = lab.face_probabilities(classifier, lab.get_test_faces(10))
    assert probs.shape == (4,) and np.all((probs > 0) & (probs < 1))


def test_debiasing_loss_is_the_labs_formula(lab):
    rng = np.random.default_rng(0)
    x = rng.random((4, 8, 8, 3)).astype("float32")
    x_pred = rng.random((4, 8, 8, 3)).astype("float32")
    y = np.array([[1], [0], [1], [0]], "float32")
    y_logit = rng.normal(size=(4, 1)).astype("float32")
    mu = rng.normal(size=(4, 5)).astype("float32")
    logsigma = rng.normal(size=(4, 5)).astype("float32")
    total, class_loss = lab.debiasing_loss_function(x, x_pred, y, y_logit, mu, logsigma)

    kl = 0.5 * np.sum(np.exp(logsigma) + mu ** 2 - 1 - logsigma, axis=1)
    vae = 0.0005 * kl + np.mean(np.abs(x - x_pred), axis=(1, 2, 3))
    ce = np.maximum(y_logit, 0) - y_logit * y + np.log1p(np.exp(-np.abs(y_logit)))
    np.testing.assert_allclose(class_loss.numpy(), ce, rtol=1e-5)
    # the VAE loss counts for faces (y = 1) only; broadcast (4, 1) + (4,) as the lab does
    expected = np.mean(ce + (y == 1) * vae)
    np.testing.assert_allclose(total.numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(lab.vae_loss_function(x, x_pred, mu, logsigma).numpy(), vae,
                               rtol=1e-5)


def test_db_vae_trains_and_resamples_rare_faces_more_often(lab, loader):
    tf.keras.utils.set_random_seed(0)
    dbvae = lab.DB_VAE(8, n_filters=4)
    y_logit, z_mean, z_logsigma, recon = dbvae(loader.get_batch(4)[0])
    assert (y_logit.shape, z_mean.shape, z_logsigma.shape, recon.shape) == \
        ((4, 1), (4, 8), (4, 8), (4, 64, 64, 3))
    assert dbvae.encoder.layers[-1].units == 2 * 8 + 1
    assert [type(layer).__name__ for layer in dbvae.decoder.layers][-4:] == \
        ["Conv2DTranspose"] * 4

    tf.keras.utils.set_random_seed(0)
    dbvae, losses = lab.train_dbvae(loader, num_epochs=2, latent_dim=8, n_filters=4,
                                    steps_per_epoch=8)
    assert np.all(np.isfinite(losses))
    # measured 0.95 -> 0.79 (mean of the first and last three of 16 steps, seed 0)
    assert np.mean(losses[-3:]) < 0.9 * np.mean(losses[:3])
    logits = dbvae.predict(loader.get_batch(6)[0])  # the lab's override: the logit alone
    assert logits.shape == (6, 1)

    p = lab.get_training_sample_probabilities(loader.get_all_train_faces(), dbvae)
    assert p.shape == (200,) and np.isclose(p.sum(), 1.0) and np.all(p > 0)
    # the rare (dark-skinned) faces sit in sparse latent regions: sampled more often
    # (measured 2.8 times as often as light-skinned faces)
    skin = loader.skin[loader.pos_train_inds]
    assert p[skin == "dark"].mean() > 1.5 * p[skin == "light"].mean()
