"""Learning-rate schedules against Keras 3's formulas, written out with ``math``."""

import math

import numpy as np
import pytest

import ember as tf
from ember.keras import optimizers
from ember.keras.optimizers import schedules

STEPS = [0, 1, 5, 9, 10, 11, 25, 99, 100, 101, 250]


def check(schedule, formula, steps=STEPS):
    for step in steps:
        got = schedule(step)
        assert isinstance(got, tf.Tensor) and got.dtype == tf.float32
        assert float(got) == pytest.approx(formula(step), rel=1e-6, abs=1e-9), f"step {step}"


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    def formula(step):
        p = step / 10
        return 0.1 * 0.96 ** (math.floor(p) if staircase else p)
    check(schedules.ExponentialDecay(0.1, 10, 0.96, staircase=staircase), formula)


def test_piecewise_constant_decay():
    sched = schedules.PiecewiseConstantDecay([10, 100], [1.0, 0.5, 0.1])

    def formula(step):
        return 1.0 if step <= 10 else 0.5 if step <= 100 else 0.1
    check(sched, formula)


@pytest.mark.parametrize("power", [1.0, 0.5, 2.0])
def test_polynomial_decay(power):
    def formula(step):
        step = min(step, 100)
        return (0.1 - 0.01) * (1 - step / 100) ** power + 0.01
    check(schedules.PolynomialDecay(0.1, 100, 0.01, power=power), formula)


def test_polynomial_decay_cycle():
    def formula(step):
        decay_steps = 100 * (1 if step == 0 else math.ceil(step / 100))
        return (0.1 - 0.01) * (1 - step / decay_steps) ** 1.0 + 0.01
    check(schedules.PolynomialDecay(0.1, 100, 0.01, cycle=True), formula)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    def formula(step):
        p = step / 10
        return 0.1 / (1 + 0.5 * (math.floor(p) if staircase else p))
    check(schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=staircase), formula)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_cosine_decay(alpha):
    def formula(step):
        step = min(step, 100)
        return 0.1 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / 100)) + alpha)
    check(schedules.CosineDecay(0.1, 100, alpha=alpha), formula)


def test_cosine_decay_with_warmup():
    def formula(step):
        step = min(step, 100 + 10)
        if step < 10:
            return 0.0 + (0.2 - 0.0) * step / 10
        return 0.2 * 0.5 * (1 + math.cos(math.pi * (step - 10) / 100))
    check(schedules.CosineDecay(0.0, 100, warmup_target=0.2, warmup_steps=10), formula)


def _restarts(step, initial, first, t_mul, m_mul, alpha):
    fraction = step / first
    if t_mul == 1.0:
        i = math.floor(fraction)
        fraction -= i
    else:
        i = math.floor(math.log(1 - fraction * (1 - t_mul)) / math.log(t_mul))
        fraction = (fraction - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i
    return initial * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * fraction)) + alpha)


@pytest.mark.parametrize("t_mul,m_mul,alpha", [(2.0, 1.0, 0.0), (1.0, 0.5, 0.1), (1.5, 0.8, 0.0)])
def test_cosine_decay_restarts(t_mul, m_mul, alpha):
    sched = schedules.CosineDecayRestarts(0.1, 10, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    check(sched, lambda s: _restarts(s, 0.1, 10, t_mul, m_mul, alpha))
    # A restart: right after the first period the rate is back near the (scaled) peak.
    assert float(sched(10)) == pytest.approx(0.1 * ((1 - alpha) * m_mul + alpha), rel=1e-6)


def test_steps_may_be_tensors_variables_or_arrays():
    sched = schedules.ExponentialDecay(1.0, 1, 0.5)
    assert float(sched(tf.constant(2))) == 0.25
    assert float(sched(tf.Variable(np.int64(3), trainable=False))) == 0.125
    np.testing.assert_allclose(sched(np.arange(3)).numpy(), [1.0, 0.5, 0.25])


def test_optimizer_reads_the_schedule_at_its_iterations():
    sched = schedules.ExponentialDecay(1.0, 1, 0.5)
    opt = optimizers.SGD(learning_rate=sched)
    w = tf.Variable([0.0])
    for _ in range(3):
        opt.apply_gradients([(np.array([1.0], np.float32), w)])
    assert float(w.numpy()[0]) == pytest.approx(-(1.0 + 0.5 + 0.25))
    assert float(opt.learning_rate) == 0.125


@pytest.mark.parametrize("sched", [
    schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
    schedules.PiecewiseConstantDecay([5], [0.1, 0.01]),
    schedules.PolynomialDecay(0.1, 10, power=0.5, cycle=True),
    schedules.InverseTimeDecay(0.1, 10, 0.5),
    schedules.CosineDecay(0.1, 10, alpha=0.1, warmup_target=0.2, warmup_steps=3),
    schedules.CosineDecayRestarts(0.1, 10, t_mul=1.5, m_mul=0.9, alpha=0.01),
])
def test_serialize_round_trip(sched):
    blob = schedules.serialize(sched)
    assert blob["module"] == "keras.optimizers.schedules"
    assert blob["class_name"] == type(sched).__name__
    again = schedules.deserialize(blob)
    assert type(again) is type(sched) and again.get_config() == sched.get_config()
    for step in (0, 4, 7, 30):
        assert float(again(step)) == float(sched(step))


def test_custom_schedule_subclass():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / 2 ** int(step)

        def get_config(self):
            return {}

    opt = optimizers.SGD(learning_rate=Halving())
    w = tf.Variable([0.0])
    opt.apply_gradients([(np.array([1.0], np.float32), w)])
    opt.apply_gradients([(np.array([1.0], np.float32), w)])
    assert float(w.numpy()[0]) == pytest.approx(-1.5)
    blob = schedules.serialize(Halving())
    assert isinstance(schedules.deserialize(blob, custom_objects={"Halving": Halving}), Halving)


def test_errors():
    with pytest.raises(ValueError, match="decay_steps=0"):
        schedules.ExponentialDecay(0.1, 0, 0.9)
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="strictly increasing"):
        schedules.PiecewiseConstantDecay([5, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="Did you mean 'CosineDecay'"):
        schedules.deserialize({"class_name": "CosineDecai", "config": {}})
    with pytest.raises(TypeError, match="__call__"):
        schedules.LearningRateSchedule()(0)
