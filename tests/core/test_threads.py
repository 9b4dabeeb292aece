"""The BLAS thread policy (ember/threads.py): one thread for small matmuls, more for large."""

import sys

import numpy as np
import pytest

import ember as tf
from ember import threads
from ember.ops import nn as nn_ops

threadpoolctl = pytest.importorskip("threadpoolctl")


@pytest.fixture
def fresh_policy(monkeypatch):
    """Runs a test from a policy not yet set up, and restores the process's BLAS after."""
    before = {name: getattr(threads, name) for name in ("_controller", "_default", "_limit",
                                                        "_reason")}
    with threadpoolctl.threadpool_limits(None):  # restores NumPy's BLAS threads on exit
        monkeypatch.setattr(threads, "_controller", threads._UNSET)
        monkeypatch.setattr(threads, "_limit", None)
        monkeypatch.setattr(threads, "_parts_used", False)  # other tests' convolutions
        yield
    for name, value in before.items():
        setattr(threads, name, value)


@pytest.fixture
def two_threads(fresh_policy, monkeypatch):
    """A fresh policy allowed two BLAS threads, both mid-sized tiers not yet calibrated."""
    threads.set_blas_threads(2)
    monkeypatch.setattr(threads, "_ADAPTIVE", threads._Adaptive())
    monkeypatch.setattr(threads, "_ADAPTIVE_LOWER", threads._Adaptive())


