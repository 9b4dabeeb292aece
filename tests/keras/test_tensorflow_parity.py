"""The seed's programs under real TensorFlow and under Ember give the same kind of results.

Not in the default run (`pytest -m tensorflow tests/keras/test_tensorflow_parity.py`);
skipped when tensorflow is not installed. Each framework runs in its own process: this
file is also the probe program, `python test_tensorflow_parity.py <framework> <data.npz>`,
which executes every examples/seed_0*.py listing with `import <framework> as tf` and
prints what it measured as one JSON line. The tests compare the two reports: shapes,
parameter counts, configs and attributes exactly; trained accuracies within a few
points (the weights start from different random numbers).

The complete example (seed_08) trains on a Fashion-MNIST subset (6000 train / 1000 test,
`epochs=5` in place of 100) given to both frameworks through `mnist.load_data`.
"""

import contextlib
import importlib
import io
import json
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


# =========================================================== the probe (runs in a child)


def _run_listing(tf, framework, name, replace=()):
    """Executes examples/<name>.py as __main__ with `import <framework> as tf`."""
    with open(os.path.join(EXAMPLES, name + ".py")) as f:
        source = f.read().replace("import ember as tf", f"import {framework} as tf")
    for old, new in replace:
        assert old in source, old
        source = source.replace(old, new)
    tf.keras.utils.set_random_seed(0)
    namespace = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, name, "exec"), namespace)
    namespace["__stdout__"] = out.getvalue()
    return namespace


def _output_shapes(model, input_shape):
    """Each layer's output shape, chained through compute_output_shape from input_shape."""
    shapes, shape = [], tuple(input_shape)
    for layer in model.layers:
        shape = tuple(layer.compute_output_shape(shape))
        shapes.append(list(shape))
    return shapes


def _try(fn):
    """fn()'s value, or the error it raised by name (so one gap does not hide the rest)."""
    try:
        return _jsonable(fn())
    except Exception as e:  # reported, then compared by a test
        return {"error": f"{type(e).__name__}: {e}"[:200]}


def _shape(v):
    return list(np.shape(v.numpy() if hasattr(v, "numpy") else v))


def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(a) for k, a in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(a) for a in v]
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        return v.item()
    if hasattr(v, "numpy"):
        return _jsonable(np.asarray(v.numpy()).tolist())
    return v


