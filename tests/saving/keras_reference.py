"""Running real Keras 3 beside the tests: which backend, and one subprocess call.

The ``reference`` extra installs ``keras`` with the JAX backend (``jax``, ``jaxlib``,
``scipy``: about 0.5 GB installed, against about 1.5 GB for TensorFlow). A TensorFlow
install works too; ``EMBER_KERAS_BACKEND`` picks one. Without keras or a backend the
interop tests skip.
"""

import importlib.util
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def backend():
    """The Keras backend to use, or None when real Keras cannot run here."""
    if importlib.util.find_spec("keras") is None:
        return None
    wanted = os.environ.get("EMBER_KERAS_BACKEND")
    for name in ([wanted] if wanted else ["jax", "tensorflow"]):
        if importlib.util.find_spec(name) is not None:
            return name
    return None


requires_keras = pytest.mark.skipif(backend() is None, reason="real keras with a jax or "
                                    "tensorflow backend is not installed (the reference extra)")


def run(script, workdir, timeout=600):
    """Runs ``script`` (a file beside this one) with real Keras, in ``workdir`` so nothing
    in the checkout can shadow the real package."""
    env = {**os.environ, "KERAS_BACKEND": backend(), "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": "", "CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, os.path.join(HERE, script), str(workdir)],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{script} failed under Keras ({backend()}):\n{proc.stderr[-4000:]}")
    return proc
