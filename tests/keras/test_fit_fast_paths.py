"""fit's fast paths (issue 17, part 2) give the numbers of the general path.

Each fast path is switched off with monkeypatch and the same seeded training is run again:
losses, metrics and weights after a few epochs must agree within float32 rounding (most are
bit-identical: the same BLAS calls and sums, only written into other buffers).
"""

import numpy as np
import pytest

import ember as tf
from ember.keras.optimizers.optimizer import Optimizer

keras = tf.keras


def _data(n=300, features=20, classes=5, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x[:, :classes].argmax(axis=1) + (rng.random(n) < 0.2)) % classes
    return x, y.astype("int64")


def _seed_mlp(seed=0, features=20, classes=5, dropout=0.3, optimizer="adam"):
    """The seed's MLP in small: Dense relu, Dropout, Dense relu, Dropout, Dense softmax."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.layers.Dense(16, activation="relu", input_shape=(features,)),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(classes, activation="softmax"),
    ])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _train(model_fn, epochs=3, **fit_kwargs):
    x, y = _data()
    model = model_fn()
    history = model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, **fit_kwargs)
    return history.history, [w.copy() for w in model.get_weights()], model


def _assert_same(fast, slow, rtol=1e-6, atol=1e-6):
    (h_fast, w_fast, _), (h_slow, w_slow, _) = fast, slow
    assert sorted(h_fast) == sorted(h_slow)
    for key in h_fast:
        np.testing.assert_allclose(h_fast[key], h_slow[key], rtol=rtol, atol=atol, err_msg=key)
    assert len(w_fast) == len(w_slow)
    for a, b in zip(w_fast, w_slow):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _no_pool(monkeypatch):
    monkeypatch.setattr(Optimizer, "_gradient_buffers", lambda self, variables: None)


# ----------------------------------------------------------------- gradients into the pool

def test_fit_writes_gradients_into_the_optimizer_pool(monkeypatch):
    """The fast path is taken: after a step the pooled gradient buffer holds dW, db."""
    x, y = _data()
    model = _seed_mlp(dropout=0.0)
    model.fit(x[:64], y[:64], batch_size=32, epochs=1, verbose=0)
    pool = model.optimizer._flat
    seen = []
    real = tf.GradientTape._gradient_into

    def spy(tape, target, sources, buffers):
        grads = real(tape, target, sources, buffers)
        seen.append([tf.tensor.as_array(g) is b for g, b in zip(grads, buffers)])
        return grads

    monkeypatch.setattr(tf.GradientTape, "_gradient_into", spy)
    model.fit(x[:32], y[:32], batch_size=32, epochs=1, verbose=0, shuffle=False)
    assert seen == [[True] * len(pool.grad_views)]


def test_gradients_into_the_pool_train_as_the_copy_does(monkeypatch):
    fast = _train(_seed_mlp)
    _no_pool(monkeypatch)
    slow = _train(_seed_mlp)
    _assert_same(fast, slow, rtol=0, atol=0)  # the same BLAS calls: bit-identical


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_pool_fast_path_with_other_optimizers(monkeypatch, optimizer):
    fast = _train(lambda: _seed_mlp(optimizer=optimizer))
    _no_pool(monkeypatch)
    slow = _train(lambda: _seed_mlp(optimizer=optimizer))
    _assert_same(fast, slow, rtol=0, atol=0)


def test_pool_fast_path_with_a_layer_used_twice(monkeypatch):
    """A kernel read by two Dense calls gets the sum of both gradients, not the last one."""
    def shared():
        keras.utils.set_random_seed(3)
        inp = keras.Input((20,))
        dense = keras.layers.Dense(20, activation="tanh")
        h = dense(dense(inp))
        out = keras.layers.Dense(5, activation="softmax")(h)
        model = keras.Model(inp, out)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    fast = _train(shared)
    _no_pool(monkeypatch)
    slow = _train(shared)
    _assert_same(fast, slow, rtol=0, atol=0)


# ------------------------------------------- a GradientTape step: one fresh flat buffer

def _tape_steps(model, x, y, steps, keep=None, no_flat=False, shared=None):
    """The TF custom-training step: tape.gradient, then optimizer.apply_gradients."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    opt = model.optimizer
    for k in range(steps):
        xb, yb = x[32 * k:32 * (k + 1)], y[32 * k:32 * (k + 1)]
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        if shared is not None:
            shared.append(tf.tape.flat_gradients([tf.tensor.as_array(g) for g in grads]))
        if keep is not None:
            keep.append((grads, [g.numpy().copy() for g in grads]))
        if no_flat:  # the same values in arrays of their own: the optimizer copies them
            grads = [np.array(g.numpy()) for g in grads]
        opt.apply_gradients(zip(grads, model.trainable_variables))
    return [w.copy() for w in model.get_weights()]


