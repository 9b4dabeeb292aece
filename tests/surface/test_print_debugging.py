"""tf.print formatting (as TF 2.21 prints), tf.test, tf.debugging assertions."""

import io

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError


def _printed(*args, **kwargs):
    buf = io.StringIO()
    tf.print(*args, output_stream=buf, **kwargs)
    return buf.getvalue()


@pytest.mark.parametrize("args, kwargs, want", [
    ((tf.constant([1, 2, 3]),), {}, "[1 2 3]\n"),
    (("loss:", tf.constant(0.123456789)), {}, "loss: 0.123456791\n"),
    ((tf.constant([1.5, 2.0]), tf.constant(2.0)), {}, "[1.5 2] 2\n"),
    ((tf.range(10),), {}, "[0 1 2 ... 7 8 9]\n"),
    ((tf.range(10),), {"summarize": -1}, "[0 1 2 3 4 5 6 7 8 9]\n"),
    ((tf.constant(["ab", "c"]), tf.constant("hi")), {}, '["ab" "c"] "hi"\n'),
    (({"a": tf.constant([1, 2])}, [tf.constant(1.0), 3]), {}, "{'a': [1 2]} [1, 3]\n"),
    ((tf.constant([[0.1, 1e-5], [123456.7, 2]]),), {}, "[[0.1 1e-05]\n [123456.703 2]]\n"),
    ((tf.constant([True, False]), tf.constant(1e-8)), {}, "[1 0] 1e-08\n"),
    (("a", "b"), {"sep": ",", "end": "!\n"}, "a,b!\n"),
])
def test_print_matches_tf(args, kwargs, want):
    assert _printed(*args, **kwargs) == want


def test_print_summarizes_each_dimension_and_goes_to_stderr(capsys):
    text = _printed(tf.reshape(tf.range(100), (10, 10)))
    assert text.splitlines()[0] == "[[0 1 2 ... 7 8 9]" and text.splitlines()[3] == " ..."
    tf.print("to stderr")
    assert capsys.readouterr().err == "to stderr\n"


def test_print_to_file(tmp_path):
    path = tmp_path / "log.txt"
    tf.print(tf.constant([1, 2]), output_stream=f"file://{path}")
    assert path.read_text() == "[1 2]\n"
    with pytest.raises(ValueError, match="output_stream"):
        tf.print(1, output_stream="stdout")


def test_tf_test_answers_for_a_cpu_machine():
    assert tf.test.is_gpu_available() is False and tf.test.is_built_with_cuda() is False
    assert tf.test.gpu_device_name() == ""

    class Case(tf.test.TestCase):
        def runTest(self):
            self.assertAllClose(tf.constant([1.0, 2.0]), [1.0, 2.0 + 1e-7])
            self.assertAllEqual(tf.constant([1, 2]), np.array([1, 2]))
            with self.assertRaises(AssertionError):
                self.assertAllEqual(tf.constant([1, 2]), [1, 3])

    result = Case().run()
    assert result.wasSuccessful(), result.failures


def test_assert_equal_message_as_tf():
    assert tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 2])) is None
    with pytest.raises(InvalidArgumentError) as err:
        tf.debugging.assert_equal(tf.constant([1, 2, 3]), tf.constant([1, 5, 3]), message="oops")
    assert str(err.value).splitlines()[:7] == [
        "oops", "Condition x == y did not hold.", "Indices of first 1 different values:",
        "[[1]]", "Corresponding x values:", "[2]", "Corresponding y values:"]
    with pytest.raises(InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"):
        tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 2, 3]))


def test_assert_near_uses_ten_epsilon_by_default():
    x = tf.constant([1.0, 2.0])
    tf.debugging.assert_near(x, x + 1e-6)
    with pytest.raises(InvalidArgumentError, match="not equal to tolerance"):
        tf.debugging.assert_near(x, tf.constant([1.0, 2.1]))
    tf.debugging.assert_near(x, tf.constant([1.0, 2.1]), atol=0.2)


def test_check_numerics_returns_tensor_or_names_nan_and_inf():
    t = tf.constant([1.0, 2.0])
    assert tf.debugging.check_numerics(t, "ok") is t
    with pytest.raises(InvalidArgumentError, match="bad : Tensor had NaN values"):
        tf.debugging.check_numerics(tf.constant([1.0, np.nan]), "bad")
    with pytest.raises(InvalidArgumentError, match="msg : Tensor had Inf values"):
        tf.debugging.assert_all_finite(tf.constant([np.inf]), "msg")


def test_shape_rank_type_and_sign_assertions():
    with pytest.raises(ValueError, match="must have rank 3"):
        tf.debugging.assert_rank(tf.zeros([2, 3]), 3)
    tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", 3)), (tf.zeros([2]), ("N",))])
    with pytest.raises(ValueError, match="Dimension 'N' is 2"):
        tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", 3)), (tf.zeros([4]), ("N",))])
    with pytest.raises(TypeError, match="must be of type tf.float32; got tf.int32"):
        tf.debugging.assert_type(tf.constant([1]), tf.float32)
    with pytest.raises(InvalidArgumentError, match="x > 0 did not hold"):
        tf.debugging.assert_positive(tf.constant([1.0, -1.0]))
    tf.debugging.set_log_device_placement(True)
    with pytest.raises(ValueError, match="check_numerics"):
        tf.debugging.enable_check_numerics()