def _operands(seed, rows=128):
    """float32 x (rows, 784) and w (784, 128): the seed MLP's first product."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((rows, 784)).astype(np.float32),
            rng.standard_normal((784, 128)).astype(np.float32))


def _numpy_blas_threads():
    return [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"
            and "numpy" in p["filepath"]]


def test_first_matmul_leaves_one_blas_thread(fresh_policy):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = np.ones((4, 2), np.float32)
    np.testing.assert_array_equal(tf.matmul(a, b).numpy(), a @ b)
    assert all(n == 1 for n in _numpy_blas_threads())
    assert threads.blas_threads() == threads._default >= 1


def test_large_matmul_uses_the_limit_then_returns_to_one(fresh_policy, monkeypatch):
    threads.set_blas_threads(2)
    monkeypatch.setattr(threads, "LARGE_MATMUL", 4 * 5 * 6)
    calls = []
    real_set = threads._set
    monkeypatch.setattr(threads, "_set", lambda n: (calls.append(n), real_set(n)))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    w = rng.standard_normal((5, 6)).astype(np.float32)
    y = nn_ops.dense(x, w, activation="relu")  # the fused Dense op goes through the policy too
    np.testing.assert_allclose(y.numpy(), np.maximum(x @ w, 0), rtol=1e-6)
    assert calls == [2, 1]
    calls.clear()
    tf.matmul(x[:, :4], w[:4, :5])  # 4·4·5 multiply-adds: below the threshold
    assert calls == []


def test_set_blas_threads_validates_and_zero_restores_the_default(fresh_policy):
    threads.set_blas_threads(1)
    assert threads.blas_threads() == 1
    assert "up to 1 from" in threads.describe()
    threads.set_blas_threads(0)
    assert threads.blas_threads() == threads._default
    for bad in (-1, 1.5, "2", True):
        with pytest.raises(ValueError, match="non-negative integer"):
            threads.set_blas_threads(bad)


def test_without_threadpoolctl_blas_keeps_its_default(fresh_policy, monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails as if not installed
    before = _numpy_blas_threads()
    a = np.ones((8, 8), np.float32)
    np.testing.assert_array_equal(tf.matmul(a, a).numpy(), a @ a)
    assert threads.blas_threads() == 0
    assert "threadpoolctl is not installed" in threads.describe()
    threads.set_blas_threads(2)  # accepted, nothing to apply
    assert _numpy_blas_threads() == before


def test_mid_matmuls_calibrate_then_keep_the_faster_setting():
    policy = threads._Adaptive()
    work = 1 << 24
    modes = [policy.choose(0.0) for _ in range(threads.CALIBRATE)]
    assert modes == [1, "many"] * (threads.CALIBRATE // 2)  # alternate while calibrating
    policy.reset()
    for _ in range(threads.CALIBRATE):
        mode = policy.choose(0.0)
        policy.observe(mode, work, 200e-6 if mode == 1 else 120e-6, 0.0)
    assert policy.keep == "many"
    assert [policy.choose(1.0) for _ in range(5)] == ["many"] * 5  # kept, not re-decided
    # Threads that do not gain are not kept.
    policy.reset()
    for _ in range(threads.CALIBRATE):
        mode = policy.choose(0.0)
        policy.observe(mode, work, 200e-6 if mode == 1 else 260e-6, 0.0)
    assert policy.keep == 1 and policy.choose(5.0) == 1
    # Under load most two-thread calls stall, though the best of them is fast: the median
    # decides, so one thread is kept.
    policy.reset()
    for i in range(threads.CALIBRATE):
        mode = policy.choose(0.0)
        many = 120e-6 if i == 1 else 34e-3
        policy.observe(mode, work, 200e-6 if mode == 1 else many, 0.0)
    assert policy.keep == 1


def _kept_threads(work):
    """A policy calibrated on a quiet machine: 200 µs on one thread, 120 µs on two."""
    policy = threads._Adaptive()
    for _ in range(threads.CALIBRATE):
        mode = policy.choose(0.0)
        policy.observe(mode, work, 200e-6 if mode == 1 else 120e-6, 0.0)
    assert policy.keep == "many"
    return policy


def test_two_stalls_in_a_row_hold_the_threads_back_with_a_growing_hold():
    work = 1 << 24
    policy = _kept_threads(work)
    stalled = 34e-3  # what two threads took with one busy process beside them
    policy.observe("many", work, stalled, 10.0)  # one alone may be a hiccup: still kept
    assert policy.choose(10.0) == "many" and policy.stalls == 0
    policy.observe("many", work, stalled, 10.0)
    assert policy.stalls == 1
    assert policy.choose(10.5) == 1  # held for HOLD_S
    assert policy.choose(10.0 + threads.HOLD_S) == "many"  # then tried again
    policy.observe("many", work, stalled, 11.0)
    policy.observe("many", work, stalled, 11.0)
    assert policy.choose(11.0 + threads.HOLD_S) == 1  # the hold doubled
    assert policy.choose(11.0 + 2 * threads.HOLD_S) == "many"
    for _ in range(threads.WINDOW):  # a window of good calls resets the hold
        policy.observe("many", work, 130e-6, 13.0, one=200e-6)
    assert policy.hold == threads.HOLD_S


def test_a_window_of_threaded_calls_slower_than_one_thread_holds_them_back():
    # One busy process: the threads no longer stall tenfold, but lose to one thread.
    work = 1 << 24
    policy = _kept_threads(work)
    for i in range(threads.WINDOW - 1):
        policy.observe("many", work, 300e-6 if i % 2 else 150e-6, 5.0, one=200e-6)
    assert policy.choose(5.0) == "many" and policy.stalls == 0  # not judged before a window
    policy.observe("many", work, 300e-6, 5.0, one=200e-6)
    assert policy.stalls == 1 and policy.choose(5.5) == 1
    assert policy.choose(5.0 + threads.HOLD_S) == "many"
    for _ in range(threads.WINDOW):  # quiet again: kept, and the next hold is short again
        policy.observe("many", work, 120e-6, 7.0, one=200e-6)
    assert policy.choose(7.0) == "many" and policy.hold == threads.HOLD_S


def test_the_window_judges_each_product_against_its_own_shape_on_one_thread():
    # A skinny product of the tier (1024x256 @ 256x10) is ~3x slower per multiply-add than
    # the calibration product on any thread count: slower than the calibration's one-thread
    # rate, yet faster than itself on one thread. It must not hold the threads back.
    work = 1 << 24
    policy = _kept_threads(work)  # 200 µs on one thread for this work
    for _ in range(3 * threads.WINDOW):
        policy.observe("many", work, 450e-6, 9.0, one=600e-6)
    assert policy.stalls == 0 and policy.choose(9.0) == "many"
    # A shape not yet timed on one thread stays out of the window (its rate per
    # multiply-add says nothing certain); tenfold stalls still count.
    for _ in range(3 * threads.WINDOW):
        policy.observe("many", work, 450e-6, 9.0)
    assert policy.stalls == 0 and policy.choose(9.0) == "many"


def test_a_shape_is_timed_on_one_thread_the_second_time_it_comes(two_threads):
    x, w = _operands(5)
    # The first call calibrates the upper tier into a scratch array, then computes the
    # product on the kept setting: the shape's first threaded call.
    first = threads.matmul(x, w)
    tier = threads._ADAPTIVE
    if tier.keep != "many":
        pytest.skip("two threads did not gain on this machine: no threaded calls to judge")
    key = (x.shape, x.strides, w.shape, w.strides, x.dtype.char)
    assert tier.sightings.get(key) == 1 and key not in tier.one
    np.testing.assert_array_equal(threads.matmul(x, w), first)  # timed into a scratch array
    assert key in tier.one and tier.one[key] > 0 and key not in tier.sightings
    np.testing.assert_array_equal(threads.matmul(x, w), first)
    assert list(tier.one) == [key]  # measured once


def test_op_determinism_keeps_mid_matmuls_on_one_thread(monkeypatch):
    monkeypatch.setattr(threads, "_ADAPTIVE", threads._Adaptive())
    monkeypatch.setattr(threads, "_ADAPTIVE_LOWER", threads._Adaptive())
    tf.config.experimental.enable_op_determinism()
    try:
        for tier in (threads._ADAPTIVE, threads._ADAPTIVE_LOWER):
            assert all(tier.choose(0.0) == 1 for _ in range(20))
            assert "op determinism" in tier.describe()
    finally:
        threads.set_deterministic(False)


def test_mid_matmul_results_match_numpy_whatever_the_threads(two_threads, monkeypatch):
    x, w = _operands(1)
    calls = []
    real_set = threads._set
    monkeypatch.setattr(threads, "_set", lambda n: (calls.append(n), real_set(n)))
    for _ in range(threads.CALIBRATE + 2):
        np.testing.assert_allclose(threads.matmul(x, w), x @ w, rtol=1e-4, atol=1e-3)
    assert calls.count(2) >= threads.CALIBRATE // 2  # the calibration tried the threads
    assert threads._ADAPTIVE.keep in (1, "many")
    assert all(n == 1 for n in _numpy_blas_threads())  # back to one thread after each call


def test_results_do_not_change_while_the_policy_calibrates(two_threads):
    # The calibration runs on a scratch array before the first mid-sized product, so the
    # first result already comes from the kept setting: the same inputs, the same bits.
    x, w = _operands(2, rows=256)
    first = threads.matmul(x, w)
    assert threads._ADAPTIVE.keep in (1, "many")
    for _ in range(3):
        np.testing.assert_array_equal(threads.matmul(x, w), first)


def test_the_two_mid_tiers_calibrate_apart(two_threads, monkeypatch):
    """A 2^20 product calibrates the lower tier only; a 2^23.6 one the upper tier."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((128, 128)).astype(np.float32)
    b = rng.standard_normal((128, 64)).astype(np.float32)
    np.testing.assert_allclose(threads.matmul(a, b), a @ b, rtol=1e-4, atol=1e-4)
    assert threads._ADAPTIVE_LOWER.keep in (1, "many") and threads._ADAPTIVE.keep is None
    x, w = _operands(3)
    np.testing.assert_allclose(threads.matmul(x, w), x @ w, rtol=1e-4, atol=1e-3)
    assert threads._ADAPTIVE.keep in (1, "many")
    small = rng.standard_normal((64, 64)).astype(np.float32)  # under 2^20: one thread, as is
    calls = []
    monkeypatch.setattr(threads, "_set", lambda n: calls.append(n))
    threads.matmul(small, small)
    assert calls == []
    assert "from 8,388,608" in threads.describe()


