"""Whole models across Ember and real Keras 3, both ways (the point of issue 11).

One Keras subprocess per run (see keras_side.py) loads every file Ember wrote and writes
files of its own; the tests then compare predictions (to 1e-5) and the losses of two
more full-batch epochs (so the optimizer state must have come across too).
"""

import importlib.util
import json
import os
import sys

import numpy as np
import pytest

import ember  # noqa: F401
from ember import keras

_spec = importlib.util.spec_from_file_location(
    "model_specs", os.path.join(os.path.dirname(__file__), "model_specs.py"))
specs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(specs)
_ref = importlib.util.spec_from_file_location(
    "keras_reference", os.path.join(os.path.dirname(__file__), "keras_reference.py"))
reference = importlib.util.module_from_spec(_ref)
_ref.loader.exec_module(reference)

pytestmark = reference.requires_keras
NAMES = specs.available(keras)


def _preds(p):
    return [np.asarray(a) for a in (p if isinstance(p, (list, tuple)) else [p])]


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    work = tmp_path_factory.mktemp("interop")
    d = specs.data()
    ember_side = {}
    (work / "names.json").write_text(json.dumps(NAMES))
    for name in NAMES:
        build, ins, outs = specs.MODELS[name]
        x, y = specs.arrays(ins, d), specs.arrays(outs, d)
        model = build(keras)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        model.save(str(work / f"ember_{name}.keras"))
        model.save_weights(str(work / f"ember_{name}.weights.h5"))
        preds = _preds(model.predict(x, verbose=0))
        losses = model.fit(x, y, batch_size=specs.N, epochs=2, shuffle=False,
                           verbose=0).history["loss"]
        ember_side[name] = {"preds": preds, "losses": losses}
    reference.run("keras_side.py", work)
    with open(work / "keras_report.json") as f:
        report = json.load(f)
    return work, ember_side, report


def _load_preds(work, prefix):
    out, i = [], 0
    while (work / f"{prefix}_{i}.npy").exists():
        out.append(np.load(work / f"{prefix}_{i}.npy", allow_pickle=False))
        i += 1
    return out


@pytest.mark.parametrize("name", NAMES)
def test_ember_model_file_predicts_the_same_in_keras(exchange, name):
    work, ember_side, _ = exchange
    theirs = _load_preds(work, f"kpred_ember_{name}")
    assert len(theirs) == len(ember_side[name]["preds"])
    for ours, k in zip(ember_side[name]["preds"], theirs):
        np.testing.assert_allclose(k, ours, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_ember_model_file_trains_on_in_keras(exchange, name):
    """Keras continues from Ember's optimizer state: the same two next losses."""
    _, ember_side, report = exchange
    assert report[name]["iterations"] == 3  # 24 examples, batch 8, one epoch
    np.testing.assert_allclose(report[name]["loaded_losses"], ember_side[name]["losses"],
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_ember_weights_file_loads_into_keras_twin(exchange, name):
    work, ember_side, _ = exchange
    for ours, k in zip(ember_side[name]["preds"], _load_preds(work, f"kpred_twin_{name}")):
        np.testing.assert_allclose(k, ours, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_keras_model_file_loads_predicts_and_trains_on_in_ember(exchange, name):
    work, _, report = exchange
    build, ins, outs = specs.MODELS[name]
    specs.custom_classes(keras)  # Ember's own twins of the registered classes
    d = specs.data()
    x, y = specs.arrays(ins, d), specs.arrays(outs, d)
    model = keras.models.load_model(str(work / f"keras_{name}.keras"))
    for ours, k in zip(_preds(model.predict(x, verbose=0)), _load_preds(work, f"keras_{name}")):
        np.testing.assert_allclose(ours, k, atol=1e-5)
    assert int(model.optimizer.iterations.numpy()) == 3
    losses = model.fit(x, y, batch_size=specs.N, epochs=2, shuffle=False,
                       verbose=0).history["loss"]
    np.testing.assert_allclose(losses, report[name]["next_losses"], rtol=1e-4, atol=1e-6)


def test_subprocess_sees_the_real_keras_not_the_tests_folder():
    assert "keras" not in sys.modules or "site-packages" in (sys.modules["keras"].__file__ or "")
