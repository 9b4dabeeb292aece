"""What ``compile`` turns loss and metric arguments into: callables over (y, y_pred)."""

from __future__ import annotations

import numpy as np

from ember import nest, ops
from ember.keras import losses
from ember.keras import metrics as metrics_mod
from ember.tensor import Tensor, as_array


def _as_list(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


class CompiledLoss:
    """The total training loss: each output's loss, weighted by ``loss_weights``, summed."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self.active = loss is not None
        self._spec = loss
        self._weights = loss_weights
        self._output_names = output_names
        if isinstance(loss, dict):
            self._fns = {k: _loss_object(losses, v) for k, v in loss.items()}
        elif isinstance(loss, (list, tuple)):
            self._fns = [_loss_object(losses, v) for v in loss]
        elif loss is not None:
            self._fns = _loss_object(losses, loss)
        else:
            self._fns = None
        # The model's "loss" Mean, set by compile(): Keras 2's `compiled_loss(...)` records
        # each batch's total there, so a custom train_step that calls it reports the loss.
        self.tracker = None
        # With several outputs, one Mean per output of its unweighted loss ("<output>_loss"),
        # as Keras 3 logs them; made on the first batch.
        self.output_trackers: list = []

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        """Keras 2's ``self.compiled_loss(y, y_pred, regularization_losses=self.losses)``.

        The compiled loss plus the sum of ``regularization_losses``, recorded in the
        model's "loss" metric (weighted by the batch size), as tf.keras 2 does; returns
        the total to differentiate. ``Model.compute_loss`` uses ``compute`` instead.
        """
        total = self.compute(y_true, y_pred, sample_weight) if self.active else None
        if regularization_losses:
            extra = list(regularization_losses)
            reg = extra[0] if len(extra) == 1 else ops.add_n(extra)
            total = reg if total is None else ops.add(total, reg)
        if total is None:
            total = Tensor(np.zeros((), np.float32))
        if self.tracker is not None:
            first = nest.flatten(y_pred)[0]
            self.tracker.update_state(total, sample_weight=np.shape(first)[0]
                                      if np.ndim(first) else 1)
        return total

    def compute(self, y_true, y_pred, sample_weight=None):
        """The compiled loss of one batch: each output's loss times its weight, summed."""
        if y_true is None:
            raise ValueError(f"The model was compiled with loss={_describe(self._spec)}, but "
                             "no targets were given: pass `y` to fit()/evaluate() (or yield "
                             "(x, y) batches), or compile without a loss and use add_loss().")
        fns = self._fns
        if not isinstance(y_pred, (list, tuple, dict)):
            if isinstance(fns, list):
                if len(fns) != 1:
                    raise ValueError(f"compile() got {len(fns)} losses but the model has one "
                                     "output.")
                fns = fns[0]
            if isinstance(fns, dict):
                fns = next(iter(fns.values()))
            if isinstance(y_true, (list, tuple)) and len(y_true) == 1:
                y_true = y_true[0]
            return fns(y_true, y_pred, sample_weight=sample_weight)
        preds = list(y_pred.values()) if isinstance(y_pred, dict) else list(y_pred)
        names = list(y_pred.keys()) if isinstance(y_pred, dict) else (
            self._output_names or [str(i) for i in range(len(preds))])
        if isinstance(y_true, dict):
            trues = [y_true[n] for n in names]
        else:
            trues = _as_list(y_true)
        if len(trues) != len(preds):
            raise ValueError(f"The model has {len(preds)} outputs but {len(trues)} targets were "
                             "given.")
        if isinstance(fns, dict):
            per = [fns.get(n) for n in names]
        elif isinstance(fns, list):
            if len(fns) != len(preds):
                raise ValueError(f"compile() got {len(fns)} losses for a model with "
                                 f"{len(preds)} outputs.")
            per = fns
        else:
            per = [fns] * len(preds)
        weights = self._weights
        if isinstance(weights, dict):
            weights = [weights.get(n, 1.0) for n in names]
        elif weights is None:
            weights = [1.0] * len(preds)
        if not self.output_trackers:
            self.output_trackers = [metrics_mod.Mean(name=f"{n}_loss")
                                    for n, fn in zip(names, per) if fn is not None]
        trackers = iter(self.output_trackers)
        total = None
        for fn, yt, yp, w in zip(per, trues, preds, weights):
            if fn is None:
                continue
            term = fn(yt, yp, sample_weight=sample_weight)
            next(trackers).update_state(term, sample_weight=np.shape(yp)[0] if np.ndim(yp)
                                        else 1)
            if w != 1.0:
                term = ops.multiply(term, float(w))
            total = term if total is None else ops.add(total, term)
        return total


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
    shapes (and the loss), as Keras does.

    Until then the container stands in ``model.metrics`` as one metric named
    "compile_metrics" (Keras 3's name), so that a custom ``train_step`` looping
    ``for m in self.metrics: m.update_state(y, y_pred)`` resolves and updates them.
    """

    name = "compile_metrics"

    def __init__(self, metrics, weighted_metrics, output_names=None, loss=None):
        self._specs = metrics
        self._weighted_specs = weighted_metrics
        self._output_names = output_names
        self._loss = loss
        self._metrics = None
        self._weighted = None

    @property
    def metrics(self) -> list:
        if self._metrics is None:
            return []
        return self._metrics + self._weighted

    def tracked(self) -> list:
        """What ``model.metrics`` lists: the resolved metrics, or this container before
        the first batch when metrics were compiled."""
        if self._metrics is None:
            return [self] if self._specs or self._weighted_specs else []
        return self.metrics

    def result(self) -> dict:
        """``{name: value}`` of each resolved metric ({} before the first batch)."""
        return {m.name: m.result() for m in self.metrics}

    def _per_output(self, specs, n):
        """[specs of output 0, specs of output 1, ...] when ``specs`` gives one entry per
        output (a list of lists/None, or a dict by output name), else None."""
        names = self._output_names or [f"output_{i}" for i in range(n)]
        if isinstance(specs, dict):
            unknown = set(specs) - set(names)
            if unknown:
                raise ValueError(f"compile() got metrics for unknown outputs {sorted(unknown)}; "
                                 f"the model's outputs are {list(names)}.")
            return [specs.get(name) for name in names]
        if isinstance(specs, (list, tuple)) and specs and all(
                s is None or isinstance(s, (list, tuple)) for s in specs):
            if len(specs) != n:
                raise ValueError(f"compile() got {len(specs)} metric lists for a model with {n} "
                                 f"outputs {list(names)}: give one list (or None) per output.")
            return list(specs)
        return None

    def _build(self, y_true, y_pred):
        multi = isinstance(y_pred, (list, tuple)) and len(y_pred) > 1
        self._outputs = None
        if multi and (self._per_output(self._specs, len(y_pred)) is not None
                      or self._per_output(self._weighted_specs, len(y_pred)) is not None):
            self._build_per_output(y_true, y_pred)
            return

        def resolve(specs, prefix=""):
            out = []
            if specs is None:
                return out
            if isinstance(specs, dict):
                raise ValueError("Per-output metric dicts are not supported by Ember; pass a "
                                 "list of metrics.")
            for spec in _as_list(specs):
                yt = y_true[0] if multi else y_true
                yp = y_pred[0] if multi else y_pred
                m = metrics_mod.get_metric(spec, _np(yt), _np(yp), loss=self._loss)
                if prefix:
                    m.name = prefix + m.name
                out.append(m)
            return out

        self._metrics = resolve(self._specs)
        self._weighted = resolve(self._weighted_specs, prefix="weighted_" if self._specs
                                 else "")
        names = [m.name for m in self.metrics]
        if len(set(names)) != len(names):
            raise ValueError(f"compile() got metrics with duplicate names: {names}. Give each "
                             "metric a distinct `name=`.")

    def _build_per_output(self, y_true, y_pred):
        # Keras 3: one list per output; each metric is named "<output name>_<metric>".
        n = len(y_pred)
        names = self._output_names or [f"output_{i}" for i in range(n)]
        losses = self._loss if isinstance(self._loss, (list, tuple)) else (
            [self._loss.get(name) for name in names] if isinstance(self._loss, dict)
            else [self._loss] * n)
        y_true = _as_list(y_true)
        self._outputs = []
        for specs, weighted in ((self._specs, False), (self._weighted_specs, True)):
            per = self._per_output(specs, n) or [None] * n
            for i, output_specs in enumerate(per):
                for spec in _as_list(output_specs) if output_specs is not None else []:
                    m = metrics_mod.get_metric(spec, _np(y_true[i]), _np(y_pred[i]),
                                               loss=losses[i])
                    m.name = f"{names[i]}_{'weighted_' if weighted else ''}{m.name}"
                    self._outputs.append((i, weighted, m))
        self._metrics = [m for _, w, m in self._outputs if not w]
        self._weighted = [m for _, w, m in self._outputs if w]
        names_ = [m.name for m in self.metrics]
        if len(set(names_)) != len(names_):
            raise ValueError(f"compile() got metrics with duplicate names: {names_}. Give each "
                             "metric a distinct `name=`.")

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._metrics is None:
            self._build(y_true, y_pred)
        if not self._metrics and not self._weighted:
            return
        if getattr(self, "_outputs", None):
            y_true = _as_list(y_true)
            for i, weighted, m in self._outputs:
                if weighted:
                    m.update_state(y_true[i], y_pred[i], sample_weight=sample_weight)
                else:
                    m.update_state(y_true[i], y_pred[i])
            return
        if isinstance(y_pred, (list, tuple)) and len(y_pred) == 1:
            y_pred = y_pred[0]
        if isinstance(y_pred, (list, tuple)):
            y_true, y_pred = _as_list(y_true)[0], y_pred[0]
        for m in self._metrics:
            m.update_state(y_true, y_pred)
        for m in self._weighted:
            m.update_state(y_true, y_pred, sample_weight=sample_weight)

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
