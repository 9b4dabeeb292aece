"""The public namespaces: built from the ops modules' export lists, and honest.

``tf.math``, ``tf.nn`` and ``tf.linalg`` hold exactly the names of ours that TF puts there
(the lists below were taken before the export lists replaced the hand-kept ones).
"""

import numpy as np
import pytest

import ember as tf
from ember import ops

TF_MATH = {
    "abs", "add", "add_n", "argmax", "argmin", "ceil", "confusion_matrix", "cos",
    "count_nonzero", "cumsum", "divide", "elu", "equal", "exp", "expm1", "floor", "floordiv",
    "floormod", "greater", "greater_equal", "is_finite", "is_inf", "is_nan", "l2_normalize",
    "less", "less_equal", "log", "log1p", "log_sigmoid", "logical_and", "logical_not",
    "logical_or", "logical_xor", "maximum", "minimum", "mod", "multiply", "negative",
    "not_equal", "pow", "reciprocal", "reduce_all", "reduce_any", "reduce_logsumexp",
    "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_std", "reduce_sum",
    "reduce_variance", "round", "rsqrt", "selu", "sigmoid", "sign", "sin", "softmax",
    "softplus", "softsign", "sqrt", "square", "squared_difference", "subtract", "tan", "tanh",
    "top_k", "truediv", "real", "imag", "conj", "angle", "erf", "erfc", "divide_no_nan",
    "log_softmax",
}
TF_MATH |= {  # segment reductions and bincount (tfops)
    "bincount", "segment_max", "segment_mean", "segment_min", "segment_prod", "segment_sum",
    "unsorted_segment_max", "unsorted_segment_mean", "unsorted_segment_min",
    "unsorted_segment_prod", "unsorted_segment_sqrt_n", "unsorted_segment_sum",
}
TF_NN = {
    "bias_add", "dropout", "elu", "embedding_lookup", "gelu", "l2_loss", "l2_normalize",
    "leaky_relu",
    "log_softmax", "moments", "relu", "relu6", "selu", "sigmoid",
    "sigmoid_cross_entropy_with_logits", "silu", "softmax",
    "softmax_cross_entropy_with_logits", "softplus", "softsign",
    "sparse_softmax_cross_entropy_with_logits", "swish", "tanh", "top_k",
}
TF_NN |= {  # convolution and pooling (conv branch)
    "avg_pool", "avg_pool1d", "avg_pool2d", "conv1d", "conv2d", "conv2d_transpose",
    "depthwise_conv2d", "max_pool", "max_pool1d", "max_pool2d", "separable_conv2d",
}
TF_LINALG = {
    "det", "diag", "diag_part", "einsum", "eye", "global_norm", "inv", "l2_normalize", "matmul",
    "norm",
    "tensordot", "trace", "transpose",
}


@pytest.mark.parametrize("module, names", [(tf.math, TF_MATH), (tf.nn, TF_NN),
                                           (tf.linalg, TF_LINALG)])
def test_namespaces_hold_what_tf_has(module, names):
    assert set(module.__all__) == names
    assert {n for n in dir(module) if not n.startswith("_")} == names


def test_every_op_export_reaches_tf_and_ember_ops():
    for module in (ops.array, ops.math, ops.reduce, ops.nn, ops.linalg, ops.clip,
                   ops.scatter):
        for name in module.__all__:
            assert getattr(tf, name) is getattr(module, name), name
            assert getattr(ops, name) is getattr(module, name), name
    assert len(ops.__all__) == len(set(ops.__all__))  # no name exported by two modules


@pytest.mark.parametrize("name", ["distribute", "lite"])
def test_namespaces_not_there_yet_raise_one_clear_error(name):
    with pytest.raises(AttributeError, match=f"tf.{name} is not supported by Ember yet"):
        getattr(tf, name)
    assert not hasattr(tf, name)


def test_tf_nest_is_public():
    assert tf.nest.flatten({"b": [1, 2], "a": 3}) == [3, 1, 2]
    assert tf.nest.pack_sequence_as((1, [2]), [5, 6]) == (5, [6])


def test_operators_are_ops_bound_onto_tensor():
    x = tf.Variable([1.0, -2.0])
    with tf.GradientTape() as tape:
        y = (x * x + 1.0) / 2.0 - x[0] ** 2 + tf.reduce_sum(abs(x).T)
    # y has 2 elements, so the scalar terms count twice in d(sum y)/dx.
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1.0 - 4.0 + 2.0, -2.0 - 2.0])
    snapshot = x.read_value()
    x.assign([5.0, 5.0])
    np.testing.assert_array_equal(snapshot.numpy(), [1.0, -2.0])
    assert (x == None) is False and (x != None) is True  # noqa: E711 - TF's answers
    with pytest.raises(TypeError):
        hash(tf.constant(1.0))


def test_constant_casts_a_tensor_without_ops():
    t = tf.constant(tf.constant([1.7, -1.7]), tf.int32)
    np.testing.assert_array_equal(t.numpy(), [1, -1])  # truncated toward zero, as tf.cast
    assert t.dtype == tf.int32
