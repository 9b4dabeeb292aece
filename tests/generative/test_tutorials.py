"""The generative tutorials (examples/autoencoder.py, vae.py, gan.py) learn on a small
slice of Fashion-MNIST. Dense encoders/decoders: the convolutional versions wait for Conv2D.
Skipped when Fashion-MNIST is not installed."""

import importlib.util
import os

import numpy as np
import pytest

import ember as tf

keras = tf.keras
_EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def example(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(_EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def images():
    from ember.keras.datasets import DatasetFileError, DatasetNotFoundError

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMBER_OFFLINE", "1")
        try:
            (x, y), _ = keras.datasets.fashion_mnist.load_data()
        except (DatasetNotFoundError, DatasetFileError, OSError) as e:
            pytest.skip(f"Fashion-MNIST is not installed: {e}")
    return x[:1200].astype("float32")[..., None] / 255.0, y[:1200]


def test_autoencoder_and_denoiser_beat_the_mean_image(images):
    x, _ = images
    ae_mod = example("autoencoder")
    keras.utils.set_random_seed(0)
    train, test = x[:1000], x[1000:]
    baseline = float(np.mean((test - train.mean(0)) ** 2))
    autoencoder = ae_mod.Autoencoder(64, (28, 28, 1))
    autoencoder.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
    autoencoder.fit(train, train, epochs=4, shuffle=True, verbose=0)
    decoded = autoencoder.decoder(autoencoder.encoder(test)).numpy()
    assert np.mean((decoded - test) ** 2) < 0.6 * baseline
    noisy_train, noisy_test = ae_mod.add_noise(train, seed=1), ae_mod.add_noise(test, seed=2)
    denoiser = ae_mod.Denoise()
    denoiser.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
    denoiser.fit(noisy_train, train, epochs=6, verbose=0)
    denoised = denoiser.predict(noisy_test, verbose=0)
    assert np.mean((denoised - test) ** 2) < 0.8 * baseline


def test_vae_fit_on_images_alone_cuts_the_reconstruction_loss(images, tmp_path):
    x, y = images
    vae_mod = example("vae")
    keras.utils.set_random_seed(0)
    vae = vae_mod.VAE(vae_mod.build_encoder(), vae_mod.build_decoder())
    vae.compile(optimizer=keras.optimizers.Adam())
    h = vae.fit(x, epochs=4, batch_size=128, verbose=0).history
    assert set(h) == {"loss", "reconstruction_loss", "kl_loss"}
    # the reconstruction loss falls by at least a quarter over four epochs
    assert h["reconstruction_loss"][-1] < 0.75 * h["reconstruction_loss"][0]
    assert all(k > 0 for k in h["kl_loss"])
    pytest.importorskip("matplotlib")
    paths = vae_mod.save_pictures(vae, x[:300], y[:300], str(tmp_path))
    assert all(os.path.getsize(p) > 0 for p in paths)


def _discriminator_accuracy(discriminator, real, fake, fake_is_one):
    d_real = discriminator(real).numpy()[:, 0]
    d_fake = discriminator(fake).numpy()[:, 0]
    if fake_is_one:
        return (np.mean(d_real < 0) + np.mean(d_fake > 0)) / 2
    return (np.mean(d_real > 0) + np.mean(d_fake < 0)) / 2


def test_gan_model_with_its_own_compile_and_train_step(images):
    x, _ = images
    gan_mod = example("gan")
    keras.utils.set_random_seed(0)
    gan = gan_mod.GAN(gan_mod.build_discriminator(), gan_mod.build_generator(), latent_dim=32)
    gan.compile(d_optimizer=keras.optimizers.Adam(3e-4), g_optimizer=keras.optimizers.Adam(3e-4),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    h = gan.fit(x, epochs=4, batch_size=64, verbose=0).history
    assert set(h) == {"d_loss", "g_loss"} and len(h["d_loss"]) == 4
    z = np.random.default_rng(0).normal(size=(300, 32)).astype("float32")
    fake = gan.generator(z).numpy()
    accuracy = _discriminator_accuracy(gan.discriminator, x[:300], fake, fake_is_one=True)
    assert 0.05 < accuracy < 0.999
    # generated images are not noise: their mean image looks like the data's
    assert np.corrcoef(fake.mean(0).ravel(), x.mean(0).ravel())[0, 1] > 0.5


def test_dcgan_step_with_two_tapes_and_two_optimizers(images):
    x, _ = images
    gan_mod = example("gan")
    generator, discriminator, losses = gan_mod.train_dcgan(x, epochs=4, batch_size=64)
    assert losses.shape == (4, 2) and np.all(np.isfinite(losses))
    z = np.random.default_rng(0).normal(size=(300, 32)).astype("float32")
    fake = generator(z).numpy()
    accuracy = _discriminator_accuracy(discriminator, x[:300], fake, fake_is_one=False)
    assert 0.05 < accuracy < 0.999
    assert np.corrcoef(fake.mean(0).ravel(), x.mean(0).ravel())[0, 1] > 0.3


@pytest.mark.parametrize("model", ["vae", "gan"])
def test_ember_train_generative_models_write_pictures(images, tmp_path, model):
    pytest.importorskip("matplotlib")
    from ember import cli
    out = tmp_path / model
    assert cli.main(["train", "--model", model, "--epochs", "1", "--limit", "300", "--quiet",
                     "--seed", "0", "--out", str(out)]) == 0
    names = set(os.listdir(out))
    assert "history.csv" in names
    expected = {"latent_space.png", "generated.png", "reconstructions.png"} if model == "vae" \
        else {"generated_001.png"}
    assert expected <= names