def test_the_direct_openblas_setter_sets_what_threadpoolctl_reads(fresh_policy):
    threads.set_blas_threads(2)
    assert threads._setters["for"] is threads._controller
    threads._set(2)
    assert all(n == 2 for n in _numpy_blas_threads())
    threads._set(1)
    assert all(n == 1 for n in _numpy_blas_threads())


def test_once_an_op_splits_its_batch_mid_sized_matmuls_stay_on_one_thread(two_threads,
                                                                           monkeypatch):
    if threads.workers() < 2:
        pytest.skip("one core: ops do not split their batch")
    x, w = _operands(4)
    assert threads.run_parts(lambda a: a * 2, [(1,), (2,)]) == [2, 4]
    calls = []
    monkeypatch.setattr(threads, "_set", lambda n: calls.append(n))
    np.testing.assert_allclose(threads.matmul(x, w), x @ w, rtol=1e-4, atol=1e-3)
    assert calls == [] and threads._ADAPTIVE.keep is None  # not even calibrated
    assert "now one thread, as ops split their batch" in threads.describe()


def test_threads_go_when_the_process_gets_too_little_of_the_cores(monkeypatch):
    # One busy process beside it: each threaded product still beats one thread, but the
    # process runs on ~1.2 of the 2 cores it asks for (OpenBLAS's spinning worker against
    # Ember's own thread). Quiet, it runs on ~1.9.
    monkeypatch.setattr(threads, "_limit", 2)
    work = 1 << 24
    cpu = [0.0]
    monkeypatch.setattr(threads, "_cpu_clock", lambda: cpu[0])

    def windows(policy, start, rate, count):
        now = start
        for _ in range(count):
            for _ in range(threads.WINDOW):
                now += threads.SHARE_S / threads.WINDOW
                cpu[0] += rate * threads.SHARE_S / threads.WINDOW
                policy.observe("many", work, 120e-6, now, one=200e-6)
        return now

    quiet = _kept_threads(work)
    now = windows(quiet, 10.0, 1.9, 5)
    assert quiet.stalls == 0 and quiet.choose(now) == "many"
    busy = _kept_threads(work)
    now = windows(busy, 20.0, 1.2, 2)  # the first window only starts the reading
    assert busy.stalls == 1 and busy.choose(now) == 1
    # After the hold the share is read afresh, over threaded work only.
    assert busy.mark is None


