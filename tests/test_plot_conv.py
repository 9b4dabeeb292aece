"""Pictures of a CNN: first-layer filters and feature maps (needs matplotlib)."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import ember as tf
from ember import plot


def test_conv_filters_and_feature_maps_from_a_layer(tmp_path):
    layer = tf.keras.layers.Conv2D(6, 3, activation="relu")
    image = np.random.default_rng(0).random((1, 12, 12, 1)).astype(np.float32)
    maps = layer(image)
    fig = plot.plot_conv_filters(layer, path=tmp_path / "f.png")
    assert len([a for a in fig.axes if a.images]) == 6  # one panel per filter
    fig = plot.plot_feature_maps(maps, image=image[0], path=tmp_path / "m.png")
    assert len([a for a in fig.axes if a.images]) == 7  # the input and six maps
    assert (tmp_path / "f.png").stat().st_size > 1000 and (tmp_path / "m.png").exists()
    rgb = plot.plot_conv_filters(np.zeros((3, 3, 3, 4)))
    assert len([a for a in rgb.axes if a.images]) == 12  # one row per input channel


def test_bad_shapes_are_explained():
    with pytest.raises(ValueError, match=r"\(kh, kw, in, filters\)"):
        plot.plot_conv_filters(np.zeros((9, 4)))
    with pytest.raises(ValueError, match="one image"):
        plot.plot_feature_maps(np.zeros((2, 5, 5, 3)))
