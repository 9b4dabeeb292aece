"""tf.function: eager results, input_signature checks, retracing count, methods, outputs."""

import numpy as np
import pytest

import ember as tf


def test_decorator_with_and_without_arguments_gives_eager_results():
    @tf.function
    def f(x):
        return x * 2 + 1

    @tf.function(reduce_retracing=True, jit_compile=True)
    def g(x):
        return tf.reduce_sum(x)

    x = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(f(x).numpy(), [3.0, 5.0])
    assert g(x).numpy() == 3.0
    assert f.python_function(x).numpy().tolist() == [3.0, 5.0]


def test_gradient_tape_inside_function_matches_undecorated():
    w = tf.Variable([[0.5, -1.0], [2.0, 0.25]])

    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(x @ w))
        return loss, tape.gradient(loss, w)

    x = tf.constant([[1.0, 2.0], [3.0, -1.0]])
    eager_loss, eager_grad = step(x)
    loss, grad = tf.function(step)(x)
    assert loss.numpy() == eager_loss.numpy()
    np.testing.assert_array_equal(grad.numpy(), eager_grad.numpy())


def test_input_signature_converts_python_values_to_the_spec_dtype():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return x

    out = f([1, 2])
    assert out.dtype == tf.float32 and out.numpy().tolist() == [1.0, 2.0]


@pytest.mark.parametrize("value, got", [
    (tf.constant([1, 2]), "TensorSpec(shape=(2,), dtype=tf.int32, name=None)"),
    (tf.constant([[1.0]]), "TensorSpec(shape=(1, 1), dtype=tf.float32, name=None)"),
])
def test_input_signature_mismatch_names_argument_and_both_specs(value, got):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="xs")])
    def f(images):
        return images

    with pytest.raises(TypeError) as err:
        f(value)
    msg = str(err.value)
    assert "'images'" in msg and got in msg
    assert "TensorSpec(shape=(None,), dtype=tf.float32, name='xs')" in msg


def test_input_signature_missing_and_extra_arguments():
    @tf.function(input_signature=[tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32)])
    def f(x, y):
        return x

    with pytest.raises(TypeError, match="missing a required argument: 'y'"):
        f(1.0)
    with pytest.raises(TypeError, match="too many positional arguments"):
        f(1.0, 2, 3)


def test_input_signature_with_nested_specs():
    @tf.function(input_signature=[(tf.TensorSpec([2]), tf.TensorSpec([], tf.int32))])
    def f(pair):
        x, n = pair
        return x * tf.cast(n, tf.float32)

    assert f(([1.0, 2.0], 3)).numpy().tolist() == [3.0, 6.0]
    with pytest.raises(TypeError, match="structure"):
        f(tf.constant([1.0, 2.0]))


def test_input_signature_must_hold_tensor_specs():
    with pytest.raises(TypeError, match="TensorSpec"):
        tf.function(lambda x: x, input_signature=[[2, 3]])


def test_outputs_become_tensors_as_in_tf_unless_run_eagerly():
    @tf.function
    def f():
        return 1, 2.5, None, "a"

    one, half, none, text = f()
    assert one.dtype == tf.int32 and half.dtype == tf.float32 and none is None
    assert text.numpy() == b"a"
    tf.config.run_functions_eagerly(True)
    try:
        assert tf.config.functions_run_eagerly() is True
        assert f() == (1, 2.5, None, "a")
    finally:
        tf.config.run_functions_eagerly(False)
    assert tf.config.functions_run_eagerly() is False


def test_tracing_count_follows_tf_retracing_rules():
    # Counts checked against TF 2.21: new Python values and new shapes retrace.
    @tf.function
    def f(x):
        return x

    f(1)
    f(1)
    f(2)
    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert f.experimental_get_tracing_count() == 3

    @tf.function(reduce_retracing=True)
    def g(x):
        return x

    for shape in [(2,), (3,), (4,), (2, 2), (3, 3)]:
        g(tf.zeros(shape))
    assert g.experimental_get_tracing_count() == 3


def test_python_side_effects_run_on_every_call():
    # Documented difference from TF (which prints only while tracing): Ember runs eagerly.
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return x

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert len(calls) == 2
    assert "side effects" in tf.function.__doc__


def test_method_decoration_binds_self_per_instance():
    class Scale(tf.Module):
        def __init__(self, k):
            super().__init__()
            self.k = tf.Variable(k)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return x * self.k

    a, b = Scale(2.0), Scale(3.0)
    assert a(tf.constant([1.0])).numpy().tolist() == [2.0]
    assert b([1.0]).numpy().tolist() == [3.0]
    assert a.__call__ is a.__call__
    with pytest.raises(TypeError, match="'x'"):
        a(tf.constant([[1.0]]))


def test_get_concrete_function_keeps_signature():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def f(x):
        return x + 1

    cf = f.get_concrete_function()
    assert cf.structured_input_signature == (tf.TensorSpec([None, 3], tf.float32),)
    assert cf(tf.zeros([1, 3])).numpy().tolist() == [[1.0, 1.0, 1.0]]


def test_tensor_spec_repr_and_compatibility():
    spec = tf.TensorSpec([None, 3], name="x")
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tf.float32, name='x')"
    assert spec.is_compatible_with(tf.zeros([5, 3]))
    assert not spec.is_compatible_with(tf.zeros([5, 4]))
    assert not spec.is_compatible_with(tf.zeros([5, 3], tf.int32))
    assert tf.TensorSpec(None).is_compatible_with(tf.zeros([1, 2, 3]))
