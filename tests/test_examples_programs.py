"""Tests of examples/perceptron.py and examples/universal_approximation.py: their numbers
and their pictures, called as functions with small settings (a few seconds in all)."""

import importlib.util
import math
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def load_example(name):
    """Import examples/<name>.py as a module (the examples folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}",
                                                  os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def perceptron():
    return load_example("perceptron")


@pytest.fixture(scope="module")
def universal():
    return load_example("universal_approximation")


def assert_picture(path):
    from matplotlib.image import imread

    assert os.path.getsize(path) > 5000, path
    pixels = imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels[..., :3].std() > 0.01, f"{path} is blank"


# ----------------------------------------------------------------------------- perceptron


def test_seed_student_forward_pass(perceptron):
    z, y_hat = perceptron.forward()  # 4 lectures, 2 hours, W = [3, -2], w0 = 1
    assert z == 9.0  # 1 + 3*4 - 2*2
    assert y_hat == pytest.approx(1 / (1 + math.exp(-9)), rel=1e-6)
    assert y_hat == pytest.approx(0.99988, abs=1e-5)


def test_forward_pass_of_another_student(perceptron):
    z, y_hat = perceptron.forward((1.0, 3.0))  # 1 + 3 - 6 = -2: fails
    assert z == -2.0
    assert y_hat == pytest.approx(1 / (1 + math.exp(2)), rel=1e-6)


def test_students_are_separable_by_the_seed_line(perceptron):
    import ember as tf

    tf.keras.utils.set_random_seed(3)
    x, y = perceptron.make_students(150, margin=1.0)
    assert x.shape == (150, 2) and y.shape == (150, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    z = 1.0 + x @ np.array([3.0, -2.0])
    assert np.all(np.abs(z) >= 1.0 - 1e-4)
    np.testing.assert_array_equal(y[:, 0], (z > 0).astype(np.float32))
    assert 0 < y.mean() < 1  # both classes present
    tf.keras.utils.set_random_seed(3)
    x2, _ = perceptron.make_students(150, margin=1.0)
    np.testing.assert_array_equal(x, x2)  # seeded: the same students again


def test_run_trains_an_accurate_perceptron_and_draws_it(perceptron, tmp_path, capsys):
    result = perceptron.run(out=str(tmp_path / "pictures"), n=150, epochs=40, seed=0)
    assert result["z"] == 9.0
    assert result["y_hat"] == pytest.approx(0.99988, abs=1e-5)
    assert result["accuracy"] > 0.95
    b, w1, w2 = result["weights"]
    assert w1 > 0 > w2  # the learned line leans the seed's way: lectures help, hours hurt
    for path in result["files"]:
        assert_picture(path)
    printed = capsys.readouterr().out
    assert "= 9" in printed and "0.9999" in printed and "accuracy:" in printed


def test_perceptron_script_runs(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, "perceptron.py"),
                           "--out", str(tmp_path), "--epochs", "20", "--n", "100"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "y_hat = sigmoid(9) = 0.9999" in proc.stdout
    assert sorted(os.listdir(tmp_path)) == ["perceptron_student.png", "perceptron_trained.png"]


# ----------------------------------------------------------------------------- universal


def test_sine_data(universal):
    x, y = universal.sine_data(50)
    assert x.shape == y.shape == (50, 1) and x.dtype == np.float32
    assert x[0, 0] == pytest.approx(-math.pi) and x[-1, 0] == pytest.approx(math.pi)
    np.testing.assert_allclose(y, np.sin(x), atol=1e-6)


def test_wider_hidden_layer_fits_sine_better(universal, tmp_path, capsys):
    result = universal.run(out=str(tmp_path), widths=(2, 64), n=100, epochs=600, seed=1)
    mse = result["mse"]
    assert mse[64] < 0.01
    assert mse[64] < mse[2] / 10
    assert mse[2] < 0.5  # it did learn something: sin(x) itself has mean square 0.5
    assert_picture(result["file"])
    printed = capsys.readouterr().out
    assert " 2 hidden units: MSE" in printed and "64 hidden units: MSE" in printed


def test_fit_width_is_reproducible(universal):
    x, y = universal.sine_data(40)
    _, first = universal.fit_width(8, x, y, epochs=50, seed=5)
    _, second = universal.fit_width(8, x, y, epochs=50, seed=5)
    assert first == second