def test_tape_gradients_lie_back_to_back_and_the_optimizer_reads_them_in_place():
    x, y = _data()
    shared = []
    fast = _tape_steps(_seed_mlp(), x, y, 5, shared=shared)
    # Each step's six gradients are views of one buffer of all the variables' size (from
    # the second step on, the pooled optimizer updates from it without a copy).
    sizes = sum(w.size for w in fast)
    assert all(b is not None and b.size == sizes for b in shared)
    slow = _tape_steps(_seed_mlp(), x, y, 5, no_flat=True)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)  # the same update as from copied gradients


def test_tape_gradients_kept_by_the_user_are_not_overwritten():
    x, y = _data()
    keep = []
    _tape_steps(_seed_mlp(), x, y, 4, keep=keep)
    for grads, values in keep:
        for g, v in zip(grads, values):
            np.testing.assert_array_equal(g.numpy(), v)
    assert keep[0][0][0].numpy().base is not keep[1][0][0].numpy().base  # fresh each call


def test_tape_gradients_in_another_order_take_the_copy():
    """Only the exact list, in order, skips the copy: gradients zipped with the variables
    reversed (or any list the tape did not write) update each variable with its own."""
    x, y = _data()
    model = _seed_mlp(dropout=0.0)
    ref = _seed_mlp(dropout=0.0)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    for m, order in ((model, -1), (ref, 1)):
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = loss_fn(y[:32], m(x[:32], training=True))
            grads = tape.gradient(loss, m.trainable_variables)
            pairs = list(zip(grads, m.trainable_variables))[::order]
            m.optimizer.apply_gradients(pairs)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert tf.tape.flat_gradients([np.zeros(3)]) is None


# ----------------------------------------------------------------- the fused mean loss

def _no_mean_form(monkeypatch):
    from ember.keras.losses import crossentropy, loss
    monkeypatch.delitem(loss.MEAN_FORMS, crossentropy.sparse_categorical_crossentropy)


def test_fused_mean_loss_trains_as_the_general_path(monkeypatch):
    fast = _train(_seed_mlp)
    _no_mean_form(monkeypatch)
    slow = _train(_seed_mlp)
    _assert_same(fast, slow, rtol=0, atol=0)


def test_fused_mean_loss_from_logits(monkeypatch):
    def logits_model():
        keras.utils.set_random_seed(4)
        model = keras.Sequential([keras.layers.Dense(16, activation="relu",
                                                     input_shape=(20,)),
                                  keras.layers.Dense(5)])
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        return model

    fast = _train(logits_model)
    _no_mean_form(monkeypatch)
    slow = _train(logits_model)
    _assert_same(fast, slow, rtol=0, atol=0)


@pytest.mark.parametrize("kwargs", [{}, {"from_logits": True}, {"ignore_class": 2}],
                         ids=["probs", "logits", "ignore_class"])
@pytest.mark.parametrize("labels_shape", [(8,), (8, 1)], ids=["flat", "column"])
def test_loss_object_value_and_gradient_match_the_general_path(monkeypatch, kwargs,
                                                               labels_shape):
    rng = np.random.default_rng(9)
    z = tf.Variable(rng.normal(size=(8, 5)).astype("float32"))
    labels = rng.integers(0, 5, 8).reshape(labels_shape)
    loss = keras.losses.SparseCategoricalCrossentropy(**kwargs)

    def value_and_grad():
        with tf.GradientTape() as tape:
            out = z if kwargs.get("from_logits") else tf.nn.softmax(z)
            value = loss(labels, out)
        return value.numpy(), tape.gradient(value, z).numpy()

    fast = value_and_grad()
    _no_mean_form(monkeypatch)
    slow = value_and_grad()
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-6)
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-6, atol=1e-7)


