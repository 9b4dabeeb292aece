"""tf.Module and tf.name_scope, against what TF 2.21 gives for the same classes."""

import pytest

import ember as tf
from ember.module import current_name_scope


class Inner(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.v = tf.Variable(1.0, name="v")
        self.lst = [tf.Variable(2.0, name="a", trainable=False), {"k": tf.Variable(3.0, name="k")}]

    @tf.Module.with_name_scope
    def scope_now(self):
        with tf.name_scope("op") as scope:
            return scope


class Outer(tf.Module):
    def __init__(self):
        super().__init__()
        self.m = Inner(name="inner_m")
        self.ms = [Inner()]


def _names(vs):
    return [v.name for v in vs]


def test_variables_found_through_attributes_lists_and_dicts_in_tf_order():
    o = Outer()
    # TF 2.21: own attributes by sorted name, then each sub-module's tree.
    assert _names(o.variables) == ["a:0", "k:0", "v:0", "a:0", "k:0", "v:0"]
    assert _names(o.trainable_variables) == ["k:0", "v:0", "k:0", "v:0"]
    assert _names(o.non_trainable_variables) == ["a:0", "a:0"]
    assert o.submodules == (o.m, o.ms[0])


def test_names_and_name_scopes():
    o = Outer()
    assert (o.name, o.name_scope.name, o.m.name_scope.name) == ("outer", "outer/", "inner_m/")
    assert tf.Module().name == "module" and Inner().name == "inner"
    with pytest.raises(ValueError, match="not a valid module name"):
        tf.Module(name="bad name")


def test_with_name_scope_and_nested_name_scopes():
    m = Inner(name="blk")
    assert m.scope_now() == "blk/op/"
    assert current_name_scope() == ""  # every scope closed again
    with tf.name_scope("a"):
        with tf.name_scope("b") as scope:
            assert scope == "a/b/"
        with tf.name_scope("abs/") as scope:
            assert scope == "abs/"


def test_modules_in_a_cycle_are_walked_once():
    a, b = tf.Module(name="a"), tf.Module(name="b")
    a.other, b.other = b, a
    a.w = tf.Variable(1.0)
    assert a.submodules == (b,)
    assert len(a.variables) == 1


def test_keras_layers_are_not_entered_as_in_keras_3():
    m = tf.Module()
    layer = tf.keras.layers.Dense(2)
    layer.build((None, 3))
    m.layer = layer
    assert m.variables == ()
