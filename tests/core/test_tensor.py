"""Tensor, Variable, TensorShape and dtype semantics (TensorFlow's, not NumPy's)."""

import copy

import numpy as np
import pytest

import ember as tf

# -- dtype inference ------------------------------------------------------------------------


@pytest.mark.parametrize("value,dtype", [
    (1.5, tf.float32), ([[1, 2.0]], tf.float32), (15, tf.int32), ([1, 2], tf.int32),
    (True, tf.bool), ([True, False], tf.bool), (2**40, tf.int64),
    (np.float64(1.5), tf.float64), (np.arange(3), tf.int64),
    (np.zeros(2, np.float64), tf.float64), (np.zeros(2, np.float16), tf.float16),
    (np.zeros(2, np.uint8), tf.uint8), (np.zeros(2, np.int32), tf.int32),
])
def test_constant_dtype_inference(value, dtype):
    t = tf.constant(value)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(value))


def test_constant_with_dtype_and_shape():
    t = tf.constant([1, 2, 3], dtype=tf.float64)
    assert t.dtype == tf.float64
    assert tf.constant(0.5, shape=[2, 2]).numpy().tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert tf.constant([1, 2, 3, 4], shape=(2, 2)).shape == (2, 2)
    with pytest.raises(TypeError, match="shape"):
        tf.constant([1, 2, 3], shape=(2, 2))


def test_constant_copies_numpy_arrays():
    a = np.array([1.0, 2.0])
    t = tf.constant(a)
    a[0] = 99
    assert t.numpy()[0] == 1.0


def test_string_tensors():
    s = tf.constant("Tennis", tf.string)
    assert s.dtype == tf.string and s.shape == ()
    assert s.numpy() == b"Tennis"
    v = tf.constant(["a", "b"], tf.string)
    assert v.dtype == tf.string and v.shape == (2,)
    assert v.numpy().tolist() == [b"a", b"b"]
    assert tf.constant("x").dtype == tf.string
    assert "dtype=string" in str(s)


def test_as_dtype():
    assert tf.as_dtype("float32") is tf.float32
    assert tf.as_dtype(np.float64) is tf.float64
    assert tf.as_dtype(np.dtype("int32")) is tf.int32
    assert tf.as_dtype(tf.int64) is tf.int64
    assert tf.as_dtype(float) is tf.float32 and tf.as_dtype(int) is tf.int32
    assert tf.as_dtype("double") is tf.float64 and tf.as_dtype(str) is tf.string
    with pytest.raises(TypeError, match="floot32"):
        tf.as_dtype("floot32")


def test_dtype_object_api():
    assert tf.float32 == "float32" and tf.float32 == np.float32 and tf.float32 != tf.float64
    assert tf.float32 != "not a dtype"
    assert tf.float32.is_floating and not tf.int32.is_floating and tf.int32.is_integer
    assert tf.float32.as_numpy_dtype is np.float32 and tf.float32.size == 4
    assert tf.uint8.max == 255 and tf.bool.is_bool and tf.float64.name == "float64"
    assert repr(tf.float32) == "tf.float32" and str(tf.int32) == "<dtype: 'int32'>"
    assert len({tf.float32, tf.as_dtype("float32")}) == 1
    # np.dtype(None) is float64: None must not compare equal to (or convert into) a dtype.
    assert tf.float64 != None and not (tf.float64 == None)  # noqa: E711, SIM201
    with pytest.raises(TypeError):
        tf.as_dtype(None)


# -- the Tensor API --------------------------------------------------------------------------

def test_tensor_metadata():
    t = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t.numpy(), np.ndarray)
    assert t.shape.as_list() == [2, 3] and t.shape.rank == 2 and t.ndim == 2
    assert t.shape == (2, 3) and t.shape == [2, 3] and t.shape[0] == 2
    assert isinstance(t.shape, tf.TensorShape) and t.shape[1:] == (3,)
    assert t.shape.num_elements() == 6 and t.shape.is_fully_defined()
    assert t.dtype == tf.float32 and t.dtype == "float32"
    assert np.asarray(t).shape == (2, 3) and np.array(t, dtype=np.float64).dtype == np.float64
    assert len(t) == 2
    rows = list(t)
    assert len(rows) == 2 and isinstance(rows[0], tf.Tensor)
    np.testing.assert_array_equal(rows[1].numpy(), [4.0, 5.0, 6.0])
    assert tf.is_tensor(t) and not tf.is_tensor(np.ones(2))


def test_scalar_conversions():
    s = tf.constant(2.5)
    assert float(s) == 2.5 and int(s) == 2 and bool(s)
    assert not bool(tf.constant(0.0))
    assert s.numpy() == 2.5 and np.ndim(s.numpy()) == 0
    assert f"{s:.1f}" == "2.5"
    assert [10, 20, 30][tf.constant(1)] == 20
    with pytest.raises(TypeError):
        len(s)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tf.constant([1.0, 2.0]))