def test_sample_weights_and_bad_labels_keep_the_general_behaviour():
    x, y = _data(n=64)
    model = _seed_mlp(dropout=0.0)
    weights = np.linspace(0.0, 2.0, 64).astype("float32")
    history = model.fit(x, y, sample_weight=weights, batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="sparse_categorical_crossentropy"):
        model.fit(x, np.full(64, 7), batch_size=32, epochs=1, verbose=0)


def test_compiled_sparse_crossentropy_records_one_fused_loss_op():
    x, y = _data(n=32)
    model = _seed_mlp(dropout=0.0)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # resolves the compiled loss
    with tf.GradientTape() as tape:
        loss = model.compute_loss(x, y, model(x, training=True))
    ops_recorded = [entry[0] for entry in tape._entries]
    assert ops_recorded[-1] == "SparseSoftmaxCEMean"
    assert loss.shape == ()
    assert "Mean" not in ops_recorded


# ----------------------------------------------------------------- Dense + Dropout fused

def _no_stack(monkeypatch):
    from ember.keras.models import sequential
    monkeypatch.setattr(sequential, "_dense_run", lambda layers, i, x: ([], i))


def _no_fusion(monkeypatch):
    from ember.keras.models import sequential
    _no_stack(monkeypatch)
    monkeypatch.setattr(sequential, "_fuses_dropout", lambda layer, after, x: False)


def test_dense_dropout_fusion_trains_as_two_layers(monkeypatch):
    fast = _train(_seed_mlp)
    _no_fusion(monkeypatch)
    slow = _train(_seed_mlp)
    _assert_same(fast, slow, rtol=0, atol=0)  # the same random draws, the same products


