"""Optimizers against PyTorch 2.13 and against Keras 3's formulas written out in float64.

Where PyTorch places epsilon differently from Keras (Adam, RMSprop, Adagrad, Adamax),
the PyTorch check runs at eps = 0, where the two are the same algorithm, and a
closed-form check of the Keras formula covers the default eps.
"""

import math
import warnings

import numpy as np
import pytest

import ember as tf
from ember.keras import optimizers
from ember.keras.optimizers import schedules

try:
    import torch
except ImportError:  # the "reference" extra; the closed-form checks still run
    torch = None
requires_torch = pytest.mark.skipif(torch is None, reason="needs torch (the 'reference' extra)")

RNG = np.random.default_rng(0)
W0 = RNG.normal(size=(3, 4)).astype(np.float32)
GRADS = [RNG.normal(size=(3, 4)).astype(np.float32) for _ in range(5)]


def run_ember(opt, grads=GRADS, w0=W0):
    """Applies a fixed gradient sequence; returns the weights after each step."""
    w = tf.Variable(w0)
    out = []
    for g in grads:
        opt.apply_gradients([(g, w)])
        out.append(w.numpy())
    return out


def run_torch(make_opt, grads=GRADS, w0=W0):
    p = torch.nn.Parameter(torch.tensor(w0))
    opt = make_opt([p])
    out = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def assert_trajectories(ours, ref, atol=1e-6):
    for step, (a, b) in enumerate(zip(ours, ref)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=atol, err_msg=f"step {step + 1}")


def keras_reference(update, state, grads=GRADS, w0=W0):
    """Runs ``update(w, g, t, state)`` (float64, Keras' formula) over the gradients."""
    w = w0.astype(np.float64)
    out = []
    for t, g in enumerate(grads, start=1):
        w = update(w, g.astype(np.float64), t, state)
        out.append(w.copy())
    return out


# -- each optimizer against PyTorch -------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_matches_torch(momentum, nesterov):
    ours = run_ember(optimizers.SGD(learning_rate=0.1, momentum=momentum, nesterov=nesterov))
    ref = run_torch(lambda p: torch.optim.SGD(p, lr=0.1, momentum=momentum, nesterov=nesterov))
    assert_trajectories(ours, ref)


def test_sgd_momentum_keras_form():
    def update(w, g, t, s):
        s["v"] = 0.5 * s.get("v", 0.0) - 0.1 * g
        return w + s["v"]
    ours = run_ember(optimizers.SGD(learning_rate=0.1, momentum=0.5))
    assert_trajectories(ours, keras_reference(update, {}))


@requires_torch
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_matches_torch_at_zero_epsilon(amsgrad):
    ours = run_ember(optimizers.Adam(learning_rate=0.01, epsilon=0.0, amsgrad=amsgrad))
    ref = run_torch(lambda p: torch.optim.Adam(p, lr=0.01, eps=0.0, amsgrad=amsgrad))
    assert_trajectories(ours, ref)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_keras_formula(amsgrad):
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.01

    def update(w, g, t, s):
        m = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - b1)
        v = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * (1 - b2)
        s["m"], s["v"] = m, v
        if amsgrad:
            v = s["vhat"] = np.maximum(s.get("vhat", 0.0), v)
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return w - alpha * m / (np.sqrt(v) + eps)
    # Tiny gradients make epsilon matter.
    grads = [g * 1e-5 for g in GRADS]
    ours = run_ember(optimizers.Adam(learning_rate=lr, amsgrad=amsgrad), grads)
    assert_trajectories(ours, keras_reference(update, {}, grads))


@requires_torch
def test_adamw_matches_torch():
    ours = run_ember(optimizers.AdamW(learning_rate=0.01, weight_decay=0.1, epsilon=0.0))
    ref = run_torch(lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=0.0))
    assert_trajectories(ours, ref)


