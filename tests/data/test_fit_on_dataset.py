"""Model.fit / evaluate / predict on tf.data datasets."""

import numpy as np
import pytest

import ember as tf

keras = tf.keras
Dataset = tf.data.Dataset


def _data(n=96):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return x, y


def _model():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(6,)),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_fit_on_a_dataset_equals_fit_on_arrays_without_shuffling():
    x, y = _data()
    a, b = _model(), _model()
    ha = a.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
               validation_data=(x[:32], y[:32]))
    hb = b.fit(Dataset.from_tensor_slices((x, y)).batch(16), epochs=3, verbose=0,
               validation_data=Dataset.from_tensor_slices((x[:32], y[:32])).batch(16))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(ha.history[key], hb.history[key], rtol=1e-6)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    ds = Dataset.from_tensor_slices((x, y)).batch(32)
    np.testing.assert_allclose(a.evaluate(x, y, verbose=0), b.evaluate(ds, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(a.predict(x, verbose=0),
                               b.predict(Dataset.from_tensor_slices(x).batch(32), verbose=0),
                               rtol=1e-6)
    # predict also takes (x, y) batches and ignores y, as Keras does
    assert b.predict(ds, verbose=0).shape == (96, 2)


def test_fit_with_steps_per_epoch_on_a_repeated_dataset():
    x, y = _data()
    model = _model()
    ds = Dataset.from_tensor_slices((x, y)).shuffle(96, seed=1).batch(16).repeat()
    seen = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    history = model.fit(ds, epochs=2, steps_per_epoch=4, verbose=0, callbacks=[Count()],
                        validation_data=Dataset.from_tensor_slices((x, y)).batch(8).repeat(),
                        validation_steps=3)
    assert seen == [0, 1, 2, 3] * 2 and len(history.history["val_loss"]) == 2
    assert model.evaluate(ds, steps=2, verbose=0)[0] > 0
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(ds, epochs=1, verbose=0)


def test_steps_per_epoch_beyond_a_finite_dataset_warns_and_an_empty_one_stops():
    x, y = _data(48)
    model = _model()
    ds = Dataset.from_tensor_slices((x, y)).batch(16)  # 3 batches
    with pytest.warns(UserWarning, match="ran out of data after 1 of 2 steps"):
        history = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0)
    assert len(history.history["loss"]) == 2
    empty = ds.filter(lambda a, b: False)
    with pytest.raises(ValueError, match="produced no batches"), pytest.warns(UserWarning):
        model.fit(empty, epochs=1, steps_per_epoch=3, verbose=0)


def test_fit_on_datasets_with_sample_weights_dicts_and_maps():
    x, y = _data()
    sw = np.where(y == 1, 2.0, 0.5).astype("float32")
    a, b = _model(), _model()
    a.fit(x, y, sample_weight=sw, batch_size=32, shuffle=False, epochs=2, verbose=0)
    b.fit(Dataset.from_tensor_slices((x, y, sw)).batch(32), epochs=2, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
    # the quickstart's shape: uint8 images scaled in a map after batching
    images = (np.random.default_rng(1).random((64, 6)) * 255).astype(np.uint8)
    ds = Dataset.from_tensor_slices((images, y[:64])).shuffle(64).batch(16).map(
        lambda im, label: (tf.cast(im, tf.float32) / 255.0, label)).prefetch(tf.data.AUTOTUNE)
    history = b.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    # a dataset of x only trains a model whose loss comes from add_loss: here, predict
    assert b.predict(Dataset.from_tensor_slices(images.astype("float32")).batch(10),
                     verbose=0).shape == (64, 2)


def test_fit_on_a_dataset_with_class_weight_equals_arrays():
    x, y = _data()
    weights = {0: 0.3, 1: 2.0}
    a, b = _model(), _model()
    a.fit(x, y, class_weight=weights, batch_size=32, shuffle=False, epochs=2, verbose=0)
    b.fit(Dataset.from_tensor_slices((x, y)).batch(32), class_weight=weights, epochs=2,
          verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_fit_on_an_unbuilt_model_builds_from_the_dataset():
    x, y = _data()
    model = keras.Sequential([keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(Dataset.from_tensor_slices((x, y)).batch(32), epochs=1, verbose=0)
    assert model.built and model.layers[0].kernel.shape == (6, 4)


def test_fit_on_a_dataset_refuses_y_and_validation_split():
    x, y = _data()
    ds = Dataset.from_tensor_slices((x, y)).batch(16)
    model = _model()
    with pytest.raises(ValueError, match="`y`"):
        model.fit(ds, y, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(ds, validation_split=0.2, verbose=0)