def test_dense_dropout_fusion_linear_dense(monkeypatch):
    def linear_then_dropout():
        keras.utils.set_random_seed(6)
        model = keras.Sequential([keras.layers.Dense(12, input_shape=(20,)),
                                  keras.layers.Dropout(0.5),
                                  keras.layers.Dense(5, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    fast = _train(linear_then_dropout)
    _no_fusion(monkeypatch)
    slow = _train(linear_then_dropout)
    _assert_same(fast, slow, rtol=1e-6, atol=1e-7)


def test_the_fused_op_is_recorded_only_where_it_applies():
    x, _ = _data(n=8)
    model = _seed_mlp()
    with tf.GradientTape() as tape:
        model(x, training=True)
    names = [entry[0] for entry in tape._entries]
    assert names.count("DenseDropout") == 2 and "Mul" not in names
    with tf.GradientTape() as tape:  # inference: plain Dense ops, Dropout does nothing
        model(x, training=False)
    assert [e[0] for e in tape._entries].count("DenseDropout") == 0
    keras.utils.set_random_seed(0)
    tanh_model = keras.Sequential([keras.layers.Dense(4, activation="tanh", input_shape=(20,)),
                                   keras.layers.Dropout(0.3)])
    with tf.GradientTape() as tape:
        tanh_model(x, training=True)
    assert [e[0] for e in tape._entries] == ["Dense", "Mul"]  # tanh is not fused


# ----------------------------------------------------------------- a run of Dense layers

def _stack_models():
    """Sequential models whose Dense runs ``dense_stack`` covers in different ways."""
    def seed_mlp():
        return _seed_mlp(seed=2)

    def no_bias_linear():
        keras.utils.set_random_seed(3)
        model = keras.Sequential([
            keras.layers.Dense(16, use_bias=False, input_shape=(20,)),
            keras.layers.Dense(12, activation="relu"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(5),
        ])
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        return model

    def tanh_breaks_the_run():  # Dense(tanh) runs as a layer between two stacks
        keras.utils.set_random_seed(4)
        model = keras.Sequential([
            keras.layers.Dense(16, activation="relu", input_shape=(20,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(5, activation="softmax"),
        ])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def sigmoid_output_l2():
        keras.utils.set_random_seed(5)
        model = keras.Sequential([
            keras.Input(shape=(20,)),
            keras.layers.Dense(16, activation="relu",
                               kernel_regularizer=keras.regularizers.l2(1e-3)),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(5, activation="sigmoid"),
        ])
        model.compile("rmsprop", "binary_crossentropy", metrics=["binary_accuracy"])
        return model

    return {"seed_mlp": seed_mlp, "no_bias_linear": no_bias_linear,
            "tanh_breaks_the_run": tanh_breaks_the_run, "sigmoid_output_l2": sigmoid_output_l2}


@pytest.mark.parametrize("name", sorted(_stack_models()))
def test_dense_stack_trains_as_the_layers_one_by_one(monkeypatch, name):
    build = _stack_models()[name]
    if name == "sigmoid_output_l2":
        x, y = _data()
        y = np.eye(5, dtype="float32")[y]

        def train():
            model = build()
            h = model.fit(x, y, batch_size=32, epochs=3, verbose=0)
            return h.history, [w.copy() for w in model.get_weights()], model
    else:
        def train():
            return _train(build)
    from ember.ops import nn as nn_ops
    calls = []
    real = nn_ops.dense_stack
    monkeypatch.setattr(nn_ops, "dense_stack", lambda *a: (calls.append(1), real(*a))[1])
    fast = train()
    assert calls, "fit did not run the Dense layers as one op"
    _no_stack(monkeypatch)
    slow = train()
    # The same draws, matmuls and masks: equal up to the order of a few float32 sums.
    _assert_same(fast, slow, rtol=1e-5, atol=1e-6)


def test_dense_stack_runs_only_in_fits_own_step(monkeypatch):
    from ember.ops import nn as nn_ops
    calls = []
    real = nn_ops.dense_stack
    monkeypatch.setattr(nn_ops, "dense_stack", lambda *a: (calls.append(1), real(*a))[1])
    x, y = _data(n=64)
    model = _seed_mlp()
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    with tf.GradientTape() as tape:  # a custom loop: the layers, one op each
        loss = loss_fn(y, model(x, training=True))
    names = [e[0] for e in tape._entries]
    assert "DenseStack" not in names and names.count("DenseDropout") == 2
    assert all(g is not None for g in tape.gradient(loss, model.trainable_variables))

    class OwnStep(keras.Sequential):  # an overridden train_step runs its own tape
        def train_step(self, data):
            xb, yb = data
            with tf.GradientTape() as tape:
                loss = self.compute_loss(y=yb, y_pred=self(xb, training=True))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            return {"loss": loss}

    keras.utils.set_random_seed(0)
    own = OwnStep([keras.layers.Dense(8, activation="relu", input_shape=(20,)),
                   keras.layers.Dense(5, activation="softmax")])
    own.compile("adam", "sparse_categorical_crossentropy")
    own.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert calls == []
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    # The first step; the other three run fit's planned step (test_planned_step.py), the
    # same arithmetic on arrays.
    assert len(calls) == 1
    monkeypatch.setattr(keras.Sequential, "_plan_fit_step", lambda self, variables: None)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert len(calls) == 5  # without a plan, one per step


def test_a_tf_function_step_fuses_and_computes_the_eager_gradients(monkeypatch):
    from ember.ops import nn as nn_ops
    calls = []
    real = nn_ops.dense_stack
    monkeypatch.setattr(nn_ops, "dense_stack", lambda *a: (calls.append(1), real(*a))[1])
    x, y = _data(n=32)
    model = _seed_mlp(dropout=0.0)  # Dropout(0) is the identity: no draws to compare
    loss_fn = keras.losses.SparseCategoricalCrossentropy()

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return loss, tape.gradient(loss, model.trainable_variables)

    eager_loss, eager_grads = step(x, y)
    assert calls == []  # an eager custom loop records one op per layer
    traced_loss, traced_grads = tf.function(step)(x, y)
    assert calls  # (three runs of one Dense: Dropout(0) is not fused)
    np.testing.assert_allclose(traced_loss.numpy(), eager_loss.numpy(), rtol=1e-6)
    for a, b in zip(traced_grads, eager_grads):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7)

    @tf.function
    def second_order(x):  # two tapes record: the layers keep their own ops
        x = tf.constant(x)
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                out = tf.reduce_sum(model(x, training=True))
            g = inner.gradient(out, x)
            penalty = tf.reduce_sum(g * g)
        return outer.gradient(penalty, model.trainable_variables)

    calls.clear()
    assert all(v is not None for v in second_order(x)[:1])
    assert calls == []


@pytest.mark.parametrize("activation", [None, "relu", "tanh", "softmax"])
@pytest.mark.parametrize("dropout", [None, 0.4])
def test_dense_rules_on_arrays_equal_the_rules_in_ops(activation, dropout):
    # With no tape recording the backward walk, the Dense rules work on arrays; with one
    # (a second derivative), in ops. Both give the same gradients.
    from ember.ops import nn as nn_ops
    if dropout is not None and activation in ("tanh", "softmax"):
        pytest.skip("dense fuses dropout only after a relu or linear activation")
    rng = np.random.default_rng(3)
    x = tf.constant(rng.normal(size=(6, 5)))
    w = tf.Variable(rng.normal(size=(5, 4)))
    b = tf.Variable(rng.normal(size=(4,)))
    u = tf.constant(rng.normal(size=(6, 4)))
    results = []
    for outer_records in (False, True):
        keras.utils.set_random_seed(0)  # the same dropout draw both times
        with tf.GradientTape() as outer:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = nn_ops.dense(x, w, b, activation, dropout=dropout)
                loss = tf.reduce_sum(y * u)
            if not outer_records:
                outer.stop_recording().__enter__()
            grads = tape.gradient(loss, [x, w, b])
        results.append([g.numpy() for g in grads])
    for raw, in_ops in zip(*results):
        np.testing.assert_allclose(raw, in_ops, rtol=1e-12, atol=1e-12)


def test_dense_stack_gradients_against_finite_differences():
    from ember.ops import nn as nn_ops
    from tests.core.gradcheck import check, rand

    x = rand((4, 5))
    w1, b1 = rand((5, 6)), rand((6,))
    w2 = rand((6, 3))
    w3, b3 = rand((3, 2)), rand((2,))

    def fn(x, w1, b1, w2, w3, b3):
        return nn_ops.dense_stack(x, [(w1, b1, "relu", None), (w2, None, None, None),
                                      (w3, b3, "softmax", None)])

    def ref(x, w1, b1, w2, w3, b3):
        h = np.maximum(x @ w1 + b1, 0) @ w2
        z = h @ w3 + b3
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    check(fn, [x, w1, b1, w2, w3, b3], ref=ref)


def test_dense_stack_dropout_draws_match_the_dropout_layer():
    from ember.ops import nn as nn_ops
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 5)).astype("float32")
    w1 = rng.normal(size=(5, 7)).astype("float32")
    w2 = rng.normal(size=(7, 3)).astype("float32")
    keras.utils.set_random_seed(9)
    fused = nn_ops.dense_stack(x, [(tf.constant(w1), None, "relu", 0.4),
                                   (tf.constant(w2), None, None, 0.5)]).numpy()
    keras.utils.set_random_seed(9)
    h = tf.nn.dropout(tf.nn.relu(x @ w1), 0.4)
    one_by_one = tf.nn.dropout(tf.matmul(h, w2), 0.5).numpy()
    np.testing.assert_allclose(fused, one_by_one, rtol=1e-6, atol=1e-6)


def test_dense_stack_names_a_shape_mismatch_and_a_bad_activation():
    from ember.errors import InvalidArgumentError
    from ember.ops import nn as nn_ops
    x = np.ones((2, 3), "float32")
    w = tf.constant(np.ones((4, 2), "float32"))
    with pytest.raises(InvalidArgumentError, match=r"layer 0 expected inputs of shape "
                                                   r"\(batch, 4\).*received \(2, 3\)"):
        nn_ops.dense_stack(x, [(w, None, "relu", None)])
    w = tf.constant(np.ones((3, 2), "float32"))
    with pytest.raises(ValueError, match="'gelu'"):
        nn_ops.dense_stack(x, [(w, None, "gelu", None)])
    with pytest.raises(ValueError, match="must be the last layer's"):
        nn_ops.dense_stack(x, [(w, None, "softmax", None), (w, None, None, None)])


def test_dropout_grad_op_gradient():
    from ember.ops import nn as nn_ops
    from tests.core.gradcheck import check, check_second_order, rand

    mask = np.array([[True, False, True], [False, True, True]])

    def ref(g):
        return np.where(mask, g * 2.0, 0.0)
    check(lambda g: nn_ops.dropout_grad(g, mask, 2.0), [rand((2, 3))], ref=ref)
    check_second_order(lambda g: nn_ops.dropout_grad(g, mask, 2.0) ** 2, [rand((2, 3))])


# ----------------------------------------------------------------- the finiteness check

def test_finite_data_is_checked_once_and_nan_data_always_warns():
    import warnings

    from ember.keras.models import data as data_mod

    x, y = _data(n=64)
    model = _seed_mlp(dropout=0.0)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert data_mod._known_finite(x)
    assert not data_mod._known_finite(x.copy())  # another array is checked anew
    assert not data_mod._known_finite(x[:32])
    bad = x.copy()
    bad[3, 2] = np.nan
    for _ in range(2):
        with pytest.warns(RuntimeWarning, match="NaN or infinite"):
            model.fit(bad, y, batch_size=32, epochs=1, verbose=0)
    assert not data_mod._known_finite(bad)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)


# ----------------------------------------------------------------- trainable_variables kept

def test_trainable_variables_follow_every_change():
    model = _seed_mlp()
    first = model.trainable_variables
    assert len(first) == 6 and model.trainable_variables == first
    first.append("not a variable")  # the caller's list is its own
    assert len(model.trainable_variables) == 6
    model.layers[0].trainable = False  # a layer frozen
    assert len(model.trainable_variables) == 4
    model.layers[0].trainable = True
    model.layers[2].kernel.trainable = False  # a variable's own flag
    assert model.trainable_variables == [v for v in first[:6] if v is not
                                         model.layers[2].kernel]
    model.layers[2].kernel.trainable = True
    model.add(keras.layers.Dense(3))  # a layer added
    model.build((None, 20))
    assert len(model.trainable_variables) == 8


def test_a_copied_model_lists_its_own_variables():
    import copy

    model = _seed_mlp()
    assert len(model.trainable_variables) == 6
    twin = copy.deepcopy(model)
    assert all(a is not b for a, b in zip(twin.trainable_variables, model.trainable_variables))
    clone = keras.models.clone_model(model)
    clone.build((None, 20))
    ids = {id(v) for v in model.trainable_variables}
    assert all(id(v) not in ids for v in clone.trainable_variables)


# ----------------------------------------------------------------- accuracy as a count

@pytest.mark.parametrize("labels", ["int", "uint8", "float", "column"])
def test_sparse_accuracy_count_equals_the_general_path(monkeypatch, labels):
    from ember.keras.metrics import MeanMetricWrapper, SparseCategoricalAccuracy

    rng = np.random.default_rng(12)
    y_pred = tf.constant(rng.random((50, 4)).astype("float32"))
    y_true = rng.integers(0, 4, 50)
    y_true = {"int": y_true, "uint8": y_true.astype("uint8"), "float": y_true.astype("float32"),
              "column": y_true.reshape(-1, 1)}[labels]
    fast = SparseCategoricalAccuracy()
    for _ in range(3):
        fast.update_state(y_true, y_pred)
    monkeypatch.setattr(SparseCategoricalAccuracy, "update_state",
                        MeanMetricWrapper.update_state)
    slow = SparseCategoricalAccuracy()
    for _ in range(3):
        slow.update_state(y_true, y_pred)
    assert fast.result().numpy() == slow.result().numpy()
    assert fast.count.numpy() == slow.count.numpy() == 150


def test_sparse_accuracy_with_weights_or_tensors_keeps_the_general_path():
    from ember.keras.metrics import SparseCategoricalAccuracy

    metric = SparseCategoricalAccuracy()
    metric.update_state(tf.constant([1, 0]), tf.constant([[0.2, 0.8], [0.3, 0.7]]),
                        sample_weight=[3.0, 1.0])
    assert metric.result().numpy() == pytest.approx(0.75)
    metric.reset_state()
    metric.update_state([[1], [0]], [[0.2, 0.8], [0.9, 0.1]])  # Python lists
    assert metric.result().numpy() == 1.0


def test_fit_accuracy_is_the_same_with_the_count(monkeypatch):
    from ember.keras.metrics import MeanMetricWrapper, SparseCategoricalAccuracy

    fast = _train(_seed_mlp)
    monkeypatch.setattr(SparseCategoricalAccuracy, "update_state",
                        MeanMetricWrapper.update_state)
    slow = _train(_seed_mlp)
    _assert_same(fast, slow, rtol=0, atol=0)
