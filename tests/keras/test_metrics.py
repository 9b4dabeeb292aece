"""ember.keras.metrics against hand computations and closed forms."""

import numpy as np
import pytest

import ember as tf
from ember.keras import backend as K
from ember.keras import losses, metrics

rng = np.random.default_rng(1)


def value(m):
    r = m.result()
    assert r.dtype == tf.float32
    return r.numpy()


# -- Mean / Sum ---------------------------------------------------------------------------

def test_mean_and_sum_accumulate_and_reset():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    m.update_state(tf.constant([2.0, 4.0]))
    assert value(m) == pytest.approx(22 / 6)
    m.reset_state()
    assert value(m) == 0.0
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert value(m) == pytest.approx(2.0)
    m.reset_states()
    m.update_state(3.0, sample_weight=2)
    m.update_state(6.0)
    assert value(m) == pytest.approx((6 + 6) / 3)
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    s.update_state(np.array([[1.0, 2.0]]))
    assert value(s) == pytest.approx(7.0)
    assert [v.name for v in metrics.Mean().variables] == ["total:0", "count:0"]
    assert not any(v.trainable for v in m.variables)


def test_call_updates_and_returns_result():
    m = metrics.Mean(name="loss")
    assert m(2.0).numpy() == 2.0
    assert m(4.0).numpy() == 3.0
    assert m.name == "loss"


# -- accuracies ---------------------------------------------------------------------------

def test_sparse_categorical_accuracy_over_batches():
    m = metrics.SparseCategoricalAccuracy()
    assert m.name == "sparse_categorical_accuracy"
    hits = total = 0
    for n in (32, 17, 5):
        y = rng.integers(0, 10, size=n)
        p = rng.normal(size=(n, 10))
        m.update_state(y if n != 17 else y[:, None].astype(np.float32), tf.constant(p))
        hits += np.sum(np.argmax(p, -1) == y)
        total += n
    assert value(m) == pytest.approx(hits / total)
    m.reset_state()
    assert value(m) == 0.0


def test_accuracies_with_sample_weight():
    w = [0.7, 0.3]
    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=w)
    assert value(m) == pytest.approx(0.3)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=w)
    assert value(m) == pytest.approx(0.3)
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert value(m) == pytest.approx(0.75)
    m.reset_state()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    assert value(m) == pytest.approx(0.5)
    m = metrics.BinaryAccuracy(threshold=0.99)
    m.update_state([1, 1, 0, 0], np.array([[0.98], [1], [0], [0.6]]))
    assert value(m) == pytest.approx(0.75)
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert value(m) == pytest.approx(0.75) and m.name == "accuracy"


def test_binary_accuracy_on_logits_with_threshold_zero():
    # TF's text classification tutorial: BinaryAccuracy(threshold=0.0) on logits; Keras 3
    # accepts any threshold.
    m = metrics.BinaryAccuracy(threshold=0.0)
    m.update_state([1, 0, 1, 0], [[2.5], [-0.3], [-0.1], [0.7]])
    assert value(m) == pytest.approx(0.5)
    m = metrics.BinaryAccuracy(threshold=1.5)
    m.update_state([1, 0], [[2.0], [1.2]])
    assert value(m) == pytest.approx(1.0)


def test_binary_accuracy_multilabel():
    y = rng.integers(0, 2, size=(8, 3))
    p = rng.uniform(size=(8, 3))
    m = metrics.BinaryAccuracy()
    m.update_state(y, p)
    assert value(m) == pytest.approx(np.mean((p > 0.5) == y))


def test_top_k():
    y = np.array([2, 1, 0])
    p = np.array([[0.1, 0.9, 0.8], [0.05, 0.95, 0.0], [0.3, 0.3, 0.4]])
    m = metrics.SparseTopKCategoricalAccuracy(k=1)
    m.update_state(y, p)
    assert value(m) == pytest.approx(1 / 3)
    m = metrics.SparseTopKCategoricalAccuracy(k=2)
    m.update_state(y[:, None], p)
    # Row 3: class 0 ties with class 1 for second place; ties count as in (TF's rule).
    assert value(m) == pytest.approx(1.0)
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state(np.eye(3)[y], p, sample_weight=[0.7, 0.3, 0.0])
    assert value(m) == pytest.approx(0.3)
    assert metrics.TopKCategoricalAccuracy().k == 5
    assert metrics.sparse_top_k_categorical_accuracy(y, p, k=1).numpy().tolist() == [0, 1, 0]
    big = rng.normal(size=(50, 20))
    labels = rng.integers(0, 20, size=50)
    ranks = (big > big[np.arange(50), labels][:, None]).sum(-1)
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(labels, big, k=5).numpy(), ranks < 5)


