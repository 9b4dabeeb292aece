"""Puts this checkout first on ``sys.path``, so the tests exercise the ``ember`` beside them.

Test modules are imported with pytest's ``--import-mode=importlib`` (pyproject.toml): no
test folder lands on ``sys.path``, so ``tests/keras`` can never shadow the real ``keras``
package, which the reference checks and the model-file tests import.
"""

import os
import sys

import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


@pytest.fixture(scope="session")
def fashion_train():
    """Fashion-MNIST's training set (x uint8 (60000, 28, 28), y), read from the local copy;
    the test is skipped where the data set is not installed."""
    import ember as tf
    from ember.keras.datasets import DatasetFileError, DatasetNotFoundError

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMBER_OFFLINE", "1")  # never try a download from a test
        try:
            (x, y), _ = tf.keras.datasets.fashion_mnist.load_data()
        except (DatasetNotFoundError, DatasetFileError, OSError) as e:
            pytest.skip(f"Fashion-MNIST is not installed: {e}")
    return x, y
