"""GradientTape semantics: sources, persistence, watching, unconnected gradients, nesting,
jacobians."""

import numpy as np
import pytest

import ember as tf


def test_gradient_of_variable_square():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x ** 2
    g = tape.gradient(y, x)
    assert isinstance(g, tf.Tensor) and not isinstance(g, tf.Variable)
    assert g.dtype == tf.float32
    assert float(g) == 6.0


def test_list_dict_and_nested_sources():
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * b * c
    ga, gb = tape.gradient(y, [a, b])
    assert (float(ga), float(gb)) == (6.0, 3.0)
    assert isinstance(tape.gradient(y, (a, b)), tuple)
    d = tape.gradient(y, {"a": a, "c": c})
    assert set(d) == {"a", "c"} and float(d["a"]) == 6.0 and float(d["c"]) == 2.0
    nested = tape.gradient(y, {"x": [a, (b, c)]})
    assert float(nested["x"][0]) == 6.0
    assert isinstance(nested["x"][1], tuple) and float(nested["x"][1][1]) == 2.0
    # a single source gives a single tensor, not a list
    assert isinstance(tape.gradient(y, c), tf.Tensor)


def test_output_gradients_weight_the_target():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([1.0, 0.0, -2.0]))
    np.testing.assert_array_equal(g.numpy(), [2.0, 0.0, -12.0])


def test_non_persistent_tape_refuses_a_second_call():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)


def test_persistent_tape_answers_many_times():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * x
    assert float(tape.gradient(y, x)) == 4.0
    assert float(tape.gradient(z, x)) == 12.0
    assert float(tape.gradient(y, x)) == 4.0


def test_constants_need_watch():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0


def test_watch_accessed_variables_false():
    a, b = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == 5.0 and gb is None
    assert tape.watched_variables() == (a,)


def test_untrainable_variable_is_not_watched():
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_stop_recording():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = x * x * x  # not recorded
        w = y + z
    # w = x² + (constant 8): dw/dx = 2x = 4, not 4 + 12
    assert float(tape.gradient(w, x)) == 4.0


def test_unconnected_gradients():
    x, unused = tf.Variable(1.0), tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * 2.0
    assert tape.gradient(y, unused) is None
    z = tape.gradient(y, unused, unconnected_gradients="zero")
    np.testing.assert_array_equal(z.numpy(), [0.0, 0.0])
    assert z.dtype == tf.float32
    z = tape.gradient(y, [x, unused], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    np.testing.assert_array_equal(z[1].numpy(), [0.0, 0.0])
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, x, unconnected_gradients="zeros!")


def test_non_scalar_target_is_summed():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * tf.constant([[1.0, 2.0], [3.0, 4.0]])  # (2, 2)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [4.0, 6.0])


def test_list_of_targets_is_summed():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y1, y2 = x * x, x * 4.0
    assert float(tape.gradient([y1, y2], x)) == 10.0


def test_integer_sources_get_none():
    i = tf.constant(3)
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        tape.watch(i)
        y = tf.cast(i, tf.float32) * x
    gi, gx = tape.gradient(y, [i, x])
    assert gi is None and float(gx) == 3.0


def test_reused_tensor_accumulates():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        a = x * 2.0
        y = a * a + a  # dy/dx = (2a + 1) * 2 = 26
    assert float(tape.gradient(y, x)) == 26.0


def test_target_that_is_the_source():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x + 0.0
    np.testing.assert_array_equal(tape.gradient(x, x).numpy(), [1.0, 1.0])
    assert y is not None


def test_nested_tapes_give_second_derivative():
    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x ** 3
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert float(dy) == 12.0
    assert float(d2y) == 12.0


def test_third_derivative_with_persistent_nesting():
    x = tf.constant(1.5, tf.float64)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.sin(x)
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    np.testing.assert_allclose([float(d1), float(d2), float(d3)],
                               [np.cos(1.5), -np.sin(1.5), -np.cos(1.5)], rtol=1e-12)


def test_hessian_vector_product_of_softmax_cross_entropy():
    # The fused cross-entropy's rule is written in ops, so its second derivative exists:
    # H = diag(p) - p pᵀ for one example.
    z = tf.constant([0.3, -1.2, 2.0], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(z)
        with tf.GradientTape() as inner:
            inner.watch(z)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=1, logits=z)
        g = inner.gradient(loss, z)
    v = np.array([1.0, 2.0, -1.0])
    hv = outer.gradient(g, z, output_gradients=tf.constant(v))
    p = np.exp(z.numpy()) / np.exp(z.numpy()).sum()
    np.testing.assert_allclose(hv.numpy(), (np.diag(p) - np.outer(p, p)) @ v, rtol=1e-10)


