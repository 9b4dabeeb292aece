"""The real-Keras half of the interop tests, run in a subprocess from a scratch folder
(``python keras_side.py WORKDIR``) with KERAS_BACKEND set; it never imports ember.

1. For each model Ember saved (``ember_<name>.keras`` and ``ember_<name>.weights.h5``):
   load it (the weights into a twin built here), predict, then fit two full-batch epochs
   and record the losses.
2. For each model in ``model_specs.MODELS``: build, train one epoch and save it as
   ``keras_<name>.keras``, record its predictions, then fit two more full-batch epochs
   and record those losses (what Ember must reproduce from the file).
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras
import model_specs as specs


def main(workdir):
    os.chdir(workdir)
    keras.utils.set_random_seed(1)
    specs.custom_classes(keras)  # registers the classes the files name
    d = specs.data()
    report = {}
    with open("names.json") as f:
        names = json.load(f)  # the models the Ember under test can build
    for name in names:
        build, ins, outs = specs.MODELS[name]
        x, y = specs.arrays(ins, d), specs.arrays(outs, d)
        entry = {}
        if os.path.exists(f"ember_{name}.keras"):
            model = keras.models.load_model(f"ember_{name}.keras")
            _save_preds(f"kpred_ember_{name}", model.predict(x, verbose=0))
            entry["iterations"] = int(np.asarray(model.optimizer.iterations))
            entry["loaded_losses"] = model.fit(x, y, batch_size=specs.N, epochs=2,
                                               shuffle=False, verbose=0).history["loss"]
        if os.path.exists(f"ember_{name}.weights.h5"):
            twin = build(keras)
            twin.load_weights(f"ember_{name}.weights.h5")
            _save_preds(f"kpred_twin_{name}", twin.predict(x, verbose=0))
        model = build(keras)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        model.save(f"keras_{name}.keras")
        _save_preds(f"keras_{name}", model.predict(x, verbose=0))
        entry["next_losses"] = model.fit(x, y, batch_size=specs.N, epochs=2, shuffle=False,
                                         verbose=0).history["loss"]
        report[name] = entry
    with open("keras_report.json", "w") as f:
        json.dump(report, f)


def _save_preds(prefix, preds):
    preds = preds if isinstance(preds, (list, tuple)) else [preds]
    for i, p in enumerate(preds):
        np.save(f"{prefix}_{i}.npy", np.asarray(p))


if __name__ == "__main__":
    main(sys.argv[1])
