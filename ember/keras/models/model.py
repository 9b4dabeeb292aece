"""Model: a Layer that can ``compile``, ``fit``, ``evaluate`` and ``predict``.

The training loop, one step at a time (Keras 3's ``train_step``)::

    with GradientTape() as tape:
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)   # + regularization
    grads = tape.gradient(loss, trainable_variables)
    optimizer.apply_gradients(zip(grads, trainable_variables))
    metrics.update_state(y, y_pred)

``Model(inputs, outputs)`` gives a functional model; subclasses define ``call``.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np

from ember import nest, ops
from ember.keras import metrics as metrics_mod
from ember.keras import optimizers
from ember.keras.callbacks import CallbackList, History
from ember.keras.layers.layer import Layer, _loss_terms
from ember.keras.layers.symbolic import KerasTensor, is_symbolic, symbolic_call
from ember.keras.models import data as data_mod
from ember.keras.models.compiled import CompiledLoss, CompiledMetrics
from ember.keras.models.summary import print_summary
from ember.keras.saving import weights_file
from ember.record import RECORDING as _recording
from ember.tape import GradientTape
from ember.tensor import Tensor, as_array, convert_to_tensor


@dataclasses.dataclass
class _FitState:
    """What ``fit`` computes once and every ``train_step`` reuses: walking the layers for
    their variables and losses each step would be pure overhead.

    Attributes:
        variables: the trainable variables, in the order the optimizer sees them.
        layers: every layer of the model (for their regularization losses).
        batch_logs: whether anyone reads per-batch logs (a progress bar on a terminal,
            batch-level callbacks); when not, ``train_step`` skips reading the metrics out.
    """

    variables: list
    layers: list
    batch_logs: bool = True


class Model(Layer):
    """Groups layers into an object with training and inference features.

    ``Model(inputs=..., outputs=...)`` builds a functional model; subclass ``Model`` and
    define ``call(inputs, training=None)`` for a custom forward pass.
    """

    def __new__(cls, *args, **kwargs):
        # ``Model(inputs, outputs)`` makes a Functional, a subclass of Model: the one import
        # cycle Ember keeps, as Keras does (functional.py imports this module at its top, so
        # Functional is looked up here at call time).
        from ember.keras.models.functional import Functional
        if cls is Model and ("inputs" in kwargs or len(args) >= 2 or (
                args and is_symbolic(args[0]))):
            return super().__new__(Functional)
        # `class Custom(Model)` called as Custom(inputs, outputs): a functional model
        # with the subclass's overrides (Keras's way to customise train_step).
        if (cls is not Model and not issubclass(cls, Functional)
                and is_symbolic(kwargs.get("inputs", args[0] if args else None))
                and is_symbolic(kwargs.get("outputs", args[1] if len(args) > 1 else None))):
            return super().__new__(_functional_subclass(cls, Functional))
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        dtype = kwargs.pop("dtype", None)
        layer_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in (
            "input_shape", "input_dim", "batch_input_shape", "autocast")}
        if len(args) == 1 and args[0] is self:
            # ``super().__init__(self)``: TF's text generation tutorial (written for Keras 2,
            # which ignored the extra argument) still calls it so.
            args = ()
        if args or kwargs:
            given = [type(a).__name__ for a in args]
            raise TypeError(f"Model.__init__ got unexpected arguments: positional {given}, "
                            f"keywords {sorted(kwargs)}. For a functional model pass "
                            "`inputs=` and `outputs=`.")
        super().__init__(name=name, trainable=trainable, dtype=dtype, **layer_kwargs)
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self.compiled = False
        self._compile_config = None
        self._train_state: _FitState | None = None

    def _convert_inputs(self, x):
        # A model with an Input declared tf.string (TextVectorization or StringLookup first)
        # takes text as it is, for its text layers to convert; other inputs as usual.
        try:
            inputs = self.inputs or []
        except AttributeError:
            inputs = []
        if any(isinstance(t, KerasTensor) and t.dtype.name == "string" for t in inputs):
            return self._text_or_numbers(x)
        if isinstance(x, np.ndarray) and data_mod.holds_text(x) or isinstance(
                x, list) and isinstance(_first_leaf(x), (str, bytes)):
            if inputs:
                raise TypeError(f"Model '{self.name}' expects numeric input but received "
                                "strings as `x`: convert the data to numbers first, or start "
                                "the model with keras.Input(dtype='string') and a "
                                "TextVectorization or StringLookup layer.")
            # No Input yet (a Sequential whose first layer is TextVectorization or StringLookup,
            # built by this call): text passes through as a string tensor; that layer decides.
            return convert_to_tensor(np.asarray(x))
        return super()._convert_inputs(x)

    def _text_or_numbers(self, x):
        if isinstance(x, dict):
            return {k: self._text_or_numbers(v) for k, v in x.items()}
        arrays = (np.ndarray, Tensor, list, tuple, dict)
        if isinstance(x, (list, tuple)) and any(isinstance(v, arrays) for v in x) \
                and not all(isinstance(v, (list, tuple)) for v in x):  # one array per input
            return type(x)(self._text_or_numbers(v) for v in x)
        if isinstance(x, (np.ndarray, list, tuple, str, bytes)):
            try:
                kind = np.asarray(x).dtype.kind
            except ValueError:
                kind = "O"
            if kind in "USO":
                return x
        return super()._convert_inputs(x)

    # -- compile ------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None,
                loss_weights: list | dict | None = None, metrics: Any = None,
                weighted_metrics: Any = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: bool | str = "auto",
                auto_scale_loss: bool = True, **kwargs) -> None:
        """Configures the model for training.

        Args:
            optimizer: name ('adam', 'sgd', ...) or optimizer instance (default 'rmsprop',
                as Keras).
            loss: name, function or Loss instance (a list or dict for several outputs).
            loss_weights: weights of each output's loss in the total.
            metrics: names ('accuracy', 'mae', ...), functions or Metric instances.
        """
        unknown = set(kwargs) - {"experimental_run_tf_function", "sample_weight_mode",
                                 "target_tensors", "distribute", "pss_evaluation_shards"}
        if unknown:
            raise TypeError(f"Invalid keyword argument(s) in `compile()`: {sorted(unknown)}. "
                            "Valid keyword arguments include optimizer, loss, loss_weights, "
                            "metrics, weighted_metrics.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self.compiled_loss = CompiledLoss(loss, loss_weights, self._output_names())
        self.compiled_metrics = CompiledMetrics(metrics, weighted_metrics,
                                                self._output_names(), loss)
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self.run_eagerly = bool(run_eagerly)  # fit then runs no planned step
        self.compiled_loss.tracker = self._loss_tracker  # Keras 2's compiled_loss(...) records
        # Which layers train is decided here, as Keras says ("trainable variables are
        # determined at compile() time"): the classic GAN freezes the discriminator, compiles
        # the combined model, and still trains the discriminator it compiled before.
        self._compiled_trainable_state = {id(layer): layer.trainable
                                          for layer in self._flatten_layers()}
        self.compiled = True
        self.stop_training = False
        self._compile_config = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                                "loss_weights": loss_weights}

    def _output_names(self):
        return None

    def _assert_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call `compile()` before using the model in `{what}`: "
                               "e.g. model.compile(optimizer='adam', "
                               "loss='sparse_categorical_crossentropy', metrics=['accuracy']).")

    @property
    def metrics(self) -> list:
        """The loss tracker, the compiled metrics (before the first batch resolves them,
        their container, named "compile_metrics" as in Keras 3), each output's loss tracker
        (several outputs) and the Metric objects assigned as attributes of the model."""
        out = []
        if self.compiled:
            out = [self._loss_tracker] + self.compiled_metrics.tracked() + \
                self.compiled_loss.trackers
        seen = {id(m) for m in out}
        for key, value in self.__dict__.items():
            if isinstance(value, metrics_mod.Metric) and id(value) not in seen and \
                    key != "_loss_tracker":
                seen.add(id(value))
                out.append(value)
        return out

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    # -- the steps (overridable, as in Keras) -------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus every regularization term in ``self.losses``."""
        loss = self.compiled_loss.compute(y, y_pred, sample_weight) if self.compiled_loss.active \
            else None
        state = self._train_state
        extra = _loss_terms(state.layers) if state is not None else self.losses
        if extra:
            extra = [e if not e.shape else ops.reduce_sum(e) for e in extra]
            reg = extra[0] if len(extra) == 1 else ops.add_n(extra)
            loss = reg if loss is None else ops.add(loss, reg)
        if loss is None:
            raise ValueError(f"Model '{self.name}': no loss to compute. Pass `loss=` to "
                             "`compile()`, add losses with `self.add_loss()` in `call`, or "
                             "override `train_step`.")
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics; returns ``{name: value}`` of every metric."""
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        """One optimisation step on one batch; returns the metrics' current values."""
        x, y, sample_weight = data_mod.unpack_x_y_sample_weight(data)
        state = self._train_state
        variables = state.variables if state is not None else self._variables_to_train()
        optimizer = self.optimizer
        with GradientTape() as tape:
            if state is not None and len(_recording) == 1:
                # fit's own step, recorded by this tape alone: a Sequential may run its
                # Dense/Dropout layers as one op (ops.nn.dense_stack, whose rule is
                # first-order only) and its Conv2D + MaxPooling2D pairs as one op, as Keras's
                # fit runs the step as one traced graph.
                object.__setattr__(self, "_fit_step", True)
                try:
                    y_pred = self(x, training=True)
                finally:
                    object.__setattr__(self, "_fit_step", False)
            else:
                y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
            scaled = loss if optimizer.loss_scale_factor is None else optimizer.scale_loss(loss)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        # In fit, the gradients go straight into the optimizer's pooled buffer (no copy of
        # them: 13 µs a step at batch 128 on the seed MLP); they live only until the next
        # step, and this method never hands them out.
        pool = getattr(optimizer, "_gradient_buffers", None) if state is not None else None
        buffers = pool(variables) if pool is not None else None
        if buffers is not None and isinstance(scaled, Tensor):
            grads = tape._gradient_into(scaled, variables, buffers)
        else:
            grads = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        if state is not None and not state.batch_logs and \
                type(self).compute_metrics is Model.compute_metrics:
            # Nobody reads per-batch logs (no progress bar on a terminal, no batch
            # callbacks): update the metrics but skip reading them out every step.
            self.compiled_metrics.update_state(y, y_pred, sample_weight)
            return None
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics on one batch, without training."""
        x, y, sample_weight = data_mod.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = data_mod.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _plan_fit_step(self, variables):
        """A planned step for ``fit`` or None. Its ``run(x, y, sample_weight)`` trains on a
        batch it fits, else returns False; ``Sequential`` plans one (planned_step.py)."""
        return

    def _variables_to_train(self) -> list:
        """The trainable variables as the model was compiled: a layer frozen or unfrozen
        since ``compile`` keeps its compiled state (layers made since then, their own)."""
        state = getattr(self, "_compiled_trainable_state", None)
        if not state:
            return self.trainable_variables
        out, seen = [], set()

        def walk(layer):
            if not state.get(id(layer), layer.trainable):
                return
            own, subs = layer._collect()
            for v in own:
                if v.trainable and id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
            for sub in subs:
                walk(sub)
        walk(self)
        return out

    def _checked_logs(self, logs, step_name):
        """The logs a ``train_step``/``test_step`` returned, which must be a dict."""
        if isinstance(logs, dict):
            return logs
        raise TypeError(f"Model '{self.name}': `{step_name}` must return a dict of metric "
                        "values, e.g. {'loss': loss} or {m.name: m.result() for m in "
                        f"self.metrics}}; it returned {type(logs).__name__}: "
                        f"{_short_repr(logs)}.")

    # -- fit ----------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: int | str = "auto", callbacks: list | None = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            class_weight: dict | None = None, sample_weight: Any = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int | list = 1, **kwargs) -> History:
        """Trains the model for ``epochs`` passes over the data; returns a ``History``.

        ``validation_split`` holds out the *last* fraction of x/y before shuffling (Keras's
        rule); ``validation_data`` is ``(x_val, y_val)`` or a batch source instead.
        """
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments: {sorted(kwargs)}.")
        self._assert_compiled("fit")
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"`epochs` must be a non-negative integer; received {epochs!r}.")
        if not isinstance(validation_split, (int, float)) or not 0 <= validation_split < 1:
            raise ValueError("`validation_split` must be a float in [0, 1); received "
                             f"validation_split={validation_split!r}.")
        verbose = _verbose(verbose)
        batch_size = 32 if batch_size is None else batch_size
        val_batch_size = validation_batch_size or batch_size
        val_source = None
        if data_mod.is_batch_source(x):
            if y is not None:
                raise ValueError("`y` argument is not supported when using a generator, "
                                 "Sequence or dataset as `x`: the batches carry the targets.")
            if validation_split:
                raise ValueError("`validation_split` is only supported for arrays and tensors, "
                                 "not for generators or datasets: pass `validation_data`.")
            train = data_mod.IterableBatches(x, steps_per_epoch, class_weight=class_weight)
        else:
            if x is None:
                raise ValueError("fit() needs training data: pass `x` (and `y`).")
            x, y, sample_weight = data_mod.check_arrays(x, y, sample_weight, check_finite=True)
            if validation_split and validation_data is None:
                (x, y, sample_weight), val = data_mod.split_validation(
                    x, y, sample_weight, validation_split)
                val_source = data_mod.ArrayBatches(*val, batch_size=val_batch_size)
            if class_weight is not None:
                if y is None:
                    raise ValueError("`class_weight` needs `y`.")
                if sample_weight is not None:
                    raise ValueError("You cannot use `class_weight` and `sample_weight` at the "
                                     "same time (as in Keras): fold the class weights into "
                                     "`sample_weight` yourself.")
                sample_weight = data_mod.class_weights_to_sample_weights(y, class_weight,
                                                                         sample_weight)
            train = data_mod.ArrayBatches(x, y, sample_weight, batch_size, shuffle,
                                          steps_per_epoch)
        if validation_data is not None:
            val_source = self._validation_source(validation_data, val_batch_size,
                                                 validation_steps)
        if val_source is not None and isinstance(val_source, data_mod.ArrayBatches):
            val_source.shuffle = False

        callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                     model=self, verbose=verbose, epochs=epochs,
                                     steps=train.steps)
        self.stop_training = False
        self._build_for_data(train)
        # Computed once per fit, not per step: the walk over the layers is pure overhead.
        self._train_state = _FitState(variables=self._variables_to_train(),
                                      layers=self._flatten_layers())
        logs = {}
        callback_list.on_train_begin()
        # An overridden train_step always reports its logs (it may call the default one).
        self._train_state.batch_logs = callback_list.needs_batch_logs or \
            type(self).train_step is not Model.train_step
        # After the first step, a model made of what the planned step covers trains through
        # it (planned_step.py: the same arithmetic on arrays, as Keras's fit runs a traced
        # graph); any other model, and any batch the plan does not fit, the general step.
        planned, plan_tried = None, False
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callback_list.on_epoch_begin(epoch)
                step = -1
                step_logs = None
                for step, batch in enumerate(train):
                    callback_list.on_train_batch_begin(step)
                    if planned is not None and planned.run(*batch):
                        step_logs = self.get_metrics_result() \
                            if self._train_state.batch_logs else None
                    else:
                        step_logs = self.train_step(_pack(batch))
                        if not plan_tried:
                            plan_tried = True
                            planned = self._plan_fit_step(self._train_state.variables)
                            if planned is not None and isinstance(train, data_mod.ArrayBatches):
                                train.reuse_buffers = True
                    if step_logs is not None or self._train_state.batch_logs:
                        step_logs = self._checked_logs(step_logs, "train_step")
                    callback_list.on_train_batch_end(step, None if step_logs is None
                                                     else _floats(step_logs))
                    if self.stop_training:
                        break
                if step < 0:
                    raise ValueError("The training data produced no batches: the data set is "
                                     "empty (or steps_per_epoch is 0).")
                # The epoch's logs are the last step's (running means, as in Keras).
                epoch_logs = _floats(step_logs if step_logs is not None
                                     else self.get_metrics_result())
                if val_source is not None and _should_validate(validation_freq, epoch):
                    val_logs = self._run_evaluation(val_source, callback_list=callback_list)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, epoch_logs)
                logs = epoch_logs
                if self.stop_training:
                    break
        finally:
            self._train_state = None
        if getattr(self.optimizer, "use_ema", False):
            # As Keras: after training the weights become their moving averages.
            self.optimizer.finalize_variable_values(self.trainable_variables)
        callback_list.on_train_end(logs)
        return self.history

    def _validation_source(self, validation_data, batch_size, steps):
        if data_mod.is_batch_source(validation_data):
            return data_mod.IterableBatches(validation_data, steps)
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("`validation_data` must be a tuple (x_val, y_val) or "
                             "(x_val, y_val, val_sample_weight), or a dataset/generator; "
                             f"received {type(validation_data).__name__}.")
        vx, vy, vsw = data_mod.unpack_x_y_sample_weight(tuple(validation_data))
        vx, vy, vsw = data_mod.check_arrays(vx, vy, vsw)
        return data_mod.ArrayBatches(vx, vy, vsw, batch_size, False, steps)

    def _build_for_data(self, source):
        """Builds the model from the first batch's shape if it has not been built yet."""
        if self.built:
            return
        if isinstance(source, data_mod.ArrayBatches):
            first = data_mod._take(source.x, slice(0, 1))
        else:
            # A generator/Sequence: build from its first batch, or fit would capture an
            # empty list of trainable variables and never train.
            batch = source.peek()
            if batch is None:
                return
            first = data_mod._take(data_mod._to_array(batch[0], "x"), slice(0, 1))
        self._build_from_example(first)

    def _build_from_example(self, x):
        shapes = nest.flatten(x)
        if len(shapes) == 1 and not data_mod.holds_text(shapes[0]):
            self.build((None,) + tuple(np.shape(shapes[0])[1:]))
        else:
            self(x)

    # -- evaluate / predict -------------------------------------------------------------
    def _run_evaluation(self, source, callback_list=None, return_dict=True):
        self.reset_metrics()
        if callback_list is not None:
            callback_list.on_test_begin()
        logs = {}
        step = -1
        for step, batch in enumerate(source):
            if callback_list is not None:
                callback_list.on_test_batch_begin(step)
            logs = _floats(self._checked_logs(self.test_step(_pack(batch)), "test_step"))
            if callback_list is not None:
                callback_list.on_test_batch_end(step, logs)
        if step < 0:
            raise ValueError("The evaluation data produced no batches: the data set is empty.")
        logs = _floats(self.get_metrics_result())
        if callback_list is not None:
            callback_list.on_test_end(logs)
        return logs

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: int | str = "auto", sample_weight: Any = None,
                 steps: int | None = None, callbacks: list | None = None,
                 return_dict: bool = False, **kwargs) -> float | list | dict:
        """Loss (and metrics) on the given data: a float when there are no metrics, else
        ``[loss, *metrics]``, or a dict with ``return_dict=True``."""
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword arguments: {sorted(kwargs)}.")
        self._assert_compiled("evaluate")
        verbose = _verbose(verbose)
        if data_mod.is_batch_source(x):
            source = data_mod.IterableBatches(x, steps)
        else:
            if x is None:
                raise ValueError("evaluate() needs data: pass `x` (and `y`).")
            x, y, sample_weight = data_mod.check_arrays(x, y, sample_weight)
            source = data_mod.ArrayBatches(x, y, sample_weight, 32 if batch_size is None else
                                           batch_size, False, steps)
        if not self.built:
            self._build_for_data(source)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=source.steps)
        logs = self._run_evaluation(source, callback_list)
        if return_dict:
            return logs
        return _as_list(logs, self._metric_names_in_order())

    def _metric_names_in_order(self) -> list:
        """Keras 3's order of ``evaluate``'s list: the loss, a single output's metrics in
        compile order, each output's loss; then any other log, by name."""
        return [m.name for m in self.metrics if not (
            self.compiled and self.compiled_metrics.multi_output
            and m in self.compiled_metrics.metrics)]

    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = "auto",
                steps: int | None = None, callbacks: list | None = None,
                **kwargs) -> np.ndarray | list | dict:
        """Model outputs for ``x`` as NumPy arrays, computed batch by batch."""
        if kwargs:
            raise TypeError(f"predict() got unexpected keyword arguments: {sorted(kwargs)}.")
        verbose = _verbose(verbose)
        if data_mod.is_batch_source(x):
            source = data_mod.IterableBatches(x, steps)
        else:
            x, _, _ = data_mod.check_arrays(x, None, None)
            source = data_mod.ArrayBatches(x, None, None, 32 if batch_size is None else
                                           batch_size, False, steps)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=source.steps)
        callback_list.on_predict_begin()
        outputs = []
        for step, batch in enumerate(source):
            callback_list.on_predict_batch_begin(step)
            out = self.predict_step(_pack(batch))
            outputs.append(_to_numpy(out))
            callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError("predict() received no data: the input is empty.")
        return _concat(outputs)

    # TF 2.0-2.x spellings for generators (ImageDataGenerator code still calls them); Keras 3
    # removed them. Each warns once, as tf.keras did, and calls the method that replaced it.
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Deprecated: ``fit`` takes generators. Same as ``fit(generator, ...)``."""
        _deprecated("fit_generator", "fit")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """Deprecated: ``evaluate`` takes generators."""
        _deprecated("evaluate_generator", "evaluate")
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """Deprecated: ``predict`` takes generators."""
        _deprecated("predict_generator", "predict")
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One training step on one batch; returns the loss (and metrics)."""
        self._assert_compiled("train_on_batch")
        x, y, sample_weight = data_mod.check_arrays(x, y, sample_weight)
        if class_weight is not None:
            sample_weight = data_mod.class_weights_to_sample_weights(y, class_weight,
                                                                     sample_weight)
        if not self.built:
            self._build_from_example(data_mod._take(x, slice(0, 1)))
        if reset_metrics:
            self.reset_metrics()
        logs = self.train_step(_pack((x, y, sample_weight)))
        logs = _floats(self._checked_logs(logs, "train_step"))
        return logs if return_dict else _as_list(logs, self._metric_names_in_order())

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """Loss (and metrics) on one batch, without training."""
        self._assert_compiled("test_on_batch")
        x, y, sample_weight = data_mod.check_arrays(x, y, sample_weight)
        if reset_metrics:
            self.reset_metrics()
        logs = self.test_step(_pack((x, y, sample_weight)))
        logs = _floats(self._checked_logs(logs, "test_step"))
        return logs if return_dict else _as_list(logs, self._metric_names_in_order())

    def predict_on_batch(self, x):
        """Outputs for one batch as NumPy arrays."""
        x, _, _ = data_mod.check_arrays(x, None, None)
        return _to_numpy(self(x, training=False))

    # -- structure ------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        return list(self._collect()[1])

    def reset_states(self):
        """Zeros the states of every stateful layer inside (Keras 2's ``model.reset_states()``,
        which course code calls before sampling from a stateful RNN; Keras 3 dropped it)."""
        for layer in self._flatten_layers(include_self=False):
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    reset_state = reset_states

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in ``layers``."""
        if index is not None:
            if name is not None:
                raise ValueError("Provide only a layer name or a layer index, not both.")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[lay.name for lay in self.layers]}.")

    def build(self, input_shape=None):
        """Builds the model by running it once on zeros of ``input_shape``."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError(f"Model '{self.name}': build() needs an input shape, e.g. "
                             "model.build((None, 784)).")
        if isinstance(input_shape, dict):  # a model called on a dict of named inputs
            kts = {k: KerasTensor(tuple(s)) for k, s in input_shape.items()}
        elif isinstance(input_shape, list) and input_shape and isinstance(input_shape[0],
                                                                          (list, tuple)):
            kts = [KerasTensor(tuple(s)) for s in input_shape]
        else:
            kts = KerasTensor(tuple(input_shape))
        self.built = True  # the subclass's sublayers build during this dry run
        try:
            symbolic_call(_AsLayer(self), kts, (), {})
        except Exception:
            self.built = False
            raise
        self._build_shape = input_shape if isinstance(input_shape, (list, dict)) else \
            tuple(input_shape)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of the layers, their output shapes and parameter counts."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      show_trainable=show_trainable)

    # -- weights files ------------------------------------------------------------------
    def save_weights(self, filepath, overwrite: bool = True, save_format=None,
                     options=None) -> None:
        """Writes the weights to ``filepath`` (``.weights.h5``, or ``.weights.npz``) atomically.

        Keras 2 idioms still work: any ``.h5`` name, and a name without a suffix, which
        writes a checkpoint at that prefix and records it as its folder's latest
        (``tf.train.latest_checkpoint``). ``save_format``/``options`` are accepted and unused.
        """
        weights_file.save_weights(self, os.fspath(filepath), overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs) -> None:
        """Loads weights written by ``save_weights``; shapes must match."""
        weights_file.load_weights(self, os.fspath(filepath), skip_mismatch=skip_mismatch)

    def save(self, filepath, overwrite: bool = True, include_optimizer: bool = True,
             **kwargs) -> None:
        """Saves the whole model to a ``.keras`` file (Keras 3's format: config, weights and
        optimizer state), or only the weights for ``.weights.h5`` / ``.weights.npz``."""
        weights_file.save_model(self, os.fspath(filepath), overwrite=overwrite,
                                include_optimizer=include_optimizer)

    def export(self, filepath, format="onnx", **kwargs):
        """Writes the model for another runtime: ``format="onnx"`` (the ``onnx`` extra; see
        ``ember.export``). TF SavedModel and other formats are not supported."""
        if format != "onnx":
            raise ValueError(f"Ember exports format='onnx' only; received format={format!r}.")
        from ember.export.onnx import export
        return export(self, filepath, **kwargs)

    def get_compile_config(self):
        return self._compile_config

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from ``get_config()``: a functional config (with ``layers`` and
        ``input_layers``) rebuilds the graph; otherwise ``cls(**config)``."""
        if "layers" in config and "input_layers" in config:
            from ember.keras.models.functional import Functional
            from ember.keras.saving.graph_config import functional_from_config
            target = cls if issubclass(cls, Functional) else Functional
            return functional_from_config(target, config, custom_objects,
                                          label=f"{cls.__name__} config")
        return cls(**config)

    def to_json(self, **kwargs) -> str:
        """The model's architecture (and compile settings) as a JSON string, Keras 3's
        config layout; ``keras.models.model_from_json`` reads it back."""
        import json

        from ember.keras.saving.config import serialize_layer
        return json.dumps(serialize_layer(self), **kwargs)


class _AsLayer(Layer):
    """Runs a model's ``call`` once on symbolic inputs without re-entering Model.build."""

    def __init__(self, model):
        object.__setattr__(self, "_tracked_weights", [])
        object.__setattr__(self, "_losses", [])
        self.name = model.name + "_build"
        self._model = model
        self.built = True
        self.input_spec = None
        self.activity_regularizer = None
        self.dtype = model.dtype
        self.autocast = True
        self._initial_weights = None

    def call(self, inputs, training=None):
        return self._model(inputs, training=False)


