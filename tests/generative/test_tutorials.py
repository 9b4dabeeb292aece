"""The generative tutorials (examples/autoencoder.py, vae.py, gan.py, dcgan.py), as their
public versions write them (convolutional), learn on a small slice of Fashion-MNIST.

Each default test trains a few dozen steps; the GANs' builders take narrower filters here
than the tutorials' (the same layers, fewer channels) so that a step costs milliseconds.
The slow suite holds the longer runs: the DCGAN's samples approach the data (its
discriminator stays away from 0 and 1) in 256 steps. The fit guide's GAN at narrow width
does not get there within a test's budget, in real Keras 3 either (measured: 10 epochs of
2000 images, mean-image correlation still negative in both), so its test checks the
mechanics and that the discriminator learns. Skipped when Fashion-MNIST is not installed."""

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
    return x[:2200].astype("float32")[..., None] / 255.0, y[:2200]


def mse(a, b):
    return float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))


# ----------------------------------------------------------------------- autoencoders


def test_dense_autoencoder_beats_the_mean_image(images):
    x, _ = images
    ae = example("autoencoder")
    keras.utils.set_random_seed(0)
    train, test = x[:1000], x[1000:1200]
    baseline = mse(test, train.mean(0))
    autoencoder = ae.Autoencoder(64, test.shape[1:])
    autoencoder.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
    autoencoder.fit(train, train, epochs=4, shuffle=True, verbose=0)
    encoded_imgs = autoencoder.encoder(test).numpy()
    decoded_imgs = autoencoder.decoder(encoded_imgs).numpy()
    assert mse(decoded_imgs, test) < 0.6 * baseline


def test_conv_denoiser_beats_the_mean_image(images):
    x, _ = images
    ae = example("autoencoder")
    keras.utils.set_random_seed(0)
    train, test = x[:600], x[1000:1200]
    x_train_noisy, x_test_noisy = ae.add_noise(train, seed=1), ae.add_noise(test, seed=2)
    assert isinstance(x_test_noisy, tf.Tensor)  # tf.clip_by_value's result, fed to fit as is
    assert float(tf.reduce_min(x_test_noisy)) >= 0.0 and float(tf.reduce_max(x_test_noisy)) <= 1
    denoiser = ae.Denoise()
    assert [w.shape for w in denoiser.encoder.weights] == [(3, 3, 1, 16), (16,), (3, 3, 16, 8),
                                                          (8,)]
    denoiser.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
    h = denoiser.fit(x_train_noisy, train, epochs=2, batch_size=16, shuffle=True, verbose=0,
                     validation_data=(x_test_noisy, test)).history
    assert h["val_loss"][-1] < h["val_loss"][0]
    encoded_imgs = denoiser.encoder(x_test_noisy).numpy()
    assert encoded_imgs.shape == (200, 7, 7, 8)
    decoded_imgs = denoiser.decoder(encoded_imgs).numpy()
    assert decoded_imgs.shape == (200, 28, 28, 1)
    # measured 0.040 against the mean image's 0.087 (seed 0)
    assert mse(decoded_imgs, test) < 0.6 * mse(test, train.mean(0))


@pytest.mark.slow
def test_conv_denoiser_trained_longer_beats_the_noisy_input(images):
    x, _ = images
    ae = example("autoencoder")
    keras.utils.set_random_seed(0)
    train, test = x[:2000], x[2000:2200]
    x_train_noisy, x_test_noisy = ae.add_noise(train, seed=1), ae.add_noise(test, seed=2)
    denoiser = ae.Denoise()
    denoiser.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
    denoiser.fit(x_train_noisy, train, epochs=3, batch_size=16, shuffle=True, verbose=0)
    denoised = denoiser.predict(x_test_noisy, verbose=0)
    print(f"denoiser after 375 steps: MSE {mse(denoised, test):.4f}, noisy input "
          f"{mse(x_test_noisy, test):.4f}, mean image {mse(test, train.mean(0)):.4f}")
    assert mse(denoised, test) < 0.8 * mse(x_test_noisy, test)


def test_anomaly_detector_flags_abnormal_heartbeats():
    ae = example("autoencoder")
    raw = ae.synthetic_ecg(n=400)
    assert raw.shape == (400, 141) and set(np.unique(raw[:, -1])) == {0.0, 1.0}
    train_data, test_data, train_labels, test_labels = ae.split_ecg(raw)
    assert train_data.dtype == tf.float32 and train_labels.dtype == bool
    assert float(tf.reduce_min(train_data)) == 0.0 and float(tf.reduce_max(train_data)) == 1.0
    _, threshold, accuracy, precision, recall = ae.anomaly_detection(epochs=10, verbose=0)
    assert 0 < threshold < 0.2
    assert accuracy > 0.85 and precision > 0.9 and recall > 0.7