@requires_torch
@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_rmsprop_matches_torch_at_zero_epsilon(centered, momentum):
    ours = run_ember(optimizers.RMSprop(learning_rate=0.01, rho=0.9, momentum=momentum,
                                        epsilon=0.0, centered=centered))
    ref = run_torch(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0,
                                                  momentum=momentum, centered=centered))
    assert_trajectories(ours, ref)


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_keras_formula(centered):
    rho, eps, lr, mom = 0.9, 1e-7, 0.01, 0.5

    def update(w, g, t, s):
        s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
        den = s["v"] + eps
        if centered:
            s["mg"] = rho * s.get("mg", 0.0) + (1 - rho) * g
            den = s["v"] - s["mg"] ** 2 + eps
        s["mom"] = mom * s.get("mom", 0.0) + lr * g / np.sqrt(den)
        return w - s["mom"]
    grads = [g * 1e-3 for g in GRADS]
    ours = run_ember(optimizers.RMSprop(learning_rate=lr, momentum=mom, centered=centered), grads)
    assert_trajectories(ours, keras_reference(update, {}, grads))


def test_rmsprop_keras_golden_value():
    # The example in Keras 3's RMSprop docstring.
    opt = optimizers.RMSprop(learning_rate=0.1)
    var1 = tf.Variable(10.0)
    opt.minimize(lambda: (var1 ** 2) / 2.0, [var1])
    assert float(var1) == pytest.approx(9.683772, abs=1e-6)


@requires_torch
def test_adagrad_matches_torch_at_zero_epsilon():
    ours = run_ember(optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=0.1,
                                        epsilon=0.0))
    ref = run_torch(lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1,
                                                  eps=0.0))
    assert_trajectories(ours, ref)


def test_adagrad_keras_formula():
    def update(w, g, t, s):
        s["acc"] = s.get("acc", 0.1) + g * g
        return w - 0.001 * g / np.sqrt(s["acc"] + 1e-7)
    assert_trajectories(run_ember(optimizers.Adagrad()), keras_reference(update, {}))


@requires_torch
def test_adadelta_matches_torch():
    ours = run_ember(optimizers.Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-6))
    ref = run_torch(lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-6))
    assert_trajectories(ours, ref)


def test_adadelta_keras_formula():
    rho, eps, lr = 0.95, 1e-7, 0.5

    def update(w, g, t, s):
        s["eg"] = rho * s.get("eg", 0.0) + (1 - rho) * g * g
        delta = np.sqrt(s.get("ed", 0.0) + eps) / np.sqrt(s["eg"] + eps) * g
        s["ed"] = rho * s.get("ed", 0.0) + (1 - rho) * delta * delta
        return w - lr * delta
    ours = run_ember(optimizers.Adadelta(learning_rate=lr))
    assert_trajectories(ours, keras_reference(update, {}))


@requires_torch
def test_adamax_matches_torch_at_zero_epsilon():
    ours = run_ember(optimizers.Adamax(learning_rate=0.01, epsilon=0.0))
    ref = run_torch(lambda p: torch.optim.Adamax(p, lr=0.01, eps=0.0))
    assert_trajectories(ours, ref)


def test_adamax_keras_formula():
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.01

    def update(w, g, t, s):
        s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - b1)
        s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g))
        return w - lr * s["m"] / ((1 - b1 ** t) * (s["u"] + eps))
    grads = [g * 1e-5 for g in GRADS]
    ours = run_ember(optimizers.Adamax(learning_rate=lr), grads)
    assert_trajectories(ours, keras_reference(update, {}, grads))


@requires_torch
def test_nadam_matches_torch():
    ours = run_ember(optimizers.Nadam(learning_rate=0.01))
    ref = run_torch(lambda p: torch.optim.NAdam(p, lr=0.01, eps=1e-7, momentum_decay=1.0))
    assert_trajectories(ours, ref)


