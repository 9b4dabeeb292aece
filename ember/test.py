"""``tf.test``: what teaching code asks of it (is there a GPU? a TestCase with array asserts).

Ember runs on the CPU only and is not built with CUDA, so the device questions answer
False / ``''``.
"""

from __future__ import annotations

import unittest

import numpy as np

from ember.tensor import Tensor, as_array


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None) -> bool:
    """False: Ember computes on the CPU."""
    return False


def is_built_with_cuda() -> bool:
    return False


def is_built_with_gpu_support() -> bool:
    return False


def is_built_with_rocm() -> bool:
    return False


def gpu_device_name() -> str:
    """``''``: there is no GPU device (TF returns ``''`` too when it finds none)."""
    return ""


def _np(x):
    return np.asarray(as_array(x)) if isinstance(x, Tensor) else np.asarray(x)


class TestCase(unittest.TestCase):
    """``unittest.TestCase`` with TF's array assertions."""

    def evaluate(self, tensors):
        """Tensors (nested in lists/tuples/dicts) to NumPy values."""
        from ember import nest
        return nest.map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else t, tensors)

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol, err_msg=msg or "")

    def assertAllEqual(self, a, b, msg=None):
        np.testing.assert_array_equal(_np(a), _np(b), err_msg=msg or "")

    def assertNotAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        if np.allclose(_np(a), _np(b), rtol=rtol, atol=atol):
            raise AssertionError(msg or f"The two values are close at all elements: {a} {b}")

    def assertShapeEqual(self, a, b, msg=None):
        self.assertEqual(tuple(_np(a).shape), tuple(np.shape(_np(b))), msg)


def main(argv=None):
    """Runs the tests in ``__main__`` (``unittest.main``)."""
    unittest.main(argv=argv)
