"""tf.config, tf.device and tf.version on a CPU-only machine."""

import warnings

import pytest

import ember as tf
from ember.errors import InvalidArgumentError


def test_devices_listed_as_tf_lists_them_on_a_cpu_machine():
    cpu = tf.config.list_physical_devices()
    assert [tuple(d) for d in cpu] == [("/physical_device:CPU:0", "CPU")]
    assert tf.config.list_physical_devices("GPU") == []
    assert tf.config.experimental.list_physical_devices("GPU") == []
    assert [d.name for d in tf.config.list_logical_devices("CPU")] == ["/device:CPU:0"]
    with pytest.raises(ValueError, match="device_type"):
        tf.config.list_physical_devices("QPU")


def test_memory_growth_and_determinism_accepted():
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.experimental.set_memory_growth(cpu, True)
    assert tf.config.experimental.get_memory_growth(cpu) is True
    tf.config.experimental.enable_op_determinism()
    with pytest.raises(ValueError, match="Unrecognized device"):
        tf.config.experimental.set_memory_growth("GPU:0", True)


def test_intra_op_threads_set_the_blas_thread_count():
    pytest.importorskip("threadpoolctl")
    before = tf.config.blas_threads()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        assert tf.config.blas_threads() == 1
        assert tf.config.threading.get_intra_op_parallelism_threads() == 1
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(0)
    assert tf.config.blas_threads() == before
    with pytest.raises(ValueError, match=">= 0"):
        tf.config.threading.set_intra_op_parallelism_threads(-1)


def test_device_cpu_is_a_no_op_and_gpu_warns_naming_it():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.device("/CPU:0"):
            y = tf.constant(1.0) + 1
        with tf.device("/job:localhost/replica:0/task:0/device:CPU:0"):
            pass
    assert y.numpy() == 2.0
    tf.device.__init__.__globals__["_STATE"]["warned"].clear()
    with pytest.warns(UserWarning, match="no GPU:0"), tf.device("/GPU:0"):
        assert (tf.constant(2.0) * 2).numpy() == 4.0


def test_device_without_soft_placement_or_malformed_is_an_error():
    tf.config.set_soft_device_placement(False)
    try:
        with pytest.raises(InvalidArgumentError, match="'/device:GPU:1'.*no GPU:1"):
            tf.device("/device:GPU:1")
    finally:
        tf.config.set_soft_device_placement(True)
    with pytest.raises(ValueError, match="Unknown attribute 'XPU'"):
        tf.device("/XPU:0")
    with pytest.raises(ValueError, match="Unknown attribute 'bogus'"):
        tf.device("bogus")


def test_version():
    assert tf.__version__ == tf.version.VERSION
    assert tf.version.TF_API_VERSION.startswith("2.")
