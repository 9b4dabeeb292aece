"""F1Score / FBetaScore and R2Score: the numbers TF 2.21 / Keras 3.15 give for the same
batches (two updates, the second weighted)."""

import numpy as np
import pytest

from ember import keras

rng = np.random.default_rng(0)
YT = np.eye(3)[rng.integers(0, 3, 20)].astype("float32")
YP = rng.uniform(size=(20, 3)).astype("float32")
Y = rng.normal(size=(30, 2)).astype("float32")
P = (Y + rng.normal(0, 0.5, (30, 2))).astype("float32")


@pytest.mark.parametrize("average, want", [
    (None, [0.4843, 0.46465, 0.40191]), ("micro", 0.45079), ("macro", 0.45029),
    ("weighted", 0.45326)])
def test_f1_score(average, want):
    m = keras.metrics.F1Score(average=average)
    m.update_state(YT[:10], YP[:10])
    m.update_state(YT[10:], YP[10:], sample_weight=np.linspace(0.5, 1, 10))
    np.testing.assert_allclose(m.result().numpy(), want, atol=2e-5)
    m.reset_state()
    m.update_state(YT, YP)
    assert m.result().shape == np.shape(want)


def test_threshold_and_fbeta():
    m = keras.metrics.F1Score(average="macro", threshold=0.5)
    m.update_state(YT, YP)
    assert float(m.result()) == pytest.approx(0.45441, abs=2e-5)
    m = keras.metrics.FBetaScore(beta=2.0)
    m.update_state(YT, YP)
    np.testing.assert_allclose(m.result().numpy(), [0.48387, 0.40541, 0.46875], atol=2e-5)
    with pytest.raises(ValueError, match="average"):
        keras.metrics.F1Score(average="mean")


@pytest.mark.parametrize("agg, want", [
    (None, [0.67045, 0.81141]), ("uniform_average", 0.74093),
    ("variance_weighted_average", 0.74978)])
def test_r2_score(agg, want):
    m = keras.metrics.R2Score(class_aggregation=agg)
    m.update_state(Y[:15], P[:15])
    m.update_state(Y[15:], P[15:], sample_weight=np.linspace(1, 2, 15))
    np.testing.assert_allclose(m.result().numpy(), want, atol=2e-5)


def test_adjusted_r2_and_use_in_fit():
    m = keras.metrics.R2Score(num_regressors=3)
    m.update_state(Y[:, :1], P[:, :1])
    assert float(m.result()) == pytest.approx(0.61327, abs=2e-5)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse",
                  metrics=[keras.metrics.R2Score()])
    x = rng.normal(size=(64, 2)).astype("float32")
    history = model.fit(x, x @ np.array([[1.0], [-2.0]], "float32"), epochs=20, verbose=0)
    assert history.history["r2_score"][-1] > 0.9
