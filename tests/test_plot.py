"""Tests of ember.plot: each function draws a non-blank PNG; bad input gets a clear error."""

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.image import imread

from ember import plot


def assert_picture(path):
    """The file exists, is a PNG matplotlib can read, and is not one flat colour."""
    assert os.path.getsize(path) > 0
    pixels = imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 50 and pixels.shape[1] > 50
    assert pixels.std() > 0
    leftovers = [n for n in os.listdir(os.path.dirname(path)) if n.endswith(".part")]
    assert leftovers == []


class History:
    """Stands in for keras.callbacks.History: the logs live in ``.history``."""

    def __init__(self, logs):
        self.history = logs


class FakeTensor:
    def __init__(self, value):
        self.value = np.asarray(value)

    def numpy(self):
        return self.value


class CircleModel:
    """P(class 1) = sigmoid(r^2 - 1): inside the unit circle is class 0."""

    def predict(self, x, verbose="auto"):
        r2 = (np.asarray(x) ** 2).sum(axis=1, keepdims=True)
        return 1 / (1 + np.exp(-(r2 - 1) * 4))


class ThreeClassModel:
    """Softmax over three fixed directions, without a ``verbose`` argument."""

    def predict(self, x):
        logits = np.asarray(x) @ np.array([[1.0, -1.0, 0.0], [0.0, 1.0, -1.0]])
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(0)


def test_plot_history_from_history_object_and_dict(tmp_path):
    logs = {
        "loss": [1.0, 0.6, 0.4],
        "accuracy": [0.5, 0.7, 0.8],
        "val_loss": [1.1, 0.7, 0.6],
        "val_accuracy": [0.45, 0.65, 0.7],
    }
    fig = plot.plot_history(History(logs), path=tmp_path / "history.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert_picture(tmp_path / "history.png")
    fig = plot.plot_history({"loss": [np.float32(2.0), FakeTensor(1.0)], "mae": [3, 2]})
    assert [ax.get_title() for ax in fig.axes] == ["loss", "mae"]


def test_plot_history_rejects_empty():
    with pytest.raises(ValueError, match="non-empty dict"):
        plot.plot_history({})
    with pytest.raises(ValueError, match=r"history\['loss'\]: expected one value per epoch"):
        plot.plot_history({"loss": []})


def test_plot_confusion_matrix(tmp_path, rng):
    y_true = rng.integers(0, 3, 50)
    scores = np.eye(3)[y_true] + rng.random((50, 3))  # argmax mostly right
    fig = plot.plot_confusion_matrix(
        y_true, scores, class_names=["cat", "dog", "bird"], path=tmp_path / "cm.png"
    )
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 9 and sum(map(int, texts)) == 50
    assert_picture(tmp_path / "cm.png")


def test_plot_confusion_matrix_errors():
    with pytest.raises(ValueError, match="same number of samples, received 3 and 2"):
        plot.plot_confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="has 2 names, but label 2 appears"):
        plot.plot_confusion_matrix([0, 1, 2], [0, 1, 1], class_names=["a", "b"])


def test_plot_predictions_flat_images_and_red_mistakes(tmp_path, rng):
    images = rng.random((6, 784))
    y_true = np.array([0, 1, 2, 3, 4, 5])
    y_pred = np.eye(10)[[0, 1, 2, 3, 4, 9]]  # the last one is wrong
    names = [f"c{i}" for i in range(10)]
    fig = plot.plot_predictions(images, y_true, y_pred, class_names=names,
                                path=tmp_path / "pred.png")
    titles = [ax.title for ax in fig.axes if ax.get_title()]
    assert [t.get_text() for t in titles] == ["c0 (c0)", "c1 (c1)", "c2 (c2)", "c3 (c3)",
                                              "c4 (c4)", "c9 (c5)"]
    assert titles[-1].get_color() == "red" and titles[0].get_color() == "black"
    assert_picture(tmp_path / "pred.png")


def test_plot_predictions_errors(rng):
    with pytest.raises(ValueError, match="square number of pixels"):
        plot.plot_predictions(rng.random((2, 10)), [0, 1], [0, 1])
    with pytest.raises(ValueError, match="received 2, 3 and 2"):
        plot.plot_predictions(rng.random((2, 4, 4)), [0, 1, 1], [0, 1])


