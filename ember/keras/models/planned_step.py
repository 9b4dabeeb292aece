"""``fit``'s planned step: the default ``train_step`` of a Dense/Dropout ``Sequential``, on
arrays, planned once per ``fit``.

Keras's ``fit`` traces ``train_step`` into one graph and runs the graph each step. Ember's
equivalent, for the models that small-model training is mostly made of (a ``Sequential`` of
Dense layers, each optionally followed by Dropout, compiled with sparse categorical
cross-entropy on a softmax output or on logits): after the first step, which runs the
general ``train_step`` and so builds the optimizer and checks everything, ``fit`` asks
``plan`` for a step that does the same arithmetic without the layers' calls, Tensors, a
tape and a backward walk:

    forward   ops.nn.dense_stack_arrays      the layers' matmuls, bias, relu, dropout draws
    loss      ops.nn.sparse_softmax_ce_mean_arrays   the fused softmax + cross-entropy
    metrics   the loss tracker, then the compiled metrics on the softmax output (sparse
              accuracies through their own array update, SparseCategoricalAccuracy._add_hits)
    backward  ops.nn.dense_stack_backward_arrays     dW, db into the optimizer's pool
    update    the optimizer's own step on its pool (clipping, schedules, EMA included)

Every piece is the one the general step runs (the same functions, in the same order, the
same dropout draws from the same generator), so the weights after ``fit`` are the same
bits whichever step ran (tests/keras/test_planned_step.py). What the plan does not cover
takes the general step: any other layer, loss, or a layer with a regularizer or an
activity regularizer, sample or class weights, a loss-scaling optimizer, a subclassed
model or an overridden ``train_step``/``compute_loss``/``compute_metrics``, and any batch
whose x or y does not fit the plan (dtype, width, label shape). Custom training loops keep
the tape, one op per layer, for ``explain`` and the graph pictures.

Measured on the seed MLP at batch 128 (AMD EPYC, 2 cores, blocks of 20 steps alternating
with the hand-written NumPy floor's in one process): the general step took 1.33x the
floor's time, this one 1.09-1.18x over runs; ``fit``'s epoch went from 1.42x to 1.2x the
floor's in ``benchmarks/run.py``.
"""

from __future__ import annotations

import numpy as np

from ember.keras.layers.dense import Dense
from ember.keras.layers.layer import _loss_terms
from ember.keras.losses.crossentropy import sparse_categorical_crossentropy
from ember.keras.losses.loss import LossFunctionWrapper
from ember.keras.metrics import SparseCategoricalAccuracy
from ember.keras.models.model import Model
from ember.ops import nn as nn_ops
from ember.tensor import Tensor, as_array


class PlannedStep:
    """The training step of one model, planned by ``plan``; ``run(x, y, sample_weight)``."""

    def __init__(self, model, layers, variables, views, from_logits):
        self.model = model
        self.layers = layers  # (Dense, the Dropout after it or None) in order
        self.variables = variables
        self.views = views  # the optimizer's pooled gradient buffers, one per variable
        self.needs = (False,) + (True,) * len(views)  # no gradient for x
        self.into = [None] + list(views)
        self.from_logits = from_logits
        self.optimizer = model.optimizer
        kernel = layers[0][0].kernel.storage
        self.width, self.dtype = kernel.shape[0], kernel.dtype
        self.classes = layers[-1][0].kernel.storage.shape[1]
        self.layout = tuple(d.bias is not None for d, _ in layers)
        self.acts = tuple(d._fused for d, _ in layers)
        compiled = model.compiled_metrics
        metrics = compiled._metrics
        self.accuracies = [m for _, m in metrics] if metrics is not None and not \
            compiled._weighted and all(type(m) is SparseCategoricalAccuracy
                                       for _, m in metrics) else None
        # Integer inputs (uint8 images) are cast as the model's own call casts them.
        self.casts_ints = bool(model.autocast and model._casts_ints
                               and model.dtype == kernel.dtype.name)

    def _fits(self, x, y, sample_weight) -> bool:
        """Whether this batch (arrays) fits the plan (else it takes the general step)."""
        return (sample_weight is None and self.model.optimizer is self.optimizer
                and type(x) is np.ndarray and type(y) is np.ndarray
                and x.ndim == 2 and x.shape[1] == self.width
                and (x.dtype == self.dtype or (x.dtype.kind in "iub" and self.casts_ints))
                and len(x) > 0 and y.dtype.kind in "iu" and len(y) == len(x)
                and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)))

    def run(self, x, y, sample_weight=None) -> bool:
        """One step (forward, loss, metrics, backward into the pool, the optimizer's update)
        on a batch that fits the plan: arrays or tensors (a tf.data pipeline's). False, and
        nothing done, for a batch that does not."""
        xv = as_array(x) if type(x) is Tensor else x
        yv = as_array(y) if type(y) is Tensor else y
        if not self._fits(xv, yv, sample_weight):
            return False
        model = self.model
        x = xv if xv.dtype == self.dtype else xv.astype(self.dtype)
        # Read each step: a callback may change a Dropout's rate or assign new weights. A
        # rate the fused op does not take (0 draws nothing) or a changed activation: the
        # general step, whose layers then run one by one.
        spec = [(d.kernel.storage, None if d.bias is None else d.bias.storage,
                 d._fused, None if drop is None else drop.rate) for d, drop in self.layers]
        if any(rate is not None and not 0 < rate < 1 for _, _, _, rate in spec) or \
                tuple(act for _, _, act, _ in spec) != self.acts:
            return False
        hs, acts, masks, scales, _ = nn_ops.dense_stack_arrays(x, spec)
        logits = hs[-1]
        labels = nn_ops._check_labels(yv.reshape(-1), self.classes,
                                      "sparse_categorical_crossentropy")
        value, probs = nn_ops.sparse_softmax_ce_mean_arrays(logits, labels)
        # What the general step reports: the loss tracker's weighted mean, then the compiled
        # metrics on the model's output (the softmax; its logits, for metrics that read them).
        model._loss_tracker._add(float(value) * len(x), len(x))
        if self.accuracies is not None:
            # Sparse accuracies only (the usual metrics=['accuracy']): their own update on the
            # arrays, without the container's dispatch (measured: 2% of the step).
            scores = logits if self.from_logits else probs  # the model's output
            for metric in self.accuracies:
                metric._add_hits(labels, scores)
        else:
            if self.from_logits:
                y_pred = Tensor._wrap(logits)
            else:
                y_pred = Tensor._wrap(probs)
                y_pred._keras_logits = Tensor._wrap(logits)
                y_pred._keras_activation = "softmax"
            model.compiled_metrics.update_state(y, y_pred, None)  # y as the general step has
        # The probabilities are read no more once the accuracies have counted their hits
        # (other metrics get them wrapped, and a user's metric may keep what it gets).
        gz = nn_ops.sparse_softmax_ce_mean_grad_arrays(
            probs, labels, overwrite=self.accuracies is not None)
        nn_ops.dense_stack_backward_arrays(gz, hs, [w for w, _, _, _ in spec], acts, masks,
                                           scales, self.layout, self.needs, self.into)
        self.optimizer._apply_arrays(self.views, self.variables)
        return True