def test_a_tier_that_finds_the_cores_taken_holds_the_other_tier_too(monkeypatch):
    monkeypatch.setattr(threads, "_limit", 2)
    work = 1 << 24
    cpu = [0.0]
    monkeypatch.setattr(threads, "_cpu_clock", lambda: cpu[0])

    def busy_windows(policy, now):
        for _ in range(2):
            for _ in range(threads.WINDOW):
                now += threads.SHARE_S / threads.WINDOW
                cpu[0] += 1.2 * threads.SHARE_S / threads.WINDOW
                policy.observe("many", work, 120e-6, now, one=200e-6)
        return now

    for other, held in ((_kept_threads(work), True), (threads._Adaptive(), False)):
        finder = _kept_threads(work)
        monkeypatch.setattr(threads, "_ADAPTIVE_LOWER", finder)
        monkeypatch.setattr(threads, "_ADAPTIVE", other)
        busy_windows(finder, 30.0)
        assert finder.stalls == 1 and other.stalls == int(held)  # not measured: not held
    # A product slower than one thread is the finding of its own tier only.
    slow, bystander = _kept_threads(work), _kept_threads(work)
    monkeypatch.setattr(threads, "_ADAPTIVE_LOWER", slow)
    monkeypatch.setattr(threads, "_ADAPTIVE", bystander)
    for _ in range(threads.WINDOW):
        slow.observe("many", work, 300e-6, 40.0, one=200e-6)
    assert slow.stalls == 1 and bystander.stalls == 0
