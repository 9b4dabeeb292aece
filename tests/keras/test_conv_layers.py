"""Convolution and pooling layers: Keras 3's shapes, weight layouts, parameter counts, configs,
bad input; the course's lab CNN trains on a Fashion-MNIST subset."""

import numpy as np
import pytest

import ember as tf
from ember.keras import layers

_rng = np.random.default_rng(3)


@pytest.fixture(autouse=True)
def _fresh_names():
    from ember.keras import naming
    naming.reset()
    yield


def x_of(*shape):
    return _rng.standard_normal(shape).astype(np.float32)


# (layer factory, input shape, output shape, [(weight name, shape)]) — read off Keras 3.
LAYER_CASES = [
    (lambda: layers.Conv2D(24, (3, 3)), (2, 28, 28, 1), (2, 26, 26, 24),
     [("kernel", (3, 3, 1, 24)), ("bias", (24,))]),
    (lambda: layers.Conv2D(6, 3, groups=3, strides=2, padding="same"), (2, 8, 7, 3),
     (2, 4, 4, 6), [("kernel", (3, 3, 1, 6)), ("bias", (6,))]),
    (lambda: layers.Conv2D(4, 3, padding="same", use_bias=False, dilation_rate=2),
     (2, 8, 7, 3), (2, 8, 7, 4), [("kernel", (3, 3, 3, 4))]),
    (lambda: layers.Conv1D(4, 3, padding="causal", dilation_rate=2), (2, 9, 3), (2, 9, 4),
     [("kernel", (3, 3, 4)), ("bias", (4,))]),
    (lambda: layers.Conv1D(4, 3, strides=2), (2, 9, 3), (2, 4, 4),
     [("kernel", (3, 3, 4)), ("bias", (4,))]),
    (lambda: layers.Conv2DTranspose(5, 3, strides=2, padding="same"), (2, 7, 6, 3),
     (2, 14, 12, 5), [("kernel", (3, 3, 5, 3)), ("bias", (5,))]),
    (lambda: layers.Conv2DTranspose(5, 3, strides=2, padding="valid"), (2, 7, 6, 3),
     (2, 15, 13, 5), [("kernel", (3, 3, 5, 3)), ("bias", (5,))]),
    (lambda: layers.Conv2DTranspose(5, (4, 3), strides=(3, 2), padding="same",
                                    output_padding=(1, 1)), (2, 7, 6, 3), (2, 19, 12, 5),
     [("kernel", (4, 3, 5, 3)), ("bias", (5,))]),
    (lambda: layers.Conv2DTranspose(5, (4, 3), strides=(3, 2), output_padding=(2, 0)),
     (2, 7, 6, 3), (2, 24, 13, 5), [("kernel", (4, 3, 5, 3)), ("bias", (5,))]),
    (lambda: layers.Conv2DTranspose(5, 2, strides=3), (2, 7, 6, 3), (2, 21, 18, 5),
     [("kernel", (2, 2, 5, 3)), ("bias", (5,))]),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (2, 7, 6, 3),
     (2, 7, 6, 6), [("kernel", (3, 3, 3, 2)), ("bias", (6,))]),
    (lambda: layers.SeparableConv2D(4, 3, depth_multiplier=2), (2, 7, 6, 3), (2, 5, 4, 4),
     [("depthwise_kernel", (3, 3, 3, 2)), ("pointwise_kernel", (1, 1, 6, 4)), ("bias", (4,))]),
    (lambda: layers.MaxPooling2D(), (2, 7, 6, 3), (2, 3, 3, 3), []),
    (lambda: layers.MaxPool2D(3, strides=2, padding="same"), (2, 7, 6, 3), (2, 4, 3, 3), []),
    (lambda: layers.AveragePooling2D((2, 3)), (2, 7, 6, 3), (2, 3, 2, 3), []),
    (lambda: layers.MaxPooling1D(), (2, 9, 3), (2, 4, 3), []),
    (lambda: layers.AveragePooling1D(3, strides=1, padding="same"), (2, 9, 3), (2, 9, 3), []),
    (lambda: layers.GlobalAveragePooling2D(), (2, 7, 6, 3), (2, 3), []),
    (lambda: layers.GlobalMaxPooling2D(keepdims=True), (2, 7, 6, 3), (2, 1, 1, 3), []),
    (lambda: layers.GlobalAveragePooling1D(), (2, 9, 3), (2, 3), []),
    (lambda: layers.GlobalMaxPool1D(), (2, 9, 3), (2, 3), []),
]