def test_function_forms():
    y = np.array([[0, 0, 1], [0, 1, 0]])
    p = np.array([[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert metrics.categorical_accuracy(y, p).numpy().tolist() == [0, 1]
    assert metrics.sparse_categorical_accuracy([2, 1], p).numpy().tolist() == [0, 1]
    assert metrics.binary_accuracy([[1, 0]], [[0.7, 0.2]]).numpy().tolist() == [1.0]
    assert metrics.top_k_categorical_accuracy(y, p, k=2).numpy().tolist() == [1, 1]
    assert metrics.mse is losses.mean_squared_error
    assert metrics.sparse_categorical_crossentropy is losses.sparse_categorical_crossentropy


# -- loss-valued metrics --------------------------------------------------------------------

def test_loss_metrics_average_per_sample_losses():
    y1, p1 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    y2, p2 = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    m = metrics.get("mse")
    assert isinstance(m, metrics.MeanSquaredError)
    m.update_state(y1, p1)
    m.update_state(y2, p2)
    per = np.concatenate([((y1 - p1) ** 2).mean(-1), ((y2 - p2) ** 2).mean(-1)])
    assert value(m) == pytest.approx(per.mean(), rel=1e-6)
    r = metrics.RootMeanSquaredError()
    r.update_state(y1, p1)
    r.update_state(y2, p2)
    assert value(r) == pytest.approx(np.sqrt(per.mean()), rel=1e-6)
    labels = rng.integers(0, 3, size=4)
    scce = metrics.SparseCategoricalCrossentropy(from_logits=True)
    scce.update_state(labels, p1, sample_weight=[1, 2, 0, 1])
    per_ce = losses.sparse_categorical_crossentropy(labels, p1, from_logits=True).numpy()
    assert value(scce) == pytest.approx((per_ce * [1, 2, 0, 1]).sum() / 4, rel=1e-6)
    cos = metrics.CosineSimilarity(axis=1)
    cos.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    assert value(cos) == pytest.approx(0.5, abs=1e-6)


def test_metric_updates_are_not_recorded_on_a_tape():
    w = tf.Variable(rng.normal(size=(3, 4)))
    x = tf.constant(rng.normal(size=(5, 3)))
    y = rng.integers(0, 4, size=5)
    acc = metrics.SparseCategoricalAccuracy()
    ce = metrics.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        logits = tf.matmul(x, w)
        n = len(tape._entries)
        acc.update_state(y, logits)
        ce(y, logits)
        assert len(tape._entries) == n
        loss = losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
    assert tape.gradient(loss, w) is not None


# -- precision, recall, confusion counts ----------------------------------------------------

def test_precision_recall_basic_and_weighted():
    p = metrics.Precision()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert value(p) == pytest.approx(2 / 3)
    p.reset_state()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert value(p) == pytest.approx(1.0)
    r = metrics.Recall()
    r.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert value(r) == pytest.approx(2 / 3)
    assert metrics.Recall().result().numpy() == 0.0  # nothing seen: 0, not NaN


def test_precision_recall_thresholds_accumulate():
    y = rng.integers(0, 2, size=(40,))
    s = rng.uniform(size=(40,))
    th = [0.0, 0.25, 0.5, 0.9]
    p, r = metrics.Precision(thresholds=th), metrics.Recall(thresholds=th)
    for part in (slice(0, 15), slice(15, 40)):
        p.update_state(y[part], s[part])
        r.update_state(y[part][:, None], s[part][:, None])
    for i, t in enumerate(th):
        pred = s > t
        tp = np.sum(pred & (y == 1))
        assert value(p)[i] == pytest.approx(tp / max(np.sum(pred), 1))
        assert value(r)[i] == pytest.approx(tp / np.sum(y == 1))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])


def test_precision_top_k_and_class_id():
    y = np.array([[0, 0, 1, 1], [1, 0, 0, 0]])
    s = np.array([[0.9, 0.8, 0.7, 0.1], [0.2, 0.1, 0.6, 0.5]])
    p = metrics.Precision(top_k=2)
    p.update_state(y, s)
    # Top-2 per row: row 0 -> classes 0, 1 (both wrong); row 1 -> classes 2, 3 (both wrong).
    assert value(p) == 0.0
    m = metrics.Precision(top_k=1)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert value(m) == 0.0
    r = metrics.Recall(class_id=2)
    r.update_state(y, s)
    assert value(r) == pytest.approx(1.0)  # class 2 is labelled once and scores 0.7 > 0.5
    p2 = metrics.Precision(class_id=2, thresholds=0.5)
    p2.update_state(y, s)
    assert value(p2) == pytest.approx(0.5)  # predicted for both rows, right in one


def test_confusion_counts():
    for cls, expect in [(metrics.TruePositives, 2), (metrics.FalsePositives, 1),
                        (metrics.TrueNegatives, 0), (metrics.FalseNegatives, 1)]:
        m = cls()
        m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        assert value(m) == expect


# -- AUC --------------------------------------------------------------------------------------

def brute_force_auc(y, s, thresholds, curve="ROC", method="interpolation", w=None):
    w = np.ones_like(s) if w is None else w
    pos = s[None, :] > np.asarray(thresholds)[:, None]
    lab = y.astype(bool)[None, :]
    tp = (pos & lab) @ w
    fp = (pos & ~lab) @ w
    fn = (~pos & lab) @ w
    tn = (~pos & ~lab) @ w
    tpr = tp / (tp + fn)
    fpr = fp / (fp + tn)
    if curve == "ROC":
        x, yy = fpr, tpr
    else:
        x, yy = tpr, np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1e-300), 0)
    h = {"interpolation": (yy[:-1] + yy[1:]) / 2, "minoring": np.minimum(yy[:-1], yy[1:]),
         "majoring": np.maximum(yy[:-1], yy[1:])}[method]
    return np.sum((x[:-1] - x[1:]) * h)