# ------------------------------------------------------------------------------- VAE


def _reconstruction_loss(vae, x):
    z_mean, _, _ = vae.encoder(x)
    bce = keras.losses.binary_crossentropy(x, vae.decoder(z_mean)).numpy()
    return float(np.mean(np.sum(bce, axis=(1, 2))))


def test_conv_vae_fit_on_images_alone_cuts_the_reconstruction_loss(images):
    x, _ = images
    vae_mod = example("vae")
    keras.utils.set_random_seed(0)
    vae = vae_mod.VAE(vae_mod.build_encoder(), vae_mod.build_decoder())
    assert [type(layer).__name__ for layer in vae.decoder.layers[-3:]] == \
        ["Conv2DTranspose"] * 3
    vae.compile(optimizer=keras.optimizers.Adam())
    held_out = x[1000:1200]
    before = _reconstruction_loss(vae, held_out)
    h = vae.fit(x[:384], epochs=2, batch_size=16, verbose=0).history
    after = _reconstruction_loss(vae, held_out)
    assert set(h) == {"loss", "reconstruction_loss", "kl_loss"}
    # an untrained decoder gives 0.5 everywhere: 784 · ln 2 = 543 per image
    assert before == pytest.approx(784 * np.log(2), rel=0.02)
    # the held-out reconstruction loss falls by a sixth (measured 543 -> 417, seed 0)
    assert after < 0.83 * before, (before, after)
    assert h["reconstruction_loss"][-1] < 0.9 * h["reconstruction_loss"][0]
    assert all(k > 0 for k in h["kl_loss"])


@pytest.mark.slow
def test_conv_vae_trained_longer_beats_the_mean_image(images):
    x, _ = images
    vae_mod = example("vae")
    keras.utils.set_random_seed(0)
    vae = vae_mod.VAE(vae_mod.build_encoder(), vae_mod.build_decoder())
    vae.compile(optimizer=keras.optimizers.Adam())
    vae.fit(x[:2000], epochs=4, batch_size=32, verbose=0)
    held_out = x[2000:2200]
    bce = keras.losses.binary_crossentropy(held_out, np.broadcast_to(x[:2000].mean(0),
                                                                      held_out.shape))
    mean_image = float(np.mean(np.sum(bce.numpy(), axis=(1, 2))))
    after = _reconstruction_loss(vae, held_out)
    print(f"VAE after 252 steps: held-out reconstruction loss {after:.1f}, "
          f"mean image {mean_image:.1f}, untrained {784 * np.log(2):.1f}")
    assert after < 0.95 * mean_image


def test_sampling_layers_draw_from_their_seed_generator(images):
    vae_mod = example("vae")
    z_mean = np.zeros((4, 2), "float32")
    z_log_var = np.zeros((4, 2), "float32")
    a, b = vae_mod.Sampling(), vae_mod.Sampling()
    first = a([z_mean, z_log_var]).numpy()
    # the generator advances: a second call draws anew; a second layer with the same
    # seed (1337) repeats the first layer's draws
    assert not np.allclose(first, a([z_mean, z_log_var]).numpy())
    np.testing.assert_array_equal(first, b([z_mean, z_log_var]).numpy())
    # z = μ + exp(½ log σ²) ε: shifting μ shifts z, log σ² = 2 log 3 triples ε
    shifted = vae_mod.Sampling()([z_mean + 5, z_log_var + 2 * np.log(3)]).numpy()
    np.testing.assert_allclose(shifted, 5 + 3 * first, rtol=1e-5)
    # the tf.random.normal version trains the same model
    x, _ = images
    keras.utils.set_random_seed(0)
    vae = vae_mod.VAE(vae_mod.build_encoder(sampling=vae_mod.TFSampling),
                      vae_mod.build_decoder())
    vae.compile(optimizer=keras.optimizers.Adam())
    h = vae.fit(x[:64], epochs=1, batch_size=32, verbose=0).history
    assert np.isfinite(h["loss"][0])


# ------------------------------------------------------------------------------ GANs


def _discriminator_accuracy(discriminator, real, fake, fake_is_one):
    d_real = discriminator(real).numpy()[:, 0]
    d_fake = discriminator(fake).numpy()[:, 0]
    if fake_is_one:
        return (np.mean(d_real < 0) + np.mean(d_fake > 0)) / 2
    return (np.mean(d_real > 0) + np.mean(d_fake < 0)) / 2


