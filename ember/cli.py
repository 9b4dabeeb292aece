"""The ``ember`` command: ``ember train``, ``ember predict RUN_DIR INPUT``, ``ember plot
RUN_DIR``, ``ember info``.

``ember train`` runs the seed's complete example (784-128-64-10 MLP, Dropout 0.3, Adam,
sparse cross-entropy, batch 128, validation_split 0.2, EarlyStopping(patience=5),
ReduceLROnPlateau(factor=0.5, patience=3)) and writes a run folder with the history,
a summary, the model (``model.keras``, loadable by Keras 3) and its weights, and pictures
of what the network learned. ``run.json``, the record that the run finished, is written
last; a re-used ``--out`` folder is cleared of the previous run's files first.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import io
import json
import os
import platform
import signal
import sys
import time

import numpy as np

from ember.atomic import atomic_path

DATASETS = ("mnist", "fashion_mnist")


def _write_text(path, text):
    """Writes a text file atomically (temporary file in the same folder, then rename)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)


def _save_npz(path, **arrays):
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)  # a file object: a name would get ".npz" appended


def load_dataset(name):
    """(data, name, class_names): MNIST if its file is found (no download), else Fashion-MNIST."""
    from ember.keras.datasets import fashion_mnist, mnist
    from ember.keras.datasets.files import DatasetNotFoundError
    if name in (None, "auto"):
        saved = os.environ.get("EMBER_OFFLINE")
        os.environ["EMBER_OFFLINE"] = "1"  # only look for files here: no download attempt
        try:
            return mnist.load_data(), "mnist", list(mnist.CLASS_NAMES)
        except DatasetNotFoundError:
            pass
        finally:
            if saved is None:
                os.environ.pop("EMBER_OFFLINE", None)
            else:
                os.environ["EMBER_OFFLINE"] = saved
        return fashion_mnist.load_data(), "fashion_mnist", list(fashion_mnist.CLASS_NAMES)
    module = {"mnist": mnist, "fashion_mnist": fashion_mnist}[name]
    return module.load_data(), name, list(module.CLASS_NAMES)


def build_model(kind="mlp"):
    """The seed's complete-example network (``kind='mlp'``) or the course's lab CNN
    (``kind='cnn'``: Conv 24 -> MaxPool -> Conv 36 -> MaxPool -> Dense 128 -> Dense 10)."""
    import ember as tf
    if kind == "cnn":
        return lab_cnn()
    if kind != "mlp":
        raise SystemExit(f"ember train: --model {kind!r} is not available; choose --model mlp "
                         "(the seed's 784-128-64-10 network) or --model cnn (the lab CNN).")
    return tf.keras.Sequential([
        tf.keras.layers.Dense(128, activation="relu", input_shape=(784,)),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])


class _StopOnInterrupt:
    """First Ctrl-C: finish the current batch, then stop training and keep the results.
    A second Ctrl-C interrupts at once."""

    def __init__(self, model):
        self.model = model
        self.hits = 0
        self._old = None

    def __enter__(self):
        def handler(signum, frame):
            self.hits += 1
            if self.hits > 1:
                raise KeyboardInterrupt
            self.model.stop_training = True
            sys.stderr.write("\nInterrupted: stopping after this batch (Ctrl-C again to "
                             "abort).\n")
        try:
            self._old = signal.signal(signal.SIGINT, handler)
        except ValueError:  # not the main thread: no signal handling
            self._old = None
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