def test_scalar_results_of_ops_are_arrays():
    # NumPy returns np.float32 scalars for 0-d results; tensors must still hold arrays.
    for t in [tf.constant(1.0) + tf.constant(2.0), tf.reduce_sum(tf.ones([2, 2])),
              tf.constant(3.0) * 2.0]:
        assert isinstance(t._value, np.ndarray)
        assert np.asarray(t).shape == () and float(np.array(t)) == float(t)


def test_str_and_repr_like_tf():
    t = tf.constant([[1.0, 2.0]])
    assert str(t) == "tf.Tensor([[1. 2.]], shape=(1, 2), dtype=float32)"
    assert repr(t).startswith("<tf.Tensor: shape=(1, 2), dtype=float32, numpy=array([[1., 2.]]")
    assert str(tf.constant(15)) == "tf.Tensor(15, shape=(), dtype=int32)"
    assert repr(tf.constant(4.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=4.0>"
    assert str(tf.constant([1])) == "tf.Tensor([1], shape=(1,), dtype=int32)"


def test_tensor_is_unhashable_but_ref_works():
    t = tf.constant(1.0)
    with pytest.raises(TypeError):
        hash(t)
    d = {t.ref(): 1}
    assert d[t.ref()] == 1 and t.ref().deref() is t


# -- operators ---------------------------------------------------------------------------------

def test_operators_on_tensors():
    a = tf.constant([7.0, -3.0])
    b = tf.constant([2.0, 2.0])
    cases = {
        "+": (a + b, [9.0, -1.0]), "-": (a - b, [5.0, -5.0]), "*": (a * b, [14.0, -6.0]),
        "/": (a / b, [3.5, -1.5]), "//": (a // b, [3.0, -2.0]), "%": (a % b, [1.0, 1.0]),
        "**": (a ** b, [49.0, 9.0]), "neg": (-a, [-7.0, 3.0]), "abs": (abs(a), [7.0, 3.0]),
    }
    for name, (got, want) in cases.items():
        assert isinstance(got, tf.Tensor), name
        assert got.dtype == tf.float32, name
        np.testing.assert_array_equal(got.numpy(), want, err_msg=name)
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal((m @ m).numpy(), [[7.0, 10.0], [15.0, 22.0]])


def test_integer_operators_follow_tf():
    a, b = tf.constant([7, -7]), tf.constant([2, 2])
    assert (a // b).numpy().tolist() == [3, -4] and (a // b).dtype == tf.int32
    assert (a % b).numpy().tolist() == [1, 1]
    q = a / b  # int32 / int32 is float64 in TF
    assert q.dtype == tf.float64 and q.numpy().tolist() == [3.5, -3.5]
    assert (a * 2).dtype == tf.int32


def test_comparisons_return_bool_tensors():
    a = tf.constant([1.0, 2.0, 3.0])
    for got, want in [(a < 2, [True, False, False]), (a <= 2, [True, True, False]),
                      (a > 2, [False, False, True]), (a >= 2, [False, True, True]),
                      (a == 2, [False, True, False]), (a != 2, [True, False, True])]:
        assert isinstance(got, tf.Tensor) and got.dtype == tf.bool
        assert got.numpy().tolist() == want
    assert (a == None) is False  # noqa: E711 - the TF rule for None
    assert ((a > 1) & (a < 3)).numpy().tolist() == [False, True, False]
    assert (~(a > 1)).numpy().tolist() == [True, False, False]


def test_reflected_operators_with_python_and_numpy():
    t = tf.constant([1.0, 2.0])
    for got, want in [(1 + t, [2, 3]), (1 - t, [0, -1]), (2 * t, [2, 4]), (2 / t, [2, 1]),
                      (2 ** t, [2, 4]), (5 // t, [5, 2]), (5 % t, [0, 1])]:
        assert isinstance(got, tf.Tensor) and got.dtype == tf.float32
        np.testing.assert_array_equal(got.numpy(), want)
    arr = np.array([10.0, 20.0])  # float64 array adopts the tensor's float32
    for got, want in [(arr + t, [11, 22]), (arr - t, [9, 18]), (arr * t, [10, 40]),
                      (arr / t, [10, 10]), (t + arr, [11, 22])]:
        assert isinstance(got, tf.Tensor), type(got)
        assert got.dtype == tf.float32
        np.testing.assert_array_equal(got.numpy(), want)
    m = np.eye(2)
    assert isinstance(m @ tf.constant([[1.0], [2.0]]), tf.Tensor)
    c = np.array([1.0, 1.5]) < t
    assert isinstance(c, tf.Tensor) and c.numpy().tolist() == [False, True]


def test_python_scalar_adopts_tensor_dtype():
    assert (tf.constant([1, 2]) + 1).dtype == tf.int32
    assert (tf.constant([1.0], tf.float64) * 2.5).dtype == tf.float64
    assert (tf.constant([1.0], tf.float16) + 1).dtype == tf.float16


# -- Variable ------------------------------------------------------------------------------------

def test_variable_basics():
    v = tf.Variable([1.0, 2.0], name="w")
    assert v.dtype == tf.float32 and v.shape == (2,) and v.trainable
    assert v.name == "w:0"
    assert isinstance(v, tf.Tensor)
    assert tf.Variable(1.0, trainable=False).trainable is False
    assert "tf.Variable 'w:0' shape=(2,) dtype=float32" in repr(v)


def test_variable_assign_family_in_place():
    v = tf.Variable([1.0, 2.0])
    held = v.numpy()
    assert v.assign([5.0, 6.0]) is v
    assert v.numpy().tolist() == [5.0, 6.0]
    v.assign_add([1.0, 1.0])
    assert v.numpy().tolist() == [6.0, 7.0]
    v.assign_sub(tf.constant([2.0, 2.0]))
    assert v.numpy().tolist() == [4.0, 5.0]
    assert held.tolist() == [1.0, 2.0]  # numpy() gave a copy
    v.assign_add(1.0)  # a scalar broadcasts, as in TF
    assert v.numpy().tolist() == [5.0, 6.0]


def test_variable_in_every_operator():
    v = tf.Variable([2.0, 4.0])
    assert (v + 1).numpy().tolist() == [3.0, 5.0]
    assert (1 + v).numpy().tolist() == [3.0, 5.0]
    assert (v - v).numpy().tolist() == [0.0, 0.0]
    assert (v * v).numpy().tolist() == [4.0, 16.0]
    assert (v / 2).numpy().tolist() == [1.0, 2.0]
    assert (v // 3).numpy().tolist() == [0.0, 1.0]
    assert (v % 3).numpy().tolist() == [2.0, 1.0]
    assert (v ** 2).numpy().tolist() == [4.0, 16.0]
    assert (-v).numpy().tolist() == [-2.0, -4.0]
    assert (abs(-v)).numpy().tolist() == [2.0, 4.0]
    assert (v > 3).numpy().tolist() == [False, True]
    assert (np.array([1.0, 1.0]) + v).numpy().tolist() == [3.0, 5.0]
    m = tf.Variable([[1.0, 0.0], [0.0, 2.0]])
    assert (m @ m).numpy().tolist() == [[1.0, 0.0], [0.0, 4.0]]
    assert float(tf.reduce_sum(v)) == 6.0 and v[1].numpy() == 4.0
    assert float(tf.Variable(3.0)) == 3.0


def test_variable_results_do_not_alias_its_buffer():
    v = tf.Variable([1.0, 2.0])
    copies = [v + 0, tf.identity(v), v.read_value(), tf.reshape(v, [2, 1]), v[:], tf.transpose(v)]
    v.assign([9.0, 9.0])
    for c in copies:
        assert c.numpy().ravel().tolist() == [1.0, 2.0]


def test_variable_from_list_of_tensors():
    tf.random.set_seed(1)
    v = tf.Variable([tf.random.normal([1])])
    assert v.shape == (1, 1) and v.dtype == tf.float32
    w = tf.Variable([tf.constant(1.0), tf.constant(2.0)])
    assert w.shape == (2,) and w.numpy().tolist() == [1.0, 2.0]


def test_variable_dtype_and_callable_initial_value():
    v = tf.Variable(lambda: tf.zeros([2]), dtype=tf.float32)
    assert v.numpy().tolist() == [0.0, 0.0]
    assert tf.Variable(1, dtype=tf.float64).dtype == tf.float64
    assert tf.Variable(np.zeros(3, np.float64)).dtype == tf.float64


def test_variable_deepcopy_is_independent():
    v = tf.Variable([1.0, 2.0], name="k")
    c = copy.deepcopy(v)
    v.assign([0.0, 0.0])
    assert c.numpy().tolist() == [1.0, 2.0] and isinstance(c, tf.Variable)


def test_convert_to_tensor():
    v = tf.Variable(1.0)
    assert tf.convert_to_tensor(v) is v
    a = np.ones(3, np.float64)
    assert tf.convert_to_tensor(a).dtype == tf.float64
    assert tf.convert_to_tensor([1, 2], dtype=tf.float32).dtype == tf.float32
    with pytest.raises(tf.errors.InvalidArgumentError, match="tf.cast"):
        tf.convert_to_tensor(tf.constant([1, 2]), dtype=tf.float32)


def test_string_tensors_compare_with_python_and_numpy_strings():
    # The load-images tutorial's label: ``parts[-2] == class_names``.
    parts = tf.strings.split(tf.constant("/data/roses/1.jpg"), "/")
    assert parts[-2].dtype == tf.string
    np.testing.assert_array_equal((parts[-2] == np.array(["daisy", "roses"])).numpy(),
                                  [False, True])
    np.testing.assert_array_equal((tf.constant(["x", "y"]) == "x").numpy(), [True, False])
    np.testing.assert_array_equal((tf.constant(["x"]) != "x").numpy(), [False])
    with pytest.raises(tf.errors.InvalidArgumentError, match="string"):
        tf.constant(["x"]) == 1  # noqa: B015


def test_float_and_int_of_a_one_element_tensor_of_any_rank():
    prob = tf.nn.sigmoid(tf.constant([[0.0]]))
    assert "%.1f" % (100 * prob) == "50.0" and int(tf.constant([3])) == 3
    with pytest.raises(TypeError, match="one element"):
        float(tf.constant([1.0, 2.0]))