def probe(framework, data_path):
    """What the seed's programs produce under `framework`, as a dict of plain values."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    tf = importlib.import_module(framework)
    report = {}

    g = _run_listing(tf, framework, "seed_01_perceptron_layer")
    x = tf.constant([[4.0, 2.0]])
    dense_out = g["perceptron"](x).numpy()
    custom = g["CustomPerceptron"](3)
    custom_out = custom(x).numpy()
    report["perceptron"] = {
        "dense_out_shape": list(dense_out.shape),
        "dense_out_in_0_1": bool(dense_out.min() > 0 and dense_out.max() < 1),
        "dense_kernel_shape": _shape(g["perceptron"].kernel),
        "custom_out_shape": list(custom_out.shape),
        "custom_weight_shapes": [_shape(custom.W), _shape(custom.b)],
        "custom_bias_zero": bool(np.all(custom.b.numpy() == 0)),
        "custom_W_std_ok": bool(0.01 < np.std(custom.W.numpy()) < 0.2),
        "custom_trainable": len(custom.trainable_weights),
    }

    g = _run_listing(tf, framework, "seed_02_sequential_model")
    model = g["model"]
    report["sequential"] = {
        "params": model.count_params(),
        "layer_params": [layer.count_params() for layer in model.layers],
        "output_shapes": _output_shapes(model, (None, 784)),
        "model_output_shape": list(model.output_shape),
        "summary_total": re.findall(r"Total params: ([\d,]+)", g["__stdout__"]),
    }

    report["layer_output_attribute"] = _try(
        lambda: [list(layer.output.shape) for layer in model.layers])

    g = _run_listing(tf, framework, "seed_03_gradient_tape")
    report["gradient_tape"] = {
        "gradient_shapes": [_shape(grad) for grad in g["gradients"]],
        "loss_decreased": bool(g["loss_after"] < g["loss_before"]),
        "iterations": int(g["optimizer"].iterations.numpy()),
    }

    g = _run_listing(tf, framework, "seed_04_adam_optimizer")
    report["adam_config"] = _jsonable(g["optimizer"].get_config())

    g = _run_listing(tf, framework, "seed_05_dropout")
    model = g["model"]
    rng = np.random.default_rng(0)
    xs = rng.random((256, 784)).astype("float32")
    first_two = tf.keras.Sequential(model.layers[:2])
    dropped = first_two(xs, training=True).numpy()
    kept = first_two(xs, training=False).numpy()
    report["dropout"] = {
        "params": model.count_params(),
        "layers": [type(layer).__name__ for layer in model.layers],
        "output_shapes": _output_shapes(model, (None, 784)),
        "rates": [layer.rate for layer in model.layers if hasattr(layer, "rate")],
        "dropped_fraction": float(((dropped == 0) & (kept != 0)).sum() / (kept != 0).sum()),
        "inference_is_deterministic": bool(np.array_equal(model(xs).numpy(),
                                                          model(xs).numpy())),
    }

    g = _run_listing(tf, framework, "seed_06_early_stopping")
    es = g["early_stopping"]
    report["early_stopping"] = {k: _jsonable(getattr(es, k)) for k in (
        "monitor", "patience", "restore_best_weights", "min_delta", "baseline",
        "start_from_epoch", "verbose")}
    report["early_stopping"]["printed"] = g["__stdout__"].strip()

    g = _run_listing(tf, framework, "seed_07_l2_regularization")
    layer = g["layer"]
    kernel = layer.kernel.numpy().astype(np.float64)
    report["l2"] = {
        "kernel_shape": list(kernel.shape),
        "n_losses": len(layer.losses),
        "penalty_over_formula": float(layer.losses[0]) / (0.001 * np.sum(kernel ** 2)),
        "regularizer_config": _jsonable(layer.kernel_regularizer.get_config()),
    }

    data = np.load(data_path)
    subset = ((data["x_train"], data["y_train"]), (data["x_test"], data["y_test"]))
    tf.keras.datasets.mnist.load_data = lambda *a, **k: subset
    g = _run_listing(tf, framework, "seed_08_complete_training",
                     replace=[("epochs=100", "epochs=5")])
    history = g["history"]
    report["complete"] = {
        "test_accuracy": float(g["test_accuracy"]),
        "test_loss": float(g["test_loss"]),
        "history_keys": sorted(history.history),
        "epochs_run": len(history.history["loss"]),
        "steps": history.params["steps"],
        "learning_rate": _jsonable(history.history["learning_rate"]),
        "params": g["model"].count_params(),
    }
    report["api"] = _probe_api(tf)
    return report


def _normalise(text):
    """Progress output with the numbers (and the time unit of a step) blanked out."""
    text = re.sub(r"\d+(us|ms|s)/step", "#/step", text)
    return [re.sub(r"\d+", "#", line) for line in text.splitlines()]


def _probe_api(tf):
    """Return forms of fit/evaluate/predict and the verbose=2 lines, on a tiny problem."""
    keras = tf.keras
    rng = np.random.default_rng(0)
    x = rng.random((50, 4)).astype("float32")
    y = rng.integers(0, 3, 50)

    def model(metrics=("accuracy",)):
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=list(metrics))
        return m

    api = {}
    m = model()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = m.fit(x, y, batch_size=16, epochs=2, validation_split=0.2, verbose=2)
        api["evaluate"] = _describe(m.evaluate(x, y, verbose=2))
        predictions = m.predict(x, batch_size=7, verbose=2)
    api["verbose2_lines"] = _normalise(out.getvalue())
    api["history_keys"] = sorted(history.history)
    api["history_epoch"] = history.epoch
    api["history_params"] = {k: history.params[k] for k in ("epochs", "steps")}
    api["predict"] = [type(predictions).__name__, str(predictions.dtype),
                      list(predictions.shape)]
    api["evaluate_dict"] = sorted(m.evaluate(x, y, verbose=0, return_dict=True))
    api["train_on_batch"] = _describe(m.train_on_batch(x, y))
    api["test_on_batch_dict"] = sorted(m.test_on_batch(x, y, return_dict=True))
    api["predict_on_batch"] = list(np.shape(m.predict_on_batch(x)))
    plain = model(metrics=())
    api["evaluate_no_metrics"] = _describe(plain.evaluate(x, y, verbose=0))
    api["train_on_batch_no_metrics"] = _describe(plain.train_on_batch(x, y))

    class Custom(keras.Model):  # the Keras 3 guide's train_step
        def train_step(self, data):
            xb, yb = data
            with tf.GradientTape() as tape:
                y_pred = self(xb, training=True)
                loss = self.compute_loss(y=yb, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(yb, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input((4,))
    custom = Custom(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    custom.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])
    api["custom_metrics_names_before_fit"] = custom.metrics_names
    custom_history = custom.fit(x, y, epochs=2, verbose=0)
    api["custom_history_keys"] = sorted(custom_history.history)
    return api


def _describe(value):
    if isinstance(value, list):
        return ["list", len(value)] + [type(v).__name__ for v in value]
    return [type(value).__name__]


# ======================================================================= the tests

try:
    import pytest
except ImportError:  # the probe runs without pytest too
    pytest = None

if pytest is not None:
    pytestmark = pytest.mark.tensorflow

    @pytest.fixture(scope="module")
    def reports(tmp_path_factory):
        pytest.importorskip("tensorflow")
        import ember
        from ember.keras.datasets import DatasetFileError, DatasetNotFoundError

        try:
            (x, y), (xt, yt) = ember.keras.datasets.fashion_mnist.load_data()
        except (DatasetNotFoundError, DatasetFileError, OSError) as e:
            pytest.skip(f"Fashion-MNIST is not installed: {e}")
        path = str(tmp_path_factory.mktemp("parity") / "fashion_subset.npz")
        np.savez(path, x_train=x[:6000], y_train=y[:6000], x_test=xt[:1000], y_test=yt[:1000])
        out = {}
        for framework in ("tensorflow", "ember"):
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
            result = subprocess.run([sys.executable, os.path.abspath(__file__), framework, path],
                                    capture_output=True, text=True, cwd=ROOT, env=env,
                                    timeout=600)
            lines = [ln for ln in result.stdout.splitlines() if ln.startswith("PROBE ")]
            assert result.returncode == 0 and lines, (
                f"{framework} probe failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
            out[framework] = json.loads(lines[-1][len("PROBE "):])
        return out["tensorflow"], out["ember"]


def test_perceptron_layers_match(reports):
    tf_report, ember_report = reports
    assert ember_report["perceptron"] == tf_report["perceptron"]
    assert ember_report["perceptron"]["custom_out_shape"] == [1, 3]


def test_sequential_model_matches(reports):
    tf_report, ember_report = reports
    assert ember_report["sequential"] == tf_report["sequential"]
    assert ember_report["sequential"]["params"] == 111146


def test_layer_output_attribute_matches(reports):
    tf_report, ember_report = reports
    assert tf_report["layer_output_attribute"] == [[None, 128], [None, 64], [None, 32],
                                                   [None, 10]]
    assert ember_report["layer_output_attribute"] == tf_report["layer_output_attribute"]


def test_gradient_tape_step_matches(reports):
    tf_report, ember_report = reports
    assert ember_report["gradient_tape"] == tf_report["gradient_tape"]
    assert ember_report["gradient_tape"]["loss_decreased"]


def test_adam_config_matches(reports):
    tf_report, ember_report = reports
    ours, theirs = ember_report["adam_config"], tf_report["adam_config"]
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if isinstance(value, float):
            assert ours[key] == pytest.approx(value, rel=1e-6), key
        else:
            assert ours[key] == value, key


def test_dropout_model_matches(reports):
    tf_report, ember_report = reports
    ours, theirs = dict(ember_report["dropout"]), dict(tf_report["dropout"])
    ours_fraction, theirs_fraction = ours.pop("dropped_fraction"), theirs.pop("dropped_fraction")
    assert ours == theirs
    assert ours_fraction == pytest.approx(0.3, abs=0.02)
    assert theirs_fraction == pytest.approx(0.3, abs=0.02)


def test_early_stopping_attributes_match(reports):
    tf_report, ember_report = reports
    assert ember_report["early_stopping"] == tf_report["early_stopping"]


def test_l2_penalty_matches(reports):
    tf_report, ember_report = reports
    ours, theirs = ember_report["l2"], tf_report["l2"]
    assert ours["penalty_over_formula"] == pytest.approx(1.0, rel=1e-5)
    assert theirs["penalty_over_formula"] == pytest.approx(1.0, rel=1e-5)
    assert {k: v for k, v in ours.items() if k != "penalty_over_formula"} == {
        k: pytest.approx(v) for k, v in theirs.items() if k != "penalty_over_formula"}


def test_complete_example_trains_comparably(reports):
    tf_report, ember_report = reports
    ours, theirs = ember_report["complete"], tf_report["complete"]
    for key in ("history_keys", "epochs_run", "steps", "params"):
        assert ours[key] == theirs[key], key
    assert ours["learning_rate"] == pytest.approx(theirs["learning_rate"], rel=1e-6)
    assert ours["test_accuracy"] > 0.75 and theirs["test_accuracy"] > 0.75
    assert abs(ours["test_accuracy"] - theirs["test_accuracy"]) < 0.04
    assert ours["test_loss"] == pytest.approx(theirs["test_loss"], abs=0.1)


def test_fit_evaluate_predict_api_matches(reports):
    tf_report, ember_report = reports
    ours, theirs = ember_report["api"], tf_report["api"]
    assert set(ours) == set(theirs)
    for key in sorted(theirs):
        assert ours[key] == theirs[key], key
    assert theirs["verbose2_lines"][1] == (
        "#/# - #s - #/step - accuracy: #.# - loss: #.# - val_accuracy: #.# - val_loss: #.#")


if __name__ == "__main__":
    print("PROBE " + json.dumps(probe(sys.argv[1], sys.argv[2])))