def test_jacobian_matches_numpy():
    a = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    x = tf.Variable([0.5, -1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reshape(tf.matmul(tf.constant(a, tf.float32), tf.reshape(x, [3, 1])), [2])
        y = y * y  # dy_i/dx_j = 2 (a x)_i a_ij
    j = tape.jacobian(y, x)
    ax = a @ x.numpy()
    assert j.shape == (2, 3)
    np.testing.assert_allclose(j.numpy(), 2 * ax[:, None] * a, rtol=1e-6)


def test_jacobian_of_matrix_target_and_list_sources():
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    w = tf.Variable([1.0, -1.0])
    with tf.GradientTape() as tape:
        y = x * w  # (2, 2)
    jx, jw = tape.jacobian(y, [x, w])
    assert jx.shape == (2, 2, 2, 2) and jw.shape == (2, 2, 2)
    expect_x = np.einsum("ik,jl,l->ijkl", np.eye(2), np.eye(2), w.numpy())
    np.testing.assert_array_equal(jx.numpy(), expect_x)
    expect_w = np.einsum("jl,ij->ijl", np.eye(2), x.numpy())
    np.testing.assert_array_equal(jw.numpy(), expect_w)


def test_batch_jacobian_matches_numpy():
    x = tf.constant(np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]]), tf.float64)
    w = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.tanh(tf.matmul(x, tf.constant(w)))  # (3, 3)
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (3, 3, 2)
    s = 1 - np.tanh(x.numpy() @ w) ** 2  # (b, i)
    np.testing.assert_allclose(bj.numpy(), s[:, :, None] * w.T[None], rtol=1e-12)


def test_tape_reset_and_watched_variables():
    x = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * 3.0
        tape.reset()
        z = x * 5.0
    assert tape.watched_variables() == (x,)
    assert float(tape.gradient(z, x)) == 5.0
    assert tape.gradient(y, x) is None


def test_no_recording_outside_the_with_block():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        pass
    y = x * x
    assert tape.gradient(y, x) is None


def test_missing_rule_raises_lookup_error_naming_the_op():
    from ember.record import apply
    x = tf.constant([1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = apply("NoSuchOpForTest", x.numpy() * 2, (x,))
    with pytest.raises(LookupError, match="NoSuchOpForTest"):
        tape.gradient(y, x)


def test_gradient_dtype_follows_the_source():
    x = tf.Variable(np.array([1.0, 2.0]))  # float64
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x * x)
    g = tape.gradient(y, x)
    assert g.dtype == tf.float64


def test_gradient_through_variable_read_value_and_slicing():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v.read_value()[0] * 3.0) + tf.reduce_sum(v[:, 1])
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [[3.0, 4.0], [0.0, 1.0]])


def test_jacobian_of_unconnected_source():
    x, u = tf.Variable([1.0, 2.0]), tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
    jx, ju = tape.jacobian(y, [x, u])
    assert ju is None and jx.shape == (2, 2)
    jz = tape.jacobian(y, u, unconnected_gradients="zero")
    assert jz.shape == (2,) and not jz.numpy().any()
    with tf.GradientTape(persistent=True) as tape:
        xs = tf.reshape(x, [2, 1])
        ys = tf.constant([[1.0], [2.0]]) * 2.0  # does not depend on xs
    assert tape.batch_jacobian(ys, xs) is None
    assert tape.batch_jacobian(ys, xs, unconnected_gradients="zero").shape == (2, 1, 1)


def test_watched_variables_survive_the_gradient_call():
    a = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = a * 2.0
    tape.gradient(y, a)
    assert tape.watched_variables() == (a,)


def test_namespaces_are_the_tf_ones():
    # ``from ember.ops import *`` once shadowed tf.math / tf.nn / tf.linalg with ops submodules.
    import ember.linalg
    import ember.math
    import ember.nn
    assert tf.math is ember.math and tf.nn is ember.nn and tf.linalg is ember.linalg
    assert callable(tf.math.top_k) and callable(tf.nn.moments) and callable(tf.math.reduce_std)


# -- second derivatives of every smooth op (rules are written in ops) ------------------------

