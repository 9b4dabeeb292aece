"""TensorFlow's "Save and load models" tutorial (ModelCheckpoint, save_weights /
load_weights, save_freq, the .keras format) and its "Overfit and underfit" tutorial
(CsvDataset of a gzipped CSV, pack_row, InverseTimeDecay, L2 regularizers, Dropout,
EarlyStopping on a metric), on Fashion-MNIST and a Higgs-like CSV."""

import gzip
import math
import os

import numpy as np

import ember as tf
from ember import keras
from ember.keras import layers, regularizers


def create_model():
    model = tf.keras.Sequential([
        keras.layers.Dense(64, activation='relu', input_shape=(784,)),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10)
    ])
    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
    return model


def test_save_and_load_tutorial(fashion, tmp_path):
    os.chdir(tmp_path)
    (train_images, train_labels), (test_images, test_labels) = fashion
    train_labels = train_labels[:1000]
    test_labels = test_labels[:1000]
    train_images = train_images[:1000].reshape(-1, 28 * 28) / 255.0
    test_images = test_images[:1000].reshape(-1, 28 * 28) / 255.0
    model = create_model()
    lines = []
    model.summary(print_fn=lines.append)
    assert "50,890" in "\n".join(lines)

    checkpoint_path = "training_1/cp.weights.h5"
    checkpoint_dir = os.path.dirname(checkpoint_path)
    cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_path,
                                                     save_weights_only=True,
                                                     verbose=1)
    model.fit(train_images, train_labels, epochs=3,
              validation_data=(test_images, test_labels),
              callbacks=[cp_callback], verbose=0)
    assert os.listdir(checkpoint_dir) == ["cp.weights.h5"]
    trained_loss, trained_acc = model.evaluate(test_images, test_labels, verbose=0)

    model = create_model()
    loss, acc = model.evaluate(test_images, test_labels, verbose=2)
    assert acc < 0.4  # untrained
    model.load_weights(checkpoint_path)
    loss, acc = model.evaluate(test_images, test_labels, verbose=2)
    assert abs(acc - trained_acc) < 1e-6 and acc > 0.6

    checkpoint_path = "training_2/cp-{epoch:04d}.weights.h5"
    checkpoint_dir = os.path.dirname(checkpoint_path)
    batch_size = 64
    n_batches = len(train_images) / batch_size
    n_batches = math.ceil(n_batches)
    cp_callback = tf.keras.callbacks.ModelCheckpoint(
        filepath=checkpoint_path, verbose=1, save_weights_only=True, save_freq=2 * n_batches)
    model = create_model()
    model.save_weights(checkpoint_path.format(epoch=0))
    model.fit(train_images, train_labels, epochs=6, batch_size=batch_size,
              callbacks=[cp_callback], validation_data=(test_images, test_labels), verbose=0)
    assert sorted(os.listdir(checkpoint_dir)) == [
        "cp-0000.weights.h5", "cp-0002.weights.h5", "cp-0004.weights.h5",
        "cp-0006.weights.h5"]

    def load_latest_checkpoint(checkpoint_dir):
        latest = max(os.listdir(checkpoint_dir),
                     key=lambda f: int(f.split('-')[1].split('.')[0]))
        return os.path.join(checkpoint_dir, latest)

    latest = load_latest_checkpoint(checkpoint_dir)
    assert latest.endswith("cp-0006.weights.h5")
    fresh = create_model()
    fresh.load_weights(latest)
    np.testing.assert_allclose(fresh.predict(test_images[:8], verbose=0),
                               model.predict(test_images[:8], verbose=0), rtol=1e-6)

    os.makedirs("checkpoints", exist_ok=True)
    model.save_weights('./checkpoints/my_checkpoint.weights.h5')
    model = create_model()
    model.load_weights('./checkpoints/my_checkpoint.weights.h5')
    loss, acc = model.evaluate(test_images, test_labels, verbose=2)
    assert acc > 0.6

    model = create_model()
    model.fit(train_images, train_labels, epochs=2, verbose=0)
    os.makedirs('saved_model', exist_ok=True)
    model.save('saved_model/my_model.keras')
    new_model = tf.keras.models.load_model('saved_model/my_model.keras')
    lines = []
    new_model.summary(print_fn=lines.append)
    assert "50,890" in "\n".join(lines)
    np.testing.assert_allclose(new_model.predict(test_images, verbose=0),
                               model.predict(test_images, verbose=0), rtol=1e-5, atol=1e-6)
    loss, acc = new_model.evaluate(test_images, test_labels, verbose=2)
    assert abs(acc - model.evaluate(test_images, test_labels, verbose=0)[1]) < 1e-6
    # The compiled state comes back: training continues.
    new_model.fit(train_images, train_labels, epochs=1, verbose=0)