def _mean_image_correlation(fake, real):
    return float(np.corrcoef(fake.mean(0).ravel(), real.mean(0).ravel())[0, 1])


def _gan(gan_mod, lr=3e-4):
    gan = gan_mod.GAN(gan_mod.build_discriminator((16, 32)),
                      gan_mod.build_generator(latent_dim=32, filters=16), latent_dim=32)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=lr),
                g_optimizer=keras.optimizers.Adam(learning_rate=lr),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    return gan


def test_gan_model_with_its_own_compile_and_train_step(images, tmp_path):
    x, _ = images
    gan_mod = example("gan")
    keras.utils.set_random_seed(0)
    gan = _gan(gan_mod)
    kinds = [type(layer).__name__ for layer in gan.generator.layers]
    assert kinds.count("Conv2DTranspose") == 2 and kinds[-1] == "Conv2D"
    d_before = [w.numpy().copy() for w in gan.discriminator.weights]
    g_before = [w.numpy().copy() for w in gan.generator.weights]
    dataset = tf.data.Dataset.from_tensor_slices(x[:640]).shuffle(buffer_size=1024).batch(32)
    callbacks = []
    if importlib.util.find_spec("matplotlib") is not None:
        callbacks.append(gan_mod.GANMonitor(str(tmp_path), latent_dim=32))
    h = gan.fit(dataset.take(5), epochs=2, verbose=0, callbacks=callbacks).history
    if callbacks:  # a grid of generated images each epoch
        assert sorted(os.listdir(tmp_path)) == ["generated_001.png", "generated_002.png"]
    assert set(h) == {"d_loss", "g_loss"} and len(h["d_loss"]) == 2
    assert np.all(np.isfinite(h["d_loss"] + h["g_loss"]))
    # each optimizer moved its own model only: 10 steps each
    assert int(gan.d_optimizer.iterations.numpy()) == 10
    assert int(gan.g_optimizer.iterations.numpy()) == 10
    for before, model in ((d_before, gan.discriminator), (g_before, gan.generator)):
        assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.weights))
    # the discriminator learns first: its loss falls below chance (ln 2 for noisy labels)
    assert h["d_loss"][-1] < h["d_loss"][0] < np.log(2) + 0.05


def _dcgan(dcgan, batch_size=64, noise_dim=32, lr=2e-4):
    generator = dcgan.make_generator_model(noise_dim, filters=(32, 16, 8))
    discriminator = dcgan.make_discriminator_model(filters=(16, 32))
    generator_optimizer = keras.optimizers.Adam(lr)
    discriminator_optimizer = keras.optimizers.Adam(lr)
    step = dcgan.make_train_step(generator, discriminator, generator_optimizer,
                                 discriminator_optimizer, batch_size, noise_dim)
    return generator, discriminator, generator_optimizer, discriminator_optimizer, step