def test_lion_keras_formula():
    b1, b2, lr = 0.9, 0.99, 0.01

    def update(w, g, t, s):
        w = w - lr * np.sign(b1 * s.get("m", 0.0) + (1 - b1) * g)
        s["m"] = b2 * s.get("m", 0.0) + (1 - b2) * g
        return w
    ours = run_ember(optimizers.Lion(learning_rate=lr))
    assert_trajectories(ours, keras_reference(update, {}))


@requires_torch
def test_sgd_on_a_real_loss_matches_torch():
    # Gradients that depend on the weights: a least-squares problem, 20 steps.
    x = RNG.normal(size=(8, 4)).astype(np.float32)
    y = RNG.normal(size=(8, 3)).astype(np.float32)
    w = tf.Variable(np.zeros((4, 3), np.float32))
    opt = optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True)
    pt = torch.nn.Parameter(torch.zeros(4, 3))
    topt = torch.optim.SGD([pt], lr=0.05, momentum=0.9, nesterov=True)
    for _ in range(20):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((tf.matmul(x, w) - y) ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        topt.zero_grad()
        ((torch.tensor(x) @ pt - torch.tensor(y)) ** 2).mean().backward()
        topt.step()
    np.testing.assert_allclose(w.numpy(), pt.detach().numpy(), atol=1e-6)


# -- clipping, weight decay, EMA, accumulation ----------------------------------------

def _sgd_steps(grads_by_var, **kwargs):
    """One SGD(lr=1) step on zero variables: the result is minus the processed gradient."""
    ws = [tf.Variable(np.zeros_like(g)) for g in grads_by_var]
    optimizers.SGD(learning_rate=1.0, **kwargs).apply_gradients(zip(grads_by_var, ws))
    return [-w.numpy() for w in ws]


def test_clipnorm_clips_each_gradient():
    g1 = np.array([3.0, 4.0], np.float32)  # norm 5
    g2 = np.array([0.3, 0.4], np.float32)  # norm 0.5: untouched
    c1, c2 = _sgd_steps([g1, g2], clipnorm=1.0)
    np.testing.assert_allclose(c1, g1 / 5.0, rtol=1e-6)
    np.testing.assert_allclose(c2, g2, rtol=1e-6)


def test_global_clipnorm_scales_all_gradients_together():
    g1 = np.array([3.0, 0.0], np.float32)
    g2 = np.array([0.0, 4.0], np.float32)  # global norm 5
    c1, c2 = _sgd_steps([g1, g2], global_clipnorm=2.5)
    np.testing.assert_allclose(c1, g1 * 0.5, rtol=1e-6)
    np.testing.assert_allclose(c2, g2 * 0.5, rtol=1e-6)


def test_clipvalue_clips_elementwise():
    g = np.array([-3.0, 0.2, 7.0], np.float32)
    (c,) = _sgd_steps([g], clipvalue=0.5)
    np.testing.assert_allclose(c, [-0.5, 0.2, 0.5])


def test_clipping_leaves_the_callers_gradient_alone():
    g = np.array([3.0, 4.0], np.float32)
    _sgd_steps([g], clipnorm=1.0)
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_only_one_clipping_argument():
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_is_decoupled_and_excludable():
    w = tf.Variable(np.array([1.0, -2.0], np.float32), name="kernel")
    b = tf.Variable(np.array([1.0, -2.0], np.float32), name="bias")
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    g = np.array([0.2, 0.2], np.float32)
    opt.apply_gradients([(g, w), (g, b)])
    # Keras 3: w -= w * wd * lr, then the update.
    np.testing.assert_allclose(w.numpy(), np.array([1.0, -2.0]) * (1 - 0.05) - 0.1 * 0.2,
                               rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), np.array([1.0, -2.0]) - 0.1 * 0.2, rtol=1e-6)