def test_plot_dense_weights_from_array_tensor_and_layer(tmp_path, rng):
    kernel = rng.normal(size=(784, 6))
    fig = plot.plot_dense_weights(kernel, path=tmp_path / "w.png")
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 6
    assert images[0].get_clim()[0] == -images[0].get_clim()[1]  # diverging, centred at 0
    assert_picture(tmp_path / "w.png")

    class Layer:
        def get_weights(self):
            return [kernel, np.zeros(6)]

    class KernelLayer:
        def __init__(self, value):
            self.kernel = FakeTensor(value)

    for source in (FakeTensor(kernel), Layer(), KernelLayer(kernel)):
        fig = plot.plot_dense_weights(source, n=2)
        assert sum(1 for ax in fig.axes if ax.images) == 2


def test_plot_dense_weights_wrong_shape(rng):
    expected = r"expected shape \(784, units\).*received shape \(10, 3\)"
    with pytest.raises(ValueError, match=expected):
        plot.plot_dense_weights(rng.normal(size=(10, 3)))


def test_plot_decision_boundary_sigmoid_and_softmax(tmp_path, rng):
    x = rng.uniform(-2, 2, (40, 2))
    y = ((x**2).sum(axis=1) > 1).astype(int)
    plot.plot_decision_boundary(CircleModel(), x, y, path=tmp_path / "db.png", resolution=60)
    assert_picture(tmp_path / "db.png")

    labels = ThreeClassModel().predict(x).argmax(axis=1)
    plot.plot_decision_boundary(ThreeClassModel(), x, labels, path=tmp_path / "db3.png",
                                resolution=40)
    assert_picture(tmp_path / "db3.png")

    plot.plot_decision_boundary(lambda p: CircleModel().predict(p)[:, 0], x, y, resolution=20)


def test_plot_decision_boundary_errors(rng):
    x = rng.uniform(-1, 1, (10, 2))
    with pytest.raises(ValueError, match=r"x: expected 2-D points of shape \(n, 2\)"):
        plot.plot_decision_boundary(CircleModel(), rng.random((10, 3)), np.zeros(10))
    with pytest.raises(ValueError, match="model output: expected shape"):
        plot.plot_decision_boundary(lambda p: np.zeros((3, 1)), x, np.zeros(10), resolution=10)
    with pytest.raises(TypeError, match="model: expected an object with .predict"):
        plot.plot_decision_boundary(42, x, np.zeros(10))


def test_plot_line_boundary(tmp_path):
    gates = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    fig = plot.plot_line_boundary(np.array([[1.0], [1.0]]), -1.5, x=gates, y=[0, 0, 0, 1],
                                  path=tmp_path / "and.png")
    line = fig.axes[0].lines[0]
    xs, ys = line.get_data()
    np.testing.assert_allclose(np.asarray(xs) + np.asarray(ys), 1.5)  # x1 + x2 = 1.5
    assert_picture(tmp_path / "and.png")
    plot.plot_line_boundary([2.0, 0.0], [-1.0], path=tmp_path / "vertical.png")
    assert_picture(tmp_path / "vertical.png")
    with pytest.raises(ValueError, match="both weights are 0"):
        plot.plot_line_boundary([0, 0], 1.0)


def test_save_is_atomic_and_names_missing_folder(tmp_path):
    target = tmp_path / "missing" / "h.png"
    with pytest.raises(FileNotFoundError, match="missing does not exist"):
        plot.plot_history({"loss": [1, 0.5]}, path=target)
    assert not target.parent.exists()
    with pytest.raises(ValueError):
        plot.plot_history({"loss": [1, 0.5]}, path=tmp_path / "h.notaformat")
    assert os.listdir(tmp_path) == []
    (tmp_path / "h.png").write_bytes(b"old")
    plot.plot_history({"loss": [1, 0.5]}, path=tmp_path / "h.png")
    assert_picture(tmp_path / "h.png")


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import now fails
    with pytest.raises(ImportError, match=r"pip install ember\[plot\]"):
        plot.plot_history({"loss": [1.0]})


def test_import_does_not_load_matplotlib():
    code = "import sys, ember.plot; assert 'matplotlib' not in sys.modules"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), *sys.path]))}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
