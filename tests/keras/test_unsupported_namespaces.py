"""Keras namespaces Ember lacks say so clearly."""

import pytest

from ember import keras


@pytest.mark.parametrize("get, match", [
    (lambda: keras.applications.MobileNetV2, "pretrained"),
])
def test_missing_namespaces_explain_themselves(get, match):
    with pytest.raises(AttributeError, match=match):
        get()