def train(args) -> int:
    if args.model == "char_rnn":  # sequence models (issue 12): the course's character LSTM
        from ember import char_rnn
        out = args.out or os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
        return char_rnn.run(args, out)
    if args.model in ("vae", "gan"):  # generative models (issue 15): block at the end
        return train_generative(args)
    import ember as tf
    started = time.time()
    if args.seed is not None:
        tf.keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test), name, class_names = _prepared(args.dataset,
                                                                       args.limit, args.model)
    say = (lambda *a: None) if args.quiet else print
    pretty = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}[name]
    if args.dataset in (None, "auto") and name == "fashion_mnist":
        say("MNIST files not found; training on Fashion-MNIST instead.")
    say(f"Dataset: {pretty} ({len(x_train)} training / {len(x_test)} test images)")
    model = build_model(args.model)  # before the folder: a bad --model leaves nothing behind
    out = args.out or os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    try:
        os.makedirs(out, exist_ok=True)
        _clear_previous_run(out)
    except OSError as e:
        print(f"ember train: cannot make the run folder {out}: {e.strerror or e}",
              file=sys.stderr)
        return 2
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    callbacks = [
        tf.keras.callbacks.EarlyStopping(patience=5),
        tf.keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=3),
    ]
    interrupted = False
    with _StopOnInterrupt(model) as guard:
        history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                            validation_split=0.2, callbacks=callbacks,
                            verbose=0 if args.quiet else 1)
        interrupted = guard.hits > 0
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=512,
                                              verbose=0)
    probs = model.predict(x_test, batch_size=512, verbose=0)
    y_pred = probs.argmax(-1)
    print(f"Test accuracy: {test_accuracy:.4f}")

    try:
        _write_run(out, model, history, info_fields(name, history, interrupted, test_loss,
                                                   test_accuracy, time.time() - started, args,
                                                   class_names), x_test, y_test, y_pred,
                   _conv_pictures_data(model, x_test) if args.model == "cnn"
                   else {"kernel": model.layers[0].kernel.numpy()})
    except OSError as e:
        print(f"ember train: cannot write the results to {out}: "
              f"{e.strerror or e}{f' ({e.filename})' if e.filename else ''}", file=sys.stderr)
        return 2
    epochs_run = len(history.history.get("loss", []))
    written = draw_pictures(out)
    say(f"Results written to {out}/ ({', '.join(sorted(os.listdir(out)))})")
    if not written:
        say("(pictures skipped: install matplotlib with `pip install ember[plot]`)")
    say(f"Wall time: {time.time() - started:.1f} s over {epochs_run} epochs"
        + (" (stopped early by Ctrl-C)" if interrupted else ""))
    return 0


