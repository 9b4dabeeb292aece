"""Learning-rate schedules: the learning rate as a function of the optimizer step.

Pass one as ``learning_rate`` to any optimizer; at each update the optimizer calls
``schedule(optimizer.iterations)`` (the step before this update: 0 for the first)::

    lr = tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96)
    opt = tf.keras.optimizers.SGD(learning_rate=lr)

Every schedule here follows Keras 3's formula exactly (the docstrings give it). The
math is done in float64 and the result comes back as a float32 Tensor, as Keras does;
``step`` may be a Python number, a NumPy array or an integer tensor (an array of steps
gives an array of rates, handy for plotting a schedule).
"""

from __future__ import annotations

import difflib
import math

import numpy as np

from ember.tensor import Tensor, as_array, convert_to_tensor


class LearningRateSchedule:
    """Base class of learning-rate schedules: override ``__call__(step)`` and ``get_config``.

    Example::

        class InverseStep(tf.keras.optimizers.schedules.LearningRateSchedule):
            def __init__(self, initial_learning_rate):
                self.initial_learning_rate = initial_learning_rate

            def __call__(self, step):
                return self.initial_learning_rate / (float(step) + 1)

            def get_config(self):
                return {"initial_learning_rate": self.initial_learning_rate}
    """

    def __call__(self, step):
        raise TypeError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`__call__(self, step)`.")

    def get_config(self) -> dict:
        raise TypeError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        """Instantiates a schedule from the output of ``get_config()``."""
        return cls(**config)


def _steps(step) -> np.ndarray:
    """The step (number, array, tensor or Variable) as float64."""
    return np.asarray(as_array(step), dtype=np.float64)


def _rate(value) -> Tensor:
    return convert_to_tensor(np.asarray(value, dtype=np.float32))


def _positive(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, and the progress
    ``p = step / decay_steps`` (floored with ``staircase``) that their formulas decay by."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        _positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step) -> np.ndarray:
        p = _steps(step) / self.decay_steps
        return np.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """Exponential decay: ``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(step / decay_steps)``, so the rate
    drops in steps every ``decay_steps``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive; the rate is multiplied by ``decay_rate`` every this many steps.
        decay_rate: the factor per ``decay_steps``.
        staircase: decay at discrete intervals (default False).
        name: default ``"ExponentialDecay"``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return _rate(self.initial_learning_rate
                     * np.power(float(self.decay_rate), self._progress(step)))


class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant rate per interval of steps.

    The rate is ``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, and ``values[-1]`` once
    ``step > boundaries[-1]``. Rates are returned as float32.

    Args:
        boundaries: strictly increasing step numbers.
        values: one more rate than there are boundaries.
        name: default ``"PiecewiseConstant"``.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
            raise ValueError(f"`boundaries` must be strictly increasing. Received: {boundaries}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        # searchsorted(side="left") is the first i with step <= boundaries[i].
        i = np.searchsorted(np.asarray(self.boundaries, np.float64), _steps(step), side="left")
        return _rate(np.asarray(self.values, np.float64)[i])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from ``initial_learning_rate`` to ``end_learning_rate``::

        step = min(step, decay_steps)
        rate = (initial - end) * (1 - step / decay_steps) ** power + end

    With ``cycle=True``, ``decay_steps`` becomes the first multiple of itself that is
    at least ``step`` (one at step 0), so the decay restarts.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive; steps to reach ``end_learning_rate``.
        end_learning_rate: default 0.0001.
        power: default 1.0 (linear).
        cycle: default False.
        name: default ``"PolynomialDecay"``.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name="PolynomialDecay"):
        _positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _steps(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * np.where(step == 0, 1.0, np.ceil(step / decay_steps))
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return _rate((self.initial_learning_rate - self.end_learning_rate)
                     * np.power(1.0 - p, self.power) + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """Inverse-time decay: ``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    With ``staircase=True``, ``step / decay_steps`` is floored.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive.
        decay_rate: how fast the rate falls.
        staircase: default False.
        name: default ``"InverseTimeDecay"``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return _rate(self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step)))


