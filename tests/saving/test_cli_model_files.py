"""``ember train`` saves model.keras (run.json last, a re-used folder cleared first);
``ember predict RUN_DIR x.npy|IMAGE.png`` prints the top classes; ``ember plot`` names a
damaged file instead of printing a traceback."""

import contextlib
import io
import json
import os

import numpy as np
import pytest

from ember import cli

FASHION = "/usr/share/datasets/fashion-mnist"
needs_fashion = pytest.mark.skipif(
    not os.path.isfile(os.path.join(FASHION, "train-images-idx3-ubyte.gz")),
    reason=f"Fashion-MNIST is not installed in {FASHION}")


def run_main(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    if not os.path.isfile(os.path.join(FASHION, "train-images-idx3-ubyte.gz")):
        pytest.skip(f"Fashion-MNIST is not installed in {FASHION}")
    pytest.importorskip("h5py")
    out = tmp_path_factory.mktemp("run") / "r"
    out.mkdir()
    (out / "predictions.npz").write_bytes(b"stale from an earlier run")
    (out / "notes.txt").write_text("mine")
    code, _, stderr = run_main(["train", "--dataset", "fashion_mnist", "--epochs", "1",
                                "--limit", "500", "--seed", "1", "--out", str(out), "--quiet"])
    assert code == 0, stderr
    return out


@needs_fashion
def test_train_saves_model_keras_and_writes_run_json_last(run_dir):
    from ember import keras
    assert (run_dir / "notes.txt").read_text() == "mine"  # not a run file: kept
    with np.load(run_dir / "predictions.npz", allow_pickle=False) as z:  # rewritten
        assert "y_pred" in z.files
    files = [f for f in os.listdir(run_dir) if f not in ("notes.txt",) and not f.endswith(".png")]
    newest = max(files, key=lambda f: os.stat(run_dir / f).st_mtime_ns)
    assert os.stat(run_dir / "run.json").st_mtime_ns == os.stat(run_dir / newest).st_mtime_ns
    info = json.loads((run_dir / "run.json").read_text())
    assert info["files"]["model"] == "model.keras"
    model = keras.models.load_model(run_dir / "model.keras")
    twin = cli.build_model("mlp")
    twin(np.zeros((1, 784), "float32"))
    twin.load_weights(run_dir / "model.weights.npz")
    x = np.random.default_rng(0).random((5, 784)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), twin.predict(x, verbose=0))


@needs_fashion
def test_predict_prints_top_classes_for_npy_and_png(run_dir, tmp_path):
    from ember.keras.datasets import fashion_mnist
    (_, _), (x_test, _) = fashion_mnist.load_data()
    np.save(tmp_path / "x.npy", x_test[:2])
    code, out, err = run_main(["predict", str(run_dir), str(tmp_path / "x.npy")])
    assert code == 0, err
    lines = out.strip().splitlines()
    names = json.loads((run_dir / "run.json").read_text())["class_names"]
    assert len(lines) == 2 and all(line.count(":") == 4 for line in lines)
    probs = [float(p.split(": ")[-1]) for p in lines[0].split(", ")]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
    assert any(name in lines[0] for name in names)
    pil = pytest.importorskip("PIL.Image")
    pil.fromarray(x_test[0]).save(tmp_path / "shoe.png")
    code, out, err = run_main(["predict", str(run_dir), str(tmp_path / "shoe.png"), "--top", "1"])
    assert code == 0, err
    label, name, prob = out.strip().split(": ")
    assert label.endswith("shoe.png") and name in names and 0 < float(prob) <= 1
    code, _, err = run_main(["predict", str(run_dir), str(tmp_path / "missing.png")])
    assert code == 2 and "missing.png: no such file" in err


def test_predict_and_plot_name_damaged_files(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.keras").write_bytes(b"PK\x03\x04 not really a zip")
    np.save(tmp_path / "x.npy", np.zeros((1, 784), "float32"))
    code, _, err = run_main(["predict", str(run), str(tmp_path / "x.npy")])
    assert code == 2 and "model.keras" in err and "Traceback" not in err
    (run / "history.csv").write_text("epoch,loss\n0,abc\n")
    code, _, err = run_main(["plot", str(run)])
    if "matplotlib" in err:
        pytest.skip("matplotlib is not installed")
    assert code == 2 and "history.csv is damaged" in err


def test_clearing_a_reused_folder_keeps_other_files(tmp_path):
    for name in ("run.json", "model.keras", "curves.png", "mine.txt"):
        (tmp_path / name).write_text("old")
    cli._clear_previous_run(str(tmp_path))
    assert os.listdir(tmp_path) == ["mine.txt"]
