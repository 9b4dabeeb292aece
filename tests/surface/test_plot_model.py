"""keras.utils.plot_model: a PNG of the layer graph, drawn with matplotlib (no graphviz)."""

import pytest

import ember as tf

pytest.importorskip("matplotlib")

from ember.keras.utils.model_plot import model_figure


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts if t.get_gid()]


def _sequential():
    return tf.keras.Sequential([
        tf.keras.layers.Dense(128, activation="relu", input_shape=(784,)),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(10, activation="softmax")])


def test_sequential_png_with_shapes(tmp_path):
    from matplotlib.image import imread

    path = tmp_path / "model.png"
    tf.keras.utils.plot_model(_sequential(), to_file=str(path), show_shapes=True)
    image = imread(str(path))
    assert image.shape[0] > 300 and image.shape[1] > 300
    assert image[..., :3].min() < 0.5  # something is drawn on the white page


def test_boxes_say_what_keras_boxes_say():
    texts = _texts(model_figure(_sequential(), show_shapes=True, show_layer_names=True,
                                show_layer_activations=True))
    assert texts[0] == "input_layer (InputLayer)\nOutput shape: (None, 784)"
    assert texts[1].startswith("dense") and "(Dense)\nActivation: relu" in texts[1]
    assert texts[1].endswith("Input shape: (None, 784)\nOutput shape: (None, 128)")
    assert texts[3].endswith("Output shape: (None, 10)")
    assert _texts(model_figure(_sequential()))[1:] == ["Dense", "Dropout", "Dense"]


def test_functional_graph_branches_and_merges():
    a, b = tf.keras.Input((8,)), tf.keras.Input((4,))
    x = tf.keras.layers.Dense(16, activation="relu")(a)
    y = tf.keras.layers.Dense(16)(b)
    z = tf.keras.layers.Concatenate()([x, y])
    model = tf.keras.Model([a, b], [tf.keras.layers.Dense(1)(z), tf.keras.layers.Dense(3)(z)])
    fig = model_figure(model, show_shapes=True)
    texts = _texts(fig)
    assert texts.count("InputLayer\nOutput shape: (None, 8)") == 1
    concat = next(t for t in texts if t.startswith("Concatenate"))
    assert "Input shape: (None, 16), (None, 16)" in concat and "(None, 32)" in concat
    arrows = [c for c in fig.axes[0].texts if not c.get_gid()]
    assert len(arrows) == 6  # 2 inputs -> 2 Dense -> Concatenate -> 2 Dense
    boxes = {t.get_text(): t.get_position() for t in fig.axes[0].texts if t.get_gid()}
    assert boxes[concat][1] < boxes["InputLayer\nOutput shape: (None, 8)"][1]  # drawn below


def test_unbuilt_model_and_bad_rankdir_are_refused(tmp_path):
    with pytest.raises(ValueError, match="build it"):
        tf.keras.utils.plot_model(tf.keras.Sequential([tf.keras.layers.Dense(2)]),
                                  to_file=str(tmp_path / "m.png"))
    with pytest.raises(ValueError, match="rankdir"):
        model_figure(_sequential(), rankdir="BT")