def test_exclude_from_weight_decay_by_variable():
    w = tf.Variable(np.ones(2, np.float32))
    opt = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[w])
    ref = tf.Variable(np.ones(2, np.float32))
    ref_opt = optimizers.Adam(learning_rate=0.1)
    g = np.ones(2, np.float32)
    opt.apply_gradients([(g, w)])
    ref_opt.apply_gradients([(g, ref)])
    np.testing.assert_allclose(w.numpy(), ref.numpy())


def test_ema_tracks_the_average_and_finalize_copies_it():
    w = tf.Variable(np.array([0.0], np.float32))
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    avg, traj = None, []
    for i in range(4):
        opt.apply_gradients([(np.array([-1.0], np.float32), w)])  # w = i + 1
        value = float(w.numpy()[0])
        avg = value if i == 0 else 0.5 * avg + 0.5 * value
        traj.append(value)
    assert traj == [1.0, 2.0, 3.0, 4.0]
    opt.finalize_variable_values([w])
    assert float(w.numpy()[0]) == pytest.approx(avg)


def test_ema_overwrite_frequency():
    w = tf.Variable(np.array([0.0], np.float32))
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5,
                         ema_overwrite_frequency=2)
    opt.apply_gradients([(np.array([-1.0], np.float32), w)])  # w=1, avg=1
    opt.apply_gradients([(np.array([-1.0], np.float32), w)])  # w=2, avg=1.5, overwritten
    assert float(w.numpy()[0]) == pytest.approx(1.5)


def test_gradient_accumulation_updates_every_n_steps_with_the_mean():
    w = tf.Variable(np.array([0.0], np.float32))
    opt = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=2)
    opt.apply_gradients([(np.array([1.0], np.float32), w)])
    assert float(w.numpy()[0]) == 0.0 and int(opt.iterations) == 0
    opt.apply_gradients([(np.array([3.0], np.float32), w)])
    assert float(w.numpy()[0]) == pytest.approx(-2.0) and int(opt.iterations) == 1
    opt.apply_gradients([(np.array([5.0], np.float32), w)])
    opt.apply_gradients([(np.array([7.0], np.float32), w)])
    assert float(w.numpy()[0]) == pytest.approx(-8.0) and int(opt.iterations) == 2


def test_gradient_accumulation_adam_counts_real_updates():
    # Two accumulated calls with g and g are one Adam step with g.
    opt = optimizers.Adam(learning_rate=0.1, gradient_accumulation_steps=2)
    w = tf.Variable(W0)
    for g in GRADS[:2]:
        opt.apply_gradients([(g, w)])
        opt.apply_gradients([(g, w)])
    ref = run_ember(optimizers.Adam(learning_rate=0.1), GRADS[:2])[-1]
    np.testing.assert_allclose(w.numpy(), ref, atol=1e-6)


def test_loss_scale_factor_unscales_gradients():
    w = tf.Variable(np.array([0.0], np.float32))
    opt = optimizers.SGD(learning_rate=1.0, loss_scale_factor=4.0)
    assert float(opt.scale_loss(tf.constant(2.0))) == 8.0
    opt.apply_gradients([(np.array([8.0], np.float32), w)])
    assert float(w.numpy()[0]) == pytest.approx(-2.0)


def test_constraint_is_applied_after_the_update():
    w = tf.Variable(np.array([0.5, -0.5], np.float32),
                    constraint=lambda v: tf.maximum(v, 0.0))
    optimizers.SGD(learning_rate=1.0).apply_gradients([(np.array([1.0, 1.0], np.float32), w)])
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])


# -- the apply contract -----------------------------------------------------------------

def test_updates_in_place():
    w = tf.Variable(W0)
    buf = w._value
    for opt in (optimizers.SGD(momentum=0.9), optimizers.Adam(), optimizers.Nadam()):
        opt.apply_gradients(zip([tf.constant(GRADS[0])], [w]))
        assert w._value is buf
    assert w._value.dtype == np.float32