# -- the lab CNN (conv branch) --
def lab_cnn():
    """The course's MNIST lab CNN, for images of shape (28, 28, 1)."""
    import ember as tf
    return tf.keras.Sequential([
        tf.keras.Input(shape=(28, 28, 1)),
        tf.keras.layers.Conv2D(filters=24, kernel_size=(3, 3), activation=tf.nn.relu),
        tf.keras.layers.MaxPool2D(pool_size=(2, 2)),
        tf.keras.layers.Conv2D(filters=36, kernel_size=(3, 3), activation=tf.nn.relu),
        tf.keras.layers.MaxPool2D((2, 2)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(128, activation=tf.nn.relu),
        tf.keras.layers.Dense(10, activation=tf.nn.softmax),
    ])


def _conv_pictures_data(model, x_test):
    """First-layer filters and the feature maps of the first test image (CNN runs)."""
    first = model.layers[0]
    return {"conv_kernel": first.kernel.numpy(),
            "feature_maps": first(x_test[:1]).numpy()[0],
            "feature_image": x_test[0, :, :, 0]}


# Every file a run writes; a re-used --out loses the previous run's before training.
RUN_FILES = ("run.json", "history.csv", "summary.txt", "model.keras", "model.weights.npz",
             "predictions.npz", "curves.png", "confusion_matrix.png", "predictions.png",
             "dense_weights.png", "conv_filters.png", "feature_maps.png")


def _clear_previous_run(out):
    for name in RUN_FILES:  # run.json first: the folder no longer claims a finished run
        path = os.path.join(out, name)
        if os.path.isfile(path):
            os.remove(path)


def info_fields(name, history, interrupted, test_loss, test_accuracy, wall, args,
                class_names) -> dict:
    return {"dataset": name, "epochs_run": len(history.history.get("loss", [])),
            "interrupted": interrupted, "test_loss": float(test_loss),
            "test_accuracy": float(test_accuracy), "wall_time_s": round(wall, 2),
            "batch_size": args.batch_size, "seed": args.seed, "class_names": class_names,
            "files": {"model": "model.keras", "weights": "model.weights.npz"}}


def _write_run(out, model, history, info, x_test, y_test, y_pred, pictures):
    """The run's files, ``run.json`` last (its presence says the run finished)."""
    _write_history(os.path.join(out, "history.csv"), history.history)
    summary = io.StringIO()
    with contextlib.redirect_stdout(summary):
        model.summary()
    _write_text(os.path.join(out, "summary.txt"), summary.getvalue() + "\n" +
                "\n".join(f"{k}: {v}" for k, v in info.items()
                          if k not in ("class_names", "files")) + "\n")
    model.save_weights(os.path.join(out, "model.weights.npz"))
    try:
        import h5py  # noqa: F401
    except ImportError:
        info["files"]["model"] = None  # model.keras needs h5py (the h5 extra)
    else:
        model.save(os.path.join(out, "model.keras"))
    sample = np.arange(min(len(x_test), 64))
    _save_npz(os.path.join(out, "predictions.npz"), y_true=np.asarray(y_test),
              y_pred=y_pred.astype(np.int64), images=x_test[sample].reshape(-1, 28, 28),
              **pictures)
    _write_text(os.path.join(out, "run.json"), json.dumps(info, indent=2))


def _prepared(dataset, limit, model="mlp"):
    (data, name, class_names) = load_dataset(dataset)
    (x_train, y_train), (x_test, y_test) = data
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_test, y_test = x_test[: max(limit // 5, 1)], y_test[: max(limit // 5, 1)]
    shape = (-1, 28, 28, 1) if model == "cnn" else (-1, 784)
    x_train = x_train.reshape(shape).astype("float32") / 255.0
    x_test = x_test.reshape(shape).astype("float32") / 255.0
    return (x_train, y_train), (x_test, y_test), name, class_names


def _write_history(path, history):
    keys = list(history)
    n = max((len(v) for v in history.values()), default=0)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["epoch"] + keys)
    for i in range(n):
        w.writerow([i] + [history[k][i] if i < len(history[k]) else "" for k in keys])
    _write_text(path, buf.getvalue())


def _read_history(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    keys = [k for k in (rows[0].keys() if rows else []) if k != "epoch"]
    return {k: [float(r[k]) for r in rows if r[k] != ""] for k in keys}


def draw_pictures(run_dir) -> list:
    """(Re)draws every picture of a run folder; returns the files written."""
    try:
        from ember import plot
    except ImportError:
        return []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return []
    files = []
    hist_path = os.path.join(run_dir, "history.csv")
    if os.path.exists(hist_path):
        p = os.path.join(run_dir, "curves.png")
        with _naming_damage(hist_path):
            history = _read_history(hist_path)
        plot.plot_history(history, path=p)
        files.append(p)
    pred_path = os.path.join(run_dir, "predictions.npz")
    if os.path.exists(pred_path):
        info_path = os.path.join(run_dir, "run.json")
        names = None
        if os.path.exists(info_path):
            with _naming_damage(info_path), open(info_path, encoding="utf-8") as f:
                names = json.load(f).get("class_names")
        with _naming_damage(pred_path), np.load(pred_path, allow_pickle=False) as z:
            y_true, y_pred, images = z["y_true"], z["y_pred"], z["images"]
            extra = {k: z[k] for k in z.files if k not in ("y_true", "y_pred", "images")}
        p = os.path.join(run_dir, "confusion_matrix.png")
        plot.plot_confusion_matrix(y_true, y_pred, class_names=names, path=p)
        files.append(p)
        p = os.path.join(run_dir, "predictions.png")
        n = len(images)
        plot.plot_predictions(images, y_true[:n], y_pred[:n], class_names=names,
                              n=min(25, n), path=p)
        files.append(p)
        if "kernel" in extra:
            kernel = extra["kernel"]
            p = os.path.join(run_dir, "dense_weights.png")
            plot.plot_dense_weights(kernel, n=min(64, kernel.shape[1]), path=p)
            files.append(p)
        if "conv_kernel" in extra:  # CNN runs (conv branch)
            p = os.path.join(run_dir, "conv_filters.png")
            plot.plot_conv_filters(extra["conv_kernel"], path=p)
            files.append(p)
            p = os.path.join(run_dir, "feature_maps.png")
            plot.plot_feature_maps(extra["feature_maps"], image=extra["feature_image"],
                                   title="First convolution layer: feature maps of one test "
                                         "image", path=p)
            files.append(p)
    return files


class DamagedRunFile(Exception):
    """A file of a run folder that cannot be read; the message names it."""


@contextlib.contextmanager
def _naming_damage(path):
    try:
        yield
    except (OSError, ValueError, KeyError, AttributeError, EOFError, csv.Error) as e:
        raise DamagedRunFile(f"{path} is damaged or not what `ember train` writes "
                             f"({type(e).__name__}: {e}).") from None


def plot_cmd(args) -> int:
    if not os.path.isdir(args.run_dir):
        print(f"ember plot: {args.run_dir} is not a run folder (no such directory).",
              file=sys.stderr)
        return 2
    if not os.path.exists(os.path.join(args.run_dir, "history.csv")):
        print(f"ember plot: {args.run_dir} has no history.csv; is it a folder written by "
              "`ember train`?", file=sys.stderr)
        return 2
    try:
        files = draw_pictures(args.run_dir)
    except DamagedRunFile as e:
        print(f"ember plot: {e}", file=sys.stderr)
        return 2
    if not files:
        print("ember plot: matplotlib is not installed: pip install 'ember[plot]'",
              file=sys.stderr)
        return 1
    for f in files:
        print(f)
    return 0


def _load_run_model(run_dir):
    """The run's model: ``model.keras``, else the MLP rebuilt around ``model.weights.npz``."""
    from ember.keras.models import load_model
    path = os.path.join(run_dir, "model.keras")
    if os.path.exists(path):
        return load_model(path)
    weights = os.path.join(run_dir, "model.weights.npz")
    if not os.path.exists(weights):
        raise DamagedRunFile(f"{run_dir} holds no model.keras or model.weights.npz; is it a "
                             "folder written by `ember train`?")
    model = build_model("mlp")
    model.load_weights(weights)
    return model


def _read_input(path, model):
    """The examples in ``path`` (``.npy`` or an image) shaped for the model's input."""
    if not os.path.isfile(path):
        raise DamagedRunFile(f"{path}: no such file (expected a .npy array or an image to "
                             "classify).")
    if path.endswith(".npy"):
        with _naming_damage(path):
            x = np.load(path, allow_pickle=False)
        if x.dtype.kind not in "biuf":
            raise DamagedRunFile(f"{path} holds {x.dtype} data; expected numbers (pixels).")
    else:
        try:
            from PIL import Image
        except ImportError:
            raise DamagedRunFile("reading images needs Pillow: pip install 'ember[image]' (or "
                                 "pass a .npy array).") from None
        with _naming_damage(path), Image.open(path) as img:
            x = np.asarray(img.convert("L").resize((28, 28)), dtype=np.float32)[None]
    x = x.astype(np.float32)
    if x.size and x.max() > 1.0:
        x = x / 255.0  # pixels 0..255, as the run's training images before scaling
    feature_shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) \
        else (784,)
    size = int(np.prod(feature_shape))
    if x.size % size:
        raise DamagedRunFile(f"{path} has shape {x.shape}: cannot make examples of shape "
                             f"{feature_shape} from it ({x.size} values).")
    return x.reshape((-1,) + feature_shape)


def predict_cmd(args) -> int:
    if not os.path.isdir(args.run_dir):
        print(f"ember predict: {args.run_dir} is not a run folder (no such directory).",
              file=sys.stderr)
        return 2
    from ember.keras.saving.safe_read import ModelFileError
    try:
        model = _load_run_model(args.run_dir)
        x = _read_input(args.input, model)
        names = None
        info_path = os.path.join(args.run_dir, "run.json")
        if os.path.exists(info_path):
            with _naming_damage(info_path), open(info_path, encoding="utf-8") as f:
                names = json.load(f).get("class_names")
    except (DamagedRunFile, ModelFileError, FileNotFoundError) as e:
        print(f"ember predict: {e}", file=sys.stderr)
        return 2
    probs = np.asarray(model.predict(x, verbose=0))
    for i, row in enumerate(probs):
        top = np.argsort(row)[::-1][:args.top]
        label = f"{args.input}" + (f"[{i}]" if len(probs) > 1 else "")
        parts = [f"{names[k] if names and k < len(names) else k}: {row[k]:.4f}" for k in top]
        print(f"{label}: " + ", ".join(parts))
    return 0


def info_cmd(args) -> int:
    import ember
    print(f"ember {ember.__version__}")
    print(f"python {platform.python_version()} ({platform.machine()}, {platform.system()})")
    print(f"numpy {np.__version__}")
    blas = _blas_info()
    print(f"BLAS: {blas.get('name', 'unknown')} {blas.get('version', '')}".rstrip())
    threads = blas.get("threads")
    print(f"BLAS threads: {threads if threads is not None else 'unknown'}")
    # Speed II: Ember's BLAS thread policy (ember/threads.py)
    from ember import threads as ember_threads
    print(f"Ember's matmul threads: {ember_threads.describe()}")
    print(f"CPU cores: {os.cpu_count()}")
    for mod in ("matplotlib", "h5py", "torch"):
        try:
            m = __import__(mod)
            print(f"{mod} {m.__version__}")
        except ImportError:
            print(f"{mod}: not installed")
    return 0


def _blas_info() -> dict:
    info = {}
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info["name"], info["version"] = blas.get("name"), blas.get("version")
    except Exception:
        pass
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                info["threads"] = pool.get("num_threads")
                break
    except ImportError:
        env = [os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")]
        env = [e for e in env if e]
        info["threads"] = int(env[0]) if env else os.cpu_count()
    return info


def make_parser():
    p = argparse.ArgumentParser(prog="ember", description="Ember: deep learning on NumPy.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the seed's complete example and save a run folder")
    t.add_argument("--dataset", choices=DATASETS + ("auto",), default="auto",
                   help="data set (default: MNIST if found, else Fashion-MNIST)")
    t.add_argument("--model", choices=("mlp", "cnn", "char_rnn", "vae", "gan"), default="mlp")
    t.add_argument("--epochs", type=_positive, default=100)
    t.add_argument("--batch-size", type=_positive, default=128)
    t.add_argument("--seed", type=int, default=None)
    t.add_argument("--out", default=None, help="run folder (default runs/<date-time>)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--limit", type=_positive, default=None,
                   help="use only the first N training images and N/5 test images "
                        "(quick runs)")
    # -- char_rnn (issue 12): the course's character LSTM on a text file --
    t.add_argument("--text", default=None,
                   help="char_rnn: the text to learn (default /usr/share/common-licenses/GPL-3)")
    t.add_argument("--steps", type=_positive, default=200, help="char_rnn: training steps")
    t.add_argument("--seq-length", type=_positive, default=100, help="char_rnn: window length")
    t.add_argument("--units", type=_positive, default=256, help="char_rnn: LSTM units")
    t.add_argument("--embedding-dim", type=_positive, default=256,
                   help="char_rnn: embedding size")
    t.add_argument("--generate", type=_positive, default=500,
                   help="char_rnn: characters to sample after training")
    t.set_defaults(func=train)
    pl = sub.add_parser("plot", help="redraw the pictures of a run folder")
    pl.add_argument("run_dir")
    pl.set_defaults(func=plot_cmd)
    pr = sub.add_parser("predict", help="top classes of a trained run for an image or .npy")
    pr.add_argument("run_dir")
    pr.add_argument("input", help="an image (PNG/JPEG, needs Pillow) or a .npy array")
    pr.add_argument("--top", type=_positive, default=3, help="classes to print (default 3)")
    pr.set_defaults(func=predict_cmd)
    i = sub.add_parser("info", help="versions, BLAS and threads")
    i.set_defaults(func=info_cmd)
    return p


def _positive(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("\nAborted.", file=sys.stderr)
        return 130
    except FileNotFoundError as e:
        print(f"ember: {e}", file=sys.stderr)
        return 2
    except Exception as e:
        from ember.keras.datasets.files import DatasetFileError
        if not isinstance(e, DatasetFileError):
            raise
        print(f"ember: {e}", file=sys.stderr)  # a damaged data file: say which, no traceback
        return 2


if __name__ == "__main__":
    sys.exit(main())


# ------------------------------------------------- generative models (issue 15): vae, gan
# `ember train --model vae|gan` trains examples/vae.py's VAE or examples/gan.py's GAN on
# Fashion-MNIST and writes their pictures into the run folder.


def _example(name):
    """examples/<name>.py of a source checkout (the examples are not installed)."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "examples", f"{name}.py")
    if not os.path.exists(path):
        raise SystemExit(f"ember train: --model {name} needs {path}, which ships with a source "
                         "checkout of Ember (git clone) but not with an installed package.")
    spec = importlib.util.spec_from_file_location(f"ember_example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_generative(args) -> int:
    import ember as tf
    if args.seed is not None:
        tf.keras.utils.set_random_seed(args.seed)
    (x_train, _), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
    x_train = x_train[:args.limit].astype("float32")[..., None] / 255.0
    x_test = x_test[:max(1, (args.limit or len(x_test) * 5) // 5)].astype("float32")[..., None]
    x_test = x_test / 255.0
    y_test = y_test[:len(x_test)]
    module = _example(args.model)
    out = args.out or os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    verbose = 0 if args.quiet else 1
    if args.model == "vae":
        model = module.VAE(module.build_encoder(), module.build_decoder())
        model.compile(optimizer=tf.keras.optimizers.Adam())
        history = model.fit(x_train, epochs=args.epochs, batch_size=args.batch_size,
                            verbose=verbose)
        pictures = module.save_pictures(model, x_test, y_test, out)
    else:
        model = module.GAN(discriminator=module.build_discriminator(),
                           generator=module.build_generator(), latent_dim=32)
        model.compile(d_optimizer=tf.keras.optimizers.Adam(learning_rate=0.0003),
                      g_optimizer=tf.keras.optimizers.Adam(learning_rate=0.0003),
                      loss_fn=tf.keras.losses.BinaryCrossentropy(from_logits=True))
        history = model.fit(x_train, epochs=args.epochs, batch_size=args.batch_size,
                            verbose=verbose, callbacks=[module.GANMonitor(out)])
        pictures = sorted(os.listdir(out))
    _write_history(os.path.join(out, "history.csv"), history.history)
    if not args.quiet:
        print(f"Results written to {out}/ ({', '.join(sorted(os.listdir(out)))})")
    return 0 if pictures else 1
