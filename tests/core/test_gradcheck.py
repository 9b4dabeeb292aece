"""The checker itself: it passes correct ops and fails on a gradient off by 0.05%."""

import numpy as np
import pytest
from gradcheck import BINARY_SHAPES, check, rand, reduction_cases

import ember as tf
from ember.ops.math import multiply
from ember.record import GRADIENTS, apply, register_gradient


@pytest.fixture
def temporary_ops():
    """Registers test-only ops and removes their rules afterwards."""
    names = []

    def make(name, forward, rule):
        names.append(name)
        register_gradient(name)(rule)

        def op(x):
            return apply(name, forward(x._value), (x,))
        return op

    yield make
    for n in names:
        GRADIENTS.pop(n, None)


def test_checker_passes_a_correct_rule(temporary_ops):
    square = temporary_ops("TestSquare", np.square, lambda g, out, x: multiply(g, multiply(x, 2.0)))
    check(square, [rand((2, 3))], ref=np.square)


def test_checker_catches_gradient_off_by_point_05_percent(temporary_ops):
    off = temporary_ops("TestOffSquare", np.square,
                        lambda g, out, x: multiply(g, multiply(x, 2.0 * 1.0005)))
    with pytest.raises(AssertionError, match="finite differences"):
        check(off, [rand((2, 3), away=0.2)], ref=np.square)


def test_random_direction_check_alone_catches_it(temporary_ops):
    off = temporary_ops("TestOffSquare2", np.square,
                        lambda g, out, x: multiply(g, multiply(x, 2.0 * 1.0005)))
    with pytest.raises(AssertionError, match="J\\^T u, v"):
        check(off, [rand((3,), away=0.2)], ref=np.square, full=False)


def test_checker_catches_a_wrong_forward(temporary_ops):
    op = temporary_ops("TestForward", lambda v: np.square(v) * 1.0005,
                       lambda g, out, x: multiply(g, multiply(x, 2.0 * 1.0005)))
    with pytest.raises(AssertionError, match="forward value"):
        check(op, [rand((3,), away=0.2)], ref=np.square)


def test_checker_catches_a_missing_gradient_term(temporary_ops):
    # x * x with a rule that forgets one of the two product-rule terms.
    op = temporary_ops("TestHalf", np.square, lambda g, out, x: multiply(g, x))
    with pytest.raises(AssertionError):
        check(op, [rand((2, 3), away=0.2)], ref=np.square)


def test_checker_catches_a_float32_output():
    with pytest.raises(AssertionError, match="dtype float32"):
        check(lambda x: tf.cast(x, tf.float32), [rand((3,))])


def test_shape_sets_cover_broadcasting_both_ways():
    assert ((1, 3), (2, 3)) in BINARY_SHAPES and ((2, 3), (1, 3)) in BINARY_SHAPES
    assert ((), ()) in BINARY_SHAPES and ((3,), (2, 3)) in BINARY_SHAPES
    cases = reduction_cases()
    assert ((2, 3), (0, 1), True) in cases and ((2, 3), -1, False) in cases
