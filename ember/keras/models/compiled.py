"""What ``compile`` turns loss and metric arguments into: callables over (y, y_pred).

A model with several outputs gets one loss and one list of metrics per output, given as a
list (in output order) or as a dict keyed by output name (the output layers' names in a
functional model, the keys of a dict of outputs). Per-output losses are tracked unweighted as
``<output>_loss`` and metrics are named ``<output>_<metric>``, as Keras 3 reports them.
"""

from __future__ import annotations

import numpy as np

from ember import nest, ops
from ember.keras import losses
from ember.keras import metrics as metrics_mod
from ember.tensor import Tensor, as_array


def _as_list(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _is_multi(y_pred):
    return isinstance(y_pred, dict) or (isinstance(y_pred, (list, tuple)) and len(y_pred) > 1)


def output_layout(y_pred, output_names):
    """(keys, names) of a model's outputs: ``keys`` index ``y_pred`` (None for one output),
    ``names`` are the output names the losses and metrics are reported under."""
    if isinstance(y_pred, dict):
        keys = list(y_pred)
        if output_names and set(output_names) == set(keys):
            keys = list(output_names)  # the model's output order, as Keras
        return keys, [str(k) for k in keys]
    if isinstance(y_pred, (list, tuple)):
        if len(y_pred) == 1:
            return [0], list(output_names or [None])[:1]
        names = list(output_names) if output_names and len(output_names) == len(y_pred) \
            else [f"output_{i + 1}" for i in range(len(y_pred))]
        return list(range(len(y_pred))), names
    return [None], list(output_names or [None])[:1]


def _pick(y, key):
    return y if key is None else y[key]


def _check_keys(what, given, names):
    unknown = [k for k in given if k not in names]
    if unknown:
        raise ValueError(f"The `{what}` dict passed to compile() has keys {sorted(given)} that "
                         f"do not match the model's output names {list(names)}: unknown "
                         f"{sorted(unknown)}. Key each entry by an output name.")


def _targets(y_true, keys, names):
    """y_true arranged like the outputs: one target per key (None where none was given)."""
    if keys == [None]:
        if isinstance(y_true, (list, tuple)) and len(y_true) == 1:
            return [y_true[0]]
        if isinstance(y_true, dict) and len(y_true) == 1:
            return list(y_true.values())
        return [y_true]
    if isinstance(y_true, dict):
        extra = [k for k in y_true if k not in names]
        if extra:
            raise ValueError(f"The targets `y` are a dict with keys {sorted(y_true)}, but the "
                             f"model's outputs are named {names}.")
        return [y_true.get(n) for n in names]
    trues = _as_list(y_true)
    if len(trues) != len(keys):
        raise ValueError(f"The model has {len(keys)} outputs ({names}) but {len(trues)} "
                         "target array(s) were given: pass one target per output, as a list "
                         "or as a dict keyed by output name.")
    return trues


class CompiledLoss:
    """The total training loss: each output's loss, weighted by ``loss_weights``, summed."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        if loss_weights is not None and not isinstance(loss_weights,
                                                       (list, tuple, dict, int, float)):
            raise ValueError("Expected `loss_weights` to be a float (one output) or a list or "
                             f"dict (several outputs). Received: loss_weights={loss_weights!r}")
        self.active = loss is not None
        self._spec = loss
        self._weights = loss_weights
        self._output_names = output_names
        self._entries = None  # [(key, name, fn, weight)], built from the first batch
        self._single = None
        # Unweighted per-output losses ("out_a_loss"), when the model has several losses.
        self.trackers: list = []
        # The model's "loss" Mean, set by compile(): Keras 2's `compiled_loss(...)` records
        # each batch's total there, so a custom train_step that calls it reports the loss.
        self.tracker = None

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        """Keras 2's ``self.compiled_loss(y, y_pred, regularization_losses=self.losses)``.

        The compiled loss plus the sum of ``regularization_losses``, recorded in the
        model's "loss" metric (weighted by the batch size), as tf.keras 2 does; returns
        the total to differentiate. ``Model.compute_loss`` uses ``compute`` instead.
        """
        total = self.compute(y_true, y_pred, sample_weight) if self.active else None
        if regularization_losses:
            extra = [r() if callable(r) else r for r in regularization_losses]
            reg = extra[0] if len(extra) == 1 else ops.add_n(extra)
            total = reg if total is None else ops.add(total, reg)
        if total is None:
            total = Tensor(np.zeros((), np.float32))
        if self.tracker is not None:
            first = nest.flatten(y_pred)[0]
            self.tracker.update_state(total, sample_weight=np.shape(first)[0]
                                      if np.ndim(first) else 1)
        return total

    def build(self, y_pred):
        keys, names = output_layout(y_pred, self._output_names)
        spec, weights = self._spec, self._weights
        n = len(keys)
        if isinstance(spec, dict):
            if n == 1 and len(spec) == 1 and (names[0] is None or names[0] in spec):
                fns = list(spec.values())
            else:
                _check_keys("loss", spec, names)
                fns = [spec.get(name) for name in names]
        elif isinstance(spec, (list, tuple)):
            if len(spec) != n:
                raise ValueError(f"compile() got {len(spec)} losses for a model with {n} "
                                 f"output(s) ({[nm for nm in names if nm]}): pass one loss per "
                                 "output, or a dict keyed by output name.")
            fns = list(spec)
        else:
            fns = [spec] * n
        if isinstance(weights, dict):
            if n == 1 and len(weights) == 1:
                ws = list(weights.values())
            else:
                _check_keys("loss_weights", weights, names)
                ws = [weights.get(name, 1.0) for name in names]
        elif isinstance(weights, (list, tuple)):
            if len(weights) != n:
                raise ValueError(f"`loss_weights` must match the number of outputs: got "
                                 f"{len(weights)} weights for {n} output(s).")
            ws = list(weights)
        else:
            ws = [1.0 if weights is None else weights] * n
        self._entries = [(key, name, _loss_object(losses, fn), float(w))
                         for key, name, fn, w in zip(keys, names, fns, ws) if fn is not None]
        self._single = keys == [None]
        if len(self._entries) > 1:
            self.trackers = [metrics_mod.Mean(name=f"{name}_loss")
                             for _, name, _, _ in self._entries]

    def compute(self, y_true, y_pred, sample_weight=None):
        """The compiled loss of one batch: each output's loss times its weight, summed."""
        if y_true is None:
            raise ValueError(f"The model was compiled with loss={_describe(self._spec)}, which "
                             "needs targets, but no targets were given: pass `y` to "
                             "fit()/evaluate() (or yield (x, y) batches), or the model must "
                             "compute its own loss: compile without `loss` and use "
                             "`self.add_loss()`, or override `train_step`/`compute_loss`.")
        if self._entries is None:
            self.build(y_pred)
        if self._single:
            if not isinstance(y_pred, Tensor) and isinstance(y_pred, (list, tuple)):
                y_pred = y_pred[0]
            if isinstance(y_true, (list, tuple)) and len(y_true) == 1:
                y_true = y_true[0]
            elif isinstance(y_true, dict) and len(y_true) == 1:
                y_true = next(iter(y_true.values()))
            _, _, fn, w = self._entries[0]
            value = fn(y_true, y_pred, sample_weight=sample_weight)
            return value if w == 1.0 else ops.multiply(value, w)
        all_keys, all_names = output_layout(y_pred, self._output_names)
        trues = dict(zip(all_names, _targets(y_true, all_keys, all_names)))
        weights_per = _per_output(sample_weight, all_keys, all_names)
        total = None
        for i, (key, name, fn, w) in enumerate(self._entries):
            yt = trues.get(name)
            if yt is None:
                raise ValueError(f"No target was given for output '{name}', which has a loss. "
                                 f"Outputs with a loss: {[e[1] for e in self._entries]}.")
            yp = _pick(y_pred, key)
            value = fn(yt, yp, sample_weight=weights_per[name])
            if self.trackers:
                self.trackers[i].update_state(value, sample_weight=np.shape(yp)[0]
                                              if np.ndim(yp) else 1)
            if w != 1.0:
                value = ops.multiply(value, w)
            total = value if total is None else ops.add(total, value)
        return total


def _per_output(sample_weight, keys, names):
    """Each output's sample weights: one array for all, or a list/dict of one per output."""
    if isinstance(sample_weight, dict):
        return {n: sample_weight.get(n) for n in names}
    if isinstance(sample_weight, (list, tuple)) and len(sample_weight) == len(keys) and \
            len(keys) > 1 and all(np.ndim(s) >= 1 for s in sample_weight):
        return dict(zip(names, sample_weight))
    return dict.fromkeys(names, sample_weight)


def _loss_object(losses, spec):
    """A callable ``(y_true, y_pred, sample_weight=None) -> scalar`` for a loss spec.

    'crossentropy'/'ce' depend on the data's shapes, so they resolve on the first batch.
    """
    if spec is None:
        return None
    if isinstance(spec, str) and spec.lower() in ("crossentropy", "ce"):
        return _DeferredLoss(losses, spec)
    return losses.get_loss(spec)


class _DeferredLoss:
    def __init__(self, losses, spec):
        self._losses, self._spec, self._obj = losses, spec, None

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self._obj is None:
            self._obj = self._losses.get_loss(self._spec, y_true, y_pred)
        return self._obj(y_true, y_pred, sample_weight=sample_weight)


class CompiledMetrics:
    """The compiled metrics, resolved once the first batch shows the shapes of y and y_pred.

    'accuracy' becomes binary, sparse categorical or categorical accuracy from those
    shapes (and the loss), as Keras does. With several outputs, ``metrics`` is a list with
    one entry per output or a dict keyed by output name (Keras 3); a flat list of another
    length applies every metric to every output (Keras 2).

    Until then the container stands in ``model.metrics`` as one metric named
    "compile_metrics" (Keras 3's name), so that a custom ``train_step`` looping
    ``for m in self.metrics: m.update_state(y, y_pred)`` resolves and updates them.
    """

    name = "compile_metrics"

    def __init__(self, metrics, weighted_metrics, output_names=None, loss=None):
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"Expected `{arg}` argument to be a list, tuple, or dict. "
                                 f"Received instead: {arg}={value!r} of type "
                                 f"{type(value).__name__}")
        self._specs = metrics
        self._weighted_specs = weighted_metrics
        self._output_names = output_names
        self._loss = loss
        self._metrics = None
        self._weighted = None
        self.multi_output = False

    @property
    def metrics(self) -> list:
        if self._metrics is None:
            return []
        return [m for _, m in self._metrics + self._weighted]

    def tracked(self) -> list:
        """What ``model.metrics`` lists: the resolved metrics, or this container before
        the first batch when metrics were compiled."""
        if self._metrics is None:
            return [self] if self._specs or self._weighted_specs else []
        return self.metrics

    def result(self) -> dict:
        """``{name: value}`` of each resolved metric ({} before the first batch)."""
        return {m.name: m.result() for m in self.metrics}

    def _output_loss(self, name, index):
        loss = self._loss
        if isinstance(loss, dict):
            return loss.get(name)
        if isinstance(loss, (list, tuple)):
            return loss[index] if index < len(loss) else None
        return loss

    def _resolve(self, specs, y_true, y_pred, prefix=""):
        keys, names = output_layout(y_pred, self._output_names)
        if not specs:
            return []
        if keys == [None] or len(keys) == 1:
            per = [[s for s in nest.flatten(specs) if s is not None]] if not isinstance(
                specs, dict) else [nest.flatten(list(specs.values()))]
        elif isinstance(specs, dict):
            _check_keys("metrics", specs, names)
            per = [_as_list(specs[n]) if specs.get(n) is not None else [] for n in names]
        elif len(specs) == len(keys):
            per = [[] if s is None else _as_list(s) for s in specs]
        elif any(isinstance(s, (list, tuple)) for s in specs):
            raise ValueError(f"compile() got {len(specs)} metric lists for a model with "
                             f"{len(keys)} outputs {list(names)}: give one list (or None) per "
                             "output, or a dict keyed by output name.")
        else:
            per = [list(specs)] * len(keys)
        trues = _targets(y_true, keys, names)
        out = []
        multi = len(keys) > 1
        for i, (key, name, specs_i) in enumerate(zip(keys, names, per)):
            yt, yp = _np(trues[i]), _np(_pick(y_pred, key))
            for spec in specs_i:
                m = metrics_mod.get_metric(spec, yt, yp, loss=self._output_loss(name, i))
                if prefix:
                    m.name = prefix + m.name
                if multi:
                    m.name = f"{name}_{m.name}"
                out.append((key, m))
        return out

    def _build(self, y_true, y_pred):
        self.multi_output = _is_multi(y_pred)
        self._metrics = self._resolve(self._specs, y_true, y_pred)
        self._weighted = self._resolve(self._weighted_specs, y_true, y_pred,
                                       prefix="weighted_" if self._specs else "")
        names = [m.name for m in self.metrics]
        if len(set(names)) != len(names):
            raise ValueError(f"compile() got metrics with duplicate names: {names}. Give each "
                             "metric a distinct `name=`.")
        keys, names = output_layout(y_pred, self._output_names)
        self._layout = (keys, names)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._metrics is None:
            self._build(y_true, y_pred)
        if not self._metrics and not self._weighted:
            return
        keys, names = self._layout
        if keys == [None] or len(keys) == 1:
            if isinstance(y_pred, (list, tuple)):
                y_pred = y_pred[0]
            elif isinstance(y_pred, dict):
                y_pred = next(iter(y_pred.values()))
            y_true = _targets(y_true, [None], names)[0]
            for _, m in self._metrics:
                m.update_state(y_true, y_pred)
            for _, m in self._weighted:
                m.update_state(y_true, y_pred, sample_weight=sample_weight)
            return
        trues = dict(zip(keys, _targets(y_true, keys, names)))
        weights = _per_output(sample_weight, keys, names)
        by_key = dict(zip(keys, names))
        for key, m in self._metrics:
            m.update_state(trues[key], _pick(y_pred, key))
        for key, m in self._weighted:
            m.update_state(trues[key], _pick(y_pred, key), sample_weight=weights[by_key[key]])

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()


def _np(v):
    return as_array(v) if isinstance(v, Tensor) else v


def _describe(spec):
    if isinstance(spec, str):
        return repr(spec)
    return getattr(spec, "name", None) or getattr(spec, "__name__", None) or \
        type(spec).__name__
