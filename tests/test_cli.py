"""End-to-end tests of the ``ember`` command: train on a small subset, plot, info, errors.

Training runs use 2,000 Fashion-MNIST images (skipped where the data set is not
installed: ``apt-get install dataset-fashion-mnist``); the whole file takes ~15 s.
"""

import contextlib
import csv
import io
import json
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from ember import cli
from ember.keras.datasets import files

FASHION = "/usr/share/datasets/fashion-mnist"
needs_fashion = pytest.mark.skipif(
    not os.path.isfile(os.path.join(FASHION, "train-images-idx3-ubyte.gz")),
    reason=f"Fashion-MNIST is not installed in {FASHION} (apt-get install dataset-fashion-mnist)",
)
PICTURES = ("curves.png", "confusion_matrix.png", "predictions.png", "dense_weights.png")
SMALL = ["--epochs", "2", "--limit", "2000", "--seed", "1"]


def run_main(argv):
    """``ember.cli.main(argv)`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as e:  # argparse's errors
            code = e.code
    return code, out.getvalue(), err.getvalue()


def run_command(args, env=None, timeout=120):
    """``python -m ember.cli ARGS`` in a subprocess: the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "ember.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def offline_env(tmp_path):
    """An environment where no data set is cached and no download is attempted."""
    env = dict(os.environ, HOME=str(tmp_path), KERAS_HOME=str(tmp_path / "keras"),
               EMBER_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.pop("EMBER_DATASETS_ORIGIN", None)
    return env


def assert_picture(path):
    """A PNG matplotlib reads, of a real size, and not one flat colour."""
    from matplotlib.image import imread

    assert os.path.getsize(path) > 5000, path
    pixels = imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100, path
    assert pixels[..., :3].std() > 0.01, f"{path} is blank"


def read_history(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def assert_run_folder(run_dir, epochs):
    rows = read_history(os.path.join(run_dir, "history.csv"))
    assert len(rows) == epochs
    for column in ("loss", "accuracy", "val_loss", "val_accuracy"):
        values = [float(r[column]) for r in rows]
        assert all(math.isfinite(v) for v in values), (column, values)
    assert all(0 <= float(r["accuracy"]) <= 1 for r in rows)
    with open(os.path.join(run_dir, "summary.txt")) as f:
        summary = f.read()
    assert "Total params" in summary and "test_accuracy" in summary
    with np.load(os.path.join(run_dir, "model.weights.npz"), allow_pickle=False) as z:
        assert len(z.files) >= 6  # three Dense layers: kernel and bias each
    for name in PICTURES:
        assert_picture(os.path.join(run_dir, name))
    leftovers = [n for n in os.listdir(run_dir) if n.startswith(".") or n.endswith(".part")]
    assert leftovers == []
    umask = os.umask(0)
    os.umask(umask)
    for name in ("history.csv", "summary.txt", "run.json", "predictions.npz") + PICTURES:
        mode = os.stat(os.path.join(run_dir, name)).st_mode
        assert mode & 0o004 or umask & 0o004, f"{name} is not readable by others: {oct(mode)}"


# ----------------------------------------------------------------------------- train


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """One in-process ``ember train`` on 2,000 images for 2 epochs: (folder, stdout)."""
    if not os.path.isfile(os.path.join(FASHION, "train-images-idx3-ubyte.gz")):
        pytest.skip(f"Fashion-MNIST is not installed in {FASHION}")
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("run") / "small"
    code, stdout, stderr = run_main(
        ["train", "--dataset", "fashion_mnist", *SMALL, "--out", str(out), "--quiet"])
    assert code == 0, stderr
    return str(out), stdout


@needs_fashion
def test_train_writes_the_run_folder(small_run):
    run_dir, _ = small_run
    assert_run_folder(run_dir, epochs=2)
    with open(os.path.join(run_dir, "run.json")) as f:
        info = json.load(f)
    assert info["dataset"] == "fashion_mnist" and info["epochs_run"] == 2
    assert info["interrupted"] is False
    assert len(info["class_names"]) == 10


@needs_fashion
def test_train_prints_test_accuracy_even_when_quiet(small_run):
    run_dir, stdout = small_run
    lines = [line for line in stdout.splitlines() if line.startswith("Test accuracy:")]
    assert len(lines) == 1, stdout
    accuracy = float(lines[0].split(":")[1])
    assert 0.5 < accuracy <= 1.0  # 10 classes: chance is 0.1; 2 epochs on 2,000 give ~0.68
    assert "Epoch" not in stdout  # --quiet: no progress bar
    with open(os.path.join(run_dir, "run.json")) as f:
        assert abs(json.load(f)["test_accuracy"] - accuracy) < 1e-4


@needs_fashion
def test_saved_weights_reproduce_the_test_accuracy(small_run):
    run_dir, stdout = small_run
    with open(os.path.join(run_dir, "run.json")) as f:
        info = json.load(f)
    (_, _), (x_test, y_test), _, _ = cli._prepared("fashion_mnist", 2000)
    model = cli.build_model("mlp")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.load_weights(os.path.join(run_dir, "model.weights.npz"))
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert abs(accuracy - info["test_accuracy"]) < 1e-6


@needs_fashion
def test_plot_redraws_a_deleted_picture(small_run):
    run_dir, _ = small_run
    os.remove(os.path.join(run_dir, "curves.png"))
    os.remove(os.path.join(run_dir, "dense_weights.png"))
    code, stdout, stderr = run_main(["plot", run_dir])
    assert code == 0, stderr
    for name in PICTURES:
        assert os.path.join(run_dir, name) in stdout.splitlines()
        assert_picture(os.path.join(run_dir, name))


@needs_fashion
def test_train_as_a_command(tmp_path):
    """The same run in a fresh interpreter, as `ember train` / `make train` start it."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    proc = run_command(["train", "--dataset", "fashion_mnist", *SMALL, "--out", str(out),
                        "--quiet"], env=offline_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "Test accuracy:" in proc.stdout
    assert_run_folder(str(out), epochs=2)


@needs_fashion
def test_train_the_lab_cnn_with_filter_and_feature_map_pictures(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "cnn"
    code, stdout, stderr = run_main(["train", "--model", "cnn", "--dataset", "fashion_mnist",
                                     "--epochs", "1", "--limit", "600", "--seed", "0",
                                     "--quiet", "--out", str(out)])
    assert code == 0, stderr
    assert "Test accuracy:" in stdout
    for name in ("curves.png", "confusion_matrix.png", "predictions.png", "conv_filters.png",
                 "feature_maps.png"):
        assert_picture(str(out / name))
    assert "(None, 26, 26, 24)" in (out / "summary.txt").read_text()
    with np.load(out / "predictions.npz") as z:
        assert z["conv_kernel"].shape == (3, 3, 1, 24)
        assert z["feature_maps"].shape == (26, 26, 24)


@needs_fashion
def test_auto_falls_back_to_fashion_mnist_when_mnist_is_missing(tmp_path, monkeypatch):
    system = tmp_path / "datasets"
    system.mkdir()
    os.symlink(FASHION, system / "fashion-mnist")  # and no mnist/ beside it
    monkeypatch.setattr(files, "SYSTEM_DIR", str(system))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("EMBER_OFFLINE", raising=False)
    code, stdout, stderr = run_main(["train", "--epochs", "1", "--limit", "500", "--seed", "0",
                                     "--out", str(tmp_path / "run")])
    assert code == 0, stderr
    assert "MNIST files not found; training on Fashion-MNIST instead." in stdout
    assert "Dataset: Fashion-MNIST (500 training / 100 test images)" in stdout
    assert "EMBER_OFFLINE" not in os.environ  # the look-up's offline switch is put back


@needs_fashion
def test_ctrl_c_stops_training_and_keeps_the_results(tmp_path):
    """First Ctrl-C: training stops after the current batch; results are still written."""
    pytest.importorskip("matplotlib")
    out, log = tmp_path / "run", tmp_path / "stdout.txt"
    with open(log, "w") as stdout:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ember.cli", "train", "--dataset", "fashion_mnist",
             "--epochs", "100", "--limit", "20000", "--seed", "1", "--out", str(out)],
            stdout=stdout, stderr=subprocess.PIPE, text=True, env=offline_env(tmp_path))
        try:
            deadline = time.monotonic() + 60
            while "Epoch 2/" not in log.read_text() and proc.poll() is None:
                if time.monotonic() > deadline:  # a hang guard, not a speed check
                    pytest.fail("no second epoch within 60 s")
                time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, stderr
    assert "Interrupted: stopping after this batch" in stderr
    assert "Traceback" not in stderr
    text = log.read_text()
    assert "Test accuracy:" in text and "stopped early by Ctrl-C" in text
    with open(out / "run.json") as f:
        info = json.load(f)
    assert info["interrupted"] is True and info["epochs_run"] < 100
    assert_run_folder(str(out), epochs=info["epochs_run"])


# ----------------------------------------------------------------------------- errors


def test_missing_mnist_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "SYSTEM_DIR", str(tmp_path / "system"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("EMBER_OFFLINE", "1")
    out = tmp_path / "run"
    code, stdout, stderr = run_main(["train", "--dataset", "mnist", "--epochs", "1",
                                     "--out", str(out)])
    assert code != 0
    assert "MNIST not found" in stderr
    assert str(tmp_path / "keras" / "datasets" / "mnist.npz") in stderr
    assert str(tmp_path / "system" / "mnist") in stderr
    assert "EMBER_OFFLINE" in stderr  # why no download was tried
    assert "Traceback" not in stderr
    assert not out.exists()  # nothing written half-way


def test_missing_mnist_as_a_command(tmp_path):
    if os.path.isdir(files.system_dir("mnist")):
        pytest.skip("MNIST is installed on this machine")
    proc = run_command(["train", "--dataset", "mnist", "--epochs", "1", "--limit", "100",
                        "--out", str(tmp_path / "run")], env=offline_env(tmp_path))
    assert proc.returncode == 2
    assert "MNIST not found. Looked in:" in proc.stderr
    assert str(tmp_path / "keras" / "datasets" / "mnist.npz") in proc.stderr
    assert "Traceback" not in proc.stderr


def test_damaged_data_file_is_named_without_a_traceback(tmp_path, monkeypatch):
    (tmp_path / "keras" / "datasets").mkdir(parents=True)
    (tmp_path / "keras" / "datasets" / "mnist.npz").write_bytes(b"PK\x03\x04 truncated")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("EMBER_OFFLINE", "1")
    code, _, stderr = run_main(["train", "--dataset", "mnist", "--out", str(tmp_path / "run")])
    assert code == 2
    assert "mnist.npz" in stderr and "damaged or truncated" in stderr
    assert not (tmp_path / "run").exists()


@needs_fashion
def test_out_that_is_a_file_fails_clearly(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    code, _, stderr = run_main(["train", "--dataset", "fashion_mnist", "--limit", "50",
                                "--epochs", "1", "--out", str(taken), "--quiet"])
    assert code == 2
    assert f"cannot make the run folder {taken}" in stderr
    assert taken.read_text() == "not a folder"


def test_plot_of_a_missing_folder_fails_clearly(tmp_path):
    code, stdout, stderr = run_main(["plot", str(tmp_path / "nowhere")])
    assert code != 0
    assert "nowhere is not a run folder (no such directory)" in stderr


def test_plot_of_a_folder_that_is_not_a_run(tmp_path):
    code, _, stderr = run_main(["plot", str(tmp_path)])
    assert code != 0
    assert "has no history.csv" in stderr


@pytest.mark.parametrize("argv, message", [
    (["train", "--epochs", "0"], "expected a positive integer, got 0"),
    (["train", "--batch-size", "ten"], "expected a positive integer, got 'ten'"),
    (["train", "--dataset", "cifar"], "invalid choice: 'cifar'"),
    (["train", "--model", "resnet", "--limit", "10"], "invalid choice: 'resnet'"),
    ([], "the following arguments are required: command"),
])
def test_bad_arguments_are_refused(argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a run that started by mistake writes nothing in the repo
    code, _, stderr = run_main(argv)
    assert code not in (0, None)
    assert message in stderr or message in str(code)
    assert os.listdir(tmp_path) == []  # refused before any run folder was made


# ----------------------------------------------------------------------------- info


def test_info_prints_versions_and_blas():
    code, stdout, _ = run_main(["info"])
    assert code == 0
    lines = stdout.splitlines()
    assert f"numpy {np.__version__}" in lines
    assert any(line.startswith("BLAS: ") and line != "BLAS: unknown" for line in lines), stdout
    assert any(line.startswith("BLAS threads: ") for line in lines)
    assert any(line.startswith("ember ") for line in lines)


def test_info_from_the_installed_script():
    script = os.path.join(os.path.dirname(sys.executable), "ember")
    if not os.path.exists(script):
        pytest.skip("the `ember` console script is not installed next to this Python")
    proc = subprocess.run([script, "info"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert f"numpy {np.__version__}" in proc.stdout and "BLAS" in proc.stdout