def test_none_gradients_are_skipped_with_a_warning():
    a, b = tf.Variable([1.0]), tf.Variable([1.0])
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(np.array([1.0], np.float32), a), (None, b)])
    assert float(a.numpy()[0]) == 0.0 and float(b.numpy()[0]) == 1.0
    assert int(opt.iterations) == 1


def test_all_none_gradients_raise():
    w = tf.Variable([1.0])
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        optimizers.Adam().apply_gradients(zip([None], [w]))


def test_gradient_shape_mismatch_names_the_variable():
    w = tf.Variable(np.zeros((2, 3), np.float32), name="kernel")
    with pytest.raises(ValueError, match="kernel.*shape"):
        optimizers.SGD().apply_gradients([(np.zeros((3, 2), np.float32), w)])


def test_non_variables_and_integer_variables_are_refused():
    with pytest.raises(TypeError, match="Variable"):
        optimizers.SGD().apply_gradients([(np.zeros(2), tf.constant([1.0, 2.0]))])
    with pytest.raises(TypeError, match="floating-point"):
        optimizers.SGD().apply_gradients([(np.zeros(2), tf.Variable([1, 2]))])


def test_iterations_is_a_non_trainable_int64_variable():
    opt = optimizers.Adam()
    assert isinstance(opt.iterations, tf.Variable)
    assert opt.iterations.dtype == tf.int64 and not opt.iterations.trainable
    w = tf.Variable([1.0])
    for i in range(3):
        opt.apply_gradients([(np.array([1.0], np.float32), w)])
        assert int(opt.iterations) == i + 1


def test_variables_registered_late_get_their_slots():
    a, b = tf.Variable(W0), tf.Variable(W0)
    opt = optimizers.Adam(learning_rate=0.01)
    opt.apply_gradients([(GRADS[0], a)])
    opt.apply_gradients([(GRADS[1], a), (GRADS[1], b)])
    # b's first step is Adam's step t=2 from zero moments, computed independently:
    ref = optimizers.Adam(learning_rate=0.01)
    c = tf.Variable(W0)
    ref.iterations.assign(1)
    ref.apply_gradients([(GRADS[1], c)])
    np.testing.assert_allclose(b.numpy(), c.numpy())
    assert len(opt.variables) == 2 + 2 * 2


def test_apply_without_variables_uses_the_built_order():
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([np.ones(1)])
    opt.build([a, b])
    opt.apply([np.array([1.0]), np.array([2.0])])
    assert float(a.numpy()[0]) == 0.0 and float(b.numpy()[0]) == 0.0


def test_variables_order_is_keras():
    a, b = tf.Variable([1.0], name="a"), tf.Variable([1.0], name="b")
    opt = optimizers.Adam()
    opt.build([a, b])
    names = [v.name for v in opt.variables]
    assert names == ["iteration", "learning_rate", "a_momentum", "a_velocity",
                     "b_momentum", "b_velocity"]
    nadam = optimizers.Nadam()
    nadam.build([a])
    assert [v.name for v in nadam.variables][-1] == "u_product"


def test_weights_round_trip():
    w = tf.Variable(W0)
    opt = optimizers.Adam()
    opt.apply_gradients([(GRADS[0], w)])
    saved = opt.get_weights()
    opt.apply_gradients([(GRADS[1], w)])
    opt.set_weights(saved)
    for v, s in zip(opt.variables, saved):
        np.testing.assert_array_equal(v.numpy(), s)
    store = {}
    opt.save_own_variables(store)
    fresh = optimizers.Adam()
    fresh.build([tf.Variable(W0)])
    fresh.load_own_variables(store)
    assert int(fresh.iterations) == 1


# -- learning rate ----------------------------------------------------------------------