def test_auc_keras_example():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert value(m) == pytest.approx(0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert value(m) == pytest.approx(1.0)


@pytest.mark.parametrize("curve,method", [("ROC", "interpolation"), ("ROC", "minoring"),
                                          ("ROC", "majoring"), ("PR", "minoring"),
                                          ("PR", "majoring")])
def test_auc_matches_trapezoid_over_the_same_thresholds(curve, method):
    y = rng.integers(0, 2, size=300)
    s = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).astype(np.float32)
    w = rng.uniform(0.5, 2, size=300)
    m = metrics.AUC(num_thresholds=50, curve=curve, summation_method=method)
    for part in np.array_split(np.arange(300), 4):
        m.update_state(y[part], s[part], sample_weight=w[part])
    expect = brute_force_auc(y, s.astype(np.float64), np.float32(m.thresholds), curve, method, w)
    assert value(m) == pytest.approx(expect, abs=1e-5)


def test_auc_approaches_the_exact_roc_auc():
    y = rng.integers(0, 2, size=500)
    s = rng.uniform(size=500) * 0.6 + 0.4 * y
    pos, neg = s[y == 1], s[y == 0]
    exact = np.mean(pos[:, None] > neg[None, :])  # Mann-Whitney, no ties
    m = metrics.AUC(num_thresholds=2000)
    m.update_state(y, s)
    assert value(m) == pytest.approx(exact, abs=2e-3)
    assert m.name.startswith("auc")


def test_auc_pr_interpolation_on_a_perfect_ranking():
    m = metrics.AUC(curve="PR")
    m.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert value(m) == pytest.approx(1.0, abs=1e-6)


def test_auc_from_logits_and_multilabel():
    y = rng.integers(0, 2, size=(60, 3))
    z = rng.normal(size=(60, 3)) + y
    a = metrics.AUC(from_logits=True)
    a.update_state(y, z)
    b = metrics.AUC()
    b.update_state(y, 1 / (1 + np.exp(-z)))
    assert value(a) == pytest.approx(value(b), abs=1e-6)
    ml = metrics.AUC(multi_label=True)
    ml.update_state(y, z)
    per = []
    for j in range(3):
        one = metrics.AUC()
        one.update_state(y[:, j], z[:, j])
        per.append(value(one))
    assert value(ml) == pytest.approx(np.mean(per), abs=1e-6)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XYZ")


# -- look-up ----------------------------------------------------------------------------------

