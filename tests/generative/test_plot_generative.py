"""The generative and RL pictures of ember.plot: each draws a real PNG; bad input is named."""

import os

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.image import imread

from ember import plot


def assert_picture(path):
    pixels = imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 50 and pixels.std() > 0
    assert not [n for n in os.listdir(os.path.dirname(path)) if n.endswith(".part")]


def test_image_grid_reconstructions_latent_space_and_returns(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((10, 28, 28, 1)).astype("float32")
    plot.plot_image_grid(images * 2 - 1, title="epoch 1", path=tmp_path / "grid.png")
    plot.plot_reconstructions(images, images[::-1], n=5, path=tmp_path / "recon.png")
    plot.plot_latent_space(rng.normal(size=(50, 2)), rng.integers(0, 10, 50),
                           class_names=[str(i) for i in range(10)],
                           path=tmp_path / "latent.png")
    fig = plot.plot_returns(np.arange(150.0), window=100, target=195, path=tmp_path / "ret.png")
    for name in ("grid", "recon", "latent", "ret"):
        assert_picture(str(tmp_path / f"{name}.png"))
    running = fig.axes[0].lines[1].get_ydata()
    assert running[-1] == pytest.approx(np.mean(np.arange(50.0, 150.0)))  # last 100 episodes


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="codes: expected 2-D codes"):
        plot.plot_latent_space(np.zeros((5, 3)), np.zeros(5, int))
    with pytest.raises(ValueError, match="labels: expected one label per code"):
        plot.plot_latent_space(np.zeros((5, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match="reconstructions: expected the originals' shape"):
        plot.plot_reconstructions(np.zeros((3, 28, 28)), np.zeros((3, 14, 14)))
    with pytest.raises(ValueError, match="returns: expected at least one"):
        plot.plot_returns([])
