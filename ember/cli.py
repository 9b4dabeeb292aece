"""The ``ember`` command: ``ember train``, ``ember plot RUN_DIR``, ``ember info``.

``ember train`` runs the seed's complete example (784-128-64-10 MLP, Dropout 0.3, Adam,
sparse cross-entropy, batch 128, validation_split 0.2, EarlyStopping(patience=5),
ReduceLROnPlateau(factor=0.5, patience=3)) and writes a run folder with the history,
a summary, the weights and pictures of what the network learned.
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
    """The seed's complete-example network (``kind='mlp'``)."""
    import ember as tf
    if kind != "mlp":
        raise SystemExit(f"ember train: --model {kind!r} is not available; this version trains "
                         "--model mlp (the seed's 784-128-64-10 network).")
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
    import ember as tf
    started = time.time()
    if args.seed is not None:
        tf.keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test), name, class_names = _prepared(args.dataset,
                                                                       args.limit)
    say = (lambda *a: None) if args.quiet else print
    pretty = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}[name]
    if args.dataset in (None, "auto") and name == "fashion_mnist":
        say("MNIST files not found; training on Fashion-MNIST instead.")
    say(f"Dataset: {pretty} ({len(x_train)} training / {len(x_test)} test images)")
    model = build_model(args.model)  # before the folder: a bad --model leaves nothing behind
    out = args.out or os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    try:
        os.makedirs(out, exist_ok=True)
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
    wall = time.time() - started
    print(f"Test accuracy: {test_accuracy:.4f}")

    _write_history(os.path.join(out, "history.csv"), history.history)
    summary = io.StringIO()
    with contextlib.redirect_stdout(summary):
        model.summary()
    epochs_run = len(history.history.get("loss", []))
    info = {"dataset": name, "epochs_run": epochs_run, "interrupted": interrupted,
            "test_loss": float(test_loss), "test_accuracy": float(test_accuracy),
            "wall_time_s": round(wall, 2), "batch_size": args.batch_size, "seed": args.seed,
            "class_names": class_names}
    _write_text(os.path.join(out, "summary.txt"), summary.getvalue() + "\n" +
                "\n".join(f"{k}: {v}" for k, v in info.items() if k != "class_names") + "\n")
    _write_text(os.path.join(out, "run.json"), json.dumps(info, indent=2))
    model.save_weights(os.path.join(out, "model.weights.npz"))
    sample = np.arange(min(len(x_test), 64))
    _save_npz(os.path.join(out, "predictions.npz"), y_true=np.asarray(y_test),
              y_pred=y_pred.astype(np.int64), images=x_test[sample].reshape(-1, 28, 28),
              kernel=model.layers[0].kernel.numpy())
    written = draw_pictures(out)
    say(f"Results written to {out}/ ({', '.join(sorted(os.listdir(out)))})")
    if not written:
        say("(pictures skipped: install matplotlib with `pip install ember[plot]`)")
    say(f"Wall time: {wall:.1f} s over {epochs_run} epochs"
        + (" (stopped early by Ctrl-C)" if interrupted else ""))
    return 0


def _prepared(dataset, limit):
    (data, name, class_names) = load_dataset(dataset)
    (x_train, y_train), (x_test, y_test) = data
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_test, y_test = x_test[: max(limit // 5, 1)], y_test[: max(limit // 5, 1)]
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
    x_test = x_test.reshape(-1, 784).astype("float32") / 255.0
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
        plot.plot_history(_read_history(hist_path), path=p)
        files.append(p)
    pred_path = os.path.join(run_dir, "predictions.npz")
    if os.path.exists(pred_path):
        info_path = os.path.join(run_dir, "run.json")
        names = None
        if os.path.exists(info_path):
            with open(info_path, encoding="utf-8") as f:
                names = json.load(f).get("class_names")
        with np.load(pred_path, allow_pickle=False) as z:
            y_true, y_pred, images, kernel = z["y_true"], z["y_pred"], z["images"], z["kernel"]
        p = os.path.join(run_dir, "confusion_matrix.png")
        plot.plot_confusion_matrix(y_true, y_pred, class_names=names, path=p)
        files.append(p)
        p = os.path.join(run_dir, "predictions.png")
        n = len(images)
        plot.plot_predictions(images, y_true[:n], y_pred[:n], class_names=names,
                              n=min(25, n), path=p)
        files.append(p)
        p = os.path.join(run_dir, "dense_weights.png")
        plot.plot_dense_weights(kernel, n=min(64, kernel.shape[1]), path=p)
        files.append(p)
    return files


def plot_cmd(args) -> int:
    if not os.path.isdir(args.run_dir):
        print(f"ember plot: {args.run_dir} is not a run folder (no such directory).",
              file=sys.stderr)
        return 2
    if not os.path.exists(os.path.join(args.run_dir, "history.csv")):
        print(f"ember plot: {args.run_dir} has no history.csv; is it a folder written by "
              "`ember train`?", file=sys.stderr)
        return 2
    files = draw_pictures(args.run_dir)
    if not files:
        print("ember plot: matplotlib is not installed: pip install 'ember[plot]'",
              file=sys.stderr)
        return 1
    for f in files:
        print(f)
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
    t.add_argument("--model", choices=("mlp", "cnn", "char_rnn"), default="mlp")
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
