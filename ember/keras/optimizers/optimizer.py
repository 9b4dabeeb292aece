"""The optimizer base class: turns gradients into in-place updates of Variables.

Keras 3's structure: a subclass creates each variable's state (its "slots", Adam's
``m`` and ``v``) in ``build(var_list)`` and writes the update of one variable in
``update_step(gradient, variable, learning_rate)``. Everything else lives here, and
one ``apply_gradients`` does, in Keras 3's order:

1. drop pairs whose gradient is None (all None is an error);
2. divide by ``loss_scale_factor``; gradient accumulation (update every N calls
   with the mean gradient);
3. clip: ``clipnorm`` per gradient, or ``global_clipnorm`` over all, or ``clipvalue``;
4. decoupled weight decay ``w -= w * weight_decay * lr``;
5. ``update_step`` for each variable; then each variable's ``constraint``;
6. the EMA of the weights (``use_ema``); ``iterations += 1``.

Speed is a design force here: the updates run on the raw float32 buffers
(``Variable.storage``) with NumPy ``out=`` arguments, slots are preallocated arrays,
each variable owns one scratch buffer for temporaries, and per-step constants (the
learning rate, bias corrections) are Python floats. No Tensor is created on the way.
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ember import tape as _tape
from ember.keras.naming import to_snake_case
from ember.keras.optimizers.schedules import LearningRateSchedule
from ember.keras.optimizers.schedules import deserialize as _deserialize_schedule
from ember.keras.optimizers.schedules import serialize as _serialize_schedule
from ember.tape import GradientTape
from ember.tensor import Tensor, Variable, as_array, convert_to_tensor

# What ``learning_rate=`` accepts: a number, a schedule, or a callable returning the rate.
LearningRate = float | LearningRateSchedule | Callable[[], float]

_RESERVED = frozenset({"variable", "index", "scratch", "scratch2", "grad_buffer", "slot_variables",
                       "decay"})


class _FlatVariable:
    """Stands for all pooled variables at once in ``update_step`` (only ``storage`` is used)."""

    __slots__ = ("storage",)

    def __init__(self, storage):
        self.storage = storage


class _Pool(NamedTuple):
    """The pooled variables of ``_consolidate``: one flat buffer stands for all of them."""

    variables: list  # the pooled Variables, in order
    flat_variable: _FlatVariable  # their weights as one flat array
    grad_views: list  # per variable, its view into ``grad``
    grad: np.ndarray  # the flat gradient buffer update_step reads


class _VariableState:
    """One trained variable's optimizer state.

    Its slots are attributes holding NumPy arrays (``state.momentum``), updated in
    place; ``scratch`` is a buffer of the variable's shape and dtype for an update's
    temporaries, and ``scratch2`` a second one, made on first use.
    """

    def __init__(self, variable, index):
        self.variable = variable  # a strong reference: the id() key cannot be reused
        self.index = index
        self.scratch = np.empty_like(variable.storage)
        self._scratch2 = None
        self.grad_buffer = None  # for clipped / scaled / accumulated gradients, made on need
        self.slot_variables = {}  # slot name -> ember Variable sharing the slot's array
        self.decay = None  # whether weight decay applies, decided on first use

    @property
    def scratch2(self):
        if self._scratch2 is None:
            self._scratch2 = np.empty_like(self.variable.storage)
        return self._scratch2


def _real(value):
    """A Python float from a number, NumPy scalar or one-element tensor, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (Tensor, np.ndarray, np.generic)):
        arr = as_array(value)
        if arr.size == 1 and arr.dtype.kind in "fiu":
            return float(arr.reshape(()))
    return None


def check_nonnegative(name, value, allow_none=True):
    if value is None and allow_none:
        return None
    v = _real(value)
    if v is None or v < 0 or v != v:
        raise ValueError(f"Argument `{name}` must be a non-negative float"
                         + (" or None" if allow_none else "") + f". Received: {name}={value!r}")
    return v


