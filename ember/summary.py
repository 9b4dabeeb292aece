"""``tf.summary``: TensorBoard event files, written with ``tensorboardX``.

Needs the optional ``tensorboard`` extra (``pip install ember[tensorboard]``, which brings
``tensorboardX``); without it ``create_file_writer`` raises an ImportError saying so. The
files are ordinary TensorBoard event files (``events.out.tfevents.*``) that the
``tensorboard`` tool reads: scalars as TensorBoard scalars, histograms as histograms,
images and text through their plugins.

    writer = tf.summary.create_file_writer("logs/train")
    with writer.as_default():
        tf.summary.scalar("loss", 0.25, step=1)

As in TF, a summary op with no default writer records nothing and returns False, and a
step must come from the ``step`` argument or ``tf.summary.experimental.set_step``.
"""

from __future__ import annotations

import contextlib
import threading
import types

import numpy as np

from ember.tensor import Tensor, as_array

_local = threading.local()


def _state():
    if not hasattr(_local, "writers"):
        _local.writers = []
        _local.step = None
        _local.record = True
    return _local


def _require_tensorboardx():
    import sys
    # tensorboardX imports torch, when installed, only to accept torch tensors (seconds of
    # import); Ember hands it NumPy arrays, so torch is hidden during that first import
    # unless something has loaded it already.
    hide_torch = "torch" not in sys.modules and "tensorboardX" not in sys.modules
    if hide_torch:
        sys.modules["torch"] = None
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError("tf.summary writes TensorBoard files with tensorboardX, which is "
                          "not installed: pip install 'ember[tensorboard]' (or tensorboardX)."
                          ) from None
    finally:
        if hide_torch and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return SummaryWriter


class SummaryWriter:
    """Writes summaries to one log directory (``tf.summary.create_file_writer``)."""

    def __init__(self, logdir, max_queue=10, flush_millis=None, filename_suffix=None):
        writer_class = _require_tensorboardx()
        flush_secs = 120 if flush_millis is None else max(flush_millis / 1000.0, 0.001)
        self.logdir = str(logdir)
        self._writer = writer_class(logdir=self.logdir, max_queue=max_queue,
                                    flush_secs=flush_secs, filename_suffix=filename_suffix or "")
        self._closed = False

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Makes this the writer summary ops write to, inside the ``with`` block."""
        s = _state()
        s.writers.append(self)
        old_step = s.step
        if step is not None:
            s.step = int(step)
        try:
            yield self
        finally:
            s.writers.pop()
            s.step = old_step if step is not None else s.step
            self.flush()

    def set_as_default(self, step=None):
        """Makes this the default writer until another is set (no ``with`` block)."""
        s = _state()
        s.writers.append(self)
        if step is not None:
            s.step = int(step)

    def flush(self):
        if not self._closed:
            self._writer.flush()

    def close(self):
        if not self._closed:
            self._writer.close()
            self._closed = True

    def init(self):
        return None


class _NoopWriter:
    """``create_noop_writer``: a default writer that records nothing."""

    @contextlib.contextmanager
    def as_default(self, step=None):
        s = _state()
        s.writers.append(None)
        try:
            yield self
        finally:
            s.writers.pop()

    def set_as_default(self, step=None):
        _state().writers.append(None)

    def flush(self):
        return None

    def close(self):
        return None


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False, experimental_mesh=None):
    """A ``SummaryWriter`` for ``logdir`` (created if missing)."""
    return SummaryWriter(logdir, max_queue=10 if max_queue is None else max_queue,
                         flush_millis=flush_millis, filename_suffix=filename_suffix)


def create_noop_writer():
    return _NoopWriter()


def _target(step):
    """(writer, step) to record to, or None when nothing should be recorded."""
    s = _state()
    writer = s.writers[-1] if s.writers else None
    if writer is None or not s.record:
        return None
    if step is None:
        step = s.step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument "
                         "or through tf.summary.experimental.set_step()")
    return writer, int(as_array(step)) if isinstance(step, Tensor) else int(step)


def _array(data) -> np.ndarray:
    return np.asarray(as_array(data)) if isinstance(data, Tensor) else np.asarray(data)


def scalar(name, data, step=None, description=None) -> bool:
    """Records one number under ``name`` at ``step``; False when no default writer."""
    target = _target(step)
    if target is None:
        return False
    value = _array(data)
    if value.size != 1:
        raise ValueError(f"tf.summary.scalar '{name}': data must be a scalar; received shape "
                         f"{value.shape}.")
    target[0]._writer.add_scalar(name, float(value.reshape(())), target[1])
    return True


def histogram(name, data, step=None, buckets=None, description=None) -> bool:
    """Records the distribution of ``data``'s values (``buckets`` bins, default 30)."""
    target = _target(step)
    if target is None:
        return False
    values = _array(data).astype(np.float64).ravel()
    target[0]._writer.add_histogram(name, values, target[1], bins=int(buckets or 30))
    return True


def image(name, data, step=None, max_outputs=3, description=None) -> bool:
    """Records images: ``data`` of shape (k, h, w, c), c in 1, 3, 4; floats in [0, 1]."""
    target = _target(step)
    if target is None:
        return False
    imgs = _array(data)
    if imgs.ndim != 4 or imgs.shape[-1] not in (1, 3, 4):
        raise ValueError(f"tf.summary.image '{name}': data must have shape (k, h, w, c) with "
                         f"c in (1, 3, 4); received {imgs.shape}.")
    imgs = imgs[:max_outputs]
    if imgs.dtype.kind == "f":
        imgs = np.clip(imgs, 0.0, 1.0)
    for i, img in enumerate(imgs):
        tag = name if len(imgs) == 1 else f"{name}/image/{i}"
        target[0]._writer.add_image(tag, img, target[1], dataformats="HWC")
    return True


def text(name, data, step=None, description=None) -> bool:
    target = _target(step)
    if target is None:
        return False
    value = _array(data)
    item = value.reshape(-1)[0] if value.size else b""
    target[0]._writer.add_text(name, item.decode() if isinstance(item, bytes) else str(item),
                               target[1])
    return True


def flush(writer=None, name=None):
    """Flushes ``writer`` (default: the current default writer)."""
    s = _state()
    writer = writer if writer is not None else (s.writers[-1] if s.writers else None)
    if writer is not None:
        writer.flush()


@contextlib.contextmanager
def record_if(condition):
    """Records summaries inside the block only when ``condition`` (or ``condition()``) holds."""
    s = _state()
    old = s.record
    s.record = bool(condition() if callable(condition) else condition)
    try:
        yield
    finally:
        s.record = old


def should_record_summaries() -> bool:
    s = _state()
    return bool(s.writers and s.writers[-1] is not None and s.record)


def _set_step(step):
    _state().step = None if step is None else int(step)


def _get_step():
    return _state().step


experimental = types.SimpleNamespace(set_step=_set_step, get_step=_get_step)
