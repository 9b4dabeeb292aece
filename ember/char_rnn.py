"""The course's character model (the music-generation lab's network) as a run of ``ember train``:

    ember train --model char_rnn --text FILE [--steps 300] [--units 256]

Embedding -> stateful LSTM -> Dense over the characters of a text file, trained with a
GradientTape loop on random (batch, seq_length) windows (the lab's ``get_batch``), then
rebuilt with batch size 1 and sampled one character at a time with
``tf.random.categorical``. The run folder gets ``history.csv`` (loss per step),
``loss.png``, ``sample.txt``, ``run.json`` and the weights.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

from ember.atomic import atomic_path

#: A text every Debian system ships (no download).
DEFAULT_TEXT = "/usr/share/common-licenses/GPL-3"


def load_text(path=None) -> str:
    """The text of ``path`` (default ``DEFAULT_TEXT``), with a clear error when unusable."""
    path = path or DEFAULT_TEXT
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        raise FileNotFoundError(f"cannot read the text file {path}: {e.strerror or e}") from None
    if len(text) < 2:
        raise ValueError(f"the text file {path} is empty: a character model needs text to "
                         "learn from.")
    return text


def build_model(vocab_size, embedding_dim, rnn_units, batch_size):
    """The lab's network, exactly as the course writes it."""
    import ember as tf
    return tf.keras.Sequential([
        tf.keras.layers.Embedding(vocab_size, embedding_dim,
                                  batch_input_shape=[batch_size, None]),
        tf.keras.layers.LSTM(rnn_units, return_sequences=True,
                             recurrent_initializer="glorot_uniform",
                             recurrent_activation="sigmoid", stateful=True),
        tf.keras.layers.Dense(vocab_size),
    ])


def get_batch(vectorized, seq_length, batch_size, rng):
    """``batch_size`` random windows: inputs ``s[i:i+n]`` and targets ``s[i+1:i+n+1]``."""
    n = len(vectorized) - 1
    seq_length = min(seq_length, n)
    starts = rng.integers(0, n - seq_length + 1, batch_size)
    x = np.stack([vectorized[s:s + seq_length] for s in starts])
    y = np.stack([vectorized[s + 1:s + seq_length + 1] for s in starts])
    return x, y


def train(text, *, steps=300, seq_length=100, batch_size=32, embedding_dim=256,
          rnn_units=256, learning_rate=5e-3, seed=None, progress=None):
    """Trains the lab's model on ``text``; returns (model, losses, vocab)."""
    import ember as tf
    if seed is not None:
        tf.keras.utils.set_random_seed(seed)
    vocab = sorted(set(text))
    char2idx = {c: i for i, c in enumerate(vocab)}
    vectorized = np.array([char2idx[c] for c in text], dtype=np.int64)
    model = build_model(len(vocab), embedding_dim, rnn_units, batch_size)
    optimizer = tf.keras.optimizers.Adam(learning_rate)
    rng = np.random.default_rng(seed)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            y_hat = model(x)
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                y, y_hat, from_logits=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    losses = []
    for i in range(steps):
        x, y = get_batch(vectorized, seq_length, batch_size, rng)
        losses.append(float(train_step(x, y)))
        if progress is not None:
            progress(i + 1, losses[-1])
    return model, losses, vocab


def generate_text(model, vocab, start_string, generation_length=500, embedding_dim=None,
                  rnn_units=None):
    """Rebuilds the model with batch size 1, copies the weights and samples characters."""
    import ember as tf
    char2idx = {c: i for i, c in enumerate(vocab)}
    start = [c for c in start_string if c in char2idx] or [vocab[0]]
    embedding, lstm = model.layers[0], model.layers[1]
    sampler = build_model(len(vocab), embedding_dim or embedding.output_dim,
                          rnn_units or lstm.units, 1)
    sampler.set_weights(model.get_weights())
    sampler.build(tf.TensorShape([1, None]))
    sampler.reset_states()
    input_eval = tf.expand_dims([char2idx[c] for c in start], 0)
    generated = []
    for _ in range(generation_length):
        predictions = tf.squeeze(sampler(input_eval), 0)
        predicted_id = tf.random.categorical(predictions, num_samples=1)[-1, 0].numpy()
        input_eval = tf.expand_dims([predicted_id], 0)
        generated.append(vocab[predicted_id])
    return "".join(start) + "".join(generated)


def _write(path, text):
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)


def _loss_picture(losses, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.arange(1, len(losses) + 1), losses, lw=1)
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy loss")
    ax.set_title("char_rnn: training loss")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return True


def run(args, out) -> int:
    """``ember train --model char_rnn``: trains, samples, and writes the run folder ``out``."""
    from ember.keras.utils.progbar import Progbar
    started = time.time()
    text = load_text(args.text)
    say = (lambda *a: None) if args.quiet else print
    say(f"Text: {args.text or DEFAULT_TEXT} ({len(text)} characters, "
        f"{len(set(text))} distinct)")
    bar = Progbar(args.steps, verbose=0 if args.quiet else 1, stateful_metrics=["loss"])
    model, losses, vocab = train(
        text, steps=args.steps, seq_length=args.seq_length, batch_size=args.batch_size,
        embedding_dim=args.embedding_dim, rnn_units=args.units, seed=args.seed,
        progress=lambda i, loss: bar.update(i, [("loss", loss)]))
    sample = generate_text(model, vocab, text[:10], args.generate)
    os.makedirs(out, exist_ok=True)
    _write(os.path.join(out, "history.csv"),
           "step,loss\n" + "".join(f"{i + 1},{v}\n" for i, v in enumerate(losses)))
    _write(os.path.join(out, "sample.txt"), sample + "\n")
    info = {"model": "char_rnn", "text": os.path.abspath(args.text or DEFAULT_TEXT),
            "characters": len(text), "vocabulary": vocab, "steps": args.steps,
            "batch_size": args.batch_size, "seq_length": args.seq_length,
            "embedding_dim": args.embedding_dim, "rnn_units": args.units,
            "first_loss": losses[0], "final_loss": losses[-1], "seed": args.seed,
            "wall_time_s": round(time.time() - started, 2)}
    _write(os.path.join(out, "run.json"), json.dumps(info, indent=2))
    model.save_weights(os.path.join(out, "model.weights.npz"))
    pictured = _loss_picture(losses, os.path.join(out, "loss.png"))
    say(f"Loss: {losses[0]:.3f} -> {losses[-1]:.3f} over {args.steps} steps")
    say("Sample:\n" + sample)
    say(f"Results written to {out}/ ({', '.join(sorted(os.listdir(out)))})")
    if not pictured:
        say("(loss.png skipped: install matplotlib with `pip install ember[plot]`)")
    return 0