def plan(model, variables, run) -> PlannedStep | None:
    """The planned step of a ``Sequential`` for ``fit``, or None where the general step
    must run. ``run`` is what ``sequential._dense_run`` found from the first layer (the
    whole model, when it covers every layer), ``variables`` the ones ``fit`` trains, in the
    optimizer's order. Called after ``fit``'s first step (the optimizer is built, its pool
    exists), by ``Sequential._plan_fit_step``.
    """
    if not model.compiled_loss.active or getattr(model, "run_eagerly", False):
        return None
    if any(getattr(type(model), name) is not getattr(Model, name)
           for name in ("train_step", "compute_loss", "compute_metrics")):
        return None
    optimizer = model.optimizer
    if optimizer is None or getattr(optimizer, "loss_scale_factor", None) is not None:
        return None
    if _loss_terms(model._flatten_layers()):  # regularizers, add_loss
        return None
    # ``run`` covers every layer: each Dropout follows the Dense whose rate it gives.
    pairs = []
    for layer in model.layers:
        if type(layer) is Dense:
            pairs.append((layer, None))
        else:
            pairs[-1] = (pairs[-1][0], layer)
    dense = [d for d, _ in pairs]
    if len(pairs) != len(run) or any(
            d.kernel_regularizer is not None or d.bias_regularizer is not None
            for d in dense):
        return None
    last_act = run[-1][2]
    if last_act == "softmax":
        from_logits = False
    elif last_act in (None, "linear"):
        from_logits = True
    else:
        return None
    if not _sparse_ce_loss(model.compiled_loss, from_logits):
        return None
    params = []
    for d in dense:
        params += [d.kernel] if d.bias is None else [d.kernel, d.bias]
    if len(params) != len(variables) or any(a is not b for a, b in zip(params, variables)):
        return None
    views = getattr(optimizer, "_gradient_buffers", lambda v: None)(variables)
    if views is None:
        return None
    return PlannedStep(model, pairs, list(variables), views, from_logits)


def _sparse_ce_loss(compiled_loss, from_logits: bool) -> bool:
    """Whether the compiled loss is one sparse categorical cross-entropy, weight 1, the
    default reduction, whose ``from_logits`` matches the model's output."""
    entries = compiled_loss._entries
    if not compiled_loss._single or entries is None or len(entries) != 1:
        return False
    _, _, fn, weight = entries[0]
    if not (isinstance(fn, LossFunctionWrapper) and type(fn).call is LossFunctionWrapper.call
            and type(fn).__call__ is LossFunctionWrapper.__call__):
        return False
    kwargs = dict(fn._fn_kwargs)
    return (fn.fn is sparse_categorical_crossentropy and weight == 1.0
            and fn.reduction == "sum_over_batch_size" and fn.dtype in (None, "float32")
            and bool(kwargs.pop("from_logits", False)) == from_logits
            and kwargs.pop("ignore_class", None) is None and kwargs.pop("axis", -1) in (-1, 1)
            and not kwargs)