def test_dcgan_step_with_two_tapes_checkpoint_and_pictures(images, tmp_path):
    x, _ = images
    dcgan = example("dcgan")
    keras.utils.set_random_seed(0)
    train_images = x[:512] * 2 - 1  # the tutorial's [-1, 1]
    train_dataset = tf.data.Dataset.from_tensor_slices(train_images).shuffle(512).batch(64)
    generator, discriminator, g_opt, d_opt, train_step = _dcgan(dcgan)
    assert callable(train_step.python_function)  # a tf.function
    checkpoint_dir = str(tmp_path / "training_checkpoints")
    checkpoint = tf.train.Checkpoint(generator_optimizer=g_opt, discriminator_optimizer=d_opt,
                                     generator=generator, discriminator=discriminator)
    seed = tf.random.normal([16, 32])
    folder = None
    if importlib.util.find_spec("matplotlib") is not None:
        folder = str(tmp_path)
    history = dcgan.train(train_dataset, 2, train_step, generator, seed, checkpoint,
                          os.path.join(checkpoint_dir, "ckpt"), save_every=1, folder=folder,
                          verbose=False)
    gen_losses, disc_losses = np.array(history).T
    assert np.all(np.isfinite(history))
    # the discriminator learns first: below its chance loss 2 ln 2 and falling
    assert disc_losses[1] < disc_losses[0] < 2 * np.log(2)
    assert gen_losses[1] > gen_losses[0]
    if folder:
        assert {"image_at_epoch_0001.png", "image_at_epoch_0002.png"} <= set(os.listdir(folder))
    assert tf.train.latest_checkpoint(checkpoint_dir).endswith("ckpt-2")

    saved = [w.numpy().copy() for w in generator.weights + discriminator.weights]
    saved_out = generator(seed, training=False).numpy()
    dcgan.train(train_dataset.take(2), 1, train_step, generator, seed, verbose=False)
    assert int(g_opt.iterations.numpy()) == 18
    assert not np.allclose(saved_out, generator(seed, training=False).numpy())

    status = checkpoint.restore(tf.train.latest_checkpoint(checkpoint_dir))
    status.assert_consumed()
    for before, w in zip(saved, generator.weights + discriminator.weights):
        np.testing.assert_array_equal(before, w.numpy())  # incl. BatchNorm moving statistics
    np.testing.assert_array_equal(saved_out, generator(seed, training=False).numpy())
    assert int(g_opt.iterations.numpy()) == int(d_opt.iterations.numpy()) == 16

    # as after a restart: fresh models and optimizers take the saved state; the optimizers
    # get their moments on their first step and then step as the originals do
    generator2, discriminator2, g_opt2, d_opt2, train_step2 = _dcgan(dcgan)
    tf.train.Checkpoint(generator_optimizer=g_opt2, discriminator_optimizer=d_opt2,
                        generator=generator2, discriminator=discriminator2).restore(
        tf.train.latest_checkpoint(checkpoint_dir))
    np.testing.assert_array_equal(saved_out, generator2(seed, training=False).numpy())
    batch = next(iter(train_dataset))
    keras.utils.set_random_seed(7)
    train_step(batch)
    keras.utils.set_random_seed(7)
    train_step2(batch)
    for a, b in zip(generator.weights + discriminator.weights,
                    generator2.weights + discriminator2.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_dcgan_samples_approach_the_data(images):
    x, _ = images
    dcgan = example("dcgan")
    keras.utils.set_random_seed(0)
    train_images = x[:2000] * 2 - 1
    train_dataset = tf.data.Dataset.from_tensor_slices(train_images).shuffle(2000).batch(64)
    generator, discriminator, _, _, train_step = _dcgan(dcgan)
    dcgan.train(train_dataset, 8, train_step, generator, None, verbose=False)
    fake = generator(tf.random.normal([300, 32]), training=False).numpy()
    real = x[2000:2200] * 2 - 1
    accuracy = _discriminator_accuracy(discriminator, real, fake[:200], fake_is_one=False)
    correlation = _mean_image_correlation(fake, real)
    print(f"DCGAN after 256 steps: discriminator accuracy {accuracy:.3f}, mean-image "
          f"correlation {correlation:.3f}")
    assert 0.05 < accuracy < 0.99
    # not noise: the mean sample looks like the data's mean image
    assert correlation > 0.5


# ---------------------------------------------------------------------------- the CLI


def test_ember_train_vae_writes_its_pictures(images, tmp_path):
    pytest.importorskip("matplotlib")
    from ember import cli
    out = tmp_path / "vae"
    assert cli.main(["train", "--model", "vae", "--epochs", "1", "--limit", "128", "--quiet",
                     "--seed", "0", "--out", str(out)]) == 0
    names = set(os.listdir(out))
    assert {"history.csv", "latent_space.png", "generated.png", "reconstructions.png"} <= names


def test_python_m_ember_cli_train_gan(images, tmp_path):
    """Run as ``python -m ember.cli`` (the generative block sits below the other commands,
    and the module's ``__main__`` guard must come after it)."""
    pytest.importorskip("matplotlib")
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root, MPLBACKEND="Agg", EMBER_OFFLINE="1")
    out = tmp_path / "gan"
    done = subprocess.run([sys.executable, "-m", "ember.cli", "train", "--model", "gan",
                           "--epochs", "1", "--limit", "128", "--batch-size", "64", "--quiet",
                           "--seed", "0", "--out", str(out)], env=env, cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    names = set(os.listdir(out))
    assert {"history.csv", "image_at_epoch_0001.png", "training_checkpoints"} <= names
    with open(out / "history.csv") as f:
        assert f.readline().strip().split(",")[-2:] == ["gen_loss", "disc_loss"]


def test_dense_takes_the_numpy_integer_the_autoencoder_tutorial_passes():
    # `layers.Dense(tf.math.reduce_prod(shape).numpy())`: Keras 2 took int(units)
    layer = keras.layers.Dense(tf.math.reduce_prod((28, 28, 1)).numpy())
    assert layer.units == 784 and type(layer.get_config()["units"]) is int
    with pytest.raises(ValueError, match="units=0"):
        keras.layers.Dense(np.int64(0))