@pytest.mark.parametrize("make,in_shape,out_shape,weights", LAYER_CASES)
def test_shapes_and_weights_as_keras(make, in_shape, out_shape, weights):
    layer = make()
    y = layer(x_of(*in_shape))
    assert tuple(y.shape) == out_shape
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == weights
    assert tuple(layer.compute_output_shape((None,) + in_shape[1:])) == (None,) + out_shape[1:]
    clone = type(layer).from_config(layer.get_config())
    assert tuple(clone(x_of(*in_shape)).shape) == out_shape


def test_conv2d_layer_equals_the_op_with_bias_and_activation():
    layer = layers.Conv2D(4, 3, strides=2, padding="same", activation="tanh")
    x = x_of(2, 7, 6, 3)
    y = layer(x)
    want = np.tanh(tf.nn.conv2d(x, layer.kernel, 2, "SAME").numpy() + layer.bias.numpy())
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-6)


def test_channels_first_matches_channels_last():
    x = x_of(2, 7, 6, 3)
    last = layers.Conv2D(4, 3, activation="relu")
    first = layers.Conv2D(4, 3, activation="relu", data_format="channels_first")
    y_last = last(x)
    first.build((2, 3, 7, 6))
    first.set_weights(last.get_weights())
    y_first = first(x.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(y_first.numpy(), y_last.numpy().transpose(0, 3, 1, 2),
                               rtol=1e-5, atol=1e-6)
    pool = layers.MaxPooling2D(data_format="channels_first")
    np.testing.assert_allclose(pool(x.transpose(0, 3, 1, 2)).numpy(),
                               layers.MaxPooling2D()(x).numpy().transpose(0, 3, 1, 2))


def test_depthwise_and_separable_equal_their_ops():
    x = x_of(2, 6, 6, 3)
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)
    np.testing.assert_allclose(dw(x).numpy(), tf.nn.depthwise_conv2d(
        x, dw.kernel, [1, 1, 1, 1], "VALID").numpy(), rtol=1e-5, atol=1e-6)
    sep = layers.SeparableConv2D(4, 3, use_bias=False)
    np.testing.assert_allclose(sep(x).numpy(), tf.nn.separable_conv2d(
        x, sep.depthwise_kernel, sep.pointwise_kernel, [1, 1, 1, 1], "VALID").numpy(),
        rtol=1e-5, atol=1e-5)


def test_conv2d_transpose_upsamples_a_generator_feature_map():
    model = tf.keras.Sequential([
        tf.keras.Input((7, 7, 8)),
        layers.Conv2DTranspose(16, (5, 5), strides=(1, 1), padding="same", use_bias=False),
        layers.Conv2DTranspose(8, (5, 5), strides=(2, 2), padding="same", use_bias=False),
        layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", activation="tanh"),
    ])
    assert model.output_shape == (None, 28, 28, 1)
    assert model.count_params() == 5 * 5 * 8 * 16 + 5 * 5 * 16 * 8 + 5 * 5 * 8 + 1


# -- bad input ------------------------------------------------------------------------------

