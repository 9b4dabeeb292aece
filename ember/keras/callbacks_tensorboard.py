"""``keras.callbacks.TensorBoard``: per-epoch scalars and weight histograms for TensorBoard.

Writes what Keras 3 writes, through ``tf.summary`` (``tensorboardX``: the optional
``tensorboard`` extra):

- ``<log_dir>/train``: ``epoch_<metric>`` for each training metric and
  ``epoch_learning_rate``, at step = epoch; with ``histogram_freq=n``, every n-th epoch
  a histogram ``<weight path>/histogram`` of each weight (and with ``write_images``, the
  1-D and 2-D weights as images); with ``update_freq='batch'`` or an int n,
  ``batch_<metric>`` every n-th training batch;
- ``<log_dir>/validation``: ``epoch_<metric>`` for the ``val_`` metrics, and
  ``evaluation_<metric>_vs_iterations`` after each evaluation at step = optimizer updates.

Ember has no graphs, profiler or embedding projector: ``write_graph`` is accepted and
writes nothing; ``profile_batch`` and ``embeddings_freq`` other than 0 raise an error.
"""

from __future__ import annotations

import os

import numpy as np

from ember import summary
from ember.keras.callbacks import Callback
from ember.tensor import as_array


class TensorBoard(Callback):
    """Writes TensorBoard event files while ``fit`` runs.

    Args:
        log_dir: where to write (``train/`` and ``validation/`` inside); default ``'logs'``.
        histogram_freq: every how many epochs to write weight histograms (0: never).
        write_graph: accepted; Ember has no graph to write.
        write_images: also write 1-D/2-D weights as images when histograms are written.
        write_steps_per_second: also write ``epoch_steps_per_second``.
        update_freq: ``'epoch'`` (default), ``'batch'`` or an int n (every n batches).
        profile_batch, embeddings_freq, embeddings_metadata: only the defaults (0 / None).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError("TensorBoard: expected histogram_freq to be a non-negative "
                             f"integer. Received: histogram_freq={histogram_freq!r}")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError("TensorBoard: expected update_freq to be 'epoch', 'batch' or a "
                             f"positive integer. Received: update_freq={update_freq!r}")
        if profile_batch not in (0, None, (0, 0)):
            raise ValueError("TensorBoard: Ember has no profiler; use profile_batch=0. "
                             f"Received: profile_batch={profile_batch!r}")
        if embeddings_freq:
            raise ValueError("TensorBoard: Ember does not write the embedding projector; use "
                             f"embeddings_freq=0. Received: embeddings_freq={embeddings_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self._writers: dict = {}
        self._global_train_batch = 0
        self._epoch_batches = 0

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()

    def _writer(self, kind):
        if kind not in self._writers:
            self._writers[kind] = summary.create_file_writer(
                os.path.join(self.log_dir, "train" if kind == "train" else "validation"))
        return self._writers[kind]

    def _close_writers(self):
        for w in self._writers.values():
            w.close()
        self._writers = {}

    # -- hooks --------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._writer("train")  # the folder exists from the start, as in Keras

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_batches = 0
        if self.write_steps_per_second:
            import time
            self._epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._global_train_batch += 1
        self._epoch_batches += 1
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        with self._writer("train").as_default(step=self._global_train_batch):
            for name, value in (logs or {}).items():
                summary.scalar(f"batch_{name}", _float(value))

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if not logs or optimizer is None or not hasattr(optimizer, "iterations"):
            return
        step = int(as_array(optimizer.iterations))
        with self._writer("val").as_default(step=step):
            for name, value in logs.items():
                summary.scalar(f"evaluation_{name}_vs_iterations", _float(value))

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        lr = self._learning_rate()
        if lr is not None:
            train["learning_rate"] = lr
        if self.write_steps_per_second:
            import time
            train["steps_per_second"] = self._epoch_batches / max(
                time.perf_counter() - self._epoch_start, 1e-9)
        for kind, values in (("train", train), ("val", val)):
            if values:
                with self._writer(kind).as_default(step=epoch):
                    for name, value in values.items():
                        summary.scalar(f"epoch_{name}", _float(value))
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # -- helpers ------------------------------------------------------------------------
    def _learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        lr = getattr(optimizer, "learning_rate", None)
        if lr is None or callable(lr) and not hasattr(lr, "numpy"):
            return None
        try:
            return float(np.asarray(as_array(lr)))
        except (TypeError, ValueError):
            return None

    def _log_weights(self, epoch):
        with self._writer("train").as_default(step=epoch):
            for layer in self.model.layers:
                for weight in layer.weights:
                    name = weight.path.replace(":", "_")
                    summary.histogram(f"{name}/histogram", weight)
                    if self.write_images:
                        image = _weight_image(np.asarray(as_array(weight)))
                        if image is not None:
                            summary.image(f"{name}/image", image)


def _float(value) -> float:
    return float(np.asarray(as_array(value)).reshape(()))


def _weight_image(w: np.ndarray):
    # As Keras: a bias is one column, a kernel the wider way round, one grey channel.
    w = np.squeeze(w)
    if w.ndim == 1:
        return w.reshape(1, -1, 1, 1)
    if w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        return w.reshape(1, w.shape[0], w.shape[1], 1)
    return None
