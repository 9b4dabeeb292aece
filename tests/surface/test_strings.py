"""tf.strings, tf.ragged and tf.sparse: results as TF 2.21 gives them."""

import pytest

import ember as tf
from ember.errors import InvalidArgumentError

S = ["Hello World", " \u00c9t\u00c9  ", "a,b,,c"]


def _list(t):
    return t.numpy().tolist()


def test_case_changes():
    s = tf.constant(S)
    assert _list(tf.strings.lower(s)) == [b"hello world", " \u00c9t\u00c9  ".encode(), b"a,b,,c"]
    assert _list(tf.strings.lower(s, encoding="utf-8"))[1] == " \u00e9t\u00e9  ".encode()
    assert tf.strings.upper("abc").numpy() == b"ABC"


def test_regex_replace_with_groups_and_first_only():
    s = tf.constant(S)
    assert _list(tf.strings.regex_replace(s, r"(l+)", r"<\1>"))[0] == b"He<ll>o Wor<l>d"
    assert _list(tf.strings.regex_replace(s, "l", "L", replace_global=False))[0] == b"HeLlo World"


def test_split_scalar_gives_tensor_vector_gives_ragged():
    assert _list(tf.strings.split("a b  c")) == [b"a", b"b", b"c"]
    assert _list(tf.strings.split("a,b,,c", ",")) == [b"a", b"b", b"", b"c"]
    assert _list(tf.strings.split("a b c", maxsplit=1)) == [b"a", b"b c"]
    r = tf.strings.split(tf.constant(S))
    assert r.to_list() == [[b"Hello", b"World"], ["\u00c9t\u00c9".encode()], [b"a,b,,c"]]
    assert _list(r.to_tensor()) == [[b"Hello", b"World"], ["\u00c9t\u00c9".encode(), b""],
                                    [b"a,b,,c", b""]]


def test_join_reduce_join_length_strip():
    s = tf.constant(S)
    assert tf.strings.join(["a", "b"], separator="-").numpy() == b"a-b"
    assert _list(tf.strings.join([s, "!"]))[2] == b"a,b,,c!"
    assert tf.strings.reduce_join(tf.constant(["x", "y"]), separator="|").numpy() == b"x|y"
    assert _list(tf.strings.length(s)) == [11, 8, 6]
    assert _list(tf.strings.length(s, unit="UTF8_CHAR")) == [11, 6, 6]
    assert tf.strings.length(s).dtype == tf.int32
    assert _list(tf.strings.strip(s))[1] == "\u00c9t\u00c9".encode()


def test_unicode_split_substr_as_string_to_number():
    assert _list(tf.strings.unicode_split("h\u00e9l", "UTF-8")) == [b"h", "\u00e9".encode(), b"l"]
    assert tf.strings.unicode_split(["ab", "c"], "UTF-8").to_list() == [[b"a", b"b"], [b"c"]]
    assert tf.strings.substr("hello", 1, 3).numpy() == b"ell"
    assert _list(tf.strings.as_string(tf.constant([3.5, 1e-8]))) == [b"3.500000", b"0.000000"]
    assert tf.strings.as_string(tf.constant(3.14159), precision=2).numpy() == b"3.14"
    assert tf.strings.as_string(True).numpy() == b"true"
    n = tf.strings.to_number(["1.5", " 2", "3e2"])
    assert n.dtype == tf.float32 and _list(n) == [1.5, 2.0, 300.0]
    assert tf.strings.to_number("7", out_type=tf.int32).numpy() == 7


def test_bad_inputs_named_as_tf_does():
    with pytest.raises(InvalidArgumentError, match="could not correctly convert string: abc"):
        tf.strings.to_number("abc")
    with pytest.raises(InvalidArgumentError, match="tf.strings.lower: input must be a string"):
        tf.strings.lower(tf.constant([1]))


def test_ragged_constant_basics_and_sparse_refused():
    r = tf.ragged.constant([[1, 2], [3]])
    assert repr(r) == "<tf.RaggedTensor [[1, 2], [3]]>"
    assert r.to_list() == [[1, 2], [3]] and r.dtype == tf.int32
    assert tuple(r.shape) == (2, None) and _list(r.row_lengths()) == [2, 1]
    assert _list(r.to_tensor()) == [[1, 2], [3, 0]] and _list(r[1]) == [3]
    with pytest.raises(ValueError, match="rank 2"):
        tf.ragged.constant([[[1]]])
    with pytest.raises(TypeError, match="to_tensor"):
        r + 1
    with pytest.raises(AttributeError, match="tf.sparse.sparse_dense_matmul is not supported"):
        tf.sparse.sparse_dense_matmul  # noqa: B018
