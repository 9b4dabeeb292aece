"""ember.plot.graph and the graph-drawing module: what is drawn, counted."""

import numpy as np
import pytest

import ember as tf
from ember.graph_drawing import Edge, Node, draw, layers, layout

pytest.importorskip("matplotlib")


def _gids(fig, prefix):
    return [p.get_gid() for p in fig.axes[0].patches
            if p.get_gid() and p.get_gid().startswith(prefix)]


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_perceptron_graph_has_one_box_per_recorded_op_and_gradient_labels(tmp_path):
    layer = tf.keras.layers.Dense(1, activation="sigmoid")
    layer.build((None, 2))
    layer.set_weights([np.array([[3.0], [-2.0]], "float32"), np.array([1.0], "float32")])
    w, w0 = layer.kernel, layer.bias
    x = tf.constant([[4.0, 2.0]])
    y = tf.constant([[1.0]])
    with tf.GradientTape() as tape:
        y_hat = layer(x)
        L = -(y * tf.math.log(y_hat) + (1 - y) * tf.math.log(1 - y_hat))
    n_ops = len(tape._entries)
    n_inputs = sum(len(inputs) for _, _, inputs, _ in tape._entries)
    fig = tf.plot.graph(L, path=tmp_path / "graph.png")
    assert len(_gids(fig, "node:op:")) == n_ops == 9
    assert len(_gids(fig, "edge:")) == n_inputs + 1  # every input, and L leaving the last op
    texts = "\n".join(_texts(fig))
    assert "Dense\n→" in texts and "Sigmoid\n→ ŷ" in texts
    assert "∂L/∂w: [[-0.00049353], [-0.00024676]]" in texts
    assert "ŷ (1, 1) = 0.99988" in texts
    assert w0.shape == (1,) and "w₀" in texts  # named after the caller's local variable
    assert (tmp_path / "graph.png").stat().st_size > 10_000
    # Drawing did not use the tape up.
    gw = tape.gradient(L, w)
    np.testing.assert_allclose(gw.numpy().ravel(), [-0.00049353, -0.00024676], rtol=1e-4)


def test_graph_of_a_tape_without_target_shows_no_gradients():
    v = tf.Variable([1.0, 2.0], name="v")
    with tf.GradientTape() as tape:
        s = tf.reduce_sum(tf.exp(v))
    fig = tf.plot.graph(tape)
    assert len(_gids(fig, "node:op:")) == 2
    assert not any("∂" in t for t in _texts(fig))
    assert f"s () = {float(s):.5g}" in "\n".join(_texts(fig))


def test_long_tape_draws_only_the_last_ops():
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = v
        for _ in range(100):
            y = y * 1.01
    fig = tf.plot.graph(tape, max_ops=10)
    assert len(_gids(fig, "node:op:")) == 10
    assert any("the last 10 of 100 ops" in t for t in _texts(fig))


def test_empty_tape_says_what_to_watch():
    with tf.GradientTape() as tape:
        tf.constant(2.0) * 3.0
    with pytest.raises(ValueError, match="tape.watch"):
        tf.plot.graph(tape)


def test_layers_and_layout_of_a_diamond():
    nodes = [Node(i, i) for i in "abcd"]
    edges = [Edge("a", "b"), Edge("a", "c"), Edge("b", "d"), Edge("c", "d", "label")]
    assert layers(nodes, edges) == [["a"], ["b", "c"], ["d"]]
    place = layout(nodes, edges)
    assert place["a"][1] > place["b"][1] == place["c"][1] > place["d"][1]
    assert place["b"][0] < place["c"][0]
    fig = draw(nodes, edges, title="diamond")
    assert len(_gids(fig, "node:")) == 4 and len(_gids(fig, "edge:")) == 4


def test_bad_graphs_are_refused():
    with pytest.raises(ValueError, match="cycle"):
        layers([Node("a", "a"), Node("b", "b")], [Edge("a", "b"), Edge("b", "a")])
    with pytest.raises(ValueError, match="no node has id 'z'"):
        layers([Node("a", "a")], [Edge("a", "z")])
    with pytest.raises(ValueError, match="unique id"):
        layers([Node("a", "a"), Node("a", "b")], [])


def test_left_to_right_layout_puts_layers_in_columns():
    nodes = [Node("in", "input\n(None, 784)", kind="layer"), Node("d", "Dense\n(None, 10)",
                                                                  kind="layer")]
    edges = [Edge("in", "d", "(None, 784)")]
    place = layout(nodes, edges, direction="LR")
    assert place["in"][0] < place["d"][0] and place["in"][1] == place["d"][1]
    fig = draw(nodes, edges, direction="LR")
    assert len(_gids(fig, "node:layer:")) == 2
    with pytest.raises(ValueError, match="'TB' or 'LR'"):
        layout(nodes, edges, direction="BT")