def test_learning_rate_is_a_settable_variable():
    opt = optimizers.SGD(learning_rate=0.5)
    assert isinstance(opt.learning_rate, tf.Variable)
    assert float(opt.learning_rate) == 0.5
    w = tf.Variable([0.0])
    opt.learning_rate = 0.25
    opt.apply_gradients([(np.array([1.0], np.float32), w)])
    assert float(w.numpy()[0]) == pytest.approx(-0.25)
    opt.learning_rate.assign(0.125)
    opt.apply_gradients([(np.array([1.0], np.float32), w)])
    assert float(w.numpy()[0]) == pytest.approx(-0.375)
    opt.lr = 1.0
    assert float(opt.lr) == 1.0 and opt.lr is opt.learning_rate


def test_lr_keyword_alias():
    assert float(optimizers.Adam(lr=0.02).learning_rate) == pytest.approx(0.02)
    assert optimizers.SGD(lr=0.3).get_config()["learning_rate"] == pytest.approx(0.3)


def test_legacy_decay_is_time_based():
    w = tf.Variable([0.0])
    opt = optimizers.SGD(learning_rate=1.0, decay=0.5)
    expected = 0.0
    for it in range(3):
        opt.apply_gradients([(np.array([1.0], np.float32), w)])
        expected -= 1.0 / (1.0 + 0.5 * it)
    assert float(w.numpy()[0]) == pytest.approx(expected)


def test_schedule_learning_rate():
    sched = schedules.PiecewiseConstantDecay([1], [1.0, 0.5])
    opt = optimizers.SGD(learning_rate=sched)
    w = tf.Variable([0.0])
    seen = []
    for _ in range(3):
        seen.append(float(opt.learning_rate))
        opt.apply_gradients([(np.array([1.0], np.float32), w)])
    assert seen == [1.0, 1.0, 0.5]
    assert float(w.numpy()[0]) == pytest.approx(-2.5)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


def test_callable_learning_rate():
    opt = optimizers.SGD(learning_rate=lambda: 0.5)
    w = tf.Variable([0.0])
    opt.apply_gradients([(np.array([1.0], np.float32), w)])
    assert float(w.numpy()[0]) == pytest.approx(-0.5)


def test_bad_learning_rate_is_echoed():
    with pytest.raises(ValueError, match="learning_rate='fast'"):
        optimizers.Adam(learning_rate="fast")


# -- minimize ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,lr", [("sgd", 0.1), ("adam", 0.1), ("rmsprop", 0.1),
                                     ("nadam", 0.1), ("adamax", 0.1), ("adagrad", 1.0),
                                     ("adadelta", 50.0), ("lion", 0.02)])
def test_minimize_converges_on_a_quadratic(name, lr):
    x = tf.Variable([3.0, -2.0])
    target = tf.constant([1.0, 0.5])
    opt = optimizers.get({"class_name": name, "config": {"learning_rate": lr}})
    for _ in range(300):
        opt.minimize(lambda: tf.reduce_sum((x - target) ** 2), [x])
    # Lion moves by lr * sign(.) with a slow momentum, so it circles the optimum.
    np.testing.assert_allclose(x.numpy(), target.numpy(), atol=0.1 if name == "lion" else 0.02)


def test_minimize_with_a_tape_and_a_tensor_loss():
    x = tf.Variable(2.0)
    opt = optimizers.SGD(learning_rate=0.25)
    with tf.GradientTape() as tape:
        loss = x * x
    opt.minimize(loss, [x], tape=tape)
    assert float(x) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="`tape` is required"):
        opt.minimize(x * x, [x])


# -- lookup and config ------------------------------------------------------------------

@pytest.mark.parametrize("name,cls", [
    ("sgd", optimizers.SGD), ("SGD", optimizers.SGD), ("adam", optimizers.Adam),
    ("Adam", optimizers.Adam), ("adamw", optimizers.AdamW), ("RMSprop", optimizers.RMSprop),
    ("rmsprop", optimizers.RMSprop), ("adagrad", optimizers.Adagrad),
    ("adadelta", optimizers.Adadelta), ("adamax", optimizers.Adamax),
    ("nadam", optimizers.Nadam), ("Lion", optimizers.Lion)])
