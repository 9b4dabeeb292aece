"""The notebooks in notebooks/ run in a real Jupyter kernel (nbclient) and show what they
should: the explanation, inline pictures, a progress bar redrawn in place."""

import os

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_notebook(name, monkeypatch, tmp_path):
    """Executes notebooks/<name> in a fresh python3 kernel; returns its cells."""
    # Kernel connection files and IPython's profile go to a temporary folder, not $HOME.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    # The kernel is a child process: it must import this checkout's ember.
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", ROOT + (os.pathsep + path if path else ""))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(os.path.join(ROOT, "notebooks", name), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": ROOT}})
    client.execute()  # raises CellExecutionError, with the cell's traceback, on an error
    return [c for c in nb.cells if c.cell_type == "code"]


def texts(cell):
    out = []
    for o in cell.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif "data" in o:
            out.append(o.data.get("text/plain", ""))
    return "".join(out)


def pngs(cell):
    return [o for o in cell.outputs if "data" in o and "image/png" in o.data]


def test_seed_listings_notebook(monkeypatch, tmp_path):
    if not os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") and \
            not os.path.exists(os.path.expanduser("~/.keras/datasets/fashion-mnist")):
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    cells = run_notebook("seed_listings.ipynb", monkeypatch, tmp_path)
    everything = "\n".join(texts(c) for c in cells)
    assert "z = 9, y_hat = 0.9999" in everything
    assert "Total params" in everything and "dense" in everything  # model.summary()
    assert "<tf.Tensor: shape=(1, 1), dtype=float32" in everything  # a tensor's repr
    training = next(c for c in cells if "history = model.fit" in c.source)
    out = texts(training)
    # In a kernel stdout is not a terminal, yet the bar is redrawn in place, as Keras's.
    assert "\r" in out and "Epoch 3/3" in out and "━" in out
    assert "Test accuracy: 0." in out
    assert len(pngs(cells[-1])) == 1  # plot_history shows inline


def test_see_inside_notebook(monkeypatch, tmp_path):
    cells = run_notebook("see_inside.ipynb", monkeypatch, tmp_path)
    explain = texts(cells[1])
    assert "z = w₀ + w₁·x₁ + w₂·x₂ = 1 + 3·4 + (-2)·2 = 9" in explain
    assert "ŷ = σ(z) = σ(9) = 0.99988" in explain
    assert "∂L/∂w₁ = x₁·∂L/∂z = 4·0.99988 = 3.9995" in explain
    assert "∂L/∂w = [[3.9995], [1.9998]]" in texts(cells[2])
    pictures = [c for c in cells if "tf.plot." in c.source]
    assert len(pictures) == 5
    for cell in pictures:
        assert len(pngs(cell)) == 1, cell.source
