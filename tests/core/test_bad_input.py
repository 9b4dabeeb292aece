"""Bad input gets a clear error naming the op and the shapes or dtypes, never a bare NumPy one."""

import numpy as np
import pytest

import ember as tf


def test_matmul_shape_mismatch_names_both_shapes():
    a, b = tf.ones([2, 3]), tf.ones([4, 5])
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.matmul(a, b)
    msg = str(e.value)
    assert "[2, 3]" in msg and "[4, 5]" in msg and "MatMul" in msg
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2, 3\].*\[4, 5\]"):
        a @ b


def test_matmul_rank_one_is_refused_with_a_hint():
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank >= 2.*expand_dims"):
        tf.matmul(tf.ones([3]), tf.ones([3, 2]))


def test_mixed_dtype_tensors_raise_with_cast_hint():
    f, i = tf.constant([1.0, 2.0]), tf.constant([1, 2])
    for op in [lambda: f + i, lambda: i * f, lambda: tf.add(f, i), lambda: f - i,
               lambda: tf.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.int32))]:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            op()
        msg = str(e.value)
        assert "tf.cast" in msg
        assert ("float32" in msg and "int32" in msg)


def test_float_scalar_with_int_tensor_is_refused():
    with pytest.raises(tf.errors.InvalidArgumentError, match="tf.cast"):
        tf.constant([1, 2]) * 0.5


def test_incompatible_broadcast_names_op_and_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Add.*\(2, 3\).*\(4,\)"):
        tf.ones([2, 3]) + tf.ones([4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Mul.*\(2,\).*\(3,\)"):
        tf.ones([2]) * tf.ones([3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Maximum"):
        tf.maximum(tf.ones([2]), tf.ones([3]))


def test_ragged_nested_list_raises_value_error():
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.constant([[1, 2], [3]])
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.convert_to_tensor([[1.0], [2.0, 3.0]])


def test_second_gradient_on_non_persistent_tape():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.jacobian(y, x)


def test_variable_assign_wrong_shape_names_both_shapes():
    v = tf.Variable(tf.zeros([2, 3]), name="kernel")
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)) as e:
        v.assign(tf.zeros([3, 2]))
    msg = str(e.value)
    assert "(3, 2)" in msg and "(2, 3)" in msg and "kernel" in msg
    np.testing.assert_array_equal(v.numpy(), np.zeros((2, 3)))  # nothing written half-way
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\(4,\).*\(2, 3\)"):
        v.assign_add(tf.ones([4]))


def test_variable_assign_wrong_dtype():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="tf.cast"):
        v.assign(tf.constant([1, 2]))


def test_reshape_names_sizes():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"6 elements.*\(4,\)"):
        tf.reshape(tf.ones([2, 3]), [4])


def test_concat_and_stack_mismatches():
    with pytest.raises(tf.errors.InvalidArgumentError, match="ConcatV2"):
        tf.concat([tf.ones([2, 3]), tf.ones([2, 4])], axis=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Pack"):
        tf.stack([tf.ones([2]), tf.ones([3])])


def test_gather_out_of_range_index():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices contains 5.*\[0, 3\)"):
        tf.gather(tf.ones([3]), [0, 5])


def test_getitem_out_of_range_names_shape():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\(2, 3\)"):
        tf.ones([2, 3])[5]


def test_sparse_ce_label_out_of_range():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label value of 3.*\[0, 3\)"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 3], logits=tf.zeros([2, 3]))


def test_cross_entropy_shape_mismatch():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"labels shape \(2,\)"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros([2]), logits=tf.zeros([3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels shape"):
        tf.nn.softmax_cross_entropy_with_logits(labels=tf.zeros([2, 3]), logits=tf.zeros([2, 4]))


def test_string_tensor_in_arithmetic():
    with pytest.raises(tf.errors.InvalidArgumentError, match="string|object|bytes"):
        tf.constant([1.0]) + tf.constant(["a"])


def test_unknown_dtype_name():
    with pytest.raises(TypeError, match="float23"):
        tf.constant(1.0, dtype="float23")


def test_tensordot_and_einsum_mismatches():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tensordot"):
        tf.tensordot(tf.ones([2, 3]), tf.ones([4, 2]), axes=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="einsum"):
        tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([4, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="einsum"):
        tf.einsum("ij,jk->ik", tf.ones([2, 3]))


def test_inverse_of_singular_matrix():
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(tf.zeros([2, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"square.*\(2, 3\)"):
        tf.linalg.det(tf.zeros([2, 3]))


def test_gradient_of_non_tensor_source():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    with pytest.raises(TypeError, match="sources must be tensors"):
        tape.gradient(y, [1.0])


def test_integer_overflow_of_python_scalar():
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not fit.*int32"):
        tf.constant([1, 2]) + 2**40


def test_numpy_value_errors_are_not_reported_as_broadcasting():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.constant([2, 3]) ** tf.constant([-1, 1])
    assert "negative" in str(e.value) and "broadcast" not in str(e.value)


def test_constant_refuses_fractions_for_integer_dtype():
    with pytest.raises(TypeError, match="fractional"):
        tf.constant([1.5, 2.0], dtype=tf.int32)
    assert tf.constant([1.0, 2.0], dtype=tf.int32).numpy().tolist() == [1, 2]
