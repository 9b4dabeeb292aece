"""examples/backprop_by_hand.py and examples/activations_and_gradients.py, run small."""

import importlib.util
import os

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "examples")


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}",
                                                  os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_backprop_by_hand_explains_then_steps_like_fit(capsys):
    out = load_example("backprop_by_hand").run(lr=0.1)
    printed = capsys.readouterr().out
    assert "z = w₀ + w₁·x₁ + w₂·x₂ = 1 + 3·4 + (-2)·2 = 9" in printed
    assert "ŷ = σ(z) = σ(9) = 0.99988" in printed
    assert "∂L/∂w₁ = x₁·∂L/∂z = 4·0.99988 = 3.9995" in printed
    assert "∂L/∂z = ŷ - y = 0.99988 - 0 = 0.99988" in printed
    gw, gw0 = out["grads"]
    np.testing.assert_allclose(gw.ravel(), [4 * 0.9998766, 2 * 0.9998766], rtol=1e-5)
    np.testing.assert_allclose(out["hand"][0], out["fit"][0], atol=1e-6)
    np.testing.assert_allclose(out["hand"][1], out["fit"][1], atol=1e-6)
    assert out["loss_after"] < out["loss_before"] - 1


def test_activations_and_gradients_shows_sigmoid_vanishing(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = load_example("activations_and_gradients").run(out=str(tmp_path), depth=5,
                                                        epochs=1, n=128)
    assert out["ratio"]["sigmoid"] < 1e-3 < out["ratio"]["relu"]
    for path in out["files"]:
        assert os.path.getsize(path) > 10_000
    assert "first / last" in capsys.readouterr().out
