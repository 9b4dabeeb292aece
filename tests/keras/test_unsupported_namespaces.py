"""Keras namespaces Ember lacks say so clearly; mixed_precision accepts float policies."""

import pytest

import ember as tf
from ember import keras


@pytest.mark.parametrize("get, match", [
    (lambda: keras.applications.MobileNetV2, "pretrained"),
    (lambda: keras.datasets.cifar10, "pickle"),
    (lambda: keras.datasets.imdb, "pickle"),
])
def test_missing_namespaces_explain_themselves(get, match):
    with pytest.raises(AttributeError, match=match):
        get()


def test_mixed_precision_policies():
    try:
        keras.mixed_precision.set_global_policy("float64")
        assert keras.backend.floatx() == "float64"
        assert keras.mixed_precision.global_policy().name == "float64"
    finally:
        keras.mixed_precision.set_global_policy("float32")
    with pytest.raises(ValueError, match="float32"):
        tf.keras.mixed_precision.set_global_policy("mixed_float16")