def test_get_and_suggestions():
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get("sparse_categorical_accuracy"),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("mae"), metrics.MeanAbsoluteError)
    m = metrics.Precision()
    assert metrics.get(m) is m
    with pytest.raises(ValueError) as e:
        metrics.get("sparse_categorical_acuracy")
    assert "Could not interpret metric identifier" in str(e.value)
    assert "Did you mean 'sparse_categorical_accuracy'?" in str(e.value)
    with pytest.raises(ValueError, match="Did you mean 'precision'"):
        metrics.get("precison")


@pytest.mark.parametrize("y_true_shape,y_pred_shape,loss,expected", [
    ((8,), (8, 10), None, metrics.SparseCategoricalAccuracy),
    ((8, 1), (8, 10), None, metrics.SparseCategoricalAccuracy),
    ((8, 10), (8, 10), None, metrics.CategoricalAccuracy),
    ((8, 1), (8, 1), None, metrics.BinaryAccuracy),
    ((8,), (8, 1), None, metrics.BinaryAccuracy),
    ((8, 3), (8, 3), "binary_crossentropy", metrics.BinaryAccuracy),
    ((8, 3), (8, 3), losses.BinaryCrossentropy(), metrics.BinaryAccuracy),
    ((8, 3), (8, 3), "categorical_crossentropy", metrics.CategoricalAccuracy),
])
def test_get_metric_resolves_accuracy(y_true_shape, y_pred_shape, loss, expected):
    for ident in ("accuracy", "acc"):
        m = metrics.get_metric(ident, np.zeros(y_true_shape), tf.zeros(y_pred_shape), loss=loss)
        assert type(m) is expected and m.name == ident


def test_get_metric_other_identifiers():
    ce = metrics.get_metric("crossentropy", np.zeros(8), np.zeros((8, 10)))
    assert isinstance(ce, metrics.SparseCategoricalCrossentropy) and ce.name == "crossentropy"
    assert isinstance(metrics.get_metric("ce", np.zeros((8, 1)), np.zeros((8, 1))),
                      metrics.BinaryCrossentropy)
    mse = metrics.get_metric("mse", None, None)
    assert isinstance(mse, metrics.MeanSquaredError) and mse.name == "mse"
    fn = metrics.get_metric(losses.mean_absolute_error, None, None)
    assert isinstance(fn, metrics.MeanMetricWrapper) and fn.name == "mean_absolute_error"
    auc = metrics.AUC(name="my_auc")
    assert metrics.get_metric(auc, None, None) is auc and auc.name == "my_auc"
    assert metrics.get_metric(None, None, None) is None


def test_default_names_are_unique_until_clear_session():
    K.clear_session()
    assert metrics.AUC().name == "auc"
    assert metrics.AUC().name == "auc_1"
    assert metrics.Precision().name == "precision"
    assert metrics.SparseCategoricalAccuracy().name == "sparse_categorical_accuracy"
    K.clear_session()
    assert metrics.AUC().name == "auc"


def test_custom_metric_subclass_keras2_style():
    class TruePositiveCount(metrics.Metric):
        def __init__(self, name="tp_count", **kwargs):
            super().__init__(name=name, **kwargs)
            self.tp = self.add_weight(name="tp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = tf.logical_and(tf.cast(y_true, tf.bool), tf.cast(y_pred, tf.bool))
            self.tp.assign_add(tf.reduce_sum(tf.cast(hits, self.dtype)))

        def result(self):
            return self.tp

    m = TruePositiveCount()
    m.update_state(np.array([1, 1, 0]), np.array([1, 0, 1]))
    m(np.array([1]), np.array([1]))
    assert float(m.result()) == 2.0
    m.reset_state()
    assert float(m.result()) == 0.0
    assert m.variables[0].shape == ()

    class Forgot(metrics.Metric):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match="super"):
        Forgot().add_variable(())


def test_config_round_trip():
    for m in [metrics.AUC(num_thresholds=10, curve="PR", name="a"), metrics.Precision(top_k=2),
              metrics.BinaryAccuracy(threshold=0.3), metrics.SparseTopKCategoricalAccuracy(k=3),
              metrics.MeanMetricWrapper(losses.hinge, name="h"),
              metrics.CategoricalCrossentropy(from_logits=True)]:
        back = metrics.deserialize(metrics.serialize(m))
        assert type(back) is type(m) and back.get_config() == m.get_config()