def check_in_range(name, value, low=0.0, high=1.0):
    """Checks a hyperparameter lies in ``[low, high]``; returns it as a float."""
    v = _real(value)
    if v is None or not low <= v <= high:
        raise ValueError(f"Argument `{name}` must be a float in [{low}, {high}]. "
                         f"Received: {name}={value!r}")
    return v


class Optimizer:
    """Base class of optimizers, as ``keras.optimizers.Optimizer``.

    Subclass it by overriding ``build(var_list)`` (call ``super().build(var_list)``
    first, then ``self.add_slots(var_list, "name", ...)``) and
    ``update_step(gradient, variable, learning_rate)``, where ``gradient`` is a NumPy
    array and ``learning_rate`` a Python float. Keras-3-style subclasses that use
    ``add_variable_from_reference``, ``_get_variable_index`` and ``self.assign_sub``
    with ops work too.

    Args:
        learning_rate: a float, a ``LearningRateSchedule``, or a callable with no
            arguments returning the rate. ``lr=`` (TF 2 / Keras 2) is an alias.
        weight_decay: if set, decoupled weight decay ``w -= w * weight_decay * lr``
            before each update (see ``exclude_from_weight_decay``).
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.
            At most one of the three clipping arguments may be set.
        use_ema: keep an exponential moving average of the weights:
            ``average = ema_momentum * average + (1 - ema_momentum) * w`` (the first
            step copies ``w``). ``finalize_variable_values`` copies it into the weights.
        ema_momentum: default 0.99.
        ema_overwrite_frequency: if set, copy the average into the weights every this
            many iterations.
        loss_scale_factor: ``scale_loss`` multiplies the loss by it and updates divide
            the gradients by it (for low-precision training).
        gradient_accumulation_steps: an int >= 2: update only every this many calls,
            with the mean of the gradients since the last update. ``iterations``
            then counts updates; schedules still see every call.
        name: the optimizer's name.
        decay: Keras 2's time-based decay, ``lr / (1 + decay * iterations)``;
            implemented for TF 2 course code (Keras 3 ignores it with a warning).
    """

    def __init__(self, learning_rate: LearningRate, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs):
        if "lr" in kwargs:  # the TF 2 / Keras 2 spelling
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        self.name = name if name is not None else to_snake_case(type(self).__name__)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.clipnorm = check_nonnegative("clipnorm", clipnorm)
        self.clipvalue = check_nonnegative("clipvalue", clipvalue)
        self.global_clipnorm = check_nonnegative("global_clipnorm", global_clipnorm)
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        self.use_ema = bool(use_ema)
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(f"`ema_momentum` must be in the range [0, 1]. "
                             f"Received: ema_momentum={ema_momentum}")
        if ema_overwrite_frequency is not None and (
                not isinstance(ema_overwrite_frequency, numbers.Integral)
                or ema_overwrite_frequency < 1):
            raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                             f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if loss_scale_factor is not None and not (_real(loss_scale_factor) or 0) > 0:
            raise ValueError("`loss_scale_factor` must be a positive float or None. "
                             f"Received: loss_scale_factor={loss_scale_factor!r}")
        self.loss_scale_factor = loss_scale_factor
        if gradient_accumulation_steps is not None and (
                not isinstance(gradient_accumulation_steps, numbers.Integral)
                or gradient_accumulation_steps < 2):
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. "
                             f"Received: gradient_accumulation_steps={gradient_accumulation_steps}")
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.decay = check_nonnegative("decay", decay) or 0.0

        self.built = False
        self._state = {}  # id(variable) -> _VariableState
        self._trainable_variables = []  # in registration order
        self._slot_variables = []  # optimizer variables in creation order (Keras' order)
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._t = 1  # the paper's t: the 1-based number of the update being applied
        self._iterations = self._new_variable(np.array(0, dtype=np.int64), "iteration")
        self._learning_rate = self._build_learning_rate(learning_rate)

    # -- learning rate and iterations ----------------------------------------------------
    def _new_variable(self, value, name):
        v = Variable(value, trainable=False, name=name)
        v._path = f"{self.name}/{name}"
        return v

    def _build_learning_rate(self, learning_rate):
        if isinstance(learning_rate, LearningRateSchedule):
            return learning_rate
        if callable(learning_rate) and not isinstance(learning_rate, Tensor):
            return learning_rate
        value = _real(learning_rate)
        if value is None:
            raise ValueError(
                "Argument `learning_rate` should be a float, an instance of "
                "LearningRateSchedule, or a callable with no arguments that returns the "
                f"learning rate. Received instead: learning_rate={learning_rate!r}")
        return self._new_variable(np.array(value, dtype=np.float32), "learning_rate")

    @property
    def iterations(self):
        """The number of updates applied so far: an int64 Variable (Keras: ``iterations``).

        With gradient accumulation, the number of real updates (calls // steps), a Tensor.
        """
        if self.gradient_accumulation_steps:
            return convert_to_tensor(self._iterations.numpy() // self.gradient_accumulation_steps)
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations.assign(np.asarray(value, dtype=np.int64))

    @property
    def learning_rate(self):
        """The current learning rate.

        A float32 Variable when the rate was given as a number (``.assign`` it, or set
        ``optimizer.learning_rate = 0.01``); the schedule's value at ``iterations`` (a
        Tensor) when a ``LearningRateSchedule`` was given.
        """
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        if isinstance(lr, LearningRateSchedule):
            return convert_to_tensor(lr(self._iterations))
        return convert_to_tensor(lr())

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or (
                callable(value) and not isinstance(value, Tensor)):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument.")
        if isinstance(self._learning_rate, Variable):
            if _real(value) is None:
                raise ValueError(f"The learning rate must be a float. Received: {value!r}")
            self._learning_rate.storage[...] = _real(value)
        else:
            self._learning_rate = self._build_learning_rate(value)

    lr = learning_rate  # the Keras 2 name, getter and setter alike

    def _current_learning_rate(self) -> float:
        """The rate for this update as a Python float (the update path's only read)."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            value = float(lr.storage)
        elif isinstance(lr, LearningRateSchedule):
            value = float(np.asarray(lr(self._iterations)))
        else:
            value = float(np.asarray(lr()))
        if self.decay:
            value /= 1.0 + self.decay * int(self._iterations.storage)
        return value

    # -- variables and slots -----------------------------------------------------------
    @property
    def variables(self) -> list:
        """The optimizer's state as Variables: iterations, the learning rate, then slots.

        The order is Keras 3's, so saved optimizer weights line up.
        """
        out = [self._iterations]
        if isinstance(self._learning_rate, Variable):
            out.append(self._learning_rate)
        return out + self._slot_variables

    def build(self, var_list):
        """Registers the variables to train and creates the base class's per-variable state.

        Subclasses override it to add their slots, after ``super().build(var_list)``.
        Variables seen before are skipped, so it may be called again with new variables
        (``apply_gradients`` does that for a variable it has not seen).
        """
        for variable in var_list:
            if id(variable) in self._state:
                continue
            if not isinstance(variable, Variable):
                raise TypeError(
                    f"{type(self).__name__} can only update Variables (tf.Variable); "
                    f"received {type(variable).__name__}: {variable!r}")
            if variable.storage.dtype.kind != "f":
                raise TypeError(
                    f"{type(self).__name__} can only update floating-point variables; "
                    f"variable '{variable.name}' has dtype {variable.dtype.name}.")
            state = _VariableState(variable, len(self._trainable_variables))
            self._state[id(variable)] = state
            self._trainable_variables.append(variable)
            if self.use_ema:
                self._add_slot(state, "average", 0.0)
            if self.gradient_accumulation_steps:
                self._add_slot(state, "gradient_accumulator", 0.0)
        self.built = True

    def add_slots(self, var_list, *names, initial_value=0.0):
        """Gives each variable in ``var_list`` the named slots, filled with ``initial_value``.

        A slot is a NumPy array of the variable's shape and dtype, read in
        ``update_step`` as ``self._slots(variable).name``. Existing slots are kept.
        """
        for variable in var_list:
            state = self._state[id(variable)]
            for name in names:
                if name not in state.slot_variables:
                    self._add_slot(state, name, initial_value)

    def _add_slot(self, state, name, initial_value):
        if name in _RESERVED or not name.isidentifier():
            raise ValueError(f"Invalid slot name {name!r}.")
        ref = state.variable
        prefix = ref.path.replace("/", "_").replace(":", "_")
        slot = self._new_variable(np.full(ref.storage.shape, initial_value, ref.storage.dtype),
                                  f"{prefix}_{name}")
        state.slot_variables[name] = slot
        setattr(state, name, slot.storage)  # the same buffer: updates show in `variables`
        self._slot_variables.append(slot)

    def _slots(self, variable) -> _VariableState:
        """The state of ``variable``: its slot arrays as attributes, plus ``scratch``."""
        state = self._state.get(id(variable))
        return state if state is not None else self._flat_state

    # Keras 3's helpers, for optimizers written the Keras way.
    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="mean",
                     name=None):
        """Creates and tracks an optimizer Variable (Keras 3's ``add_variable``)."""
        shape = tuple(shape)
        dtype = np.dtype(getattr(dtype, "_np", dtype) or np.float32)
        if isinstance(initializer, str) and initializer in ("zeros", "ones"):
            value = np.full(shape, 0.0 if initializer == "zeros" else 1.0, dtype)
        elif _real(initializer) is not None:
            value = np.full(shape, _real(initializer), dtype)
        else:
            if isinstance(initializer, str):
                from ember.keras import initializers
                initializer = initializers.get(initializer)
            value = np.asarray(initializer(shape, dtype=dtype), dtype=dtype)
        variable = self._new_variable(value, name or "variable")
        self._slot_variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """An optimizer Variable with the shape and dtype of ``reference_variable``."""
        prefix = reference_variable.path.replace("/", "_").replace(":", "_")
        return self.add_variable(reference_variable.storage.shape, initializer,
                                 reference_variable.storage.dtype,
                                 name=f"{prefix}_{name or 'var'}")

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One optimizer Variable per trainable variable (a list; a tuple of lists for
        several names), as Keras 3."""
        names = [name] if isinstance(name, str) else list(name)
        out = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, n in enumerate(names):
                out[i].append(self.add_variable_from_reference(variable, n, initializer))
        return out[0] if isinstance(name, str) else out

    def _get_variable_index(self, variable) -> int:
        return self._state[id(variable)].index

    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)

    # -- weight decay --------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempts variables from weight decay.

        Args:
            var_list: Variables to exclude.
            var_names: strings; a variable whose name contains any of them is excluded
                (``var_names=["bias"]`` exempts every bias).
        """
        self._exclude_ids = {id(v) for v in (var_list or [])}
        # As Keras: the names are joined into one regular expression, searched for.
        self._exclude_pattern = re.compile("|".join(sorted(set(var_names)))) if var_names else None
        for state in self._state.values():
            state.decay = None

    def _use_weight_decay(self, variable) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        pattern = self._exclude_pattern
        return pattern is None or not (pattern.search(variable.name)
                                       or pattern.search(variable.path))

    # -- the update ----------------------------------------------------------------------
    def update_step(self, gradient, variable, learning_rate):
        """Updates one variable in place. ``gradient`` is a NumPy array, ``learning_rate``
        a Python float, ``self._t`` the 1-based step number."""
        raise TypeError(
            f"{type(self).__name__} must implement `update_step(gradient, variable, "
            "learning_rate)`.")

    def _begin_step(self, learning_rate):
        """Called once per update before the ``update_step`` calls: per-step state
        shared by all variables goes here (Nadam's momentum-schedule product)."""

    def apply_gradients(self, grads_and_vars):
        """Applies ``(gradient, variable)`` pairs: ``opt.apply_gradients(zip(grads, vars))``.

        Pairs whose gradient is None are skipped (with a warning, as Keras); gradients
        may be Tensors or NumPy arrays. Returns ``iterations``.
        """
        pairs = list(grads_and_vars)
        for pair in pairs:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise ValueError("apply_gradients expects (gradient, variable) pairs, e.g. "
                                 f"zip(gradients, model.trainable_variables). Received: {pair!r}")
        return self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads, trainable_variables=None):
        """Updates ``trainable_variables`` with ``grads`` (one gradient per variable).

        Without ``trainable_variables``, the gradients go to the variables the
        optimizer was built with, in order. Returns ``iterations``.
        """
        grads = list(grads)
        if not grads:
            return self._iterations  # nothing to train, as Keras 3
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already "
                    "be built on a list of variables. Call `optimizer.build("
                    "trainable_variables)` first.")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            state = self._state
            new = [v for v in variables if id(v) not in state]
            if new:
                first = not state
                self.build(new)
                if first:
                    self._consolidate(variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"Received {len(grads)} gradients for {len(variables)} variables; each "
                "variable needs exactly one gradient (or None).")
        kept_grads, kept_vars, missing = [], [], []
        for g, v in zip(grads, variables):
            if g is None:
                missing.append(v)
                continue
            arr = as_array(g)
            if arr.shape != v.storage.shape:
                raise ValueError(
                    f"The gradient for variable '{v.name}' has shape {arr.shape}, but the "
                    f"variable has shape {v.storage.shape}.")
            kept_grads.append(arr)
            kept_vars.append(v)
        if not kept_vars:
            raise ValueError(
                f"No gradients provided for any variable: {[v.name for v in variables]}. "
                "Check that the loss is computed from these variables inside the "
                "GradientTape (tape.gradient returns None for a variable it did not use).")
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {[v.name for v in missing]} when "
                "minimizing the loss. If using `model.compile()`, did you forget to provide "
                "a `loss` argument?", stacklevel=2)
        self._apply_arrays(kept_grads, kept_vars)
        return self._iterations

    # Subclasses whose update_step is elementwise (every built-in optimizer) can update all
    # variables as one flat array: ten NumPy calls a step instead of ten per variable.
    _elementwise_update = False

    def _consolidate(self, variables):
        """Moves ``variables`` and their slots into one flat buffer each (views per variable).

        Afterwards an update of exactly these variables is one ``update_step`` over the flat
        arrays; any other update still goes variable by variable through the same views.
        Done once, when the optimizer is first built, before any update.
        """
        self._flat = None
        own = type(self).update_step.__module__.startswith("ember.keras.optimizers.")
        if not (self._elementwise_update and own) or len(variables) < 2:
            return
        dtype = variables[0].storage.dtype
        if any(v.storage.dtype != dtype for v in variables) or len(
                {id(v) for v in variables}) != len(variables):
            return
        states = [self._state[id(v)] for v in variables]
        names = list(states[0].slot_variables)
        if any(list(st.slot_variables) != names for st in states):
            return
        sizes = [v.storage.size for v in variables]
        total = sum(sizes)
        offsets = np.cumsum([0] + sizes)

        def pool(arrays):
            flat = np.empty(total, dtype)
            views = []
            for a, lo, hi in zip(arrays, offsets[:-1], offsets[1:]):
                view = flat[lo:hi].reshape(a.shape)
                view[...] = a
                views.append(view)
            return flat, views

        flat_w, views = pool([v.storage for v in variables])
        for v, view in zip(variables, views):
            v.storage = view  # Variable.assign writes into the view, so the pool stays valid
        flat_state = _VariableState(_FlatVariable(flat_w), -1)
        for name in names:
            flat, views = pool([st.slot_variables[name].storage for st in states])
            for st, view in zip(states, views):
                st.slot_variables[name].storage = view
                setattr(st, name, view)
            setattr(flat_state, name, flat)
        flat_scratch, views = pool([st.scratch for st in states])
        for st, view in zip(states, views):
            st.scratch = view
        flat_state.scratch = flat_scratch
        grad = np.empty(total, dtype)
        # Kept apart from ``_state``: loops over the per-variable states must not see the pool.
        self._flat_state = flat_state
        self._flat = _Pool(list(variables), flat_state.variable,
                           [grad[lo:hi].reshape(v.storage.shape)
                            for v, lo, hi in zip(variables, offsets[:-1], offsets[1:])], grad)

    def _flat_update(self, grads, variables, learning_rate) -> bool:
        """One update_step over the pooled arrays, if ``variables`` is the pooled set."""
        flat = getattr(self, "_flat", None)
        if flat is None:
            return False
        pooled = flat.variables
        if len(variables) != len(pooled) or any(a is not b for a, b in zip(variables, pooled)):
            return False
        given = _tape.flat_gradients(grads)  # tape.gradient wrote them back to back
        if given is not None and given.shape == flat.grad.shape and \
                given.dtype == flat.grad.dtype:
            self.update_step(given, flat.flat_variable, learning_rate)  # reads, never writes
            return True
        for g, view in zip(grads, flat.grad_views):
            if g is not view:  # fit's backward pass wrote it there already
                np.copyto(view, g)
        self.update_step(flat.grad, flat.flat_variable, learning_rate)
        return True

    def _gradient_buffers(self, variables) -> list | None:
        """Where the next gradients of ``variables`` may be written so that the update reads
        them without a copy: the pooled gradient buffer's views, one per variable, when
        ``variables`` is exactly the pooled set (else None). Used by ``Model.train_step``
        through ``GradientTape._gradient_into``."""
        flat = getattr(self, "_flat", None)
        if flat is None:
            return None
        pooled = flat.variables
        if len(variables) != len(pooled) or any(a is not b for a, b in zip(variables, pooled)):
            return None
        return flat.grad_views

    def _buffer(self, variable):
        state = self._state[id(variable)]
        if state.grad_buffer is None:
            state.grad_buffer = np.empty_like(variable.storage)
        return state.grad_buffer

    def _apply_arrays(self, grads, variables):
        if self.loss_scale_factor is not None:
            scale = float(self.loss_scale_factor)
            grads = [np.divide(g, scale, out=self._buffer(v)) for g, v in zip(grads, variables)]
        steps = self.gradient_accumulation_steps
        if steps:
            accumulators = [self._state[id(v)].gradient_accumulator for v in variables]
            if (int(self._iterations.storage) + 1) % steps:
                for g, acc in zip(grads, accumulators):
                    acc += g
                self._finish_step()
                return
            # The update step: the mean of the accumulated gradients and this one.
            grads = [np.add(g, acc, out=self._buffer(v))
                     for g, acc, v in zip(grads, accumulators, variables)]
            for g in grads:
                g /= steps
        grads = self._clip_gradients(grads, variables)

        learning_rate = self._current_learning_rate()
        iterations = int(self._iterations.storage)
        self._t = (iterations // steps if steps else iterations) + 1
        self._begin_step(learning_rate)
        wd = self.weight_decay
        if wd:
            for v in variables:
                state = self._state[id(v)]
                if state.decay is None:
                    state.decay = self._use_weight_decay(v)
                if state.decay:
                    w = v.storage
                    np.multiply(w, wd * learning_rate, out=state.scratch)
                    w -= state.scratch
        if not self._flat_update(grads, variables, learning_rate):
            for g, v in zip(grads, variables):
                self.update_step(g, v, learning_rate)
        for v in variables:
            if v.constraint is not None:
                v.assign(v.constraint(v))
        if steps:
            for state in self._state.values():
                state.gradient_accumulator.fill(0)
        self._finish_step()

    def _finish_step(self):
        if self.use_ema:
            self._update_ema()
        np.add(self._iterations.storage, 1, out=self._iterations.storage)

    def _clip_gradients(self, grads, variables):
        if self.clipnorm:
            c = self.clipnorm
            out = []
            for g, v in zip(grads, variables):
                norm = float(np.sqrt(np.vdot(g, g)))
                out.append(np.multiply(g, c / norm, out=self._buffer(v)) if norm > c else g)
            return out
        if self.global_clipnorm:
            c = self.global_clipnorm
            norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
            if norm <= c:
                return grads
            scale = c / norm if np.isfinite(norm) else float("nan")  # Keras: NaN poisons all
            return [np.multiply(g, scale, out=self._buffer(v)) for g, v in zip(grads, variables)]
        if self.clipvalue:
            c = self.clipvalue
            return [np.clip(g, -c, c, out=self._buffer(v)) for g, v in zip(grads, variables)]
        return grads

    def _update_ema(self):
        """``average = m * average + (1 - m) * w`` for every variable (m = 0 on step 0)."""
        iterations = int(as_array(self.iterations))
        momentum = self.ema_momentum if iterations != 0 else 0.0
        for state in self._state.values():
            np.multiply(state.variable.storage, 1.0 - momentum, out=state.scratch)
            state.average *= momentum
            state.average += state.scratch
        freq = self.ema_overwrite_frequency
        if freq and (iterations + 1) % freq == 0:
            self._overwrite_with_average(self._trainable_variables)

    def _overwrite_with_average(self, var_list):
        for v in var_list:
            np.copyto(v.storage, self._state[id(v)].average)

    def finalize_variable_values(self, var_list):
        """Ends training: with ``use_ema``, copies the moving averages into the weights."""
        if self.use_ema:
            self._overwrite_with_average(var_list)

    def minimize(self, loss, var_list, tape=None):
        """Computes the gradients of ``loss`` and applies them to ``var_list``.

        Args:
            loss: a callable with no arguments returning the loss, or, with ``tape``,
                a loss tensor that ``tape`` recorded.
            var_list: the Variables to update, or a callable returning them.
            tape: the GradientTape that recorded ``loss``.

        Returns:
            ``iterations``.
        """
        if not callable(loss) and tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed. "
                             f"Received: loss={loss!r}, tape=None.")
        tape = tape if tape is not None else GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    for v in var_list:
                        tape.watch(v)
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def scale_loss(self, loss):
        """The loss times ``loss_scale_factor`` (unchanged when it is None)."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    # -- state and config ----------------------------------------------------------------
    def get_weights(self) -> list:
        """The values of ``variables`` as NumPy arrays."""
        return [np.array(v.storage) for v in self.variables]

    def set_weights(self, weights):
        """Sets ``variables`` from NumPy arrays, in place (shapes must match)."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been "
                "built. Please call `optimizer.build(trainable_variables)` to create the "
                "optimizer weights before calling `set_weights()`.")
        variables = self.variables
        if len(weights) != len(variables):
            raise ValueError(f"Optimizer '{self.name}' has {len(variables)} variables, but "
                             f"{len(weights)} weights were given.")
        for v, w in zip(variables, weights):
            w = np.asarray(w)
            if w.shape != v.storage.shape:
                raise ValueError(f"Optimizer variable '{v.path}' has shape {v.storage.shape}, "
                                 f"not compatible with the provided weight shape {w.shape}.")
            np.copyto(v.storage, w, casting="unsafe")

    def save_own_variables(self, store):
        """Writes ``variables`` into ``store`` under "0", "1", ... (Keras 3's layout)."""
        for i, v in enumerate(self.variables):
            store[str(i)] = np.array(v.storage)

    def load_own_variables(self, store):
        """Reads ``variables`` back from ``save_own_variables``' layout."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables."
                + (" This is likely because the optimizer has not been called/built yet."
                   if len(variables) <= 2 else ""), stacklevel=2)
            return
        for i, v in enumerate(variables):
            np.copyto(v.storage, np.asarray(store[str(i)]), casting="unsafe")

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-ready dict (no state)."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            learning_rate = float(lr.storage)
        elif isinstance(lr, LearningRateSchedule):
            learning_rate = _serialize_schedule(lr)
        else:
            raise ValueError(
                f"Optimizer '{self.name}' has a callable learning rate ({lr!r}), which "
                "cannot be serialized. Use a float or a LearningRateSchedule subclass that "
                "defines get_config().")
        config = {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates an optimizer from ``get_config()``'s output."""
        config = dict(config)
        for key in ("jit_compile", "is_legacy_optimizer"):  # in TF 2.11+ configs; no meaning here
            config.pop(key, None)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _deserialize_schedule(config["learning_rate"],
                                                            custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"

