"""The learner's pictures: loss surface, layers over training, boundary frames, on real fits."""

import numpy as np
import pytest

import ember as tf

pytest.importorskip("matplotlib")


def _circle(n=160, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)).astype("float32")
    y = ((x ** 2).sum(axis=1) < 1.0).astype("float32")[:, None]
    return x, y


def _deep(activation, depth=5, width=12):
    tf.keras.utils.set_random_seed(0)
    layers = [tf.keras.layers.Dense(width, activation=activation, input_shape=(2,))]
    layers += [tf.keras.layers.Dense(width, activation=activation) for _ in range(depth - 1)]
    model = tf.keras.Sequential(layers + [tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def test_gradients_vanish_with_sigmoid_and_not_with_relu():
    x, y = _circle()
    runs = {}
    for act in ("sigmoid", "relu"):
        stats = tf.plot.LayerStatistics(x[:64], y[:64])
        _deep(act).fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[stats])
        assert stats.epochs == [0, 1, 2]
        assert len(stats.layer_names) == 6
        assert all(len(v) == 3 for v in stats.gradient_norms.values())
        runs[act] = stats
    sig = [runs["sigmoid"].gradient_norms[n][0] for n in runs["sigmoid"].layer_names]
    relu = [runs["relu"].gradient_norms[n][0] for n in runs["relu"].layer_names]
    assert sig[0] < sig[-1] / 100  # shrinks by σ' ≤ 1/4 per layer towards the input
    assert relu[0] > relu[-1] / 10
    fig = tf.plot.plot_gradients_by_depth(runs)
    lines = fig.axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == ["sigmoid", "relu"]
    np.testing.assert_allclose(lines[0].get_ydata(), sig)
    fig = tf.plot.plot_layer_statistics(runs["sigmoid"], title="sigmoid")
    grad_ax, act_ax = fig.axes[:2]
    assert len(grad_ax.get_lines()) == len(act_ax.get_lines()) == 6
    first = runs["sigmoid"].layer_names[0]
    np.testing.assert_allclose(act_ax.get_lines()[0].get_ydata(),
                               runs["sigmoid"].activations[first])


def test_decision_boundary_frames_move_epoch_by_epoch(tmp_path):
    from PIL import Image

    x, y = _circle()
    frames = tf.plot.DecisionBoundaryFrames(x, y, resolution=30)
    _deep("relu", depth=2).fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[frames])
    assert [e for e, _ in frames.frames] == [0, 1, 2, 3, 4]
    assert frames.frames[0][1].shape == (30, 30)
    assert np.abs(frames.frames[-1][1] - frames.frames[0][1]).max() > 0.05
    fig = tf.plot.plot_boundary_frames(frames, path=tmp_path / "frames.png")
    assert [ax.get_title() for ax in fig.axes] == [f"epoch {k}" for k in range(5)]
    gif = tf.plot.save_boundary_gif(frames, tmp_path / "boundary.gif")
    with Image.open(gif) as im:
        assert im.n_frames == 5


def test_loss_surface_is_centred_on_the_trained_weights():
    x, y = _circle(96)
    model = _deep("relu", depth=2)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    before = [w.copy() for w in model.get_weights()]
    fig = tf.plot.loss_surface(model, x, y, steps=7, span=0.5)
    alphas, betas, losses = fig.surface
    assert losses.shape == (7, 7) and alphas[3] == betas[3] == 0
    np.testing.assert_allclose(losses[3, 3], model.evaluate(x, y, verbose=0), rtol=1e-5)
    assert losses[3, 3] < np.mean([losses[0, 0], losses[0, -1], losses[-1, 0], losses[-1, -1]])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # the weights were put back


def test_bad_input_is_refused_clearly():
    x, y = _circle(20)
    with pytest.raises(ValueError, match="shape \\(n, 2\\)"):
        tf.plot.DecisionBoundaryFrames(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="no records yet"):
        tf.plot.plot_layer_statistics(tf.plot.LayerStatistics(x, y))
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="compile the model"):
        tf.plot.loss_surface(model, x, y)