def write_higgs_like(path, n=1200, features=28, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features))
    label = (x[:, :4].sum(1) + 0.7 * rng.normal(size=n) > 0).astype(float)
    rows = np.concatenate([label[:, None], x], axis=1)
    with gzip.open(path, "wt") as f:
        for r in rows:
            f.write(",".join(f"{v:.6e}" for v in r) + "\n")


def test_overfit_and_underfit_tutorial(tmp_path):
    gz = str(tmp_path / "HIGGS.csv.gz")
    write_higgs_like(gz)
    FEATURES = 28
    ds = tf.data.experimental.CsvDataset(gz, [0.0, ] * (FEATURES + 1),
                                         compression_type="GZIP")

    def pack_row(*row):
        label = row[0]
        features = tf.stack(row[1:], 1)
        return features, label

    packed_ds = ds.batch(10000).map(pack_row).unbatch()
    for features, label in packed_ds.batch(1000).take(1):
        assert features.shape == (1000, FEATURES) and label.shape == (1000,)
    N_VALIDATION = 200
    N_TRAIN = 1000
    BUFFER_SIZE = 1000
    BATCH_SIZE = 100
    STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE
    validate_ds = packed_ds.take(N_VALIDATION).cache()
    train_ds = packed_ds.skip(N_VALIDATION).take(N_TRAIN).cache()
    validate_ds = validate_ds.batch(BATCH_SIZE)
    train_ds = train_ds.shuffle(BUFFER_SIZE).repeat().batch(BATCH_SIZE)

    lr_schedule = tf.keras.optimizers.schedules.InverseTimeDecay(
        0.001, decay_steps=STEPS_PER_EPOCH * 1000, decay_rate=1, staircase=False)

    def get_optimizer():
        return tf.keras.optimizers.Adam(lr_schedule)

    def get_callbacks(name):
        return [
            tf.keras.callbacks.EarlyStopping(monitor='val_binary_crossentropy', patience=200),
            tf.keras.callbacks.TensorBoard(str(tmp_path / "logs" / name)),
        ]

    def compile_and_fit(model, name, optimizer=None, max_epochs=12):
        if optimizer is None:
            optimizer = get_optimizer()
        model.compile(optimizer=optimizer,
                      loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[
                          tf.keras.metrics.BinaryCrossentropy(
                              from_logits=True, name='binary_crossentropy'),
                          'accuracy'])
        model.summary(print_fn=lambda *a, **k: None)
        history = model.fit(
            train_ds,
            steps_per_epoch=STEPS_PER_EPOCH,
            epochs=max_epochs,
            validation_data=validate_ds,
            callbacks=get_callbacks(name),
            verbose=0)
        return history

    size_histories = {}
    tiny_model = tf.keras.Sequential([
        layers.Dense(16, activation='elu', input_shape=(FEATURES,)),
        layers.Dense(1)
    ])
    size_histories['Tiny'] = compile_and_fit(tiny_model, 'sizes/Tiny')
    h = size_histories['Tiny'].history
    assert set(h) >= {'loss', 'binary_crossentropy', 'accuracy', 'val_loss',
                      'val_binary_crossentropy', 'val_accuracy'}
    assert h['val_accuracy'][-1] > 0.65

    l2_model = tf.keras.Sequential([
        layers.Dense(64, activation='elu', kernel_regularizer=regularizers.l2(0.001),
                     input_shape=(FEATURES,)),
        layers.Dense(64, activation='elu', kernel_regularizer=regularizers.l2(0.001)),
        layers.Dense(1)
    ])
    hist = compile_and_fit(l2_model, "regularizers/l2", max_epochs=4).history
    # The loss includes the weight penalty; the metric does not.
    assert hist['loss'][-1] > hist['binary_crossentropy'][-1]
    assert len(l2_model.losses) == 2

    combined_model = tf.keras.Sequential([
        layers.Dense(64, kernel_regularizer=regularizers.l2(0.0001),
                     activation='elu', input_shape=(FEATURES,)),
        layers.Dropout(0.5),
        layers.Dense(64, kernel_regularizer=regularizers.l2(0.0001), activation='elu'),
        layers.Dropout(0.5),
        layers.Dense(1)
    ])
    hist = compile_and_fit(combined_model, "regularizers/combined", max_epochs=4).history
    assert np.isfinite(hist['val_loss']).all()