def test_constructor_refuses_bad_values_echoing_them():
    with pytest.raises(ValueError, match="filters=-3"):
        layers.Conv2D(-3, 3)
    with pytest.raises(ValueError, match="strides=0"):
        layers.Conv2D(8, 3, strides=0)
    with pytest.raises(ValueError, match="padding='full'"):
        layers.Conv2D(8, 3, padding="full")
    with pytest.raises(ValueError, match="kernel_size"):
        layers.Conv2D(8, (3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(8, 3, padding="causal")
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(8, 3, strides=2, output_padding=2)


def test_missing_channel_axis_names_layer_shapes_and_the_fix():
    layer = layers.Conv2D(4, 3, name="first_conv")
    with pytest.raises(ValueError) as err:
        layer(np.zeros((5, 28, 28), np.float32))
    msg = str(err.value)
    assert "first_conv" in msg and "(5, 28, 28)" in msg and "expected ndim=4" in msg
    assert "np.expand_dims(x, -1)" in msg


def test_kernel_larger_than_input_and_channel_mismatch_are_named():
    layer = layers.Conv2D(4, 5, name="big_kernel")
    with pytest.raises(ValueError, match=r"big_kernel.*kernel size 5 along height is larger "
                                         r"than the input's 3"):
        layer(np.zeros((1, 3, 8, 2), np.float32))
    layer = layers.Conv2D(4, 3, name="rgb_conv")
    layer(np.zeros((1, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match=r"rgb_conv.*built for inputs with 3 channels.*"
                                         r"received an input with 1 channels"):
        layer(np.zeros((1, 8, 8, 1), np.float32))


# -- the course's models -----------------------------------------------------------------------

def lab_cnn():
    return tf.keras.Sequential([
        tf.keras.layers.Conv2D(filters=24, kernel_size=(3, 3), activation=tf.nn.relu),
        tf.keras.layers.MaxPool2D(pool_size=(2, 2)),
        tf.keras.layers.Conv2D(filters=36, kernel_size=(3, 3), activation=tf.nn.relu),
        tf.keras.layers.MaxPool2D((2, 2)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(128, activation=tf.nn.relu),
        tf.keras.layers.Dense(10, activation=tf.nn.softmax),
    ])


def _fashion_subset(n_train, n_test):
    try:
        (x, y), (xt, yt) = tf.keras.datasets.fashion_mnist.load_data()
    except Exception as e:  # the data set is a system package: skip where it is absent
        pytest.skip(f"Fashion-MNIST not available: {e}")
    x = (x[:n_train] / 255.0).astype(np.float32)[..., None]
    xt = (xt[:n_test] / 255.0).astype(np.float32)[..., None]
    return x, y[:n_train], xt, yt[:n_test]


def test_lab_cnn_summary_has_keras_shapes_and_parameter_counts(capsys):
    model = lab_cnn()
    model.predict(np.zeros((1, 28, 28, 1), np.float32), verbose=0)
    model.summary()
    out = capsys.readouterr().out
    # Built by predict on one image, Keras 3 shows that batch size (1, not None).
    for shape, params in [("(1, 26, 26, 24)", "240"), ("(1, 13, 13, 24)", "0"),
                          ("(1, 11, 11, 36)", "7,812"), ("(1, 5, 5, 36)", "0"),
                          ("(1, 900)", "0"), ("(1, 128)", "115,328"),
                          ("(1, 10)", "1,290")]:
        assert any(shape in line and line.rstrip(" │").endswith(params)
                   for line in out.splitlines()), (shape, params, out)
    assert "Total params: 124,670" in out


def test_lab_cnn_trains_on_a_fashion_mnist_subset_by_fit_and_by_tape():
    tf.keras.utils.set_random_seed(1)
    x, y, xt, yt = _fashion_subset(1536, 500)
    model = lab_cnn()
    model.predict(x[[0]], verbose=0)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    _, acc = model.evaluate(xt, yt, verbose=0)
    assert acc > 0.6

    # The lab's hand loop: GradientTape and the Keras-2 backend loss.
    optimizer = tf.keras.optimizers.Adam(1e-3)
    before = float(np.mean(tf.keras.backend.sparse_categorical_crossentropy(
        yt, model(xt)).numpy()))
    for i in range(0, 512, 64):
        with tf.GradientTape() as tape:
            logits = model(x[i:i + 64])
            loss = tf.keras.backend.sparse_categorical_crossentropy(y[i:i + 64], logits)
        grads = tape.gradient(loss, model.trainable_variables)
        assert all(g is not None for g in grads)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    after = float(np.mean(tf.keras.backend.sparse_categorical_crossentropy(
        yt, model(xt)).numpy()))
    assert after < before + 0.05


def test_tensorflow_cnn_tutorial_and_keras_mnist_convnet_build():
    cifar = tf.keras.models.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10),
    ])
    assert cifar.output_shape == (None, 10) and cifar.count_params() == 122570
    convnet = tf.keras.Sequential([
        tf.keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    assert convnet.count_params() == 34826
    convnet.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    xs = x_of(64, 28, 28, 1)
    ys = np.eye(10, dtype=np.float32)[_rng.integers(0, 10, 64)]
    h = convnet.fit(xs, ys, batch_size=32, epochs=1, validation_split=0.25, verbose=0)
    assert np.isfinite(h.history["loss"][0]) and "val_accuracy" in h.history


@pytest.mark.tensorflow
@pytest.mark.parametrize("make,in_shape,out_shape,weights", LAYER_CASES)
def test_outputs_match_keras_with_the_same_weights(make, in_shape, out_shape, weights):
    keras = pytest.importorskip("keras")
    ours = make()
    x = x_of(*in_shape)
    y = ours(x)
    cfg = {k: v for k, v in ours.get_config().items() if k not in ("name", "dtype")}
    theirs = getattr(keras.layers, type(ours).__name__).from_config(cfg)
    theirs.build(in_shape)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(y.numpy(), np.asarray(theirs(x)), rtol=1e-4, atol=1e-4)


def test_dcgan_generator_and_discriminator_train_with_a_tape():
    """The generative tutorials' blocks: Dense -> BatchNormalization -> LeakyReLU -> Reshape ->
    Conv2DTranspose (strides 2, 'same'), and a strided Conv2D discriminator."""
    tf.keras.utils.set_random_seed(0)
    generator = tf.keras.Sequential([
        tf.keras.Input((8,)),
        layers.Dense(7 * 7 * 16, use_bias=False), layers.BatchNormalization(),
        layers.LeakyReLU(), layers.Reshape((7, 7, 16)),
        layers.Conv2DTranspose(8, (5, 5), strides=(1, 1), padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(4, (5, 5), strides=(2, 2), padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", use_bias=False,
                               activation="tanh"),
    ])
    discriminator = tf.keras.Sequential([
        tf.keras.Input((28, 28, 1)),
        layers.Conv2D(8, (5, 5), strides=(2, 2), padding="same"), layers.LeakyReLU(),
        layers.Dropout(0.3),
        layers.Conv2D(16, (5, 5), strides=(2, 2), padding="same"), layers.LeakyReLU(),
        layers.Flatten(), layers.Dense(1),
    ])
    assert generator.output_shape == (None, 28, 28, 1)
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = tf.keras.optimizers.Adam(1e-3), tf.keras.optimizers.Adam(1e-3)
    real = np.tanh(x_of(16, 28, 28, 1))
    noise = x_of(16, 8)
    moving = generator.layers[1].moving_mean.numpy().copy()
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = generator(noise, training=True)
        real_out = discriminator(real, training=True)
        fake_out = discriminator(fake, training=True)
        g_loss = bce(tf.ones_like(fake_out), fake_out)
        d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
    assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in g_grads + d_grads)
    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))
    assert not np.allclose(generator.layers[1].moving_mean.numpy(), moving)  # training=True


@pytest.mark.slow
def test_the_lab_example_program_runs():
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, str(root / "examples" / "cnn_fashion_mnist.py"),
                           "--epochs", "1", "--limit", "640", "--seed", "0"],
                          capture_output=True, text=True, timeout=300, cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "Test accuracy:" in proc.stdout and "124,670" in proc.stdout