def test_get_resolves_names(name, cls):
    assert type(optimizers.get(name)) is cls


def test_get_instances_classes_and_dicts():
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt
    assert isinstance(optimizers.get(optimizers.SGD), optimizers.SGD)
    got = optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.5}})
    assert float(got.learning_rate) == 0.5
    assert optimizers.get(None) is None


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError) as e:
        optimizers.get("adamm")
    msg = str(e.value)
    assert "Could not interpret optimizer identifier: 'adamm'" in msg
    assert "Did you mean 'adam'?" in msg
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(42)


def test_defaults_are_keras_3():
    assert optimizers.SGD().get_config()["learning_rate"] == pytest.approx(0.01)
    adam = optimizers.Adam().get_config()
    assert (adam["beta_1"], adam["beta_2"], adam["epsilon"], adam["amsgrad"]) == (
        0.9, 0.999, 1e-7, False)
    assert optimizers.AdamW().weight_decay == 0.004
    rms = optimizers.RMSprop()
    assert (rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.9, 0.0, 1e-7, False)
    ada = optimizers.Adagrad()
    assert (ada.initial_accumulator_value, ada.epsilon) == (0.1, 1e-7)
    assert optimizers.Adadelta().rho == 0.95
    for cls in (optimizers.Adam, optimizers.Adamax, optimizers.Nadam, optimizers.RMSprop,
                optimizers.Adagrad, optimizers.Adadelta):
        assert float(cls().learning_rate) == pytest.approx(0.001)
    assert optimizers.Adam().name == "adam"


@pytest.mark.parametrize("cls", optimizers.ALL_OBJECTS)
def test_config_round_trip(cls):
    opt = cls(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.9), clipnorm=1.0)
    blob = optimizers.serialize(opt)
    assert blob["class_name"] == cls.__name__
    assert blob["config"]["learning_rate"]["class_name"] == "ExponentialDecay"
    again = optimizers.deserialize(blob)
    assert type(again) is cls and again.get_config() == opt.get_config()
    plain = cls(learning_rate=0.5)
    assert cls.from_config(plain.get_config()).get_config() == plain.get_config()


def test_bad_arguments_are_echoed():
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(betas=(0.9, 0.99))
    with pytest.raises(ValueError, match="beta_1=1.5"):
        optimizers.Adam(beta_1=1.5)
    with pytest.raises(ValueError, match="momentum=-1"):
        optimizers.SGD(momentum=-1)
    with pytest.raises(ValueError, match="weight_decay=None"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.SGD(gradient_accumulation_steps=1)


def test_keras_style_subclass():
    """An optimizer written the Keras 3 way (ops on Variables) runs unchanged."""
    class PlainSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def build(self, var_list):
            if self.built:
                return
            super().build(var_list)
            self.velocities = [self.add_variable_from_reference(v, "velocity")
                               for v in var_list]

        def update_step(self, gradient, variable, learning_rate):
            vel = self.velocities[self._get_variable_index(variable)]
            self.assign(vel, tf.multiply(gradient, learning_rate))
            self.assign_sub(variable, vel)

    w = tf.Variable([1.0, 2.0])
    opt = PlainSGD()
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [0.9, 1.9])
    assert opt.name == "plain_sgd" and len(opt.variables) == 3


def test_no_warnings_on_a_plain_step():
    w = tf.Variable(W0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.Adam().apply_gradients([(GRADS[0], w)])


def test_legacy_namespace_gives_the_current_optimizers():
    # Keras 2 notebooks: tf.keras.optimizers.legacy.Adam(learning_rate=...).
    import ember as tf
    opt = tf.keras.optimizers.legacy.Adam(learning_rate=0.01)
    assert isinstance(opt, tf.keras.optimizers.Adam)
    assert tf.keras.optimizers.legacy.SGD is tf.keras.optimizers.SGD
