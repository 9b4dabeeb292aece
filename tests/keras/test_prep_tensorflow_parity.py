"""The prep layers against real Keras 3 (TensorFlow backend): outputs for the same inputs
and weights, and get_config keys.

Not in the default run (``pytest -m tensorflow tests/keras/test_prep_tensorflow_parity.py``);
skipped without tensorflow. Keras runs in a child process started outside the repository
(``tests/keras`` would shadow the real ``keras`` package).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ember as tf
from ember.keras import layers

pytestmark = pytest.mark.tensorflow

# name: (layer class, constructor kwargs, input key); weights are copied from Keras.
CASES = {
    "conv1dt": ("Conv1DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2,
                                    "padding": "same"}, "seq"),
    "conv1dt_op": ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2,
                                       "output_padding": 1}, "seq"),
    "prelu": ("PReLU", {"alpha_initializer": "ones", "shared_axes": [1]}, "seq"),
    "unit": ("UnitNormalization", {}, "seq"),
    "up1d": ("UpSampling1D", {"size": 3}, "seq"),
    "pad1d": ("ZeroPadding1D", {"padding": [1, 2]}, "seq"),
    "crop1d": ("Cropping1D", {"cropping": [2, 1]}, "seq"),
    "resize": ("Resizing", {"height": 4, "width": 3}, "img"),
    "resize_crop": ("Resizing", {"height": 4, "width": 4, "crop_to_aspect_ratio": True}, "img"),
    "resize_pad": ("Resizing", {"height": 4, "width": 4, "pad_to_aspect_ratio": True}, "img"),
    "center": ("CenterCrop", {"height": 3, "width": 3}, "img"),
    "center_up": ("CenterCrop", {"height": 10, "width": 10}, "img"),
    "disc": ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "count"},
             "num"),
    "cat": ("CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, "ids"),
    "norm_given": ("Normalization", {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 4.0, 9.0],
                                     "invert": True}, "seq"),
}

CHILD = r"""
import json, sys
import numpy as np
import keras
cases, inputs = json.loads(sys.argv[1]), np.load(sys.argv[2])
out = {}
for name, (cls, kwargs, key) in cases.items():
    layer = getattr(keras.layers, cls)(**kwargs)
    y = np.asarray(layer(inputs[key]))
    out[name] = {"y": y.tolist(), "weights": [np.asarray(w).tolist() for w in layer.weights],
                 "keys": sorted(layer.get_config())}
adapted = keras.layers.Normalization(axis=(1, 3))
adapted.adapt(inputs["img"])
out["norm_adapt"] = {"y": np.asarray(adapted(inputs["img"])).tolist()}
print(json.dumps(out))
"""


def test_prep_layers_match_keras(tmp_path):
    pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    inputs = {"seq": rng.normal(size=(2, 7, 3)).astype("float32"),
              "img": rng.uniform(0, 255, (2, 8, 6, 3)).astype("float32"),
              "num": np.array([[-1.0, 0.5, 1.0], [3.0, 2.0, 2.0]], "float32"),
              "ids": np.array([[0, 1, 1], [3, 3, 2]])}
    np.savez(tmp_path / "inputs.npz", **inputs)
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(CASES),
                           str(tmp_path / "inputs.npz")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    ref = json.loads(done.stdout.strip().splitlines()[-1])
    for name, (cls, kwargs, key) in CASES.items():
        layer = getattr(layers, cls)(**kwargs)
        layer(inputs[key])
        if ref[name]["weights"]:
            layer.set_weights([np.asarray(w, "float32") for w in ref[name]["weights"]])
        y = layer(inputs[key]).numpy()
        np.testing.assert_allclose(y, np.asarray(ref[name]["y"]), rtol=1e-4, atol=1e-3,
                                   err_msg=name)
        assert set(layer.get_config()) >= set(ref[name]["keys"]), name
    adapted = layers.Normalization(axis=(1, 3))
    adapted.adapt(inputs["img"])
    np.testing.assert_allclose(adapted(inputs["img"]).numpy(), ref["norm_adapt"]["y"],
                               rtol=1e-4, atol=1e-4)
    assert tf.keras.layers.Normalization  # the Ember layer is what tf.keras exposes