_FUNCTIONAL_SUBCLASSES: dict = {}


def _functional_subclass(cls, functional):
    """``cls`` with ``functional`` (the Functional class) mixed in after it, made once per
    class."""
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, functional),
                                           {"__module__": cls.__module__,
                                            "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]


def _first_leaf(x):
    while isinstance(x, list) and x:
        x = x[0]
    return x


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2; received {verbose!r}.")
    return int(verbose)


def _should_validate(freq, epoch):
    if isinstance(freq, int):
        if freq < 1:
            raise ValueError(f"`validation_freq` must be >= 1; received {freq}.")
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


def _pack(batch):
    """The ``data`` a step receives: as Keras 3, inputs alone stay unwrapped (a VAE's
    ``train_step`` uses ``data`` as its images), else (x, y) or (x, y, sample_weight)."""
    x, y, sw = batch
    if y is None and sw is None and not isinstance(x, (list, tuple)):
        return x
    return data_mod.pack_x_y_sample_weight(x, y, sw)


def _batch_size(x):
    leaves = nest.flatten(x)
    return leaves[0].shape[0] if leaves else 1


def _floats(logs) -> dict:
    """Logs as Python floats, nested dicts flattened, keys sorted (as Keras's
    ``pythonify_logs``: History and the progress bar list them in that order)."""
    out = {}
    for k, v in sorted(logs.items()):
        if isinstance(v, Tensor):
            v = as_array(v)
        if isinstance(v, dict):
            out.update(_floats(v))
            continue
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            out[k] = v
    return out


def _as_list(logs, names):
    values = [logs[n] for n in names if n in logs]
    values += [logs[k] for k in sorted(logs) if k not in names]
    return values[0] if len(values) == 1 else values


def _short_repr(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _to_numpy(out):
    if isinstance(out, Tensor):  # the common case first: predict calls this every batch
        return as_array(out)
    return nest.map_structure(as_array, out)


def _concat(outputs):
    first = outputs[0]
    if isinstance(first, (list, tuple)):
        return [np.concatenate([o[i] for o in outputs]) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: np.concatenate([o[k] for o in outputs]) for k in first}
    return np.concatenate(outputs)


_WARNED: set = set()


def _deprecated(old, new):
    if old not in _WARNED:
        _WARNED.add(old)
        import warnings
        warnings.warn(f"`Model.{old}` is deprecated and will be removed in a future version. "
                      f"Please use `Model.{new}`, which supports generators.",
                      DeprecationWarning, stacklevel=3)
