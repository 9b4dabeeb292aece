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
        yield
    for name, value in before.items():
        setattr(threads, name, value)


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
    assert "up to 1 above" in threads.describe()
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
