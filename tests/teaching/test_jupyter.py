"""Jupyter without a notebook: the progress bar in a kernel, figures shown as PNG."""

import io
import sys
import types

import numpy as np
import pytest

import ember as tf
from ember import notebook


def test_progress_bar_redraws_in_a_kernel_although_stdout_is_no_terminal(monkeypatch):
    # In a Jupyter kernel stdout is an ipykernel OutStream (isatty() is False); the frontend
    # understands "\r", so the bar is redrawn in place, as Keras does there.
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    x = np.zeros((64, 2), "float32")
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    bar = tf.keras.utils.Progbar(4, interval=0)
    for step in range(1, 5):
        bar.update(step, [("loss", 0.5)])
    model.fit(x, x[:, :1], epochs=1, batch_size=16, verbose=1)
    text = out.getvalue()
    assert text.count("\r") >= 5 and "━" in text and "4/4" in text


def test_a_returned_figure_displays_as_png_in_ipython(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))  # no profile or history in $HOME
    config = Config()
    config.HistoryManager.enabled = False
    shell = interactiveshell.InteractiveShell.instance(config=config)
    try:
        assert notebook.show_figures_inline()
        v = tf.Variable(2.0)
        with tf.GradientTape() as tape:
            y = v * v
        fig = tf.plot.graph(tape, target=y)
        data, _ = shell.display_formatter.format(fig)
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        notebook._registered.discard(id(shell))
        interactiveshell.InteractiveShell.clear_instance()


def test_outside_ipython_nothing_is_registered(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert notebook.show_figures_inline() is False
