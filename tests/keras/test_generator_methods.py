"""The TF 2.x generator spellings (fit_generator, evaluate_generator, predict_generator)
that ImageDataGenerator course code calls."""

import numpy as np
import pytest

import ember as tf


def test_fit_evaluate_predict_generator_with_image_data_generator():
    rng = np.random.default_rng(0)
    x = rng.random((64, 8, 8, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("float32")
    gen = tf.keras.preprocessing.image.ImageDataGenerator(horizontal_flip=True)
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 1)), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    with pytest.warns(DeprecationWarning, match="Please use `Model.fit`"):
        history = model.fit_generator(gen.flow(x, y, batch_size=16, seed=0),
                                      steps_per_epoch=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    with pytest.warns(DeprecationWarning, match="Please use `Model.evaluate`"):
        loss, acc = model.evaluate_generator(gen.flow(x, y, batch_size=16, shuffle=False),
                                             steps=4)
    assert np.isfinite(loss) and 0 <= acc <= 1
    with pytest.warns(DeprecationWarning, match="Please use `Model.predict`"):
        probs = model.predict_generator(gen.flow(x, batch_size=16, shuffle=False), steps=4)
    assert probs.shape == (64, 1)
