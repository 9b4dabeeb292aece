"""The seed's Keras code, timed: `import ember as tf` or `import tensorflow as tf`, all else equal.

Every function below takes the imported module as `tf` and is plain course code: the model of the
seed's complete training example, compile('adam', 'sparse_categorical_crossentropy',
metrics=['accuracy']), fit / evaluate / predict / train_on_batch, and a custom training step with
tf.GradientTape + optimizer.apply_gradients (eager, and wrapped in tf.function).

    python benchmarks/mlp_keras.py --framework ember|tensorflow --task train|latency|predict
"""

from __future__ import annotations

import statistics
import time

import harness


def import_framework(name):
    if name == "ember":
        import ember as tf
    else:
        import tensorflow as tf
    return tf


def build_model(tf):
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(128, activation='relu', input_shape=(784,)),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(64, activation='relu'),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(10, activation='softmax')
    ])
    return model


def compiled_model(tf):
    model = build_model(tf)
    model.compile(
        optimizer='adam',
        loss='sparse_categorical_crossentropy',
        metrics=['accuracy']
    )
    return model


def custom_train_step(tf, model):
    """The custom loop of the course: forward under a tape, gradients, apply_gradients."""
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)

    def train_step(x, y):
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            loss = loss_fn(y, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    return train_step


def seed_everything(tf, seed):
    """Seeds through Keras' own call; a framework without it just trains from its own seed."""
    utils = getattr(tf.keras, "utils", None)
    if utils is not None and hasattr(utils, "set_random_seed"):
        utils.set_random_seed(seed)
        return True
    return False


def task_train(tf, args, data, results, errors, prefix):
    (x_train, y_train), (x_test, y_test) = data

    def run():
        model = compiled_model(tf)

        def one_epoch():
            model.fit(x_train, y_train, batch_size=128, epochs=1, verbose=0)

        warmup_s, _ = harness.timed(one_epoch)
        epoch_s = [harness.timed(one_epoch)[0] for _ in range(args.epochs)]
        test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
        return {"epoch_s": epoch_s, "warmup_s": warmup_s, "test_acc": float(test_accuracy),
                "epochs_trained": 1 + args.epochs}

    harness.attempt(results, errors, f"{prefix}_fit", run)


def task_latency(tf, args, data, results, errors, prefix):
    (x_train, y_train), _ = data

    def measure(make_step):
        def run():
            step = make_step()
            out = {}
            for batch_size in harness.int_list(args.batches):
                batch_at = harness.cycling_batches(x_train, y_train, batch_size)
                out[str(batch_size)] = harness.step_latency(
                    step, batch_at, steps=args.steps, warmup=args.warmup_steps)
            return out
        return run

    def train_on_batch():
        model = compiled_model(tf)
        return lambda x, y: model.train_on_batch(x, y)

    def tape():
        return custom_train_step(tf, build_model(tf))

    def tape_function():
        return tf.function(custom_train_step(tf, build_model(tf)))

    harness.attempt(results, errors, f"{prefix}_train_on_batch", measure(train_on_batch))
    harness.attempt(results, errors, f"{prefix}_tape", measure(tape))
    harness.attempt(results, errors, f"{prefix}_tape_function", measure(tape_function))


def task_predict(tf, args, data, results, errors, prefix):
    _, (x_test, _) = data

    def run():
        model = compiled_model(tf)
        out = {}
        for batch_size in harness.int_list(args.predict_batches):
            if batch_size == 32:  # Keras' default, called as course code calls it
                predict = lambda: model.predict(x_test, verbose=0)
            else:
                predict = lambda bs=batch_size: model.predict(x_test, batch_size=bs, verbose=0)
            predict()
            times = [harness.timed(predict)[0] for _ in range(args.repeats)]
            out[str(batch_size)] = {"median_s": statistics.median(times), "n": len(x_test)}
        return out

    harness.attempt(results, errors, f"{prefix}_predict", run)


def framework_info(tf, name):
    out = {**harness.numpy_info(), name: getattr(tf, "__version__", "?")}
    try:
        threading = tf.config.threading
        # 0 means "the framework's default" (for TensorFlow: one thread per core)
        out["intra_op_threads"] = threading.get_intra_op_parallelism_threads()
        out["inter_op_threads"] = threading.get_inter_op_parallelism_threads()
    except Exception:  # not part of what is measured; a framework may not expose it
        pass
    return out


def main():
    parser = harness.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=("ember", "tensorflow"), required=True)
    args = parser.parse_args()
    header = {"script": "mlp_keras", "task": args.task, "framework": args.framework}
    t0 = time.perf_counter()
    try:
        tf = import_framework(args.framework)
    except ImportError as exc:
        harness.emit({**header, "unavailable": harness.error_text(exc)})
        return
    import_s = time.perf_counter() - t0
    data = harness.load_fashion_mnist()
    seeded = seed_everything(tf, args.seed) if hasattr(tf, "keras") else False
    results, errors = {}, {}
    task = {"train": task_train, "latency": task_latency, "predict": task_predict}[args.task]
    task(tf, args, data, results, errors, args.framework)
    harness.emit({**header, "results": results, "errors": errors, "seeded": seeded,
                  "import_s": import_s, "info": framework_info(tf, args.framework)})


if __name__ == "__main__":
    main()