class CosineDecay(LearningRateSchedule):
    """Cosine decay (Loshchilov & Hutter 2017, SGDR), with optional linear warmup (Goyal et al.).

    Without warmup (``warmup_target=None``)::

        step = min(step, decay_steps)
        rate = initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps))
                                        + alpha)

    With warmup, the rate first rises linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps``, then decays as above from ``warmup_target``
    over the next ``decay_steps``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive; steps to decay over.
        alpha: the final rate as a fraction of the decay's starting rate (default 0.0).
        name: default ``"CosineDecay"``.
        warmup_target: the rate at the end of the warmup, or None for no warmup.
        warmup_steps: steps of warmup (default 0).
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay(self, step, decay_from):
        cosine = 0.5 * (1.0 + np.cos(math.pi * step / self.decay_steps))
        return decay_from * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step = _steps(step)
        if self.warmup_target is None:
            return _rate(self._decay(np.minimum(step, self.decay_steps),
                                     self.initial_learning_rate))
        step = np.minimum(step, self.decay_steps + self.warmup_steps)
        warmup = (self.initial_learning_rate + (self.warmup_target - self.initial_learning_rate)
                  * step / max(self.warmup_steps, 1))
        decay = self._decay(step - self.warmup_steps, self.warmup_target)
        return _rate(np.where(step < self.warmup_steps, warmup, decay))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (Loshchilov & Hutter 2017, SGDR).

    The rate decays from ``initial_learning_rate`` to ``alpha * initial_learning_rate``
    over ``first_decay_steps``; then it restarts, each period ``t_mul`` times longer
    than the one before and starting from ``m_mul`` times the previous peak::

        fraction = step / first_decay_steps
        i = floor(fraction)                                      if t_mul == 1
            floor(log(1 - fraction * (1 - t_mul)) / log(t_mul))  otherwise
        fraction = fraction - i                                  if t_mul == 1
                   (fraction - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i  otherwise
        rate = initial_learning_rate * ((1 - alpha) * 0.5 * m_mul**i
                                        * (1 + cos(pi * fraction)) + alpha)

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: positive; the length of the first period.
        t_mul: growth of the period length (default 2.0).
        m_mul: growth of the peak rate per restart (default 1.0).
        alpha: the minimum rate as a fraction of ``initial_learning_rate`` (default 0.0).
        name: default ``"SGDRDecay"``.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _positive("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _steps(step) / self.first_decay_steps
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            i_restart = np.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = np.floor(np.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_mul ** i_restart
        cosine = 0.5 * self._m_mul ** i_restart * (1.0 + np.cos(math.pi * fraction))
        return _rate(self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay,
    CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule) -> dict:
    """The schedule as a JSON-ready dict in Keras 3's layout.

    ``{"module": "keras.optimizers.schedules", "class_name": ..., "config": ...,
    "registered_name": None}``
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError("serialize() expects a LearningRateSchedule. Received: "
                        f"{learning_rate_schedule!r}")
    cls = type(learning_rate_schedule)
    builtin = _SCHEDULES.get(cls.__name__) is cls
    return {"module": "keras.optimizers.schedules" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": learning_rate_schedule.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config, custom_objects=None) -> LearningRateSchedule:
    """Rebuilds a schedule from ``serialize``'s output (``{"class_name", "config"}``).

    Args:
        config: the serialized dict.
        custom_objects: ``{name: class}`` for schedules defined outside Ember.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("A serialized schedule is a dict with 'class_name' and 'config'. "
                         f"Received: {config!r}")
    name = config["class_name"]
    known = dict(_SCHEDULES)
    known.update(custom_objects or {})
    cls = known.get(name) or known.get(config.get("registered_name") or "")
    if cls is None:
        hint = difflib.get_close_matches(name, list(known), n=1)
        raise ValueError(f"Unknown learning rate schedule: '{name}'."
                         + (f" Did you mean '{hint[0]}'?" if hint else "")
                         + f" Known schedules: {sorted(_SCHEDULES)}.")
    return cls.from_config(dict(config.get("config", {})))


__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]