def _second_order_cases():
    from gradcheck import rand

    from ember.ops.nn import dense
    p = lambda *s: rand(s, 0.5, 2.0)
    x = lambda *s: rand(s, -1.5, 1.5, away=0.1)
    labels = np.array([0, 2])
    return {
        "multiply": (tf.multiply, [x(2, 3), x(3)]),
        "divide": (tf.divide, [x(2, 3), p(3)]),
        "pow": (tf.pow, [p(2, 3), x(2, 3)]),
        "square": (tf.square, [x(3)]),
        "sqrt": (tf.sqrt, [p(3)]),
        "rsqrt": (tf.math.rsqrt, [p(3)]),
        "exp": (tf.exp, [x(3)]),
        "log": (tf.math.log, [p(3)]),
        "log1p": (tf.math.log1p, [p(3)]),
        "expm1": (tf.math.expm1, [x(3)]),
        "sin_cos": (lambda t: tf.sin(t) * tf.cos(t), [x(3)]),
        "sigmoid": (tf.sigmoid, [x(3)]),
        "tanh": (tf.tanh, [x(3)]),
        "softplus": (tf.math.softplus, [x(3)]),
        "log_sigmoid": (tf.math.log_sigmoid, [x(3)]),
        "elu": (tf.nn.elu, [x(2, 3)]),
        "selu": (tf.nn.selu, [x(2, 3)]),
        "gelu": (tf.nn.gelu, [x(2, 3)]),
        "gelu_tanh": (lambda t: tf.nn.gelu(t, approximate=True), [x(2, 3)]),
        "silu": (tf.nn.silu, [x(2, 3)]),
        "softsign": (tf.nn.softsign, [x(2, 3)]),
        "matmul": (lambda a, b: tf.matmul(a, b, transpose_b=True) ** 2, [x(2, 3), x(4, 3)]),
        "einsum": (lambda a, b: tf.einsum("ij,jk->ik", a, b) ** 2, [x(2, 3), x(3, 2)]),
        "reduce_sum": (lambda t: tf.reduce_sum(t * t, axis=0), [x(2, 3)]),
        "reduce_mean": (lambda t: tf.reduce_mean(t ** 3, axis=1), [x(2, 3)]),
        "reduce_prod": (lambda t: tf.reduce_prod(t, axis=1), [x(2, 3)]),
        "reduce_prod_all": (tf.reduce_prod, [x(2, 2)]),
        "reduce_logsumexp": (lambda t: tf.reduce_logsumexp(t, axis=-1), [x(2, 3)]),
        "reduce_variance": (lambda t: tf.math.reduce_variance(t, axis=0), [x(3, 2)]),
        "reduce_std": (lambda t: tf.math.reduce_std(t, axis=-1), [x(2, 3)]),
        "norm": (lambda t: tf.norm(t, axis=-1), [x(2, 3)]),
        "softmax": (tf.nn.softmax, [x(2, 3)]),
        "log_softmax": (tf.nn.log_softmax, [x(2, 3)]),
        "sigmoid_ce": (lambda y, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z),
                       [rand((2, 3), 0, 1), x(2, 3)]),
        "softmax_ce": (lambda y, z: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z),
                       [rand((2, 3), 0, 1), x(2, 3)]),
        "sparse_softmax_ce": (lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=z), [x(2, 3)]),
        "inv": (tf.linalg.inv, [rand((3, 3)) + 3 * np.eye(3)]),
        "det": (tf.linalg.det, [rand((3, 3)) + 2 * np.eye(3)]),
        "dense_tanh": (lambda a, w, b: dense(a, w, b, "tanh"), [x(2, 3), x(3, 2), x(2)]),
        "dense_sigmoid": (lambda a, w, b: dense(a, w, b, "sigmoid"), [x(2, 3), x(3, 2), x(2)]),
        "dense_softmax": (lambda a, w, b: dense(a, w, b, "softmax"), [x(2, 3), x(3, 2), x(2)]),
        "getitem_gather": (lambda t: tf.gather(t[:, ::-1], [1, 1, 0], axis=1) ** 2, [x(2, 3)]),
        "sort_topk": (lambda t: tf.math.top_k(tf.sort(t ** 3), k=2).values ** 2,
                      [np.array([[0.3, -1.2, 0.9], [1.1, 0.2, -0.4]])]),
        "where_max": (lambda a, b: tf.where(a > 0, a * b, tf.maximum(a, b) ** 2),
                      [x(2, 3), x(2, 3)]),
        "tile": (lambda t: tf.tile(t, [2, 3]) ** 3, [x(2, 3)]),
        "clip_abs_leaky": (lambda t: tf.nn.leaky_relu(tf.abs(tf.clip_by_value(t, -0.8, 0.8)) ** 3
                                                      - 0.1), [x(2, 3)]),
        "reduce_max": (lambda t: tf.reduce_max(t ** 3, axis=1), [x(2, 3)]),
    }


SECOND_ORDER = _second_order_cases()


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_order(name):
    from gradcheck import check_second_order
    fn, inputs = SECOND_ORDER[name]
    # Ember's erf is exact to ~1e-7 (enough for float32), which bounds what gelu can match.
    rtol = 1e-4 if name == "gelu" else 1e-5
    check_second_order(fn, inputs, rtol=rtol, atol=1e-7)


def test_deep_chain_has_no_recursion_limit():
    x = tf.Variable(1.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = x
        for _ in range(20000):
            y = y * 1.0001
    np.testing.assert_allclose(float(tape.gradient(y, x)), 1.0001 ** 20000, rtol=1e-9)


def test_variable_subclass_is_watched_and_not_aliased():
    class Weight(tf.Variable):
        __slots__ = ()

    w = Weight([1.0, 2.0])
    with tf.GradientTape() as tape:
        view = tf.reshape(w, [2, 1])
        y = tf.reduce_sum(w * w)
    np.testing.assert_array_equal(tape.gradient(y, w).numpy(), [2.0, 4.0])
    w.assign([5.0, 5.0])
    assert view.numpy().ravel().tolist() == [1.0, 2.0]
